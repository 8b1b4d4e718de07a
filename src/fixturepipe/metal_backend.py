"""The ``metal`` backend: ``mx.fast.metal_kernel`` on an Apple GPU, one child process per launch.

Why a child process: a kernel that never ends blocks its process until macOS's GPU
watchdog fires, and before MLX 0.32 that error aborts the process, so no ``run.json``
is written. The parent waits at most ``timeout`` seconds (plus the child's start-up),
kills the child and reports a timeout, as the CPU executor does; a child that dies on
a signal is a crash. Errors are put in the CPU executor's categories (the same class
names), so a mutant whose Metal library does not build is stillborn, never a kill,
and a bug of the pipeline itself is not dressed up as a kernel fault.

MLX references are to ml-explore/mlx at v0.32.1. None of this runs on Linux CI (no
Metal): the pure functions (why Metal is unavailable, error classification, the
``#line`` mapping) are tested there; the launch itself is not (README, "What is
tested where").
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# numpy and MLX are imported where used: backends.resolve_name imports this module
# when the Snakefile is parsed, which should stay fast.
START_UP_SECONDS = 60.0  # child: import MLX, build the Metal library, before the kernel runs
MIN_MACOS = (14, 0)  # MLX publishes arm64 macOS wheels for macOS >= 14 only


class MetalFault(RuntimeError):
    """A kernel failure on the GPU; ``kind`` is the CPU executor's class name for it."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def unavailable_reason(
    system: str, machine: str, mac_version: str, mlx_importable: bool, gpu_count: int | None
) -> str | None:
    """Why MLX's Metal backend cannot run here, as a sentence; None when it can.

    `system` is sys.platform, `machine` platform.machine() (x86_64 for a Python under
    Rosetta), `mac_version` platform.mac_ver()[0], `gpu_count` mx.device_count(mx.gpu)
    (None when not asked because an earlier check failed).
    """
    if system != "darwin":
        return f"MLX has a Metal back-end only on macOS; this is {system}"
    if machine != "arm64":
        return (
            f"this Python runs as {machine} (an Intel Mac, or a Python under Rosetta): MLX "
            "publishes Metal wheels for Apple Silicon (arm64) Pythons only"
        )
    parts = tuple(int(p) for p in re.findall(r"\d+", mac_version)[:2])
    if parts and parts < MIN_MACOS:
        return f"macOS {mac_version}: MLX's wheels need macOS 14 or later"
    if not mlx_importable:
        return "MLX is not installed for this Python (run `make install`)"
    if gpu_count == 0:
        return "MLX finds no Metal GPU (a headless or virtualised Mac?)"
    return None


def mlx_missing_sentence(system: str, machine: str, mac_version: str) -> str:
    """What to tell a user whose Python has no MLX (no backend runs without it)."""
    why = unavailable_reason(system, machine, mac_version, mlx_importable=False, gpu_count=None)
    if system == "darwin" and why and "not installed" not in why:
        return (
            f"MLX is not installed for this Python, and it cannot be: {why}. fixturepipe needs "
            "an Apple Silicon Mac with macOS 14 or later and an arm64 Python, or Linux "
            "(README, 'Requirements')."
        )
    return "MLX is not installed for this Python: run `make install` (README, 'Quickstart')."


def mlx_missing() -> str | None:
    """mlx_missing_sentence() when MLX cannot be imported here, else None (no import)."""
    if importlib.util.find_spec("mlx") is not None:
        return None
    return mlx_missing_sentence(sys.platform, platform.machine(), platform.mac_ver()[0])


def metal_unavailable_reason() -> str | None:
    """unavailable_reason() for this process; imports MLX only on an arm64 macOS >= 14.

    `mx.metal.is_available()` is a build-time constant (`return true;` in
    mlx/backend/metal/metal.cpp:16-18), so it says nothing about this machine; the
    real check is `mx.device_count(mx.gpu)`, which creates the device and returns 0
    when that fails (mlx/backend/metal/device_info.cpp:15-22).
    """
    facts = (sys.platform, platform.machine(), platform.mac_ver()[0])
    early = unavailable_reason(*facts, mlx_importable=True, gpu_count=None)
    if early is not None:
        return early
    if importlib.util.find_spec("mlx") is None:
        return unavailable_reason(*facts, mlx_importable=False, gpu_count=None)
    import mlx.core as mx

    return unavailable_reason(*facts, mlx_importable=True, gpu_count=mx.device_count(mx.gpu))


def provenance() -> dict[str, Any]:
    """mlx-metal's version and the GPU's name and architecture.

    `mx.device_info(mx.gpu)` (python/src/device.cpp:85-92) replaces the deprecated
    `mx.metal.device_info()`, which prints a warning on every call since 0.31
    (python/src/metal.cpp:94-96); keys per mlx/backend/metal/device_info.cpp:44-50.
    """
    import mlx.core as mx

    info = mx.device_info(mx.gpu)
    try:
        mlx_metal = importlib.metadata.version("mlx-metal")
    except importlib.metadata.PackageNotFoundError:
        mlx_metal = None
    return {
        "mlx_metal": mlx_metal,
        "gpu": {k: info.get(k) for k in ("device_name", "architecture")},
    }


# MLX's messages (v0.32.1) and the CPU executor's class each one corresponds to; the
# first match wins. Anything else (e.g. "[metal_kernel] No Metal back-end.",
# mlx/backend/common/metal_kernel.cpp:34) is the pipeline's problem, not the kernel's.
_CLASSES = (
    # mlx/backend/metal/device.cpp:673 (newLibrary failed): the kernel does not compile.
    ("Unable to build metal library", "MetalCompileError"),
    # mlx/backend/metal/device.cpp:725, 750, 771, 790: function or pipeline state creation.
    ("Unable to load kernel", "LaunchError"),
    ("Unable to load function", "LaunchError"),
    # mlx/backend/metal/custom_kernel.cpp:86-92: threadgroup above the pipeline's limit
    # (MLX's message has the double space).
    ("the maximum allowed threads per threadgroup", "LaunchError"),
    # mlx/backend/metal/device.cpp:537-541: the command buffer failed; the description
    # names the GPU watchdog's timeout (kIOGPUCommandBufferCallbackErrorTimeout) or a
    # fault (kIOGPUCommandBufferCallbackErrorPageFault, ...).
    ("CommandBufferCallbackErrorTimeout", "KernelTimeoutError"),
    ("Command buffer execution failed", "KernelCrashError"),
)


def classify(message: str) -> str | None:
    """The CPU executor's error class name for an MLX error message; None when the
    message is not a kernel's fault (then it is a bug to surface, not a result)."""
    for needle, kind in _CLASSES:
        if needle in message:
            return kind
    return None


_LINE_PATH = re.compile(r'[\\"\n]')


def with_line_directive(text: str, path: str) -> str:
    """`text` preceded by `#line 1 "path"`, so the Metal compiler (clang) reports its
    errors at `path:<line>` instead of `program_source:<line of MLX's generated
    source>`; everything else MLX generates keeps its program_source lines."""
    if _LINE_PATH.search(path):
        raise ValueError(f"{path!r}: a kernel path with quotes or backslashes cannot be named")
    return f'#line 1 "{path}"\n{text}'


def header_with_line_directives(header: str, header_path: str) -> str:
    """The header under its own file name, then back to MLX's generated text."""
    body = with_line_directive(header, header_path)
    return body if body.endswith("\n") else body + "\n"


def compile_error_text(message: str) -> str:
    """MLX's library-build message without its preamble: the compiler's diagnostics."""
    kept = [line for line in message.splitlines() if "Unable to build metal library" not in line]
    return "\n".join(kept).strip()


def _to_numpy(a: Any) -> tuple[Any, str]:
    """An mx.array as a numpy array (bfloat16 as its uint16 bits) and its dtype name."""
    import mlx.core as mx
    import numpy as np

    name = str(a.dtype).removeprefix("mlx.core.")
    arr = np.asarray(a.view(mx.uint16) if a.dtype == mx.bfloat16 else a)
    return arr, name


class MetalGpuKernel:
    """`mx.fast.metal_kernel`'s factory and call shape, run in a child process."""

    def __init__(
        self,
        name: str,
        input_names: Sequence[str],
        output_names: Sequence[str],
        source: str,
        header: str = "",
        *,
        source_path: str | None = None,
        header_path: str | None = None,
        race_check: bool = False,
        timeout: float = 60.0,
    ) -> None:
        if race_check:
            from fixturepipe.backends import BackendUnavailable

            raise BackendUnavailable("race_check needs the cpu backend; Metal has no race checker.")
        self.spec = {
            "name": name,
            "input_names": list(input_names),
            "output_names": list(output_names),
            "source": with_line_directive(source, source_path or f"{name}.metal"),
            "header": header_with_line_directives(header, header_path or f"{name}.header.metal")
            if header
            else "",
        }
        self.timeout = timeout

    def __call__(
        self,
        *,
        inputs: Sequence[Any],
        output_shapes: Sequence[Sequence[int]],
        output_dtypes: Sequence[Any],
        grid: tuple[int, int, int],
        threadgroup: tuple[int, int, int],
        template: Sequence[tuple[str, Any]] = (),
        init_value: float | None = None,
        verbose: bool = False,
    ) -> list[Any]:
        import mlx.core as mx
        import numpy as np

        workdir = Path(tempfile.mkdtemp(prefix="metal_gpu-"))
        try:
            arrays = [_to_numpy(mx.array(a)) for a in inputs]
            np.savez(workdir / "inputs.npz", *[a for a, _ in arrays])
            request = {
                **self.spec,
                "input_dtypes": [d for _, d in arrays],
                "output_shapes": [list(s) for s in output_shapes],
                "output_dtypes": [str(d).removeprefix("mlx.core.") for d in output_dtypes],
                "grid": list(grid),
                "threadgroup": list(threadgroup),
                "template": [
                    [k, {"dtype": str(v).removeprefix("mlx.core.")}
                     if isinstance(v, mx.Dtype) else v] for k, v in template
                ],
                "init_value": init_value,
                "verbose": verbose,
            }
            (workdir / "request.json").write_text(json.dumps(request))
            self._run_child(workdir)
            result = json.loads((workdir / "result.json").read_text())
            if result.get("error") is not None:
                kind = classify(result["error"])
                if kind is None:
                    raise RuntimeError(
                        f"the metal backend failed outside the kernel: {result['error_type']}: "
                        f"{result['error']}"
                    )
                message = result["error"]
                if kind == "MetalCompileError":
                    message = compile_error_text(message)
                raise MetalFault(kind, f"kernel {self.spec['name']}: {message}")
            with np.load(workdir / "outputs.npz") as data:
                outs = [data[f"arr_{i}"] for i in range(len(output_dtypes))]
            return [
                mx.array(o).view(mx.bfloat16) if d == mx.bfloat16 else mx.array(o)
                for o, d in zip(outs, output_dtypes, strict=True)
            ]
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _run_child(self, workdir: Path) -> None:
        from fixturepipe.metal_cpu.process import communicate_or_kill

        limit = self.timeout + START_UP_SECONDS
        proc = subprocess.Popen(
            [sys.executable, "-m", "fixturepipe.metal_backend", str(workdir)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        try:
            _, err = communicate_or_kill(proc, limit)
        except subprocess.TimeoutExpired:
            raise MetalFault(
                "KernelTimeoutError",
                f"kernel {self.spec['name']} did not finish within {self.timeout:g} s "
                f"(+{START_UP_SECONDS:g} s start-up) on the GPU and was killed",
            ) from None
        if proc.returncode < 0:
            raise MetalFault(
                "KernelCrashError",
                f"kernel {self.spec['name']}: the GPU process died with "
                f"{signal.Signals(-proc.returncode).name}: {err.decode(errors='replace')[-2000:]}",
            )
        if not (workdir / "result.json").exists():
            raise RuntimeError(
                f"the metal backend's child process exited with {proc.returncode} without a "
                f"result: {err.decode(errors='replace')[-2000:]}"
            )


def _child(workdir: Path) -> None:
    """Runs one request in this (child) process; writes result.json and outputs.npz."""
    import mlx.core as mx
    import numpy as np

    request = json.loads((workdir / "request.json").read_text())
    try:
        with np.load(workdir / "inputs.npz") as data:
            raw = [data[f"arr_{i}"] for i in range(len(request["input_dtypes"]))]
        inputs = [
            mx.array(a).view(mx.bfloat16) if d == "bfloat16" else mx.array(a)
            for a, d in zip(raw, request["input_dtypes"], strict=True)
        ]
        kernel = mx.fast.metal_kernel(
            name=request["name"], input_names=request["input_names"],
            output_names=request["output_names"], source=request["source"],
            header=request["header"],
        )
        template = [
            (k, getattr(mx, v["dtype"]) if isinstance(v, dict) else v)
            for k, v in request["template"]
        ]
        outs = kernel(
            inputs=inputs, template=template or None, grid=tuple(request["grid"]),
            threadgroup=tuple(request["threadgroup"]),
            output_shapes=[tuple(s) for s in request["output_shapes"]],
            output_dtypes=[getattr(mx, d) for d in request["output_dtypes"]],
            init_value=request["init_value"], verbose=request["verbose"],
        )
        mx.eval(outs)
        np.savez(workdir / "outputs.npz", *[_to_numpy(o)[0] for o in outs])
        result: dict[str, Any] = {"error": None}
    except Exception as exc:  # reported to the parent, which classifies it
        result = {"error": str(exc), "error_type": type(exc).__name__}
    (workdir / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    _child(Path(sys.argv[1]))
