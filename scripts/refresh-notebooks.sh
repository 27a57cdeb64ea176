#!/usr/bin/env bash
# refresh-notebooks.sh -- copy the last `make demo` run back into notebooks/.
#
# The committed notebooks keep the outputs of an emulator run so they read
# well on a code host.  After `make demo` succeeded, this copies
# out/demo/0*.ipynb and out/demo/images/* into notebooks/, after checking that
# no secret of that run (token.json values, the client secret) is in them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/out/demo"
[ -f "$OUT/03-visualization.ipynb" ] || { echo "run 'make demo' first" >&2; exit 1; }

"$ROOT/.venv/bin/python" - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
secrets = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("token", "access_token", "refresh_token", "client_secret",
                     "id_token", "api_key") and isinstance(x, str) and len(x) >= 8:
                secrets.add(x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for f in ("home/token.json", "home/client_secret.json"):
    p = os.path.join(out, f)
    if os.path.exists(p):
        walk(json.load(open(p)))
if not secrets:
    sys.exit("refresh: found no secrets to check against; is out/demo complete?")
bad = []
for name in sorted(os.listdir(out)):
    if name.endswith(".ipynb") or name.endswith(".html"):
        text = open(os.path.join(out, name), encoding="utf-8").read()
        bad += [name for s in secrets if s in text]
if bad:
    sys.exit("refresh: a secret appears in " + ", ".join(sorted(set(bad))))
PY

# The images are exactly the demo's (a renamed question leaves no stale file).
rm -rf "$ROOT/notebooks/images"
mkdir -p "$ROOT/notebooks/images"
# Paths of this checkout are written relative to it (out/demo/home/...):
# the committed outputs read the same for whoever clones the repository.
for nb in 01-token-acquisition 02-data-acquisition 03-visualization; do
    sed "s|$ROOT/||g" "$OUT/$nb.ipynb" >"$ROOT/notebooks/$nb.ipynb"
done
cp "$OUT"/images/* "$ROOT/notebooks/images/"
echo "refreshed notebooks/ and notebooks/images/ from $OUT"
