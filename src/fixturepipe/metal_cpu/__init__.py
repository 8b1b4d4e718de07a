"""Run MLX Metal kernel bodies on any machine: the CPU executor.

`metal_kernel` has the arguments of `mx.fast.metal_kernel`, and the kernel it returns
has the call arguments of MLX's and returns `mx.array`s. See docs/metal_cpu.md.
"""

from .errors import (
    BarrierDivergenceError,
    KernelCrashError,
    KernelTimeoutError,
    LaunchError,
    MetalCompileError,
    MetalCpuError,
    RaceDetectedError,
    ThreadgroupBoundsError,
    UnsupportedMetalError,
)
from .kernel import LaunchStats, MetalKernel, generated_signature, metal_kernel

__all__ = [
    "BarrierDivergenceError",
    "KernelCrashError",
    "KernelTimeoutError",
    "LaunchError",
    "LaunchStats",
    "MetalCompileError",
    "MetalCpuError",
    "MetalKernel",
    "RaceDetectedError",
    "ThreadgroupBoundsError",
    "UnsupportedMetalError",
    "generated_signature",
    "metal_kernel",
]
