"""Secrets never leave their files.

One full session against the emulator, with the kernel started under umask
000 and its stderr captured:

  %yt_auth login (browser stand-in), status, key (typed into a hidden
  input box), refresh; %yt_fetch uploads, comment threads, an API error
  (injected 403), an expired access token (refresh mid-fetch), the request
  log, SQL over the log; %yt_plot; an error cell; %yt_auth logout then a
  fetch on the API key alone with an error; a revoked refresh token; then a
  notebook executed with nbclient against the same store.

Every iopub message and reply, the history database, the store, every other
file under YTK_HOME except the token and key files themselves, the executed
notebook and the kernel's stderr are searched for every access token (each
one the kernel held), the refresh token, the client secret and the API key
the test used -- whole and as a 12-character slice from the middle.

Also: the token and key files are 0600 and YTK_HOME 0700 even with umask
000; the OAuth redirect listener listens on 127.0.0.1 only (checked from
/proc/net/tcp* by the browser stand-in while the login waits); SQLite's
extension loading is off.
"""
import json
import os
import sqlite3
import stat
import sys

import pytest

import ytk

HERE = os.path.dirname(os.path.abspath(__file__))

BROWSER_PROBE = r'''#!{python}
"""Browser stand-in that first records which addresses the kernel's
redirect listener listens on, then does the emulator's browser visit."""
import json, os, subprocess, sys, urllib.parse
url = sys.argv[-1]
q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
port = urllib.parse.urlsplit(q.get("redirect_uri", "")).port
found = []
for name in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(name).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        f = line.split()
        addr, p = f[1].split(":")
        if f[3] == "0A" and int(p, 16) == port:
            found.append(addr)
with open({out!r}, "a") as fh:
    fh.write(json.dumps({{"port": port, "listen_addrs": found}}) + "\n")
sys.exit(subprocess.call([{standin!r}, url]))
'''


def middle(s, n=12):
    k = max(0, len(s) // 2 - n // 2)
    return s[k:k + n]


def dump_sqlite(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


class Session:
    def __init__(self, kc):
        self.kc = kc
        self.results = []

    def run(self, code, ok=True, stdin=None, timeout=ytk.TIMEOUT):
        r = ytk.execute(self.kc, code, timeout=timeout, stdin_handler=stdin)
        self.results.append(r)
        if ok is not None:
            assert (r.status == "ok") == ok, (code, r.status, r.all_text()[-2000:])
        return r

    def transcript(self):
        parts = []
        for r in self.results:
            parts.append(json.dumps(r.reply, default=str))
            parts += [json.dumps(m, default=str) for m in r.msgs]
        return "\n".join(parts)


def read_token(path):
    with open(path) as f:
        return json.load(f)


def token_values(tok):
    return {k: tok[k] for k in ("token", "access_token", "refresh_token")
            if isinstance(tok.get(k), str) and tok[k]}


def test_full_session_leaks_no_secret(tmp_path, emulator):
    home = tmp_path / "home"  # created by the kernel itself
    probe_log = tmp_path / "listener.jsonl"
    probe = tmp_path / "browser-probe"
    probe.write_text(BROWSER_PROBE.format(
        python=sys.executable, out=str(probe_log),
        standin=os.path.join(ytk.SOURCE_DIR, "emulator", "browser-standin")))
    probe.chmod(0o755)
    stderr_path = tmp_path / "kernel-stderr.log"
    env = {"YTK_HOME": str(home), "YTK_GOOGLE_BASE": emulator.base_url,
           "YTK_CLIENT_SECRETS": emulator.client_secret_path,
           "BROWSER": str(probe), "YTK_FETCH_BACKOFF_MS": "10"}
    env.pop("YTK_API_KEY", None)
    old = os.umask(0)
    try:
        with open(stderr_path, "wb") as err:
            km, kc = ytk.start_kernel(env=env, stderr=err)
    finally:
        os.umask(old)
    secrets = {"client secret": emulator.client_secret, "API key": emulator.api_key}
    s = Session(kc)
    world = emulator.world()
    try:
        s.run("%yt_auth login")
        token_path = home / "token.json"
        tok = read_token(token_path)
        for k, v in token_values(tok).items():
            secrets[f"{k} (login)"] = v
        s.run("%yt_auth status")
        s.run("%yt_auth key", stdin=lambda req: emulator.api_key)
        s.run("%yt_auth refresh")
        for k, v in token_values(read_token(token_path)).items():
            secrets[f"{k} (refresh)"] = v

        s.run("%yt_fetch uploads --mine")
        s.run(f"%yt_fetch comment_threads --video {world['video_with_many_replies']}")
        emulator.fault("/youtube/v3/videos", status=403, reason="forbidden", count=1)
        s.run(f"%yt_fetch videos --id {world['hidden_likes_video']}", ok=None)
        emulator.expire_access_tokens()
        s.run("%yt_fetch subscriptions --mine --with-channels")
        for k, v in token_values(read_token(token_path)).items():
            secrets[f"{k} (after expiry)"] = v
        s.run("%yt_fetch log 200")
        s.run("SELECT * FROM _ytk_requests")
        s.run("%yt_fetch quota")
        s.run("%%yt_plot bar\nSELECT title, view_count FROM videos "
              "ORDER BY view_count DESC LIMIT 10")
        s.run("SELECT * FROM no_such_table", ok=False)
        r = s.run("SELECT load_extension('x')", ok=False)
        assert "not authorized" in r.all_text()

        # The API key path: no token any more.
        s.run("%yt_auth logout")
        emulator.fault("/youtube/v3/videos", status=400, reason="badRequest", count=1)
        s.run("%yt_fetch videos --chart mostPopular --region US --limit 5", ok=None)
        s.run("%yt_fetch videos --chart mostPopular --region US --limit 5")

        # A revoked refresh token.
        s.run("%yt_auth login")
        for k, v in token_values(read_token(token_path)).items():
            secrets[f"{k} (second login)"] = v
        emulator.revoke_refresh_tokens()
        emulator.expire_access_tokens()
        s.run("%yt_fetch channels --mine", ok=False)
        s.run("%yt_auth status", ok=None)
    finally:
        ytk.stop_kernel(km, kc)

    # Permissions, whatever the umask was.
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(token_path).st_mode) == 0o600
    key_file = home / "api_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600

    # The loopback listener listened on 127.0.0.1 only (both logins).
    probes = [json.loads(line) for line in probe_log.read_text().splitlines()]
    assert len(probes) == 2
    for p in probes:
        assert p["port"] and p["listen_addrs"], p
        assert set(p["listen_addrs"]) == {"0100007F"}, p  # 127.0.0.1, nothing else

    # A notebook run against the same store (signed in again first).
    nb_text = run_notebook(tmp_path, env, world)

    # Where secrets must not be.
    places = {"iopub messages and replies": s.transcript(),
              "kernel stderr": stderr_path.read_text(errors="replace"),
              "executed notebook": nb_text}
    for f in sorted(home.rglob("*")):
        if not f.is_file() or f.name in ("token.json", "api_key"):
            continue
        if f.suffix == ".sqlite":
            places[f"database {f.name}"] = dump_sqlite(f)
        elif f.name.endswith(("-wal", "-shm", "-journal")):
            places[f"file {f.name}"] = f.read_bytes().decode("latin-1")
        else:
            places[f"file {f.relative_to(home)}"] = f.read_bytes().decode("latin-1")
    assert "database history.sqlite" in places and "database store.sqlite" in places
    assert "SELECT * FROM _ytk_requests" in places["database history.sqlite"]
    assert len(secrets) >= 5
    leaks = []
    for what, value in secrets.items():
        assert len(value) >= 16, what
        for where, text in places.items():
            if value in text or middle(value) in text:
                leaks.append(f"{what} found in {where}")
    assert leaks == []


def run_notebook(tmp_path, env, world):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ytkernel", "display_name": "YouTube (C)",
                                 "language": "sql"}
    for code in ["%yt_auth login", "%yt_auth status", "%yt_fetch channels --mine",
                 "%yt_fetch log 20", "SELECT count(*) FROM videos",
                 "%yt_plot bar --from videos --x title --y view_count --top 5",
                 "%yt_auth refresh"]:
        nb.cells.append(nbformat.v4.new_code_cell(code))
    full_env = dict(os.environ)
    full_env.setdefault("JUPYTER_PATH", os.path.join(ytk.BUILD_DIR, "jupyter"))
    full_env.update(env)
    client = NotebookClient(nb, timeout=ytk.TIMEOUT, kernel_name="ytkernel")
    client.execute(env=full_env)
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, str(path))
    text = path.read_text()
    for cell in nb.cells:
        assert not any(o.get("output_type") == "error" for o in cell.outputs), cell.source
    return text
