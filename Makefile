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

.PHONY: test bench develop release venv fixtures lint rust-test py-test clean realworld fuzz

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
	$(PY) tests/fixtures/git_lfs.py --quiet

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

# Not part of `test`: the fuzz targets (fuzz/fuzz_targets, cargo-fuzz on nightly, installed
# when missing), each run for FUZZ_SECONDS one after another from its seed corpus
# (fuzz/corpus/<target>); what a run finds goes to fuzz/work/<target>, crashes to
# fuzz/artifacts. FUZZ_TARGETS chooses targets, FUZZ_ARGS adds libFuzzer options.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(sort $(basename $(notdir $(wildcard fuzz/fuzz_targets/*.rs))))
fuzz:
	cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	cd fuzz && cargo +nightly fuzz build
	@set -e; for target in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/work/$$target; \
	  echo "== $$target: $(FUZZ_SECONDS) s (log: fuzz/work/$$target.log)"; \
	  if (cd fuzz && LSAN_OPTIONS=suppressions=$(CURDIR)/fuzz/lsan.supp \
	      cargo +nightly fuzz run $$target work/$$target corpus/$$target -- \
	      -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_ARGS)) \
	      >fuzz/work/$$target.log 2>&1; then \
	    grep -E '^#[0-9]+.*DONE|^Done|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
	      fuzz/work/$$target.log; \
	  else \
	    tail -n 60 fuzz/work/$$target.log; echo "== $$target FAILED"; exit 1; \
	  fi; \
	done

clean:
	rm -rf $(VENV) target
