"""The Debian packages the tests start for real, installed once before pytest runs.

Why one place, before the tests: the helpers that need these programs (qemu_user,
slurm_cluster, sshd, browser) used to run ``apt-get`` themselves, from two xdist
workers at once. apt allows one process at a time, so a worker's install failed on
the other's dpkg lock, or waited on it for minutes. ``make test`` now runs this file
first (``python tests/system_packages.py``): one ``apt-get install`` of whatever is
missing, as root or through ``sudo -n``. The helpers only call :func:`require`,
which fails the test with the command that installs the package.

Without root or sudo the install is skipped with a message, and the tests that need
a missing package fail naming it; the other tests run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Need:
    """Debian packages, the files that show they are installed, and what the tests do with them.

    A file given as a bare command name is looked up on PATH, so a program installed
    another way (a Chromium from elsewhere) serves as well as Debian's.
    """

    packages: tuple[str, ...]
    files: tuple[str, ...]
    purpose: str

    def installed(self) -> bool:
        return all(_found(f) for f in self.files)


def _found(file: str) -> bool:
    return shutil.which(file) is not None if "/" not in file else Path(file).exists()


NEEDS: dict[str, Need] = {
    "qemu": Need(
        ("qemu-user-static", "libc6-arm64-cross"),
        ("qemu-x86_64-static", "qemu-aarch64-static",
         "/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1"),
        "run the executor's binaries on an old x86_64 CPU and on aarch64",
    ),
    "slurm": Need(
        ("slurmctld", "slurmd", "slurm-client", "munge"),
        ("/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"),
        "a single-node Slurm cluster for profiles/slurm",
    ),
    "sshd": Need(("openssh-server",), ("/usr/sbin/sshd", "/usr/bin/ssh-keygen"),
                 "an SSH server for DVC's SSH remote"),
    "chromium": Need(
        ("chromium", "fonts-dejavu-core"),
        ("chromium", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        "headless Chromium for the HTML reports",
    ),
}


def missing() -> list[str]:
    """The names in NEEDS whose files are not all there."""
    return [name for name, need in NEEDS.items() if not need.installed()]


def require(name: str) -> None:
    """Fail the calling test with the install command when ``name``'s packages are missing."""
    need = NEEDS[name]
    if not need.installed():
        absent = next(f for f in need.files if not _found(f))
        names = " ".join(need.packages)
        pytest.fail(
            f"The tests need {names} ({need.purpose}), and {absent} is missing: run "
            f"`make test` as root, or `sudo apt-get install --no-install-recommends {names}`.",
            pytrace=False,
        )


def install() -> None:
    """Install every missing package in one apt-get transaction.

    A package that cannot be installed stops nothing here: the run goes on, and only
    the tests that need it fail, each naming it (:func:`require`), so one unreachable
    mirror still leaves the rest of the suite's verdicts.
    """
    absent = missing()
    if not absent:
        return
    packages = [p for name in absent for p in NEEDS[name].packages]
    if shutil.which("apt-get") is None:
        print(f"system_packages: no apt-get here (not Debian or Ubuntu), so {' '.join(packages)} "
              "stay uninstalled; the tests that need them will fail naming them.",
              file=sys.stderr)
        return
    if os.geteuid() == 0:
        sudo: list[str] = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"],
                                                 capture_output=True).returncode == 0:
        sudo = ["sudo", "-n"]
    else:
        print(f"system_packages: not root and no password-less sudo, so {' '.join(packages)} "
              "stay uninstalled; the tests that need them will fail naming them.",
              file=sys.stderr)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = [*sudo, "apt-get", "-q", "-o", "DPkg::Lock::Timeout=600"]
    print(f"system_packages: installing {' '.join(packages)} (apt-get) for the tests",
          file=sys.stderr)
    # A failed `update` (one stale list) still leaves the install worth trying.
    for step in (["update"], ["install", "-y", "--no-install-recommends", *packages]):
        proc = subprocess.run([*apt, *step], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"system_packages: `{' '.join(apt + step)}` failed ({proc.returncode}):\n"
                  f"{proc.stderr[-2000:]}", file=sys.stderr)
    still = missing()
    if still:
        print(f"system_packages: {', '.join(still)} still missing "
              f"({', '.join(f for n in still for f in NEEDS[n].files)}); the tests that need "
              "them will fail naming them.", file=sys.stderr)


if __name__ == "__main__":
    install()
