// chunk_tri_solve_invert: X = (I + A)^-1 for every strict-lower [BT, BT] block of A.
//
// Body of an MLX `mx.fast.metal_kernel` (MLX generates the signature).
// Inputs:  a_strict [B, T, H, BT] float32, FLA layout (row stride H * BT);
//          only the strict lower triangle of each block is read.
// Outputs: a_inv    [B, T, H, BT] float32, same layout.
// Launch:  grid (BT * T / BT, H, B), threadgroup (BT, 1, 1): one threadgroup per
//          (chunk, head, batch); thread j owns column j of X.
// Threadgroup memory: two BT x BT float tiles = 32 KiB at BT = 64, Apple's cap.
constexpr uint BT = 64;
threadgroup float L[BT * BT];
threadgroup float X[BT * BT];

const uint j = thread_position_in_threadgroup.x;
const uint chunk = threadgroup_position_in_grid.x;
const uint head = threadgroup_position_in_grid.y;
const uint batch = threadgroup_position_in_grid.z;
const uint T = a_strict_shape[1];
const uint H = a_strict_shape[2];
const uint row_stride = H * BT;
const size_t base = (size_t(batch) * T + size_t(chunk) * BT) * row_stride + size_t(head) * BT;

// Stage the strict lower triangle; thread j loads column j of every row.
for (uint i = 0; i < BT; ++i) {
    L[i * BT + j] = (j < i) ? a_strict[base + i * row_stride + j] : 0.0f;
}
threadgroup_barrier(mem_flags::mem_threadgroup);

// Forward substitution for column j: X[i, j] = (i == j) - sum_{k<i} L[i, k] X[k, j].
// X[k, j] is zero for k < j, so the sum starts at k = j.
for (uint i = 0; i < BT; ++i) {
    float acc = (i == j) ? 1.0f : 0.0f;
    for (uint k = j; k < i; ++k) {
        acc -= L[i * BT + k] * X[k * BT + j];
    }
    X[i * BT + j] = acc;
}

for (uint i = 0; i < BT; ++i) {
    a_inv[base + i * row_stride + j] = X[i * BT + j];
}
