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
// Launch:  grid (16 * ceil(T / BT), 16 * H, B), threadgroup (16, 16, 1): one threadgroup
//          per (chunk, value head, batch) stages its a_inv block once, then for each
//          64-column slab of u (over V) and of w (over K) stages the scaled operand and
//          computes the slab as a register-tiled product (each thread 4 x 4 outputs).
// Threadgroup memory: a_inv block 64 x 65 floats (16.3 KiB), operand slab 64 x 66 bf16
//          (8.3 KiB), two 64-float vectors: 25 KiB.
constexpr uint BT = 64;
constexpr uint BC = 64;
constexpr uint TILE = 16;
constexpr uint TM = BT / TILE;
constexpr uint LDA = BT + 1;
constexpr uint LDX = BC + 2;
threadgroup float a_s[BT * LDA];
threadgroup bfloat x_s[BT * LDX];
threadgroup float beta_s[BT];
threadgroup float gate_s[BT];

const uint tx = thread_position_in_threadgroup.x;
const uint ty = thread_position_in_threadgroup.y;
const uint tid = ty * TILE + tx;
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

for (uint e = tid; e < BT * BT; e += TILE * TILE) {
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
    for (uint e = tid; e < BT * BC; e += TILE * TILE) {
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
        x_s[s * LDX + c] = bfloat(x);
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);

    float acc[TM][TM];
    for (uint a = 0; a < TM; ++a) {
        for (uint b = 0; b < TM; ++b) {
            acc[a][b] = 0.0f;
        }
    }
    for (uint s = 0; s < BT; ++s) {
        float ai[TM];
        float xs[TM];
        for (uint a = 0; a < TM; ++a) {
            ai[a] = a_s[(ty + TILE * a) * LDA + s];
            xs[a] = float(x_s[s * LDX + tx + TILE * a]);
        }
        for (uint a = 0; a < TM; ++a) {
            for (uint b = 0; b < TM; ++b) {
                acc[a][b] += ai[a] * xs[b];
            }
        }
    }
    for (uint a = 0; a < TM; ++a) {
        const uint i = ty + TILE * a;
        if (i >= n) {
            continue;
        }
        const size_t row = (size_t(batch) * T + t0 + i) * H + head;
        for (uint b = 0; b < TM; ++b) {
            const uint c = c0 + tx + TILE * b;
            if (c < width) {
                if (is_u) {
                    u[row * V + c] = bfloat(acc[a][b]);
                } else {
                    w[row * K + c] = bfloat(acc[a][b]);
                }
            }
        }
    }
}
