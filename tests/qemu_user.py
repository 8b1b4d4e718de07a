"""qemu user-mode emulators for running the executor's binaries on another CPU model.

Why: a CPU executor that compiled for the host's CPU passed on the CI machine and
failed on others (issue 8). Running the very binaries the executor builds under an
emulated older x86_64 CPU (no AVX, AVX2 or AVX-512) and under an emulated aarch64
CPU, and comparing their output bytes with the host run, proves the outputs do not
depend on the machine. The statically linked `qemu-user-static` package and the
aarch64 glibc its aarch64 binaries need (`libc6-arm64-cross`, under
/usr/aarch64-linux-gnu) are installed before the tests by tests/system_packages.py.
"""

from __future__ import annotations

from pathlib import Path

import system_packages

QEMU_X86_64 = "qemu-x86_64-static"
QEMU_AARCH64 = "qemu-aarch64-static"
AARCH64_SYSROOT = Path("/usr/aarch64-linux-gnu")
# Nehalem (2008): SSE4.2 and POPCNT, the executor's x86_64_v2 baseline, and nothing newer.
OLD_X86_CPU = "Nehalem"


def ensure_qemu() -> None:
    """Fail the test, naming the packages, when the emulators or the aarch64 libc are missing."""
    system_packages.require("qemu")


def old_x86_64() -> list[str]:
    """Command prefix: run an x86_64 binary on an emulated CPU without AVX/AVX2/AVX-512."""
    return [QEMU_X86_64, "-cpu", OLD_X86_CPU]


def aarch64() -> list[str]:
    """Command prefix: run an aarch64 Linux binary (dynamically linked to glibc)."""
    return [QEMU_AARCH64, "-L", str(AARCH64_SYSROOT)]
