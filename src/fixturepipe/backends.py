"""One backend interface with MLX's ``metal_kernel`` call shape: ``auto | metal | cpu``.

``metal`` is ``mx.fast.metal_kernel`` on an Apple GPU, one child process per launch
(``fixturepipe.metal_backend``).  ``cpu`` is ``fixturepipe.metal_cpu.metal_kernel``,
which runs the same Metal body on the CPU.  ``auto`` picks Metal where a real Metal
device exists, else cpu, and records why in the run's provenance.  Asking for
``metal`` where there is none raises :class:`BackendUnavailable`; there is never a
silent fallback, and the name of what actually ran is recorded in every result.

Name resolution runs at Snakefile parse time (the backend is part of the run
path), so it avoids importing MLX where the answer is known without it: MLX
has a Metal back-end only on arm64 macOS 14 or later.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

NAMES = ("auto", "metal", "cpu")


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here; the message says what to do instead."""


def metal_available() -> bool:
    """Whether MLX has a usable Metal device in this process (a real device check)."""
    from fixturepipe import metal_backend

    return metal_backend.metal_unavailable_reason() is None


def resolve_name(name: str) -> str:
    """``auto | metal | cpu`` -> the backend that will run (``metal`` or ``cpu``)."""
    if name not in NAMES:
        raise BackendUnavailable(
            f"unknown backend {name!r}; choose one of {', '.join(NAMES)}."
        )
    from fixturepipe import metal_backend

    missing = metal_backend.mlx_missing()
    if missing is not None:  # both backends take and return mx.arrays
        raise BackendUnavailable(missing)
    if name == "cpu":
        return "cpu"
    reason = metal_backend.metal_unavailable_reason()
    if reason is None:
        return "metal"
    if name == "metal":
        raise BackendUnavailable(
            f"backend 'metal' was requested but MLX has no Metal device on this machine "
            f"({reason}); use backend: cpu (or auto) to run the kernel on the CPU executor."
        )
    return "cpu"


@dataclass(frozen=True)
class Backend:
    """A resolved backend: ``name`` is what runs; ``metal_kernel`` is its kernel factory.

    Both factories take MLX's ``metal_kernel`` arguments plus the same keyword-only
    ``source_path``, ``header_path``, ``race_check`` and ``timeout``
    (:class:`fixturepipe.metal_cpu.MetalKernel`, :class:`fixturepipe.metal_backend.MetalGpuKernel`,
    which refuses ``race_check``), so callers need not know which one runs.
    """

    name: str
    metal_kernel: Callable[..., Callable[..., Any]]
    device: str
    provenance: Mapping[str, Any] = field(default_factory=dict)  # what built / ran kernels


def resolve(name: str) -> Backend:
    """Resolve ``name`` and import the backend's implementation."""
    resolved = resolve_name(name)
    if resolved == "metal":
        from fixturepipe import metal_backend

        details = metal_backend.provenance()
        device = str(details["gpu"].get("device_name") or "metal")
        return Backend("metal", metal_backend.MetalGpuKernel, device, details)
    import platform

    from fixturepipe import metal_backend, metal_cpu
    from fixturepipe.metal_cpu import toolchain

    cpu_details: dict[str, Any] = {"executor": toolchain.host_target().describe()}
    if name == "auto":
        cpu_details["auto_chose_cpu_because"] = metal_backend.metal_unavailable_reason()
    return Backend("cpu", metal_cpu.metal_kernel, f"cpu:{platform.machine()}", cpu_details)


def single_threaded(backend: Backend) -> Backend:
    """``backend`` with the CPU executor running every threadgroup on one OS thread.

    A mutation cell records *which* fault stopped a faulty kernel. With several worker
    threads that depends on how they interleave (one threadgroup's bounds error or
    another's crash comes first), so the kill matrix differed between a local and a
    Slurm run and would differ between hosts. One worker runs the threadgroups in
    launch order, so the first fault is the same everywhere. The Metal backend is
    returned as is: the GPU reports no such choice.
    """
    if backend.name != "cpu":
        return backend
    return replace(backend, metal_kernel=functools.partial(backend.metal_kernel, workers=1))
