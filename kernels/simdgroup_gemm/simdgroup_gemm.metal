// C[M, N] = A[M, K] @ B[N, K]^T with Apple's SIMD-group matrices (B is stored as rows of
// length K, as keys are in attention, and is loaded transposed). One threadgroup of 4
// simdgroups computes a 16x16 block of C, each simdgroup one 8x8 tile of it; K is walked
// in 8-wide steps, the block's 16x8 slices of A and B staged in threadgroup memory.
constexpr uint BLOCK = 16;
constexpr uint STEP = 8;
threadgroup float As[BLOCK * STEP];
threadgroup float Bs[BLOCK * STEP];
const uint tid = thread_index_in_threadgroup;
const uint sg = simdgroup_index_in_threadgroup;
const uint row0 = threadgroup_position_in_grid.y * BLOCK;
const uint col0 = threadgroup_position_in_grid.x * BLOCK;
const uint tm = (sg / 2) * 8;
const uint tn = (sg % 2) * 8;
const uint r = tid / STEP;
const uint c = tid % STEP;
simdgroup_float8x8 acc = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
for (uint k = 0; k < K; k += STEP) {
    As[r * STEP + c] = A[(row0 + r) * K + k + c];
    Bs[r * STEP + c] = B[(col0 + r) * K + k + c];
    threadgroup_barrier(mem_flags::mem_threadgroup);
    simdgroup_float8x8 a_tile;
    simdgroup_float8x8 b_tile;
    simdgroup_load(a_tile, As, STEP, ulong2(0, tm));
    simdgroup_load(b_tile, Bs, STEP, ulong2(0, tn), true);
    simdgroup_multiply_accumulate(acc, a_tile, b_tile, acc);
    threadgroup_barrier(mem_flags::mem_threadgroup);
}
simdgroup_store(acc, C, N, ulong2(col0 + tn, row0 + tm));
