#!/usr/bin/env bash
# setup.sh -- install everything the build, tests and demo need, idempotently:
# Debian packages (when root or sudo is available and something is missing)
# and the Python venv .venv with the pinned tools of tests/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS="build-essential cmake pkg-config libzmq3-dev libssl-dev
  libcurl4-openssl-dev libcjson-dev uuid-dev libsqlite3-dev libcairo2-dev
  fonts-dejavu-core clang clang-format libclang-rt-14-dev valgrind chromium sqlite3
  python3 python3-venv"

missing=""
for p in $APT_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: missing Debian packages:$missing (run as root or install them)" >&2; exit 1
  fi
  echo "setup: installing Debian packages:$missing"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi

stamp=.venv/.requirements.stamp
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || ! cmp -s tests/requirements.txt "$stamp"; then
  .venv/bin/pip install -q -r tests/requirements.txt
  cp tests/requirements.txt "$stamp"
fi

# papermill-ytkernel: papermill's parameter translator for this kernel, so
# that the plain `papermill` command can run the notebooks with -p NAME VALUE
# (papermill-ytkernel/README.md).  A regular install, redone when its sources
# change (pip builds it in an isolated env with setuptools from PyPI).
pm_stamp=.venv/.papermill-ytkernel.stamp
pm_sum=$(cat papermill-ytkernel/pyproject.toml \
  papermill-ytkernel/papermill_ytkernel/*.py | sha256sum | cut -d' ' -f1)
if [ ! -f "$pm_stamp" ] || [ "$(cat "$pm_stamp")" != "$pm_sum" ]; then
  .venv/bin/pip install -q --no-deps ./papermill-ytkernel
  rm -rf papermill-ytkernel/build papermill-ytkernel/*.egg-info
  echo "$pm_sum" >"$pm_stamp"
fi
