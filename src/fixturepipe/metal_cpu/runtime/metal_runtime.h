// Everything a kernel translated by fixturepipe.metal_cpu sees: Metal types, math,
// synchronisation and MLX's preamble helpers, then `using namespace metal;` as in
// MLX's generated source.
#pragma once
#include "metal_types.h"
#include "metal_bool_vectors.h"
#include "metal_packed.h"
#include "metal_matrix.h"
#include "metal_math.h"
#include "metal_sync.h"
#include "metal_simd_extras.h"
#include "metal_simdgroup_matrix.h"
#include "mlx_preamble.h"
#include "metal_complex.h"

using namespace metal;
