# vaesweep — build, test and run. On a fresh Debian machine (as root) `make test` and `make run`
# are the only commands needed: both install the system packages first (`deps`) and build.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
# MPI family: openmpi (default) or mpich (MPICH ABI: also Intel MPI, MVAPICH, Cray MPICH). Each
# builds into its own directory, so both coexist; Package.swift reads VAESWEEP_MPI.
MPI ?= openmpi
ifeq ($(MPI),openmpi)
  SCRATCH := .build
  MPIEXEC = $(shell command -v mpirun.openmpi || echo mpirun) -np $(NP) --oversubscribe --bind-to none
else ifeq ($(MPI),mpich)
  SCRATCH := .build-mpich
  MPIEXEC = $(shell command -v mpiexec.mpich || echo mpiexec) -n $(NP)
else
  $(error MPI=$(MPI): expected openmpi or mpich)
endif
export VAESWEEP_MPI := $(MPI)
SWIFTPM := --scratch-path $(SCRATCH)
BIN := $(SCRATCH)/$(CONFIG)/vaesweep
BENCH := $(SCRATCH)/$(CONFIG)/vaesweep-bench
NP ?= $(shell nproc)
SPEC ?= cluster/specs/default.toml
OUT ?= results/default.h5
# The exact-law companion sweep (data = "bidiagonal", N up to 10⁵, 20 replicates), validated too.
SPEC_LARGEN ?= cluster/specs/default-largeN.toml
OUT_LARGEN ?= results/default-largeN.h5
RUNFLAGS ?=
FIGURES ?= results/figures
VALIDATION ?= results/validation.h5
VALIDATION_LARGEN ?= results/validation-largeN.h5
# Synthetic sweeps of each run's design drawn from the exact finite-N law (the bidiagonal sampler,
# MODEL.md §8: microseconds per data set), for the report's "a correct theory gives" line
# (MODEL.md §7 step 8). CALIBRATE=0: none (the report then says it is not calibrated).
CALIBRATE ?= 200
# The companion's design is 25× larger (N up to 10⁵, 20 replicates): ≈ 2 s of one core per sweep.
CALIBRATE_LARGEN ?= 20

APT_PACKAGES := libopenblas-dev libhdf5-dev hdf5-tools pkg-config librsvg2-bin
APT_openmpi := libopenmpi-dev openmpi-bin
APT_mpich := libmpich-dev mpich
# `make deps` installs the chosen family; the tests run under both (run-mpich-tests.sh).
DEPS_MPI := $(if $(filter test,$(MAKECMDGOALS)),$(APT_openmpi) $(APT_mpich),$(APT_$(MPI)))
PIP_PACKAGES := xarray h5netcdf h5py

# One BLAS thread per MPI rank; Open MPI refuses root without these.
export OPENBLAS_NUM_THREADS ?= 1
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
export OMPI_MCA_btl_vader_single_copy_mechanism := none

.PHONY: deps deps-python build test test-swift test-cluster run bench validate clean

deps:
	@missing=""; for p in $(APT_PACKAGES) $(DEPS_MPI); do \
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
	$(SWIFT) build -c $(CONFIG) $(SWIFTPM)

# Unit and integration tests (release build: the numerics tests train real models), then the
# SLURM tests on private clusters (one node; two nodes in network namespaces) brought up and
# torn down by cluster/local, then the cross-family tests (MPICH self-test and sweep == Open MPI
# sweep). With MPI=mpich the Swift suite is built against MPICH and InteropTests launch with
# mpiexec.mpich; the suites that start `vaesweep run` under mpirun and the SLURM tests launch
# Open MPI's mpirun / srun --mpi=pmix, so they run only in the Open MPI build.
test: deps build deps-python
	$(SWIFT) build -c $(CONFIG) $(SWIFTPM) --build-tests
	$(SWIFT) test -c $(CONFIG) $(SWIFTPM) --skip-build $(if $(filter mpich,$(MPI)),--skip SweepRunTests --skip GrowingStudyTests --skip OutputSafetyTests)
	$(if $(filter openmpi,$(MPI)),VAESWEEP=$(BIN) bash cluster/tests/run-slurm-tests.sh)
	$(if $(filter openmpi,$(MPI)),VAESWEEP=$(BIN) bash cluster/tests/run-slurm-multinode-tests.sh)
	CONFIG=$(CONFIG) bash cluster/tests/run-mpich-tests.sh

# The main job on the built-in default sweep, on every local core: the explicit-data sweep, then
# its exact-law companion at large N (data = "bidiagonal"); each plotted, summarised and validated.
run: deps build
	@mkdir -p $(dir $(OUT)) $(dir $(OUT_LARGEN)) $(FIGURES) $(FIGURES)/large-N
	$(MPIEXEC) $(BIN) run $(SPEC) --output $(OUT) $(RUNFLAGS)
	$(MPIEXEC) $(BIN) run $(SPEC_LARGEN) --output $(OUT_LARGEN) $(RUNFLAGS)
	$(BIN) plot $(OUT) --out $(FIGURES)
	$(BIN) plot $(OUT_LARGEN) --out $(FIGURES)/large-N
	$(BIN) validate $(OUT) --calibrate $(CALIBRATE) --out $(VALIDATION) --overwrite > /dev/null   # its report: the summary below
	$(BIN) validate $(OUT_LARGEN) --calibrate $(CALIBRATE_LARGEN) --out $(VALIDATION_LARGEN) --overwrite > /dev/null
	$(BIN) summary $(OUT) $(if $(filter-out 0,$(CALIBRATE)),--calibration $(VALIDATION),--calibrate 0)
	@echo
	$(BIN) summary $(OUT_LARGEN) $(if $(filter-out 0,$(CALIBRATE_LARGEN)),--calibration $(VALIDATION_LARGEN),--calibrate 0)
	@echo "results: $(OUT), $(OUT_LARGEN)   validation: $(VALIDATION), $(VALIDATION_LARGEN)   figures: $(FIGURES)/, $(FIGURES)/large-N/"

bench: deps build
	$(BENCH) all

validate: deps build
	$(BENCH) validate

clean:
	rm -rf .build .build-mpich results
