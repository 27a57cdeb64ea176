"""Run every benchmark, write bench/results/latest.json and latest.md, and
refresh the generated table in bench/README.md (between the
`<!-- bench:begin -->` and `<!-- bench:end -->` markers).

    python -m bench.run --build BUILD [--kernel PATH] [--sections proto,fetch,store,plot]
                        [--quick] [--results-dir DIR] [--no-readme]

Each section carries the meta of its own run (date, commit, which kernel
binary and the branch@commit of its worktree, load average).  A run keeps
the sections it did not run from the existing latest.json and rewrites the
README block of each section it ran (`<!-- bench:SEC:begin/end -->`), so no
figure sits beside figures of another run without saying so.  --quick runs
every section on tiny sizes (what tests/py/test_bench_smoke.py does); its
results go to --results-dir only, never to README.md.
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


def targets(res, sections=SECTIONS):
    """(target, measured, met) rows from the results of the given sections.
    `met` is None when the measurement is missing."""
    rows = []
    pk = _get(res, "proto", "kernels") if "proto" in sections else None
    pk = pk or {}
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
    ft = (_get(res, "fetch", "tasks") if "fetch" in sections else None) or {}
    for task, t in ft.items():
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
                         ", ".join(f"{n} {w:.2f} s ({w / y['wall_s']:.2f}x ytkernel)"
                                   for n, w in peers),
                         all(y["wall_s"] < w for _, w in peers) and len(peers) == 2))
        rows.append((f"{task}: ytkernel fetched exactly the world's rows",
                     json.dumps(y.get("counts")), bool(y.get("counts_ok"))))
    st = (res.get("store") if "store" in sections else None) or {}
    if "hwm_growth_kb" in st:
        runs = st["runs"]
        ratio = runs[-1]["hwm_kb"] / runs[0]["hwm_kb"]
        rows.append(("peak RSS at the larger size at most 1.3x the smaller (VmHWM, "
                     f"{runs[0]['uploads']:,} vs {runs[-1]['uploads']:,} uploads)",
                     f"{runs[0]['hwm_kb'] / 1024:.1f} MB -> {runs[-1]['hwm_kb'] / 1024:.1f} MB "
                     f"= {ratio:.2f}x (+{st['hwm_growth_kb'] / 1024:.1f} MB for "
                     f"{st['rows_ratio']}x rows)", ratio <= 1.3))
    return rows


# ------------------------------------------------------------ markdown

def fmt(v, spec=".2f"):
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return format(v, spec)
    return str(v)


def run_line(m):
    """Who/when/where of one section's run."""
    k = m.get("kernel") or {}
    kern = ""
    if k.get("path"):
        kern = f", kernel `{k['path']}`"
        if k.get("git"):
            kern += f" ({k['git']}, binary built {k.get('built', '?')})"
    return (f"Run {m['date']} on {m['machine']} ({m['cpus']} CPUs), commit "
            f"`{m['commit']}`{kern}, {m.get('duration_s') or 0:.0f} s, load average "
            f"{m.get('loadavg_start') or 0:.1f} at start / {m.get('loadavg_end') or 0:.1f} at end"
            + (" — **quick sizes, not a real run**" if m.get("quick") else "") + ".")


def _md_proto(res, L):
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


def _md_fetch(res, L):
    ft = _get(res, "fetch", "tasks")
    if ft:
        f = res["fetch"]
        L.append(f"### Fetching (emulator `--size {f['size']}`, {f['latency_ms']} ms added to every request)")
        L.append("")
        L.append("| task | client | wall s | requests | quota units | min quota | latency floor s (calls) | wall / floor | vs ytkernel | client CPU s | emulator CPU s | rows match |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for task, t in ft.items():
            y = t["clients"].get("ytkernel", {}).get("wall_s")
            for cl, r in t["clients"].items():
                if "wall_s" not in r:
                    L.append(f"| {task} | {cl} | {r.get('status')} | | | | | | | | | |")
                    continue
                vs = f"{r['wall_s'] / y:.2f}x" if y else "–"
                miss = r.get("emulator_cache_misses")
                emu_cpu = fmt(r.get("emulator_cpu_s")) + (
                    f" ({miss} uncached)" if miss else "")
                L.append(f"| {task} | {cl} | {r['wall_s']:.2f} | {r['requests']} | {r['quota']} | "
                         f"{t['min_quota']} | {t['latency_floor_s']:.2f} ({t['sequential_calls']}) | "
                         f"{r['wall_s'] / t['latency_floor_s']:.2f}x | {vs} | "
                         f"{fmt(r.get('client_cpu_s'))} | {emu_cpu} | "
                         f"{'yes' if r.get('counts_ok') else 'NO ' + json.dumps(r.get('counts'))} |")
        L.append("")
        L.append("Where the time went (arrival times in the emulator's request log; "
                 "the page gap is one link of the chain: latency + the client's "
                 "turnaround; at most the latency apart is \"in flight\"; waiting for a "
                 "CPU: the client's run-queue wait from /proc schedstat, i.e. the "
                 "machine's load, not the client's work):")
        L.append("")
        L.append("| task | client | first call after s | listing pages | page gap median / p90 ms | max in flight | idle after last call s | client waiting for a CPU s |")
        L.append("|---|---|---|---|---|---|---|---|")
        for task, t in ft.items():
            for cl, r in t["clients"].items():
                tl = r.get("timeline")
                if not tl:
                    continue
                L.append(f"| {task} | {cl} | {tl['first_call_s']:.3f} | {tl['listing_pages']} | "
                         f"{fmt(tl['page_gap_ms_median'], '.1f')} / {fmt(tl['page_gap_ms_p90'], '.1f')} | "
                         f"{tl['max_in_flight']} | {tl['after_last_call_s']:.3f} | "
                         f"{fmt(r.get('client_runqueue_wait_s'))} |")
        L.append("")
        if f.get("warm"):
            L.append("Before each task's timed runs, " + " and ".join(f["warm"]) +
                     " ran it once untimed with no added latency; their timed "
                     "requests are then answered from the emulator's response "
                     "cache (\"uncached\": requests it had to build). "
                     f"YTK_FETCH_PARALLEL: {f.get('parallel')}.")
            L.append("")


def _md_store(res, L):
    st = res.get("store")
    if st and st.get("runs"):
        L.append("### Storage and memory (`%yt_fetch uploads --mine`, no added latency)")
        L.append("")
        L.append("| uploads | rows | wall s | rows/s (wall) | kernel CPU s | rows / kernel CPU s | emulator CPU s | VmRSS before MB | VmHWM after MB | VmRSS at 0/25/50/75/100 % MB |")
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        for r in st["runs"]:
            if "hwm_kb" not in r:
                L.append(f"| {r['uploads']:,} | {r.get('status')} | | | | | | | | |")
                continue
            L.append(f"| {r['uploads']:,} | {r['rows']:,}{'' if r['rows_ok'] else ' (WRONG)'} | "
                     f"{r['wall_s']:.1f} | {r['rows_per_s']:,} | {r['kernel_cpu_s']:.2f} | "
                     f"{r['rows_per_cpu_s']:,} | {fmt(r.get('emulator_cpu_s'))} | "
                     f"{r['rss_before_kb'] / 1024:.1f} | "
                     f"{r['hwm_kb'] / 1024:.1f} | "
                     + " / ".join(f"{x / 1024:.1f}" for x in r["rss_samples_kb"]) + " |")
        L.append("")
        if st.get("warm"):
            L.append("Each size: one untimed fetch of the same uploads first (in another fresh "
                     "kernel), so the measured one is answered from the emulator's response "
                     "cache; uncached requests during the measured fetch: "
                     + ", ".join(f"{r.get('emulator_cache_misses')}" for r in st["runs"])
                     + "; warm-up fetches (the emulator building every page) took "
                     + ", ".join(f"{r.get('warm_up_wall_s')} s" for r in st["runs"]) + ".")
            L.append("")


def _md_plot(res, L):
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


MD = {"proto": _md_proto, "fetch": _md_fetch, "store": _md_store,
      "plot": _md_plot}


def section_markdown(res, sec):
    """The generated block of one section: heading, the run it comes from,
    its table and its targets."""
    L = []
    MD[sec](res, L)
    if not L:
        if "error" in (res.get(sec) or {}):
            L += [f"### {sec}", "", f"**failed: {res[sec]['error']}**", ""]
        else:
            return ""
    m = (res.get(sec) or {}).get("meta") or res.get("meta") or {}
    L.insert(2, run_line(m))
    L.insert(3, "")
    tg = targets(res, (sec,))
    if tg:
        L.append("Targets:")
        L.append("")
        L.append("| target | measured | met |")
        L.append("|---|---|---|")
        for name, val, met in tg:
            L.append(f"| {name} | {val} | {'met' if met else 'NOT met'} |")
        L.append("")
    return "\n".join(L)


def markdown(res):
    return "\n".join(x for x in (section_markdown(res, s) for s in SECTIONS)
                     if x)


def update_readme(path, res, sections):
    """Replace the generated block of each section run, between
    `<!-- bench:SEC:begin -->` and `<!-- bench:SEC:end -->`: a run rewrites
    the sections it ran and leaves the others (each says which run it comes
    from)."""
    with open(path) as f:
        text = f.read()
    for sec in sections:
        block = section_markdown(res, sec)
        begin, end = f"<!-- bench:{sec}:begin -->", f"<!-- bench:{sec}:end -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            _, tail = rest.split(end, 1)
            text = head + begin + "\n" + block + "\n" + end + tail
        else:
            text = text.rstrip("\n") + "\n\n" + begin + "\n" + block + "\n" + end + "\n"
    with open(path, "w") as f:
        f.write(text)


def git_commit(where=SOURCE):
    try:
        return subprocess.run(["git", "-C", where, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except OSError:
        return "?"


def describe_kernel(path):
    """Which ytkernel binary is measured, and the worktree it was built in
    (branch@commit at HEAD; the binary's mtime says when it was built)."""
    out = {"path": os.path.abspath(path)}
    where = os.path.dirname(out["path"])
    try:
        out["built"] = datetime.datetime.fromtimestamp(
            os.stat(path).st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        branch = subprocess.run(["git", "-C", where, "rev-parse", "--abbrev-ref", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        commit = git_commit(where)
        if commit != "?":
            out["git"] = f"{branch}@{commit}"
    except OSError:
        pass
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--kernel", help="ytkernel binary to measure instead of "
                    "BUILD's (e.g. another worktree's build); also YTK_BENCH_KERNEL")
    ap.add_argument("--sections", default=",".join(SECTIONS))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args(argv)
    build = os.path.abspath(args.build)
    kernel = args.kernel or os.environ.get("YTK_BENCH_KERNEL") or \
        os.path.join(build, "ytkernel")
    kernel_meta = describe_kernel(kernel)
    sizes = QUICK if args.quick else FULL
    sections = args.sections.split(",")
    for sec in sections:
        if sec not in RUNNERS:
            ap.error(f"unknown section {sec!r} (known: {', '.join(SECTIONS)})")
    res = {}
    latest = os.path.join(args.results_dir, "latest.json")
    if not args.quick and os.path.exists(latest):
        # keep the sections not re-run, each with the meta of its own run
        with open(latest) as f:
            old = json.load(f)
        for sec in SECTIONS:
            if sec in old and sec not in sections:
                res[sec] = old[sec]
                res[sec].setdefault("meta", old.get("meta"))
    workdir = tempfile.mkdtemp(prefix="ytk-bench-")
    if args.kernel or os.environ.get("YTK_BENCH_KERNEL"):
        # measure a snapshot: another engineer may rebuild that worktree
        # while the benchmark runs
        snap = os.path.join(workdir, "ytkernel")
        shutil.copy2(kernel, snap)
        os.environ["YTK_BENCH_KERNEL"] = snap
    try:
        for sec in sections:
            print(f"bench: {sec} ...", file=sys.stderr, flush=True)
            meta = {
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{platform.system()} {platform.machine()}",
                "cpus": os.cpu_count(), "commit": git_commit(), "quick": args.quick,
                "python": platform.python_version(),
                "kernel": kernel_meta,
                "loadavg_start": os.getloadavg()[0],
            }
            t0 = time.monotonic()
            try:
                res[sec] = RUNNERS[sec](build, dict(sizes[sec]), workdir)
            except Exception as e:
                res[sec] = {"error": f"{type(e).__name__}: {e}"}
                print(f"bench: {sec} failed: {e}", file=sys.stderr, flush=True)
            meta["duration_s"] = res[sec]["seconds"] = round(time.monotonic() - t0, 1)
            meta["loadavg_end"] = os.getloadavg()[0]
            res[sec]["meta"] = meta
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    res["targets"] = [{"target": n, "measured": v, "met": m} for n, v, m in targets(res)]
    os.makedirs(args.results_dir, exist_ok=True)
    with open(latest, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    table = markdown(res)
    with open(os.path.join(args.results_dir, "latest.md"), "w") as f:
        f.write(table + "\n")
    if not args.no_readme and not args.quick:
        update_readme(os.path.join(HERE, "README.md"), res, sections)
    print(table)
    failed = [s for s in sections if "error" in res.get(s, {})]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
