"""The executor's kernel text equals what MLX itself generates.

On Linux MLX cannot run a Metal kernel, but tracing one inside
`mx.export_function` with verbose=True prints the generated source; a child
process captures it (MLX prints from C++, outside Python's sys.stdout).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mlx.core as mx
import pytest

from fixturepipe.metal_cpu import generated_signature

DTYPES = {
    "float32": mx.float32,
    "float16": mx.float16,
    "bfloat16": mx.bfloat16,
    "int32": mx.int32,
    "uint32": mx.uint32,
    "bool": mx.bool_,
    "int64": mx.int64,
}

MLX_PRINTER = r"""
import json, sys
import mlx.core as mx
spec = json.loads(sys.argv[1])
dt = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16,
      "int32": mx.int32, "uint32": mx.uint32, "bool": mx.bool_, "int64": mx.int64}
k = mx.fast.metal_kernel(name=spec["name"], input_names=spec["input_names"],
                         output_names=spec["output_names"], source=spec["source"],
                         header=spec["header"], atomic_outputs=spec["atomic"])
arrays = [mx.zeros(shape, dtype=dt[d]) for shape, d in spec["inputs"]]
template = [(n, dt[v] if isinstance(v, str) else v) for n, v in spec["template"]] or None
def f(*a):
    return k(inputs=list(a), template=template, grid=(1, 1, 1), threadgroup=(1, 1, 1),
             output_shapes=[(1,)] * len(spec["output_names"]),
             output_dtypes=[dt[d] for d in spec["output_dtypes"]], verbose=True)
mx.export_function(sys.argv[2], f, *arrays)
"""

KERNEL = (Path(__file__).resolve().parents[2] / "kernels" / "chunk_tri_solve_invert"
          / "chunk_tri_solve_invert.metal")

CASES = {
    "chunk_tri_solve_invert": dict(
        name="chunk_tri_solve_invert",
        input_names=["a_strict"],
        output_names=["a_inv"],
        source=None,
        inputs=[[[4, 64, 1, 64], "float32"]],
        output_dtypes=["float32"],
    ),
    "template_atomic_scalar": dict(
        name="myexp",
        input_names=["inp", "s", "small"],
        output_names=["out", "o2"],
        source="uint elem = thread_position_in_grid.x; T tmp = inp[elem]; inp_shape; "
        "inp_strides; inp_ndim; small_ndim; simd_sum(1);",
        inputs=[[[4, 5], "float32"], [[], "int32"], [[3], "float16"]],
        template=[["T", "float32"], ["N", 3], ["B", True], ["C", False]],
        output_dtypes=["float32", "uint32"],
        atomic=True,
    ),
    "all_attributes_and_header": dict(
        name="attrs",
        input_names=["x"],
        output_names=["y"],
        header="#define TWO 2\n",
        source=" ".join(
            [
                "dispatch_quadgroups_per_threadgroup",
                "dispatch_simdgroups_per_threadgroup",
                "dispatch_threads_per_threadgroup",
                "grid_origin",
                "grid_size",
                "quadgroup_index_in_threadgroup",
                "quadgroups_per_threadgroup",
                "simdgroup_index_in_threadgroup",
                "simdgroups_per_threadgroup",
                "thread_execution_width",
                "thread_index_in_quadgroup",
                "thread_index_in_simdgroup",
                "thread_index_in_threadgroup",
                "thread_position_in_grid",
                "thread_position_in_threadgroup",
                "threadgroup_position_in_grid",
                "threadgroups_per_grid",
                "threads_per_grid",
                "threads_per_simdgroup",
                "threads_per_threadgroup",
            ]
        ),
        inputs=[[[16], "bfloat16"]],
        output_dtypes=["bfloat16"],
    ),
    "no_attributes_two_outputs_with_shape": dict(
        name="noattr",
        input_names=["x"],
        output_names=["y", "z"],
        source="x_shape[0];",
        inputs=[[[16], "int64"]],
        output_dtypes=["float32", "bool"],
    ),
}


def _mlx_text(spec: dict, tmp_path) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", MLX_PRINTER, json.dumps(spec), str(tmp_path / "k.mlxfn")],
        capture_output=True,
        text=True,
        check=True,
    )
    out = proc.stdout
    start = out.index("```\n") + 4
    return out[start : out.rindex("\n```")]


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_source_matches_mlx(case: str, tmp_path) -> None:
    spec = {"header": "", "template": [], "atomic": False, **CASES[case]}
    if spec["source"] is None:  # the project's real kernel
        spec["source"] = KERNEL.read_text()
    ours = generated_signature(
        spec["name"],
        spec["input_names"],
        spec["output_names"],
        spec["source"],
        inputs=[mx.zeros(shape, dtype=DTYPES[d]) for shape, d in spec["inputs"]],
        output_dtypes=[DTYPES[d] for d in spec["output_dtypes"]],
        template=[(n, DTYPES[v] if isinstance(v, str) else v) for n, v in spec["template"]],
        header=spec["header"],
        atomic_outputs=spec["atomic"],
    )
    assert ours == _mlx_text(spec, tmp_path)
