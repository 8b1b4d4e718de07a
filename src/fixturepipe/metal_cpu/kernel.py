"""`metal_kernel`: mx.fast.metal_kernel's API, executed on the CPU.

The factory takes MLX's arguments; the kernel it returns is called with MLX's
arguments and returns `mx.array`s. The same Python code runs on Metal or here by
swapping the factory. Dispatch follows MLX: group = min(threadgroup, grid) per
axis and `dispatchThreads` semantics (grid counts threads, edge threadgroups are
partial).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from dataclasses import dataclass

import mlx.core as mx
import numpy as np

from . import executor
from .errors import LaunchError, UnsupportedMetalError
from .signature import GeneratedKernel, InputInfo, TemplateArg, generate
from .toolchain import CompiledKernel, Target, compile_kernel
from .translate import TranslatedText, translate
from .unit import build_unit

MAX_THREADS_PER_THREADGROUP = 1024
MATH_MODES = ("safe", "relaxed", "fast")

_NUMPY_DTYPES = {
    mx.float32: np.float32,
    mx.float16: np.float16,
    mx.bfloat16: np.uint16,  # carried as raw bits
    mx.bool_: np.bool_,
    mx.int8: np.int8,
    mx.int16: np.int16,
    mx.int32: np.int32,
    mx.int64: np.int64,
    mx.uint8: np.uint8,
    mx.uint16: np.uint16,
    mx.uint32: np.uint32,
    mx.uint64: np.uint64,
    mx.complex64: np.complex64,
}


def _default_workers() -> int:
    env = os.environ.get("FIXTUREPIPE_METAL_CPU_THREADS")
    return int(env) if env else (os.cpu_count() or 1)


def _as_array(x: object) -> mx.array:
    return x if isinstance(x, mx.array) else mx.array(x)


def _check_dtype(dtype: mx.Dtype, what: str) -> None:
    if dtype not in _NUMPY_DTYPES:
        raise UnsupportedMetalError(
            f"not supported by the CPU executor: {what} has dtype {dtype}, which Metal kernels "
            "cannot use"
        )


def _numpy_view(x: mx.array) -> np.ndarray:
    """A numpy view of x's memory with its real strides (bfloat16 as uint16 bits)."""
    if x.dtype == mx.bfloat16:
        x = x.view(mx.uint16)
    return np.asarray(x)


def _strided_bytes(a: np.ndarray) -> tuple[bytes, int]:
    """The bytes spanned by a strided view and the offset of element 0 in them."""
    if a.size == 0:
        return b"", 0
    lo = sum(min(0, (n - 1) * s) for n, s in zip(a.shape, a.strides, strict=True))
    hi = sum(max(0, (n - 1) * s) for n, s in zip(a.shape, a.strides, strict=True)) + a.itemsize
    addr = a.__array_interface__["data"][0]
    return ctypes.string_at(addr + lo, hi - lo), -lo


def _element_strides(a: np.ndarray, row_contiguous: bool) -> list[int]:
    """MLX's `<name>_strides` in elements: the array's own, or row-major ones when the
    input is (copied) row-contiguous."""
    if row_contiguous and not a.flags.c_contiguous:
        return [int(np.prod(a.shape[i + 1 :], dtype=np.int64)) for i in range(a.ndim)]
    return [s // a.itemsize for s in a.strides]


def _element_bytes(value: float, dtype: mx.Dtype) -> bytes:
    """One element of `dtype` holding `value` (converted as MLX converts init_value)."""
    return _numpy_view(mx.array(value, dtype=mx.float32).astype(dtype)).tobytes()


@dataclass(frozen=True)
class LaunchStats:
    """What the last call cost: compile (0 when cached) and run seconds, workers."""

    compile_seconds: float
    cached: bool
    run_seconds: float
    workers: int
    threadgroups: int


class MetalKernel:
    """A Metal kernel body runnable on the CPU; call it like MLX's custom kernel.

    Constructed with mx.fast.metal_kernel's arguments (`metal_kernel` is this class).
    Extra keyword-only arguments: `source_path`/`header_path` name the files in
    compile errors (default `<name>.metal`); `race_check` traces every load and store
    and raises RaceDetectedError on accesses no barrier orders; `timeout` (seconds)
    bounds a launch; `workers` is the number of OS threads running threadgroups
    (default: FIXTUREPIPE_METAL_CPU_THREADS or os.cpu_count()). `target` builds for
    another platform than this machine's (toolchain.TARGETS); its binary then runs
    through `emulator`, a command prefix such as
    `["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"]` (the test suite runs
    kernels this way to prove their outputs do not depend on the host CPU).
    """

    def __init__(
        self,
        name: str,
        input_names: Sequence[str],
        output_names: Sequence[str],
        source: str,
        header: str = "",
        ensure_row_contiguous: bool = True,
        atomic_outputs: bool = False,
        compile_options: dict | None = None,
        *,
        source_path: str | None = None,
        header_path: str | None = None,
        race_check: bool = False,
        timeout: float = 60.0,
        workers: int | None = None,
        target: Target | None = None,
        emulator: Sequence[str] = (),
    ) -> None:
        if not output_names:
            raise ValueError("[metal_kernel] Must specify at least one output.")
        if compile_options is not None:
            if not isinstance(compile_options, dict):
                raise ValueError("[metal_kernel] Expected `compile_options` to be a dict.")
            for key, value in compile_options.items():
                if key != "math_mode":
                    raise ValueError(f"[metal_kernel] Unknown compile option `{key}`.")
                if value not in MATH_MODES:
                    raise ValueError(
                        "[metal_kernel] Expected math_mode to be 'safe', 'relaxed', or 'fast'."
                    )
        self.name = name
        self.input_names = list(input_names)
        self.output_names = list(output_names)
        self.source = source
        self.header = header
        self.ensure_row_contiguous = ensure_row_contiguous
        self.atomic_outputs = atomic_outputs
        self.compile_options = dict(compile_options or {})
        self.source_path = source_path or f"{name}.metal"
        self.header_path = header_path or f"{name}.header.metal"
        self.race_check = race_check
        self.timeout = timeout
        self.workers = workers or _default_workers()
        self.target = target
        self.emulator = list(emulator)
        self.last_launch: LaunchStats | None = None
        # Translate eagerly: unsupported constructs fail at construction, like a
        # Metal library that does not build.
        self._body: TranslatedText = translate(source, self.source_path)
        self._header: TranslatedText | None = (
            translate(header, self.header_path, site_base=32) if header else None
        )

    def generated_source(
        self,
        inputs: Sequence[object],
        output_dtypes: Sequence[mx.Dtype],
        template: Sequence[TemplateArg] | None = None,
    ) -> str:
        """The kernel text MLX generates for these arguments (what verbose=True prints)."""
        arrays = [_as_array(x) for x in inputs]
        return self._generate(arrays, output_dtypes, template or []).text

    def _unit(self, gen: GeneratedKernel) -> str:
        """The translation unit of one instantiation, in this kernel's math mode."""
        return build_unit(
            gen,
            self._header,
            self._body,
            self.source_path,
            self.header_path,
            self.compile_options.get("math_mode", "safe"),
        )

    def _generate(self, arrays, output_dtypes, template):
        infos = [InputInfo(a.dtype, a.ndim, a.size) for a in arrays]
        return generate(
            self.name,
            self.input_names,
            infos,
            self.output_names,
            list(output_dtypes),
            self.source,
            self.header,
            template,
            self.atomic_outputs,
        )

    def compile(
        self,
        inputs: Sequence[object],
        output_dtypes: Sequence[mx.Dtype],
        template: Sequence[TemplateArg] | None = None,
        target: Target | None = None,
    ) -> CompiledKernel:
        """The binary for these argument types (from the cache when possible), for
        `target` (default: this machine; another target's binary is only built, not run)."""
        gen = self._generate([_as_array(x) for x in inputs], output_dtypes, template or [])
        return compile_kernel(
            self._unit(gen), gen.name, race_check=self.race_check, target=target or self.target
        )

    def __call__(
        self,
        *,
        inputs: Sequence[object],
        output_shapes: Sequence[Sequence[int]],
        output_dtypes: Sequence[mx.Dtype],
        grid: tuple[int, int, int],
        threadgroup: tuple[int, int, int],
        template: Sequence[TemplateArg] | None = None,
        init_value: float | None = None,
        verbose: bool = False,
        stream: object = None,
    ) -> list[mx.array]:
        """Runs the kernel; `stream` is accepted for MLX compatibility and ignored."""
        del stream
        arrays = [_as_array(x) for x in inputs]
        for what, got, want in (
            ("inputs", len(arrays), len(self.input_names)),
            ("output_shapes", len(output_shapes), len(self.output_names)),
            ("output_dtypes", len(output_dtypes), len(self.output_names)),
        ):
            if got != want:
                raise LaunchError(
                    f"[metal_kernel] Expected `{what}` to have size {want} but got size {got}."
                )
        for n, a in zip(self.input_names, arrays, strict=True):
            _check_dtype(a.dtype, f"input `{n}`")
        for n, d in zip(self.output_names, output_dtypes, strict=True):
            _check_dtype(d, f"output `{n}`")
        grid_t = self._dims(grid, "grid")
        tg_t = self._dims(threadgroup, "threadgroup")
        n_threads = tg_t[0] * tg_t[1] * tg_t[2]
        if n_threads > MAX_THREADS_PER_THREADGROUP:
            raise LaunchError(
                f"kernel {self.name}: threadgroup {tg_t} has {n_threads} threads, more than "
                f"the {MAX_THREADS_PER_THREADGROUP} threads per threadgroup Apple GPUs allow "
                "(MLX: 'Thread group size is greater than the maximum allowed threads per "
                "threadgroup')"
            )
        template = list(template or [])
        gen = self._generate(arrays, output_dtypes, template)
        if verbose:
            print(f"Generated source code for `{self.name}`:\n```\n{gen.text}\n```", flush=True)
        compiled = compile_kernel(
            self._unit(gen), gen.name, race_check=self.race_check, target=self.target
        )

        regions, outputs = self._regions(
            gen.params, arrays, output_shapes, output_dtypes, init_value
        )
        group = tuple(min(t, g) for t, g in zip(tg_t, grid_t, strict=True))
        ngroups = 1
        for g, t in zip(grid_t, group, strict=True):
            ngroups *= -(-g // t) if t else 0
        if ngroups == 0:  # an empty grid runs no thread: outputs keep their initial bytes
            self.last_launch = LaunchStats(compiled.compile_seconds, compiled.cached, 0.0, 0, 0)
            return [
                self._bytes_to_mx(
                    regions[i].fill * (regions[i].nbytes // len(regions[i].fill)),
                    np_dtype,
                    shape,
                    dtype,
                )
                for (i, np_dtype, shape), dtype in zip(outputs, output_dtypes, strict=True)
            ]
        result = executor.run(
            compiled.path,
            gen.name,
            regions,
            outputs,
            grid_t,
            group,  # type: ignore[arg-type]
            self.workers,
            self.timeout,
            mx.array,
            race_check=self.race_check,
            emulator=self.emulator,
        )
        self.last_launch = LaunchStats(
            compiled.compile_seconds,
            compiled.cached,
            result.seconds,
            min(self.workers, ngroups),
            ngroups,
        )
        return [
            out.view(mx.bfloat16) if dtype == mx.bfloat16 else out
            for out, dtype in zip(result.outputs, output_dtypes, strict=True)
        ]

    @staticmethod
    def _bytes_to_mx(raw: bytes, np_dtype: np.dtype, shape, dtype: mx.Dtype) -> mx.array:
        out = mx.array(np.frombuffer(raw, np_dtype).reshape(shape))
        return out.view(mx.bfloat16) if dtype == mx.bfloat16 else out

    def _dims(self, value: Sequence[int], what: str) -> tuple[int, int, int]:
        dims = tuple(int(v) for v in value)
        if len(dims) != 3 or any(v < 0 for v in dims):
            raise LaunchError(
                f"kernel {self.name}: `{what}` must be 3 non-negative ints, got {value!r}"
            )
        if what == "threadgroup" and any(v == 0 for v in dims):
            raise LaunchError(f"kernel {self.name}: threadgroup {dims} has a zero dimension")
        return dims  # type: ignore[return-value]

    def _regions(self, params, arrays, output_shapes, output_dtypes, init_value):
        regions: list[executor.Region] = []
        outputs = []
        for p in params:
            if p.kind == "attribute":
                continue
            if p.kind == "input":
                a = _numpy_view(arrays[p.index])
                if self.ensure_row_contiguous or a.flags.c_contiguous:
                    data = a  # written row-contiguous into the argument file
                    regions.append(executor.Region(data, data.nbytes, label=f"input `{p.name}`"))
                else:
                    raw, origin = _strided_bytes(a)
                    regions.append(
                        executor.Region(raw, len(raw), origin=origin, label=f"input `{p.name}`")
                    )
            elif p.kind in ("shape", "strides", "ndim"):
                a = _numpy_view(arrays[p.index])
                if p.kind == "shape":
                    vals = np.asarray(a.shape, dtype=np.int32)
                elif p.kind == "strides":
                    vals = np.asarray(_element_strides(a, self.ensure_row_contiguous), np.int64)
                else:
                    vals = np.asarray([a.ndim], dtype=np.int32)
                regions.append(executor.Region(vals, vals.nbytes, guard=False, label=f"`{p.name}`"))
            else:  # output
                dtype = output_dtypes[p.index]
                shape = tuple(int(s) for s in output_shapes[p.index])
                np_dtype = np.dtype(_NUMPY_DTYPES[dtype])
                nbytes = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
                # Uninitialised in MLX: a deterministic all-ones byte pattern here (NaN for
                # floats, -1 / max for integers); else init_value converted as MLX's fill.
                fill = b"\xff" if init_value is None else _element_bytes(init_value, dtype)
                regions.append(executor.Region(None, nbytes, fill=fill, label=f"output `{p.name}`"))
                outputs.append((len(regions) - 1, np_dtype, shape))
        return regions, outputs


# mx.fast.metal_kernel is a factory whose result is called; the class is both here, so
# the signature lives in one place (MetalKernel.__init__).
metal_kernel = MetalKernel


def generated_signature(
    name: str,
    input_names: Sequence[str],
    output_names: Sequence[str],
    source: str,
    *,
    inputs: Sequence[object],
    output_dtypes: Sequence[mx.Dtype],
    template: Sequence[TemplateArg] | None = None,
    header: str = "",
    atomic_outputs: bool = False,
) -> str:
    """The source text MLX generates for this kernel and these arguments, exactly."""
    arrays = [_as_array(x) for x in inputs]
    infos = [InputInfo(a.dtype, a.ndim, a.size) for a in arrays]
    return generate(
        name,
        input_names,
        infos,
        output_names,
        list(output_dtypes),
        source,
        header,
        list(template or []),
        atomic_outputs,
    ).text


__all__ = ["LaunchStats", "MetalKernel", "generated_signature", "metal_kernel"]
