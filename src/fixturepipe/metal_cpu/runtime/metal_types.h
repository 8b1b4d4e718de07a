// Metal scalar and vector types on the CPU (bool vectors: metal_bool_vectors.h): clang
// ext_vector_type gives Metal's swizzles (.xy, .rgba) and component-wise arithmetic; half is _Float16 and bfloat
// is __bf16 (compiled with excess precision off, so every operation rounds like the
// GPU's). No C++ standard library: the runtime links libc only. The float/double ->
// bfloat conversions clang calls out of line are defined at the end of this file.
#pragma once
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef MTL_RACE
#define MTL_RACE 0  // 1: race_check build (see race_detector.h)
#endif

// glibc's math.h defines these as C macros, which would shadow the vector-aware
// metal:: functions of the same name.
#undef isnan
#undef isinf
#undef isfinite
#undef isnormal
#undef signbit

// Address spaces are one flat address space here.
#define device
#define constant
#define thread
#define threadgroup
#define ray_data
#define METAL_FUNC inline __attribute__((always_inline))

namespace metal {

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef _Float16 half;
typedef __bf16 bfloat;

template <class T, int N>
using vec = T __attribute__((ext_vector_type(N)));

#define MTL_VEC_TYPES(T, NAME)      \
  typedef vec<T, 2> NAME##2;        \
  typedef vec<T, 3> NAME##3;        \
  typedef vec<T, 4> NAME##4;
MTL_VEC_TYPES(signed char, char)
MTL_VEC_TYPES(unsigned char, uchar)
MTL_VEC_TYPES(short, short)
MTL_VEC_TYPES(unsigned short, ushort)
MTL_VEC_TYPES(int, int)
MTL_VEC_TYPES(unsigned int, uint)
MTL_VEC_TYPES(long, long)
MTL_VEC_TYPES(unsigned long, ulong)
MTL_VEC_TYPES(_Float16, half)
MTL_VEC_TYPES(__bf16, bfloat)
MTL_VEC_TYPES(float, float)
#undef MTL_VEC_TYPES

// ---- tiny type traits (no <type_traits>) ----
template <bool B, class T = void> struct enable_if {};
template <class T> struct enable_if<true, T> { typedef T type; };
template <bool B, class T = void> using enable_if_t = typename enable_if<B, T>::type;
template <class A, class B> struct is_same { static constexpr bool value = false; };
template <class A> struct is_same<A, A> { static constexpr bool value = true; };
template <class T> struct remove_cv { typedef T type; };
template <class T> struct remove_cv<const T> { typedef T type; };
template <class T> struct remove_cv<volatile T> { typedef T type; };
template <class T> struct remove_cv<const volatile T> { typedef T type; };
template <class T> struct remove_ref { typedef T type; };
template <class T> struct remove_ref<T&> { typedef T type; };
template <class T> using decay_t = typename remove_cv<typename remove_ref<T>::type>::type;
template <bool B, class A, class C> struct conditional { typedef A type; };
template <class A, class C> struct conditional<false, A, C> { typedef C type; };

// vec_traits<T>: element type and lane count (0 for a scalar).
template <class T> struct vec_traits { typedef T elem; static constexpr int n = 0; };
template <class T, int N> struct vec_traits<T __attribute__((ext_vector_type(N)))> {
  typedef T elem;
  static constexpr int n = N;
};
template <class T> constexpr bool is_vec = vec_traits<decay_t<T>>::n != 0;
template <class T> using elem_t = typename vec_traits<decay_t<T>>::elem;
template <class T> constexpr int lanes = vec_traits<decay_t<T>>::n == 0 ? 1 : vec_traits<decay_t<T>>::n;

template <class T> struct is_floating { static constexpr bool value = false; };
template <> struct is_floating<float> { static constexpr bool value = true; };
template <> struct is_floating<double> { static constexpr bool value = true; };
template <> struct is_floating<_Float16> { static constexpr bool value = true; };
template <> struct is_floating<__bf16> { static constexpr bool value = true; };
template <class T> constexpr bool is_float_like = is_floating<elem_t<T>>::value;

template <class T> struct is_integral { static constexpr bool value = false; };
#define MTL_INTEGRAL(T) template <> struct is_integral<T> { static constexpr bool value = true; };
MTL_INTEGRAL(bool) MTL_INTEGRAL(char) MTL_INTEGRAL(signed char) MTL_INTEGRAL(unsigned char)
MTL_INTEGRAL(short) MTL_INTEGRAL(unsigned short) MTL_INTEGRAL(int) MTL_INTEGRAL(unsigned int)
MTL_INTEGRAL(long) MTL_INTEGRAL(unsigned long) MTL_INTEGRAL(long long)
MTL_INTEGRAL(unsigned long long)
#undef MTL_INTEGRAL
template <class T> constexpr bool is_int_like = is_integral<elem_t<T>>::value;

// Element i of a scalar (itself) or a vector.
template <class T> METAL_FUNC elem_t<T> lane(const T& v, int i) {
  if constexpr (is_vec<T>) return v[i]; else { (void)i; return v; }
}

// ---- Metal constructor syntax: float4(a.xy, 1, 2) flattens scalars and vectors ----
template <class V> struct vmake_state { V out; int at; };
template <class V, class A> METAL_FUNC void vmake_put(vmake_state<V>& s, const A& a) {
  typedef elem_t<V> E;
  if constexpr (is_vec<A>) {
    for (int i = 0; i < lanes<A>; ++i) s.out[s.at++] = static_cast<E>(a[i]);
  } else {
    s.out[s.at++] = static_cast<E>(a);
  }
}
template <class V, class... A> METAL_FUNC V vmake(const A&... a) {
  static_assert(sizeof...(A) <= 1 || (lanes<A> + ...) == lanes<V>,
                "vector constructor: the arguments' components must add up to the vector's");
  static_assert(sizeof...(A) != 1 || ((!is_vec<A> || lanes<A> == lanes<V>) && ...),
                "vector conversion between vectors of different lengths");
  vmake_state<V> s;
  s.at = 0;
  if constexpr (sizeof...(A) == 0) {
    s.out = V(0);
  } else if constexpr (sizeof...(A) == 1 && !(is_vec<A> && ...)) {
    // one scalar: splat
    typedef elem_t<V> E;
    ((s.out = V(static_cast<E>(a))), ...);
  } else {
    (vmake_put(s, a), ...);
  }
  return s.out;
}

// as_type<T>(x): bit reinterpretation (sizes must match, as in Metal).
template <class To, class From> METAL_FUNC To as_type(const From& x) {
  static_assert(sizeof(To) == sizeof(From), "as_type: sizes differ");
  To r;
  __builtin_memcpy(&r, &x, sizeof(To));
  return r;
}

template <class T> struct numeric_limits;
#define MTL_LIMITS(T, LO, HI, EPS, INF, NANV, DMIN)                            \
  template <> struct numeric_limits<T> {                                     \
    static constexpr bool is_specialized = true;                             \
    static constexpr T min() { return DMIN; }                                \
    static constexpr T lowest() { return LO; }                               \
    static constexpr T max() { return HI; }                                  \
    static constexpr T epsilon() { return EPS; }                             \
    static constexpr T infinity() { return INF; }                            \
    static constexpr T quiet_NaN() { return NANV; }                          \
  };
MTL_LIMITS(float, -FLT_MAX, FLT_MAX, FLT_EPSILON, __builtin_inff(), __builtin_nanf(""), FLT_MIN)
MTL_LIMITS(_Float16, (_Float16)-65504.0f, (_Float16)65504.0f, (_Float16)0.0009765625f,
           (_Float16)__builtin_inff(), (_Float16)__builtin_nanf(""), (_Float16)6.103515625e-05f)
MTL_LIMITS(__bf16, (__bf16)-3.38953139e38f, (__bf16)3.38953139e38f, (__bf16)0.0078125f,
           (__bf16)__builtin_inff(), (__bf16)__builtin_nanf(""), (__bf16)1.17549435e-38f)
MTL_LIMITS(bool, false, true, false, false, false, false)
MTL_LIMITS(signed char, -128, 127, 0, 0, 0, -128)
MTL_LIMITS(char, -128, 127, 0, 0, 0, -128)
MTL_LIMITS(unsigned char, 0, 255, 0, 0, 0, 0)
MTL_LIMITS(short, -32768, 32767, 0, 0, 0, -32768)
MTL_LIMITS(unsigned short, 0, 65535, 0, 0, 0, 0)
MTL_LIMITS(int, -2147483647 - 1, 2147483647, 0, 0, 0, -2147483647 - 1)
MTL_LIMITS(unsigned int, 0u, 4294967295u, 0u, 0u, 0u, 0u)
MTL_LIMITS(long, -9223372036854775807L - 1, 9223372036854775807L, 0, 0, 0,
           -9223372036854775807L - 1)
MTL_LIMITS(unsigned long, 0ul, 18446744073709551615ul, 0ul, 0ul, 0ul, 0ul)
#undef MTL_LIMITS

}  // namespace metal

#undef MAXFLOAT
#define MAXFLOAT FLT_MAX
#undef HUGE_VALF
#define HUGE_VALF __builtin_huge_valf()
#define HUGE_VALH ((metal::half)__builtin_inff())
#define M_E_F 2.71828182845904523536f
#define M_LOG2E_F 1.44269504088896340736f
#define M_LOG10E_F 0.434294481903251827651f
#define M_LN2_F 0.693147180559945309417f
#define M_LN10_F 2.30258509299404568402f
#define M_PI_F 3.14159265358979323846f
#define M_PI_2_F 1.57079632679489661923f
#define M_PI_4_F 0.785398163397448309616f
#define M_1_PI_F 0.318309886183790671538f
#define M_2_PI_F 0.636619772367581343076f
#define M_2_SQRTPI_F 1.12837916709551257390f
#define M_SQRT2_F 1.41421356237309504880f
#define M_SQRT1_2_F 0.707106781186547524401f
#define M_PI_H ((metal::half)3.14159265358979323846f)

// ---- float/double -> bfloat, round to nearest even, in integer code ----
// Without a bfloat16 instruction (x86 before AVX512-BF16) clang lowers these
// conversions to compiler-rt calls that zig's runtime lacks. Defining them here
// also keeps the result host-independent: AVX512-BF16's VCVTNEPS2BF16 would flush
// subnormals to zero, and the executor never targets it (toolchain.py, TARGETS).
// NaN stays NaN with its sign and top payload bits, quieted, as compiler-rt and
// Arm's BFCVT do. Weak, so a toolchain that has them wins without a clash.
extern "C" {
__attribute__((weak)) __bf16 __truncsfbf2(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  uint16_t r;
  if ((u & 0x7fffffffu) > 0x7f800000u)
    r = (uint16_t)((u >> 16) | 0x0040u);
  else  // adds half an ulp, minus one unless the kept lsb is odd: ties go to even
    r = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  __bf16 b;
  __builtin_memcpy(&b, &r, 2);
  return b;
}
// double -> float rounded to odd, then float -> bfloat: one correct rounding in
// total (float keeps more than 2 x 8 + 2 bits), without a second hand-written path.
__attribute__((weak)) __bf16 __truncdfbf2(double d) {
  float f = (float)d;
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  if ((double)f != d && d == d && (u & 1u) == 0) {
    // inexact with an even last bit: the other neighbour of d is odd.
    bool away = __builtin_fabs((double)f) < __builtin_fabs(d);
    u = away ? u + 1 : u - 1;
    __builtin_memcpy(&f, &u, 4);
  }
  return __truncsfbf2(f);
}
}
