"""The verify report in HTML (issue 12 items 1, 4, 5), opened in headless Chromium.

One real ``snakemake verify`` with a passing fixture and a kernel with a head-stride bug:
report.html must load with no console error, show the verdict grid and every figure of
the failing fixture; the passing fixture's figures sit in a closed section.  Also the
Snakemake report (``--report``) and the DVC metrics file of the same run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from browser import check_page
from kernel_variants import add_variant
from pipeline_project import REPO, VENV_BIN, fixture, make_project, snakemake

LOAD = "a_strict[base + i * row_stride + j]"
HEAD_STRIDE = [(LOAD, "a_strict[base + (size_t(head % 2) - size_t(head)) * BT + i * row_stride"
                      " + j]")]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("report"), [
        fixture("good"),
        fixture("heads", kernel="head_stride", sizes={"B": 1, "T": 64, "H": 4, "BT": 64}),
    ])
    add_variant(root, "head_stride", HEAD_STRIDE)
    proc = snakemake(root, "-j2", "--keep-going", "verify")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return root


def test_report_html_shows_grid_and_every_figure_of_the_failing_fixture(project: Path) -> None:
    page = project / "artifacts/verify/report.html"
    html = page.read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html
    section = "#fx-head_stride-heads"
    value: dict[str, Any] = check_page(page, "#grid", f"{section} figure img",
                                       "verify_report.png")
    kinds = sorted(img["alt"].split(":")[0] for img in value["figures"])
    assert kinds == ["a_inv"] * 3  # block map, worst block, histogram (no non-finite)
    assert 'href="#fx-head_stride-heads"' in html
    assert "head 2 holds head 0&#x27;s result" in html
    # The passing fixture's figures are there but collapsed.
    good = html[html.index('id="fx-chunk_tri_solve_invert-good"'):]
    assert "<details><summary>a_inv: figures</summary>" in good.split("</section>")[0]


def test_no_op_verify_redraws_no_figure(project: Path) -> None:
    figures = sorted((project / "artifacts/verify/figures").rglob("*.png"))
    stamps = {p: p.stat().st_mtime_ns for p in figures}
    proc = snakemake(project, "-j2", "verify")
    assert proc.returncode == 1
    assert {p: p.stat().st_mtime_ns for p in figures} == stamps


def test_dvc_metrics_show_reads_the_metrics_file(project: Path) -> None:
    metrics = json.loads((project / "artifacts/verify/metrics.json").read_text())
    assert set(metrics) == {"chunk_tri_solve_invert/good", "head_stride/heads"}
    assert metrics["head_stride/heads"]["max_ulp"] > 4 >= metrics[
        "chunk_tri_solve_invert/good"]["max_ulp"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([str(VENV_BIN / "dvc"), "init", "-q"], cwd=project, check=True)
    shutil.copy(REPO / "dvc.yaml", project / "dvc.yaml")  # its `metrics:` names the file
    shown = subprocess.run([str(VENV_BIN / "dvc"), "metrics", "show", "--json"], cwd=project,
                           capture_output=True, text=True, check=True).stdout
    assert "head_stride/heads" in shown and "rel_rms" in shown


def test_snakemake_report_includes_the_verify_report_and_figures(project: Path) -> None:
    proc = snakemake(project, "--report", "snakemake-report.zip")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(project / "snakemake-report.zip") as z:
        names = z.namelist()
    files = [n.rsplit("/", 1)[-1] for n in names]
    assert "report.html" in files and "metrics.json" in files, names
    # One block map per fixture output (good, heads); the failing one also in its own page.
    assert files.count("a_inv.block_map.png") == 2, names
