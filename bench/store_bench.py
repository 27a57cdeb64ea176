"""Storage and memory benchmark: API pages into SQLite, and the kernel's
memory while it fetches many videos.

`%yt_fetch uploads --mine` on an emulator world whose channel has N uploads
(no added latency), run for each N in --uploads (default 10,000 and
100,000), each in a fresh kernel and store.  While the cell runs, the
kernel's VmRSS is sampled every 20 ms from /proc.  Reported per N:

  rows              videos + playlist_items rows written (checked = 2 N)
  wall_s            execute_request -> idle of the fetch cell
  rows_per_s        rows / wall_s (includes the emulator's own time: it
                    generates and serializes every page in Python)
  kernel_cpu_s      the kernel's user+system CPU time during the cell
  rows_per_cpu_s    rows / kernel_cpu_s: the kernel's own cost per row
  emulator_cpu_s    the emulator's CPU time during the cell (answers come
                    from its response cache, warmed by one untimed fetch of
                    the same uploads in another fresh kernel; --no-warm: it
                    builds every page while the kernel waits)
  hwm_kb            VmHWM after the cell (peak RSS of the process so far)
  rss_samples_kb    VmRSS at 0/25/50/75/100 % of the cell's duration

The target: the peak does not grow with the number of rows, i.e. hwm at
100,000 uploads is within a small constant of hwm at 10,000 (pages are
streamed into SQLite, not accumulated).

Run: python -m bench.store_bench --build BUILD [--uploads 10000,100000]
"""
import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time

from bench.fetch_bench import kernel_session, start_bench_emulator
from bench.protoclient import proc_status

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime, stime are fields 14, 15
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Sampler(threading.Thread):
    def __init__(self, pid, every=0.02):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples = []
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.is_set():
            try:
                self.samples.append((time.perf_counter(), proc_status(self.pid)["VmRSS"]))
            except (OSError, KeyError):
                return
            self.stop_ev.wait(self.every)

    def stop(self):
        self.stop_ev.set()
        self.join()


def warm_up(build, emu, wd):
    """One untimed fetch of the same uploads in another fresh kernel: the
    emulator keeps every answer (gzip) in its response cache, so the
    measured run is not waiting for Python to build pages."""
    kp, c, home = kernel_session(build, emu, wd)
    try:
        t0 = time.perf_counter()
        c.execute_fast("%yt_fetch uploads --mine", timeout=3600)
        wall = time.perf_counter() - t0
        c.shutdown(timeout=60)
    finally:
        c.close()
        kp.wait(timeout=60)
    shutil.rmtree(home, ignore_errors=True)
    return round(wall, 2)


def one(build, workdir, uploads, seed=1, warm=True):
    wd = tempfile.mkdtemp(prefix=f"store-{uploads}-", dir=workdir)
    emu = start_bench_emulator(wd, seed=seed, size="small", uploads=uploads,
                               latency_ms=0,
                               response_cache_mb=4096 if warm else None)
    try:
        warm_s = warm_up(build, emu, wd) if warm else None
        kp, c, home = kernel_session(build, emu, wd)
        try:
            # Warm the code paths (and the HTTP connection) on a small fetch
            # first, so the peak below is about rows, not first-use costs.
            c.execute_fast("%yt_fetch channels --mine", timeout=120)
            base = proc_status(kp.pid)
            cpu0 = cpu_seconds(kp.pid)
            emu0 = cpu_seconds(emu.proc.pid)
            m0 = emu.cache_stats()["misses"]
            sampler = Sampler(kp.pid)
            sampler.start()
            t0 = time.perf_counter()
            st, _, _, _ = c.execute_fast("%yt_fetch uploads --mine", timeout=3600)
            wall = time.perf_counter() - t0
            sampler.stop()
            cpu = cpu_seconds(kp.pid) - cpu0
            emu_cpu = cpu_seconds(emu.proc.pid) - emu0
            misses = emu.cache_stats()["misses"] - m0
            end = proc_status(kp.pid)
            c.shutdown(timeout=60)
        finally:
            c.close()
            kp.wait(timeout=60)
        db = sqlite3.connect(os.path.join(home, "store.sqlite"))
        try:
            videos = db.execute("SELECT count(*) FROM videos").fetchone()[0]
            items = db.execute("SELECT count(*) FROM playlist_items").fetchone()[0]
        finally:
            db.close()
    finally:
        emu.stop()
    samples = sampler.samples
    marks = []
    if samples:
        t_first, t_last = samples[0][0], samples[-1][0]
        for frac in (0, 0.25, 0.5, 0.75, 1.0):
            target = t_first + frac * (t_last - t_first)
            marks.append(min(samples, key=lambda s: abs(s[0] - target))[1])
    rows = videos + items
    res = {
        "uploads": uploads, "status": st, "videos": videos,
        "playlist_items": items, "rows": rows, "rows_ok": videos == uploads
        and items == uploads,
        "wall_s": round(wall, 3), "rows_per_s": round(rows / wall) if wall else None,
        "kernel_cpu_s": round(cpu, 3),
        "rows_per_cpu_s": round(rows / cpu) if cpu > 0 else None,
        "emulator_cpu_s": round(emu_cpu, 2),
        "emulator_cache_misses": misses, "warm_up_wall_s": warm_s,
        "rss_before_kb": base["VmRSS"], "hwm_before_kb": base["VmHWM"],
        "rss_after_kb": end["VmRSS"], "hwm_kb": end["VmHWM"],
        "rss_samples_kb": marks, "samples": len(samples),
    }
    shutil.rmtree(wd, ignore_errors=True)
    return res


def run(build, workdir, uploads=(10000, 100000), warm=True):
    out = {"runs": [], "warm": warm}
    for n in uploads:
        print(f"store: {n} uploads ...", file=sys.stderr, flush=True)
        try:
            r = one(build, workdir, n, warm=warm)
        except Exception as e:
            r = {"uploads": n, "status": f"error: {type(e).__name__}: {str(e)[:300]}"}
        print(f"store: {json.dumps(r)}", file=sys.stderr, flush=True)
        out["runs"].append(r)
    good = [r for r in out["runs"] if "hwm_kb" in r]
    if len(good) >= 2:
        out["hwm_growth_kb"] = good[-1]["hwm_kb"] - good[0]["hwm_kb"]
        out["rows_ratio"] = round(good[-1]["rows"] / max(1, good[0]["rows"]), 1)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--uploads", default="10000,100000")
    ap.add_argument("--no-warm", action="store_true",
                    help="no untimed warm-up fetch: the emulator builds every "
                         "page while the kernel waits")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="ytk-store-bench-")
    try:
        res = run(os.path.abspath(args.build), workdir,
                  [int(x) for x in args.uploads.split(",")],
                  warm=not args.no_warm)
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
