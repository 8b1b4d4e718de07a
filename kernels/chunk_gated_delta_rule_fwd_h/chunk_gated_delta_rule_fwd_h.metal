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
// Products accumulate in float32 in index order (bf16 x bf16 products are exact).
// Launch:  grid (128 * ceil(V / BV), H, B), threadgroup (128, 1, 1): one threadgroup per
//          (16 state rows, value head, batch) walks the chunks in order, four simdgroups,
//          SIMD-group matrices throughout. The state stays in registers as 8x8 float
//          matrices: simdgroup s owns columns 64m + 16s .. 64m + 16s + 15 of every 64-wide
//          slab m. For v' simdgroup s owns tokens 16s .. 16s + 15. w and k are staged in
//          64 x 64 slabs; Sb and v'' live in threadgroup memory as bf16.
// Threadgroup memory: Sb 16 x 264 bf16 (8.3 KiB), a 64 x 72 bf16 slab (9 KiB), v'' 64 x 24
//          bf16 (3 KiB) and g: 20.6 KiB.
constexpr uint BT = 64;
constexpr uint BV = 16;
constexpr uint BC = 64;
constexpr uint K_MAX = 256;
constexpr uint THREADS = 128;
constexpr uint SLABS = K_MAX / BC;
constexpr uint LDS = K_MAX + 8;
constexpr uint LDC = BC + 8;
constexpr uint LDV = BV + 8;
threadgroup bfloat sb[BV * LDS];
threadgroup bfloat slab[BT * LDC];
threadgroup bfloat vpp[BT * LDV];
threadgroup float g_s[BT];

const uint tid = thread_position_in_threadgroup.x;
const uint sg = simdgroup_index_in_threadgroup;
const uint lane = thread_index_in_simdgroup;
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
// The two elements lane `lane` holds of an 8x8 tile: row fm, columns fn and fn + 1.
const uint fm = (lane / 4 & 4) + (lane / 2 % 4);
const uint fn = (lane / 4 & 2) * 2 + (lane % 2) * 2;

// S[a][2m + b]: rows v0 + 8a + fm, columns 64m + 16sg + 8b + fn (+1).
simdgroup_float8x8 S[2][2 * SLABS];
for (uint a = 0; a < 2; ++a) {
    for (uint mb = 0; mb < 2 * SLABS; ++mb) {
        S[a][mb] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
        for (uint e = 0; e < 2; ++e) {
            const uint v = v0 + 8 * a + fm;
            const uint kk = BC * (mb / 2) + 16 * sg + 8 * (mb % 2) + fn + e;
            if (v < V && kk < K) {
                S[a][mb].thread_elements()[e] = h0[(state0 + v) * K + kk];
            }
        }
    }
}

for (uint c = 0; c < NT; ++c) {
    const uint t0 = c * BT;
    const uint n = min(BT, T - t0);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    // 1. h[c] = bf16(S), kept in threadgroup memory (zero outside V x K) for the dot.
    for (uint a = 0; a < 2; ++a) {
        for (uint mb = 0; mb < 2 * SLABS; ++mb) {
            for (uint e = 0; e < 2; ++e) {
                const uint row = 8 * a + fm;
                const uint kk = BC * (mb / 2) + 16 * sg + 8 * (mb % 2) + fn + e;
                const bool inside = v0 + row < V && kk < K;
                const bfloat s = inside ? bfloat(S[a][mb].thread_elements()[e]) : bfloat(0.0f);
                sb[row * LDS + kk] = s;
                if (inside) {
                    h[(((size_t(batch) * NT + c) * H + head) * V + v0 + row) * K + kk] = s;
                }
            }
        }
    }
    if (tid < BT) {
        g_s[tid] = tid < n ? g[(size_t(batch) * T + t0 + tid) * H + head] : 0.0f;
    }

    // 2. v' = u - w Sb^T: simdgroup sg owns tokens 16sg .. 16sg + 15, all 16 rows.
    simdgroup_float8x8 wsb[2][2];
    for (uint a = 0; a < 2; ++a) {
        for (uint b = 0; b < 2; ++b) {
            wsb[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
        }
    }
    for (uint m = 0; m < slabs; ++m) {
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint e = tid; e < BT * BC; e += THREADS) {
            const uint r = e / BC;
            const uint q = e % BC;
            const uint kk = BC * m + q;
            slab[r * LDC + q] = (r < n && kk < K)
                ? w[((size_t(batch) * T + t0 + r) * H + head) * K + kk] : bfloat(0.0f);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint q = 0; q < BC; q += 8) {
            for (uint a = 0; a < 2; ++a) {
                simdgroup_bfloat8x8 wt;
                simdgroup_load(wt, slab, LDC, ulong2(q, 16 * sg + 8 * a));
                for (uint b = 0; b < 2; ++b) {
                    simdgroup_bfloat8x8 st;
                    simdgroup_load(st, sb, LDS, ulong2(BC * m + q, 8 * b), true);
                    simdgroup_multiply_accumulate(wsb[a][b], wt, st, wsb[a][b]);
                }
            }
        }
    }
    const float g_last = g_s[n - 1];
    for (uint a = 0; a < 2; ++a) {
        const uint t = 16 * sg + 8 * a + fm;
        for (uint b = 0; b < 2; ++b) {
            for (uint e = 0; e < 2; ++e) {
                const uint row = 8 * b + fn + e;
                float vp = 0.0f;
                if (t < n && v0 + row < V) {
                    const size_t at = ((size_t(batch) * T + t0 + t) * H + head) * V + v0 + row;
                    vp = float(u[at]) - wsb[a][b].thread_elements()[e];
                    v_new[at] = bfloat(vp);
                    vp = vp * exp(g_last - g_s[t]);
                }
                vpp[t * LDV + row] = bfloat(vp);
            }
        }
    }

    // 3. S = S * exp(g_last) + v''^T k, slab by slab of k.
    const float decay = exp(g_last);
    for (uint m = 0; m < slabs; ++m) {
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint e = tid; e < BT * BC; e += THREADS) {
            const uint r = e / BC;
            const uint q = e % BC;
            const uint kk = BC * m + q;
            slab[r * LDC + q] = (r < n && kk < K)
                ? k[((size_t(batch) * T + t0 + r) * Hg + key_head) * K + kk] : bfloat(0.0f);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        simdgroup_float8x8 d[2][2];
        for (uint a = 0; a < 2; ++a) {
            for (uint b = 0; b < 2; ++b) {
                d[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
            }
        }
        for (uint j = 0; j < BT / 8; ++j) {
            for (uint a = 0; a < 2; ++a) {
                simdgroup_bfloat8x8 vt;
                simdgroup_load(vt, vpp, LDV, ulong2(8 * a, 8 * j), true);
                for (uint b = 0; b < 2; ++b) {
                    simdgroup_bfloat8x8 kt;
                    simdgroup_load(kt, slab, LDC, ulong2(16 * sg + 8 * b, 8 * j));
                    simdgroup_multiply_accumulate(d[a][b], vt, kt, d[a][b]);
                }
            }
        }
        for (uint a = 0; a < 2; ++a) {
            for (uint b = 0; b < 2; ++b) {
                for (uint e = 0; e < 2; ++e) {
                    const float s = S[a][2 * m + b].thread_elements()[e];
                    S[a][2 * m + b].thread_elements()[e] =
                        s * decay + d[a][b].thread_elements()[e];
                }
            }
        }
    }
}

for (uint a = 0; a < 2; ++a) {
    for (uint mb = 0; mb < 2 * slabs; ++mb) {
        for (uint e = 0; e < 2; ++e) {
            const uint v = v0 + 8 * a + fm;
            const uint kk = BC * (mb / 2) + 16 * sg + 8 * (mb % 2) + fn + e;
            if (v < V && kk < K) {
                final_state[(state0 + v) * K + kk] = S[a][mb].thread_elements()[e];
            }
        }
    }
}
