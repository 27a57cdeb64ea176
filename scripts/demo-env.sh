# demo-env.sh -- shared by scripts/demo.sh and scripts/lab.sh (sourced, not run).
#
# ytk_demo_setup BUILD_DIR STATE_DIR
#   - registers the build tree's kernelspec "ytkernel" into the project's venv
#     (jupyter kernelspec install --sys-prefix), so .venv/bin/jupyter finds it;
#   - starts the offline Google emulator on a free loopback port with its data
#     dir in STATE_DIR/emulator (stopped by ytk_demo_cleanup, set as EXIT trap);
#   - exports a fresh YTK_HOME=STATE_DIR/home holding the emulator's
#     client_secret.json where notebook 1 expects it ($YTK_HOME/client_secret.json),
#     YTK_GOOGLE_BASE (the emulator) and BROWSER=emulator/browser-standin (the
#     browser stand-in that gives consent and follows the redirect).
# Afterwards: EMU_URL, EMU_PID, VENV, ROOT are set.
#
# ytk_emu_admin ROUTE [JSON]
#   POSTs to the running emulator's admin API (emulator/README.md), so the
#   demo can inject faults from outside the notebooks.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
EMU_PID=""

ytk_die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

ytk_demo_cleanup() {
    if [ -n "$EMU_PID" ] && kill -0 "$EMU_PID" 2>/dev/null; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
    EMU_PID=""
}

ytk_demo_setup() {
    local build="$1" state="$2"
    [ -n "$build" ] || ytk_die "usage: $0 BUILD_DIR"
    [ -d "$build" ] || ytk_die "build dir '$build' does not exist (run make build)"
    build=$(cd "$build" && pwd)
    [ -x "$build/ytkernel" ] || ytk_die "$build/ytkernel is missing (run make build)"
    local spec="$build/jupyter/kernels/ytkernel"
    [ -f "$spec/kernel.json" ] || ytk_die "$spec/kernel.json is missing (run cmake)"
    [ -x "$VENV/bin/jupyter" ] || ytk_die "$VENV is not set up (run scripts/setup.sh)"

    # Register the kernel inside the venv only (nothing in ~ or /usr).
    local msg
    msg=$("$VENV/bin/jupyter" kernelspec install --sys-prefix --replace \
        --name ytkernel "$spec" 2>&1) \
        || ytk_die "could not install the kernelspec into $VENV: $msg"

    rm -rf "$state"
    mkdir -p "$state/emulator" "$state/home"
    state=$(cd "$state" && pwd)

    trap ytk_demo_cleanup EXIT
    trap 'exit 130' INT TERM
    local log="$state/emulator.log"
    (cd "$ROOT" && exec "$VENV/bin/python" -m emulator --port 0 \
        --data-dir "$state/emulator") >"$log" 2>&1 &
    EMU_PID=$!
    EMU_URL=""
    local i
    for i in $(seq 1 300); do
        EMU_URL=$(sed -n 's/^EMULATOR_URL=//p' "$log" | head -n1)
        [ -n "$EMU_URL" ] && break
        kill -0 "$EMU_PID" 2>/dev/null || {
            cat "$log" >&2
            ytk_die "the emulator exited before it was ready"
        }
        sleep 0.1
    done
    [ -n "$EMU_URL" ] || ytk_die "the emulator did not print its URL (see $log)"
    [ -f "$state/emulator/client_secret.json" ] \
        || ytk_die "the emulator wrote no client_secret.json"

    export YTK_HOME="$state/home"
    export YTK_GOOGLE_BASE="$EMU_URL"
    export BROWSER="$ROOT/emulator/browser-standin"
    # Relative Analytics dates (--last 90d) end on the emulator's day.
    YTK_ANALYTICS_TODAY=$("$VENV/bin/python" -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "/__admin/clock"))["now"][:10])' "$EMU_URL")
    export YTK_ANALYTICS_TODAY
    unset YTK_API_KEY JUPYTER_PATH || true
    # Where notebook 1 tells a real user to put the downloaded file.
    install -m 0600 "$state/emulator/client_secret.json" "$YTK_HOME/client_secret.json"
}

ytk_emu_admin() {
    # ytk_emu_admin ROUTE [JSON]: POST to the emulator's admin API.
    local body="${2:-}"
    [ -n "$body" ] || body='{}'
    "$VENV/bin/python" - "$EMU_URL/__admin/$1" "$body" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=30).read()
EOF
}
