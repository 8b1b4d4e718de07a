// chunk_local_cumsum: g_c[t] = sum of g[s] for s from the start of t's chunk to t.
//
// Body of an MLX `mx.fast.metal_kernel` (MLX generates the signature).
// Inputs:  g   [B, T, H] float32, per-token log decay, FLA layout (heads contiguous).
// Outputs: g_c [B, T, H] float32, the chunk-local inclusive prefix sum.
// Launch:  grid (BT * ceil(T / BT), H, B), threadgroup (BT, 1, 1): one threadgroup of
//          BT threads per (chunk, head, batch); thread i owns token i of the chunk.
//          A partial last chunk (T % BT != 0) sums only its valid tokens.
// Each simdgroup scans its 32 tokens with simd_prefix_inclusive_sum; simdgroup s then
// adds the totals of simdgroups 0..s-1, taken from threadgroup memory.
constexpr uint BT = 64;
constexpr uint SIMD = 32;
threadgroup float simd_totals[BT / SIMD];

const uint i = thread_position_in_threadgroup.x;
const uint chunk = threadgroup_position_in_grid.x;
const uint head = threadgroup_position_in_grid.y;
const uint batch = threadgroup_position_in_grid.z;
const uint T = g_shape[1];
const uint H = g_shape[2];
const uint t = chunk * BT + i;
const bool valid = t < T;
const size_t at = (size_t(batch) * T + t) * H + head;

const float x = valid ? g[at] : 0.0f;
float prefix = simd_prefix_inclusive_sum(x);
const uint lane = thread_index_in_simdgroup;
const uint sg = simdgroup_index_in_threadgroup;
if (lane == SIMD - 1) {
    simd_totals[sg] = prefix;
}
threadgroup_barrier(mem_flags::mem_threadgroup);
for (uint s = 0; s < sg; ++s) {
    prefix += simd_totals[s];
}
if (valid) {
    g_c[at] = prefix;
}
