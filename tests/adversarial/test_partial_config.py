"""Issue 9 case 4: a config that leaves golden fixtures out cannot PASS without saying so.

``--configfile extra.yaml`` replaces the fixture list and deleting an entry from
config.yaml drops one; either way verify reports the golden fixtures it did not
verify and fails, unless the run is declared partial (``--config partial=true``
or ``partial: true``), which the summary line then shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pipeline_project import KERNEL, fixture, make_project, snakemake, write_config

FIXTURES = [fixture("g1"), fixture("g2", seed=8)]


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("partial"), FIXTURES, backend="cpu")
    proc = snakemake(root, "-j2", "accept")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    extra = {"backend": "cpu", "fixtures": [fixture("extra", seed=9)]}
    (root / "extra.yaml").write_text(yaml.safe_dump(extra, sort_keys=False))
    return root


def test_configfile_with_one_new_fixture_fails_naming_the_unverified(accepted: Path) -> None:
    proc = snakemake(accepted, "-j2", "verify", "--configfile", "extra.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"2 golden fixture(s) in artifacts/golden.sha256 are not in the effective config, "
            f"so this run did not verify them: {KERNEL}/g1, {KERNEL}/g2.") in proc.stderr
    assert "--config partial=true" in proc.stderr
    assert "verify: FAIL (all 1 fixtures passed, but 1 problem(s) outside any fixture" \
        in proc.stderr


def test_deleting_a_fixture_from_the_config_fails(accepted: Path) -> None:
    write_config(accepted, FIXTURES[:1], backend="cpu")
    try:
        proc = snakemake(accepted, "-j2", "verify")
    finally:
        write_config(accepted, FIXTURES, backend="cpu")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"did not verify them: {KERNEL}/g2." in proc.stderr


def test_declared_partial_run_passes_and_says_so(accepted: Path) -> None:
    proc = snakemake(accepted, "-j2", "verify", "--configfile", "extra.yaml",
                     "--config", "partial=true")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (f"verify: PASS (1 fixtures; PARTIAL run: 2 golden fixture(s) not verified: "
            f"{KERNEL}/g1, {KERNEL}/g2;") in proc.stdout


def test_full_config_passes_without_a_partial_note(accepted: Path) -> None:
    proc = snakemake(accepted, "-j2", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verify: PASS (2 fixtures; report in" in proc.stdout
