# Kirchhoff: the two commands of the README are `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
SHELL := /bin/bash
# ccache shares its cache between checkouts of the project (worktrees, CI clones).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps deps-test build web web-test run test unit asan format format-check fuzz bench clean

deps:
	@./tools/install-deps.sh

deps-test:
	@./tools/install-deps.sh --test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
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
test: format-check unit web-test asan fuzz
	@./tools/test-summary.sh $(BUILD) $(ASAN_BUILD)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DKIRCHHOFF_SANITIZE=ON

asan: deps $(ASAN_BUILD)/build.ninja
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

$(FUZZ_BUILD)/build.ninja:
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(CMAKE_FLAGS) -DKIRCHHOFF_FUZZ=ON

# Each fuzz target runs FUZZ_SECONDS from its seed corpus; new inputs go to a
# scratch directory so the committed corpus stays small and reviewed.
fuzz: deps $(FUZZ_BUILD)/build.ninja
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	@./tools/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	@git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' | xargs clang-format -i

format-check: deps
	@git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

bench: deps-test build
	@./tools/run-benchmarks.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
