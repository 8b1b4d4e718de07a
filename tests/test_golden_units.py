"""The golden set's bookkeeping in-process: checksum files, integrity, accept, reproducibility.

The pipeline tests (test_golden_verify, test_dvc_*) prove these through real
Snakemake and DVC runs; these pin each decision directly, fast enough for
mutation testing to run them per mutant.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from fixturepipe import fixture_io, golden, manifest, paths, reproduce, spec
from fixturepipe.fixture import Fixture

REPO = Path(__file__).resolve().parents[1]
KERNEL = "chunk_tri_solve_invert"
SIZES = {"B": 1, "T": 64, "H": 1, "BT": 64}
FIX = Fixture.from_params(KERNEL, "f", {"sizes": SIZES, "seed": 3,
                                         "generator": {"name": "zeros"}})
SPEC = spec.load_all(REPO / "kernels")[KERNEL]
NAMES = paths.fixture_files(SPEC)


# -- manifest ------------------------------------------------------------------------------------
def test_sha256_file_streams_large_files(tmp_path: Path) -> None:
    data = bytes(range(256)) * (5 << 12)  # 5 MiB: several 1 MiB blocks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert manifest.sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_sums_round_trip_sorted_in_sha256sum_format(tmp_path: Path) -> None:
    sums = {"b/x.bin": "2" * 64, "a/y.bin": "1" * 64}
    text = manifest.format_sums(sums)
    assert text == f"{'1' * 64}  a/y.bin\n{'2' * 64}  b/x.bin\n"
    assert manifest.parse_sums(text + "\n" + f"{'3' * 64}  *c.bin\n") == {
        **sums, "c.bin": "3" * 64}
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "one.txt").write_text("one\n")
    (tmp_path / "two.txt").write_text("two\n")
    written = manifest.write_manifest(tmp_path, ["two.txt", "d/one.txt"], "SUMS")
    assert written == {"two.txt": hashlib.sha256(b"two\n").hexdigest(),
                       "d/one.txt": hashlib.sha256(b"one\n").hexdigest()}
    assert (tmp_path / "SUMS").read_text() == manifest.format_sums(written)


# -- golden --------------------------------------------------------------------------------------
def generated(root: Path, fixture: str, payload: bytes = b"") -> list[str]:
    folder = root / paths.generated_dir(KERNEL, fixture)
    folder.mkdir(parents=True, exist_ok=True)
    for n in NAMES:
        (folder / n).write_bytes(n.encode() + payload)
    return NAMES


def test_accept_adds_and_updates_and_keeps_what_it_is_not_given(tmp_path: Path) -> None:
    first = golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a"),
                                     (KERNEL, "b"): generated(tmp_path, "b")})
    assert first == {"added": [f"{KERNEL}/a", f"{KERNEL}/b"], "changed": [], "unchanged": [],
                     "kept": []}
    sums = golden.read_manifest(tmp_path)
    assert sorted(sums) == sorted(f"{paths.golden_dir(KERNEL, f)}/{n}" for f in "ab" for n in NAMES)
    for path, digest in sums.items():
        assert manifest.sha256_file(tmp_path / path) == digest
    assert golden.golden_fixtures(sums) == {(KERNEL, "a"), (KERNEL, "b")}
    assert golden.integrity_problems(tmp_path) == []

    second = golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a", b"new"),
                                      (KERNEL, "c"): generated(tmp_path, "c")})
    assert second == {"added": [f"{KERNEL}/c"], "changed": [f"{KERNEL}/a"], "unchanged": [],
                      "kept": [f"{KERNEL}/b"]}
    assert (tmp_path / paths.golden_dir(KERNEL, "b")).is_dir(), "never removed by accept"
    assert golden.golden_fixtures(golden.read_manifest(tmp_path)) == {
        (KERNEL, "a"), (KERNEL, "b"), (KERNEL, "c")}
    assert (tmp_path / paths.golden_dir(KERNEL, "a") / NAMES[0]).read_bytes().endswith(b"new")
    leftovers = [p.name for p in (tmp_path / paths.GOLDEN_ROOT / KERNEL).iterdir()
                 if p.name.startswith(".")]
    assert leftovers == [], "no staging or retired folder is left behind"
    third = golden.accept(tmp_path, {(KERNEL, "a"): NAMES, (KERNEL, "c"): NAMES})
    assert third == {"added": [], "changed": [], "unchanged": [f"{KERNEL}/a", f"{KERNEL}/c"],
                     "kept": [f"{KERNEL}/b"]}


def test_accept_leaves_unchanged_fixtures_and_files_with_their_mtimes(tmp_path: Path) -> None:
    """Nothing downstream of an unchanged golden file reruns: accept keeps its mtime, both
    for a fixture whose bytes are all the same and for the unchanged files of a changed one;
    a golden file damaged on disk is rewritten even though the manifest line is the same."""
    golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a"),
                             (KERNEL, "b"): generated(tmp_path, "b")})
    old = 1_000_000_000
    golden_files = [tmp_path / paths.golden_dir(KERNEL, f) / n for f in "ab" for n in NAMES]
    for file in golden_files:
        os.utime(file, ns=(old, old))
    (tmp_path / paths.generated_dir(KERNEL, "a") / NAMES[0]).write_bytes(b"edited")
    changes = golden.accept(tmp_path, {(KERNEL, "a"): NAMES, (KERNEL, "b"): NAMES})
    assert changes == {"added": [], "changed": [f"{KERNEL}/a"], "unchanged": [f"{KERNEL}/b"],
                       "kept": []}
    mtimes = {f"{file.parent.name}/{file.name}": file.stat().st_mtime_ns for file in golden_files}
    assert mtimes.pop(f"a/{NAMES[0]}") != old, "the changed file is the new one"
    assert set(mtimes.values()) == {old}, mtimes
    assert (tmp_path / paths.golden_dir(KERNEL, "a") / NAMES[0]).read_bytes() == b"edited"

    damaged = tmp_path / paths.golden_dir(KERNEL, "b") / NAMES[1]
    damaged.write_bytes(b"damaged")
    os.utime(damaged, ns=(old, old))
    again = golden.accept(tmp_path, {(KERNEL, "b"): NAMES})
    assert again["changed"] == [f"{KERNEL}/b"] and again["unchanged"] == []
    assert damaged.read_bytes() == (tmp_path / paths.generated_dir(KERNEL, "b") / NAMES[1]
                                    ).read_bytes()
    intact = tmp_path / paths.golden_dir(KERNEL, "b") / NAMES[0]
    assert intact.stat().st_mtime_ns == old and damaged.stat().st_mtime_ns != old
    assert golden.integrity_problems(tmp_path) == []


def test_a_file_that_changes_while_it_is_accepted_stops_accept_and_loses_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a")})
    before = {p: p.read_bytes() for p in (tmp_path / paths.GOLDEN_ROOT).rglob("*") if p.is_file()}
    real_copyfile = golden.shutil.copyfile

    def copy_then_change(src, dst, *args, **kwargs):  # the generated file moves under accept
        real_copyfile(src, dst, *args, **kwargs)
        Path(dst).write_bytes(b"changed under accept")

    monkeypatch.setattr(golden.shutil, "copyfile", copy_then_change)
    source = tmp_path / paths.generated_dir(KERNEL, "a") / NAMES[0]
    with pytest.raises(RuntimeError) as info:
        golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a", b"new")})
    assert str(info.value) == f"{source} changed while it was being accepted"
    after = {p: p.read_bytes() for p in (tmp_path / paths.GOLDEN_ROOT).rglob("*") if p.is_file()}
    assert after == before, "the golden folder and manifest are as they were"
    assert [p.name for p in (tmp_path / paths.GOLDEN_ROOT / KERNEL).iterdir()] == ["a"], \
        "the staging folder is removed"


def test_remove_is_explicit_and_names_unknown_fixtures(tmp_path: Path) -> None:
    golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a"),
                             (KERNEL, "b"): generated(tmp_path, "b")})
    with pytest.raises(KeyError, match=f"not golden fixtures: {KERNEL}/zz"):
        golden.remove(tmp_path, [f"{KERNEL}/b", f"{KERNEL}/zz"])
    with pytest.raises(KeyError) as info:
        golden.remove(tmp_path / "empty", [f"{KERNEL}/x", f"{KERNEL}/a", f"{KERNEL}/y"])
    assert info.value.args[0] == (f"not golden fixtures: {KERNEL}/x, {KERNEL}/a, {KERNEL}/y "
                                  f"(golden fixtures in {paths.GOLDEN_MANIFEST}: none)")
    assert (tmp_path / paths.golden_dir(KERNEL, "b")).is_dir(), "nothing removed on error"
    shutil.rmtree(tmp_path / paths.golden_dir(KERNEL, "b"))  # already gone on disk: still fine
    removed = golden.remove(tmp_path, [f"{KERNEL}/b"])
    assert removed == sorted(f"{paths.golden_dir(KERNEL, 'b')}/{n}" for n in NAMES)
    assert golden.golden_fixtures(golden.read_manifest(tmp_path)) == {(KERNEL, "a")}


def test_golden_remove_command_reports_what_it_removed(tmp_path: Path, monkeypatch,
                                                      capsys) -> None:
    golden.accept(tmp_path, {(KERNEL, f): generated(tmp_path, f) for f in "abc"})
    monkeypatch.chdir(tmp_path)
    usage = "usage: python -m fixturepipe.golden remove <kernel>/<fixture> [...]\n"
    for argv in ([], ["remove"], ["delete", f"{KERNEL}/a"]):
        assert golden.main(argv) == 2
        assert capsys.readouterr() == ("", usage)
    assert golden.main(["remove", f"{KERNEL}/zz"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == (f"golden remove: nothing removed: not golden fixtures: "
                                 f"{KERNEL}/zz (golden fixtures in {paths.GOLDEN_MANIFEST}: "
                                 f"{KERNEL}/a, {KERNEL}/b, {KERNEL}/c)\n")
    assert golden.main(["remove", f"{KERNEL}/c", f"{KERNEL}/b", f"{KERNEL}/c"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.splitlines() == [
        f"golden remove: removed {KERNEL}/c ({len(NAMES)} files: {', '.join(sorted(NAMES))})",
        f"golden remove: removed {KERNEL}/b ({len(NAMES)} files: {', '.join(sorted(NAMES))})",
        f"golden remove: rewrote {paths.GOLDEN_MANIFEST}. Delete these fixtures from the config "
        "too (else the next accept adds them again), then `dvc commit golden` and commit "
        f"{paths.GOLDEN_MANIFEST} and dvc.lock.",
    ]
    assert not (tmp_path / paths.golden_dir(KERNEL, "b")).exists()
    assert golden.golden_fixtures(golden.read_manifest(tmp_path)) == {(KERNEL, "a")}
    monkeypatch.setattr(golden.sys, "argv", ["golden.py", "remove", f"{KERNEL}/a"])
    assert golden.main() == 0  # `python -m fixturepipe.golden remove ...`
    assert capsys.readouterr().out.startswith(f"golden remove: removed {KERNEL}/a (")
    assert golden.read_manifest(tmp_path) == {}


def test_integrity_names_altered_and_missing_files_with_both_hashes(tmp_path: Path) -> None:
    golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a")})
    folder = tmp_path / paths.golden_dir(KERNEL, "a")
    (folder / NAMES[0]).write_bytes(b"edited")
    (folder / NAMES[2]).unlink()
    problems = golden.integrity_problems(tmp_path)
    sums = golden.read_manifest(tmp_path)
    altered, missing = sorted(problems, key=lambda p: p.actual is None)
    rel0 = f"{paths.golden_dir(KERNEL, 'a')}/{NAMES[0]}"
    rel2 = f"{paths.golden_dir(KERNEL, 'a')}/{NAMES[2]}"
    assert (altered.path, altered.expected, altered.actual) == (
        rel0, sums[rel0], hashlib.sha256(b"edited").hexdigest())
    assert (missing.path, missing.actual) == (rel2, None)
    assert altered.sentence() == (
        f"{rel0} was altered: sha256 {altered.actual}, but {paths.GOLDEN_MANIFEST} expects "
        f"{sums[rel0]}; restore it with `dvc checkout` / `dvc pull`, or accept new bytes with "
        "`dvc repro`.")
    assert missing.sentence() == f"{rel2} is listed in {paths.GOLDEN_MANIFEST} but missing; " \
        "run `dvc pull`."


def test_golden_fixtures_reads_only_kernel_fixture_file_paths() -> None:
    sums = {f"{paths.GOLDEN_ROOT}/k/f/x.bin": "0", f"{paths.GOLDEN_ROOT}/k/loose.bin": "1",
            "artifacts/other/k/f/x.bin": "2", f"{paths.GOLDEN_ROOT}/k/g/sub/x.bin": "3"}
    assert golden.golden_fixtures(sums) == {("k", "f")}
    assert golden.read_manifest(Path("/nonexistent")) == {}


def test_require_present_lists_every_missing_golden_file_of_every_fixture(
    tmp_path: Path,
) -> None:
    (tmp_path / "here").write_text("")
    golden.require_present(tmp_path, ["here"])
    listed = [f"{paths.GOLDEN_ROOT}/k/{f}/{n}" for f in ("g", "h") for n in ("a.bin", "b.bin")]
    (tmp_path / paths.GOLDEN_MANIFEST).parent.mkdir(parents=True)
    (tmp_path / paths.GOLDEN_MANIFEST).write_text("".join(f"00  {p}\n" for p in listed))
    with pytest.raises(golden.GoldenMissingError) as info:
        golden.require_present(tmp_path, ["here", *listed[:2]])
    assert str(info.value) == (
        f"Golden fixture files listed in {paths.GOLDEN_MANIFEST} are missing (4 files of 2 "
        f"fixtures: {', '.join(listed)}). Run `dvc pull` to fetch them; nothing regenerates "
        "over golden files.")
    assert info.value.missing == listed


# -- reproduce -----------------------------------------------------------------------------------
def write_fixture(folder: Path, a: np.ndarray, ref: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fixture_io.write_inputs(folder, SPEC, FIX, {"a_strict": a})
    fixture_io.write_references(folder, SPEC, FIX, {"a_inv": ref})


def arrays(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    a = np.random.default_rng(seed).standard_normal((1, 64, 1, 64)).astype(np.float32)
    return a, np.eye(64, dtype=np.float32)[None, :, None, :].copy() + a * np.float32(0.5)


def test_identical_folders_reproduce(tmp_path: Path) -> None:
    a, ref = arrays()
    write_fixture(tmp_path / "gen", a, ref)
    write_fixture(tmp_path / "gold", a, ref)
    result = reproduce.reproduce(tmp_path / "gen", tmp_path / "gold", SPEC, FIX, {"max_ulp": 4})
    assert result["passed"] and result["failures"] == []
    assert [f["file"] for f in result["files"]] == NAMES
    assert all(f["identical"] for f in result["files"])
    assert result["files"][0]["generated_sha256"] == manifest.sha256_file(
        tmp_path / "gen" / NAMES[0])


def test_a_changed_input_names_file_elements_ulps_hashes_and_the_fix(tmp_path: Path) -> None:
    a, ref = arrays()
    write_fixture(tmp_path / "gold", a, ref)
    b = a.copy()
    b[0, 3, 0, 5] = np.nextafter(b[0, 3, 0, 5], np.float32(np.inf))
    b[0, 4, 0, 6] = np.nextafter(np.nextafter(b[0, 4, 0, 6], np.float32(9)), np.float32(9))
    b[0, 5, 0, 7] = np.nan
    write_fixture(tmp_path / "gen", b, ref)
    result = reproduce.reproduce(tmp_path / "gen", tmp_path / "gold", SPEC, FIX, {"max_ulp": 4})
    assert not result["passed"]
    (failure,) = result["failures"]
    gen_sha = manifest.sha256_file(tmp_path / "gen" / NAMES[0])
    gold_sha = manifest.sha256_file(tmp_path / "gold" / NAMES[0])
    assert failure == (
        f"{paths.generated_dir(KERNEL, 'f')}/{NAMES[0]} does not reproduce "
        f"{paths.golden_dir(KERNEL, 'f')}/{NAMES[0]}: 3 of 4096 elements differ, max 2 ULP "
        f"(1 of them non-finite) (generated sha256 {gen_sha}, golden sha256 {gold_sha}); "
        f"{reproduce.ACCEPT_HINT}")
    entry = result["files"][0]
    assert (entry["identical"], entry["drift"]) == (
        False, "3 of 4096 elements differ, max 2 ULP (1 of them non-finite)")
    assert "within_tolerance" not in entry


def test_a_reference_within_tolerance_reproduces_and_beyond_it_does_not(tmp_path: Path) -> None:
    a, ref = arrays()
    write_fixture(tmp_path / "gold", a, ref)
    near = ref.copy()
    near[0, 0, 0, 0] = np.nextafter(near[0, 0, 0, 0], np.float32(9))  # 1 ULP at |ref| ~ 1
    write_fixture(tmp_path / "gen", a, near)
    ok = reproduce.reproduce(tmp_path / "gen", tmp_path / "gold", SPEC, FIX, {"max_ulp": 4})
    assert ok["passed"], ok["failures"]
    entry = ok["files"][1]
    assert entry["file"] == NAMES[1] and not entry["identical"]
    assert entry["within_tolerance"] is True and entry["metrics"]["max_ulp"] <= 1
    strict = reproduce.reproduce(tmp_path / "gen", tmp_path / "gold", SPEC, FIX,
                                 {"max_abs": 0.0})
    assert not strict["passed"]
    assert strict["files"][1]["within_tolerance"] is False
    assert f"{NAMES[1]}: 1 of 4096 elements differ, max" in strict["failures"][0]


def test_a_changed_meta_is_compared_by_bytes(tmp_path: Path) -> None:
    a, ref = arrays()
    write_fixture(tmp_path / "gold", a, ref)
    write_fixture(tmp_path / "gen", a, ref)
    meta = tmp_path / "gen" / NAMES[2]
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "seed": "0x00000004"}))
    result = reproduce.reproduce(tmp_path / "gen", tmp_path / "gold", SPEC, FIX, {"max_ulp": 4})
    assert [f["file"] for f in result["files"] if not f["identical"]] == [NAMES[2]]
    assert result["files"][2]["drift"] == "a JSON file, compared by bytes only"
    assert len(result["failures"]) == 1 and NAMES[2] in result["failures"][0]


def test_a_truncated_golden_file_is_a_mismatch_not_a_crash(tmp_path: Path) -> None:
    a, ref = arrays()
    write_fixture(tmp_path / "gold", a, ref)
    write_fixture(tmp_path / "gen", a, ref)
    gold_ref = tmp_path / "gold" / NAMES[1]
    gold_ref.write_bytes(gold_ref.read_bytes()[:100])
    result = reproduce.reproduce(tmp_path / "gen", tmp_path / "gold", SPEC, FIX, {"max_ulp": 4})
    assert not result["passed"]
    entry = result["files"][1]
    assert entry["within_tolerance"] is False
    assert NAMES[1] in entry["metrics"]["error"], entry["metrics"]
    assert entry["drift"].startswith("not comparable element by element (")
    missing = tmp_path / "gold" / NAMES[0]
    missing.unlink()
    gone = reproduce.reproduce(tmp_path / "gen", tmp_path / "gold", SPEC, FIX, {"max_ulp": 4})
    assert gone["files"][0]["golden_sha256"] is None and not gone["files"][0]["identical"]


def test_accept_stages_hidden_folders_beside_the_target(tmp_path: Path, monkeypatch) -> None:
    """Staged and retired folders are hidden siblings of the fixture folder, so the swap is a
    rename on one filesystem and a crash leaves nothing that looks like a fixture."""
    golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a")})
    seen: list[Path] = []
    real_copyfile, real_replace = golden.shutil.copyfile, golden.os.replace

    def copyfile(src, dst, *args, **kwargs):
        seen.append(Path(dst).parent)
        return real_copyfile(src, dst, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        seen.append(Path(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(golden.shutil, "copyfile", copyfile)
    monkeypatch.setattr(golden.os, "replace", replace)
    monkeypatch.setattr(golden.tempfile, "tempdir", str(tmp_path / "no-such-dir"))
    golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a", b"2")})
    kernel_dir = tmp_path / paths.GOLDEN_ROOT / KERNEL
    staged = {p for p in seen if p.parent == kernel_dir and p.name != "a"}
    assert staged and all(p.name.startswith((".a.", ".a.old.")) for p in staged), seen
    assert any(p.name.startswith(".a.old.") for p in staged), "the old folder is retired by name"
    assert (kernel_dir / "a").stat().st_mode & 0o777 == 0o755


def test_integrity_is_checked_in_the_working_directory_by_default(tmp_path: Path,
                                                                   monkeypatch) -> None:
    golden.accept(tmp_path, {(KERNEL, "a"): generated(tmp_path, "a")})
    (tmp_path / paths.golden_dir(KERNEL, "a") / NAMES[0]).unlink()
    monkeypatch.chdir(tmp_path)
    assert [p.path for p in golden.integrity_problems()] == [
        f"{paths.golden_dir(KERNEL, 'a')}/{NAMES[0]}"]
    assert golden.read_manifest() == golden.read_manifest(tmp_path)


def test_an_unreadable_golden_input_still_lets_references_be_described(tmp_path: Path) -> None:
    a, ref = arrays()
    write_fixture(tmp_path / "gold", a, ref)
    write_fixture(tmp_path / "gen", a, ref + np.float32(1))
    gold_input = tmp_path / "gold" / NAMES[0]
    gold_input.write_bytes(gold_input.read_bytes()[:8])
    drift = reproduce.array_drift(tmp_path / "gen", tmp_path / "gold", SPEC, FIX)
    assert drift[NAMES[0]].startswith("not comparable element by element (")
    assert drift[NAMES[1]].startswith("4096 of 4096 elements differ, max ")


def test_nan_payload_changes_are_differences_with_no_ulp_distance(tmp_path: Path) -> None:
    a, ref = arrays()
    nan = np.full_like(a, np.nan)
    other = nan.view(np.uint32) | np.uint32(1)  # another quiet NaN payload
    write_fixture(tmp_path / "gold", nan, ref)
    write_fixture(tmp_path / "gen", other.view(np.float32), ref)
    drift = reproduce.array_drift(tmp_path / "gen", tmp_path / "gold", SPEC, FIX)
    assert drift[NAMES[0]] == "4096 of 4096 elements differ, max 0 ULP (4096 of them non-finite)"


def test_sums_keep_spaces_and_leading_letters_in_paths() -> None:
    text = f"{'a' * 64}  dir/two  spaces.bin\n{'b' * 64}  Xray.bin\n"
    assert manifest.parse_sums(text) == {"dir/two  spaces.bin": "a" * 64, "Xray.bin": "b" * 64}
