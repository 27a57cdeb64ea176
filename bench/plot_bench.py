"""Plotting benchmark: %yt_plot on a 1,000,000-row table, line and scatter.

The table `pts(x, y)` is made in SQL inside the kernel (a recursive CTE;
y is a deterministic zig-zag with noise, so neither LTTB nor the scatter
thinning has an easy job).  Then, for each kind, one cell

    %yt_plot KIND --from pts --x x --y y

is timed from execute_request to `idle`, and the sizes of what it published
are added up: image/svg+xml (characters), image/png (base64 characters, as
sent), the Vega-Lite spec (characters of its JSON), text/plain, and the
total bytes of the display messages' content.

Run: python -m bench.plot_bench --build BUILD [--rows 1000000]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from bench.protoclient import KernelProcess, RawClient, proc_status
from bench.proto_bench import ytkernel_argv


def table_sql(rows):
    return ("CREATE TABLE pts AS WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL "
            f"SELECT i + 1 FROM c WHERE i + 1 < {rows}) "
            "SELECT i AS x, (i % 2000) * 0.5 + ((i * 2654435761) % 1000003) "
            "/ 20000.0 + i / 5000.0 AS y FROM c")


def run(build, workdir, rows=1_000_000, kinds=("line", "scatter")):
    home = tempfile.mkdtemp(prefix="plot-home-", dir=workdir)
    kp = KernelProcess(ytkernel_argv(build), env={"YTK_HOME": home}, workdir=home)
    kp.start()
    c = RawClient(kp.info)
    out = {"rows": rows, "kinds": {}}
    try:
        c.wait_ready(timeout=60)
        t0 = time.perf_counter()
        reply, _ = c.execute_collect(table_sql(rows), timeout=600)
        out["make_table_s"] = round(time.perf_counter() - t0, 3)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("could not make the table: "
                               + reply["content"].get("evalue", ""))
        for kind in kinds:
            code = f"%yt_plot {kind} --from pts --x x --y y"
            t0 = time.perf_counter()
            reply, msgs = c.execute_collect(code, timeout=600)
            dt = time.perf_counter() - t0
            sizes = {"svg_chars": 0, "png_b64_chars": 0, "vl_chars": 0,
                     "text_chars": 0, "display_msgs": 0, "content_bytes": 0}
            for m in msgs:
                if m["msg_type"] not in ("display_data", "execute_result",
                                         "update_display_data"):
                    continue
                sizes["display_msgs"] += 1
                sizes["content_bytes"] += len(json.dumps(m["content"]).encode())
                data = m["content"].get("data", {})
                sizes["svg_chars"] += len(data.get("image/svg+xml", ""))
                sizes["png_b64_chars"] += len(data.get("image/png", ""))
                sizes["text_chars"] += len(data.get("text/plain", ""))
                if "application/vnd.vegalite.v5+json" in data:
                    sizes["vl_chars"] += len(json.dumps(
                        data["application/vnd.vegalite.v5+json"]))
            out["kinds"][kind] = {
                "cell": code, "status": reply["content"]["status"],
                "error": reply["content"].get("evalue"),
                "seconds": round(dt, 3), **sizes}
            print(f"plot: {kind}: {json.dumps(out['kinds'][kind])}",
                  file=sys.stderr, flush=True)
        out["kernel_hwm_kb"] = proc_status(kp.pid)["VmHWM"]
        c.shutdown(timeout=30)
    finally:
        c.close()
        kp.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="ytk-plot-bench-")
    try:
        res = run(os.path.abspath(args.build), workdir, rows=args.rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = json.dumps(res, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
