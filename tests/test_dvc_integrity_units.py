"""dvc_integrity on the committed golden set, in-process: the files are materialised from the
embedded remote's objects (what DVC itself wrote), then altered one way at a time.

tests/test_dvc_integrity.py proves the hashes equal DVC's own on a fresh DVC repo;
these need no DVC process, so mutation testing can run them per mutant.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from fixturepipe import dvc_integrity

REPO = Path(__file__).resolve().parents[1]
STORE = REPO / "dvc-store" / "files" / "md5"


def golden_out(lock: dict) -> tuple[str, str]:
    (out,) = [o for o in lock["stages"]["golden"]["outs"] if o["md5"].endswith(".dir")]
    return out["path"], out["md5"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """dvc.lock, .dvc/config and the embedded remote of this commit; golden files checked out."""
    shutil.copy(REPO / "dvc.lock", tmp_path / "dvc.lock")
    (tmp_path / ".dvc").mkdir()
    shutil.copy(REPO / ".dvc" / "config", tmp_path / ".dvc" / "config")
    (tmp_path / "dvc-store").symlink_to(REPO / "dvc-store", target_is_directory=True)
    lock = yaml.safe_load((REPO / "dvc.lock").read_text())
    rel, dir_hash = golden_out(lock)
    value = dir_hash.removesuffix(".dir")
    listing = json.loads((STORE / value[:2] / f"{value[2:]}.dir").read_bytes())
    for entry in listing:
        target = tmp_path / rel / entry["relpath"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(STORE / entry["md5"][:2] / entry["md5"][2:], target)
    for out in lock["stages"]["golden"]["outs"]:
        if not out["md5"].endswith(".dir"):
            shutil.copy(REPO / out["path"], tmp_path / out["path"])
    return tmp_path


def first_file(repo: Path) -> tuple[str, Path]:
    rel, _ = golden_out(yaml.safe_load((repo / "dvc.lock").read_text()))
    path = sorted(p for p in (repo / rel).rglob("*") if p.is_file())[0]
    return rel, path


def test_the_committed_golden_set_matches_its_lock(repo: Path) -> None:
    assert dvc_integrity.check(repo) == []
    rel, dir_hash = golden_out(yaml.safe_load((repo / "dvc.lock").read_text()))
    entries = dvc_integrity.dir_entries(repo / rel)
    assert dvc_integrity.dir_md5(entries) == dir_hash
    assert dvc_integrity.load_dir_listing(repo, dir_hash) == entries
    assert all("\\" not in k and not k.startswith("/") for k in entries)


def test_an_edited_golden_file_is_named_with_both_md5s(repo: Path) -> None:
    rel, path = first_file(repo)
    old = hashlib.md5(path.read_bytes()).hexdigest()
    path.write_bytes(b"edited")
    name = path.relative_to(repo / rel).as_posix()
    (problem,) = dvc_integrity.check(repo)
    new = hashlib.md5(b"edited").hexdigest()
    assert problem.path == f"{rel}/{name}"
    assert problem.message == (
        f"md5 {new} differs from dvc.lock's {old}: the file was changed after it was accepted; "
        f"restore it with `dvc checkout --force {rel}`, or {dvc_integrity.ACCEPT_HINT}")
    assert str(problem) == f"{rel}/{name}: {problem.message}"
    assert problem.sentence() == f"{rel}/{name} does not match dvc.lock: {problem.message}"


def test_missing_and_extra_files_are_named(repo: Path) -> None:
    rel, path = first_file(repo)
    name = path.relative_to(repo / rel).as_posix()
    path.unlink()
    (repo / rel / "stray.bin").write_bytes(b"x")
    problems = {p.path: p.message for p in dvc_integrity.check(repo)}
    assert problems == {
        f"{rel}/{name}": "missing; dvc.lock pins it: run `dvc pull`",
        f"{rel}/stray.bin": f"not in dvc.lock's golden set: remove it, or "
                            f"{dvc_integrity.ACCEPT_HINT}",
    }


def test_without_a_local_listing_the_directory_is_named(repo: Path) -> None:
    (repo / "dvc-store").unlink()
    rel, path = first_file(repo)
    path.write_bytes(b"edited")
    (problem,) = dvc_integrity.check(repo)
    assert problem.path == rel
    assert problem.message == (
        f"directory hash {dvc_integrity.dir_md5(dvc_integrity.dir_entries(repo / rel))} differs "
        f"from dvc.lock's {golden_out(yaml.safe_load((repo / 'dvc.lock').read_text()))[1]}, and "
        "its file list is in neither the DVC cache nor a local remote: run `dvc fetch` to see "
        "which files differ, `dvc checkout --force` to restore them")


def test_a_cache_dir_setting_is_searched_first(repo: Path) -> None:
    (repo / "dvc-store").unlink()
    shutil.copytree(REPO / "dvc-store", repo / "elsewhere")
    (repo / ".dvc" / "config.local").write_text("[cache]\n    dir = ../elsewhere\n")
    places = dvc_integrity._object_dirs(repo)
    assert places[0] == repo / ".dvc" / ".." / "elsewhere" / "files" / "md5"
    rel, path = first_file(repo)
    path.write_bytes(b"edited")
    assert [p.path for p in dvc_integrity.check(repo)] == [
        f"{rel}/{path.relative_to(repo / rel).as_posix()}"]


def test_remote_urls_are_relative_to_dot_dvc_and_network_ones_skipped(repo: Path) -> None:
    (repo / ".dvc" / "config.local").write_text(
        "['remote \"ssh\"']\n    url = ssh://host/path\n")
    assert dvc_integrity._object_dirs(repo) == [
        repo / ".dvc" / "cache" / "files" / "md5",
        repo / ".dvc" / "../dvc-store" / "files" / "md5",
    ]


def test_only_cache_dirs_and_remote_urls_are_places_for_objects(repo: Path) -> None:
    (repo / ".dvc" / "config.local").write_text(
        "[core]\n    remote = store\n[other]\n    dir = ../not-a-cache\n"
        "    url = ../not-a-remote\n['remote \"store\"']\n    dir = ../not-a-cache-either\n")
    assert dvc_integrity._object_dirs(repo) == [
        repo / ".dvc" / "cache" / "files" / "md5",
        repo / ".dvc" / "../dvc-store" / "files" / "md5",
    ]


def test_a_tampered_listing_is_not_trusted(repo: Path, tmp_path_factory) -> None:
    (repo / "dvc-store").unlink()
    copy = tmp_path_factory.mktemp("store")
    shutil.copytree(REPO / "dvc-store", copy / "dvc-store")
    (repo / "dvc-store").symlink_to(copy / "dvc-store", target_is_directory=True)
    _, dir_hash = golden_out(yaml.safe_load((repo / "dvc.lock").read_text()))
    value = dir_hash.removesuffix(".dir")
    listing = copy / "dvc-store" / "files" / "md5" / value[:2] / f"{value[2:]}.dir"
    listing.write_bytes(listing.read_bytes().replace(b"}]", b"}, {}]"))
    assert dvc_integrity.load_dir_listing(repo, dir_hash) is None


def test_missing_outs_and_old_locks(repo: Path) -> None:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    rel, _ = golden_out(lock)
    shutil.rmtree(repo / rel)
    file_out = next(o["path"] for o in lock["stages"]["golden"]["outs"]
                    if not o["md5"].endswith(".dir"))
    (repo / file_out).unlink()
    assert {p.path: p.message for p in dvc_integrity.check(repo)} == {
        rel: "missing; dvc.lock pins it: run `dvc pull` to restore it",
        file_out: "missing; dvc.lock pins it: run `dvc pull` to restore it",
    }
    for out in lock["stages"]["golden"]["outs"]:
        out.pop("hash")
    (repo / "dvc.lock").write_text(yaml.safe_dump(lock))
    problems = dvc_integrity.check(repo)
    assert [p.path for p in problems] == [o["path"] for o in lock["stages"]["golden"]["outs"]]
    assert problems[0].message == ("stage 'golden' in dvc.lock has no DVC 3 md5 for it: run "
                                   "`dvc repro` (or `dvc commit`) with DVC 3")
    (repo / "dvc.lock").unlink()
    assert dvc_integrity.check(repo) == []


def test_an_edited_file_out_is_named(repo: Path) -> None:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    (out,) = [o for o in lock["stages"]["golden"]["outs"] if not o["md5"].endswith(".dir")]
    (repo / out["path"]).write_text("edited\n")
    (problem,) = dvc_integrity.check(repo)
    assert (problem.path, problem.message) == (out["path"], (
        f"md5 {hashlib.md5(b'edited' + bytes([10])).hexdigest()} differs from dvc.lock's "
        f"{out['md5']}: the file changed after it was accepted; restore it with "
        f"`dvc checkout --force {out['path']}`, or {dvc_integrity.ACCEPT_HINT}"))


def test_main_prints_problems_and_exits_1(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert dvc_integrity.main([str(repo)]) == 0
    assert capsys.readouterr().out == "golden files match dvc.lock\n"
    rel, path = first_file(repo)
    path.unlink()
    assert dvc_integrity.main([str(repo)]) == 1
    name = path.relative_to(repo / rel).as_posix()
    assert capsys.readouterr().out == f"{rel}/{name}: missing; dvc.lock pins it: run `dvc pull`\n"


def test_main_reads_its_argument_from_the_command_line_or_checks_here(
    repo: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    rel, path = first_file(repo)
    path.unlink()
    monkeypatch.chdir(repo.parent)  # not the repository: the argument must be what is checked
    monkeypatch.setattr(sys, "argv", ["dvc_integrity", str(repo)])
    assert dvc_integrity.main() == 1
    assert capsys.readouterr().out == (f"{rel}/{path.relative_to(repo / rel).as_posix()}: "
                                       "missing; dvc.lock pins it: run `dvc pull`\n")
    monkeypatch.chdir(repo)
    monkeypatch.setattr(sys, "argv", ["dvc_integrity"])
    assert dvc_integrity.main() == 1
    assert dvc_integrity.main([]) == 1
    assert dvc_integrity.check() == dvc_integrity.check(repo)  # the working folder by default
    assert capsys.readouterr().out.count("missing") == 2


def test_a_bad_listing_in_one_place_does_not_hide_a_good_one_in_the_next(repo: Path) -> None:
    _, dir_hash = golden_out(yaml.safe_load((repo / "dvc.lock").read_text()))
    value = dir_hash.removesuffix(".dir")
    bad = repo / ".dvc" / "cache" / "files" / "md5" / value[:2] / f"{value[2:]}.dir"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"[]")  # the cache comes first; its copy does not hash to its name
    listing = dvc_integrity.load_dir_listing(repo, dir_hash)
    assert listing is not None and len(listing) >= 24


def test_a_corrupted_dvc_object_is_named_with_its_md5_and_the_way_out(repo: Path) -> None:
    """`dvc pull` fails on a corrupted object every time, so verify names the object."""
    rel, path = first_file(repo)
    golden_file = f"{rel}/{path.relative_to(repo / rel).as_posix()}"
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    manifest_md5 = hashlib.md5((repo / "artifacts/golden.sha256").read_bytes()).hexdigest()
    assert dvc_integrity.corrupted_objects(repo, [golden_file, "artifacts/golden.sha256"]) == []
    bad = hashlib.md5(b"bad").hexdigest()
    for digest in (md5, manifest_md5):  # the cache is searched before the embedded remote
        obj = repo / ".dvc/cache/files/md5" / digest[:2] / digest[2:]
        obj.parent.mkdir(parents=True, exist_ok=True)
        obj.write_bytes(b"bad")
    found = dvc_integrity.corrupted_objects(
        repo, ["not/pinned.bin", golden_file, "artifacts/golden.sha256"])
    assert found == [
        f"The DVC object .dvc/cache/files/md5/{md5[:2]}/{md5[2:]} (for {golden_file}) is "
        f"corrupted: its md5 is {bad}, not {md5}, so `dvc pull` cannot restore {golden_file} and "
        "will fail again. Replace that object with a good copy (`dvc push` from a clone whose "
        "file is intact), or delete it and accept the fixture anew: "
        f"{dvc_integrity.ACCEPT_HINT}.",
        f"The DVC object .dvc/cache/files/md5/{manifest_md5[:2]}/{manifest_md5[2:]} (for "
        f"artifacts/golden.sha256) is corrupted: its md5 is {bad}, not {manifest_md5}, so "
        "`dvc pull` cannot restore artifacts/golden.sha256 and will fail again. Replace that "
        "object with a good copy (`dvc push` from a clone whose file is intact), or delete it "
        f"and accept the fixture anew: {dvc_integrity.ACCEPT_HINT}.",
    ]
    (repo / "dvc.lock").unlink()
    assert dvc_integrity.corrupted_objects(repo, [golden_file]) == []


def test_an_edited_manifest_line_is_blamed_on_the_manifest_not_the_file() -> None:
    from fixturepipe.golden import IntegrityProblem

    altered = IntegrityProblem("artifacts/fixtures/k/f/a.bin", "1" * 64, "2" * 64)
    missing = IntegrityProblem("artifacts/fixtures/k/f/b.bin", "3" * 64, None)
    changed = IntegrityProblem("artifacts/fixtures/k/g/c.bin", "4" * 64, "5" * 64)
    in_dir = IntegrityProblem("artifacts/fixtures/k/h/d.bin", "6" * 64, "7" * 64)
    integrity = [altered, missing, changed, in_dir]
    manifest = dvc_integrity.Problem("artifacts/golden.sha256", "md5 differs")
    lock = [manifest, dvc_integrity.Problem(changed.path, "md5 differs"),
            dvc_integrity.Problem("artifacts/fixtures/k/h", "md5 differs")]
    blamed = dvc_integrity.blame_manifest(integrity, lock)
    assert [p.manifest_edited for p in blamed] == [True, False, False, False]
    assert blamed[0] == IntegrityProblem(altered.path, altered.expected, altered.actual, True)
    assert blamed[1:] == [missing, changed, in_dir]
    assert dvc_integrity.blame_manifest(integrity, lock[1:]) == integrity
    near = dvc_integrity.Problem("artifacts/fixtures/k/h.bin", "md5 differs")
    assert dvc_integrity.blame_manifest([in_dir], [manifest, near])[0].manifest_edited
