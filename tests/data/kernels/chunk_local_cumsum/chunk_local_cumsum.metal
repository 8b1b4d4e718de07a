// chunk_local_cumsum (the walk-through's second kernel, tests/test_add_kernel.py):
// o[b, t, h] = g[b, c, h] + ... + g[b, t, h], c the first step of t's chunk of BT.
// Inputs:  g [B, T, H] float32 (FLA layout). Outputs: o [B, T, H] float32.
// Launch:  grid (T / BT, H, B) threads, threadgroup (1, 1, 1): one thread per
//          (chunk, head, batch) sums its chunk in order, as the reference does.
constexpr uint BT = 16;
const uint chunk = thread_position_in_grid.x;
const uint head = thread_position_in_grid.y;
const uint batch = thread_position_in_grid.z;
const uint T = g_shape[1];
const uint H = g_shape[2];
const size_t base = (size_t(batch) * T + size_t(chunk) * BT) * H + head;
float acc = 0.0f;
for (uint t = 0; t < BT; ++t) {
    acc += g[base + t * H];
    o[base + t * H] = acc;
}
