"""Protocol benchmark: ytkernel, ipykernel and the C floor, one harness.

For each kernel (same client, same machine, same run):
  start     process start -> first kernel_info_reply, median of --starts fresh
            processes (the request is sent right after spawning, on a socket
            that reconnects every 1 ms; no wait_for_ready drain); ytkernel
            with an existing YTK_HOME, and again with an empty one each time
  execute   trivial execute -> execute_reply AND iopub idle, median/p99 over
            --execs round trips after --warmup
  info      kernel_info_request -> kernel_info_reply, median/p99 over --infos
  memory    VmRSS after start (kernel ready), VmRSS and VmHWM after the loops
  stream    one cell writing --lines lines to stdout: time until idle, lines
            per second, stream messages received (every line is checked)

Run: python -m bench.proto_bench --build BUILD [--kernels ytkernel,ipykernel,floor]
Prints a JSON object (kernel -> results) on stdout or writes it to --out.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

from bench.protoclient import KernelProcess, RawClient, proc_status

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)


def ytkernel_argv(build):
    """The kernelspec's argv from the build tree, or YTK_BENCH_KERNEL (a
    ytkernel binary, e.g. another worktree's build) when it is set."""
    kernel = os.environ.get("YTK_BENCH_KERNEL")
    if kernel:
        return [os.path.abspath(kernel), "-f", "{connection_file}"]
    spec = os.path.join(build, "jupyter", "kernels", "ytkernel", "kernel.json")
    with open(spec) as f:
        return json.load(f)["argv"]


def kernel_defs(build):
    """What each kernel runs for each measurement (documented in README)."""
    return {
        "ytkernel": {
            "argv": lambda: ytkernel_argv(build),
            "home": True,
            "trivial": "SELECT 1",
            # N `%print` lines in one cell: N separate writes to stdout.
            "stream": lambda n: ytkernel_stream_code(n),
        },
        "ipykernel": {
            "argv": lambda: [sys.executable, "-m", "ipykernel_launcher",
                             "-f", "{connection_file}"],
            "home": False,
            "trivial": "1",
            "stream": lambda n: f"for i in range({n}):\n    print('line', i)",
        },
        "floor": {
            "argv": lambda: [os.environ.get("YTK_BENCH_FLOOR")
                             or os.path.join(build, "bench", "floor"), "-f",
                             "{connection_file}"],
            "home": False,
            "trivial": "1",
            "stream": lambda n: f"stream {n}",
        },
    }


def ytkernel_stream_code(n):
    """A ytkernel cell that writes n lines to stdout, one `%print` each (the
    cell language has no loop: the cell holds n magic lines)."""
    return "\n".join(f"%print line {i}" for i in range(n))


def pct(values, p):
    s = sorted(values)
    if not s:
        return None
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def summary_ms(values):
    return {"median_ms": round(statistics.median(values) * 1e3, 4),
            "p99_ms": round(pct(values, 99) * 1e3, 4),
            "mean_ms": round(statistics.fmean(values) * 1e3, 4),
            "n": len(values)}


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mem_of(pid):
    d = proc_status(pid)
    return {k: d.get(k) for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def launch(defn, workdir, home=None):
    env = {}
    if defn["home"]:
        home = home or tempfile.mkdtemp(prefix="home-", dir=workdir)
        env["YTK_HOME"] = home
    # ipykernel: keep IPython's profile out of the user's home.
    env["IPYTHONDIR"] = os.path.join(workdir, "ipython")
    env["MPLBACKEND"] = "agg"
    return KernelProcess(defn["argv"](), env=env, workdir=workdir)


def measure_start(defn, workdir, starts, fresh_home=False):
    """Median of `starts` fresh processes.  With fresh_home, each start gets
    a new empty YTK_HOME (the kernel creates the store and the history
    database); otherwise all share one, created by the uncounted first start
    (the usual case: a store that exists)."""
    times = []
    shared = tempfile.mkdtemp(prefix="home-", dir=workdir)
    for i in range(starts + 1):  # the first start warms caches, not counted
        kp = launch(defn, workdir, home=None if fresh_home else shared)
        t0 = time.perf_counter()
        kp.start()
        c = RawClient(kp.info)
        try:
            c.kernel_info(timeout=60)
            t1 = time.perf_counter()
            if i > 0:
                times.append(t1 - t0)
            c.shutdown(timeout=5)
        finally:
            c.close()
            kp.wait(timeout=10)
    return times


def measure_kernel(name, defn, args, workdir):
    res = {"kernel": name}
    res["start"] = summary_ms(measure_start(defn, workdir, args.starts))
    if defn["home"]:
        res["start_fresh_home"] = summary_ms(
            measure_start(defn, workdir, args.starts, fresh_home=True))

    kp = launch(defn, workdir)
    kp.start()
    c = RawClient(kp.info)
    try:
        c.wait_ready(timeout=60)
        time.sleep(0.2)
        res["mem_start_kb"] = mem_of(kp.pid)

        code = defn["trivial"]
        res["trivial_code"] = code
        for _ in range(args.warmup):
            st, *_ = c.execute_fast(code)
            if st != "ok":
                raise RuntimeError(f"{name}: {code!r} -> {st}")
        lat = []
        cpu0 = cpu_seconds(kp.pid)
        for _ in range(args.execs):
            t0 = time.perf_counter()
            c.execute_fast(code)
            lat.append(time.perf_counter() - t0)
        res["execute"] = summary_ms(lat)
        # The kernel's own CPU (user + system, all threads) per execute.
        res["execute"]["kernel_cpu_us"] = round(
            (cpu_seconds(kp.pid) - cpu0) / args.execs * 1e6, 1)

        for _ in range(min(args.warmup, 50)):
            c.kernel_info()
        lat = []
        for _ in range(args.infos):
            t0 = time.perf_counter()
            c.kernel_info()
            lat.append(time.perf_counter() - t0)
        res["kernel_info"] = summary_ms(lat)

        scode = defn["stream"](args.lines)
        t0 = time.perf_counter()
        st, n_io, n_stream, text = c.execute_fast(scode, timeout=300,
                                                  stream_lines=True)
        dt = time.perf_counter() - t0
        lines = text.splitlines()
        expect = [f"line {i}" for i in range(args.lines)]
        res["stream"] = {
            "code": scode if len(scode) < 200 else scode[:120] + " ...",
            "status": st, "seconds": round(dt, 4),
            "lines": len(lines), "lines_ok": lines == expect,
            "lines_per_s": round(len(lines) / dt) if dt > 0 else None,
            "stream_msgs": n_stream, "iopub_msgs": n_io,
        }

        res["mem_end_kb"] = mem_of(kp.pid)
        c.shutdown(timeout=5)
    finally:
        c.close()
        kp.wait(timeout=10)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--kernels", default="ytkernel,ipykernel,floor")
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--execs", type=int, default=5000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--infos", type=int, default=2000)
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--out")
    args = ap.parse_args(argv)

    defs = kernel_defs(os.path.abspath(args.build))
    workdir = tempfile.mkdtemp(prefix="ytk-proto-bench-")
    results = {}
    try:
        for name in args.kernels.split(","):
            print(f"proto: {name} ...", file=sys.stderr, flush=True)
            try:
                results[name] = measure_kernel(name, defs[name], args, workdir)
            except Exception as e:  # report, keep measuring the others
                results[name] = {"kernel": name, "error": f"{type(e).__name__}: {e}"}
            print(f"proto: {name}: {json.dumps(results[name])}", file=sys.stderr,
                  flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out = json.dumps(results, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(out + "\n")
    else:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
