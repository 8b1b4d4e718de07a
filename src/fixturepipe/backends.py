"""One backend interface with MLX's ``metal_kernel`` call shape: ``auto | metal | cpu``.

``metal`` is ``mx.fast.metal_kernel`` (Apple Silicon).  ``cpu`` is
``fixturepipe.metal_cpu.metal_kernel``, which runs the same Metal body on the
CPU.  ``auto`` picks Metal where MLX has it, else cpu.  Asking for ``metal``
where there is none raises :class:`BackendUnavailable`; there is never a silent
fallback, and the name of what actually ran is recorded in every result.

Name resolution runs at Snakefile parse time (the backend is part of the run
path), so it avoids importing MLX where the answer is known without it: MLX
has a Metal back-end only on macOS.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAMES = ("auto", "metal", "cpu")


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here; the message says what to do instead."""


def metal_available() -> bool:
    """Whether MLX has a usable Metal device in this process."""
    if sys.platform != "darwin":
        return False
    import mlx.core as mx

    return bool(mx.metal.is_available())


def resolve_name(name: str) -> str:
    """``auto | metal | cpu`` -> the backend that will run (``metal`` or ``cpu``)."""
    if name not in NAMES:
        raise BackendUnavailable(
            f"unknown backend {name!r}; choose one of {', '.join(NAMES)}."
        )
    if name == "cpu":
        return "cpu"
    if metal_available():
        return "metal"
    if name == "metal":
        raise BackendUnavailable(
            "backend 'metal' was requested but MLX has no Metal device on this machine "
            f"({sys.platform}); use backend: cpu (or auto) to run the kernel on the CPU executor."
        )
    return "cpu"


@dataclass(frozen=True)
class Backend:
    """A resolved backend: ``name`` is what runs; ``metal_kernel`` has MLX's exact signature."""

    name: str
    metal_kernel: Callable[..., Callable[..., Any]]
    device: str
    provenance: Mapping[str, Any] = field(default_factory=dict)  # what built / ran kernels

    def build(
        self,
        name: str,
        input_names: list[str],
        output_names: list[str],
        source: str,
        header: str = "",
        *,
        source_path: str | None = None,
        header_path: str | None = None,
        race_check: bool = False,
        timeout: float = 60.0,
    ) -> Callable[..., Any]:
        """Make the kernel; the cpu-only options go to the executor, never to MLX."""
        if self.name == "cpu":
            return self.metal_kernel(
                name, input_names, output_names, source, header,
                source_path=source_path, header_path=header_path, race_check=race_check,
                timeout=timeout,
            )
        if race_check:
            raise BackendUnavailable("race_check needs the cpu backend; Metal has no race checker.")
        return self.metal_kernel(name, input_names, output_names, source, header)


def resolve(name: str) -> Backend:
    """Resolve ``name`` and import the backend's implementation."""
    resolved = resolve_name(name)
    if resolved == "metal":
        import mlx.core as mx

        try:  # provenance only: the device name is nice to have, never required
            device = str(mx.metal.device_info().get("device_name", "metal"))
        except Exception:
            device = "metal"
        return Backend("metal", mx.fast.metal_kernel, device)
    import platform

    from fixturepipe import metal_cpu
    from fixturepipe.metal_cpu import toolchain

    return Backend(
        "cpu", metal_cpu.metal_kernel, f"cpu:{platform.machine()}",
        {"executor": toolchain.host_target().describe()},
    )
