"""qemu user-mode emulators for running the executor's binaries on another CPU model.

Why: a CPU executor that compiled for the host's CPU passed on the CI machine and
failed on others (issue 8). Running the very binaries the executor builds under an
emulated older x86_64 CPU (no AVX, AVX2 or AVX-512) and under an emulated aarch64
CPU, and comparing their output bytes with the host run, proves the outputs do not
depend on the machine. The statically linked `qemu-user-static` package is installed
with apt-get when missing, as tests/sshd.py installs sshd; aarch64 binaries also
need the aarch64 glibc (`libc6-arm64-cross`, under /usr/aarch64-linux-gnu).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

QEMU_X86_64 = "qemu-x86_64-static"
QEMU_AARCH64 = "qemu-aarch64-static"
AARCH64_SYSROOT = Path("/usr/aarch64-linux-gnu")
PACKAGES = ["qemu-user-static", "libc6-arm64-cross"]
# Nehalem (2008): SSE4.2 and POPCNT, the executor's x86_64_v2 baseline, and nothing newer.
OLD_X86_CPU = "Nehalem"


def _installed() -> bool:
    return (
        shutil.which(QEMU_X86_64) is not None
        and shutil.which(QEMU_AARCH64) is not None
        and (AARCH64_SYSROOT / "lib" / "ld-linux-aarch64.so.1").exists()
    )


def ensure_qemu() -> None:
    """Install the emulators and the aarch64 libc with apt-get when missing.

    CI runs as root on a fresh machine; `apt-get update` only runs when a first
    install attempt fails (a fresh image often has empty package lists).
    """
    if _installed():
        return
    if os.geteuid() != 0:
        pytest.fail(
            "qemu user-mode emulation is missing and the tests are not root: "
            f"install {' '.join(PACKAGES)} (apt-get)."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    assert _installed(), f"apt-get installed {PACKAGES} but the emulators are not there"


def old_x86_64() -> list[str]:
    """Command prefix: run an x86_64 binary on an emulated CPU without AVX/AVX2/AVX-512."""
    return [QEMU_X86_64, "-cpu", OLD_X86_CPU]


def aarch64() -> list[str]:
    """Command prefix: run an aarch64 Linux binary (dynamically linked to glibc)."""
    return [QEMU_AARCH64, "-L", str(AARCH64_SYSROOT)]
