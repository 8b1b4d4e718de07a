"""The rule-script harness: the files JSON comes on stdin, as it outgrows one exec argument.

The commands go through Snakemake's own ``shell()``, which writes a command longer
than an exec argument to a script file, as it does for the rules, so the argument
Linux refuses is the one ``python`` would get, not bash's ``-c``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from snakemake.shell import shell

# Prints how many result files the script received and the first one's name.
BODY = (
    "from fixturepipe import rulescript\n"
    "rulescript.main(lambda smk: print(len(smk.input.results), smk.input.results[0]))"
)


def _files_json(count: int) -> str:
    """A files JSON naming ``count`` mutant results, as snakefile_support.files writes it."""
    results = [f"artifacts/mutants/k/results/mutant_{i:05d}_with_a_long_name.json"
               for i in range(count)]
    return json.dumps({"input": {"results": results}, "output": {}})


def _words(tmp_path: Path, files: str) -> dict[str, str]:
    """What the commands below format in: python, the body, job and files JSON, the log."""
    job = json.dumps({"rule": "mutant_matrix_k", "wildcards": {}, "params": {}})
    return {"python": sys.executable, "body": BODY, "job": job, "files": files,
            "log": str(tmp_path / "job.log")}


def test_files_json_beyond_an_exec_argument_arrives_on_stdin(tmp_path: Path) -> None:
    files = _files_json(6000)
    assert len(files) > 32 * 4096  # MAX_ARG_STRLEN: larger than one argument may be
    words = _words(tmp_path, files)
    out = shell("{python:q} -c {body:q} {log:q} {job:q} <<< {files:q}", read=True, **words)
    assert out.split() == ["6000", "artifacts/mutants/k/results/mutant_00000_with_a_long_name.json"]
    assert "rule mutant_matrix_k" in Path(words["log"]).read_text(encoding="utf-8")


def test_the_same_json_as_an_argument_is_refused_by_exec(tmp_path: Path) -> None:
    """Why the rules use stdin: as an argument, this JSON never reaches python."""
    words = _words(tmp_path, _files_json(6000))
    with pytest.raises(subprocess.CalledProcessError):
        shell("{python:q} -c {body:q} {log:q} {job:q} {files:q} 2> {log:q}.err", **words)
    err = Path(words["log"] + ".err").read_text(encoding="utf-8")
    assert "Argument list too long" in err


@pytest.mark.parametrize("stdin", ["", "\n"])
def test_no_files_json_on_stdin_is_a_usage_sentence(tmp_path: Path, stdin: str) -> None:
    words = _words(tmp_path, "")
    proc = subprocess.run([sys.executable, "-c", BODY, words["log"], words["job"]],
                          input=stdin, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "no files JSON on standard input" in proc.stderr
    assert "LOG JOB_JSON <<< FILES_JSON" in proc.stderr
