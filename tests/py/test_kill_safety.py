"""SIGKILL at bad moments loses nothing that was committed and breaks no file.

1. The kernel is killed (SIGKILL) in the middle of `%yt_fetch uploads
   --mine` (emulator latency 25 ms, 1,500 uploads), once some pages are
   stored.  Then `PRAGMA integrity_check` of the store and of the history
   database is `ok`, and in a new kernel `%yt_fetch uploads --mine --resume`
   completes with exactly the channel's uploads: every video once, every
   playlist item once, each item's video present, and the resumed run did
   not start over (fewer playlist pages than a full run).

2. The kernel is killed at random moments while it refreshes the token over
   and over (a queue of `%yt_auth refresh` cells), several times.  Each time
   token.json is the old or a new complete file: valid JSON, the same
   refresh token, an access token the emulator accepts, mode 0600.
"""
import json
import math
import os
import random
import signal
import sqlite3
import stat
import time

import pytest

import ytk
from bench.fetch_bench import kernel_session
from bench.protoclient import KernelProcess, RawClient
from bench.proto_bench import ytkernel_argv

UPLOADS = 1500


@pytest.fixture
def slow_emulator(tmp_path):
    from emulator.testing import start_emulator
    emu = start_emulator(str(tmp_path / "emulator-data"), uploads=UPLOADS,
                         latency_ms=25, quiet=True)
    try:
        yield emu
    finally:
        emu.stop()


def count(db_path, sql):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # table not created yet
    finally:
        db.close()


def integrity(db_path):
    db = sqlite3.connect(str(db_path))
    try:
        return db.execute("PRAGMA integrity_check").fetchall()
    finally:
        db.close()


def test_sigkill_mid_fetch_then_resume(tmp_path, slow_emulator):
    emu = slow_emulator
    kp, c, home = kernel_session(ytk.BUILD_DIR, emu, str(tmp_path))
    store = os.path.join(home, "store.sqlite")
    try:
        c.send(c.shell, "execute_request", {
            "code": "%yt_fetch uploads --mine", "silent": False,
            "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        deadline = time.monotonic() + ytk.TIMEOUT
        while count(store, "SELECT count(*) FROM playlist_items") < 300:
            assert time.monotonic() < deadline, "the fetch stored nothing"
            assert kp.alive()
            time.sleep(0.02)
        before = count(store, "SELECT count(*) FROM playlist_items")
        assert before < UPLOADS, "the fetch finished before the kill"
        kp.kill(signal.SIGKILL)
        assert kp.wait(timeout=10) == -signal.SIGKILL
    finally:
        c.close()

    assert integrity(store) == [("ok",)]
    assert integrity(os.path.join(home, "history.sqlite")) == [("ok",)]

    # A new kernel on the same store resumes.
    emu.clear_requests_log()
    kp2 = KernelProcess(ytkernel_argv(ytk.BUILD_DIR), env={
        "YTK_HOME": home, "YTK_GOOGLE_BASE": emu.base_url}, workdir=str(tmp_path))
    kp2.start()
    c2 = RawClient(kp2.info)
    try:
        c2.wait_ready(timeout=ytk.TIMEOUT)
        reply, msgs = c2.execute_collect("%yt_fetch uploads --mine --resume",
                                         timeout=600)
        assert reply["content"]["status"] == "ok", reply["content"]
        c2.shutdown(timeout=30)
    finally:
        c2.close()
        kp2.wait(timeout=30)

    assert integrity(store) == [("ok",)]
    world = emu.world()
    pl = world["uploads_playlist_id"]
    assert count(store, f"SELECT count(*) FROM playlist_items WHERE playlist_id = '{pl}'") == UPLOADS
    assert count(store, "SELECT count(DISTINCT video_id) FROM playlist_items") == UPLOADS
    assert count(store, "SELECT count(*) FROM videos") == UPLOADS
    assert count(store, "SELECT count(*) FROM playlist_items p LEFT JOIN videos v "
                        "USING (video_id) WHERE v.video_id IS NULL") == 0
    assert count(store, f"SELECT count(*) FROM videos WHERE channel_id = "
                        f"'{world['my_channel_id']}'") == UPLOADS
    pages = [r for r in emu.requests_log() if r["path"].startswith("/youtube/v3/playlistItems")]
    assert 0 < len(pages) < math.ceil(UPLOADS / 50), "the resumed fetch started over"


def test_sigkill_while_writing_token_file(tmp_path, emulator):
    kp, c, home = kernel_session(ytk.BUILD_DIR, emulator, str(tmp_path))
    token_path = os.path.join(home, "token.json")
    with open(token_path) as f:
        first = json.load(f)
    refresh = first["refresh_token"]
    c.close()
    rng = random.Random(1234)
    rounds = 6
    seen = {first.get("token") or first.get("access_token")}
    try:
        for i in range(rounds):
            if i > 0:
                kp = KernelProcess(ytkernel_argv(ytk.BUILD_DIR), env={
                    "YTK_HOME": home, "YTK_GOOGLE_BASE": emulator.base_url},
                    workdir=str(tmp_path))
                kp.start()
            c = RawClient(kp.info)
            c.wait_ready(timeout=ytk.TIMEOUT)
            for _ in range(400):
                c.send(c.shell, "execute_request", {
                    "code": "%yt_auth refresh", "silent": False,
                    "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": False})
            time.sleep(rng.uniform(0.05, 0.6))
            assert kp.alive(), "the kernel died by itself"
            kp.kill(signal.SIGKILL)
            kp.wait(timeout=10)
            c.close()

            with open(token_path) as f:
                tok = json.load(f)  # complete, parseable JSON
            assert tok["refresh_token"] == refresh
            access = tok.get("token") or tok.get("access_token")
            assert access
            seen.add(access)
            r = emulator.request("GET", "/tokeninfo", params={"access_token": access})
            assert r.status == 200, f"round {i}: token.json holds an access token the server never issued"
            assert stat.S_IMODE(os.stat(token_path).st_mode) == 0o600
            # A temporary file left by the kill is private too.
            for name in os.listdir(home):
                if name.startswith("token.json") and name != "token.json":
                    assert stat.S_IMODE(os.stat(os.path.join(home, name)).st_mode) == 0o600
    finally:
        if kp.alive():
            kp.kill(signal.SIGKILL)
            kp.wait(timeout=10)
    # The kills did land among token writes: the file kept changing.
    assert len(seen) > rounds // 2
    # And the kernel works from that file afterwards.
    kp, c, _ = None, None, None
    kp = KernelProcess(ytkernel_argv(ytk.BUILD_DIR), env={
        "YTK_HOME": home, "YTK_GOOGLE_BASE": emulator.base_url}, workdir=str(tmp_path))
    kp.start()
    c = RawClient(kp.info)
    try:
        c.wait_ready(timeout=ytk.TIMEOUT)
        st, *_ = c.execute_fast("%yt_fetch channels --mine", timeout=ytk.TIMEOUT)
        assert st == "ok"
        c.shutdown(timeout=30)
    finally:
        c.close()
        kp.wait(timeout=30)
