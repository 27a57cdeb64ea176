"""Start-up loads neither libcurl nor cairo (magics/mg_lazy.c): a kernel that
only ran SQL has mapped neither library; the first cell that needs one loads
it, and its functions work through the stubs (the plotting and fetching
tests exercise the rest).  A new libcurl or cairo call without its stub in
mg_lazy.c makes the executable link the library again: this test then
fails."""
import re

import ytk


def mapped(pid):
    """The file names of the shared objects the process has mapped."""
    with open(f"/proc/{pid}/maps") as f:
        return {line.split()[-1].rsplit("/", 1)[-1] for line in f
                if len(line.split()) >= 6 and ".so" in line}


def has(libs, name):
    return any(lib.startswith(name + ".so") for lib in libs)


def test_curl_and_cairo_load_on_first_use(kernel):
    km, kc = kernel
    pid = km.provisioner.pid
    libs = mapped(pid)
    assert has(libs, "libzmq") and has(libs, "libsqlite3")
    assert not has(libs, "libcurl"), sorted(libs)
    assert not has(libs, "libcairo"), sorted(libs)

    r = ytk.execute(kc, "SELECT 6 * 7 AS answer")
    assert r.status == "ok"
    libs = mapped(pid)
    assert not has(libs, "libcurl") and not has(libs, "libcairo")

    # %version asks both libraries for their version: both get loaded
    r = ytk.execute(kc, "%version")
    assert r.status == "ok"
    text = r.of_type("display_data")[0]["content"]["data"]["text/plain"]
    rows = dict(line.split(None, 1) for line in text.splitlines() if line)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", rows["libcurl"]), rows
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", rows["cairo"]), rows
    libs = mapped(pid)
    assert has(libs, "libcurl") and has(libs, "libcairo")
