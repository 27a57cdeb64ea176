#!/usr/bin/env bash
# demo.sh BUILD_DIR -- run the three notebooks headless against the emulator.
#
# Called by `make demo` after the build.  Registers the kernelspec into .venv,
# starts the offline emulator, logs in through the browser stand-in, and runs
# notebooks/01..03 in order with `jupyter nbconvert --execute` (notebook 3
# once more with papermill and another region, `-p region GB`, to show both
# runners and the parameters work: its chart titles and image files must say
# GB).  While notebook 2
# runs, the emulator (driven from here, never from the notebook) expires the
# access token and fails a few requests, so the notebook shows the kernel
# refreshing and retrying, and moves its clock a day forward between the two
# chart fetches.  Everything lands in out/demo/:
#   01-token-acquisition.ipynb ... (executed)   *.html (exports)
#   images/*.png, images/*.svg (charts)          papermill/ (papermill run)
#   home/ (YTK_HOME: store.sqlite, token.json)   emulator/, *.log
set -euo pipefail
source "$(dirname "$0")/demo-env.sh"

BUILD=${1:-}
OUT="$ROOT/out/demo"
NOTEBOOKS="01-token-acquisition 02-data-acquisition 03-visualization"
TIMEOUT=${YTK_DEMO_CELL_TIMEOUT:-600}

ytk_demo_setup "$BUILD" "$OUT"
echo "demo: emulator at $EMU_URL, YTK_HOME=$YTK_HOME"

for nb in $NOTEBOOKS; do
    [ -f "$ROOT/notebooks/$nb.ipynb" ] || ytk_die "notebooks/$nb.ipynb is missing"
    # Executed copies live beside each other so `--save images/...` in the
    # notebooks writes to out/demo/images/.
    cp "$ROOT/notebooks/$nb.ipynb" "$OUT/$nb.ipynb"
done

run_nb() {
    local nb="$1"
    echo "demo: running $nb.ipynb"
    (cd "$OUT" && "$VENV/bin/jupyter" nbconvert --to notebook --execute \
        --inplace --ExecutePreprocessor.timeout="$TIMEOUT" \
        --ExecutePreprocessor.kernel_name=ytkernel "$nb.ipynb") \
        >"$OUT/$nb.log" 2>&1 || {
        tail -n 40 "$OUT/$nb.log" >&2
        ytk_die "$nb.ipynb failed (full log: $OUT/$nb.log)"
    }
}

run_nb 01-token-acquisition

# The server misbehaves during notebook 2: the access token notebook 1 got is
# expired now, and the next two requests to the videos endpoint fail with
# 503 backendError.
ytk_emu_admin expire-access-tokens
# Notebook 2 fetches the most-popular chart twice, with Analytics reports in
# between: the emulator's clock moves one day forward at the first report,
# so the second fetch finds grown statistics (the history's "views gained").
ytk_emu_admin clock '{"days": 1, "at_next_report": true}'
ytk_emu_admin faults '{"path_pattern": "/youtube/v3/videos", "status": 503,
                       "reason": "backendError", "count": 2}'
run_nb 02-data-acquisition

run_nb 03-visualization

PM_REGION=GB
echo "demo: running 03-visualization.ipynb again with papermill -p region $PM_REGION"
rm -rf "$OUT/papermill"
mkdir -p "$OUT/papermill"
(cd "$OUT/papermill" && "$VENV/bin/papermill" --cwd "$OUT/papermill" \
    --kernel ytkernel --execution-timeout "$TIMEOUT" --no-progress-bar \
    -p region "$PM_REGION" \
    "$ROOT/notebooks/03-visualization.ipynb" "$OUT/papermill/03-visualization.ipynb") \
    >"$OUT/papermill.log" 2>&1 || {
    tail -n 40 "$OUT/papermill.log" >&2
    ytk_die "papermill run failed (full log: $OUT/papermill.log)"
}
# The parameter reached the charts: trending charts saved under -GB names
# (and none under the default region's), titles naming GB, not US.
pm_nb="$OUT/papermill/03-visualization.ipynb"
n_pm=$(find "$OUT/papermill/images" -name "*trending*-$PM_REGION.png" 2>/dev/null | wc -l)
[ "$n_pm" -gt 0 ] || ytk_die "papermill run saved no *trending*-$PM_REGION.png chart"
if find "$OUT/papermill/images" -name '*-US.*' | grep -q .; then
    ytk_die "papermill run with region $PM_REGION saved charts for US"
fi
grep -q "Most-popular chart ($PM_REGION)" "$pm_nb" \
    || ytk_die "papermill run: no chart title names region $PM_REGION"
if grep -Eq "(Most-popular chart|most-popular videos) \(US\)" "$pm_nb"; then
    ytk_die "papermill run with region $PM_REGION still has US titles"
fi

for nb in $NOTEBOOKS; do
    "$VENV/bin/jupyter" nbconvert --to html "$OUT/$nb.ipynb" \
        >>"$OUT/html.log" 2>&1 || ytk_die "HTML export of $nb failed"
done

# Every chart the notebooks saved must be there.
n_png=$(find "$OUT/images" -name '*.png' 2>/dev/null | wc -l)
[ "$n_png" -gt 0 ] || ytk_die "no chart images in $OUT/images"

echo
echo "demo: done.  Output in $OUT:"
for nb in $NOTEBOOKS; do
    echo "  $OUT/$nb.ipynb"
    echo "  $OUT/$nb.html"
done
echo "  $OUT/images/ ($n_png PNG charts, with SVG twins)"
echo "  $OUT/papermill/03-visualization.ipynb (same notebook, papermill -p region $PM_REGION;"
echo "    $n_pm trending charts for $PM_REGION in $OUT/papermill/images/)"
echo "Open the HTML files in a browser, or run 'make lab' to click through."
