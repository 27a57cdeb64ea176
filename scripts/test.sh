#!/usr/bin/env bash
# test.sh -- the whole suite: the C format check (clang-format, see
# scripts/check-format.sh), the normal build's tests (browser tests
# included), the ASan+UBSan build's tests (browser tests excluded: the
# browser drives the same kernel code paths the other tests cover; emulator
# tests excluded: they are pure Python and run no C code), then
# short fuzzing.  Every stage runs even when an earlier one failed, so one
# run shows every failure; the exit status is non-zero if any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BUILD_ASAN=${2:-build-asan}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
failed=""

stage() {
  local name=$1; shift
  echo "=== $name"
  if ! "$@"; then failed="$failed $name"; fi
}

stage format scripts/check-format.sh
stage normal bash -c "cd '$BUILD' && ctest --output-on-failure -j1 ${CTEST_ARGS:-}"
stage asan bash -c "cd '$BUILD_ASAN' && ctest --output-on-failure -j1 -LE 'browser|emulator' ${CTEST_ARGS:-}"
stage fuzz make --no-print-directory fuzz FUZZ_SECONDS="$FUZZ_SECONDS"

if [ -n "$failed" ]; then
  echo "test: FAILED stages:$failed"
  exit 1
fi
echo "test: all stages passed"
