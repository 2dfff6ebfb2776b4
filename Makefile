# One entry point: `make test` builds everything from nothing but the machine's
# toolchain and the package registries, then runs every check; `make bench` builds
# release and runs the peer comparisons in benches/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Pinned sdists downloaded once from PyPI and kept between runs.
export SDISTILL_TEST_DATA ?= $(HOME)/.cache/sdistill-test-data

.PHONY: test bench develop release venv fixtures lint rust-test py-test clean realworld

$(VENV)/.stamp: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

develop: venv
	$(BIN)/maturin develop --quiet

release: venv
	$(BIN)/maturin develop --quiet --release

fixtures: venv
	$(PY) tests/fixtures/fetch.py --quiet --group tests
	$(PY) tests/fixtures/fetch.py --quiet --group corpus
	$(PY) tests/fixtures/wheelhouse.py --quiet
	$(PY) tests/fixtures/wheelhouse.py --quiet --set corpus

lint: develop
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(BIN)/ruff check python tests benches
	$(BIN)/ruff format --check python tests benches
	$(BIN)/mypy --strict python
	$(PY) -m mypy.stubtest sdistill._core --allowlist stubtest-allowlist.txt

rust-test:
	cargo test --workspace

py-test: develop fixtures
	$(BIN)/pytest -q

test: lint rust-test py-test

bench: release
	$(PY) -m pip install --quiet -r benches/requirements.txt
	$(PY) tests/fixtures/fetch.py --group bench
	$(PY) benches/run.py

# Not part of `test`: needs the package index and takes minutes. The cache is kept in
# realworld/.cache between runs; REALWORLD_ARGS adds options (e.g. --only six --runs 3).
realworld: develop
	$(PY) realworld/check.py --jobs 2 --cache-dir realworld/.cache/sdistill $(REALWORLD_ARGS)

clean:
	rm -rf $(VENV) target
