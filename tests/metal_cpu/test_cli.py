"""The `metal-cpu` console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KERNEL = (Path(__file__).resolve().parents[2] / "kernels" / "chunk_tri_solve_invert"
          / "chunk_tri_solve_invert.metal")
ARGS = ["--input", "a_strict:float32:4x64x1x64", "--output", "a_inv:float32"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fixturepipe.metal_cpu.cli", *args], capture_output=True, text=True
    )


def test_signature_prints_mlx_source() -> None:
    proc = _cli("signature", str(KERNEL), *ARGS)
    assert proc.returncode == 0
    assert proc.stdout.startswith(
        "[[kernel]] void custom_kernel_chunk_tri_solve_invert_float_float(\n"
        "  const device float* a_strict [[buffer(0)]],\n"
    )


def test_check_compiles_and_reports_errors_by_file_line(tmp_path: Path) -> None:
    assert _cli("check", str(KERNEL), *ARGS).returncode == 0
    bad = tmp_path / "bad.metal"
    bad.write_text("uint i = thread_position_in_grid.x;\nout[i] = nope;\n")
    proc = _cli("check", str(bad), "--input", "x:float32:8", "--output", "out:float32")
    assert proc.returncode == 1
    assert f"{bad}:2:10: error: use of undeclared identifier 'nope'" in proc.stderr


def test_concurrent_compiles_of_one_kernel_share_one_binary(tmp_path: Path) -> None:
    """Two processes compiling the same kernel: one compiles, the other waits on the
    lock and takes the cached binary; neither sees a partial file."""
    env = {**os.environ, "FIXTUREPIPE_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "fixturepipe.metal_cpu.cli", "check", str(KERNEL), *ARGS]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate()[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sorted("cached" in o for o in outs) == [False, True], outs
    binaries = [p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]
    assert len(binaries) == 1


def test_check_target_builds_for_another_platform_and_says_what(tmp_path: Path) -> None:
    env = {**os.environ, "FIXTUREPIPE_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "fixturepipe.metal_cpu.cli", "check", str(KERNEL), *ARGS]
    proc = subprocess.run([*cmd, "--target", "aarch64-macos"], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert "ok for aarch64-macos (cpu apple_m1): Mach-O 64-bit executable, arm64" in proc.stdout
    bad = subprocess.run([*cmd, "--target", "riscv64-linux"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown target 'riscv64-linux'" in bad.stderr
