"""Run every benchmark, write bench/results/latest.json and latest.md, and
refresh the generated table in bench/README.md (between the
`<!-- bench:begin -->` and `<!-- bench:end -->` markers).

    python -m bench.run --build BUILD [--sections proto,fetch,store,plot]
                        [--quick] [--results-dir DIR] [--no-readme] [--merge]

--merge keeps the sections not re-run from the existing latest.json (and
says so in the table).  --quick runs every section on tiny sizes (what tests/py/test_bench_smoke.py
does); its results go to --results-dir only, never to README.md.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
SECTIONS = ("proto", "fetch", "store", "plot")

FULL = {
    "proto": dict(starts=20, execs=5000, warmup=200, infos=2000, lines=10000,
                  kernels="ytkernel,ipykernel,floor"),
    "fetch": dict(size="large", latency_ms=50),
    "store": dict(uploads=(10000, 100000)),
    "plot": dict(rows=1_000_000),
}
QUICK = {
    "proto": dict(starts=2, execs=30, warmup=5, infos=30, lines=300,
                  kernels="ytkernel,ipykernel,floor"),
    "fetch": dict(size="small", latency_ms=5, uploads=120, subscriptions=60,
                  comment_threads=150),
    "store": dict(uploads=(200, 400)),
    "plot": dict(rows=20000),
}


def run_proto(build, p, workdir):
    from bench import proto_bench
    argv = ["--build", build, "--kernels", p["kernels"],
            "--starts", str(p["starts"]), "--execs", str(p["execs"]),
            "--warmup", str(p["warmup"]), "--infos", str(p["infos"]),
            "--lines", str(p["lines"]), "--out", os.path.join(workdir, "proto.json")]
    proto_bench.main(argv)
    with open(os.path.join(workdir, "proto.json")) as f:
        return {"params": p, "kernels": json.load(f)}


def run_fetch(build, p, workdir):
    from bench import fetch_bench
    res = fetch_bench.run(build, workdir, **p)
    res["params"] = p
    return res


def run_store(build, p, workdir):
    from bench import store_bench
    res = store_bench.run(build, workdir, p["uploads"])
    res["params"] = {"uploads": list(p["uploads"])}
    return res


def run_plot(build, p, workdir):
    from bench import plot_bench
    res = plot_bench.run(build, workdir, rows=p["rows"])
    res["params"] = p
    return res


RUNNERS = {"proto": run_proto, "fetch": run_fetch, "store": run_store,
           "plot": run_plot}


# ------------------------------------------------------------ targets

def _get(d, *path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def targets(res):
    """(target, measured, met) rows from the results.  `met` is None when
    the measurement is missing."""
    rows = []
    pk = _get(res, "proto", "kernels") or {}
    yt, fl, ip = pk.get("ytkernel", {}), pk.get("floor", {}), pk.get("ipykernel", {})
    ye, fe = _get(yt, "execute", "median_ms"), _get(fl, "execute", "median_ms")
    if ye and fe:
        r = ye / fe
        rows.append(("execute round trip within 1.5x of the floor (median)",
                     f"{r:.2f}x ({ye:.3f} / {fe:.3f} ms)", r <= 1.5))
    ys = _get(yt, "start", "median_ms")
    if ys is not None:
        rows.append(("start-up (spawn -> kernel_info_reply) under 20 ms",
                     f"{ys:.1f} ms (floor {_get(fl, 'start', 'median_ms') or 0:.1f}, "
                     f"ipykernel {_get(ip, 'start', 'median_ms') or 0:.0f})", ys < 20))
    rss = _get(yt, "mem_end_kb", "VmRSS")
    if rss is not None:
        rows.append(("RSS under 10 MB (VmRSS after the loops)",
                     f"{rss / 1024:.1f} MB (anon {(_get(yt, 'mem_end_kb', 'RssAnon') or 0) / 1024:.1f} MB; "
                     f"floor {(_get(fl, 'mem_end_kb', 'VmRSS') or 0) / 1024:.1f} MB, "
                     f"ipykernel {(_get(ip, 'mem_end_kb', 'VmRSS') or 0) / 1024:.1f} MB)",
                     rss < 10 * 1024))
    for task, t in (_get(res, "fetch", "tasks") or {}).items():
        cl = t["clients"]
        y = cl.get("ytkernel", {})
        if "wall_s" not in y:
            rows.append((f"{task}: ytkernel fetch", y.get("status", "missing"), False))
            continue
        rows.append((f"{task}: quota equal to the minimum ({t['min_quota']})",
                     f"{y['quota']} units", y["quota"] == t["min_quota"]))
        floor = t["latency_floor_s"]
        rows.append((f"{task}: wall time within 1.2x of the latency floor ({floor:.2f} s)",
                     f"{y['wall_s']:.2f} s = {y['wall_s'] / floor:.2f}x",
                     y["wall_s"] <= 1.2 * floor))
        peers = [(n, c["wall_s"]) for n, c in cl.items()
                 if n != "ytkernel" and "wall_s" in c and c.get("counts_ok")]
        if peers:
            rows.append((f"{task}: faster than both peers",
                         ", ".join(f"{n} {w:.2f} s" for n, w in peers),
                         all(y["wall_s"] < w for _, w in peers) and len(peers) == 2))
        rows.append((f"{task}: ytkernel fetched exactly the world's rows",
                     json.dumps(y.get("counts")), bool(y.get("counts_ok"))))
    st = res.get("store") or {}
    if "hwm_growth_kb" in st:
        runs = st["runs"]
        rows.append(("peak RSS does not grow with rows (VmHWM, "
                     f"{runs[0]['uploads']:,} vs {runs[-1]['uploads']:,} uploads)",
                     f"{runs[0]['hwm_kb'] / 1024:.1f} MB -> {runs[-1]['hwm_kb'] / 1024:.1f} MB "
                     f"(+{st['hwm_growth_kb'] / 1024:.1f} MB for {st['rows_ratio']}x rows)",
                     st["hwm_growth_kb"] < 2048))
    return rows


# ------------------------------------------------------------ markdown

def fmt(v, spec=".2f"):
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return format(v, spec)
    return str(v)


def markdown(res):
    L = []
    m = res["meta"]
    L.append(f"Run {m['date']} on {m['machine']} ({m['cpus']} CPUs), commit "
             f"`{m['commit']}`, {m['duration_s']:.0f} s, load average "
             f"{m.get('loadavg_start', 0):.1f} at start / {m.get('loadavg_end', 0):.1f} at end"
             + (" — **quick sizes, not a real run**" if m.get("quick") else "") + ".")
    if m.get("merged_from"):
        o = m["merged_from"]
        L.append("")
        L.append(f"Sections not re-run come from the run of {o['date']} (commit "
                 f"`{o['commit']}`, load average {o.get('loadavg_start') or 0:.1f} / "
                 f"{o.get('loadavg_end') or 0:.1f}).")
    L.append("")
    pk = _get(res, "proto", "kernels")
    if pk:
        L.append("### Protocol (same harness for every kernel; lower is better)")
        L.append("")
        names = [n for n in ("ytkernel", "ipykernel", "floor") if n in pk]
        L.append("| | " + " | ".join(names) + " | ytkernel / floor |")
        L.append("|---|" + "---|" * (len(names) + 1))

        def row(label, getter, spec=".3f", ratio=True):
            vals = [getter(pk[n]) for n in names]
            r = "–"
            if ratio and "floor" in pk and "ytkernel" in pk:
                a, b = getter(pk["ytkernel"]), getter(pk["floor"])
                if a and b:
                    r = f"{a / b:.2f}x"
            L.append(f"| {label} | " + " | ".join(fmt(v, spec) for v in vals) + f" | {r} |")

        row("start → kernel_info_reply, median ms", lambda k: _get(k, "start", "median_ms"), ".1f")
        row("… with an empty YTK_HOME each start", lambda k: _get(k, "start_fresh_home", "median_ms"), ".1f", ratio=False)
        row("execute round trip, median ms", lambda k: _get(k, "execute", "median_ms"))
        row("execute round trip, p99 ms", lambda k: _get(k, "execute", "p99_ms"))
        row("kernel CPU per execute, µs", lambda k: _get(k, "execute", "kernel_cpu_us"), ".0f")
        row("kernel_info round trip, median ms", lambda k: _get(k, "kernel_info", "median_ms"))
        row("kernel_info round trip, p99 ms", lambda k: _get(k, "kernel_info", "p99_ms"))
        row("VmRSS after start, MB", lambda k: (_get(k, "mem_start_kb", "VmRSS") or 0) / 1024, ".1f")
        row("VmRSS after the loops, MB", lambda k: (_get(k, "mem_end_kb", "VmRSS") or 0) / 1024, ".1f")
        row("VmHWM after the loops, MB", lambda k: (_get(k, "mem_end_kb", "VmHWM") or 0) / 1024, ".1f")
        row("RssAnon after the loops, MB", lambda k: (_get(k, "mem_end_kb", "RssAnon") or 0) / 1024, ".1f")
        n_lines = res["proto"]["params"]["lines"]
        row(f"{n_lines:,} lines of stdout: seconds to idle",
            lambda k: _get(k, "stream", "seconds"), ".3f")
        row("… lines per second", lambda k: _get(k, "stream", "lines_per_s"), ",.0f", ratio=False)
        row("… stream messages sent", lambda k: _get(k, "stream", "stream_msgs"), "d", ratio=False)
        row("… every line received in order", lambda k: _get(k, "stream", "lines_ok"), "", ratio=False)
        errs = {n: k["error"] for n, k in pk.items() if "error" in k}
        for n, e in errs.items():
            L.append(f"\n{n}: **{e}**")
        L.append("")
    ft = _get(res, "fetch", "tasks")
    if ft:
        f = res["fetch"]
        L.append(f"### Fetching (emulator `--size {f['size']}`, {f['latency_ms']} ms added to every request)")
        L.append("")
        L.append("| task | client | wall s | requests | quota units | min quota | latency floor s | wall / floor | client CPU s | emulator CPU s | rows match |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for task, t in ft.items():
            for cl, r in t["clients"].items():
                if "wall_s" not in r:
                    L.append(f"| {task} | {cl} | {r.get('status')} | | | | | | | | |")
                    continue
                L.append(f"| {task} | {cl} | {r['wall_s']:.2f} | {r['requests']} | {r['quota']} | "
                         f"{t['min_quota']} | {t['latency_floor_s']:.2f} | "
                         f"{r['wall_s'] / t['latency_floor_s']:.2f}x | "
                         f"{fmt(r.get('client_cpu_s'))} | {fmt(r.get('emulator_cpu_s'))} | "
                         f"{'yes' if r.get('counts_ok') else 'NO ' + json.dumps(r.get('counts'))} |")
        L.append("")
    st = res.get("store")
    if st and st.get("runs"):
        L.append("### Storage and memory (`%yt_fetch uploads --mine`, no added latency)")
        L.append("")
        L.append("| uploads | rows | wall s | rows/s (wall) | kernel CPU s | rows / kernel CPU s | VmRSS before MB | VmHWM after MB | VmRSS at 0/25/50/75/100 % MB |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for r in st["runs"]:
            if "hwm_kb" not in r:
                L.append(f"| {r['uploads']:,} | {r.get('status')} | | | | | | | |")
                continue
            L.append(f"| {r['uploads']:,} | {r['rows']:,}{'' if r['rows_ok'] else ' (WRONG)'} | "
                     f"{r['wall_s']:.1f} | {r['rows_per_s']:,} | {r['kernel_cpu_s']:.2f} | "
                     f"{r['rows_per_cpu_s']:,} | {r['rss_before_kb'] / 1024:.1f} | "
                     f"{r['hwm_kb'] / 1024:.1f} | "
                     + " / ".join(f"{x / 1024:.1f}" for x in r["rss_samples_kb"]) + " |")
        L.append("")
    pl = res.get("plot")
    if pl and pl.get("kinds"):
        L.append(f"### Plotting ({pl['rows']:,} rows; table made in {pl.get('make_table_s', 0):.2f} s)")
        L.append("")
        L.append("| kind | status | seconds | SVG chars | PNG base64 chars | message bytes |")
        L.append("|---|---|---|---|---|---|")
        for k, r in pl["kinds"].items():
            L.append(f"| {k} | {r['status']} | {r['seconds']:.3f} | {r['svg_chars']:,} | "
                     f"{r['png_b64_chars']:,} | {r['content_bytes']:,} |")
        L.append("")
    tg = targets(res)
    if tg:
        L.append("### Targets")
        L.append("")
        L.append("| target | measured | met |")
        L.append("|---|---|---|")
        for name, val, met in tg:
            L.append(f"| {name} | {val} | {'met' if met else 'NOT met'} |")
        L.append("")
    return "\n".join(L)


def update_readme(path, table):
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + begin + "\n" + table + "\n" + end + tail
    else:
        text = text.rstrip("\n") + "\n\n" + begin + "\n" + table + "\n" + end + "\n"
    with open(path, "w") as f:
        f.write(text)


def git_commit():
    try:
        return subprocess.run(["git", "-C", SOURCE, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except OSError:
        return "?"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--sections", default=",".join(SECTIONS))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--merge", action="store_true",
                    help="keep the other sections of the existing latest.json")
    args = ap.parse_args(argv)
    build = os.path.abspath(args.build)
    sizes = QUICK if args.quick else FULL
    t_start = time.monotonic()
    res = {"meta": {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(), "commit": git_commit(), "quick": args.quick,
        "python": platform.python_version(),
        "loadavg_start": os.getloadavg()[0],
    }}
    if args.merge:
        with open(os.path.join(args.results_dir, "latest.json")) as f:
            old = json.load(f)
        for sec in SECTIONS:
            if sec in old and sec not in args.sections.split(","):
                res[sec] = old[sec]
        res["meta"]["merged_from"] = {k: old["meta"].get(k) for k in
                                      ("date", "commit", "duration_s",
                                       "loadavg_start", "loadavg_end")}
    workdir = tempfile.mkdtemp(prefix="ytk-bench-")
    try:
        for sec in args.sections.split(","):
            print(f"bench: {sec} ...", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            try:
                res[sec] = RUNNERS[sec](build, dict(sizes[sec]), workdir)
            except Exception as e:
                res[sec] = {"error": f"{type(e).__name__}: {e}"}
                print(f"bench: {sec} failed: {e}", file=sys.stderr, flush=True)
            res[sec]["seconds"] = round(time.monotonic() - t0, 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    res["meta"]["duration_s"] = round(time.monotonic() - t_start, 1)
    res["meta"]["loadavg_end"] = os.getloadavg()[0]
    res["targets"] = [{"target": n, "measured": v, "met": m} for n, v, m in targets(res)]
    os.makedirs(args.results_dir, exist_ok=True)
    with open(os.path.join(args.results_dir, "latest.json"), "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    table = markdown(res)
    with open(os.path.join(args.results_dir, "latest.md"), "w") as f:
        f.write(table + "\n")
    if not args.no_readme and not args.quick:
        update_readme(os.path.join(HERE, "README.md"), table)
    print(table)
    failed = [s for s in args.sections.split(",") if "error" in res.get(s, {})]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
