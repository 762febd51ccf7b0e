# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CONFIG ?= configs/henan-2025-zero-landfill.yaml

.PHONY: run test fuzz bench app sysdeps clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# Debian packages the browser tests and CJK rendering need (Chromium, Noto CJK fonts).
sysdeps:
	@bash scripts/sysdeps.sh

run: $(STAMP)
	$(PY) -m wasteopt solve $(CONFIG) --out runs/latest --force

test: $(STAMP) sysdeps
	$(PY) -m pytest -q

fuzz: $(STAMP)
	$(PY) -m pytest -q -m fuzz tests/test_fuzz.py tests/test_fuzz_data.py --run-fuzz

# the result CSVs in bench/results/ and docs/benchmarks.md are committed afterwards
bench: $(STAMP)
	$(PY) -m wasteopt bench all
	$(PY) -m wasteopt solve $(CONFIG) --out bench/results/whatif-base --force --no-progress --registry bench/results/registry.sqlite > /dev/null
	$(PY) -m wasteopt bench whatif $(CONFIG) --base bench/results/whatif-base --registry bench/results/registry.sqlite > bench/results/whatif.csv
	$(PY) -m wasteopt bench report --record

app: $(STAMP)
	$(PY) -m streamlit run app.py --server.headless true --server.address 127.0.0.1

clean:
	rm -rf $(VENV) runs/latest
