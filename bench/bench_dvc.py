"""Benchmark DVC transfers of golden fixtures against a plain copy of the same bytes.

For each data set (the default golden set in ``artifacts/fixtures`` and a
synthetic set of 1,000 small files) and each remote (the local-directory
kind the repo embeds, and SSH to a real ``sshd`` on loopback) it times
``dvc push`` from a scratch repo and ``dvc pull`` into a fresh ``git clone``
of it (empty cache), beside a plain copy of the same bytes (``cp -r`` for the
local remote, ``scp -r`` for SSH). Every figure is the median of ``--repeat``
runs; the table goes into the "DVC" section of BENCHMARKS.md.

Run: ``.venv/bin/python bench/bench_dvc.py`` (needs the golden set on disk:
``dvc pull`` first; as root it installs openssh-server if missing).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from benchmarks_md import publish

from fixturepipe import paths

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from sshd import SshServer, running_sshd  # noqa: E402

DVC = str(REPO / ".venv" / "bin" / "dvc")
SECTION = "DVC"
GIT_ID = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}


def run(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run a command, failing loudly with its output."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed in {cwd}:\n{proc.stdout}{proc.stderr}")


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def make_many_files(dest: Path, count: int, size: int) -> None:
    """``count`` files of ``size`` random bytes in 10 folders (fixed seed)."""
    rng = np.random.default_rng(0)
    for i in range(count):
        folder = dest / f"k{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:04d}.bin").write_bytes(rng.bytes(size))


def data_stats(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def bench_remote(
    data: Path, work: Path, remote_url: str, env: dict[str, str], keyfile: Path | None
) -> tuple[float, float]:
    """Seconds for ``dvc push`` of ``data`` and a fresh-clone ``dvc pull`` of it."""
    origin = work / "origin"
    origin.mkdir(parents=True)
    run(["git", "init", "-q"], origin, env)
    run([DVC, "init", "-q"], origin, env)
    run([DVC, "config", "core.analytics", "false"], origin, env)
    run([DVC, "remote", "add", "-d", "store", remote_url], origin, env)
    shutil.copytree(data, origin / "data")
    run([DVC, "add", "-q", "data"], origin, env)
    run(["git", "add", "-A"], origin, env)
    run(["git", "commit", "-q", "-m", "data"], origin, env)
    local = ["remote", "modify", "--local", "store", "keyfile", str(keyfile)] if keyfile else []
    if local:
        run([DVC, *local], origin, env)
    push = timed(lambda: run([DVC, "push", "-q"], origin, env))
    clone = work / "clone"
    run(["git", "clone", "-q", str(origin), str(clone)], work, env)
    if local:
        run([DVC, *local], clone, env)
    pull = timed(lambda: run([DVC, "pull", "-q"], clone, env))
    if data_stats(clone / "data") != data_stats(data):
        raise RuntimeError(f"dvc pull in {clone} did not restore every file")
    return push, pull


def scp_copy(data: Path, dest: str, server: SshServer, env: dict[str, str]) -> float:
    """Seconds for ``scp -r`` of ``data`` to the server: the plain-copy baseline for SSH."""
    args = [
        "scp", "-q", "-r", "-P", str(server.port), "-i", str(server.keyfile),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        str(data), f"{server.user}@{server.host}:{dest}",
    ]  # fmt: skip
    return timed(lambda: run(args, data.parent, env))


def bench_set(
    name: str, slug: str, data: Path, scratch: Path, server: SshServer, repeat: int
) -> list[list[str]]:
    """Table rows (local and SSH) for one data set, medians of ``repeat`` runs."""
    files, size = data_stats(data)
    results: dict[str, list[float]] = {}
    for i in range(repeat):
        base = scratch / f"{slug}-{i}"
        env = {**os.environ, **GIT_ID}
        local_store = base / "local-store"
        push, pull = bench_remote(data, base / "local", str(local_store), env, None)
        results.setdefault("local push", []).append(push)
        results.setdefault("local pull", []).append(pull)
        results.setdefault("cp", []).append(
            timed(lambda b=base: shutil.copytree(data, b / "plain-copy"))
        )
        ssh_env = {**server.client_env(), **GIT_ID}
        push, pull = bench_remote(
            data, base / "ssh", server.url(f"{slug}-{i}"), ssh_env, server.keyfile
        )
        results.setdefault("ssh push", []).append(push)
        results.setdefault("ssh pull", []).append(pull)
        results.setdefault("scp", []).append(
            scp_copy(data, str(server.storage / f"scp-{slug}-{i}"), server, ssh_env)
        )
    med = {key: statistics.median(values) for key, values in results.items()}
    what = f"{name}: {files} files, {size / 2**20:.1f} MiB"
    return [
        [what, "local dir", f"{med['local push']:.2f}", f"{med['local pull']:.2f}",
         f"{med['cp']:.3f} (`cp -r`)"],
        [what, "SSH (loopback sshd)", f"{med['ssh push']:.2f}", f"{med['ssh pull']:.2f}",
         f"{med['scp']:.3f} (`scp -r`)"],
    ]  # fmt: skip


def dvc_startup(repeat: int) -> float:
    """Median seconds of ``dvc version``: the fixed cost inside every figure."""
    return statistics.median(
        timed(lambda: run([DVC, "version"], REPO, dict(os.environ))) for _ in range(repeat)
    )


def render(rows: list[list[str]], startup: float, repeat: int, argv: list[str], load: float) -> str:
    header = ["data set", "remote", "`dvc push` s", "fresh `dvc pull` s", "plain copy s"]
    lines = [
        f"## {SECTION}",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"DVC {subprocess.run([DVC, '--version'], capture_output=True, text=True).stdout.strip()}, "
        f"1-minute load average {load:.1f} at the start (other work shares the cores).",
        f"- Command: `.venv/bin/python bench/bench_dvc.py{''.join(' ' + a for a in argv)}`",
        "",
        f"Median of {repeat} runs. `dvc push` from a scratch repo after `dvc add`; fresh "
        "`dvc pull` into a new `git clone` (empty cache); the plain copy moves the same "
        f"bytes without DVC. Every DVC figure includes the CLI start-up, "
        f"`dvc version` = {startup:.2f} s here.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--files", type=int, default=1000, help="files in the synthetic set")
    parser.add_argument("--file-size", type=int, default=16384, help="bytes per synthetic file")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    golden = REPO / paths.GOLDEN_ROOT
    if not golden.is_dir():
        print(f"{golden} is missing: run `dvc pull` first.", file=sys.stderr)
        return 1
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-dvc-") as tmp:
        scratch = Path(tmp)
        many = scratch / "many"
        make_many_files(many, args.files, args.file_size)
        with running_sshd(scratch / "sshd") as server:
            rows = bench_set("default golden set", "golden", golden, scratch, server, args.repeat)
            rows += bench_set(
                f"{args.files:,}-file set", "many", many, scratch, server, args.repeat
            )
    text = render(rows, dvc_startup(args.repeat), args.repeat, sys.argv[1:], load)
    publish(SECTION, text, not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
