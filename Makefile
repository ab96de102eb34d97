# geventgo: `make bench` (the main job) and `make test` each do their own
# set-up on a fresh Debian 12 machine as root: apt packages (make deps), the
# vendored libev 4.33 (make libev) and Go modules (fetched by go itself).

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

# A plain `go build` links the system's libev (libev-dev); everything this
# Makefile builds, tests, vets, fuzzes, cross-checks and benchmarks uses the
# pinned libev 4.33 compiled in statically (build tag libev_static) instead.
# Through GOFLAGS, so that the go commands benchreport runs get the tag too;
# SYSTEM_GOFLAGS is the caller's own, for the steps that check the default.
SYSTEM_GOFLAGS := $(GOFLAGS)
export GOFLAGS := $(strip $(GOFLAGS) -tags=libev_static)

# What the build, the cross-checks and the bench report need from Debian
# (linux-perf: perf stat counts the bench servers' system calls; wrk: the
# load generator of the HTTP server rows).
APT_PACKAGES := gcc libc6-dev make dpkg-dev ca-certificates python3-gevent python3-greenlet libev-dev librsvg2-bin linux-perf wrk

# Short fuzz runs that are part of `make test`; see README for longer runs.
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# fail a clean run with "context deadline exceeded" when a worker is still
# busy at the deadline (a fault of the Go toolchain, not of the target); it
# did so here on a loaded machine. 10000 inputs take 3-10 s per target.
FUZZTIME ?= 10000x

.PHONY: all deps libev build vet test test-race test-cgocheck test-plain test-system test-nolibev test-adopt fuzz crosscheck bench bench-quick bench-compare soak clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(GO) >/dev/null || { echo "make deps: Go 1.26 is required at /usr/local/go/bin or on PATH" >&2; exit 1; }

libev: deps
	@sh libev/fetch.sh

build: libev
	$(GO) build ./...

vet: libev
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

test-race: libev
	$(GO) test -race -count=1 ./...

# cgocheck2 checks every pointer passed to and stored by C: cev itself, and
# the packages whose tests drive cev watchers hardest.
test-cgocheck: libev
	GOEXPERIMENT=cgocheck2 $(GO) test -count=1 ./cev/ ./internal/faults/ ./scheduler/ ./socket/ ./gsignal/ ./subprocess/

# What the race detector hides or cannot see: the greenlet memory target (the
# detector doubles coroutine stacks) and that a binary built here carries
# libev statically (ldd shows no libev.so).
test-plain: libev
	set -o pipefail; $(GO) test -count=1 -run 'Memory' -v ./greenlet/ | grep -E '^(---|ok|FAIL)|per suspended'
	@dir=$$(mktemp -d) && $(GO) build -o $$dir/echo ./examples/echo && \
	if ldd $$dir/echo | grep -i libev; then echo "test-plain: examples/echo links libev dynamically" >&2; rm -rf $$dir; exit 1; fi; \
	echo "test-plain: ldd examples/echo shows no libev"; rm -rf $$dir

# The default build (no tags): every package's tests on Debian's libev-dev
# (its loop hides what the embedded one shows, e.g. the timers cev_may_block
# reads), and a binary built that way links libev.so.
test-system: deps
	GOFLAGS='$(SYSTEM_GOFLAGS)' $(GO) vet ./cev/
	GOFLAGS='$(SYSTEM_GOFLAGS)' $(GO) test -count=1 ./...
	@dir=$$(mktemp -d) && GOFLAGS='$(SYSTEM_GOFLAGS)' $(GO) build -o $$dir/echo ./examples/echo && \
	if ! ldd $$dir/echo | grep -q 'libev\.so'; then echo "test-system: a plain build of examples/echo does not link libev.so" >&2; rm -rf $$dir; exit 1; fi; \
	echo "test-system: ldd examples/echo (plain build) shows libev.so"; rm -rf $$dir

# Without a usable libev (no ev.h, the tag without make libev, another
# version, a feature compiled out) cev's build stops at one error saying
# what to do; .ci/nolibev.sh says how ev.h is hidden from gcc.
test-nolibev: deps
	env -u GOFLAGS GO=$(GO) bash .ci/nolibev.sh

# A module outside the repository (.ci/adopt) adds geventgo through a
# replace to a read-only copy of its tracked files, then go mod tidy, plain
# go build, go vet and a run; nothing may be written into the copy.
test-adopt: deps
	env -u GOFLAGS GO=$(GO) bash .ci/adopt.sh

fuzz: libev
	@for target in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$target\(" --include='*_test.go' . | head -1 | xargs dirname); \
		echo "fuzz $$pkg $$target ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	done

crosscheck: libev
	$(GO) run ./internal/crosscheck/cmd

test: vet test-race test-cgocheck test-plain test-system test-nolibev test-adopt fuzz crosscheck

bench: libev
	$(GO) run ./bench/cmd/benchreport

bench-quick: libev
	$(GO) run ./bench/cmd/benchreport -quick

# The A/B of a speed change: OLD (required) against the working tree, or
# against NEW; PKGS (comma-separated, e.g. ./scheduler/) with BENCH (a
# -test.bench pattern), PROGRAMS (bench/geventgo names) and/or HTTP (the
# HTTP server's -impl values: ghttp, shared), run COUNT
# times each, interleaved; benchstat prints the deltas. docs/bench.md.
bench-compare: libev
	@test -n "$(OLD)" || { echo "usage: make bench-compare OLD=<rev> [NEW=<rev>] [PKGS=./scheduler/ BENCH=regexp] [PROGRAMS=greenlet_switch,echo] [HTTP=ghttp,shared] [COUNT=8]" >&2; exit 2; }
	$(GO) run ./bench/cmd/benchcompare -old '$(OLD)' $(if $(NEW),-new '$(NEW)') $(if $(PKGS),-pkgs '$(PKGS)') $(if $(BENCH),-bench '$(BENCH)') $(if $(PROGRAMS),-programs '$(PROGRAMS)') $(if $(HTTP),-http '$(HTTP)') $(if $(COUNT),-count $(COUNT))

# Long-running checks that memory and goroutines return to their baseline;
# not part of `make test`.
soak: libev
	$(GO) test -tags soak,libev_static -run Soak -timeout 30m -v ./internal/soak/

clean:
	rm -rf libev/libev-4.33 libev/.apt internal/crosscheck/.build bench/.build
