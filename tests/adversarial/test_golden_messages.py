"""Issue 9 case 8 (golden-set part): messages about golden.sha256, dvc.lock and the remote.

Real DVC and Snakemake on fresh clones: a wrong golden.sha256 alone is not
"0 of N fixtures failed"; a hash edited in golden.sha256 blames the manifest,
not the intact .bin; a corrupted object in the remote is named, so `dvc pull`
is not suggested in a loop; missing golden files are listed for every fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from dvc_clone import (
    DVC,
    GOLDEN_MANIFEST,
    GOLDEN_ROOT,
    SNAKEMAKE,
    flip_one_bit,
    fresh_clone,
    restrict_fixtures,
    run,
    store_objects,
)

KERNEL = "chunk_tri_solve_invert"
ZEROS_REF = f"{GOLDEN_ROOT}/{KERNEL}/zeros/{KERNEL}_a_inv_ref.bin"


@pytest.fixture(scope="module")
def pulled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = fresh_clone(tmp_path_factory.mktemp("golden_messages") / "repo")
    run([DVC, "pull"], clone)
    restrict_fixtures(clone, {"zeros"})  # a ~3 s verify; declared partial
    return clone


@pytest.fixture
def pulled(pulled_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pulled_template, tmp_path / "repo", symlinks=True))


def test_manifest_only_problem_is_not_zero_of_n_failed(pulled: Path) -> None:
    manifest = pulled / GOLDEN_MANIFEST
    manifest.write_text(manifest.read_text() + "\n")  # differs from dvc.lock
    proc = run([SNAKEMAKE, "-j2", "verify"], pulled, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL artifacts/golden.sha256 does not match dvc.lock" in proc.stderr
    assert "verify: FAIL (all 1 fixtures passed, but 1 problem(s) outside any fixture" \
        in proc.stderr
    assert "0 of 1 fixtures failed" not in proc.stderr


def test_hash_edited_in_the_manifest_blames_the_manifest_not_the_file(pulled: Path) -> None:
    text = (pulled / GOLDEN_MANIFEST).read_text()
    line = next(ln for ln in text.splitlines() if ln.endswith(ZEROS_REF))
    real = line.split("  ")[0]
    forged = ("0" if real[0] != "0" else "1") + real[1:]
    (pulled / GOLDEN_MANIFEST).write_text(text.replace(line, f"{forged}  {ZEROS_REF}"))
    proc = run([SNAKEMAKE, "-j2", "verify"], pulled, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"FAIL {KERNEL}/zeros (cpu): artifacts/golden.sha256 was edited: it lists sha256 "
            f"{forged} for {ZEROS_REF}, but that file (sha256 {real}) is the one dvc.lock pins; "
            "restore the manifest with `git checkout -- artifacts/golden.sha256`.") in proc.stderr
    assert f"{ZEROS_REF} was altered" not in proc.stderr


def test_corrupted_remote_object_is_named_instead_of_another_dvc_pull(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "repo")
    obj = store_objects(clone)[f"{KERNEL}/zeros/{KERNEL}_a_inv_ref.bin"]
    flip_one_bit(obj)
    assert run([DVC, "pull"], clone, check=False).returncode != 0
    restrict_fixtures(clone, {"zeros"})

    proc = run([SNAKEMAKE, "-j2", "verify"], clone, check=False)

    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    shown = obj.relative_to(clone).as_posix()
    assert (f"The DVC object {shown} (for {ZEROS_REF}) is corrupted: its md5 is ") in out, out
    assert "so `dvc pull` cannot restore" in out


def test_missing_golden_message_lists_every_fixtures_files(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "repo")  # no `dvc pull`: the whole golden set is absent
    proc = run([SNAKEMAKE, "-n", "verify"], clone, check=False)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    fixtures = [(f["kernel"], f["name"]) for f in yaml.safe_load(
        (clone / "config/config.yaml").read_text())["fixtures"] if f.get("backend") != "metal"]
    assert len(fixtures) >= 8
    for kernel, name in fixtures:
        files = [f"{kernel}_meta.json"]  # every fixture folder has one, whatever its kernel
        if kernel == KERNEL:
            files += [f"{KERNEL}_input_a_strict.bin", f"{KERNEL}_a_inv_ref.bin"]
        for file in files:
            assert f"{GOLDEN_ROOT}/{kernel}/{name}/{file}" in out, f"{name} not listed:\n{out}"
    assert "Run `dvc pull` to fetch them" in out
