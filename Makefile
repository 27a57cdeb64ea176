# Thin wrapper over CMake (as neovim does).  Every target sets itself up.
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS ?= 2
CTEST_ARGS ?=

.PHONY: all setup build build-asan test test-asan demo lab bench fuzz format clean

all: build

setup:
	@scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYTK_WERROR=ON
	cmake --build $(BUILD) -j$(JOBS)

build-asan: setup
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DYTK_WERROR=ON -DYTK_ASAN=ON
	cmake --build $(BUILD_ASAN) -j$(JOBS)

# The whole suite: normal build, then the ASan+UBSan build, then short fuzzing.
test: build build-asan
	CTEST_ARGS="$(CTEST_ARGS)" FUZZ_SECONDS=10 scripts/test.sh $(BUILD) $(BUILD_ASAN)

demo: build
	scripts/demo.sh $(BUILD)

lab: build
	scripts/lab.sh $(BUILD)

bench: build
	scripts/bench.sh $(BUILD) $(BENCH_ARGS)

FUZZ_SECONDS ?= 120
fuzz: setup
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DYTK_WERROR=ON -DYTK_FUZZ=ON -DYTK_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(BUILD_FUZZ) -j$(JOBS)
	cd $(BUILD_FUZZ) && ctest --output-on-failure -j1 -L fuzz

format:
	scripts/check-format.sh --fix

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
