// The rest of Metal's SIMD-group and quad-group functions (metal_sync.h has the common
// ones): quad_and/or/xor, quad prefix sums and products, quad_ballot, quad_is_first,
// quad_broadcast_first, quad_active_threads_mask, quad rotates and fills, the `modulo`
// forms of simd_shuffle_and_fill_*, and simd/quad_is_helper_thread (helper threads
// exist only in fragment shaders: always false in a kernel). Same rendezvous as
// metal_sync.h: the active lanes at one call site, inactive lanes' values unread.
#pragma once
#include "metal_sync.h"

namespace metal {

#define MTL_XSITE const char *file = __builtin_FILE(), uint32_t line = __builtin_LINE(), \
                  uint32_t col = __builtin_COLUMN()
#define MTL_XSITE_ARGS file, line, col

// Folds the active lanes in [lo, hi) (or up to and including / before this lane) in
// lane order with `op`; `init` when none is active.
template <class V, class F>
METAL_FUNC V mtl_fold_lanes(const mtl_simd_view& v, uint32_t lo, uint32_t hi, V init, F op) {
  V acc = init;
  for (uint32_t l = lo; l < hi; ++l)
    if (v.mask >> l & 1) acc = op(acc, mtl_lane_value<V>(v, l));
  return acc;
}

template <class T> METAL_FUNC decay_t<T> quad_and(T x, MTL_XSITE) {
  typedef decay_t<T> V;
  const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_XSITE_ARGS);
  uint32_t q = mtl_quad_base();
  return mtl_fold_lanes<V>(v, q, q + 4, V(~V(0)), [](V a, V b) { return V(a & b); });
}
template <class T> METAL_FUNC decay_t<T> quad_or(T x, MTL_XSITE) {
  typedef decay_t<T> V;
  const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_XSITE_ARGS);
  uint32_t q = mtl_quad_base();
  return mtl_fold_lanes<V>(v, q, q + 4, V(0), [](V a, V b) { return V(a | b); });
}
template <class T> METAL_FUNC decay_t<T> quad_xor(T x, MTL_XSITE) {
  typedef decay_t<T> V;
  const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_XSITE_ARGS);
  uint32_t q = mtl_quad_base();
  return mtl_fold_lanes<V>(v, q, q + 4, V(0), [](V a, V b) { return V(a ^ b); });
}

#define MTL_QUAD_PREFIX(NAME, INIT, OP, INCLUSIVE)                                  \
  template <class T> METAL_FUNC decay_t<T> NAME(T x, MTL_XSITE) {                  \
    typedef decay_t<T> V;                                                          \
    const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_XSITE_ARGS);             \
    return mtl_fold_lanes<V>(v, mtl_quad_base(), mtl_my_lane() + (INCLUSIVE), V(INIT), \
                             [](V a, V b) { return V(a OP b); });                  \
  }
MTL_QUAD_PREFIX(quad_prefix_inclusive_sum, 0, +, 1)
MTL_QUAD_PREFIX(quad_prefix_exclusive_sum, 0, +, 0)
MTL_QUAD_PREFIX(quad_prefix_inclusive_product, 1, *, 1)
MTL_QUAD_PREFIX(quad_prefix_exclusive_product, 1, *, 0)
#undef MTL_QUAD_PREFIX

struct quad_vote {
  typedef uint16_t vote_t;
  vote_t bits;
  explicit operator vote_t() const { return bits; }
  bool all() const { return bits == 0xf; }
  bool any() const { return bits != 0; }
};
METAL_FUNC quad_vote quad_ballot(bool x, MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<bool>(x, MTL_XSITE_ARGS);
  quad_vote r{0};
  for (uint32_t k = 0; k < 4; ++k) {
    uint32_t l = mtl_quad_base() + k;
    if ((v.mask >> l & 1) && mtl_lane_value<bool>(v, l)) r.bits |= 1u << k;
  }
  return r;
}
METAL_FUNC quad_vote quad_active_threads_mask(MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<int>(0, MTL_XSITE_ARGS);
  return quad_vote{(uint16_t)(v.mask >> mtl_quad_base() & 0xf)};
}
METAL_FUNC bool quad_is_first(MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<int>(0, MTL_XSITE_ARGS);
  uint32_t m = v.mask >> mtl_quad_base() & 0xf;
  return m && mtl_quad_base() + (uint32_t)__builtin_ctz(m) == mtl_my_lane();
}
template <class T> METAL_FUNC decay_t<T> quad_broadcast_first(T x, MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_XSITE_ARGS);
  uint32_t m = v.mask >> mtl_quad_base() & 0xf;
  return mtl_read_lane(v, (decay_t<T>)x, (long)(mtl_quad_base() + __builtin_ctz(m)));
}
template <class T> METAL_FUNC decay_t<T> quad_shuffle_rotate_down(T x, ushort d, MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_XSITE_ARGS);
  return mtl_read_lane(v, (decay_t<T>)x, (long)(mtl_quad_base() + ((mtl_my_lane() + d) & 3)));
}
template <class T> METAL_FUNC decay_t<T> quad_shuffle_rotate_up(T x, ushort d, MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_XSITE_ARGS);
  return mtl_read_lane(v, (decay_t<T>)x,
                       (long)(mtl_quad_base() + ((mtl_my_lane() + 4 - (d & 3)) & 3)));
}

// Shuffle-and-fill within groups of `width` lanes (the modulo form; width 4 for quads).
template <class T>
METAL_FUNC decay_t<T> mtl_fill_shift(const mtl_simd_view& v, T x, decay_t<T> fill, long delta,
                                     uint32_t width) {
  uint32_t lane = mtl_my_lane();
  uint32_t base = lane - lane % width;
  long src = (long)(lane % width) + delta;
  if (src < 0 || src >= (long)width) return fill;
  return mtl_read_lane(v, (decay_t<T>)x, (long)base + src);
}
template <class T>
METAL_FUNC decay_t<T> simd_shuffle_and_fill_down(T x, decay_t<T> fill, ushort d, ushort modulo,
                                                 MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_XSITE_ARGS);
  return mtl_fill_shift(v, x, fill, (long)d, modulo);
}
template <class T>
METAL_FUNC decay_t<T> simd_shuffle_and_fill_up(T x, decay_t<T> fill, ushort d, ushort modulo,
                                               MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_XSITE_ARGS);
  return mtl_fill_shift(v, x, fill, -(long)d, modulo);
}
template <class T>
METAL_FUNC decay_t<T> quad_shuffle_and_fill_down(T x, decay_t<T> fill, ushort d, MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_XSITE_ARGS);
  return mtl_fill_shift(v, x, fill, (long)d, 4);
}
template <class T>
METAL_FUNC decay_t<T> quad_shuffle_and_fill_up(T x, decay_t<T> fill, ushort d, MTL_XSITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_XSITE_ARGS);
  return mtl_fill_shift(v, x, fill, -(long)d, 4);
}

// Helper threads run only in fragment shaders (derivatives of discarded pixels).
METAL_FUNC bool simd_is_helper_thread() { return false; }
METAL_FUNC bool quad_is_helper_thread() { return false; }

#undef MTL_XSITE
#undef MTL_XSITE_ARGS

}  // namespace metal
