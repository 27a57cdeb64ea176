"""Hardening against a local attacker and careless secrets (issue 15, the
items outside the kernel's sockets), each against the built kernel:

- %yt_fetch export never writes through a symlink planted at its temporary
  name (the old name PATH.tmp-PID; tests/unit/test_file.c plants one at
  every name the writer could draw);
- CSV export guards formula-looking text cells, --raw and JSON do not;
- %yt_plot --save replaces a symlink at its target, never writes through
  one;
- history.sqlite keeps no secret typed into a cell (%yt_auth key KEY,
  --client-secret X, token-shaped strings), and %yt_auth warns about the
  notebook copy;
- store.sqlite, history.sqlite and their -wal/-shm are 0600 in a
  pre-existing 0755 YTK_HOME under umask 022, with a warning on stderr;
- a token minted by one emulator is not sent to a second one;
- a web client whose only redirect URI is http://[::1]:PORT signs in.

Everything talks to 127.0.0.1 / [::1] only.
"""
import json
import os
import socket
import sqlite3
import stat
import time

import pytest

import ytk
from fetchutil import assert_logged_in_via, write_token, write_web_client
from ytk import run

STANDIN = os.path.join(ytk.SOURCE_DIR, "emulator", "browser-standin")

KEY = "AIzaSyD-hardening-test-key-0123456789ab"
CLIENT_SECRET = "GOCSPX-hardeningTestSecret_0123"
ACCESS = "ya29.a0hardeningAccessToken-0123456789"
REFRESH = "1//0hardeningRefreshToken_0123456789"


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


# ---- export: planted symlinks, CSV formulas --------------------------------

FORMULA_ROWS = [
    ("a", '=HYPERLINK("http://evil.test","click")', -5),
    ("b", "+1+2", 3),
    ("c", "-2+3", 0),
    ("d", "@SUM(A1)", 7),
    ("e", "\tTabbed", 1),
    ("f", "plain title", -1),
]


def make_table(kc):
    values = ",".join("('%s','%s',%d)" % (i, t.replace("'", "''"), n)
                      for i, t, n in FORMULA_ROWS)
    run(kc, "CREATE TABLE v(video_id TEXT PRIMARY KEY, title TEXT, "
            "delta INTEGER);\nINSERT INTO v VALUES %s" % values)


def test_export_does_not_follow_planted_symlink(kernel, tmp_path):
    km, kc = kernel
    make_table(kc)
    out = tmp_path / "out" / "v.csv"
    out.parent.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    # the temporary name the export used to write through
    planted = out.parent / ("v.csv.tmp-%d" % ytk.kernel_pid(km))
    planted.symlink_to(victim)
    r = run(kc, "%%yt_fetch export v %s" % out)
    assert "Exported 6 rows of v" in r.stdout
    assert victim.read_text() == "precious\n"
    assert planted.is_symlink()
    assert out.read_bytes().decode().startswith("video_id,title,delta\r\n")
    # nothing left behind: the file and the planted link only
    assert sorted(p.name for p in out.parent.iterdir()) == \
        sorted([out.name, planted.name])
    # a symlink AT the target is replaced, not written through
    out.unlink()
    out.symlink_to(victim)
    run(kc, "%%yt_fetch export v %s" % out)
    assert not out.is_symlink()
    assert victim.read_text() == "precious\n"


def test_csv_export_guards_formulas(kernel, tmp_path):
    km, kc = kernel
    make_table(kc)
    csv_path = tmp_path / "v.csv"
    run(kc, "%%yt_fetch export v %s" % csv_path)
    lines = csv_path.read_bytes().decode().split("\r\n")
    assert lines[0] == "video_id,title,delta"
    assert lines[1] == \
        "a,\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"click\"\")\",-5"
    assert lines[2] == "b,'+1+2,3"
    assert lines[3] == "c,'-2+3,0"
    assert lines[4] == "d,'@SUM(A1)," + "7"
    assert lines[5] == "e,'\tTabbed,1"
    assert lines[6] == "f,plain title,-1"  # negative numbers stay numbers
    # --raw: as stored
    run(kc, "%%yt_fetch export v %s --raw" % csv_path)
    lines = csv_path.read_bytes().decode().split("\r\n")
    assert lines[1] == "a,\"=HYPERLINK(\"\"http://evil.test\"\",\"\"click\"\")\",-5"
    assert lines[2] == "b,+1+2,3"
    # JSON stays raw
    js = tmp_path / "v.json"
    run(kc, "%%yt_fetch export v %s" % js)
    titles = [row["title"] for row in json.loads(js.read_text())]
    assert titles == [t for _, t, _ in FORMULA_ROWS]
    # the help documents the rule and the option
    r = run(kc, "%yt_fetch?")
    assert "--raw" in r.all_text()


def test_chart_save_does_not_follow_planted_symlink(kernel, tmp_path):
    km, kc = kernel
    make_table(kc)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "charts"
    out.mkdir()
    planted = out / ("c.svg.tmp-%d" % ytk.kernel_pid(km))
    planted.symlink_to(victim)
    target = out / "c.svg"
    target.symlink_to(victim)
    r = run(kc, "%%yt_plot bar --from v --x video_id --y delta --save %s"
            % target)
    assert "Saved" in r.stdout
    assert victim.read_text() == "precious\n"
    assert not target.is_symlink() and target.read_text().startswith("<")
    assert sorted(p.name for p in out.iterdir()) == ["c.svg", planted.name]


# ---- history keeps no secret -----------------------------------------------

def history_sources(home, last):
    """The sources in history.sqlite, once the cell `last` is there: the
    kernel's history writer writes rows within 100 ms (kernel/README.md),
    so poll (up to 30 s: no timing is asserted)."""
    deadline = time.monotonic() + 30
    while True:
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            str(home), "history.sqlite"), uri=True, timeout=10)
        try:
            sources = [r[0] for r in con.execute("SELECT source FROM history")]
        finally:
            con.close()
        if last in sources or time.monotonic() > deadline:
            return sources
        time.sleep(0.05)


def test_history_redacts_secrets(emulator, kernel, ytk_home):
    km, kc = kernel
    r = run(kc, "%%yt_auth key %s" % KEY)
    assert "notebook" in r.stderr and "hidden prompt" in r.stderr
    assert KEY not in r.all_text()
    r = run(kc, "%%yt_auth login --client-id 123.apps.test --client-secret "
                "%s --no-wait --no-browser" % CLIENT_SECRET, ok=None)
    assert "--client-secret" in r.stderr and "notebook" in r.stderr
    run(kc, "%%yt_auth key \"%s\"" % KEY)
    run(kc, "-- pasted by mistake: %s and %s\nSELECT '%s' AS t"
        % (ACCESS, REFRESH, CLIENT_SECRET))
    run(kc, "SELECT 'kept as typed' AS t")
    sources = history_sources(ytk_home, "SELECT 'kept as typed' AS t")
    blob = "\n".join(sources)
    for s in (KEY, CLIENT_SECRET, ACCESS, REFRESH):
        assert s not in blob
        assert s[4:16] not in blob
    assert "%yt_auth key [REDACTED]" in sources
    assert any("--client-secret [REDACTED] --no-wait" in s for s in sources)
    assert "SELECT 'kept as typed' AS t" in sources
    # what the frontend gets back through history_request: the same
    msg_id = kc.history(hist_access_type="tail", n=20, output=False)
    reply = kc.get_shell_msg(timeout=ytk.TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=ytk.TIMEOUT)
    text = json.dumps(reply["content"])
    assert "[REDACTED]" in text
    for s in (KEY, CLIENT_SECRET, ACCESS, REFRESH):
        assert s not in text
    # the key itself still works: it was saved, only history lost it
    with open(os.path.join(str(ytk_home), "api_key")) as f:
        assert f.read().strip() == KEY


def test_key_hint_does_not_suggest_inline(kernel):
    km, kc = kernel
    r = run(kc, "%yt_auth?")
    assert "%yt_auth key [API_KEY]" not in r.all_text()
    r = run(kc, "%yt_auth key", ok=None)  # no stdin: the hint
    assert "key API_KEY" not in r.all_text()
    assert "hidden prompt" in r.all_text()


# ---- file modes in a pre-existing open YTK_HOME ----------------------------

def test_store_files_private_in_open_home(tmp_path):
    home = tmp_path / "open-home"
    home.mkdir()
    os.chmod(home, 0o755)
    # a store left by an older version, world-readable
    old_store = home / "store.sqlite"
    sqlite3.connect(str(old_store)).close()
    os.chmod(old_store, 0o644)
    err_path = tmp_path / "kernel-stderr.log"
    old = os.umask(0o022)
    try:
        with open(err_path, "wb") as err:
            km, kc = ytk.start_kernel(env={"YTK_HOME": str(home)}, stderr=err)
    finally:
        os.umask(old)
    try:
        run(kc, "CREATE TABLE t(x);\nINSERT INTO t VALUES (1)")
        run(kc, "SELECT x FROM t")
        names = ["store.sqlite", "store.sqlite-wal", "store.sqlite-shm",
                 "history.sqlite", "history.sqlite-wal", "history.sqlite-shm"]
        for n in names:
            p = home / n
            assert p.exists(), n
            assert mode(p) == 0o600, (n, oct(mode(p)))
        # the folder is the user's: warned about, not changed
        assert mode(home) == 0o755
    finally:
        ytk.stop_kernel(km, kc)
    err = err_path.read_text(errors="replace")
    warn = [ln for ln in err.splitlines() if "open to other users" in ln]
    assert len(warn) == 1 and str(home) in warn[0] and "chmod 700" in warn[0]


def test_no_warning_for_private_home(tmp_path):
    home = tmp_path / "private-home"
    home.mkdir(mode=0o700)
    err_path = tmp_path / "kernel-stderr.log"
    with open(err_path, "wb") as err:
        km, kc = ytk.start_kernel(env={"YTK_HOME": str(home)}, stderr=err)
    try:
        run(kc, "SELECT 1")
    finally:
        ytk.stop_kernel(km, kc)
    assert "open to other users" not in err_path.read_text(errors="replace")


# ---- tokens go only where they were minted ---------------------------------

def token_requests(emu):
    return [e for e in emu.requests_log()
            if e["path"] in ("/token", "/tokeninfo", "/revoke")
            or e["path"].startswith("/youtube")]


def test_token_not_replayed_to_another_base(emulator, tmp_path, ytk_home):
    from emulator.testing import start_emulator
    write_token(emulator, ytk_home)
    token = json.load(open(os.path.join(str(ytk_home), "token.json")))
    other = start_emulator(str(tmp_path / "emulator-b"))
    try:
        other.clear_requests_log()
        env = {"YTK_HOME": str(ytk_home), "YTK_GOOGLE_BASE": other.base_url,
               "YTK_API_KEY": ""}
        km, kc = ytk.start_kernel(env=env)
        try:
            fetch = run(kc, "%yt_fetch channels --mine", ok=False)
            text = fetch.all_text()
            assert "not sent" in text
            assert emulator.base_url + "/token" in text
            assert "%yt_auth login" in text
            status = run(kc, "%yt_auth status")
            assert "not sent" in status.all_text()
            revoke = run(kc, "%yt_auth revoke", ok=None)
            assert "not sent" in revoke.all_text()
            for r in (fetch, status, revoke):
                for s in (token["token"], token["refresh_token"],
                          token["client_secret"]):
                    assert s not in r.all_text()
        finally:
            ytk.stop_kernel(km, kc)
        assert token_requests(other) == []
    finally:
        other.stop()
    # the same token file is good where it was minted
    km, kc = ytk.start_kernel(env={"YTK_HOME": str(ytk_home),
                                   "YTK_GOOGLE_BASE": emulator.base_url,
                                   "YTK_API_KEY": ""})
    try:
        run(kc, "%yt_fetch channels --mine")
    finally:
        ytk.stop_kernel(km, kc)


# ---- an IPv6-only loopback redirect ----------------------------------------

def test_web_client_with_ipv6_only_redirect(emulator, tmp_path, ytk_home):
    with socket.socket(socket.AF_INET6) as sk:
        sk.bind(("::1", 0))
        port = sk.getsockname()[1]
    redirect = "http://[::1]:%d/oauth2callback" % port
    web = write_web_client(emulator, tmp_path / "client_secret_web.json",
                           [redirect])
    env = {"YTK_HOME": str(ytk_home), "YTK_GOOGLE_BASE": emulator.base_url,
           "BROWSER": STANDIN, "YTK_API_KEY": ""}
    km, kc = ytk.start_kernel(env=env)
    try:
        # the timeout only bounds a failure; success comes as soon as the
        # stand-in browser reaches [::1]
        run(kc, "%%yt_auth login --client-secrets %s --timeout 60" % web)
    finally:
        ytk.stop_kernel(km, kc)
    assert_logged_in_via(emulator, ytk_home, redirect)
