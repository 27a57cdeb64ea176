"""The protocol basics under valgrind memcheck: no memory errors, no definite
leaks.

A kernelspec variant `ytkernel-valgrind` is written to a temporary
JUPYTER_PATH; its argv runs the built kernel under

    valgrind --leak-check=full --errors-for-leak-kinds=definite
             --error-exitcode=99 --suppressions=tests/valgrind.supp

and jupyter_client starts it exactly as a frontend would.  The session:
kernel_info, a few SQL cells (create, insert, select, a multi-statement
cell), an error cell, a magic's help, then a clean shutdown_request.
Valgrind's exit status (99 on any error or definite leak) and its log are
checked.

Skipped in the ASan build only (valgrind and ASan cannot run together); the
normal build runs it in the same `make test`.
"""
import json
import os
import re
import shutil
import subprocess
import time

import pytest
from jupyter_client.manager import KernelManager

import ytk

VALGRIND = shutil.which("valgrind")
SUPP = os.path.join(ytk.SOURCE_DIR, "tests", "valgrind.supp")

pytestmark = [
    pytest.mark.skipif(ytk.ASAN, reason="valgrind and ASan don't mix; this test "
                       "runs in the normal (non-ASan) build of make test"),
    pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed "
                       "(scripts/setup.sh installs it)"),
]

TIMEOUT = 240  # valgrind slows the kernel 20-50x


@pytest.fixture
def valgrind_kernel(tmp_path, ytk_home, monkeypatch):
    spec_dir = tmp_path / "jupyter" / "kernels" / "ytkernel-valgrind"
    spec_dir.mkdir(parents=True)
    log = tmp_path / "valgrind.log"
    kernel_bin = os.path.abspath(os.path.join(ytk.BUILD_DIR, "ytkernel"))
    # The wrapper records valgrind's exit status, which jupyter_client does
    # not keep after shutdown.
    status = tmp_path / "valgrind.status"
    wrapper = tmp_path / "run-valgrind.sh"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"{VALGRIND} --leak-check=full --errors-for-leak-kinds=definite "
        f"--error-exitcode=99 --show-leak-kinds=definite --num-callers=30 "
        f"--suppressions={SUPP} --log-file={log} "
        f"{kernel_bin} \"$@\"\n"
        f"echo $? > {status}\n")
    wrapper.chmod(0o755)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [str(wrapper), "-f", "{connection_file}"],
        "display_name": "YouTube (C) under valgrind",
        "language": "sql",
        "interrupt_mode": "signal",
    }))
    # The kernelspec manager reads JUPYTER_PATH from this process' environment.
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    env = dict(os.environ)
    env["YTK_HOME"] = str(ytk_home)
    km = KernelManager(kernel_name="ytkernel-valgrind")
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        ytk.drain_iopub(kc)
        yield km, kc, log, status
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=False)


def read_status(path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text().strip())
        time.sleep(0.2)
    return None


def test_protocol_basics_under_memcheck(valgrind_kernel):
    km, kc, log, status = valgrind_kernel

    reply = kc.kernel_info(reply=True, timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["implementation"] == "ytkernel"

    r = ytk.execute(kc, "CREATE TABLE t(a INTEGER, b TEXT)", timeout=TIMEOUT)
    assert r.status == "ok", r.all_text()
    r = ytk.execute(kc, "INSERT INTO t VALUES (1, 'x'), (2, '<b>y</b>');\n"
                        "INSERT INTO t SELECT a + 10, b FROM t;", timeout=TIMEOUT)
    assert r.status == "ok", r.all_text()
    r = ytk.execute(kc, "SELECT a, b FROM t ORDER BY a", timeout=TIMEOUT)
    assert r.status == "ok", r.all_text()
    assert "12" in r.all_text()
    r = ytk.execute(kc, "SELECT * FROM no_such_table", timeout=TIMEOUT)
    assert r.status == "error"
    assert r.errors and "no_such_table" in r.errors[0]["evalue"]
    r = ytk.execute(kc, "%yt_fetch --help", timeout=TIMEOUT)
    assert r.status == "ok", r.all_text()
    r = ytk.execute(kc, "SELECT count(*) FROM t", timeout=TIMEOUT)
    assert r.status == "ok"

    kc.shutdown()
    code = read_status(status, timeout=TIMEOUT)
    text = log.read_text() if log.exists() else ""
    assert code is not None, "the kernel did not exit after shutdown_request"
    summary = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    lost = re.search(r"definitely lost: ([\d,]+) bytes", text)
    assert summary, "no valgrind summary in the log:\n" + text[-3000:]
    assert summary.group(1) == "0", "memcheck errors:\n" + text[-6000:]
    if lost:  # absent when nothing leaked at all
        assert lost.group(1) == "0", "definite leaks:\n" + text[-6000:]
    assert code == 0, f"kernel under valgrind exited {code}:\n" + text[-6000:]
