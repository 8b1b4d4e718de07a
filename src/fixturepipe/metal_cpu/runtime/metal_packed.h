// Metal's packed vectors (packed_float3, packed_half4, ...): the components of vec<T, N>
// without padding or vector alignment, so sizeof(packed_float3) == 12 and alignof == 4
// as in Metal, where a float3 is 16 bytes. clang's ext vectors are always padded and
// aligned, so a packed vector is a small struct: components by name (.x .. .w, .r .. .a)
// and by index, conversion to and from vec<T, N>, and the vector's arithmetic, which
// computes in vec<T, N> (component-wise, the same roundings). Swizzles of more than one
// component go through the unpacked vector: `float3(p).xy`.
#pragma once
#include "metal_types.h"

namespace metal {

template <class T, int N> struct mtl_packed_storage;
template <class T> struct mtl_packed_storage<T, 2> {
  union {
    T v[2];
    struct { T x, y; };
    struct { T r, g; };
  };
};
template <class T> struct mtl_packed_storage<T, 3> {
  union {
    T v[3];
    struct { T x, y, z; };
    struct { T r, g, b; };
  };
};
template <class T> struct mtl_packed_storage<T, 4> {
  union {
    T v[4];
    struct { T x, y, z, w; };
    struct { T r, g, b, a; };
  };
};

template <class T, int N> struct packed_vec;
template <class T> METAL_FUNC const T& mtl_unpack(const T& x) { return x; }
template <class T, int N> METAL_FUNC vec<T, N> mtl_unpack(const packed_vec<T, N>& p);

template <class T, int N> struct packed_vec : mtl_packed_storage<T, N> {
  typedef vec<T, N> unpacked;
  METAL_FUNC packed_vec() = default;
  METAL_FUNC packed_vec(const unpacked& u) {
    for (int i = 0; i < N; ++i) this->v[i] = u[i];
  }
  // packed_float3(1, 2, 3) and the splat packed_float3(s).
  template <class... A, enable_if_t<sizeof...(A) == N || sizeof...(A) == 1, int> = 0>
  METAL_FUNC explicit packed_vec(const A&... a) {
    *this = packed_vec(vmake<unpacked>(a...));
  }
  METAL_FUNC operator unpacked() const {
    unpacked u;
    for (int i = 0; i < N; ++i) u[i] = this->v[i];
    return u;
  }
  METAL_FUNC T& operator[](int i) { return this->v[i]; }
  METAL_FUNC const T& operator[](int i) const { return this->v[i]; }
  METAL_FUNC unpacked operator-() const { return -unpacked(*this); }
  METAL_FUNC unpacked operator+() const { return unpacked(*this); }
#define MTL_PACKED_ASSIGN(OP)                                                    \
  template <class U> METAL_FUNC packed_vec& operator OP##=(const U& u) {         \
    *this = packed_vec(unpacked(*this) OP mtl_unpack(u));                        \
    return *this;                                                                \
  }
  MTL_PACKED_ASSIGN(+)
  MTL_PACKED_ASSIGN(-)
  MTL_PACKED_ASSIGN(*)
  MTL_PACKED_ASSIGN(/)
  MTL_PACKED_ASSIGN(%)
  MTL_PACKED_ASSIGN(&)
  MTL_PACKED_ASSIGN(|)
  MTL_PACKED_ASSIGN(^)
#undef MTL_PACKED_ASSIGN
};

template <class T> struct mtl_is_packed { static constexpr bool value = false; };
template <class T, int N> struct mtl_is_packed<packed_vec<T, N>> {
  static constexpr bool value = true;
};
template <class T, int N> METAL_FUNC vec<T, N> mtl_unpack(const packed_vec<T, N>& p) {
  return vec<T, N>(p);
}

// A packed vector behaves as a vector in metal:: functions (lanes, element type).
template <class T, int N> struct vec_traits<packed_vec<T, N>> {
  typedef T elem;
  static constexpr int n = N;
};

// Binary operators where at least one side is packed: computed on the unpacked vectors.
#define MTL_PACKED_BINARY(OP)                                                              \
  template <class A, class B,                                                              \
            enable_if_t<mtl_is_packed<A>::value || mtl_is_packed<B>::value, int> = 0>      \
  METAL_FUNC auto operator OP(const A& a, const B& b)->decltype(mtl_unpack(a) OP mtl_unpack(b)) { \
    return mtl_unpack(a) OP mtl_unpack(b);                                                 \
  }
MTL_PACKED_BINARY(+)
MTL_PACKED_BINARY(-)
MTL_PACKED_BINARY(*)
MTL_PACKED_BINARY(/)
MTL_PACKED_BINARY(%)
MTL_PACKED_BINARY(&)
MTL_PACKED_BINARY(|)
MTL_PACKED_BINARY(^)
MTL_PACKED_BINARY(==)
MTL_PACKED_BINARY(!=)
MTL_PACKED_BINARY(<)
MTL_PACKED_BINARY(<=)
MTL_PACKED_BINARY(>)
MTL_PACKED_BINARY(>=)
#undef MTL_PACKED_BINARY

#define MTL_PACKED_TYPES(T, NAME)            \
  typedef packed_vec<T, 2> packed_##NAME##2; \
  typedef packed_vec<T, 3> packed_##NAME##3; \
  typedef packed_vec<T, 4> packed_##NAME##4;
MTL_PACKED_TYPES(signed char, char)
MTL_PACKED_TYPES(unsigned char, uchar)
MTL_PACKED_TYPES(short, short)
MTL_PACKED_TYPES(unsigned short, ushort)
MTL_PACKED_TYPES(int, int)
MTL_PACKED_TYPES(unsigned int, uint)
MTL_PACKED_TYPES(long, long)
MTL_PACKED_TYPES(unsigned long, ulong)
MTL_PACKED_TYPES(_Float16, half)
MTL_PACKED_TYPES(__bf16, bfloat)
MTL_PACKED_TYPES(float, float)
#undef MTL_PACKED_TYPES

static_assert(sizeof(packed_float3) == 12 && alignof(packed_float3) == 4, "packed_float3");
static_assert(sizeof(packed_half3) == 6 && alignof(packed_half3) == 2, "packed_half3");

}  // namespace metal
