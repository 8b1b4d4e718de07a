// chunk_scaled_dot_kkt: A[i, j] = (k_i . k_j) * exp(g_i - g_j) * beta_i for j < i in a chunk.
//
// Body of an MLX `mx.fast.metal_kernel` (MLX generates the signature).
// Inputs:  k    [B, T, Hg, K] bfloat16, keys, FLA layout (K contiguous);
//          beta [B, T, H]     float32;
//          g    [B, T, H]     float32, chunk-local cumulative log decay.
// Outputs: A    [B, T, H, BT] float32: row t holds column j of t's chunk; strictly lower
//          (0 on and above the diagonal and for tokens past T).
// Value head h reads key head h / (H / Hg). FLA's cast points (since "Scale kkt after
// reduction"): the dot of raw bf16 keys accumulates in float32, then is multiplied by
// exp(g_i - g_j), then by beta_i.
// Launch:  grid (128 * ceil(T / BT), Hg, B), threadgroup (128, 1, 1): one threadgroup per
//          (chunk, key head, batch) computes k k^T once with SIMD-group matrices and then
//          writes A for every value head of that key head. Simdgroup s owns rows
//          16s .. 16s + 15 (two 8-row tiles) and computes only the tiles on or below the
//          diagonal, over BK-wide slabs of k staged in threadgroup memory. A partial last
//          chunk stages zeros past T and stores no row past T.
// Threadgroup memory: a BT x (BK + 8) bf16 slab (9 KiB), the BT x (BT + 4) float product
//          (17 KiB) and two BT float vectors: 26.5 KiB.
constexpr uint BT = 64;
constexpr uint BK = 64;
constexpr uint LDK = BK + 8;
constexpr uint LDD = BT + 4;
constexpr uint THREADS = 128;
constexpr uint ROW_TILES = 2;       // 8-row tiles per simdgroup
constexpr uint COL_TILES = BT / 8;
threadgroup bfloat k_slab[BT * LDK];
threadgroup float dots[BT * LDD];
threadgroup float g_s[BT];
threadgroup float beta_s[BT];

const uint tid = thread_position_in_threadgroup.x;
const uint sg = simdgroup_index_in_threadgroup;
const uint chunk = threadgroup_position_in_grid.x;
const uint key_head = threadgroup_position_in_grid.y;
const uint batch = threadgroup_position_in_grid.z;
const uint T = k_shape[1];
const uint Hg = k_shape[2];
const uint K = k_shape[3];
const uint H = beta_shape[2];
const uint group = H / Hg;
const uint t0 = chunk * BT;

simdgroup_float8x8 acc[ROW_TILES][COL_TILES];
for (uint a = 0; a < ROW_TILES; ++a) {
    for (uint b = 0; b < COL_TILES; ++b) {
        acc[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
    }
}

for (uint d0 = 0; d0 < K; d0 += BK) {
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BK; e += THREADS) {
        const uint r = e / BK;
        const uint c = e % BK;
        const uint t = t0 + r;
        const uint d = d0 + c;
        k_slab[r * LDK + c] = (t < T && d < K)
            ? k[((size_t(batch) * T + t) * Hg + key_head) * K + d] : bfloat(0.0f);
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint c = 0; c < BK; c += 8) {
        for (uint a = 0; a < ROW_TILES; ++a) {
            const uint row_tile = ROW_TILES * sg + a;
            simdgroup_bfloat8x8 ki;
            simdgroup_load(ki, k_slab, LDK, ulong2(c, 8 * row_tile));
            for (uint b = 0; b <= row_tile; ++b) {
                simdgroup_bfloat8x8 kj;
                simdgroup_load(kj, k_slab, LDK, ulong2(c, 8 * b), true);
                simdgroup_multiply_accumulate(acc[a][b], ki, kj, acc[a][b]);
            }
        }
    }
}
for (uint a = 0; a < ROW_TILES; ++a) {
    const uint row_tile = ROW_TILES * sg + a;
    for (uint b = 0; b <= row_tile; ++b) {
        simdgroup_store(acc[a][b], dots, LDD, ulong2(8 * b, 8 * row_tile));
    }
}

for (uint r = 0; r < group; ++r) {
    const uint head = key_head * group + r;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (tid < BT) {
        const uint t = t0 + tid;
        const size_t at = (size_t(batch) * T + t) * H + head;
        g_s[tid] = t < T ? g[at] : 0.0f;
        beta_s[tid] = t < T ? beta[at] : 0.0f;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BT; e += THREADS) {
        const uint i = e / BT;
        const uint j = e % BT;
        const uint t = t0 + i;
        if (t < T) {
            float value = 0.0f;
            if (j < i) {
                value = dots[i * LDD + j] * exp(g_s[i] - g_s[j]) * beta_s[i];
            }
            A[((size_t(batch) * T + t) * H + head) * BT + j] = value;
        }
    }
}
