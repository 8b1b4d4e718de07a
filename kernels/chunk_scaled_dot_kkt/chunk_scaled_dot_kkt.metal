// chunk_scaled_dot_kkt: A[i, j] = (k_i . k_j) * exp(g_i - g_j) * beta_i for j < i in a chunk.
//
// Body of an MLX `mx.fast.metal_kernel` (MLX generates the signature).
// Inputs:  k    [B, T, Hg, K] bfloat16, keys, FLA layout (K contiguous);
//          beta [B, T, H]     float32;
//          g    [B, T, H]     float32, chunk-local cumulative log decay.
// Outputs: A    [B, T, H, BT] float32: row t holds column j of t's chunk; strictly lower
//          (0 on and above the diagonal and for tokens past T).
// Value head h reads key head h / (H / Hg). FLA's cast points (since "Scale kkt after
// reduction"): the dot of raw bf16 keys accumulates in float32 (bf16 x bf16 products are
// exact in float32), then is multiplied by exp(g_i - g_j), then by beta_i.
// Launch:  grid (16 * ceil(T / BT), 16 * Hg, B), threadgroup (16, 16, 1): one threadgroup
//          per (chunk, key head, batch) computes k k^T once as a register-tiled product
//          (each thread a 4 x 4 tile: rows ty + 16a, columns tx + 16b) over BK-wide
//          slabs of k staged in threadgroup memory, then writes A for every value head
//          of that key head. A partial last chunk loads zeros past T and stores no row
//          past T.
// Threadgroup memory: a BT x (BK + 1) float slab (16.3 KiB) and two BT float vectors.
constexpr uint BT = 64;
constexpr uint BK = 64;
constexpr uint TILE = 16;
constexpr uint TM = BT / TILE;
constexpr uint LD = BK + 1;
threadgroup float k_slab[BT * LD];
threadgroup float g_s[BT];
threadgroup float beta_s[BT];

const uint tx = thread_position_in_threadgroup.x;
const uint ty = thread_position_in_threadgroup.y;
const uint tid = ty * TILE + tx;
const uint chunk = threadgroup_position_in_grid.x;
const uint key_head = threadgroup_position_in_grid.y;
const uint batch = threadgroup_position_in_grid.z;
const uint T = k_shape[1];
const uint Hg = k_shape[2];
const uint K = k_shape[3];
const uint H = beta_shape[2];
const uint group = H / Hg;
const uint t0 = chunk * BT;

float acc[TM][TM];
for (uint a = 0; a < TM; ++a) {
    for (uint b = 0; b < TM; ++b) {
        acc[a][b] = 0.0f;
    }
}

for (uint d0 = 0; d0 < K; d0 += BK) {
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BK; e += TILE * TILE) {
        const uint r = e / BK;
        const uint c = e % BK;
        const uint t = t0 + r;
        const uint d = d0 + c;
        k_slab[r * LD + c] =
            (t < T && d < K) ? float(k[((size_t(batch) * T + t) * Hg + key_head) * K + d]) : 0.0f;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint c = 0; c < BK; ++c) {
        float ki[TM];
        float kj[TM];
        for (uint a = 0; a < TM; ++a) {
            ki[a] = k_slab[(ty + TILE * a) * LD + c];
            kj[a] = k_slab[(tx + TILE * a) * LD + c];
        }
        for (uint a = 0; a < TM; ++a) {
            for (uint b = 0; b < TM; ++b) {
                acc[a][b] += ki[a] * kj[b];
            }
        }
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
    for (uint a = 0; a < TM; ++a) {
        const uint i = ty + TILE * a;
        const uint t = t0 + i;
        if (t >= T) {
            continue;
        }
        const size_t row = ((size_t(batch) * T + t) * H + head) * BT;
        for (uint b = 0; b < TM; ++b) {
            const uint j = tx + TILE * b;
            float value = 0.0f;
            if (j < i) {
                value = acc[a][b] * exp(g_s[i] - g_s[j]) * beta_s[i];
            }
            A[row + j] = value;
        }
    }
}
