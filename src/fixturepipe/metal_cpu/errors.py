"""Errors of the CPU executor: one class per thing a kernel author must fix.

All derive from MetalCpuError so a caller (the pipeline's cpu backend) can catch the
executor's failures without catching unrelated bugs.
"""

from __future__ import annotations


class MetalCpuError(RuntimeError):
    """Base class of every error raised by fixturepipe.metal_cpu."""


class MetalCompileError(MetalCpuError):
    """The kernel did not compile; str() holds `file.metal:line:col: error: ...` lines."""


class UnsupportedMetalError(MetalCpuError):
    """The source uses Metal outside the subset the CPU executor implements."""


class LaunchError(MetalCpuError, ValueError):
    """Bad launch parameters or an Apple limit exceeded (threads, threadgroup memory)."""


class KernelTimeoutError(MetalCpuError):
    """The kernel process ran longer than `timeout` seconds (deadlock or endless loop)."""


class BarrierDivergenceError(MetalCpuError):
    """Live threads of a threadgroup wait at different barriers: a GPU would hang."""


class RaceDetectedError(MetalCpuError):
    """race_check found two threads touching the same memory without a barrier between."""


class ThreadgroupBoundsError(MetalCpuError):
    """An index outside a dimension of a `threadgroup` array: on a GPU it reads or writes
    another allocation (or faults), so the result is meaningless rather than wrong by a ULP."""


class KernelCrashError(MetalCpuError):
    """The kernel process died on a signal (out-of-bounds access, stack overflow, ...)."""


class CompileTimeoutError(MetalCompileError):
    """Compiling took longer than the compile timeout (or another process's compile of the
    same kernel did, while this one waited for its lock)."""
