# Kirchhoff: the two commands of the README are `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps build run test unit asan format format-check fuzz bench clean

deps:
	@./tools/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

# The demo: the demo house on the simulator, served on http://127.0.0.1:8080.
run: build
	@./$(BUILD)/kirchhoff describe examples/demo.yaml
	@echo "Starting kirchhoff on the demo house: http://127.0.0.1:8080/api/v1/health (Ctrl-C stops it)"
	./$(BUILD)/kirchhoff run --data $(BUILD)/demo-data

# Every test: format check, the unit/scenario/fuzz-corpus tests, the same under
# ASan+UBSan, and a short libFuzzer run of every fuzz target.
test: format-check unit asan fuzz
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

bench: build
	@./tools/run-benchmarks.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
