// chunk_gated_delta_rule_fwd_h: the inter-chunk state recurrence of the gated delta rule.
//
// Body of an MLX `mx.fast.metal_kernel` (MLX generates the signature).
// Inputs:  k           [B, T, Hg, K]     bfloat16 (value head h reads key head h / (H / Hg));
//          w           [B, T, H, K]      bfloat16;
//          u           [B, T, H, V]      bfloat16;
//          g           [B, T, H]         float32, chunk-local cumulative log decay;
//          h0          [B, H, V, K]      float32, initial state.
// Outputs: h           [B, NT, H, V, K]  bfloat16, the state entering each chunk;
//          v_new       [B, T, H, V]      bfloat16, u - w S^T (before the gate);
//          final_state [B, H, V, K]      float32.
// State layout [.., V, K] (K contiguous), as vLLM and mlx-native; FLA's default is [K, V].
// Per chunk c, with S the float32 state and Sb = bf16(S) (FLA rounds S before the dot):
//   h[c] = Sb;  v' = u - w Sb^T;  v_new = bf16(v');  gl = g at the chunk's last valid token;
//   v'' = bf16(v' * exp(gl - g_t)) (0 past T);  S = S * exp(gl) + v''^T k.
// Dots accumulate in float32 in index order (bf16 x bf16 products are exact in float32).
// Launch:  grid (256 * ceil(V / BV), H, B), threadgroup (256, 1, 1): one threadgroup per
//          (16-row V tile, value head, batch) walks the chunks in order. Thread (rg, col) =
//          (tid / 64, tid % 64) keeps state rows rg + 4j (j < 4) at columns col + 64m
//          (m < K / 64) in registers; w and k are staged in 64 x 64 slabs.
// Threadgroup memory: Sb 16 x 256 bf16 (8 KiB), a 64 x 66 bf16 slab (8.3 KiB), v'' 64 x 17
//          bf16 (2.1 KiB) and g: 18.6 KiB.
constexpr uint BT = 64;
constexpr uint BV = 16;
constexpr uint BC = 64;
constexpr uint K_MAX = 256;
constexpr uint RG = 4;            // row groups: 256 threads = RG x BC
constexpr uint ROWS = BV / RG;    // state rows per thread
constexpr uint MS = K_MAX / BC;   // column slabs per thread (at most)
constexpr uint LDS = K_MAX;
constexpr uint LDC = BC + 2;
constexpr uint LDV = BV + 1;
threadgroup bfloat sb[BV * LDS];
threadgroup bfloat slab[BT * LDC];
threadgroup bfloat vpp[BT * LDV];
threadgroup float g_s[BT];

const uint tid = thread_position_in_threadgroup.x;
const uint rg = tid / BC;
const uint col = tid % BC;
const uint v0 = threadgroup_position_in_grid.x * BV;
const uint head = threadgroup_position_in_grid.y;
const uint batch = threadgroup_position_in_grid.z;
const uint T = k_shape[1];
const uint Hg = k_shape[2];
const uint K = k_shape[3];
const uint H = u_shape[2];
const uint V = u_shape[3];
const uint key_head = head / (H / Hg);
const uint NT = (T + BT - 1) / BT;
const uint slabs = (K + BC - 1) / BC;
const size_t state0 = (size_t(batch) * H + head) * V;  // row (batch, head, v = 0) of [.., V, K]

float S[MS][ROWS];
for (uint m = 0; m < MS; ++m) {
    for (uint j = 0; j < ROWS; ++j) {
        const uint v = v0 + rg + RG * j;
        const uint kk = col + BC * m;
        S[m][j] = (m < slabs && v < V && kk < K) ? h0[(state0 + v) * K + kk] : 0.0f;
    }
}

for (uint c = 0; c < NT; ++c) {
    const uint t0 = c * BT;
    const uint n = min(BT, T - t0);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    // 1. h[c] = bf16(S), kept in threadgroup memory for the dot.
    for (uint m = 0; m < MS; ++m) {
        for (uint j = 0; j < ROWS; ++j) {
            const uint v = v0 + rg + RG * j;
            const uint kk = col + BC * m;
            const bfloat s = bfloat(S[m][j]);
            sb[(rg + RG * j) * LDS + kk] = (v < V && kk < K) ? s : bfloat(0.0f);
            if (m < slabs && v < V && kk < K) {
                h[(((size_t(batch) * NT + c) * H + head) * V + v) * K + kk] = s;
            }
        }
    }
    if (tid < BT) {
        g_s[tid] = tid < n ? g[(size_t(batch) * T + t0 + tid) * H + head] : 0.0f;
    }

    // 2. v' = u - w Sb^T for token t = col, rows rg + 4j of the tile.
    float acc[ROWS];
    for (uint j = 0; j < ROWS; ++j) {
        acc[j] = 0.0f;
    }
    for (uint m = 0; m < slabs; ++m) {
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint e = tid; e < BT * BC; e += BT * RG) {
            const uint r = e / BC;
            const uint q = e % BC;
            const uint kk = BC * m + q;
            slab[r * LDC + q] = (r < n && kk < K)
                ? w[((size_t(batch) * T + t0 + r) * H + head) * K + kk] : bfloat(0.0f);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint q = 0; q < BC; ++q) {
            const float x = float(slab[col * LDC + q]);
            for (uint j = 0; j < ROWS; ++j) {
                acc[j] += x * float(sb[(rg + RG * j) * LDS + BC * m + q]);
            }
        }
    }
    const uint t = col;
    const float g_last = g_s[n - 1];
    for (uint j = 0; j < ROWS; ++j) {
        const uint v = v0 + rg + RG * j;
        float vp = 0.0f;
        if (t < n && v < V) {
            const size_t at = ((size_t(batch) * T + t0 + t) * H + head) * V + v;
            vp = float(u[at]) - acc[j];
            v_new[at] = bfloat(vp);
            vp = vp * exp(g_last - g_s[t]);
        }
        vpp[t * LDV + rg + RG * j] = bfloat(vp);
    }

    // 3. S = S * exp(g_last) + v''^T k, column slab by column slab.
    const float decay = exp(g_last);
    for (uint m = 0; m < slabs; ++m) {
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint e = tid; e < BT * BC; e += BT * RG) {
            const uint r = e / BC;
            const uint q = e % BC;
            const uint kk = BC * m + q;
            slab[r * LDC + q] = (r < n && kk < K)
                ? k[((size_t(batch) * T + t0 + r) * Hg + key_head) * K + kk] : bfloat(0.0f);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        float d[ROWS];
        for (uint j = 0; j < ROWS; ++j) {
            d[j] = 0.0f;
        }
        for (uint r = 0; r < BT; ++r) {
            const float kv = float(slab[r * LDC + col]);
            for (uint j = 0; j < ROWS; ++j) {
                d[j] += float(vpp[r * LDV + rg + RG * j]) * kv;
            }
        }
        for (uint j = 0; j < ROWS; ++j) {
            S[m][j] = S[m][j] * decay + d[j];
        }
    }
}

for (uint m = 0; m < slabs; ++m) {
    for (uint j = 0; j < ROWS; ++j) {
        const uint v = v0 + rg + RG * j;
        const uint kk = col + BC * m;
        if (v < V && kk < K) {
            final_state[(state0 + v) * K + kk] = S[m][j];
        }
    }
}
