"""fixturepipe.dvc_integrity against real DVC: same hashes, and every bad file named."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fixturepipe import dvc_integrity

DVC = str(Path(sys.executable).parent / "dvc")  # the venv running the tests


def sh(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git+DVC repo with a stage like ``golden``: a cached dir out and an uncached file out."""
    repo = tmp_path_factory.mktemp("template") / "repo"
    data = repo / "out" / "fixtures"
    (data / "k" / "f").mkdir(parents=True)
    (data / "k" / "f" / "k_input_x.bin").write_bytes(os.urandom(4096))
    # CRLF text: DVC 3 hashes raw bytes (md5), not the DVC 2 dos2unix variant.
    (data / "k" / "f" / "k_meta.json").write_bytes(b'{\r\n  "seed": "0x00000001"\r\n}\r\n')
    (data / "k" / "g").mkdir()
    (data / "k" / "g" / "k_y_ref.bin").write_bytes(b"\x00" * 100)
    (repo / "out" / "golden.sha256").write_text("not checked here\n")
    sh(["git", "init", "-q"], repo)
    sh([DVC, "init", "-q"], repo)
    sh([DVC, "remote", "add", "-d", "store", "../store"], repo)
    sh(
        [DVC, "stage", "add", "-q", "-n", "golden", "-o", "out/fixtures",
         "-O", "out/golden.sha256", "true"],
        repo,
    )  # fmt: skip
    sh([DVC, "commit", "-q", "-f", "golden"], repo)
    return repo


@pytest.fixture
def dvc_repo(template_repo: Path, tmp_path: Path) -> Path:
    """A private copy of the template repo (DVC commands in a test cost ~0.5 s each)."""
    return Path(shutil.copytree(template_repo, tmp_path / "repo", symlinks=True))


def locked_outs(repo: Path) -> dict[str, str]:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return {out["path"]: out["md5"] for out in lock["stages"]["golden"]["outs"]}


def test_hashes_equal_dvc_own(dvc_repo: Path) -> None:
    outs = locked_outs(dvc_repo)
    entries = dvc_integrity.dir_entries(dvc_repo / "out" / "fixtures")
    assert dvc_integrity.dir_md5(entries) == outs["out/fixtures"]
    assert dvc_integrity.file_md5(dvc_repo / "out" / "golden.sha256") == outs["out/golden.sha256"]
    assert dvc_integrity.check(dvc_repo) == []


def test_names_changed_missing_and_extra_files(dvc_repo: Path) -> None:
    fixtures = dvc_repo / "out" / "fixtures"
    edited = fixtures / "k" / "f" / "k_input_x.bin"
    raw = bytearray(edited.read_bytes())
    raw[7] ^= 0x01
    edited.write_bytes(bytes(raw))
    (fixtures / "k" / "g" / "k_y_ref.bin").unlink()
    (fixtures / "k" / "g" / "stray.bin").write_bytes(b"x")
    (dvc_repo / "out" / "golden.sha256").write_text("edited\n")

    problems = {p.path: p.message for p in dvc_integrity.check(dvc_repo)}

    assert set(problems) == {
        "out/fixtures/k/f/k_input_x.bin",
        "out/fixtures/k/g/k_y_ref.bin",
        "out/fixtures/k/g/stray.bin",
        "out/golden.sha256",
    }
    assert "differs from dvc.lock" in problems["out/fixtures/k/f/k_input_x.bin"]
    assert "`dvc repro` then `dvc push`" in problems["out/fixtures/k/f/k_input_x.bin"]
    assert "`dvc pull`" in problems["out/fixtures/k/g/k_y_ref.bin"]
    assert "not in dvc.lock" in problems["out/fixtures/k/g/stray.bin"]


def test_listing_read_from_local_remote_when_cache_is_gone(dvc_repo: Path) -> None:
    """A fresh clone has no cache yet, but the embedded remote holds the .dir listing."""
    sh([DVC, "push", "-q"], dvc_repo)
    shutil.rmtree(dvc_repo / ".dvc" / "cache")
    (dvc_repo / "out" / "fixtures" / "k" / "g" / "k_y_ref.bin").write_bytes(b"\x01" * 100)

    problems = dvc_integrity.check(dvc_repo)

    assert [p.path for p in problems] == ["out/fixtures/k/g/k_y_ref.bin"]


def test_without_listing_names_the_directory(dvc_repo: Path) -> None:
    shutil.rmtree(dvc_repo / ".dvc" / "cache")
    (dvc_repo / "out" / "fixtures" / "k" / "g" / "k_y_ref.bin").write_bytes(b"\x01" * 100)

    problems = dvc_integrity.check(dvc_repo)

    assert [p.path for p in problems] == ["out/fixtures"]
    assert "`dvc fetch`" in problems[0].message


def test_missing_golden_dir_says_dvc_pull(dvc_repo: Path) -> None:
    shutil.rmtree(dvc_repo / "out" / "fixtures")

    problems = dvc_integrity.check(dvc_repo)

    assert [str(p) for p in problems] == [
        "out/fixtures: missing; dvc.lock pins it: run `dvc pull` to restore it"
    ]


def test_a_tampered_listing_is_not_trusted(dvc_repo: Path) -> None:
    """A .dir object whose bytes do not hash to its name cannot clear or blame a file."""
    dir_hash = locked_outs(dvc_repo)["out/fixtures"].removesuffix(".dir")
    listing = dvc_repo / ".dvc" / "cache" / "files" / "md5" / dir_hash[:2] / f"{dir_hash[2:]}.dir"
    listing.chmod(0o644)
    listing.write_text("[]")
    (dvc_repo / "out" / "fixtures" / "k" / "g" / "k_y_ref.bin").write_bytes(b"\x01" * 100)

    problems = dvc_integrity.check(dvc_repo)

    assert [p.path for p in problems] == ["out/fixtures"]
