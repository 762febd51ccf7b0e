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
	$(PY) -m pip install -q -e '.[test,bench]'
	@touch $@

# Debian packages the browser tests and CJK rendering need (Chromium, Noto CJK fonts).
sysdeps:
	@bash scripts/sysdeps.sh

run: $(STAMP)
	$(PY) -m wasteopt solve $(CONFIG) --out runs/latest --force

# the tests, then the quick bench subset (about two minutes) checked against its recorded rows in
# bench/results/history.csv: a lost plan or a regression beyond noise fails (docs/benchmarks.md)
test: $(STAMP) sysdeps
	$(PY) -m pytest -q
	$(PY) -m wasteopt bench all --quick --check

fuzz: $(STAMP)
	$(PY) -m pytest -q -m fuzz tests/test_fuzz.py tests/test_fuzz_data.py --run-fuzz

# the result CSVs in bench/results/ and docs/benchmarks.md are committed afterwards; a regression against the
# last recorded rows stops before recording (accept it on purpose with `wasteopt bench report --record`)
bench: $(STAMP)
	$(PY) -m wasteopt bench all
	$(PY) -m wasteopt bench decomposed --nodes 2000 --sites 200 --blocks 4 --time-limit 120 > bench/results/decomposed.csv
	$(PY) -m wasteopt solve $(CONFIG) --out bench/results/whatif-base --force --no-progress --registry bench/results/registry.sqlite > /dev/null
	$(PY) -m wasteopt bench whatif $(CONFIG) --base bench/results/whatif-base --registry bench/results/registry.sqlite > bench/results/whatif.csv
	$(PY) -m wasteopt bench report --check
	$(PY) -m wasteopt bench report --record

app: $(STAMP)
	$(PY) -m streamlit run app.py --server.headless true --server.address 127.0.0.1

clean:
	rm -rf $(VENV) runs/latest
