// The helpers of MLX's Metal preamble (mlx/backend/metal/kernels/utils.h) that
// custom kernel bodies use, re-implemented for the CPU executor.
#pragma once
#include "metal_types.h"

typedef metal::half float16_t;
typedef metal::bfloat bfloat16_t;

template <typename IdxT = int64_t>
METAL_FUNC IdxT elem_to_loc(IdxT elem, const int* shape, const int64_t* strides, int ndim) {
  IdxT loc = 0;
  for (int i = ndim - 1; i >= 0 && elem > 0; --i) {
    loc += (elem % shape[i]) * IdxT(strides[i]);
    elem /= shape[i];
  }
  return loc;
}

template <typename IdxT = int64_t>
METAL_FUNC IdxT elem_to_loc(metal::uint3 elem, const int* shape, const int64_t* strides, int ndim) {
  IdxT loc = elem.x * IdxT(strides[ndim - 1]) + elem.y * IdxT(strides[ndim - 2]);
  for (int d = ndim - 3; d >= 0; --d) {
    loc += (elem.z % shape[d]) * IdxT(strides[d]);
    elem.z /= shape[d];
  }
  return loc;
}

template <typename IdxT = int64_t>
METAL_FUNC IdxT elem_to_loc_1(metal::uint elem, const int64_t& stride) {
  return elem * IdxT(stride);
}

template <typename IdxT = int64_t>
METAL_FUNC IdxT elem_to_loc_2(metal::uint2 elem, const int64_t strides[2]) {
  return elem.x * IdxT(strides[1]) + elem.y * IdxT(strides[0]);
}

template <typename IdxT = int64_t>
METAL_FUNC IdxT elem_to_loc_3(metal::uint3 elem, const int64_t strides[3]) {
  return elem.x * IdxT(strides[2]) + elem.y * IdxT(strides[1]) + elem.z * IdxT(strides[0]);
}

template <typename T, typename U>
METAL_FUNC T ceildiv(T N, U M) {
  return (N + M - 1) / M;
}

// MLX's Limits<T>: +-infinity for floats, the representable range for integers.
template <typename U>
struct Limits {
  static constexpr U max = metal::numeric_limits<U>::max();
  static constexpr U min = metal::numeric_limits<U>::lowest();
  static constexpr U finite_max = metal::numeric_limits<U>::max();
  static constexpr U finite_min = metal::numeric_limits<U>::lowest();
};
#define MTL_FLOAT_LIMITS(T)                                                \
  template <>                                                              \
  struct Limits<T> {                                                       \
    static constexpr T max = metal::numeric_limits<T>::infinity();         \
    static constexpr T min = -metal::numeric_limits<T>::infinity();        \
    static constexpr T finite_max = metal::numeric_limits<T>::max();       \
    static constexpr T finite_min = -metal::numeric_limits<T>::max();      \
  };
MTL_FLOAT_LIMITS(float)
MTL_FLOAT_LIMITS(metal::half)
MTL_FLOAT_LIMITS(metal::bfloat)
#undef MTL_FLOAT_LIMITS
