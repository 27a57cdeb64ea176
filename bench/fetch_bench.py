"""Fetch benchmark: ytkernel's %yt_fetch against google-api-python-client and
python-youtube, on the emulator with latency added to every request.

Tasks (sizes from the emulator world; defaults are the issue's):
  W1  my channel's uploads with statistics        %yt_fetch uploads --mine
  W2  my subscriptions + the channels' statistics %yt_fetch subscriptions --mine --with-channels
  W3  every comment thread of the video with the most threads, replies
      completed                                   %yt_fetch comment_threads --video ID

For each client and task: wall time, Data API requests and quota units (from
the emulator's request log and quota ledger, OAuth traffic excluded), and
whether the fetched counts match the world.  For each task: the minimum
quota (every list call at maxResults, ids batched by 50, comments.list only
for threads with more replies than the 5 embedded) and the latency floor
(calls that depend on the previous one's page token, plus the last dependent
call, times the latency).

ytkernel runs in a fresh kernel (fresh YTK_HOME) per task, signed in first
with `%yt_auth login` through the emulator's browser stand-in; the timed part
is the one `%yt_fetch` cell, from execute_request to `idle`.  The peers get
an access token from the emulator's OAuth endpoints (not counted) and run in
this Python process.

Before the timed runs of a task, ytkernel and google-api-python-client run
it once untimed with no added latency (see warm_up); the emulator keeps
every answer in its response cache, so their timed runs measure latency,
transport and client, not the emulator building pages in Python.

Run: python -m bench.fetch_bench --build BUILD [--size large] [--latency-ms 50]
                                 [--kernel PATH] [--no-warm]
"""
import argparse
import json
import math
import os
import shutil
import sqlite3
import sys
import tempfile
import time

from bench.peers import PEERS
from bench.protoclient import KernelProcess, RawClient
from bench.proto_bench import cpu_seconds, ytkernel_argv

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCOPES = ("https://www.googleapis.com/auth/youtube.readonly",
          "https://www.googleapis.com/auth/youtube.force-ssl")
TASKS = ("W1", "W2", "W3")


def start_bench_emulator(workdir, **knobs):
    sys.path.insert(0, SOURCE)
    from emulator.testing import start_emulator
    knobs.setdefault("quota_limit", 10 ** 9)
    knobs.setdefault("quiet", True)
    return start_emulator(os.path.join(workdir, "emulator"), **knobs)


def world_facts(emu, seed, size, uploads=None, subscriptions=None,
                comment_threads=None):
    """Counts, minimum quota and sequential-call count of each task, from the
    emulator's world (same seed and knobs), independently of any client."""
    from emulator.world import World
    w = World(seed=seed, size=size, uploads=uploads,
              subscriptions=subscriptions, big_threads=comment_threads)
    info = emu.world()
    u = w.counts[0]
    s = w.n_subs
    big = w.starts[0] + w.me_big
    threads = w.video(big)["threads"]
    reps = [w.thread(big, t)["replies"] for t in range(threads)]
    long_threads = sum(1 for r in reps if r > 5)
    long_pages = sum(math.ceil(r / 100) for r in reps if r > 5)
    return {
        "W1": {"expect": {"videos": u}, "min_quota": 1 + 2 * math.ceil(u / 50),
               # channels.list(mine) -> the uploads playlist id; then its
               # pages (50 items: exactly one videos.list batch each)
               "sequential_calls": chain([1] + [1] * math.ceil(u / 50))},
        "W2": {"expect": {"subscriptions": s, "channels": s},
               "min_quota": 2 * math.ceil(s / 50),
               "sequential_calls": chain([0] + [1] * math.ceil(s / 50))},
        "W3": {"expect": {"threads": threads, "replies": sum(reps)},
               "min_quota": math.ceil(threads / 100) + long_pages,
               # thread pages in the API's order (order=time: thread t is
               # at position t); each unlocks comments.list chains of
               # ceil(replies / 100) pages for its threads with > 5 replies
               "sequential_calls": chain([0] + [
                   max([math.ceil(r / 100) for r in reps[k:k + 100] if r > 5],
                       default=0)
                   for k in range(0, threads, 100)]),
               "threads_needing_comments_list": long_threads},
        "video_with_many_threads": info["video_with_many_threads"],
    }


def chain(tails):
    """Length of the longest chain of calls that must wait for each other.
    tails[0] is the number of calls before the listing can start (the
    channel lookup of uploads); tails[k] for k >= 1 is the longest chain of
    follow-up calls that page k of the listing unlocks (0: none).  Page k
    is the k-th call after the lookup: each page needs the previous one's
    token; everything else can overlap with that chain."""
    head = tails[0]
    return max([head + k + t for k, t in enumerate(tails[1:], 1)] or [head])


def api_requests(emu):
    return [r for r in emu.requests_log() if "/youtube/v3/" in r.get("path", "")]


def sched_wait(pid):
    """Seconds the process's threads spent runnable but waiting for a CPU
    (the run-queue wait in /proc/PID/task/*/schedstat): on a shared 2-core
    machine this is what other people's work adds to every turnaround."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        return 0.0
    return total / 1e9


LISTING = {"W1": "/youtube/v3/playlistItems", "W2": "/youtube/v3/subscriptions",
           "W3": "/youtube/v3/commentThreads"}


def timeline(reqs, task, t0, wall):
    """Where a client's time went, from the emulator's request log (arrival
    times, time.time() on the same machine): when the first and the last
    call arrived after the cell started, the gaps between successive pages
    of the main listing (the chain: latency + the client's turnaround +
    the emulator's), and the most calls in flight at once."""
    times = sorted(r["time"] for r in reqs)
    if not times:
        return {}
    pages = sorted(r["time"] for r in reqs if r.get("path") == LISTING[task])
    gaps = sorted((b - a) * 1000 for a, b in zip(pages, pages[1:]))
    lat = max([r.get("delay_ms", 0) for r in reqs] + [1]) / 1000
    flight, j = 0, 0
    for i, t in enumerate(times):  # calls that arrived within one latency
        while times[j] < t - lat:
            j += 1
        flight = max(flight, i - j + 1)

    def pct(p):
        return round(gaps[min(len(gaps) - 1, int(p * len(gaps)))], 1) if gaps else None
    return {"first_call_s": round(times[0] - t0, 3),
            "last_call_s": round(times[-1] - t0, 3),
            "after_last_call_s": round(wall - (times[-1] - t0), 3),
            "listing_pages": len(pages), "page_gap_ms_median": pct(0.5),
            "page_gap_ms_p90": pct(0.9), "max_in_flight": flight}


def ytkernel_cell(task, facts):
    return {
        "W1": "%yt_fetch uploads --mine",
        "W2": "%yt_fetch subscriptions --mine --with-channels",
        "W3": f"%yt_fetch comment_threads --video {facts['video_with_many_threads']}",
    }[task]


def ytkernel_counts(home, task):
    db = sqlite3.connect(f"file:{os.path.join(home, 'store.sqlite')}?mode=ro", uri=True)
    try:
        def n(table):
            try:
                return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.Error:
                return None
        if task == "W1":
            return {"videos": n("videos"), "playlist_items": n("playlist_items")}
        if task == "W2":
            return {"subscriptions": n("subscriptions"), "channels": n("channels")}
        # `comments` also holds each thread's top-level comment (parent_id
        # NULL); replies are the rows with a parent.
        return {"threads": n("comment_threads"),
                "replies": n("comments WHERE parent_id IS NOT NULL")}
    finally:
        db.close()


def kernel_session(build, emu, workdir, env_extra=None):
    """Start ytkernel with a fresh YTK_HOME against emu; signed in."""
    home = tempfile.mkdtemp(prefix="home-", dir=workdir)
    env = {"YTK_HOME": home, "YTK_GOOGLE_BASE": emu.base_url,
           "YTK_CLIENT_SECRETS": emu.client_secret_path,
           "BROWSER": os.path.join(SOURCE, "emulator", "browser-standin")}
    env.update(env_extra or {})
    kp = KernelProcess(ytkernel_argv(build), env=env, workdir=home)
    kp.start()
    c = RawClient(kp.info)
    c.wait_ready(timeout=60)
    st, _, _, _ = c.execute_fast("%yt_auth login", timeout=120)
    if st != "ok":
        raise RuntimeError("ytkernel: %yt_auth login failed: "
                           + kp.stderr_text()[-500:])
    return kp, c, home


def run_ytkernel(build, emu, task, facts, workdir):
    kp, c, home = kernel_session(build, emu, workdir)
    try:
        emu.clear_requests_log()
        q0 = emu.quota_used()
        m0 = emu.cache_stats()["misses"]
        code = ytkernel_cell(task, facts)
        e0, k0 = cpu_seconds(emu.proc.pid), cpu_seconds(kp.pid)
        s0 = sched_wait(kp.pid)
        t0, w0 = time.perf_counter(), time.time()
        st, n_io, _, _ = c.execute_fast(code, timeout=1800)
        wall = time.perf_counter() - t0
        e1, k1 = cpu_seconds(emu.proc.pid), cpu_seconds(kp.pid)
        s1 = sched_wait(kp.pid)
        q1 = emu.quota_used()
        m1 = emu.cache_stats()["misses"]
        reqs = api_requests(emu)
        c.shutdown(timeout=30)
    finally:
        c.close()
        kp.wait(timeout=30)
    res = {"status": st, "cell": code, "wall_s": round(wall, 3),
           "requests": len(reqs), "quota": q1 - q0,
           "client_cpu_s": round(k1 - k0, 2), "emulator_cpu_s": round(e1 - e0, 2),
           "emulator_cache_misses": m1 - m0,
           "client_runqueue_wait_s": round(s1 - s0, 2),
           "timeline": timeline(reqs, task, w0, wall),
           "counts": ytkernel_counts(home, task)}
    shutil.rmtree(home, ignore_errors=True)
    return res


def run_peer(name, emu, task, facts, token):
    make, tasks = PEERS[name]
    client = make(emu.base_url, token)
    emu.clear_requests_log()
    q0 = emu.quota_used()
    m0 = emu.cache_stats()["misses"]
    e0, p0 = cpu_seconds(emu.proc.pid), time.process_time()
    s0 = sched_wait(os.getpid())
    t0, w0 = time.perf_counter(), time.time()
    try:
        counts = tasks[task](client, video_id=facts["video_with_many_threads"])
        status = "ok"
    except Exception as e:  # record it; the other clients still run
        counts, status = {}, f"error: {type(e).__name__}: {str(e)[:200]}"
    wall = time.perf_counter() - t0
    e1, p1 = cpu_seconds(emu.proc.pid), time.process_time()
    s1 = sched_wait(os.getpid())
    q1 = emu.quota_used()
    reqs = api_requests(emu)
    return {"status": status, "wall_s": round(wall, 3),
            "client_runqueue_wait_s": round(s1 - s0, 2),
            "requests": len(reqs), "quota": q1 - q0,
            "timeline": timeline(reqs, task, w0, wall),
            "client_cpu_s": round(p1 - p0, 2), "emulator_cpu_s": round(e1 - e0, 2),
            "emulator_cache_misses": emu.cache_stats()["misses"] - m0,
            "counts": counts}


def counts_ok(expect, counts):
    return all(counts.get(k) == v for k, v in expect.items())


def run_client(build, emu, task, facts, workdir, cl, token):
    if cl == "ytkernel":
        return run_ytkernel(build, emu, task, facts, workdir)
    return run_peer(cl, emu, task, facts, token)


def warm_up(build, emu, task, facts, workdir, clients, token, latency_ms):
    """One untimed run of each client with no added latency, so that every
    request of the timed runs is answered from the emulator's response
    cache (the world never changes): what is timed is then the latency,
    the transport and the client, not the emulator building pages in
    Python.  Returns what each warm-up cost (wall, emulator CPU)."""
    out = {}
    emu.set_latency(0)
    try:
        for cl in clients:
            print(f"fetch: {task} {cl} (warm-up, no latency) ...",
                  file=sys.stderr, flush=True)
            r = run_client(build, emu, task, facts, workdir, cl, token)
            out[cl] = {k: r.get(k) for k in ("status", "wall_s", "requests",
                                             "emulator_cpu_s",
                                             "emulator_cache_misses")}
    finally:
        emu.set_latency(latency_ms)
    return out


def run(build, workdir, size="large", latency_ms=50, seed=1, tasks=TASKS,
        clients=("ytkernel", "google-api-python-client", "python-youtube"),
        uploads=None, subscriptions=None, comment_threads=None,
        warm=("ytkernel", "google-api-python-client"), cache_mb=2048):
    """warm: clients run once untimed before the timed runs (each sends
    its own parameters, so each warms its own requests; every timed run
    reports the requests the emulator still had to build).  python-youtube
    is not warmed by default: its own CPU (its model classes, 16-60 s per
    task) dwarfs the emulator's few seconds, and a warm-up run would double
    the longest part of the benchmark."""
    knobs = dict(seed=seed, size=size, latency_ms=latency_ms, uploads=uploads,
                 subscriptions=subscriptions, comment_threads=comment_threads,
                 response_cache_mb=cache_mb if warm else None)
    emu = start_bench_emulator(workdir, **knobs)
    try:
        facts = world_facts(emu, seed, size, uploads, subscriptions,
                            comment_threads)
        token = emu.obtain_tokens(scopes=SCOPES)["access_token"]
        out = {"latency_ms": latency_ms, "size": size, "seed": seed,
               "parallel": os.environ.get("YTK_FETCH_PARALLEL", "default"),
               "warm": list(warm or ()), "tasks": {}}
        for task in tasks:
            f = facts[task]
            t = {"expect": f["expect"], "min_quota": f["min_quota"],
                 "sequential_calls": f["sequential_calls"],
                 "latency_floor_s": round(f["sequential_calls"] * latency_ms / 1000, 3),
                 "clients": {}}
            if "threads_needing_comments_list" in f:
                t["threads_needing_comments_list"] = f["threads_needing_comments_list"]
            if warm:
                t["warm_up"] = warm_up(build, emu, task, facts, workdir,
                                       [c for c in clients if c in warm],
                                       token, latency_ms)
            for cl in clients:
                print(f"fetch: {task} {cl} ...", file=sys.stderr, flush=True)
                try:
                    r = run_client(build, emu, task, facts, workdir, cl, token)
                except Exception as e:
                    r = {"status": f"error: {type(e).__name__}: {str(e)[:300]}"}
                r["counts_ok"] = counts_ok(f["expect"], r.get("counts", {}))
                print(f"fetch: {task} {cl}: {json.dumps(r)}", file=sys.stderr, flush=True)
                t["clients"][cl] = r
            out["tasks"][task] = t
        return out
    finally:
        emu.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--size", default="large")
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--clients", default="ytkernel,google-api-python-client,python-youtube")
    ap.add_argument("--uploads", type=int)
    ap.add_argument("--subscriptions", type=int)
    ap.add_argument("--comment-threads", type=int)
    ap.add_argument("--kernel", help="ytkernel binary to measure (default: "
                    "BUILD's kernelspec; also YTK_BENCH_KERNEL)")
    ap.add_argument("--no-warm", action="store_true",
                    help="no untimed warm-up runs (the emulator builds every "
                         "page during the timed runs)")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    if args.kernel:
        os.environ["YTK_BENCH_KERNEL"] = os.path.abspath(args.kernel)
    workdir = tempfile.mkdtemp(prefix="ytk-fetch-bench-")
    try:
        res = run(os.path.abspath(args.build), workdir, size=args.size,
                  latency_ms=args.latency_ms, tasks=args.tasks.split(","),
                  clients=args.clients.split(","), uploads=args.uploads,
                  subscriptions=args.subscriptions,
                  comment_threads=args.comment_threads,
                  **({"warm": ()} if args.no_warm else {}))
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
