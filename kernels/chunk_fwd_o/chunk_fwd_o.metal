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
// tokens. Products accumulate in float32 in index order.
// Launch:  grid (128 * ceil(T / BT), H, B), threadgroup (128, 1, 1): one threadgroup per
//          (chunk, value head, batch), four simdgroups of 16 rows each, SIMD-group
//          matrices throughout. First the masked A (tiles on or below the diagonal only),
//          gated and masked lane by lane through thread_elements() and kept as bf16; then
//          per 32-column slab of V, q h^T and A v, combined lane by lane and stored.
// Threadgroup memory: q slab, k / h / v slab and A, each 64 x 72 bf16, and g: 27.3 KiB.
constexpr uint BT = 64;
constexpr uint BC = 64;            // K columns staged per pass
constexpr uint BV = 32;            // V columns per output slab
constexpr uint LD = BC + 8;
constexpr uint THREADS = 128;
constexpr uint ROW_TILES = 2;      // 8-row tiles per simdgroup
constexpr uint COL_TILES = BT / 8;
constexpr uint V_TILES = BV / 8;
threadgroup bfloat q_s[BT * LD];
threadgroup bfloat x_s[BT * LD];
threadgroup bfloat a_s[BT * LD];
threadgroup float g_s[BT];

const uint tid = thread_position_in_threadgroup.x;
const uint sg = simdgroup_index_in_threadgroup;
const uint lane = thread_index_in_simdgroup;
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
// The two elements lane `lane` holds of an 8x8 tile: row fm, columns fn and fn + 1.
const uint fm = (lane / 4 & 4) + (lane / 2 % 4);
const uint fn = (lane / 4 & 2) * 2 + (lane % 2) * 2;

const size_t qk_row0 = (size_t(batch) * T + t0) * Hg * K + size_t(key_head) * K;
const size_t v_row0 = (size_t(batch) * T + t0) * H * V + size_t(head) * V;
const size_t h_row0 = ((size_t(batch) * NT + chunk) * H + head) * V * K;

if (tid < BT) {
    g_s[tid] = tid < n ? g[(size_t(batch) * T + t0 + tid) * H + head] : 0.0f;
}

// 1. A = mask(q k^T * exp(g_i - g_j)), rounded to bf16.
simdgroup_float8x8 acc[ROW_TILES][COL_TILES];
for (uint a = 0; a < ROW_TILES; ++a) {
    for (uint b = 0; b < COL_TILES; ++b) {
        acc[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
    }
}
for (uint c0 = 0; c0 < K; c0 += BC) {
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BC; e += THREADS) {
        const uint r = e / BC;
        const uint c = e % BC;
        const bool inside = r < n && c0 + c < K;
        q_s[r * LD + c] = inside ? q[qk_row0 + size_t(r) * Hg * K + c0 + c] : bfloat(0.0f);
        x_s[r * LD + c] = inside ? k[qk_row0 + size_t(r) * Hg * K + c0 + c] : bfloat(0.0f);
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint c = 0; c < BC; c += 8) {
        for (uint a = 0; a < ROW_TILES; ++a) {
            const uint row_tile = ROW_TILES * sg + a;
            simdgroup_bfloat8x8 qi;
            simdgroup_load(qi, q_s, LD, ulong2(c, 8 * row_tile));
            for (uint b = 0; b <= row_tile; ++b) {
                simdgroup_bfloat8x8 kj;
                simdgroup_load(kj, x_s, LD, ulong2(c, 8 * b), true);
                simdgroup_multiply_accumulate(acc[a][b], qi, kj, acc[a][b]);
            }
        }
    }
}
for (uint a = 0; a < ROW_TILES; ++a) {
    const uint row_tile = ROW_TILES * sg + a;
    const uint i = 8 * row_tile + fm;
    for (uint b = 0; b <= row_tile; ++b) {
        const auto el = acc[a][b].thread_elements();
        for (uint e = 0; e < 2; ++e) {
            const uint j = 8 * b + fn + e;
            float value = 0.0f;
            if (j <= i && i < n) {
                value = el[e] * exp(g_s[i] - g_s[j]);
            }
            a_s[i * LD + j] = bfloat(value);
        }
    }
}

// 2. Per V slab: o = (q h^T) * exp(g) * scale + (A v) * scale.
for (uint v0 = 0; v0 < V; v0 += BV) {
    simdgroup_float8x8 inter[ROW_TILES][V_TILES];
    simdgroup_float8x8 intra[ROW_TILES][V_TILES];
    for (uint a = 0; a < ROW_TILES; ++a) {
        for (uint b = 0; b < V_TILES; ++b) {
            inter[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
            intra[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
        }
    }
    for (uint c0 = 0; c0 < K; c0 += BC) {
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint e = tid; e < BT * BC; e += THREADS) {
            const uint r = e / BC;
            const uint c = e % BC;
            q_s[r * LD + c] = (r < n && c0 + c < K)
                ? q[qk_row0 + size_t(r) * Hg * K + c0 + c] : bfloat(0.0f);
        }
        for (uint e = tid; e < BV * BC; e += THREADS) {
            const uint r = e / BC;
            const uint c = e % BC;
            x_s[r * LD + c] = (v0 + r < V && c0 + c < K)
                ? h[h_row0 + size_t(v0 + r) * K + c0 + c] : bfloat(0.0f);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint c = 0; c < BC; c += 8) {
            for (uint a = 0; a < ROW_TILES; ++a) {
                simdgroup_bfloat8x8 qi;
                simdgroup_load(qi, q_s, LD, ulong2(c, 8 * (ROW_TILES * sg + a)));
                for (uint b = 0; b < V_TILES; ++b) {
                    simdgroup_bfloat8x8 hv;
                    simdgroup_load(hv, x_s, LD, ulong2(c, 8 * b), true);
                    simdgroup_multiply_accumulate(inter[a][b], qi, hv, inter[a][b]);
                }
            }
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BV; e += THREADS) {
        const uint r = e / BV;
        const uint c = e % BV;
        x_s[r * LD + c] = (r < n && v0 + c < V) ? v[v_row0 + size_t(r) * H * V + v0 + c]
                                               : bfloat(0.0f);
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint a = 0; a < ROW_TILES; ++a) {
        const uint row_tile = ROW_TILES * sg + a;
        for (uint j = 0; j <= row_tile; ++j) {
            simdgroup_bfloat8x8 aij;
            simdgroup_load(aij, a_s, LD, ulong2(8 * j, 8 * row_tile));
            for (uint b = 0; b < V_TILES; ++b) {
                simdgroup_bfloat8x8 vj;
                simdgroup_load(vj, x_s, LD, ulong2(8 * b, 8 * j));
                simdgroup_multiply_accumulate(intra[a][b], aij, vj, intra[a][b]);
            }
        }
    }
    for (uint a = 0; a < ROW_TILES; ++a) {
        const uint i = 8 * (ROW_TILES * sg + a) + fm;
        const float gate = exp(g_s[i]);
        for (uint b = 0; b < V_TILES; ++b) {
            const auto x = inter[a][b].thread_elements();
            const auto y = intra[a][b].thread_elements();
            for (uint e = 0; e < 2; ++e) {
                const uint c = v0 + 8 * b + fn + e;
                if (i < n && c < V) {
                    o[v_row0 + size_t(i) * H * V + c] = bfloat(x[e] * gate * sc + y[e] * sc);
                }
            }
        }
    }
}
