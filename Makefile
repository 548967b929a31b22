# vaesweep — build, test and run. On a fresh Debian machine (as root) `make test` and `make run`
# are the only commands needed: both install the system packages first (`deps`) and build.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)/vaesweep
BENCH := .build/$(CONFIG)/vaesweep-bench
NP ?= $(shell nproc)
SPEC ?= cluster/specs/default.toml
OUT ?= results/default.h5
FIGURES ?= results/figures

APT_PACKAGES := libopenmpi-dev openmpi-bin libopenblas-dev libhdf5-dev hdf5-tools pkg-config librsvg2-bin
PIP_PACKAGES := xarray h5netcdf h5py

# One BLAS thread per MPI rank; Open MPI refuses root without these.
export OPENBLAS_NUM_THREADS ?= 1
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
export OMPI_MCA_btl_vader_single_copy_mechanism := none

.PHONY: deps deps-python build test test-swift test-cluster run bench validate clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: system packages present"; fi

# Python readers for the downstream-analysis tests (xarray with the h5netcdf engine, h5py).
deps-python:
	@python3 -c "import xarray, h5netcdf, h5py" 2>/dev/null || python3 -m pip install -q $(PIP_PACKAGES)

build: deps
	$(SWIFT) build -c $(CONFIG)

# Unit and integration tests (release build: the numerics tests train real models), then the
# SLURM tests on private clusters (one node; two nodes in network namespaces) brought up and
# torn down by cluster/local.
test: deps build deps-python
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build
	VAESWEEP=$(BIN) bash cluster/tests/run-slurm-tests.sh
	VAESWEEP=$(BIN) bash cluster/tests/run-slurm-multinode-tests.sh

# The main job on the built-in default sweep, on every local core.
run: deps build
	@mkdir -p $(dir $(OUT)) $(FIGURES)
	mpirun -np $(NP) --oversubscribe --bind-to none $(BIN) run $(SPEC) --output $(OUT)
	$(BIN) plot $(OUT) --out $(FIGURES)
	$(BIN) summary $(OUT)
	@echo "results: $(OUT)   figures: $(FIGURES)/"

bench: deps build
	$(BENCH) all

validate: deps build
	$(BENCH) validate

clean:
	rm -rf .build results
