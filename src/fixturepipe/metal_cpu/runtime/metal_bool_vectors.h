// Metal's bool vectors bool2, bool3, bool4 with swizzles. clang's bool vectors allow
// only `v[i]` (no .x, no .xy), so a bool vector here is a union of `bool v[N]` and one
// proxy member per swizzle of up to 4 components (.x .. .wzyx, .r .. .abgr: the list
// below is every combination). All members start with the same `bool v[N]`, so any of
// them reads and writes the same components. A swizzle reads as bool (one component)
// or as a bool vector, and is assignable. Comparisons of vectors (`x < y`) yield integer
// masks; a bool vector is built from one (`bool4 b = x < y;`), from bools, by splat,
// and through `bool4(...)`; `! && || == != & | ^` work component-wise; select, all
// and any take them.
#pragma once
#include "metal_types.h"

#ifndef MTL_BOOL_SWIZZLES
#define MTL_BOOL_SWIZZLES 0
#endif

namespace metal {

template <int N> struct mtl_bool_vector;

template <int N, int... I> struct mtl_bool_swizzle {
  static constexpr int M = sizeof...(I);
  bool v[N];
  typedef typename conditional<M == 1, bool, mtl_bool_vector<M>>::type value_type;
  METAL_FUNC operator value_type() const {
    if constexpr (M == 1) {
      return (v[I], ...);
    } else {
      mtl_bool_vector<M> r;
      int k = 0;
      ((r.v[k++] = v[I]), ...);
      return r;
    }
  }
  METAL_FUNC mtl_bool_swizzle& operator=(const value_type& x) {
    if constexpr (M == 1) {
      ((v[I] = x), ...);
    } else {
      int k = 0;
      ((v[I] = x.v[k++]), ...);
    }
    return *this;
  }
  METAL_FUNC mtl_bool_swizzle& operator=(const mtl_bool_swizzle& o) {
    return *this = value_type(o);
  }
  // Component k of the swizzle (so vmake, all and any take one directly).
  METAL_FUNC bool operator[](int k) const {
    const int index[] = {I...};
    return v[index[k]];
  }
};
// A multi-component swizzle is a vector to metal:: functions; one component is a bool.
template <int N, int... I> struct vec_traits<mtl_bool_swizzle<N, I...>> {
  typedef bool elem;
  static constexpr int n = sizeof...(I) == 1 ? 0 : sizeof...(I);
};

#define MTL_BOOL_SWIZZLES_2_ONE \
  mtl_bool_swizzle<2, 0> x; mtl_bool_swizzle<2, 1> y; mtl_bool_swizzle<2, 0> r; mtl_bool_swizzle<2, 1> g; \

#define MTL_BOOL_SWIZZLES_2_MULTI \
  mtl_bool_swizzle<2, 0, 0> xx; mtl_bool_swizzle<2, 0, 1> xy; mtl_bool_swizzle<2, 1, 0> yx; mtl_bool_swizzle<2, 1, 1> yy; \
  mtl_bool_swizzle<2, 0, 0, 0> xxx; mtl_bool_swizzle<2, 0, 0, 1> xxy; mtl_bool_swizzle<2, 0, 1, 0> xyx; mtl_bool_swizzle<2, 0, 1, 1> xyy; \
  mtl_bool_swizzle<2, 1, 0, 0> yxx; mtl_bool_swizzle<2, 1, 0, 1> yxy; mtl_bool_swizzle<2, 1, 1, 0> yyx; mtl_bool_swizzle<2, 1, 1, 1> yyy; \
  mtl_bool_swizzle<2, 0, 0, 0, 0> xxxx; mtl_bool_swizzle<2, 0, 0, 0, 1> xxxy; mtl_bool_swizzle<2, 0, 0, 1, 0> xxyx; mtl_bool_swizzle<2, 0, 0, 1, 1> xxyy; \
  mtl_bool_swizzle<2, 0, 1, 0, 0> xyxx; mtl_bool_swizzle<2, 0, 1, 0, 1> xyxy; mtl_bool_swizzle<2, 0, 1, 1, 0> xyyx; mtl_bool_swizzle<2, 0, 1, 1, 1> xyyy; \
  mtl_bool_swizzle<2, 1, 0, 0, 0> yxxx; mtl_bool_swizzle<2, 1, 0, 0, 1> yxxy; mtl_bool_swizzle<2, 1, 0, 1, 0> yxyx; mtl_bool_swizzle<2, 1, 0, 1, 1> yxyy; \
  mtl_bool_swizzle<2, 1, 1, 0, 0> yyxx; mtl_bool_swizzle<2, 1, 1, 0, 1> yyxy; mtl_bool_swizzle<2, 1, 1, 1, 0> yyyx; mtl_bool_swizzle<2, 1, 1, 1, 1> yyyy; \
  mtl_bool_swizzle<2, 0, 0> rr; mtl_bool_swizzle<2, 0, 1> rg; mtl_bool_swizzle<2, 1, 0> gr; mtl_bool_swizzle<2, 1, 1> gg; \
  mtl_bool_swizzle<2, 0, 0, 0> rrr; mtl_bool_swizzle<2, 0, 0, 1> rrg; mtl_bool_swizzle<2, 0, 1, 0> rgr; mtl_bool_swizzle<2, 0, 1, 1> rgg; \
  mtl_bool_swizzle<2, 1, 0, 0> grr; mtl_bool_swizzle<2, 1, 0, 1> grg; mtl_bool_swizzle<2, 1, 1, 0> ggr; mtl_bool_swizzle<2, 1, 1, 1> ggg; \
  mtl_bool_swizzle<2, 0, 0, 0, 0> rrrr; mtl_bool_swizzle<2, 0, 0, 0, 1> rrrg; mtl_bool_swizzle<2, 0, 0, 1, 0> rrgr; mtl_bool_swizzle<2, 0, 0, 1, 1> rrgg; \
  mtl_bool_swizzle<2, 0, 1, 0, 0> rgrr; mtl_bool_swizzle<2, 0, 1, 0, 1> rgrg; mtl_bool_swizzle<2, 0, 1, 1, 0> rggr; mtl_bool_swizzle<2, 0, 1, 1, 1> rggg; \
  mtl_bool_swizzle<2, 1, 0, 0, 0> grrr; mtl_bool_swizzle<2, 1, 0, 0, 1> grrg; mtl_bool_swizzle<2, 1, 0, 1, 0> grgr; mtl_bool_swizzle<2, 1, 0, 1, 1> grgg; \
  mtl_bool_swizzle<2, 1, 1, 0, 0> ggrr; mtl_bool_swizzle<2, 1, 1, 0, 1> ggrg; mtl_bool_swizzle<2, 1, 1, 1, 0> gggr; mtl_bool_swizzle<2, 1, 1, 1, 1> gggg; \

#define MTL_BOOL_SWIZZLES_3_ONE \
  mtl_bool_swizzle<3, 0> x; mtl_bool_swizzle<3, 1> y; mtl_bool_swizzle<3, 2> z; mtl_bool_swizzle<3, 0> r; \
  mtl_bool_swizzle<3, 1> g; mtl_bool_swizzle<3, 2> b; \

#define MTL_BOOL_SWIZZLES_3_MULTI \
  mtl_bool_swizzle<3, 0, 0> xx; mtl_bool_swizzle<3, 0, 1> xy; mtl_bool_swizzle<3, 0, 2> xz; mtl_bool_swizzle<3, 1, 0> yx; \
  mtl_bool_swizzle<3, 1, 1> yy; mtl_bool_swizzle<3, 1, 2> yz; mtl_bool_swizzle<3, 2, 0> zx; mtl_bool_swizzle<3, 2, 1> zy; \
  mtl_bool_swizzle<3, 2, 2> zz; mtl_bool_swizzle<3, 0, 0, 0> xxx; mtl_bool_swizzle<3, 0, 0, 1> xxy; mtl_bool_swizzle<3, 0, 0, 2> xxz; \
  mtl_bool_swizzle<3, 0, 1, 0> xyx; mtl_bool_swizzle<3, 0, 1, 1> xyy; mtl_bool_swizzle<3, 0, 1, 2> xyz; mtl_bool_swizzle<3, 0, 2, 0> xzx; \
  mtl_bool_swizzle<3, 0, 2, 1> xzy; mtl_bool_swizzle<3, 0, 2, 2> xzz; mtl_bool_swizzle<3, 1, 0, 0> yxx; mtl_bool_swizzle<3, 1, 0, 1> yxy; \
  mtl_bool_swizzle<3, 1, 0, 2> yxz; mtl_bool_swizzle<3, 1, 1, 0> yyx; mtl_bool_swizzle<3, 1, 1, 1> yyy; mtl_bool_swizzle<3, 1, 1, 2> yyz; \
  mtl_bool_swizzle<3, 1, 2, 0> yzx; mtl_bool_swizzle<3, 1, 2, 1> yzy; mtl_bool_swizzle<3, 1, 2, 2> yzz; mtl_bool_swizzle<3, 2, 0, 0> zxx; \
  mtl_bool_swizzle<3, 2, 0, 1> zxy; mtl_bool_swizzle<3, 2, 0, 2> zxz; mtl_bool_swizzle<3, 2, 1, 0> zyx; mtl_bool_swizzle<3, 2, 1, 1> zyy; \
  mtl_bool_swizzle<3, 2, 1, 2> zyz; mtl_bool_swizzle<3, 2, 2, 0> zzx; mtl_bool_swizzle<3, 2, 2, 1> zzy; mtl_bool_swizzle<3, 2, 2, 2> zzz; \
  mtl_bool_swizzle<3, 0, 0, 0, 0> xxxx; mtl_bool_swizzle<3, 0, 0, 0, 1> xxxy; mtl_bool_swizzle<3, 0, 0, 0, 2> xxxz; mtl_bool_swizzle<3, 0, 0, 1, 0> xxyx; \
  mtl_bool_swizzle<3, 0, 0, 1, 1> xxyy; mtl_bool_swizzle<3, 0, 0, 1, 2> xxyz; mtl_bool_swizzle<3, 0, 0, 2, 0> xxzx; mtl_bool_swizzle<3, 0, 0, 2, 1> xxzy; \
  mtl_bool_swizzle<3, 0, 0, 2, 2> xxzz; mtl_bool_swizzle<3, 0, 1, 0, 0> xyxx; mtl_bool_swizzle<3, 0, 1, 0, 1> xyxy; mtl_bool_swizzle<3, 0, 1, 0, 2> xyxz; \
  mtl_bool_swizzle<3, 0, 1, 1, 0> xyyx; mtl_bool_swizzle<3, 0, 1, 1, 1> xyyy; mtl_bool_swizzle<3, 0, 1, 1, 2> xyyz; mtl_bool_swizzle<3, 0, 1, 2, 0> xyzx; \
  mtl_bool_swizzle<3, 0, 1, 2, 1> xyzy; mtl_bool_swizzle<3, 0, 1, 2, 2> xyzz; mtl_bool_swizzle<3, 0, 2, 0, 0> xzxx; mtl_bool_swizzle<3, 0, 2, 0, 1> xzxy; \
  mtl_bool_swizzle<3, 0, 2, 0, 2> xzxz; mtl_bool_swizzle<3, 0, 2, 1, 0> xzyx; mtl_bool_swizzle<3, 0, 2, 1, 1> xzyy; mtl_bool_swizzle<3, 0, 2, 1, 2> xzyz; \
  mtl_bool_swizzle<3, 0, 2, 2, 0> xzzx; mtl_bool_swizzle<3, 0, 2, 2, 1> xzzy; mtl_bool_swizzle<3, 0, 2, 2, 2> xzzz; mtl_bool_swizzle<3, 1, 0, 0, 0> yxxx; \
  mtl_bool_swizzle<3, 1, 0, 0, 1> yxxy; mtl_bool_swizzle<3, 1, 0, 0, 2> yxxz; mtl_bool_swizzle<3, 1, 0, 1, 0> yxyx; mtl_bool_swizzle<3, 1, 0, 1, 1> yxyy; \
  mtl_bool_swizzle<3, 1, 0, 1, 2> yxyz; mtl_bool_swizzle<3, 1, 0, 2, 0> yxzx; mtl_bool_swizzle<3, 1, 0, 2, 1> yxzy; mtl_bool_swizzle<3, 1, 0, 2, 2> yxzz; \
  mtl_bool_swizzle<3, 1, 1, 0, 0> yyxx; mtl_bool_swizzle<3, 1, 1, 0, 1> yyxy; mtl_bool_swizzle<3, 1, 1, 0, 2> yyxz; mtl_bool_swizzle<3, 1, 1, 1, 0> yyyx; \
  mtl_bool_swizzle<3, 1, 1, 1, 1> yyyy; mtl_bool_swizzle<3, 1, 1, 1, 2> yyyz; mtl_bool_swizzle<3, 1, 1, 2, 0> yyzx; mtl_bool_swizzle<3, 1, 1, 2, 1> yyzy; \
  mtl_bool_swizzle<3, 1, 1, 2, 2> yyzz; mtl_bool_swizzle<3, 1, 2, 0, 0> yzxx; mtl_bool_swizzle<3, 1, 2, 0, 1> yzxy; mtl_bool_swizzle<3, 1, 2, 0, 2> yzxz; \
  mtl_bool_swizzle<3, 1, 2, 1, 0> yzyx; mtl_bool_swizzle<3, 1, 2, 1, 1> yzyy; mtl_bool_swizzle<3, 1, 2, 1, 2> yzyz; mtl_bool_swizzle<3, 1, 2, 2, 0> yzzx; \
  mtl_bool_swizzle<3, 1, 2, 2, 1> yzzy; mtl_bool_swizzle<3, 1, 2, 2, 2> yzzz; mtl_bool_swizzle<3, 2, 0, 0, 0> zxxx; mtl_bool_swizzle<3, 2, 0, 0, 1> zxxy; \
  mtl_bool_swizzle<3, 2, 0, 0, 2> zxxz; mtl_bool_swizzle<3, 2, 0, 1, 0> zxyx; mtl_bool_swizzle<3, 2, 0, 1, 1> zxyy; mtl_bool_swizzle<3, 2, 0, 1, 2> zxyz; \
  mtl_bool_swizzle<3, 2, 0, 2, 0> zxzx; mtl_bool_swizzle<3, 2, 0, 2, 1> zxzy; mtl_bool_swizzle<3, 2, 0, 2, 2> zxzz; mtl_bool_swizzle<3, 2, 1, 0, 0> zyxx; \
  mtl_bool_swizzle<3, 2, 1, 0, 1> zyxy; mtl_bool_swizzle<3, 2, 1, 0, 2> zyxz; mtl_bool_swizzle<3, 2, 1, 1, 0> zyyx; mtl_bool_swizzle<3, 2, 1, 1, 1> zyyy; \
  mtl_bool_swizzle<3, 2, 1, 1, 2> zyyz; mtl_bool_swizzle<3, 2, 1, 2, 0> zyzx; mtl_bool_swizzle<3, 2, 1, 2, 1> zyzy; mtl_bool_swizzle<3, 2, 1, 2, 2> zyzz; \
  mtl_bool_swizzle<3, 2, 2, 0, 0> zzxx; mtl_bool_swizzle<3, 2, 2, 0, 1> zzxy; mtl_bool_swizzle<3, 2, 2, 0, 2> zzxz; mtl_bool_swizzle<3, 2, 2, 1, 0> zzyx; \
  mtl_bool_swizzle<3, 2, 2, 1, 1> zzyy; mtl_bool_swizzle<3, 2, 2, 1, 2> zzyz; mtl_bool_swizzle<3, 2, 2, 2, 0> zzzx; mtl_bool_swizzle<3, 2, 2, 2, 1> zzzy; \
  mtl_bool_swizzle<3, 2, 2, 2, 2> zzzz; mtl_bool_swizzle<3, 0, 0> rr; mtl_bool_swizzle<3, 0, 1> rg; mtl_bool_swizzle<3, 0, 2> rb; \
  mtl_bool_swizzle<3, 1, 0> gr; mtl_bool_swizzle<3, 1, 1> gg; mtl_bool_swizzle<3, 1, 2> gb; mtl_bool_swizzle<3, 2, 0> br; \
  mtl_bool_swizzle<3, 2, 1> bg; mtl_bool_swizzle<3, 2, 2> bb; mtl_bool_swizzle<3, 0, 0, 0> rrr; mtl_bool_swizzle<3, 0, 0, 1> rrg; \
  mtl_bool_swizzle<3, 0, 0, 2> rrb; mtl_bool_swizzle<3, 0, 1, 0> rgr; mtl_bool_swizzle<3, 0, 1, 1> rgg; mtl_bool_swizzle<3, 0, 1, 2> rgb; \
  mtl_bool_swizzle<3, 0, 2, 0> rbr; mtl_bool_swizzle<3, 0, 2, 1> rbg; mtl_bool_swizzle<3, 0, 2, 2> rbb; mtl_bool_swizzle<3, 1, 0, 0> grr; \
  mtl_bool_swizzle<3, 1, 0, 1> grg; mtl_bool_swizzle<3, 1, 0, 2> grb; mtl_bool_swizzle<3, 1, 1, 0> ggr; mtl_bool_swizzle<3, 1, 1, 1> ggg; \
  mtl_bool_swizzle<3, 1, 1, 2> ggb; mtl_bool_swizzle<3, 1, 2, 0> gbr; mtl_bool_swizzle<3, 1, 2, 1> gbg; mtl_bool_swizzle<3, 1, 2, 2> gbb; \
  mtl_bool_swizzle<3, 2, 0, 0> brr; mtl_bool_swizzle<3, 2, 0, 1> brg; mtl_bool_swizzle<3, 2, 0, 2> brb; mtl_bool_swizzle<3, 2, 1, 0> bgr; \
  mtl_bool_swizzle<3, 2, 1, 1> bgg; mtl_bool_swizzle<3, 2, 1, 2> bgb; mtl_bool_swizzle<3, 2, 2, 0> bbr; mtl_bool_swizzle<3, 2, 2, 1> bbg; \
  mtl_bool_swizzle<3, 2, 2, 2> bbb; mtl_bool_swizzle<3, 0, 0, 0, 0> rrrr; mtl_bool_swizzle<3, 0, 0, 0, 1> rrrg; mtl_bool_swizzle<3, 0, 0, 0, 2> rrrb; \
  mtl_bool_swizzle<3, 0, 0, 1, 0> rrgr; mtl_bool_swizzle<3, 0, 0, 1, 1> rrgg; mtl_bool_swizzle<3, 0, 0, 1, 2> rrgb; mtl_bool_swizzle<3, 0, 0, 2, 0> rrbr; \
  mtl_bool_swizzle<3, 0, 0, 2, 1> rrbg; mtl_bool_swizzle<3, 0, 0, 2, 2> rrbb; mtl_bool_swizzle<3, 0, 1, 0, 0> rgrr; mtl_bool_swizzle<3, 0, 1, 0, 1> rgrg; \
  mtl_bool_swizzle<3, 0, 1, 0, 2> rgrb; mtl_bool_swizzle<3, 0, 1, 1, 0> rggr; mtl_bool_swizzle<3, 0, 1, 1, 1> rggg; mtl_bool_swizzle<3, 0, 1, 1, 2> rggb; \
  mtl_bool_swizzle<3, 0, 1, 2, 0> rgbr; mtl_bool_swizzle<3, 0, 1, 2, 1> rgbg; mtl_bool_swizzle<3, 0, 1, 2, 2> rgbb; mtl_bool_swizzle<3, 0, 2, 0, 0> rbrr; \
  mtl_bool_swizzle<3, 0, 2, 0, 1> rbrg; mtl_bool_swizzle<3, 0, 2, 0, 2> rbrb; mtl_bool_swizzle<3, 0, 2, 1, 0> rbgr; mtl_bool_swizzle<3, 0, 2, 1, 1> rbgg; \
  mtl_bool_swizzle<3, 0, 2, 1, 2> rbgb; mtl_bool_swizzle<3, 0, 2, 2, 0> rbbr; mtl_bool_swizzle<3, 0, 2, 2, 1> rbbg; mtl_bool_swizzle<3, 0, 2, 2, 2> rbbb; \
  mtl_bool_swizzle<3, 1, 0, 0, 0> grrr; mtl_bool_swizzle<3, 1, 0, 0, 1> grrg; mtl_bool_swizzle<3, 1, 0, 0, 2> grrb; mtl_bool_swizzle<3, 1, 0, 1, 0> grgr; \
  mtl_bool_swizzle<3, 1, 0, 1, 1> grgg; mtl_bool_swizzle<3, 1, 0, 1, 2> grgb; mtl_bool_swizzle<3, 1, 0, 2, 0> grbr; mtl_bool_swizzle<3, 1, 0, 2, 1> grbg; \
  mtl_bool_swizzle<3, 1, 0, 2, 2> grbb; mtl_bool_swizzle<3, 1, 1, 0, 0> ggrr; mtl_bool_swizzle<3, 1, 1, 0, 1> ggrg; mtl_bool_swizzle<3, 1, 1, 0, 2> ggrb; \
  mtl_bool_swizzle<3, 1, 1, 1, 0> gggr; mtl_bool_swizzle<3, 1, 1, 1, 1> gggg; mtl_bool_swizzle<3, 1, 1, 1, 2> gggb; mtl_bool_swizzle<3, 1, 1, 2, 0> ggbr; \
  mtl_bool_swizzle<3, 1, 1, 2, 1> ggbg; mtl_bool_swizzle<3, 1, 1, 2, 2> ggbb; mtl_bool_swizzle<3, 1, 2, 0, 0> gbrr; mtl_bool_swizzle<3, 1, 2, 0, 1> gbrg; \
  mtl_bool_swizzle<3, 1, 2, 0, 2> gbrb; mtl_bool_swizzle<3, 1, 2, 1, 0> gbgr; mtl_bool_swizzle<3, 1, 2, 1, 1> gbgg; mtl_bool_swizzle<3, 1, 2, 1, 2> gbgb; \
  mtl_bool_swizzle<3, 1, 2, 2, 0> gbbr; mtl_bool_swizzle<3, 1, 2, 2, 1> gbbg; mtl_bool_swizzle<3, 1, 2, 2, 2> gbbb; mtl_bool_swizzle<3, 2, 0, 0, 0> brrr; \
  mtl_bool_swizzle<3, 2, 0, 0, 1> brrg; mtl_bool_swizzle<3, 2, 0, 0, 2> brrb; mtl_bool_swizzle<3, 2, 0, 1, 0> brgr; mtl_bool_swizzle<3, 2, 0, 1, 1> brgg; \
  mtl_bool_swizzle<3, 2, 0, 1, 2> brgb; mtl_bool_swizzle<3, 2, 0, 2, 0> brbr; mtl_bool_swizzle<3, 2, 0, 2, 1> brbg; mtl_bool_swizzle<3, 2, 0, 2, 2> brbb; \
  mtl_bool_swizzle<3, 2, 1, 0, 0> bgrr; mtl_bool_swizzle<3, 2, 1, 0, 1> bgrg; mtl_bool_swizzle<3, 2, 1, 0, 2> bgrb; mtl_bool_swizzle<3, 2, 1, 1, 0> bggr; \
  mtl_bool_swizzle<3, 2, 1, 1, 1> bggg; mtl_bool_swizzle<3, 2, 1, 1, 2> bggb; mtl_bool_swizzle<3, 2, 1, 2, 0> bgbr; mtl_bool_swizzle<3, 2, 1, 2, 1> bgbg; \
  mtl_bool_swizzle<3, 2, 1, 2, 2> bgbb; mtl_bool_swizzle<3, 2, 2, 0, 0> bbrr; mtl_bool_swizzle<3, 2, 2, 0, 1> bbrg; mtl_bool_swizzle<3, 2, 2, 0, 2> bbrb; \
  mtl_bool_swizzle<3, 2, 2, 1, 0> bbgr; mtl_bool_swizzle<3, 2, 2, 1, 1> bbgg; mtl_bool_swizzle<3, 2, 2, 1, 2> bbgb; mtl_bool_swizzle<3, 2, 2, 2, 0> bbbr; \
  mtl_bool_swizzle<3, 2, 2, 2, 1> bbbg; mtl_bool_swizzle<3, 2, 2, 2, 2> bbbb; \

#define MTL_BOOL_SWIZZLES_4_ONE \
  mtl_bool_swizzle<4, 0> x; mtl_bool_swizzle<4, 1> y; mtl_bool_swizzle<4, 2> z; mtl_bool_swizzle<4, 3> w; \
  mtl_bool_swizzle<4, 0> r; mtl_bool_swizzle<4, 1> g; mtl_bool_swizzle<4, 2> b; mtl_bool_swizzle<4, 3> a; \

#define MTL_BOOL_SWIZZLES_4_MULTI \
  mtl_bool_swizzle<4, 0, 0> xx; mtl_bool_swizzle<4, 0, 1> xy; mtl_bool_swizzle<4, 0, 2> xz; mtl_bool_swizzle<4, 0, 3> xw; \
  mtl_bool_swizzle<4, 1, 0> yx; mtl_bool_swizzle<4, 1, 1> yy; mtl_bool_swizzle<4, 1, 2> yz; mtl_bool_swizzle<4, 1, 3> yw; \
  mtl_bool_swizzle<4, 2, 0> zx; mtl_bool_swizzle<4, 2, 1> zy; mtl_bool_swizzle<4, 2, 2> zz; mtl_bool_swizzle<4, 2, 3> zw; \
  mtl_bool_swizzle<4, 3, 0> wx; mtl_bool_swizzle<4, 3, 1> wy; mtl_bool_swizzle<4, 3, 2> wz; mtl_bool_swizzle<4, 3, 3> ww; \
  mtl_bool_swizzle<4, 0, 0, 0> xxx; mtl_bool_swizzle<4, 0, 0, 1> xxy; mtl_bool_swizzle<4, 0, 0, 2> xxz; mtl_bool_swizzle<4, 0, 0, 3> xxw; \
  mtl_bool_swizzle<4, 0, 1, 0> xyx; mtl_bool_swizzle<4, 0, 1, 1> xyy; mtl_bool_swizzle<4, 0, 1, 2> xyz; mtl_bool_swizzle<4, 0, 1, 3> xyw; \
  mtl_bool_swizzle<4, 0, 2, 0> xzx; mtl_bool_swizzle<4, 0, 2, 1> xzy; mtl_bool_swizzle<4, 0, 2, 2> xzz; mtl_bool_swizzle<4, 0, 2, 3> xzw; \
  mtl_bool_swizzle<4, 0, 3, 0> xwx; mtl_bool_swizzle<4, 0, 3, 1> xwy; mtl_bool_swizzle<4, 0, 3, 2> xwz; mtl_bool_swizzle<4, 0, 3, 3> xww; \
  mtl_bool_swizzle<4, 1, 0, 0> yxx; mtl_bool_swizzle<4, 1, 0, 1> yxy; mtl_bool_swizzle<4, 1, 0, 2> yxz; mtl_bool_swizzle<4, 1, 0, 3> yxw; \
  mtl_bool_swizzle<4, 1, 1, 0> yyx; mtl_bool_swizzle<4, 1, 1, 1> yyy; mtl_bool_swizzle<4, 1, 1, 2> yyz; mtl_bool_swizzle<4, 1, 1, 3> yyw; \
  mtl_bool_swizzle<4, 1, 2, 0> yzx; mtl_bool_swizzle<4, 1, 2, 1> yzy; mtl_bool_swizzle<4, 1, 2, 2> yzz; mtl_bool_swizzle<4, 1, 2, 3> yzw; \
  mtl_bool_swizzle<4, 1, 3, 0> ywx; mtl_bool_swizzle<4, 1, 3, 1> ywy; mtl_bool_swizzle<4, 1, 3, 2> ywz; mtl_bool_swizzle<4, 1, 3, 3> yww; \
  mtl_bool_swizzle<4, 2, 0, 0> zxx; mtl_bool_swizzle<4, 2, 0, 1> zxy; mtl_bool_swizzle<4, 2, 0, 2> zxz; mtl_bool_swizzle<4, 2, 0, 3> zxw; \
  mtl_bool_swizzle<4, 2, 1, 0> zyx; mtl_bool_swizzle<4, 2, 1, 1> zyy; mtl_bool_swizzle<4, 2, 1, 2> zyz; mtl_bool_swizzle<4, 2, 1, 3> zyw; \
  mtl_bool_swizzle<4, 2, 2, 0> zzx; mtl_bool_swizzle<4, 2, 2, 1> zzy; mtl_bool_swizzle<4, 2, 2, 2> zzz; mtl_bool_swizzle<4, 2, 2, 3> zzw; \
  mtl_bool_swizzle<4, 2, 3, 0> zwx; mtl_bool_swizzle<4, 2, 3, 1> zwy; mtl_bool_swizzle<4, 2, 3, 2> zwz; mtl_bool_swizzle<4, 2, 3, 3> zww; \
  mtl_bool_swizzle<4, 3, 0, 0> wxx; mtl_bool_swizzle<4, 3, 0, 1> wxy; mtl_bool_swizzle<4, 3, 0, 2> wxz; mtl_bool_swizzle<4, 3, 0, 3> wxw; \
  mtl_bool_swizzle<4, 3, 1, 0> wyx; mtl_bool_swizzle<4, 3, 1, 1> wyy; mtl_bool_swizzle<4, 3, 1, 2> wyz; mtl_bool_swizzle<4, 3, 1, 3> wyw; \
  mtl_bool_swizzle<4, 3, 2, 0> wzx; mtl_bool_swizzle<4, 3, 2, 1> wzy; mtl_bool_swizzle<4, 3, 2, 2> wzz; mtl_bool_swizzle<4, 3, 2, 3> wzw; \
  mtl_bool_swizzle<4, 3, 3, 0> wwx; mtl_bool_swizzle<4, 3, 3, 1> wwy; mtl_bool_swizzle<4, 3, 3, 2> wwz; mtl_bool_swizzle<4, 3, 3, 3> www; \
  mtl_bool_swizzle<4, 0, 0, 0, 0> xxxx; mtl_bool_swizzle<4, 0, 0, 0, 1> xxxy; mtl_bool_swizzle<4, 0, 0, 0, 2> xxxz; mtl_bool_swizzle<4, 0, 0, 0, 3> xxxw; \
  mtl_bool_swizzle<4, 0, 0, 1, 0> xxyx; mtl_bool_swizzle<4, 0, 0, 1, 1> xxyy; mtl_bool_swizzle<4, 0, 0, 1, 2> xxyz; mtl_bool_swizzle<4, 0, 0, 1, 3> xxyw; \
  mtl_bool_swizzle<4, 0, 0, 2, 0> xxzx; mtl_bool_swizzle<4, 0, 0, 2, 1> xxzy; mtl_bool_swizzle<4, 0, 0, 2, 2> xxzz; mtl_bool_swizzle<4, 0, 0, 2, 3> xxzw; \
  mtl_bool_swizzle<4, 0, 0, 3, 0> xxwx; mtl_bool_swizzle<4, 0, 0, 3, 1> xxwy; mtl_bool_swizzle<4, 0, 0, 3, 2> xxwz; mtl_bool_swizzle<4, 0, 0, 3, 3> xxww; \
  mtl_bool_swizzle<4, 0, 1, 0, 0> xyxx; mtl_bool_swizzle<4, 0, 1, 0, 1> xyxy; mtl_bool_swizzle<4, 0, 1, 0, 2> xyxz; mtl_bool_swizzle<4, 0, 1, 0, 3> xyxw; \
  mtl_bool_swizzle<4, 0, 1, 1, 0> xyyx; mtl_bool_swizzle<4, 0, 1, 1, 1> xyyy; mtl_bool_swizzle<4, 0, 1, 1, 2> xyyz; mtl_bool_swizzle<4, 0, 1, 1, 3> xyyw; \
  mtl_bool_swizzle<4, 0, 1, 2, 0> xyzx; mtl_bool_swizzle<4, 0, 1, 2, 1> xyzy; mtl_bool_swizzle<4, 0, 1, 2, 2> xyzz; mtl_bool_swizzle<4, 0, 1, 2, 3> xyzw; \
  mtl_bool_swizzle<4, 0, 1, 3, 0> xywx; mtl_bool_swizzle<4, 0, 1, 3, 1> xywy; mtl_bool_swizzle<4, 0, 1, 3, 2> xywz; mtl_bool_swizzle<4, 0, 1, 3, 3> xyww; \
  mtl_bool_swizzle<4, 0, 2, 0, 0> xzxx; mtl_bool_swizzle<4, 0, 2, 0, 1> xzxy; mtl_bool_swizzle<4, 0, 2, 0, 2> xzxz; mtl_bool_swizzle<4, 0, 2, 0, 3> xzxw; \
  mtl_bool_swizzle<4, 0, 2, 1, 0> xzyx; mtl_bool_swizzle<4, 0, 2, 1, 1> xzyy; mtl_bool_swizzle<4, 0, 2, 1, 2> xzyz; mtl_bool_swizzle<4, 0, 2, 1, 3> xzyw; \
  mtl_bool_swizzle<4, 0, 2, 2, 0> xzzx; mtl_bool_swizzle<4, 0, 2, 2, 1> xzzy; mtl_bool_swizzle<4, 0, 2, 2, 2> xzzz; mtl_bool_swizzle<4, 0, 2, 2, 3> xzzw; \
  mtl_bool_swizzle<4, 0, 2, 3, 0> xzwx; mtl_bool_swizzle<4, 0, 2, 3, 1> xzwy; mtl_bool_swizzle<4, 0, 2, 3, 2> xzwz; mtl_bool_swizzle<4, 0, 2, 3, 3> xzww; \
  mtl_bool_swizzle<4, 0, 3, 0, 0> xwxx; mtl_bool_swizzle<4, 0, 3, 0, 1> xwxy; mtl_bool_swizzle<4, 0, 3, 0, 2> xwxz; mtl_bool_swizzle<4, 0, 3, 0, 3> xwxw; \
  mtl_bool_swizzle<4, 0, 3, 1, 0> xwyx; mtl_bool_swizzle<4, 0, 3, 1, 1> xwyy; mtl_bool_swizzle<4, 0, 3, 1, 2> xwyz; mtl_bool_swizzle<4, 0, 3, 1, 3> xwyw; \
  mtl_bool_swizzle<4, 0, 3, 2, 0> xwzx; mtl_bool_swizzle<4, 0, 3, 2, 1> xwzy; mtl_bool_swizzle<4, 0, 3, 2, 2> xwzz; mtl_bool_swizzle<4, 0, 3, 2, 3> xwzw; \
  mtl_bool_swizzle<4, 0, 3, 3, 0> xwwx; mtl_bool_swizzle<4, 0, 3, 3, 1> xwwy; mtl_bool_swizzle<4, 0, 3, 3, 2> xwwz; mtl_bool_swizzle<4, 0, 3, 3, 3> xwww; \
  mtl_bool_swizzle<4, 1, 0, 0, 0> yxxx; mtl_bool_swizzle<4, 1, 0, 0, 1> yxxy; mtl_bool_swizzle<4, 1, 0, 0, 2> yxxz; mtl_bool_swizzle<4, 1, 0, 0, 3> yxxw; \
  mtl_bool_swizzle<4, 1, 0, 1, 0> yxyx; mtl_bool_swizzle<4, 1, 0, 1, 1> yxyy; mtl_bool_swizzle<4, 1, 0, 1, 2> yxyz; mtl_bool_swizzle<4, 1, 0, 1, 3> yxyw; \
  mtl_bool_swizzle<4, 1, 0, 2, 0> yxzx; mtl_bool_swizzle<4, 1, 0, 2, 1> yxzy; mtl_bool_swizzle<4, 1, 0, 2, 2> yxzz; mtl_bool_swizzle<4, 1, 0, 2, 3> yxzw; \
  mtl_bool_swizzle<4, 1, 0, 3, 0> yxwx; mtl_bool_swizzle<4, 1, 0, 3, 1> yxwy; mtl_bool_swizzle<4, 1, 0, 3, 2> yxwz; mtl_bool_swizzle<4, 1, 0, 3, 3> yxww; \
  mtl_bool_swizzle<4, 1, 1, 0, 0> yyxx; mtl_bool_swizzle<4, 1, 1, 0, 1> yyxy; mtl_bool_swizzle<4, 1, 1, 0, 2> yyxz; mtl_bool_swizzle<4, 1, 1, 0, 3> yyxw; \
  mtl_bool_swizzle<4, 1, 1, 1, 0> yyyx; mtl_bool_swizzle<4, 1, 1, 1, 1> yyyy; mtl_bool_swizzle<4, 1, 1, 1, 2> yyyz; mtl_bool_swizzle<4, 1, 1, 1, 3> yyyw; \
  mtl_bool_swizzle<4, 1, 1, 2, 0> yyzx; mtl_bool_swizzle<4, 1, 1, 2, 1> yyzy; mtl_bool_swizzle<4, 1, 1, 2, 2> yyzz; mtl_bool_swizzle<4, 1, 1, 2, 3> yyzw; \
  mtl_bool_swizzle<4, 1, 1, 3, 0> yywx; mtl_bool_swizzle<4, 1, 1, 3, 1> yywy; mtl_bool_swizzle<4, 1, 1, 3, 2> yywz; mtl_bool_swizzle<4, 1, 1, 3, 3> yyww; \
  mtl_bool_swizzle<4, 1, 2, 0, 0> yzxx; mtl_bool_swizzle<4, 1, 2, 0, 1> yzxy; mtl_bool_swizzle<4, 1, 2, 0, 2> yzxz; mtl_bool_swizzle<4, 1, 2, 0, 3> yzxw; \
  mtl_bool_swizzle<4, 1, 2, 1, 0> yzyx; mtl_bool_swizzle<4, 1, 2, 1, 1> yzyy; mtl_bool_swizzle<4, 1, 2, 1, 2> yzyz; mtl_bool_swizzle<4, 1, 2, 1, 3> yzyw; \
  mtl_bool_swizzle<4, 1, 2, 2, 0> yzzx; mtl_bool_swizzle<4, 1, 2, 2, 1> yzzy; mtl_bool_swizzle<4, 1, 2, 2, 2> yzzz; mtl_bool_swizzle<4, 1, 2, 2, 3> yzzw; \
  mtl_bool_swizzle<4, 1, 2, 3, 0> yzwx; mtl_bool_swizzle<4, 1, 2, 3, 1> yzwy; mtl_bool_swizzle<4, 1, 2, 3, 2> yzwz; mtl_bool_swizzle<4, 1, 2, 3, 3> yzww; \
  mtl_bool_swizzle<4, 1, 3, 0, 0> ywxx; mtl_bool_swizzle<4, 1, 3, 0, 1> ywxy; mtl_bool_swizzle<4, 1, 3, 0, 2> ywxz; mtl_bool_swizzle<4, 1, 3, 0, 3> ywxw; \
  mtl_bool_swizzle<4, 1, 3, 1, 0> ywyx; mtl_bool_swizzle<4, 1, 3, 1, 1> ywyy; mtl_bool_swizzle<4, 1, 3, 1, 2> ywyz; mtl_bool_swizzle<4, 1, 3, 1, 3> ywyw; \
  mtl_bool_swizzle<4, 1, 3, 2, 0> ywzx; mtl_bool_swizzle<4, 1, 3, 2, 1> ywzy; mtl_bool_swizzle<4, 1, 3, 2, 2> ywzz; mtl_bool_swizzle<4, 1, 3, 2, 3> ywzw; \
  mtl_bool_swizzle<4, 1, 3, 3, 0> ywwx; mtl_bool_swizzle<4, 1, 3, 3, 1> ywwy; mtl_bool_swizzle<4, 1, 3, 3, 2> ywwz; mtl_bool_swizzle<4, 1, 3, 3, 3> ywww; \
  mtl_bool_swizzle<4, 2, 0, 0, 0> zxxx; mtl_bool_swizzle<4, 2, 0, 0, 1> zxxy; mtl_bool_swizzle<4, 2, 0, 0, 2> zxxz; mtl_bool_swizzle<4, 2, 0, 0, 3> zxxw; \
  mtl_bool_swizzle<4, 2, 0, 1, 0> zxyx; mtl_bool_swizzle<4, 2, 0, 1, 1> zxyy; mtl_bool_swizzle<4, 2, 0, 1, 2> zxyz; mtl_bool_swizzle<4, 2, 0, 1, 3> zxyw; \
  mtl_bool_swizzle<4, 2, 0, 2, 0> zxzx; mtl_bool_swizzle<4, 2, 0, 2, 1> zxzy; mtl_bool_swizzle<4, 2, 0, 2, 2> zxzz; mtl_bool_swizzle<4, 2, 0, 2, 3> zxzw; \
  mtl_bool_swizzle<4, 2, 0, 3, 0> zxwx; mtl_bool_swizzle<4, 2, 0, 3, 1> zxwy; mtl_bool_swizzle<4, 2, 0, 3, 2> zxwz; mtl_bool_swizzle<4, 2, 0, 3, 3> zxww; \
  mtl_bool_swizzle<4, 2, 1, 0, 0> zyxx; mtl_bool_swizzle<4, 2, 1, 0, 1> zyxy; mtl_bool_swizzle<4, 2, 1, 0, 2> zyxz; mtl_bool_swizzle<4, 2, 1, 0, 3> zyxw; \
  mtl_bool_swizzle<4, 2, 1, 1, 0> zyyx; mtl_bool_swizzle<4, 2, 1, 1, 1> zyyy; mtl_bool_swizzle<4, 2, 1, 1, 2> zyyz; mtl_bool_swizzle<4, 2, 1, 1, 3> zyyw; \
  mtl_bool_swizzle<4, 2, 1, 2, 0> zyzx; mtl_bool_swizzle<4, 2, 1, 2, 1> zyzy; mtl_bool_swizzle<4, 2, 1, 2, 2> zyzz; mtl_bool_swizzle<4, 2, 1, 2, 3> zyzw; \
  mtl_bool_swizzle<4, 2, 1, 3, 0> zywx; mtl_bool_swizzle<4, 2, 1, 3, 1> zywy; mtl_bool_swizzle<4, 2, 1, 3, 2> zywz; mtl_bool_swizzle<4, 2, 1, 3, 3> zyww; \
  mtl_bool_swizzle<4, 2, 2, 0, 0> zzxx; mtl_bool_swizzle<4, 2, 2, 0, 1> zzxy; mtl_bool_swizzle<4, 2, 2, 0, 2> zzxz; mtl_bool_swizzle<4, 2, 2, 0, 3> zzxw; \
  mtl_bool_swizzle<4, 2, 2, 1, 0> zzyx; mtl_bool_swizzle<4, 2, 2, 1, 1> zzyy; mtl_bool_swizzle<4, 2, 2, 1, 2> zzyz; mtl_bool_swizzle<4, 2, 2, 1, 3> zzyw; \
  mtl_bool_swizzle<4, 2, 2, 2, 0> zzzx; mtl_bool_swizzle<4, 2, 2, 2, 1> zzzy; mtl_bool_swizzle<4, 2, 2, 2, 2> zzzz; mtl_bool_swizzle<4, 2, 2, 2, 3> zzzw; \
  mtl_bool_swizzle<4, 2, 2, 3, 0> zzwx; mtl_bool_swizzle<4, 2, 2, 3, 1> zzwy; mtl_bool_swizzle<4, 2, 2, 3, 2> zzwz; mtl_bool_swizzle<4, 2, 2, 3, 3> zzww; \
  mtl_bool_swizzle<4, 2, 3, 0, 0> zwxx; mtl_bool_swizzle<4, 2, 3, 0, 1> zwxy; mtl_bool_swizzle<4, 2, 3, 0, 2> zwxz; mtl_bool_swizzle<4, 2, 3, 0, 3> zwxw; \
  mtl_bool_swizzle<4, 2, 3, 1, 0> zwyx; mtl_bool_swizzle<4, 2, 3, 1, 1> zwyy; mtl_bool_swizzle<4, 2, 3, 1, 2> zwyz; mtl_bool_swizzle<4, 2, 3, 1, 3> zwyw; \
  mtl_bool_swizzle<4, 2, 3, 2, 0> zwzx; mtl_bool_swizzle<4, 2, 3, 2, 1> zwzy; mtl_bool_swizzle<4, 2, 3, 2, 2> zwzz; mtl_bool_swizzle<4, 2, 3, 2, 3> zwzw; \
  mtl_bool_swizzle<4, 2, 3, 3, 0> zwwx; mtl_bool_swizzle<4, 2, 3, 3, 1> zwwy; mtl_bool_swizzle<4, 2, 3, 3, 2> zwwz; mtl_bool_swizzle<4, 2, 3, 3, 3> zwww; \
  mtl_bool_swizzle<4, 3, 0, 0, 0> wxxx; mtl_bool_swizzle<4, 3, 0, 0, 1> wxxy; mtl_bool_swizzle<4, 3, 0, 0, 2> wxxz; mtl_bool_swizzle<4, 3, 0, 0, 3> wxxw; \
  mtl_bool_swizzle<4, 3, 0, 1, 0> wxyx; mtl_bool_swizzle<4, 3, 0, 1, 1> wxyy; mtl_bool_swizzle<4, 3, 0, 1, 2> wxyz; mtl_bool_swizzle<4, 3, 0, 1, 3> wxyw; \
  mtl_bool_swizzle<4, 3, 0, 2, 0> wxzx; mtl_bool_swizzle<4, 3, 0, 2, 1> wxzy; mtl_bool_swizzle<4, 3, 0, 2, 2> wxzz; mtl_bool_swizzle<4, 3, 0, 2, 3> wxzw; \
  mtl_bool_swizzle<4, 3, 0, 3, 0> wxwx; mtl_bool_swizzle<4, 3, 0, 3, 1> wxwy; mtl_bool_swizzle<4, 3, 0, 3, 2> wxwz; mtl_bool_swizzle<4, 3, 0, 3, 3> wxww; \
  mtl_bool_swizzle<4, 3, 1, 0, 0> wyxx; mtl_bool_swizzle<4, 3, 1, 0, 1> wyxy; mtl_bool_swizzle<4, 3, 1, 0, 2> wyxz; mtl_bool_swizzle<4, 3, 1, 0, 3> wyxw; \
  mtl_bool_swizzle<4, 3, 1, 1, 0> wyyx; mtl_bool_swizzle<4, 3, 1, 1, 1> wyyy; mtl_bool_swizzle<4, 3, 1, 1, 2> wyyz; mtl_bool_swizzle<4, 3, 1, 1, 3> wyyw; \
  mtl_bool_swizzle<4, 3, 1, 2, 0> wyzx; mtl_bool_swizzle<4, 3, 1, 2, 1> wyzy; mtl_bool_swizzle<4, 3, 1, 2, 2> wyzz; mtl_bool_swizzle<4, 3, 1, 2, 3> wyzw; \
  mtl_bool_swizzle<4, 3, 1, 3, 0> wywx; mtl_bool_swizzle<4, 3, 1, 3, 1> wywy; mtl_bool_swizzle<4, 3, 1, 3, 2> wywz; mtl_bool_swizzle<4, 3, 1, 3, 3> wyww; \
  mtl_bool_swizzle<4, 3, 2, 0, 0> wzxx; mtl_bool_swizzle<4, 3, 2, 0, 1> wzxy; mtl_bool_swizzle<4, 3, 2, 0, 2> wzxz; mtl_bool_swizzle<4, 3, 2, 0, 3> wzxw; \
  mtl_bool_swizzle<4, 3, 2, 1, 0> wzyx; mtl_bool_swizzle<4, 3, 2, 1, 1> wzyy; mtl_bool_swizzle<4, 3, 2, 1, 2> wzyz; mtl_bool_swizzle<4, 3, 2, 1, 3> wzyw; \
  mtl_bool_swizzle<4, 3, 2, 2, 0> wzzx; mtl_bool_swizzle<4, 3, 2, 2, 1> wzzy; mtl_bool_swizzle<4, 3, 2, 2, 2> wzzz; mtl_bool_swizzle<4, 3, 2, 2, 3> wzzw; \
  mtl_bool_swizzle<4, 3, 2, 3, 0> wzwx; mtl_bool_swizzle<4, 3, 2, 3, 1> wzwy; mtl_bool_swizzle<4, 3, 2, 3, 2> wzwz; mtl_bool_swizzle<4, 3, 2, 3, 3> wzww; \
  mtl_bool_swizzle<4, 3, 3, 0, 0> wwxx; mtl_bool_swizzle<4, 3, 3, 0, 1> wwxy; mtl_bool_swizzle<4, 3, 3, 0, 2> wwxz; mtl_bool_swizzle<4, 3, 3, 0, 3> wwxw; \
  mtl_bool_swizzle<4, 3, 3, 1, 0> wwyx; mtl_bool_swizzle<4, 3, 3, 1, 1> wwyy; mtl_bool_swizzle<4, 3, 3, 1, 2> wwyz; mtl_bool_swizzle<4, 3, 3, 1, 3> wwyw; \
  mtl_bool_swizzle<4, 3, 3, 2, 0> wwzx; mtl_bool_swizzle<4, 3, 3, 2, 1> wwzy; mtl_bool_swizzle<4, 3, 3, 2, 2> wwzz; mtl_bool_swizzle<4, 3, 3, 2, 3> wwzw; \
  mtl_bool_swizzle<4, 3, 3, 3, 0> wwwx; mtl_bool_swizzle<4, 3, 3, 3, 1> wwwy; mtl_bool_swizzle<4, 3, 3, 3, 2> wwwz; mtl_bool_swizzle<4, 3, 3, 3, 3> wwww; \
  mtl_bool_swizzle<4, 0, 0> rr; mtl_bool_swizzle<4, 0, 1> rg; mtl_bool_swizzle<4, 0, 2> rb; mtl_bool_swizzle<4, 0, 3> ra; \
  mtl_bool_swizzle<4, 1, 0> gr; mtl_bool_swizzle<4, 1, 1> gg; mtl_bool_swizzle<4, 1, 2> gb; mtl_bool_swizzle<4, 1, 3> ga; \
  mtl_bool_swizzle<4, 2, 0> br; mtl_bool_swizzle<4, 2, 1> bg; mtl_bool_swizzle<4, 2, 2> bb; mtl_bool_swizzle<4, 2, 3> ba; \
  mtl_bool_swizzle<4, 3, 0> ar; mtl_bool_swizzle<4, 3, 1> ag; mtl_bool_swizzle<4, 3, 2> ab; mtl_bool_swizzle<4, 3, 3> aa; \
  mtl_bool_swizzle<4, 0, 0, 0> rrr; mtl_bool_swizzle<4, 0, 0, 1> rrg; mtl_bool_swizzle<4, 0, 0, 2> rrb; mtl_bool_swizzle<4, 0, 0, 3> rra; \
  mtl_bool_swizzle<4, 0, 1, 0> rgr; mtl_bool_swizzle<4, 0, 1, 1> rgg; mtl_bool_swizzle<4, 0, 1, 2> rgb; mtl_bool_swizzle<4, 0, 1, 3> rga; \
  mtl_bool_swizzle<4, 0, 2, 0> rbr; mtl_bool_swizzle<4, 0, 2, 1> rbg; mtl_bool_swizzle<4, 0, 2, 2> rbb; mtl_bool_swizzle<4, 0, 2, 3> rba; \
  mtl_bool_swizzle<4, 0, 3, 0> rar; mtl_bool_swizzle<4, 0, 3, 1> rag; mtl_bool_swizzle<4, 0, 3, 2> rab; mtl_bool_swizzle<4, 0, 3, 3> raa; \
  mtl_bool_swizzle<4, 1, 0, 0> grr; mtl_bool_swizzle<4, 1, 0, 1> grg; mtl_bool_swizzle<4, 1, 0, 2> grb; mtl_bool_swizzle<4, 1, 0, 3> gra; \
  mtl_bool_swizzle<4, 1, 1, 0> ggr; mtl_bool_swizzle<4, 1, 1, 1> ggg; mtl_bool_swizzle<4, 1, 1, 2> ggb; mtl_bool_swizzle<4, 1, 1, 3> gga; \
  mtl_bool_swizzle<4, 1, 2, 0> gbr; mtl_bool_swizzle<4, 1, 2, 1> gbg; mtl_bool_swizzle<4, 1, 2, 2> gbb; mtl_bool_swizzle<4, 1, 2, 3> gba; \
  mtl_bool_swizzle<4, 1, 3, 0> gar; mtl_bool_swizzle<4, 1, 3, 1> gag; mtl_bool_swizzle<4, 1, 3, 2> gab; mtl_bool_swizzle<4, 1, 3, 3> gaa; \
  mtl_bool_swizzle<4, 2, 0, 0> brr; mtl_bool_swizzle<4, 2, 0, 1> brg; mtl_bool_swizzle<4, 2, 0, 2> brb; mtl_bool_swizzle<4, 2, 0, 3> bra; \
  mtl_bool_swizzle<4, 2, 1, 0> bgr; mtl_bool_swizzle<4, 2, 1, 1> bgg; mtl_bool_swizzle<4, 2, 1, 2> bgb; mtl_bool_swizzle<4, 2, 1, 3> bga; \
  mtl_bool_swizzle<4, 2, 2, 0> bbr; mtl_bool_swizzle<4, 2, 2, 1> bbg; mtl_bool_swizzle<4, 2, 2, 2> bbb; mtl_bool_swizzle<4, 2, 2, 3> bba; \
  mtl_bool_swizzle<4, 2, 3, 0> bar; mtl_bool_swizzle<4, 2, 3, 1> bag; mtl_bool_swizzle<4, 2, 3, 2> bab; mtl_bool_swizzle<4, 2, 3, 3> baa; \
  mtl_bool_swizzle<4, 3, 0, 0> arr; mtl_bool_swizzle<4, 3, 0, 1> arg; mtl_bool_swizzle<4, 3, 0, 2> arb; mtl_bool_swizzle<4, 3, 0, 3> ara; \
  mtl_bool_swizzle<4, 3, 1, 0> agr; mtl_bool_swizzle<4, 3, 1, 1> agg; mtl_bool_swizzle<4, 3, 1, 2> agb; mtl_bool_swizzle<4, 3, 1, 3> aga; \
  mtl_bool_swizzle<4, 3, 2, 0> abr; mtl_bool_swizzle<4, 3, 2, 1> abg; mtl_bool_swizzle<4, 3, 2, 2> abb; mtl_bool_swizzle<4, 3, 2, 3> aba; \
  mtl_bool_swizzle<4, 3, 3, 0> aar; mtl_bool_swizzle<4, 3, 3, 1> aag; mtl_bool_swizzle<4, 3, 3, 2> aab; mtl_bool_swizzle<4, 3, 3, 3> aaa; \
  mtl_bool_swizzle<4, 0, 0, 0, 0> rrrr; mtl_bool_swizzle<4, 0, 0, 0, 1> rrrg; mtl_bool_swizzle<4, 0, 0, 0, 2> rrrb; mtl_bool_swizzle<4, 0, 0, 0, 3> rrra; \
  mtl_bool_swizzle<4, 0, 0, 1, 0> rrgr; mtl_bool_swizzle<4, 0, 0, 1, 1> rrgg; mtl_bool_swizzle<4, 0, 0, 1, 2> rrgb; mtl_bool_swizzle<4, 0, 0, 1, 3> rrga; \
  mtl_bool_swizzle<4, 0, 0, 2, 0> rrbr; mtl_bool_swizzle<4, 0, 0, 2, 1> rrbg; mtl_bool_swizzle<4, 0, 0, 2, 2> rrbb; mtl_bool_swizzle<4, 0, 0, 2, 3> rrba; \
  mtl_bool_swizzle<4, 0, 0, 3, 0> rrar; mtl_bool_swizzle<4, 0, 0, 3, 1> rrag; mtl_bool_swizzle<4, 0, 0, 3, 2> rrab; mtl_bool_swizzle<4, 0, 0, 3, 3> rraa; \
  mtl_bool_swizzle<4, 0, 1, 0, 0> rgrr; mtl_bool_swizzle<4, 0, 1, 0, 1> rgrg; mtl_bool_swizzle<4, 0, 1, 0, 2> rgrb; mtl_bool_swizzle<4, 0, 1, 0, 3> rgra; \
  mtl_bool_swizzle<4, 0, 1, 1, 0> rggr; mtl_bool_swizzle<4, 0, 1, 1, 1> rggg; mtl_bool_swizzle<4, 0, 1, 1, 2> rggb; mtl_bool_swizzle<4, 0, 1, 1, 3> rgga; \
  mtl_bool_swizzle<4, 0, 1, 2, 0> rgbr; mtl_bool_swizzle<4, 0, 1, 2, 1> rgbg; mtl_bool_swizzle<4, 0, 1, 2, 2> rgbb; mtl_bool_swizzle<4, 0, 1, 2, 3> rgba; \
  mtl_bool_swizzle<4, 0, 1, 3, 0> rgar; mtl_bool_swizzle<4, 0, 1, 3, 1> rgag; mtl_bool_swizzle<4, 0, 1, 3, 2> rgab; mtl_bool_swizzle<4, 0, 1, 3, 3> rgaa; \
  mtl_bool_swizzle<4, 0, 2, 0, 0> rbrr; mtl_bool_swizzle<4, 0, 2, 0, 1> rbrg; mtl_bool_swizzle<4, 0, 2, 0, 2> rbrb; mtl_bool_swizzle<4, 0, 2, 0, 3> rbra; \
  mtl_bool_swizzle<4, 0, 2, 1, 0> rbgr; mtl_bool_swizzle<4, 0, 2, 1, 1> rbgg; mtl_bool_swizzle<4, 0, 2, 1, 2> rbgb; mtl_bool_swizzle<4, 0, 2, 1, 3> rbga; \
  mtl_bool_swizzle<4, 0, 2, 2, 0> rbbr; mtl_bool_swizzle<4, 0, 2, 2, 1> rbbg; mtl_bool_swizzle<4, 0, 2, 2, 2> rbbb; mtl_bool_swizzle<4, 0, 2, 2, 3> rbba; \
  mtl_bool_swizzle<4, 0, 2, 3, 0> rbar; mtl_bool_swizzle<4, 0, 2, 3, 1> rbag; mtl_bool_swizzle<4, 0, 2, 3, 2> rbab; mtl_bool_swizzle<4, 0, 2, 3, 3> rbaa; \
  mtl_bool_swizzle<4, 0, 3, 0, 0> rarr; mtl_bool_swizzle<4, 0, 3, 0, 1> rarg; mtl_bool_swizzle<4, 0, 3, 0, 2> rarb; mtl_bool_swizzle<4, 0, 3, 0, 3> rara; \
  mtl_bool_swizzle<4, 0, 3, 1, 0> ragr; mtl_bool_swizzle<4, 0, 3, 1, 1> ragg; mtl_bool_swizzle<4, 0, 3, 1, 2> ragb; mtl_bool_swizzle<4, 0, 3, 1, 3> raga; \
  mtl_bool_swizzle<4, 0, 3, 2, 0> rabr; mtl_bool_swizzle<4, 0, 3, 2, 1> rabg; mtl_bool_swizzle<4, 0, 3, 2, 2> rabb; mtl_bool_swizzle<4, 0, 3, 2, 3> raba; \
  mtl_bool_swizzle<4, 0, 3, 3, 0> raar; mtl_bool_swizzle<4, 0, 3, 3, 1> raag; mtl_bool_swizzle<4, 0, 3, 3, 2> raab; mtl_bool_swizzle<4, 0, 3, 3, 3> raaa; \
  mtl_bool_swizzle<4, 1, 0, 0, 0> grrr; mtl_bool_swizzle<4, 1, 0, 0, 1> grrg; mtl_bool_swizzle<4, 1, 0, 0, 2> grrb; mtl_bool_swizzle<4, 1, 0, 0, 3> grra; \
  mtl_bool_swizzle<4, 1, 0, 1, 0> grgr; mtl_bool_swizzle<4, 1, 0, 1, 1> grgg; mtl_bool_swizzle<4, 1, 0, 1, 2> grgb; mtl_bool_swizzle<4, 1, 0, 1, 3> grga; \
  mtl_bool_swizzle<4, 1, 0, 2, 0> grbr; mtl_bool_swizzle<4, 1, 0, 2, 1> grbg; mtl_bool_swizzle<4, 1, 0, 2, 2> grbb; mtl_bool_swizzle<4, 1, 0, 2, 3> grba; \
  mtl_bool_swizzle<4, 1, 0, 3, 0> grar; mtl_bool_swizzle<4, 1, 0, 3, 1> grag; mtl_bool_swizzle<4, 1, 0, 3, 2> grab; mtl_bool_swizzle<4, 1, 0, 3, 3> graa; \
  mtl_bool_swizzle<4, 1, 1, 0, 0> ggrr; mtl_bool_swizzle<4, 1, 1, 0, 1> ggrg; mtl_bool_swizzle<4, 1, 1, 0, 2> ggrb; mtl_bool_swizzle<4, 1, 1, 0, 3> ggra; \
  mtl_bool_swizzle<4, 1, 1, 1, 0> gggr; mtl_bool_swizzle<4, 1, 1, 1, 1> gggg; mtl_bool_swizzle<4, 1, 1, 1, 2> gggb; mtl_bool_swizzle<4, 1, 1, 1, 3> ggga; \
  mtl_bool_swizzle<4, 1, 1, 2, 0> ggbr; mtl_bool_swizzle<4, 1, 1, 2, 1> ggbg; mtl_bool_swizzle<4, 1, 1, 2, 2> ggbb; mtl_bool_swizzle<4, 1, 1, 2, 3> ggba; \
  mtl_bool_swizzle<4, 1, 1, 3, 0> ggar; mtl_bool_swizzle<4, 1, 1, 3, 1> ggag; mtl_bool_swizzle<4, 1, 1, 3, 2> ggab; mtl_bool_swizzle<4, 1, 1, 3, 3> ggaa; \
  mtl_bool_swizzle<4, 1, 2, 0, 0> gbrr; mtl_bool_swizzle<4, 1, 2, 0, 1> gbrg; mtl_bool_swizzle<4, 1, 2, 0, 2> gbrb; mtl_bool_swizzle<4, 1, 2, 0, 3> gbra; \
  mtl_bool_swizzle<4, 1, 2, 1, 0> gbgr; mtl_bool_swizzle<4, 1, 2, 1, 1> gbgg; mtl_bool_swizzle<4, 1, 2, 1, 2> gbgb; mtl_bool_swizzle<4, 1, 2, 1, 3> gbga; \
  mtl_bool_swizzle<4, 1, 2, 2, 0> gbbr; mtl_bool_swizzle<4, 1, 2, 2, 1> gbbg; mtl_bool_swizzle<4, 1, 2, 2, 2> gbbb; mtl_bool_swizzle<4, 1, 2, 2, 3> gbba; \
  mtl_bool_swizzle<4, 1, 2, 3, 0> gbar; mtl_bool_swizzle<4, 1, 2, 3, 1> gbag; mtl_bool_swizzle<4, 1, 2, 3, 2> gbab; mtl_bool_swizzle<4, 1, 2, 3, 3> gbaa; \
  mtl_bool_swizzle<4, 1, 3, 0, 0> garr; mtl_bool_swizzle<4, 1, 3, 0, 1> garg; mtl_bool_swizzle<4, 1, 3, 0, 2> garb; mtl_bool_swizzle<4, 1, 3, 0, 3> gara; \
  mtl_bool_swizzle<4, 1, 3, 1, 0> gagr; mtl_bool_swizzle<4, 1, 3, 1, 1> gagg; mtl_bool_swizzle<4, 1, 3, 1, 2> gagb; mtl_bool_swizzle<4, 1, 3, 1, 3> gaga; \
  mtl_bool_swizzle<4, 1, 3, 2, 0> gabr; mtl_bool_swizzle<4, 1, 3, 2, 1> gabg; mtl_bool_swizzle<4, 1, 3, 2, 2> gabb; mtl_bool_swizzle<4, 1, 3, 2, 3> gaba; \
  mtl_bool_swizzle<4, 1, 3, 3, 0> gaar; mtl_bool_swizzle<4, 1, 3, 3, 1> gaag; mtl_bool_swizzle<4, 1, 3, 3, 2> gaab; mtl_bool_swizzle<4, 1, 3, 3, 3> gaaa; \
  mtl_bool_swizzle<4, 2, 0, 0, 0> brrr; mtl_bool_swizzle<4, 2, 0, 0, 1> brrg; mtl_bool_swizzle<4, 2, 0, 0, 2> brrb; mtl_bool_swizzle<4, 2, 0, 0, 3> brra; \
  mtl_bool_swizzle<4, 2, 0, 1, 0> brgr; mtl_bool_swizzle<4, 2, 0, 1, 1> brgg; mtl_bool_swizzle<4, 2, 0, 1, 2> brgb; mtl_bool_swizzle<4, 2, 0, 1, 3> brga; \
  mtl_bool_swizzle<4, 2, 0, 2, 0> brbr; mtl_bool_swizzle<4, 2, 0, 2, 1> brbg; mtl_bool_swizzle<4, 2, 0, 2, 2> brbb; mtl_bool_swizzle<4, 2, 0, 2, 3> brba; \
  mtl_bool_swizzle<4, 2, 0, 3, 0> brar; mtl_bool_swizzle<4, 2, 0, 3, 1> brag; mtl_bool_swizzle<4, 2, 0, 3, 2> brab; mtl_bool_swizzle<4, 2, 0, 3, 3> braa; \
  mtl_bool_swizzle<4, 2, 1, 0, 0> bgrr; mtl_bool_swizzle<4, 2, 1, 0, 1> bgrg; mtl_bool_swizzle<4, 2, 1, 0, 2> bgrb; mtl_bool_swizzle<4, 2, 1, 0, 3> bgra; \
  mtl_bool_swizzle<4, 2, 1, 1, 0> bggr; mtl_bool_swizzle<4, 2, 1, 1, 1> bggg; mtl_bool_swizzle<4, 2, 1, 1, 2> bggb; mtl_bool_swizzle<4, 2, 1, 1, 3> bgga; \
  mtl_bool_swizzle<4, 2, 1, 2, 0> bgbr; mtl_bool_swizzle<4, 2, 1, 2, 1> bgbg; mtl_bool_swizzle<4, 2, 1, 2, 2> bgbb; mtl_bool_swizzle<4, 2, 1, 2, 3> bgba; \
  mtl_bool_swizzle<4, 2, 1, 3, 0> bgar; mtl_bool_swizzle<4, 2, 1, 3, 1> bgag; mtl_bool_swizzle<4, 2, 1, 3, 2> bgab; mtl_bool_swizzle<4, 2, 1, 3, 3> bgaa; \
  mtl_bool_swizzle<4, 2, 2, 0, 0> bbrr; mtl_bool_swizzle<4, 2, 2, 0, 1> bbrg; mtl_bool_swizzle<4, 2, 2, 0, 2> bbrb; mtl_bool_swizzle<4, 2, 2, 0, 3> bbra; \
  mtl_bool_swizzle<4, 2, 2, 1, 0> bbgr; mtl_bool_swizzle<4, 2, 2, 1, 1> bbgg; mtl_bool_swizzle<4, 2, 2, 1, 2> bbgb; mtl_bool_swizzle<4, 2, 2, 1, 3> bbga; \
  mtl_bool_swizzle<4, 2, 2, 2, 0> bbbr; mtl_bool_swizzle<4, 2, 2, 2, 1> bbbg; mtl_bool_swizzle<4, 2, 2, 2, 2> bbbb; mtl_bool_swizzle<4, 2, 2, 2, 3> bbba; \
  mtl_bool_swizzle<4, 2, 2, 3, 0> bbar; mtl_bool_swizzle<4, 2, 2, 3, 1> bbag; mtl_bool_swizzle<4, 2, 2, 3, 2> bbab; mtl_bool_swizzle<4, 2, 2, 3, 3> bbaa; \
  mtl_bool_swizzle<4, 2, 3, 0, 0> barr; mtl_bool_swizzle<4, 2, 3, 0, 1> barg; mtl_bool_swizzle<4, 2, 3, 0, 2> barb; mtl_bool_swizzle<4, 2, 3, 0, 3> bara; \
  mtl_bool_swizzle<4, 2, 3, 1, 0> bagr; mtl_bool_swizzle<4, 2, 3, 1, 1> bagg; mtl_bool_swizzle<4, 2, 3, 1, 2> bagb; mtl_bool_swizzle<4, 2, 3, 1, 3> baga; \
  mtl_bool_swizzle<4, 2, 3, 2, 0> babr; mtl_bool_swizzle<4, 2, 3, 2, 1> babg; mtl_bool_swizzle<4, 2, 3, 2, 2> babb; mtl_bool_swizzle<4, 2, 3, 2, 3> baba; \
  mtl_bool_swizzle<4, 2, 3, 3, 0> baar; mtl_bool_swizzle<4, 2, 3, 3, 1> baag; mtl_bool_swizzle<4, 2, 3, 3, 2> baab; mtl_bool_swizzle<4, 2, 3, 3, 3> baaa; \
  mtl_bool_swizzle<4, 3, 0, 0, 0> arrr; mtl_bool_swizzle<4, 3, 0, 0, 1> arrg; mtl_bool_swizzle<4, 3, 0, 0, 2> arrb; mtl_bool_swizzle<4, 3, 0, 0, 3> arra; \
  mtl_bool_swizzle<4, 3, 0, 1, 0> argr; mtl_bool_swizzle<4, 3, 0, 1, 1> argg; mtl_bool_swizzle<4, 3, 0, 1, 2> argb; mtl_bool_swizzle<4, 3, 0, 1, 3> arga; \
  mtl_bool_swizzle<4, 3, 0, 2, 0> arbr; mtl_bool_swizzle<4, 3, 0, 2, 1> arbg; mtl_bool_swizzle<4, 3, 0, 2, 2> arbb; mtl_bool_swizzle<4, 3, 0, 2, 3> arba; \
  mtl_bool_swizzle<4, 3, 0, 3, 0> arar; mtl_bool_swizzle<4, 3, 0, 3, 1> arag; mtl_bool_swizzle<4, 3, 0, 3, 2> arab; mtl_bool_swizzle<4, 3, 0, 3, 3> araa; \
  mtl_bool_swizzle<4, 3, 1, 0, 0> agrr; mtl_bool_swizzle<4, 3, 1, 0, 1> agrg; mtl_bool_swizzle<4, 3, 1, 0, 2> agrb; mtl_bool_swizzle<4, 3, 1, 0, 3> agra; \
  mtl_bool_swizzle<4, 3, 1, 1, 0> aggr; mtl_bool_swizzle<4, 3, 1, 1, 1> aggg; mtl_bool_swizzle<4, 3, 1, 1, 2> aggb; mtl_bool_swizzle<4, 3, 1, 1, 3> agga; \
  mtl_bool_swizzle<4, 3, 1, 2, 0> agbr; mtl_bool_swizzle<4, 3, 1, 2, 1> agbg; mtl_bool_swizzle<4, 3, 1, 2, 2> agbb; mtl_bool_swizzle<4, 3, 1, 2, 3> agba; \
  mtl_bool_swizzle<4, 3, 1, 3, 0> agar; mtl_bool_swizzle<4, 3, 1, 3, 1> agag; mtl_bool_swizzle<4, 3, 1, 3, 2> agab; mtl_bool_swizzle<4, 3, 1, 3, 3> agaa; \
  mtl_bool_swizzle<4, 3, 2, 0, 0> abrr; mtl_bool_swizzle<4, 3, 2, 0, 1> abrg; mtl_bool_swizzle<4, 3, 2, 0, 2> abrb; mtl_bool_swizzle<4, 3, 2, 0, 3> abra; \
  mtl_bool_swizzle<4, 3, 2, 1, 0> abgr; mtl_bool_swizzle<4, 3, 2, 1, 1> abgg; mtl_bool_swizzle<4, 3, 2, 1, 2> abgb; mtl_bool_swizzle<4, 3, 2, 1, 3> abga; \
  mtl_bool_swizzle<4, 3, 2, 2, 0> abbr; mtl_bool_swizzle<4, 3, 2, 2, 1> abbg; mtl_bool_swizzle<4, 3, 2, 2, 2> abbb; mtl_bool_swizzle<4, 3, 2, 2, 3> abba; \
  mtl_bool_swizzle<4, 3, 2, 3, 0> abar; mtl_bool_swizzle<4, 3, 2, 3, 1> abag; mtl_bool_swizzle<4, 3, 2, 3, 2> abab; mtl_bool_swizzle<4, 3, 2, 3, 3> abaa; \
  mtl_bool_swizzle<4, 3, 3, 0, 0> aarr; mtl_bool_swizzle<4, 3, 3, 0, 1> aarg; mtl_bool_swizzle<4, 3, 3, 0, 2> aarb; mtl_bool_swizzle<4, 3, 3, 0, 3> aara; \
  mtl_bool_swizzle<4, 3, 3, 1, 0> aagr; mtl_bool_swizzle<4, 3, 3, 1, 1> aagg; mtl_bool_swizzle<4, 3, 3, 1, 2> aagb; mtl_bool_swizzle<4, 3, 3, 1, 3> aaga; \
  mtl_bool_swizzle<4, 3, 3, 2, 0> aabr; mtl_bool_swizzle<4, 3, 3, 2, 1> aabg; mtl_bool_swizzle<4, 3, 3, 2, 2> aabb; mtl_bool_swizzle<4, 3, 3, 2, 3> aaba; \
  mtl_bool_swizzle<4, 3, 3, 3, 0> aaar; mtl_bool_swizzle<4, 3, 3, 3, 1> aaag; mtl_bool_swizzle<4, 3, 3, 3, 2> aaab; mtl_bool_swizzle<4, 3, 3, 3, 3> aaaa; \

// Multi-component swizzles cost the compiler ~1000 class instantiations (~50 ms per
// kernel), so they exist only when the kernel names a bool vector type (the translator
// then defines MTL_BOOL_SWIZZLES); single components always do.
#if MTL_BOOL_SWIZZLES
#define MTL_BOOL_SWIZZLES_2 MTL_BOOL_SWIZZLES_2_ONE MTL_BOOL_SWIZZLES_2_MULTI
#define MTL_BOOL_SWIZZLES_3 MTL_BOOL_SWIZZLES_3_ONE MTL_BOOL_SWIZZLES_3_MULTI
#define MTL_BOOL_SWIZZLES_4 MTL_BOOL_SWIZZLES_4_ONE MTL_BOOL_SWIZZLES_4_MULTI
#else
#define MTL_BOOL_SWIZZLES_2 MTL_BOOL_SWIZZLES_2_ONE
#define MTL_BOOL_SWIZZLES_3 MTL_BOOL_SWIZZLES_3_ONE
#define MTL_BOOL_SWIZZLES_4 MTL_BOOL_SWIZZLES_4_ONE
#endif

template <int N> struct mtl_bool_vector_storage;
template <> struct mtl_bool_vector_storage<2> {
  union { bool v[2]; MTL_BOOL_SWIZZLES_2 };
};
template <> struct mtl_bool_vector_storage<3> {
  union { bool v[3]; MTL_BOOL_SWIZZLES_3 };
};
template <> struct mtl_bool_vector_storage<4> {
  union { bool v[4]; MTL_BOOL_SWIZZLES_4 };
};
#undef MTL_BOOL_SWIZZLES_2
#undef MTL_BOOL_SWIZZLES_3
#undef MTL_BOOL_SWIZZLES_4
#undef MTL_BOOL_SWIZZLES_2_ONE
#undef MTL_BOOL_SWIZZLES_3_ONE
#undef MTL_BOOL_SWIZZLES_4_ONE
#undef MTL_BOOL_SWIZZLES_2_MULTI
#undef MTL_BOOL_SWIZZLES_3_MULTI
#undef MTL_BOOL_SWIZZLES_4_MULTI

template <int N> struct mtl_bool_vector : mtl_bool_vector_storage<N> {
  METAL_FUNC mtl_bool_vector() { for (int i = 0; i < N; ++i) this->v[i] = false; }
  METAL_FUNC mtl_bool_vector(const mtl_bool_vector& o) {
    for (int i = 0; i < N; ++i) this->v[i] = o.v[i];
  }
  METAL_FUNC mtl_bool_vector& operator=(const mtl_bool_vector& o) {
    for (int i = 0; i < N; ++i) this->v[i] = o.v[i];
    return *this;
  }
  // Splat: bool4(true), and bool4(0) from vmake.
  template <class S, enable_if_t<__is_arithmetic(S), int> = 0>
  METAL_FUNC explicit mtl_bool_vector(S s) { for (int i = 0; i < N; ++i) this->v[i] = s != 0; }
  // From a vector, e.g. the integer mask of `x < y`: true where nonzero.
  template <class T>
  METAL_FUNC mtl_bool_vector(T __attribute__((ext_vector_type(N))) m) {
    for (int i = 0; i < N; ++i) this->v[i] = m[i] != 0;
  }
  template <int K, int... I, enable_if_t<sizeof...(I) == N, int> = 0>
  METAL_FUNC mtl_bool_vector(const mtl_bool_swizzle<K, I...>& s) : mtl_bool_vector(
      static_cast<mtl_bool_vector>(s)) {}
  METAL_FUNC bool& operator[](int i) { return this->v[i]; }
  METAL_FUNC const bool& operator[](int i) const { return this->v[i]; }
  // The integer mask (-1 / 0), as a vector comparison yields.
  METAL_FUNC vec<int, N> mask() const {
    vec<int, N> m;
    for (int i = 0; i < N; ++i) m[i] = this->v[i] ? -1 : 0;
    return m;
  }
  METAL_FUNC mtl_bool_vector operator!() const {
    mtl_bool_vector r;
    for (int i = 0; i < N; ++i) r.v[i] = !this->v[i];
    return r;
  }
#define MTL_BOOL_OP(OP, EXPR)                                                             \
  friend METAL_FUNC mtl_bool_vector operator OP(const mtl_bool_vector& a,                 \
                                                const mtl_bool_vector& b) {               \
    mtl_bool_vector r;                                                                    \
    for (int i = 0; i < N; ++i) {                                                         \
      bool x = a.v[i], y = b.v[i];                                                        \
      r.v[i] = EXPR;                                                                      \
    }                                                                                     \
    return r;                                                                             \
  }
  MTL_BOOL_OP(&&, x && y)
  MTL_BOOL_OP(||, x || y)
  MTL_BOOL_OP(&, x && y)
  MTL_BOOL_OP(|, x || y)
  MTL_BOOL_OP(^, x != y)
  MTL_BOOL_OP(==, x == y)
  MTL_BOOL_OP(!=, x != y)
#undef MTL_BOOL_OP
};

// A bool vector is a vector to metal:: functions (all, any, select, vmake).
template <int N> struct vec_traits<mtl_bool_vector<N>> {
  typedef bool elem;
  static constexpr int n = N;
};

typedef mtl_bool_vector<2> bool2;
typedef mtl_bool_vector<3> bool3;
typedef mtl_bool_vector<4> bool4;

}  // namespace metal
