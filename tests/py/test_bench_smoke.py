"""Every benchmark still runs, on tiny sizes (`python -m bench.run --quick`).

No timing is asserted (speed belongs to `make bench`); what is checked is
that each section produced its measurements and that they are about the
right data: every kernel answered and delivered every stream line in order,
every fetch client fetched exactly the world's rows, the store run wrote
every row, both plots rendered.  The floor kernel is compiled from
bench/floor.c into the test's temporary directory.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

import ytk

CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    floor = tmp / "floor"
    pc = subprocess.run(["pkg-config", "--cflags", "--libs", "libzmq", "libcrypto", "uuid"],
                        capture_output=True, text=True, check=True).stdout.split()
    subprocess.run([CC, "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(floor),
                    os.path.join(ytk.SOURCE_DIR, "bench", "floor.c")] + pc, check=True)
    env = dict(os.environ, YTK_BENCH_FLOOR=str(floor))
    env["PYTHONPATH"] = ytk.SOURCE_DIR + os.pathsep + env.get("PYTHONPATH", "")
    out = tmp / "results"
    p = subprocess.run([sys.executable, "-m", "bench.run", "--build",
                        os.path.abspath(ytk.BUILD_DIR), "--quick", "--no-readme",
                        "--results-dir", str(out)],
                       cwd=ytk.SOURCE_DIR, env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-4000:]
    with open(out / "latest.json") as f:
        res = json.load(f)
    return res, (out / "latest.md").read_text()


def test_protocol_section(quick_results):
    res, _ = quick_results
    kernels = res["proto"]["kernels"]
    assert set(kernels) == {"ytkernel", "ipykernel", "floor"}
    for name, k in kernels.items():
        assert "error" not in k, (name, k.get("error"))
        for m in ("start", "execute", "kernel_info"):
            assert k[m]["n"] > 0 and k[m]["median_ms"] > 0, (name, m)
        assert k["mem_start_kb"]["VmRSS"] > 0 and k["mem_end_kb"]["VmHWM"] > 0
        s = k["stream"]
        assert s["status"] == "ok" and s["lines_ok"], (name, s)
        assert s["lines"] == res["proto"]["params"]["lines"]
    # The floor sends one message per line: the unbatched reference.
    assert kernels["floor"]["stream"]["stream_msgs"] == res["proto"]["params"]["lines"]


def test_fetch_section(quick_results):
    res, _ = quick_results
    tasks = res["fetch"]["tasks"]
    assert set(tasks) == {"W1", "W2", "W3"}
    for task, t in tasks.items():
        assert t["min_quota"] > 0 and t["latency_floor_s"] > 0
        assert set(t["clients"]) == {"ytkernel", "google-api-python-client", "python-youtube"}
        # the floor counts at least the listing's own pages
        assert t["sequential_calls"] >= 1
        assert t["latency_floor_s"] == pytest.approx(
            t["sequential_calls"] * res["fetch"]["latency_ms"] / 1000)
        for cl, r in t["clients"].items():
            assert r["status"] == "ok", (task, cl, r)
            assert r["counts_ok"], (task, cl, r["counts"], t["expect"])
            assert r["requests"] > 0 and r["quota"] >= t["min_quota"], (task, cl, r)
            assert r["emulator_cache_misses"] >= 0
            if cl in res["fetch"]["warm"]:
                # its untimed warm-up run fetched the same
                assert t["warm_up"][cl]["status"] == "ok", (task, cl, t["warm_up"])
                assert t["warm_up"][cl]["requests"] == r["requests"], (task, cl)
    assert "ytkernel" in res["fetch"]["warm"]
    meta = res["fetch"]["meta"]
    assert meta["quick"] and os.path.exists(meta["kernel"]["path"])


def test_store_and_plot_sections(quick_results):
    res, md = quick_results
    for r in res["store"]["runs"]:
        assert r["status"] == "ok" and r["rows_ok"], r
        assert r["hwm_kb"] > 0 and len(r["rss_samples_kb"]) == 5
    assert "hwm_growth_kb" in res["store"]
    for kind in ("line", "scatter"):
        p = res["plot"]["kinds"][kind]
        assert p["status"] == "ok", p
        assert p["svg_chars"] > 0 and p["png_b64_chars"] > 0
    for heading in ("### Protocol", "### Fetching", "### Storage", "### Plotting",
                    "| target | measured | met |"):
        assert heading in md
    # every section says which run it comes from
    assert md.count("Run 20") == 4


def test_latency_floor_chain():
    """The floor is the longest chain of calls that wait for each other."""
    from bench.fetch_bench import chain
    # uploads: channel lookup, 3 playlist pages, each unlocking one batch
    assert chain([1, 1, 1, 1]) == 1 + 3 + 1
    # a listing whose only follow-ups hang off its first page
    assert chain([0, 2, 0, 0]) == 3  # page 3 ends last; page 1 + 2 = 3 too
    assert chain([0, 4, 0, 0]) == 5
    # no follow-ups: just the pages
    assert chain([0, 0, 0]) == 2
    assert chain([1]) == 1
