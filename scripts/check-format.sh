#!/usr/bin/env bash
# check-format.sh -- fail when a C source is not formatted as .clang-format
# says (the CI stage of scripts/test.sh).  With --fix, reformat in place
# instead (what `make format` runs).  One list of files for both.
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
  echo "check-format: $CLANG_FORMAT not found (Debian package clang-format;" \
       "scripts/setup.sh installs it)" >&2
  exit 2
fi

shopt -s nullglob
files=(include/*.[ch] kernel/*.[ch] magics/*.[ch] lib/*.[ch] lib/*/*.[ch]
       tests/unit/*.[ch] tests/fuzz/*.[ch])

if [ "${1:-}" = "--fix" ]; then
  exec "$CLANG_FORMAT" -i "${files[@]}"
fi
if ! "$CLANG_FORMAT" --dry-run -Werror "${files[@]}"; then
  echo "check-format: the files above are not formatted; run make format" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
