#!/usr/bin/env bash
# bench.sh BUILD_DIR [bench.run options] -- run every benchmark (bench/README.md).
#
# Builds the transport floor (bench/floor.c) into BUILD_DIR/bench/floor with
# cc directly (not part of the CMake build), then runs bench/run.py, which
# writes bench/results/latest.json, bench/results/latest.md and refreshes the
# table in bench/README.md.  Extra arguments go to bench/run.py, e.g.
# `scripts/bench.sh build --sections proto --quick`.
set -euo pipefail
cd "$(dirname "$0")/.."

build="${1:-build}"
shift || true
build="$(cd "$build" && pwd)"

if [ ! -x "$build/ytkernel" ]; then
  echo "bench: $build/ytkernel is missing: run 'make build' first" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "bench: .venv is missing: run scripts/setup.sh first" >&2
  exit 1
fi

mkdir -p "$build/bench"
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -Werror -o "$build/bench/floor" bench/floor.c \
  $(pkg-config --cflags --libs libzmq libcrypto uuid)

exec .venv/bin/python -m bench.run --build "$build" "$@"
