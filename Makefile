# pdekit — see README.md. `make run` and `make test` work on a fresh Debian machine with Swift.
SHELL := /bin/bash
SWIFT ?= swift
PROBLEM ?= problems/poisson2d.toml
DEBIAN_PACKAGES := libsuitesparse-dev libfftw3-dev libopenblas-dev liblapacke-dev pkg-config openmpi-bin librsvg2-bin libhdf5-dev libpetsc-real3.18-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: deps build release run test test-slurm slurm-deps fuzz bench bench-deps clean

# Installs the C libraries when any is missing (idempotent; root or sudo).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import numpy, scipy, vtk, h5py, wheel" 2>/dev/null || python3 -m pip install -q numpy scipy vtk h5py wheel

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product pdekit
	$(SWIFT) build -c release --product pdekit-petsc

run: release
	$(RELEASE_BIN)/pdekit run $(PROBLEM)

# Ends with "N passed, N failed", counted from XCTest's xUnit report (swift test's own last line
# is the empty Swift Testing pass, which says nothing about the XCTest results).
test: deps
	$(SWIFT) build --build-tests
	@rm -f .build/test-results.xml; status=0; $(SWIFT) test --skip-build --parallel --num-workers 2 --xunit-output .build/test-results.xml || status=$$?; \
	python3 -c "import sys, xml.etree.ElementTree as E; cs = list(E.parse(sys.argv[1]).iter('testcase')); \
	bad = sum(1 for c in cs if c.find('failure') is not None or c.find('error') is not None); \
	print(f'{len(cs) - bad} passed, {bad} failed')" .build/test-results.xml || status=1; \
	exit $$status

# A sweep as a Slurm job array on a one-node cluster brought up on this machine (slurm/test.sh);
# not part of `make test` (see docs/scale-out.md).
slurm-deps:
	@$(MAKE) --no-print-directory deps DEBIAN_PACKAGES="slurmctld slurmd slurm-client munge"

test-slurm: slurm-deps build
	slurm/test.sh

# Longer seeded fuzzing than make test's (same tests, another seed, SCALE times the inputs);
# failing inputs are kept in fuzz/reproducers/. Example: make fuzz SEED=7 SCALE=20
SEED ?= 1
SCALE ?= 10
fuzz: deps
	$(SWIFT) build --build-tests
	PDEKIT_FUZZ_SEED=$(SEED) PDEKIT_FUZZ_SCALE=$(SCALE) PDEKIT_FUZZ_REPRODUCERS=$(CURDIR)/fuzz/reproducers \
	  $(SWIFT) test --skip-build --filter FuzzTests

# Peers for the benchmarks (PETSc/hypre via Debian's petsc4py, PyAMG, ...).
bench-deps: deps
	bench/install_peers.sh

bench: bench-deps
	$(SWIFT) build -c release --product pdekit-bench
	$(SWIFT) build -c release --product pdekit
	$(SWIFT) build -c release --product pdekit-petsc
	bench/bench.sh

clean:
	rm -rf .build outputs/*/ bench/work
