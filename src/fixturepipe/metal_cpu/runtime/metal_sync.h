// Synchronisation seen by kernel code: threadgroup_barrier, simdgroup functions,
// atomics and threadgroup memory. Threads of a threadgroup are fibers run by one
// worker; a barrier or simd function parks the calling fiber (mtl_park) and the
// scheduler in launcher.h releases it once every live thread concerned has arrived
// at the same call site (identified by the presumed .metal line and column).
#pragma once
#include "metal_types.h"

namespace metal {

enum class mem_flags : unsigned { mem_none = 0, mem_device = 1, mem_threadgroup = 2,
                                  mem_texture = 4, mem_threadgroup_imageblock = 8 };
METAL_FUNC mem_flags operator|(mem_flags a, mem_flags b) {
  return (mem_flags)((unsigned)a | (unsigned)b);
}

enum memory_order { memory_order_relaxed = __ATOMIC_RELAXED, memory_order_acquire = __ATOMIC_ACQUIRE,
                    memory_order_release = __ATOMIC_RELEASE, memory_order_acq_rel = __ATOMIC_ACQ_REL,
                    memory_order_seq_cst = __ATOMIC_SEQ_CST };
enum thread_scope { thread_scope_thread, thread_scope_simdgroup, thread_scope_threadgroup,
                    thread_scope_device };

// ---- scheduler interface (implemented in launcher.h) ----
enum { MTL_RUNNABLE = 0, MTL_AT_BARRIER = 1, MTL_AT_SIMD = 2, MTL_DONE = 3 };
constexpr int MTL_SIMD_WIDTH = 32;
constexpr int MTL_SLOT_BYTES = 32;

struct mtl_thread {
  void* sp;                // saved stack pointer while parked
  uint32_t index;          // thread_index_in_threadgroup
  uint32_t state;
  uint32_t site_line, site_col;
  const char* site_file;
  alignas(32) unsigned char slot[MTL_SLOT_BYTES];  // this lane's simd operand
};
struct mtl_simd_view {
  uint32_t mask;           // lanes taking part in the released simd operation
  bool tile_done;          // a simdgroup multiply's 8x8 result is in `tile`
  alignas(32) unsigned char lanes[MTL_SIMD_WIDTH][MTL_SLOT_BYTES];
  alignas(32) float tile[8][8];  // computed once per multiply by its first lane to resume
};

extern thread_local mtl_thread* mtl_self;
extern thread_local bool mtl_fibers;  // false on the no-barrier fast path
void mtl_park(uint32_t state, const char* file, uint32_t line, uint32_t col);
void mtl_park_simd(const void* value, size_t bytes, const char* file, uint32_t line, uint32_t col);
const mtl_simd_view& mtl_simd_snapshot();
void* mtl_tg_alloc(size_t bytes, size_t align, int site, const char* name, const char* decl,
                   const char* file, uint32_t line);
[[noreturn]] void mtl_fail(int code, const char* fmt, ...);
[[noreturn]] void mtl_tg_out_of_bounds(const void* array, int dim, unsigned long long extent,
                                       long long index, const char* file, uint32_t line,
                                       uint32_t col);

// An index into a threadgroup array with the .metal location of the subscript. C++17
// forbids default arguments on operator[], so the converting constructor takes them:
// they are evaluated where the index expression is converted, i.e. at the subscript.
struct mtl_tg_index {
  long long value;
  const char* file;
  uint32_t line, col;
  template <class I, enable_if_t<__is_integral(I) || __is_enum(I), int> = 0>
  METAL_FUNC mtl_tg_index(I i, const char* f = __builtin_FILE(), uint32_t l = __builtin_LINE(),
                          uint32_t c = __builtin_COLUMN())
      : value((long long)i), file(f), line(l), col(c) {}
};

// A threadgroup array `T name[N]...` is a mtl_tg_array with the layout of the plain
// array, whose operator[] checks every dimension (one compare-and-branch) so an
// out-of-bounds index is an error naming the array instead of silently reading or
// writing the neighbouring threadgroup allocation. Non-array threadgroup variables
// stay plain objects. Dim counts from 1 (outermost). The error finds the declaration
// from the address, so arrays of one shape have one type (`flip ? a : b` works).
template <class A, int Dim> struct mtl_tg_select { typedef A type; };
template <class A, int Dim> struct mtl_tg_array;
template <class T, size_t N, int Dim> struct mtl_tg_select<T[N], Dim> {
  typedef mtl_tg_array<T[N], Dim> type;
};

template <class T, size_t N, int Dim> struct mtl_tg_array<T[N], Dim> {
  typedef typename mtl_tg_select<T, Dim + 1>::type elem;
  elem data[N];

  METAL_FUNC elem& operator[](mtl_tg_index i) {
    if (__builtin_expect((unsigned long long)i.value >= N, 0))
      mtl_tg_out_of_bounds(data, Dim, N, i.value, i.file, i.line, i.col);
    return data[i.value];
  }
  METAL_FUNC const elem& operator[](mtl_tg_index i) const {
    return const_cast<mtl_tg_array&>(*this)[i];
  }
  // Decays to a pointer wherever one is expected (`threadgroup T* p = name;`, a function
  // parameter). A template, so clang does not offer the built-in `pointer[index]`, which
  // would make `name[i]` ambiguous with the checked operator[].
  template <class P, enable_if_t<__is_pointer(P) && __is_convertible_to(elem*, P), int> = 0>
  METAL_FUNC operator P() const { return const_cast<elem*>(data); }
  // Pointer arithmetic on the decayed array (`name + k`, `*name`); not bounds-checked.
  template <class I> METAL_FUNC friend elem* operator+(mtl_tg_array& a, I k) { return a.data + k; }
  template <class I> METAL_FUNC friend elem* operator+(I k, mtl_tg_array& a) { return a.data + k; }
  template <class I> METAL_FUNC friend elem* operator-(mtl_tg_array& a, I k) { return a.data - k; }
  METAL_FUNC elem& operator*() { return data[0]; }
  METAL_FUNC elem* begin() { return data; }
  METAL_FUNC elem* end() { return data + N; }
};

// A per-thread array of simdgroup matrices (translate.py) is checked the same way; its
// storage is the thread's own, so an out-of-bounds index names no threadgroup declaration.
template <class A> using mtl_thread_array = typename mtl_tg_select<A, 1>::type;

// Threadgroup memory declared at kernel scope becomes a reference into the group's arena.
template <class A, int Site>
METAL_FUNC typename mtl_tg_select<A, 1>::type* mtl_threadgroup_var(
    const char* name, const char* decl, const char* file = __builtin_FILE(),
    uint32_t line = __builtin_LINE()) {
  typedef typename mtl_tg_select<A, 1>::type V;
  static_assert(sizeof(V) == sizeof(A) && alignof(V) == alignof(A), "threadgroup array layout");
  // A dimension of extent 0 (`buf[2 / BT]` with BT > 2; C++ zero-length arrays are a
  // compiler extension) has no valid index, and the wrapper cannot even be formed.
  if constexpr (sizeof(A) == 0)
    mtl_fail(3, "threadgroup array `%s` has zero elements with this launch's template "
                "arguments: `threadgroup %s` is declared at %s:%u, and every access to it "
                "would be out of bounds (on a GPU it reads and writes the neighbouring "
                "threadgroup memory)", name, decl, file, line);
  return static_cast<V*>(mtl_tg_alloc(sizeof(A), alignof(A) < 16 ? 16 : alignof(A), Site, name,
                                      decl, file, line));
}

METAL_FUNC void threadgroup_barrier(mem_flags = mem_flags::mem_none,
                                    const char* file = __builtin_FILE(),
                                    uint32_t line = __builtin_LINE(),
                                    uint32_t col = __builtin_COLUMN()) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  mtl_park(MTL_AT_BARRIER, file, line, col);
}

// ---- SIMD-group functions over 32 lanes ----
template <class T> METAL_FUNC const T& mtl_lane_value(const mtl_simd_view& v, int lane) {
  return *reinterpret_cast<const T*>(v.lanes[lane]);
}
template <class T>
METAL_FUNC const mtl_simd_view& mtl_simd_exchange(const T& x, const char* file, uint32_t line,
                                                 uint32_t col) {
  static_assert(sizeof(T) <= MTL_SLOT_BYTES, "simd operand too large");
  mtl_park_simd(&x, sizeof(T), file, line, col);
  return mtl_simd_snapshot();
}
METAL_FUNC uint32_t mtl_my_lane() { return mtl_self->index % MTL_SIMD_WIDTH; }

#define MTL_SITE const char *file = __builtin_FILE(), uint32_t line = __builtin_LINE(), \
                 uint32_t col = __builtin_COLUMN()
#define MTL_SITE_ARGS file, line, col

METAL_FUNC void simdgroup_barrier(mem_flags = mem_flags::mem_none, MTL_SITE) {
  mtl_simd_exchange(0, MTL_SITE_ARGS);
}

// Reductions fold the active lanes in lane order (Apple's GPUs use a tree; sums of
// floats can differ in the last bits, see docs/metal_cpu.md).
#define MTL_SIMD_REDUCE(NAME, INIT, OP)                                   \
  template <class T> METAL_FUNC decay_t<T> NAME(T x, MTL_SITE) {           \
    typedef decay_t<T> V;                                                 \
    const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_SITE_ARGS);      \
    bool first = true;                                                    \
    V acc = x;                                                            \
    for (int l = 0; l < MTL_SIMD_WIDTH; ++l) {                            \
      if (!(v.mask >> l & 1)) continue;                                   \
      const V& b = mtl_lane_value<V>(v, l);                               \
      if (first) { acc = b; first = false; } else { acc = OP; }           \
    }                                                                     \
    return acc;                                                           \
  }
MTL_SIMD_REDUCE(simd_sum, 0, acc + b)
MTL_SIMD_REDUCE(simd_product, 1, acc * b)
MTL_SIMD_REDUCE(simd_max, 0, max(acc, b))
MTL_SIMD_REDUCE(simd_min, 0, min(acc, b))
MTL_SIMD_REDUCE(simd_and, 0, acc & b)
MTL_SIMD_REDUCE(simd_or, 0, acc | b)
MTL_SIMD_REDUCE(simd_xor, 0, acc ^ b)
#undef MTL_SIMD_REDUCE

template <class T> METAL_FUNC decay_t<T> simd_prefix_inclusive_sum(T x, MTL_SITE) {
  typedef decay_t<T> V;
  const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_SITE_ARGS);
  V acc = V(0);
  for (uint32_t l = 0; l <= mtl_my_lane(); ++l)
    if (v.mask >> l & 1) acc += mtl_lane_value<V>(v, l);
  return acc;
}
template <class T> METAL_FUNC decay_t<T> simd_prefix_exclusive_sum(T x, MTL_SITE) {
  typedef decay_t<T> V;
  const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_SITE_ARGS);
  V acc = V(0);
  for (uint32_t l = 0; l < mtl_my_lane(); ++l)
    if (v.mask >> l & 1) acc += mtl_lane_value<V>(v, l);
  return acc;
}
template <class T> METAL_FUNC decay_t<T> simd_prefix_inclusive_product(T x, MTL_SITE) {
  typedef decay_t<T> V;
  const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_SITE_ARGS);
  V acc = V(1);
  for (uint32_t l = 0; l <= mtl_my_lane(); ++l)
    if (v.mask >> l & 1) acc *= mtl_lane_value<V>(v, l);
  return acc;
}
template <class T> METAL_FUNC decay_t<T> simd_prefix_exclusive_product(T x, MTL_SITE) {
  typedef decay_t<T> V;
  const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_SITE_ARGS);
  V acc = V(1);
  for (uint32_t l = 0; l < mtl_my_lane(); ++l)
    if (v.mask >> l & 1) acc *= mtl_lane_value<V>(v, l);
  return acc;
}

// Reading a lane that is inactive or out of range yields the caller's own value.
template <class T> METAL_FUNC decay_t<T> mtl_read_lane(const mtl_simd_view& v, T own, long src) {
  if (src < 0 || src >= MTL_SIMD_WIDTH || !(v.mask >> src & 1)) return own;
  return mtl_lane_value<decay_t<T>>(v, (int)src);
}
template <class T> METAL_FUNC decay_t<T> simd_shuffle(T x, ushort src, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x, src);
}
template <class T> METAL_FUNC decay_t<T> simd_broadcast(T x, ushort src, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x, src);
}
template <class T> METAL_FUNC decay_t<T> simd_shuffle_down(T x, ushort d, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x,
                       (long)mtl_my_lane() + d);
}
template <class T> METAL_FUNC decay_t<T> simd_shuffle_up(T x, ushort d, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x,
                       (long)mtl_my_lane() - d);
}
template <class T> METAL_FUNC decay_t<T> simd_shuffle_xor(T x, ushort m, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x,
                       (long)(mtl_my_lane() ^ m));
}
template <class T> METAL_FUNC decay_t<T> simd_shuffle_rotate_down(T x, ushort d, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x,
                       (long)((mtl_my_lane() + d) % MTL_SIMD_WIDTH));
}
template <class T> METAL_FUNC decay_t<T> simd_shuffle_rotate_up(T x, ushort d, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x,
                       (long)((mtl_my_lane() + MTL_SIMD_WIDTH - d % MTL_SIMD_WIDTH) %
                              MTL_SIMD_WIDTH));
}
template <class T>
METAL_FUNC decay_t<T> simd_shuffle_and_fill_down(T x, decay_t<T> fill, ushort d, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS);
  long src = (long)mtl_my_lane() + d;
  return src < MTL_SIMD_WIDTH ? mtl_read_lane(v, (decay_t<T>)x, src) : fill;
}
template <class T>
METAL_FUNC decay_t<T> simd_shuffle_and_fill_up(T x, decay_t<T> fill, ushort d, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS);
  long src = (long)mtl_my_lane() - d;
  return src >= 0 ? mtl_read_lane(v, (decay_t<T>)x, src) : fill;
}
template <class T> METAL_FUNC decay_t<T> simd_broadcast_first(T x, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS);
  return mtl_read_lane(v, (decay_t<T>)x, __builtin_ctz(v.mask));
}
METAL_FUNC bool simd_all(bool x, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<bool>(x, MTL_SITE_ARGS);
  for (int l = 0; l < MTL_SIMD_WIDTH; ++l)
    if ((v.mask >> l & 1) && !mtl_lane_value<bool>(v, l)) return false;
  return true;
}
METAL_FUNC bool simd_any(bool x, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<bool>(x, MTL_SITE_ARGS);
  for (int l = 0; l < MTL_SIMD_WIDTH; ++l)
    if ((v.mask >> l & 1) && mtl_lane_value<bool>(v, l)) return true;
  return false;
}
METAL_FUNC bool simd_is_first(MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<int>(0, MTL_SITE_ARGS);
  return (uint32_t)__builtin_ctz(v.mask) == mtl_my_lane();
}
struct simd_vote {
  typedef uint64_t vote_t;
  vote_t bits;
  explicit operator vote_t() const { return bits; }
  bool all() const { return bits == 0xffffffffull; }
  bool any() const { return bits != 0; }
};
METAL_FUNC simd_vote simd_ballot(bool x, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<bool>(x, MTL_SITE_ARGS);
  simd_vote r{0};
  for (int l = 0; l < MTL_SIMD_WIDTH; ++l)
    if ((v.mask >> l & 1) && mtl_lane_value<bool>(v, l)) r.bits |= 1ull << l;
  return r;
}
METAL_FUNC simd_vote simd_active_threads_mask(MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<int>(0, MTL_SITE_ARGS);
  return simd_vote{v.mask};
}
// ---- quad-group functions: the same rendezvous, over lanes 4k .. 4k+3 ----
METAL_FUNC uint32_t mtl_quad_base() { return mtl_my_lane() & ~3u; }
#define MTL_QUAD_REDUCE(NAME, OP)                                          \
  template <class T> METAL_FUNC decay_t<T> NAME(T x, MTL_SITE) {           \
    typedef decay_t<T> V;                                                 \
    const mtl_simd_view& v = mtl_simd_exchange<V>(x, MTL_SITE_ARGS);      \
    bool first = true;                                                    \
    V acc = x;                                                            \
    for (uint32_t l = mtl_quad_base(); l < mtl_quad_base() + 4; ++l) {    \
      if (!(v.mask >> l & 1)) continue;                                   \
      const V& b = mtl_lane_value<V>(v, l);                               \
      if (first) { acc = b; first = false; } else { acc = OP; }           \
    }                                                                     \
    return acc;                                                           \
  }
MTL_QUAD_REDUCE(quad_sum, acc + b)
MTL_QUAD_REDUCE(quad_product, acc * b)
MTL_QUAD_REDUCE(quad_max, max(acc, b))
MTL_QUAD_REDUCE(quad_min, min(acc, b))
#undef MTL_QUAD_REDUCE
template <class T> METAL_FUNC decay_t<T> quad_shuffle(T x, ushort i, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x,
                       (long)(mtl_quad_base() + (i & 3)));
}
template <class T> METAL_FUNC decay_t<T> quad_broadcast(T x, ushort i, MTL_SITE) {
  return quad_shuffle(x, i, MTL_SITE_ARGS);
}
template <class T> METAL_FUNC decay_t<T> quad_shuffle_xor(T x, ushort m, MTL_SITE) {
  return mtl_read_lane(mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS), (decay_t<T>)x,
                       (long)(mtl_quad_base() + ((mtl_my_lane() ^ m) & 3)));
}
template <class T> METAL_FUNC decay_t<T> quad_shuffle_down(T x, ushort d, MTL_SITE) {
  uint32_t q = (mtl_my_lane() & 3) + d;
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS);
  return q < 4 ? mtl_read_lane(v, (decay_t<T>)x, (long)(mtl_quad_base() + q)) : (decay_t<T>)x;
}
template <class T> METAL_FUNC decay_t<T> quad_shuffle_up(T x, ushort d, MTL_SITE) {
  long q = (long)(mtl_my_lane() & 3) - d;
  const mtl_simd_view& v = mtl_simd_exchange<decay_t<T>>(x, MTL_SITE_ARGS);
  return q >= 0 ? mtl_read_lane(v, (decay_t<T>)x, (long)mtl_quad_base() + q) : (decay_t<T>)x;
}
METAL_FUNC bool quad_all(bool x, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<bool>(x, MTL_SITE_ARGS);
  for (uint32_t l = mtl_quad_base(); l < mtl_quad_base() + 4; ++l)
    if ((v.mask >> l & 1) && !mtl_lane_value<bool>(v, l)) return false;
  return true;
}
METAL_FUNC bool quad_any(bool x, MTL_SITE) {
  const mtl_simd_view& v = mtl_simd_exchange<bool>(x, MTL_SITE_ARGS);
  for (uint32_t l = mtl_quad_base(); l < mtl_quad_base() + 4; ++l)
    if ((v.mask >> l & 1) && mtl_lane_value<bool>(v, l)) return true;
  return false;
}

#undef MTL_SITE
#undef MTL_SITE_ARGS

// ---- atomics: real atomics, because threadgroups run on several OS threads ----
// In a race_check build they are out-of-line and untraced: atomics never race.
#if MTL_RACE
#define MTL_ATOMIC_FUNC inline __attribute__((noinline, no_sanitize("coverage")))
#else
#define MTL_ATOMIC_FUNC METAL_FUNC
#endif
template <class T> struct atomic {
  T value;
};
typedef atomic<int> atomic_int;
typedef atomic<unsigned int> atomic_uint;
typedef atomic<bool> atomic_bool;
typedef atomic<float> atomic_float;
typedef atomic<unsigned long> atomic_ulong;
typedef atomic<long> atomic_long;

template <class T> MTL_ATOMIC_FUNC T atomic_load_explicit(const volatile atomic<T>* a, memory_order) {
  T r;
  __atomic_load(&a->value, &r, __ATOMIC_SEQ_CST);
  return r;
}
template <class T>
MTL_ATOMIC_FUNC void atomic_store_explicit(volatile atomic<T>* a, T v, memory_order) {
  __atomic_store(&a->value, &v, __ATOMIC_SEQ_CST);
}
template <class T>
MTL_ATOMIC_FUNC T atomic_exchange_explicit(volatile atomic<T>* a, T v, memory_order) {
  T r;
  __atomic_exchange(&a->value, &v, &r, __ATOMIC_SEQ_CST);
  return r;
}
template <class T>
MTL_ATOMIC_FUNC bool atomic_compare_exchange_weak_explicit(volatile atomic<T>* a, T* expected, T desired,
                                                      memory_order, memory_order) {
  return __atomic_compare_exchange(&a->value, expected, &desired, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_SEQ_CST);
}
template <class T>
MTL_ATOMIC_FUNC bool atomic_compare_exchange_strong_explicit(volatile atomic<T>* a, T* expected,
                                                        T desired, memory_order, memory_order) {
  return atomic_compare_exchange_weak_explicit(a, expected, desired, memory_order_relaxed,
                                               memory_order_relaxed);
}
// Read-modify-write through a compare-exchange loop (works for float too).
template <class T, class F> MTL_ATOMIC_FUNC T mtl_atomic_rmw(volatile atomic<T>* a, F f) {
  T old;
  __atomic_load(&a->value, &old, __ATOMIC_RELAXED);
  T next = f(old);
  while (!__atomic_compare_exchange(&a->value, &old, &next, true, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED))
    next = f(old);
  return old;
}
#define MTL_ATOMIC_RMW(NAME, EXPR)                                                 \
  template <class T, class U>                                                      \
  MTL_ATOMIC_FUNC T NAME(volatile atomic<T>* a, U operand, memory_order) {              \
    T v = (T)operand;                                                              \
    return mtl_atomic_rmw(a, [v](T o) { return (T)(EXPR); });                      \
  }
MTL_ATOMIC_RMW(atomic_fetch_add_explicit, o + v)
MTL_ATOMIC_RMW(atomic_fetch_sub_explicit, o - v)
MTL_ATOMIC_RMW(atomic_fetch_min_explicit, v < o ? v : o)
MTL_ATOMIC_RMW(atomic_fetch_max_explicit, o < v ? v : o)
MTL_ATOMIC_RMW(atomic_fetch_and_explicit, o & v)
MTL_ATOMIC_RMW(atomic_fetch_or_explicit, o | v)
MTL_ATOMIC_RMW(atomic_fetch_xor_explicit, o ^ v)
#undef MTL_ATOMIC_RMW

METAL_FUNC void atomic_thread_fence(mem_flags, memory_order, thread_scope = thread_scope_device) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

}  // namespace metal
