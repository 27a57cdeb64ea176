#!/usr/bin/env bash
# lab.sh BUILD_DIR -- JupyterLab on notebooks/ with the emulator running.
#
# Called by `make lab`.  Same setup as the demo (kernelspec in .venv, emulator
# on a free port, fresh YTK_HOME in out/lab/home with the emulator's
# client_secret.json, BROWSER set to the stand-in so notebook 1's login
# completes by itself), then `jupyter lab` on notebooks/ bound to 127.0.0.1.
# Running the notebooks here rewrites their outputs and notebooks/images/ in
# the work tree, as it would for any user.  Ctrl-C stops JupyterLab and the
# emulator.  LAB_PORT (default 8888) picks the port; the next free one is
# used when it is taken.
set -euo pipefail
USER_BROWSER=${BROWSER:-}
source "$(dirname "$0")/demo-env.sh"

ytk_demo_setup "${1:-}" "$ROOT/out/lab"
# As in the demo: the emulator's clock moves a day forward at notebook 2's
# first Analytics report, so its second chart fetch finds grown statistics.
ytk_emu_admin clock '{"days": 1, "at_next_report": true}'

# The kernel inherits BROWSER (the stand-in); JupyterLab itself must open the
# person's own browser instead, or none when there is no display.
open_args=(--no-browser)
if [ -n "$USER_BROWSER" ]; then
    open_args=(--ServerApp.browser="$USER_BROWSER %s")
elif { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } \
    && command -v xdg-open >/dev/null; then
    open_args=(--ServerApp.browser="xdg-open %s")
fi
root_args=()
[ "$(id -u)" = 0 ] && root_args=(--allow-root)

cat <<MSG
lab: emulator at $EMU_URL (offline Google stand-in; log in out/lab/emulator.log)
lab: YTK_HOME=$YTK_HOME
lab: open the URL JupyterLab prints below, pick 01-token-acquisition.ipynb,
     and run the notebooks in order (kernel "YouTube (C)").  Ctrl-C to stop.
MSG
# JupyterLab runs as a background job, so one Ctrl-C (or SIGTERM) reaches
# only this script, which stops JupyterLab cleanly and then, through the EXIT
# trap, the emulator.
"$VENV/bin/jupyter" lab --ServerApp.ip=127.0.0.1 \
    --ServerApp.port="${LAB_PORT:-8888}" \
    --ServerApp.root_dir="$ROOT/notebooks" \
    --LabApp.news_url= \
    --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
    "${open_args[@]}" "${root_args[@]}" </dev/null &
LAB_PID=$!
stop_lab() {
    echo "lab: stopping JupyterLab and the emulator"
    kill -TERM "$LAB_PID" 2>/dev/null || true
}
trap stop_lab INT TERM
status=0
wait "$LAB_PID" || status=$?
# A signal interrupts the first wait; wait again for JupyterLab to finish.
kill -0 "$LAB_PID" 2>/dev/null && { wait "$LAB_PID" || status=$?; }
exit "$status"
