// MLX's complex64_t (its Metal preamble defines it for every kernel, so custom kernels
// may use it and take complex64 arrays): two floats, real then imaginary, at global
// scope as in MLX. Construction from a real scalar (imaginary part 0), conversion to a
// real type (the real part), + - * / with complex numbers and real scalars, unary -,
// == != and the ordering MLX defines (by the real part, then the imaginary part).
// Products and quotients use the textbook formulas, each operation rounded in float,
// no fused multiply-add.
#pragma once
#include "metal_types.h"

struct complex64_t {
  float real;
  float imag;

  METAL_FUNC complex64_t() = default;
  METAL_FUNC constexpr complex64_t(float re, float im) : real(re), imag(im) {}
  template <class T, metal::enable_if_t<__is_arithmetic(T) ||
                                            metal::is_same<T, _Float16>::value ||
                                            metal::is_same<T, __bf16>::value, int> = 0>
  METAL_FUNC constexpr complex64_t(T x) : real(static_cast<float>(x)), imag(0.0f) {}
  template <class T, metal::enable_if_t<__is_arithmetic(T) ||
                                            metal::is_same<T, _Float16>::value ||
                                            metal::is_same<T, __bf16>::value, int> = 0>
  METAL_FUNC constexpr explicit operator T() const { return static_cast<T>(real); }

  METAL_FUNC complex64_t& operator+=(complex64_t o) { return *this = *this + o; }
  METAL_FUNC complex64_t& operator-=(complex64_t o) { return *this = *this - o; }
  METAL_FUNC complex64_t& operator*=(complex64_t o) { return *this = *this * o; }
  METAL_FUNC complex64_t& operator/=(complex64_t o) { return *this = *this / o; }

  friend METAL_FUNC constexpr complex64_t operator-(complex64_t x) { return {-x.real, -x.imag}; }
  friend METAL_FUNC constexpr complex64_t operator+(complex64_t a, complex64_t b) {
    return {a.real + b.real, a.imag + b.imag};
  }
  friend METAL_FUNC constexpr complex64_t operator-(complex64_t a, complex64_t b) {
    return {a.real - b.real, a.imag - b.imag};
  }
  friend METAL_FUNC constexpr complex64_t operator*(complex64_t a, complex64_t b) {
    return {a.real * b.real - a.imag * b.imag, a.real * b.imag + a.imag * b.real};
  }
  friend METAL_FUNC constexpr complex64_t operator/(complex64_t a, complex64_t b) {
    float d = b.real * b.real + b.imag * b.imag;
    return {(a.real * b.real + a.imag * b.imag) / d, (a.imag * b.real - a.real * b.imag) / d};
  }
  friend METAL_FUNC constexpr bool operator==(complex64_t a, complex64_t b) {
    return a.real == b.real && a.imag == b.imag;
  }
  friend METAL_FUNC constexpr bool operator!=(complex64_t a, complex64_t b) { return !(a == b); }
  friend METAL_FUNC constexpr bool operator<(complex64_t a, complex64_t b) {
    return a.real < b.real || (a.real == b.real && a.imag < b.imag);
  }
  friend METAL_FUNC constexpr bool operator>(complex64_t a, complex64_t b) { return b < a; }
  friend METAL_FUNC constexpr bool operator<=(complex64_t a, complex64_t b) { return !(b < a); }
  friend METAL_FUNC constexpr bool operator>=(complex64_t a, complex64_t b) { return !(a < b); }
};
static_assert(sizeof(complex64_t) == 8, "complex64_t is two floats");
