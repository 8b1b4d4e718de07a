"""Issue 9, item 4: compilation is bounded. It has a timeout, its own caches (never
~/.cache/zig, whose locks any other zig user holds), and a process that waits for
another's compile of the same kernel says whom and which lock it waits for, and
gives up at the timeout, through a real Snakemake verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from pipeline_project import REPO, fixture, make_project

KERNEL_ARGS = ["kernels/chunk_tri_solve_invert/chunk_tri_solve_invert.metal",
               "--input", "a_strict:float32:4x64x1x64", "--output", "a_inv:float32"]
HOLD_LOCK = """
import fcntl, sys, time
f = open(sys.argv[1], "a+")
fcntl.flock(f, fcntl.LOCK_EX)
f.seek(0); f.truncate(); f.write("a stuck process (test holder)\\n"); f.flush()
print("locked", flush=True)
time.sleep(600)
"""


def _check(cwd: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fixturepipe.metal_cpu.cli", "check", *KERNEL_ARGS, *extra],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )


def test_zig_caches_are_fixturepipes_own(tmp_path: Path) -> None:
    """A cold compile with a fresh HOME fills $XDG_CACHE_HOME/fixturepipe, never ~/.cache/zig."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_CACHE_HOME", "FIXTUREPIPE_CACHE_DIR", "FIXTUREPIPE_ZIG_CACHE_DIR",
                        "ZIG_GLOBAL_CACHE_DIR", "ZIG_LOCAL_CACHE_DIR")}
    env["HOME"] = str(home)
    proc = _check(REPO, env)
    assert proc.returncode == 0, proc.stderr
    assert not (home / ".cache" / "zig").exists()
    assert any((home / ".cache" / "fixturepipe" / "zig" / "global").iterdir())
    assert any((home / ".cache" / "fixturepipe" / "metal_cpu").iterdir())


def test_compile_timeout_stops_the_compiler(tmp_path: Path) -> None:
    env = {**os.environ, "FIXTUREPIPE_CACHE_DIR": str(tmp_path / "cache"),
           "FIXTUREPIPE_COMPILE_TIMEOUT": "0.05"}
    started = time.monotonic()
    proc = _check(REPO, env)
    assert proc.returncode == 1
    assert "took longer than 0.05 s and was stopped" in proc.stderr, proc.stderr
    assert "FIXTUREPIPE_COMPILE_TIMEOUT" in proc.stderr
    assert time.monotonic() - started < 60


def test_verify_waiting_on_a_held_compile_lock_says_so_and_gives_up(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", [fixture("one")])
    # Learn the cache entry the kernel job will want: the same translation unit as
    # `metal-cpu check` run in the project (same name, dtypes and source path).
    scratch = {**os.environ, "FIXTUREPIPE_CACHE_DIR": str(tmp_path / "scratch")}
    first = _check(project, scratch)
    assert first.returncode == 0, first.stderr
    binary_name = Path(first.stdout.rsplit(": ", 1)[1].rstrip(")\n")).name
    cache = tmp_path / "cache"
    cache.mkdir()
    lock = cache / f".{binary_name}.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "snakemake"), "-j1", "verify"],
            cwd=project, capture_output=True, text=True, timeout=240,
            env={**os.environ, "PYTHONPATH": str(project / "src"),
                 "FIXTUREPIPE_CACHE_DIR": str(cache), "FIXTUREPIPE_COMPILE_TIMEOUT": "4"},
        )
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode != 0, proc.stdout
    assert elapsed < 300
    log = next((project / "artifacts" / "logs" / "kernel").rglob("one.log")).read_text()
    assert "waiting for a stuck process (test holder), which is compiling kernel " in log, log
    assert f"(lock {lock})" in log
    run = json.loads(next((project / "artifacts" / "runs").rglob("one/run.json")).read_text())
    assert run["error"] == "CompileTimeoutError"
    assert run["message"].startswith("gave up waiting for a stuck process (test holder) to "
                                     "finish compiling kernel ")
    assert "kill it (or delete the lock file) and rerun" in run["message"]
