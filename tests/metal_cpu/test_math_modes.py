"""compile_options={"math_mode": ...} as MLX passes it to the Metal compiler."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

from fixturepipe.metal_cpu import metal_kernel

SOURCE = """
    uint i = thread_position_in_grid.x;
    float x = inp[i];
#ifdef __FAST_MATH__
    flag[i] = 1.0f;
#else
    flag[i] = 0.0f;
#endif
    plain[i] = exp(x) + log(x + 4.0f) + pow(x + 4.0f, 1.5f);
    fast[i] = metal::fast::exp(x) + metal::fast::log(x + 4.0f) + metal::fast::pow(x + 4.0f, 1.5f);
    precise[i] = metal::precise::exp(x) + metal::precise::log(x + 4.0f)
                 + metal::precise::pow(x + 4.0f, 1.5f);
"""


def _run(mode: str | None) -> dict[str, np.ndarray]:
    options = None if mode is None else {"math_mode": mode}
    kernel = metal_kernel(
        name="modes", input_names=["inp"], output_names=["flag", "plain", "fast", "precise"],
        source=SOURCE, compile_options=options,
    )
    x = mx.array(np.linspace(-3.0, 3.0, 257, dtype=np.float32))
    outs = kernel(inputs=[x], grid=(257, 1, 1), threadgroup=(64, 1, 1),
                  output_shapes=[(257,)] * 4, output_dtypes=[mx.float32] * 4)
    return dict(zip(["flag", "plain", "fast", "precise"], map(np.asarray, outs), strict=True))


def test_fast_defines_fast_math_and_selects_the_fast_variants() -> None:
    safe, relaxed, fast, default = _run("safe"), _run("relaxed"), _run("fast"), _run(None)
    assert (fast["flag"] == 1).all()
    for mode in (safe, relaxed, default):
        assert (mode["flag"] == 0).all()
        np.testing.assert_array_equal(mode["plain"], mode["precise"])
    np.testing.assert_array_equal(fast["plain"], fast["fast"])
    # The explicit namespaces do not depend on the mode, and the variants really differ.
    for mode in (safe, relaxed, default):
        np.testing.assert_array_equal(mode["fast"], fast["fast"])
        np.testing.assert_array_equal(mode["precise"], fast["precise"])
    assert (fast["fast"] != fast["precise"]).any()
    np.testing.assert_allclose(fast["fast"], fast["precise"], rtol=4e-6)


def test_unknown_math_mode_is_refused_as_mlx_does() -> None:
    with pytest.raises(ValueError, match="math_mode to be 'safe', 'relaxed', or 'fast'"):
        metal_kernel(name="m", input_names=["a"], output_names=["b"], source="b[0] = a[0];",
                     compile_options={"math_mode": "turbo"})
