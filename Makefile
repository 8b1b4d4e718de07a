# Two entry points for a fresh clone; each installs what it needs into .venv.
#   make verify   install, fetch the golden fixtures (dvc pull), run snakemake -j4 verify
#   make test     install (Python packages, then the Debian ones the tests start), run the tests
#   make mutation-self  mutmut on our own verdict-deciding Python (not part of test;
#                 docs/self_mutation.md); score and time go to BENCHMARKS.md
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: install verify test lint mutation-self

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

verify: $(STAMP)
	$(VENV)/bin/dvc pull
	$(VENV)/bin/snakemake -j4 verify

# tests/system_packages.py first: one apt-get for the Debian programs the tests start
# (qemu, Slurm, sshd, Chromium), instead of xdist workers racing for apt's lock.
test: $(STAMP)
	$(VENV)/bin/python tests/system_packages.py
	$(VENV)/bin/python -m pytest -n 2

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/snakemake --lint

mutation-self: $(STAMP)
	$(VENV)/bin/python bench/self_mutation.py --jobs 2
