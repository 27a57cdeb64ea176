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
