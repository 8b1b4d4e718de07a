// chunk_fwd_o: the output of the chunked gated delta rule.
//
// Body of an MLX `mx.fast.metal_kernel` (MLX generates the signature).
// Inputs:  q     [B, T, Hg, K]     bfloat16 (value head h reads key head h / (H / Hg));
//          k     [B, T, Hg, K]     bfloat16;
//          v     [B, T, H, V]      bfloat16, v_new of chunk_gated_delta_rule_fwd_h;
//          h     [B, NT, H, V, K]  bfloat16, the state entering each chunk ([.., V, K]);
//          g     [B, T, H]         float32, chunk-local cumulative log decay;
//          scale [1]               float32.
// Outputs: o     [B, T, H, V]      bfloat16.
// Per chunk, as FLA: o_i = (q_i . h[c]^T) * exp(g_i) * scale + (sum_{j <= i} A_ij v_j) * scale
// with A_ij = bf16((q_i . k_j) * exp(g_i - g_j)) on the inclusive causal mask of valid
// tokens. Dots accumulate in float32 in index order.
// Launch:  grid (16 * ceil(T / BT), 16 * H, B), threadgroup (16, 16, 1): one threadgroup
//          per (chunk, value head, batch). First the masked A (64 x 64, bf16) as a
//          register-tiled product of staged q and k slabs; then, per 64-column slab of V,
//          q h^T over staged q and h slabs and A v over a staged v slab (each thread a
//          4 x 4 tile: rows ty + 16a, columns tx + 16b).
// Threadgroup memory: A and two operand slabs (k, then h, then v), each 64 x 66 bf16, and
//          g: 25 KiB.
constexpr uint BT = 64;
constexpr uint BC = 64;
constexpr uint TILE = 16;
constexpr uint TM = BT / TILE;
constexpr uint LD = BC + 2;
threadgroup bfloat a_s[BT * LD];
threadgroup bfloat q_s[BT * LD];
threadgroup bfloat x_s[BT * LD];
threadgroup float g_s[BT];

const uint tx = thread_position_in_threadgroup.x;
const uint ty = thread_position_in_threadgroup.y;
const uint tid = ty * TILE + tx;
const uint chunk = threadgroup_position_in_grid.x;
const uint head = threadgroup_position_in_grid.y;
const uint batch = threadgroup_position_in_grid.z;
const uint T = q_shape[1];
const uint Hg = q_shape[2];
const uint K = q_shape[3];
const uint H = v_shape[2];
const uint V = v_shape[3];
const uint NT = h_shape[1];
const uint key_head = head / (H / Hg);
const uint t0 = chunk * BT;
const uint n = min(BT, T - t0);
const float sc = scale[0];

if (tid < BT) {
    g_s[tid] = tid < n ? g[(size_t(batch) * T + t0 + tid) * H + head] : 0.0f;
}

const size_t qk_row0 = (size_t(batch) * T + t0) * Hg * K + size_t(key_head) * K;
const size_t v_row0 = (size_t(batch) * T + t0) * H * V + size_t(head) * V;
const size_t h_row0 = ((size_t(batch) * NT + chunk) * H + head) * V * K;

// 1. A = mask(q k^T * exp(g_i - g_j)), rounded to bf16.
float acc[TM][TM];
for (uint a = 0; a < TM; ++a) {
    for (uint b = 0; b < TM; ++b) {
        acc[a][b] = 0.0f;
    }
}
for (uint c0 = 0; c0 < K; c0 += BC) {
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BC; e += TILE * TILE) {
        const uint r = e / BC;
        const uint c = e % BC;
        q_s[r * LD + c] = (r < n && c0 + c < K)
            ? q[qk_row0 + size_t(r) * Hg * K + c0 + c] : bfloat(0.0f);
    }
    for (uint e = tid; e < BT * BC; e += TILE * TILE) {
        const uint r = e / BC;
        const uint c = e % BC;
        x_s[r * LD + c] = (r < n && c0 + c < K)
            ? k[qk_row0 + size_t(r) * Hg * K + c0 + c] : bfloat(0.0f);
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint c = 0; c < BC; ++c) {
        float qi[TM];
        float kj[TM];
        for (uint a = 0; a < TM; ++a) {
            qi[a] = float(q_s[(ty + TILE * a) * LD + c]);
            kj[a] = float(x_s[(tx + TILE * a) * LD + c]);
        }
        for (uint a = 0; a < TM; ++a) {
            for (uint b = 0; b < TM; ++b) {
                acc[a][b] += qi[a] * kj[b];
            }
        }
    }
}
for (uint a = 0; a < TM; ++a) {
    const uint i = ty + TILE * a;
    for (uint b = 0; b < TM; ++b) {
        const uint j = tx + TILE * b;
        float value = 0.0f;
        if (j <= i && i < n) {
            value = acc[a][b] * exp(g_s[i] - g_s[j]);
        }
        a_s[i * LD + j] = bfloat(value);
    }
}

// 2. Per V slab: o = (q h^T) * exp(g) * scale + (A v) * scale.
for (uint v0 = 0; v0 < V; v0 += BC) {
    float inter[TM][TM];
    float intra[TM][TM];
    for (uint a = 0; a < TM; ++a) {
        for (uint b = 0; b < TM; ++b) {
            inter[a][b] = 0.0f;
            intra[a][b] = 0.0f;
        }
    }
    for (uint c0 = 0; c0 < K; c0 += BC) {
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint e = tid; e < BT * BC; e += TILE * TILE) {
            const uint r = e / BC;
            const uint c = e % BC;
            q_s[r * LD + c] = (r < n && c0 + c < K)
                ? q[qk_row0 + size_t(r) * Hg * K + c0 + c] : bfloat(0.0f);
        }
        for (uint e = tid; e < BT * BC; e += TILE * TILE) {
            const uint r = e / BC;
            const uint c = e % BC;
            x_s[r * LD + c] = (r < V - v0 && c0 + c < K)
                ? h[h_row0 + size_t(v0) * K + size_t(r) * K + c0 + c] : bfloat(0.0f);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint c = 0; c < BC; ++c) {
            float qi[TM];
            float hv[TM];
            for (uint a = 0; a < TM; ++a) {
                qi[a] = float(q_s[(ty + TILE * a) * LD + c]);
                hv[a] = float(x_s[(tx + TILE * a) * LD + c]);
            }
            for (uint a = 0; a < TM; ++a) {
                for (uint b = 0; b < TM; ++b) {
                    inter[a][b] += qi[a] * hv[b];
                }
            }
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BC; e += TILE * TILE) {
        const uint r = e / BC;
        const uint c = e % BC;
        x_s[r * LD + c] = (r < n && v0 + c < V)
            ? v[v_row0 + size_t(r) * H * V + v0 + c] : bfloat(0.0f);
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint j = 0; j < BT; ++j) {
        float aij[TM];
        float vj[TM];
        for (uint a = 0; a < TM; ++a) {
            aij[a] = float(a_s[(ty + TILE * a) * LD + j]);
            vj[a] = float(x_s[j * LD + tx + TILE * a]);
        }
        for (uint a = 0; a < TM; ++a) {
            for (uint b = 0; b < TM; ++b) {
                intra[a][b] += aij[a] * vj[b];
            }
        }
    }
    for (uint a = 0; a < TM; ++a) {
        const uint i = ty + TILE * a;
        if (i >= n) {
            continue;
        }
        const float gate = exp(g_s[i]);
        for (uint b = 0; b < TM; ++b) {
            const uint c = v0 + tx + TILE * b;
            if (c < V) {
                o[v_row0 + size_t(i) * H * V + c] =
                    bfloat(inter[a][b] * gate * sc + intra[a][b] * sc);
            }
        }
    }
}
