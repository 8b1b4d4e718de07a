"""Launch one kernel on one fixture through a backend: the stage behind the ``kernel`` rule.

Also the public entry point for mutation testing: :func:`run` takes any Metal
source text, so a mutant is just another ``source_text``.  Outputs are always
poisoned with NaN (``init_value``) so elements the kernel never writes are
counted by the comparison instead of passing by luck.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fixturepipe import binio, fixture_io, poison
from fixturepipe.backends import Backend, BackendUnavailable
from fixturepipe.fixture import Fixture
from fixturepipe.spec import KernelSpec


class KernelFault(RuntimeError):
    """The kernel could not produce outputs (compile error, crash, timeout, race, ...).

    ``kind`` is the backend's exception class name (e.g. ``MetalCompileError``);
    the original exception is ``__cause__``.  Pipeline bugs are *not* wrapped.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def _fault_types(backend: Backend) -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the kernel failed" rather than "the pipeline is broken"."""
    if backend.name == "cpu":
        from fixturepipe.metal_cpu import MetalCpuError

        return (MetalCpuError,)
    from fixturepipe.metal_backend import MetalFault

    return (MetalFault,)  # MLX's errors already classed as the CPU executor's


def _display_path(path: Path) -> str:
    """Relative to the working directory when possible, so messages hold no absolute paths."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def run(
    spec: KernelSpec,
    fixture: Fixture,
    backend: Backend,
    inputs: Mapping[str, np.ndarray],
    source_text: str | None = None,
    source_path: str | os.PathLike[str] | None = None,
) -> dict[str, np.ndarray]:
    """Run ``spec``'s kernel on ``inputs`` for ``fixture``'s sizes; return {output name: array}.

    ``source_text`` defaults to the spec's ``.metal`` file; ``source_path`` is
    the file name compile errors point at (defaults to the spec's source, shown
    relative to the working directory).  Raises :class:`KernelFault` for kernel
    failures.
    """
    import mlx.core as mx

    if source_text is None:
        source_text = spec.source_path.read_text(encoding="utf-8")
    shown_path = _display_path(Path(source_path) if source_path else spec.source_path)
    header = spec.header_path.read_text(encoding="utf-8") if spec.header_path else ""
    launch = spec.launch_for(fixture.sizes)
    template = [
        (k, getattr(mx, v) if isinstance(v, str) else v) for k, v in launch["template"].items()
    ]
    faults = _fault_types(backend)
    try:
        kernel = backend.metal_kernel(
            spec.name,
            [t.name for t in spec.inputs],
            [t.name for t in spec.outputs],
            source_text,
            header,
            source_path=shown_path,
            header_path=_display_path(spec.header_path) if spec.header_path else None,
            race_check=fixture.race_check,
            timeout=fixture.timeout,
        )
        outputs = kernel(
            inputs=[mx.array(inputs[t.name]) for t in spec.inputs],
            template=template,
            grid=launch["grid"],
            threadgroup=launch["threadgroup"],
            output_shapes=[t.shape_for(fixture.sizes) for t in spec.outputs],
            output_dtypes=[getattr(mx, t.dtype) for t in spec.outputs],
            init_value=poison.OUTPUT_POISON,
            verbose=False,
        )
        arrays = {
            t.name: _to_numpy(o, mx) for t, o in zip(spec.outputs, outputs, strict=True)
        }
    except BackendUnavailable:
        raise
    except faults as exc:
        raise KernelFault(getattr(exc, "kind", type(exc).__name__), str(exc)) from exc
    return arrays


def run_as_result(
    spec: KernelSpec,
    fixture: Fixture,
    backend: Backend,
    read_inputs: Callable[[], Mapping[str, np.ndarray]],
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """:func:`run` with kernel faults (and unreadable input files) as data, as the
    ``kernel`` rules record them: (outputs, status), NaN-poison outputs and status
    ``error`` with the fault's kind and message when the kernel could not run."""
    status: dict[str, Any] = {"status": "ok", "error": None, "message": None}
    try:
        outputs = run(spec, fixture, backend, read_inputs())
    except (KernelFault, binio.FixtureFileError) as exc:
        kind = getattr(exc, "kind", type(exc).__name__)
        message = getattr(exc, "message", str(exc))
        logging.error("kernel %s on %s failed: %s: %s", spec.name, fixture.key, kind, message)
        status.update(status="error", error=kind, message=message)
        outputs = fixture_io.poison_outputs(spec, fixture)
    return outputs, status


def _to_numpy(array: Any, mx: Any) -> np.ndarray:
    """An MLX output as numpy; bfloat16 (no buffer-protocol format) via its 16-bit pattern."""
    if array.dtype == mx.bfloat16:
        import ml_dtypes

        return np.array(array.view(mx.uint16), copy=True).view(ml_dtypes.bfloat16)
    return np.array(array, copy=True)
