# Kirchhoff: the two commands of the README are `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 10
SHELL := /bin/bash
# ccache shares its cache between checkouts of the project (worktrees, CI clones).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
# Warnings are errors in the builds of `make test` (the project's own check);
# `make run`, `make install` and packagers' builds only warn.
WERROR ?= OFF
PREFIX ?= /usr/local

.PHONY: deps deps-test build web web-test run test unit asan format format-check fuzz bench \
	install package package-test clean

# $(call configure,DIR,BUILD_TYPE,extra cmake flags,environment): configures DIR
# when it is new or has another build type, and turns warnings-as-errors on in
# a build that has them off when WERROR=ON (never off again: that would only
# rebuild everything for nothing).
define configure
	@if [ ! -f $(1)/build.ninja ] \
	    || ! grep -qx 'CMAKE_BUILD_TYPE:STRING=$(2)' $(1)/CMakeCache.txt \
	    || { [ "$(WERROR)" = ON ] && ! grep -qx 'KIRCHHOFF_WERROR:BOOL=ON' $(1)/CMakeCache.txt; }; then \
	  $(4) cmake -S . -B $(1) -G Ninja -DCMAKE_BUILD_TYPE=$(2) -DKIRCHHOFF_WERROR=$(WERROR) $(3); \
	fi
endef

deps:
	@./tools/install-deps.sh

deps-test:
	@./tools/install-deps.sh --test

# The main build is the one people install: Release.
build: deps
	$(call configure,$(BUILD),Release)
	@cmake --build $(BUILD) -j $(JOBS)

# The dashboard: npm packages from the lock file, then a Vite build into web/dist.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

web/dist/index.html: web/node_modules/.package-lock.json web/index.html web/vite.config.ts \
		web/tsconfig.json $(wildcard web/src/*)
	cd web && npm run --silent build

web: deps web/dist/index.html

# Browser test: the real daemon and Debian's Chromium (screenshots in build/artifacts).
web-test: deps-test build web
	cd web && KIRCHHOFF=$(CURDIR)/$(BUILD)/kirchhoff node --test tests/ 2>&1 | tee ../$(BUILD)/web-test.log; \
	  exit $${PIPESTATUS[0]}

# The demo: the demo house on the simulator with the dashboard on http://127.0.0.1:8080.
run: build web
	@./$(BUILD)/kirchhoff describe examples/demo.yaml
	@echo "Starting kirchhoff on the demo house: open http://127.0.0.1:8080 (Ctrl-C stops it)"
	./$(BUILD)/kirchhoff run --data $(BUILD)/demo-data

# Every test: format check, the unit/scenario/fuzz-corpus tests, the same under
# ASan+UBSan, and a short libFuzzer run of every fuzz target.
test: WERROR = ON
test: format-check unit web-test package-test asan fuzz
	@./tools/test-summary.sh $(BUILD) $(ASAN_BUILD)

unit: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps-test
	$(call configure,$(ASAN_BUILD),Debug,-DKIRCHHOFF_SANITIZE=ON)
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Each fuzz target runs FUZZ_SECONDS from its seed corpus; new inputs go to a
# scratch directory so the committed corpus stays small and reviewed.
fuzz: deps
	$(call configure,$(FUZZ_BUILD),RelWithDebInfo,-DKIRCHHOFF_FUZZ=ON,CXX=clang++)
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	@./tools/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Installs the binary, the dashboard, the examples, the systemd unit and the
# default configuration under PREFIX (DESTDIR is honoured for staging).
install: build web
	cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package, built from the main build: $(BUILD)/kirchhoff_*.deb.
package: build web
	@cd $(BUILD) && cpack -G DEB >/dev/null && ls -1 $(CURDIR)/$(BUILD)/kirchhoff_*.deb

# The package's test: its contents and metadata, then its binary run from an
# extracted copy the way the systemd unit runs it (never installed here).
package-test: package
	@./tests/package_test.sh $(BUILD)

format:
	@git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' | xargs clang-format -i

format-check: deps
	@git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

bench: deps-test build
	@./tools/run-benchmarks.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
