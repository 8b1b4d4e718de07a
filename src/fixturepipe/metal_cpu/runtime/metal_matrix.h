// Metal's matrix types floatCxR, halfCxR (and bfloatCxR) for C, R in 2..4: C columns,
// each a vec<T, R> (column-major, so float3x3 is 48 bytes as in Metal). m[i] is column
// i. Constructors: diagonal from one scalar, from C column vectors, from C*R scalars in
// column-major order, from another matrix type of the same shape (conversion).
// Operators: + - between matrices, * / by a scalar, matrix * vector, vector * matrix,
// matrix * matrix, ==, !=, and transpose / determinant. Every dot product is
// computed as separate multiplies and adds in index order (no fused multiply-add:
// docs/metal_cpu.md "Numerics").
#pragma once
#include "metal_types.h"

namespace metal {

template <class T, int C, int R> struct matrix {
  static_assert(C >= 2 && C <= 4 && R >= 2 && R <= 4, "matrix: 2 to 4 columns and rows");
  typedef vec<T, R> column_type;
  column_type columns[C];

  METAL_FUNC matrix() = default;
  METAL_FUNC explicit matrix(T diagonal) {
    for (int c = 0; c < C; ++c) {
      columns[c] = column_type(T(0));
      if (c < R) columns[c][c] = diagonal;
    }
  }
  template <class... A, enable_if_t<sizeof...(A) == C && (is_vec<A> && ...), int> = 0>
  METAL_FUNC matrix(const A&... cols) {
    int c = 0;
    ((columns[c++] = vmake<column_type>(cols)), ...);
  }
  template <class... A, enable_if_t<sizeof...(A) == C * R && sizeof...(A) != C, int> = 0>
  METAL_FUNC matrix(const A&... values) {
    T flat[C * R] = {static_cast<T>(values)...};
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r) columns[c][r] = flat[c * R + r];
  }
  template <class U>
  METAL_FUNC explicit matrix(const matrix<U, C, R>& m) {
    for (int c = 0; c < C; ++c) columns[c] = __builtin_convertvector(m.columns[c], column_type);
  }
  METAL_FUNC column_type& operator[](int c) { return columns[c]; }
  METAL_FUNC const column_type& operator[](int c) const { return columns[c]; }

  METAL_FUNC matrix operator-() const {
    matrix m;
    for (int c = 0; c < C; ++c) m.columns[c] = -columns[c];
    return m;
  }
  METAL_FUNC matrix& operator+=(const matrix& o) { return *this = *this + o; }
  METAL_FUNC matrix& operator-=(const matrix& o) { return *this = *this - o; }
  METAL_FUNC matrix& operator*=(T s) { return *this = *this * s; }
  template <int K> METAL_FUNC matrix& operator*=(const matrix<T, C, K>& o) {
    return *this = *this * o;
  }

  friend METAL_FUNC matrix operator+(const matrix& a, const matrix& b) {
    matrix m;
    for (int c = 0; c < C; ++c) m.columns[c] = a.columns[c] + b.columns[c];
    return m;
  }
  friend METAL_FUNC matrix operator-(const matrix& a, const matrix& b) {
    matrix m;
    for (int c = 0; c < C; ++c) m.columns[c] = a.columns[c] - b.columns[c];
    return m;
  }
  friend METAL_FUNC matrix operator*(const matrix& a, T s) {
    matrix m;
    for (int c = 0; c < C; ++c) m.columns[c] = a.columns[c] * s;
    return m;
  }
  friend METAL_FUNC matrix operator*(T s, const matrix& a) {
    matrix m;
    for (int c = 0; c < C; ++c) m.columns[c] = s * a.columns[c];
    return m;
  }
  friend METAL_FUNC matrix operator/(const matrix& a, T s) {
    matrix m;
    for (int c = 0; c < C; ++c) m.columns[c] = a.columns[c] / s;
    return m;
  }
  // matrix * column vector: sum over columns c = 0..C-1 of columns[c] * v[c].
  friend METAL_FUNC column_type operator*(const matrix& a, const vec<T, C>& v) {
    column_type r = a.columns[0] * v[0];
    for (int c = 1; c < C; ++c) r = r + a.columns[c] * v[c];
    return r;
  }
  // row vector * matrix: component c is dot(v, columns[c]), summed r = 0..R-1.
  friend METAL_FUNC vec<T, C> operator*(const vec<T, R>& v, const matrix& a) {
    vec<T, C> out;
    for (int c = 0; c < C; ++c) {
      T s = v[0] * a.columns[c][0];
      for (int r = 1; r < R; ++r) s = s + v[r] * a.columns[c][r];
      out[c] = s;
    }
    return out;
  }
  friend METAL_FUNC bool operator==(const matrix& a, const matrix& b) {
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r)
        if (!(a.columns[c][r] == b.columns[c][r])) return false;
    return true;
  }
  friend METAL_FUNC bool operator!=(const matrix& a, const matrix& b) { return !(a == b); }
};

// (C x R) * (K x C) -> (K x R): column k of the product is a * b.columns[k].
template <class T, int C, int R, int K>
METAL_FUNC matrix<T, K, R> operator*(const matrix<T, C, R>& a, const matrix<T, K, C>& b) {
  matrix<T, K, R> m;
  for (int k = 0; k < K; ++k) m.columns[k] = a * b.columns[k];
  return m;
}

template <class T, int C, int R> METAL_FUNC matrix<T, R, C> transpose(const matrix<T, C, R>& a) {
  matrix<T, R, C> m;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) m.columns[r][c] = a.columns[c][r];
  return m;
}

template <class T> METAL_FUNC T determinant(const matrix<T, 2, 2>& m) {
  return m[0][0] * m[1][1] - m[1][0] * m[0][1];
}
template <class T> METAL_FUNC T determinant(const matrix<T, 3, 3>& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2]) -
         m[1][0] * (m[0][1] * m[2][2] - m[2][1] * m[0][2]) +
         m[2][0] * (m[0][1] * m[1][2] - m[1][1] * m[0][2]);
}
template <class T> METAL_FUNC T determinant(const matrix<T, 4, 4>& m) {
  // Laplace expansion along the first column.
  T det = T(0);
  for (int i = 0; i < 4; ++i) {
    matrix<T, 3, 3> minor;
    for (int c = 1; c < 4; ++c)
      for (int r = 0, rr = 0; r < 4; ++r)
        if (r != i) minor.columns[c - 1][rr++] = m.columns[c][r];
    T term = m.columns[0][i] * determinant(minor);
    det = (i % 2 == 0) ? det + term : det - term;
  }
  return det;
}

#define MTL_MATRIX_TYPES(T, NAME)                                                  \
  typedef matrix<T, 2, 2> NAME##2x2;                                               \
  typedef matrix<T, 2, 3> NAME##2x3;                                               \
  typedef matrix<T, 2, 4> NAME##2x4;                                               \
  typedef matrix<T, 3, 2> NAME##3x2;                                               \
  typedef matrix<T, 3, 3> NAME##3x3;                                               \
  typedef matrix<T, 3, 4> NAME##3x4;                                               \
  typedef matrix<T, 4, 2> NAME##4x2;                                               \
  typedef matrix<T, 4, 3> NAME##4x3;                                               \
  typedef matrix<T, 4, 4> NAME##4x4;
MTL_MATRIX_TYPES(float, float)
MTL_MATRIX_TYPES(_Float16, half)
MTL_MATRIX_TYPES(__bf16, bfloat)
#undef MTL_MATRIX_TYPES

static_assert(sizeof(float3x3) == 48 && sizeof(float4x4) == 64 && sizeof(half2x2) == 8,
              "Metal's matrix sizes");

}  // namespace metal
