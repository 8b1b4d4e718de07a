"""Bad inputs around the golden set: each fails loudly and leaves no wrong golden byte behind.

Remote unreachable, a corrupted object in the remote, a pull killed halfway,
and a golden file edited by hand; real DVC and Snakemake on fresh clones.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from dvc_clone import (
    DVC,
    GOLDEN_ROOT,
    SNAKEMAKE,
    flip_one_bit,
    fresh_clone,
    golden_files,
    manifest,
    restrict_fixtures,
    run,
    store_objects,
    tool_env,
    wrong_golden_files,
)
from sshd import ensure_sshd, free_port

from fixturepipe import dvc_integrity


@pytest.fixture(scope="module")
def pulled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone after ``dvc pull``, copied by the tests that change it."""
    clone = fresh_clone(tmp_path_factory.mktemp("template") / "repo")
    run([DVC, "pull"], clone)
    return clone


@pytest.fixture
def pulled(pulled_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pulled_template, tmp_path / "repo", symlinks=True))


def golden_state(clone: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every golden file: 'untouched' means both unchanged."""
    sums = golden_files(clone)
    return {p: (digest, (clone / p).stat().st_mtime_ns) for p, digest in sums.items()}


def test_unreachable_remote_fails_clearly_and_leaves_golden_untouched(
    pulled: Path, tmp_path: Path
) -> None:
    ensure_sshd()  # brings ssh-keygen (openssh-client) on a bare machine
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    dead = f"ssh://root@127.0.0.1:{free_port()}/srv/fixtures"  # nothing listens there
    run([DVC, "remote", "add", "--local", "dead", dead], pulled)
    run([DVC, "remote", "modify", "--local", "dead", "keyfile", str(key)], pulled)
    shutil.rmtree(pulled / ".dvc" / "cache")  # so the pull must reach the remote
    before = golden_state(pulled)

    proc = run([DVC, "pull", "-r", "dead"], pulled, check=False)

    assert proc.returncode != 0
    assert "failed to connect to ssh" in proc.stderr
    assert "failed to pull data from the cloud" in proc.stderr
    assert golden_state(pulled) == before


def test_corrupted_remote_object_is_rejected_and_never_checked_out(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "repo")
    objects = store_objects(clone)
    victim = max(objects, key=lambda relpath: objects[relpath].stat().st_size)
    flip_one_bit(objects[victim])

    proc = run([DVC, "pull", "-v"], clone, check=False)

    assert proc.returncode != 0
    assert "failed to pull data from the cloud" in proc.stderr
    assert "corrupted cache file" in proc.stdout + proc.stderr
    assert wrong_golden_files(clone) == []
    assert not (clone / GOLDEN_ROOT / victim).exists()
    assert "dvc pull" in " ".join(str(p) for p in dvc_integrity.check(clone))


def test_interrupted_pull_leaves_no_partial_file_and_rerun_completes(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "repo")
    cache = clone / ".dvc" / "cache" / "files" / "md5"
    proc = subprocess.Popen(
        [DVC, "pull", "--jobs", "1"], cwd=clone, env=tool_env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if cache.is_dir() and any(p.is_file() for p in cache.rglob("*")):
            break
        time.sleep(0.001)
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "dvc pull finished before it could be interrupted"
    assert golden_files(clone) != manifest(clone), "the kill came after the pull completed"
    assert wrong_golden_files(clone) == [], "a partial file landed under a golden name"

    run([DVC, "pull"], clone)

    assert golden_files(clone) == manifest(clone)
    assert dvc_integrity.check(clone) == []


def test_hand_edited_golden_file_is_named_by_verify(pulled: Path) -> None:
    restrict_fixtures(pulled, {"seed"})
    edited = f"{GOLDEN_ROOT}/chunk_tri_solve_invert/seed/chunk_tri_solve_invert_a_inv_ref.bin"
    raw = bytearray((pulled / edited).read_bytes())
    raw[4] ^= 0x01  # one ULP-sized nudge of the first reference element
    (pulled / edited).write_bytes(bytes(raw))

    proc = run([SNAKEMAKE, "-j2", "verify"], pulled, check=False)

    assert proc.returncode != 0
    failures = [ln for ln in proc.stderr.splitlines() if ln.startswith("FAIL ")]
    assert any(edited in ln and "golden.sha256" in ln for ln in failures), proc.stderr
    assert any(edited in ln and "dvc.lock" in ln for ln in failures), proc.stderr
