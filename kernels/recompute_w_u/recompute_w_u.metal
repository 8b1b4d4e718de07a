// recompute_w_u: per chunk, u = A_inv (beta * v) and w = A_inv (beta * exp(g) * k).
//
// Body of an MLX `mx.fast.metal_kernel` (MLX generates the signature).
// Inputs:  k     [B, T, Hg, K] bfloat16, keys (value head h reads key head h / (H / Hg));
//          v     [B, T, H, V]  bfloat16, values;
//          beta  [B, T, H]     float32;
//          a_inv [B, T, H, BT] float32, (I + A)^-1 per chunk (row t, chunk-local column);
//          g     [B, T, H]     float32, chunk-local cumulative log decay.
// Outputs: w     [B, T, H, K]  bfloat16 (per value head);
//          u     [B, T, H, V]  bfloat16.
// FLA's cast points: the scaled operands beta * v and (k * beta) * exp(g) are rounded to
// bf16 before the product; the product accumulates in float32 over the chunk's tokens s
// in order; the result is rounded to bf16 on store. a_inv is used as stored (float32),
// all BT columns, masked to the chunk's valid tokens.
// Launch:  grid (128 * ceil(T / BT), H, B), threadgroup (128, 1, 1): one threadgroup per
//          (chunk, value head, batch), four simdgroups of 16 rows each. The a_inv block
//          is staged once; then for each 32-column slab of u (over V) and of w (over K)
//          the scaled operand is staged (bf16-rounded, held as float so both operands of
//          the SIMD-group matrix product are float) and multiplied as 8x8 matrices.
// Threadgroup memory: a_inv 64 x 72 floats (18 KiB), operand slab 64 x 40 floats
//          (10 KiB), two 64-float vectors: 28.5 KiB.
constexpr uint BT = 64;
constexpr uint BC = 32;
constexpr uint THREADS = 128;
constexpr uint LDA = BT + 8;
constexpr uint LDX = BC + 8;
constexpr uint C_TILES = BC / 8;
threadgroup float a_s[BT * LDA];
threadgroup float x_s[BT * LDX];
threadgroup float beta_s[BT];
threadgroup float gate_s[BT];

const uint tid = thread_position_in_threadgroup.x;
const uint sg = simdgroup_index_in_threadgroup;
const uint lane = thread_index_in_simdgroup;
const uint chunk = threadgroup_position_in_grid.x;
const uint head = threadgroup_position_in_grid.y;
const uint batch = threadgroup_position_in_grid.z;
const uint T = k_shape[1];
const uint Hg = k_shape[2];
const uint K = k_shape[3];
const uint H = v_shape[2];
const uint V = v_shape[3];
const uint key_head = head / (H / Hg);
const uint t0 = chunk * BT;
const uint n = min(BT, T - t0);  // valid tokens of this chunk
// The two elements lane `lane` holds of an 8x8 tile: row fm, columns fn and fn + 1.
const uint fm = (lane / 4 & 4) + (lane / 2 % 4);
const uint fn = (lane / 4 & 2) * 2 + (lane % 2) * 2;

for (uint e = tid; e < BT * BT; e += THREADS) {
    const uint i = e / BT;
    const uint s = e % BT;
    a_s[i * LDA + s] =
        (i < n && s < n) ? a_inv[((size_t(batch) * T + t0 + i) * H + head) * BT + s] : 0.0f;
}
if (tid < BT) {
    const size_t at = (size_t(batch) * T + t0 + tid) * H + head;
    beta_s[tid] = tid < n ? beta[at] : 0.0f;
    gate_s[tid] = tid < n ? exp(g[at]) : 0.0f;
}

// Slabs 0 .. ceil(V / BC) - 1 produce u; the following ceil(K / BC) produce w.
const uint u_slabs = (V + BC - 1) / BC;
const uint slabs = u_slabs + (K + BC - 1) / BC;
for (uint slab = 0; slab < slabs; ++slab) {
    const bool is_u = slab < u_slabs;
    const uint c0 = (is_u ? slab : slab - u_slabs) * BC;
    const uint width = is_u ? V : K;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BT * BC; e += THREADS) {
        const uint s = e / BC;
        const uint c = e % BC;
        float x = 0.0f;
        if (s < n && c0 + c < width) {
            const size_t row = size_t(batch) * T + t0 + s;
            if (is_u) {
                x = float(v[(row * H + head) * V + c0 + c]) * beta_s[s];
            } else {
                x = float(k[(row * Hg + key_head) * K + c0 + c]) * beta_s[s] * gate_s[s];
            }
        }
        x_s[s * LDX + c] = float(bfloat(x));
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);

    simdgroup_float8x8 acc[2][C_TILES];
    for (uint a = 0; a < 2; ++a) {
        for (uint b = 0; b < C_TILES; ++b) {
            acc[a][b] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
        }
    }
    for (uint s0 = 0; s0 < BT; s0 += 8) {
        for (uint a = 0; a < 2; ++a) {
            simdgroup_float8x8 at;
            simdgroup_load(at, a_s, LDA, ulong2(s0, 16 * sg + 8 * a));
            for (uint b = 0; b < C_TILES; ++b) {
                simdgroup_float8x8 xt;
                simdgroup_load(xt, x_s, LDX, ulong2(8 * b, s0));
                simdgroup_multiply_accumulate(acc[a][b], at, xt, acc[a][b]);
            }
        }
    }
    for (uint a = 0; a < 2; ++a) {
        const uint i = 16 * sg + 8 * a + fm;
        if (i >= n) {
            continue;
        }
        const size_t row = (size_t(batch) * T + t0 + i) * H + head;
        for (uint b = 0; b < C_TILES; ++b) {
            for (uint e = 0; e < 2; ++e) {
                const uint c = c0 + 8 * b + fn + e;
                if (c < width) {
                    const bfloat value = bfloat(acc[a][b].thread_elements()[e]);
                    if (is_u) {
                        u[row * V + c] = value;
                    } else {
                        w[row * K + c] = value;
                    }
                }
            }
        }
    }
}
