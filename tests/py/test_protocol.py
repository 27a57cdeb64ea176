"""Protocol tests for ytkernel beyond jupyter_kernel_test.

Driven with jupyter_client and pyzmq against the built kernel: dropped
messages (bad signature, malformed JSON), unknown msg_type, control served
while a cell runs, interrupts in both modes, restart with persistent
history, comms, stop_on_error, header formats, IPv6 and ipc transports,
parent death, stream batching.  Everything talks to 127.0.0.1 / ::1 / ipc.
"""
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

sys.path.insert(0, os.path.dirname(__file__))
import ytk  # noqa: E402

KERNEL_BIN = os.environ.get("YTK_KERNEL_BIN", os.path.join(ytk.BUILD_DIR, "ytkernel"))
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# Runs until interrupted (SQLite progress handler checks the interrupt flag).
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
# Works for a while, then fails at run time (integer overflow).
SLOW_ERROR = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000000) "
              "SELECT abs(-9223372036854775807 - 1 + 0*max(x)) FROM c")
T = ytk.TIMEOUT


# ---------------------------------------------------------------- helpers

def iopub_for(kc, msg_id, timeout=T):
    """Every iopub message whose parent is msg_id, up to its idle status."""
    msgs = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return msgs
    raise TimeoutError(f"no idle for {msg_id}: {[m['msg_type'] for m in msgs]}")


def shell_reply(kc, msg_id, timeout=T):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = kc.get_shell_msg(timeout=0.5)
        except queue.Empty:
            continue
        if r["parent_header"].get("msg_id") == msg_id:
            return r
    raise TimeoutError(f"no shell reply to {msg_id}")


def wait_for_iopub(kc, msg_id, msg_type, timeout=T):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == msg_type:
            return m
    raise TimeoutError(f"no {msg_type} for {msg_id}")


def wait_exit(proc_or_pid, timeout=30):
    """Wait until the process is gone (or a zombie); returns True if so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if isinstance(proc_or_pid, subprocess.Popen):
            if proc_or_pid.poll() is not None:
                return True
        else:
            try:
                with open(f"/proc/{proc_or_pid}/stat") as f:
                    if f.read().split(")")[-1].split()[0] == "Z":
                        return True
            except FileNotFoundError:
                return True
        time.sleep(0.05)
    return False


def types(msgs):
    return [m["msg_type"] for m in msgs]


def free_ports(n, family=socket.AF_INET, host="127.0.0.1"):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.bind((host, 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class RawKernel:
    """The kernel binary started directly from a handwritten connection file,
    talked to with plain pyzmq sockets and jupyter_client's Session (for
    signing only).  Used where jupyter_client itself gets in the way
    (IPv6 brackets, ipc cleanup, parent pid)."""

    def __init__(self, tmp_path, home, transport="tcp", ip="127.0.0.1",
                 ipv6=False, env_extra=None, popen_args=None):
        self.key = uuid.uuid4().hex
        if transport == "tcp":
            ports = free_ports(5, socket.AF_INET6 if ipv6 else socket.AF_INET, ip)
        else:
            ports = [1, 2, 3, 4, 5]
        names = ["shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"]
        self.info = dict(zip(names, ports), ip=ip, transport=transport,
                         key=self.key, signature_scheme="hmac-sha256",
                         kernel_name="ytkernel")
        self.cf = tmp_path / f"kernel-{uuid.uuid4().hex[:8]}.json"
        self.cf.write_text(json.dumps(self.info))
        env = dict(os.environ, YTK_HOME=str(home))
        env.pop("JPY_PARENT_PID", None)
        if env_extra:
            env.update(env_extra)
        self.proc = None
        if popen_args is not False:
            self.proc = subprocess.Popen([KERNEL_BIN, "-f", str(self.cf)], env=env,
                                         **(popen_args or {}))
        self.session = Session(key=self.key.encode(), signature_scheme="hmac-sha256")
        self.ctx = zmq.Context()
        self.ipv6 = ipv6
        self.shell = self._sock(zmq.DEALER, "shell_port")
        self.control = self._sock(zmq.DEALER, "control_port")
        self.iopub = self._sock(zmq.SUB, "iopub_port")
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")

    def url(self, port_name):
        i = self.info
        if i["transport"] == "ipc":
            return f"ipc://{i['ip']}-{i[port_name]}"
        host = f"[{i['ip']}]" if self.ipv6 else i["ip"]
        return f"tcp://{host}:{i[port_name]}"

    def _sock(self, kind, port_name):
        s = self.ctx.socket(kind)
        s.linger = 0
        if self.ipv6:
            s.setsockopt(zmq.IPV6, 1)
        s.connect(self.url(port_name))
        return s

    def request(self, sock, msg_type, content, timeout=T):
        msg = self.session.send(sock, msg_type, content)
        if sock.poll(timeout * 1000) == 0:
            raise TimeoutError(f"no reply to {msg_type}")
        _, frames = self.session.feed_identities(sock.recv_multipart())
        return msg, self.session.deserialize(frames)

    def iopub_until_idle(self, msg_id, timeout=T):
        msgs = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.iopub.poll(200) == 0:
                continue
            _, frames = self.session.feed_identities(self.iopub.recv_multipart())
            m = self.session.deserialize(frames)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            msgs.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                return msgs
        raise TimeoutError("no idle")

    def wait_ready(self):
        """kernel_info until an iopub message arrives (like wait_for_ready)."""
        deadline = time.monotonic() + T
        while time.monotonic() < deadline:
            msg, reply = self.request(self.shell, "kernel_info_request", {})
            assert reply["msg_type"] == "kernel_info_reply"
            if self.iopub.poll(300):
                while self.iopub.poll(200):
                    self.iopub.recv_multipart()
                return reply
        raise TimeoutError("kernel not ready")

    def heartbeat(self):
        hb = self._sock(zmq.REQ, "hb_port")
        try:
            hb.send(b"ping")
            assert hb.poll(T * 1000), "no heartbeat echo"
            return hb.recv()
        finally:
            hb.close()

    def shutdown(self):
        msg, reply = self.request(self.control, "shutdown_request", {"restart": False})
        return reply

    def close(self):
        for s in (self.shell, self.control, self.iopub):
            s.close()
        self.ctx.term()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------- dropped messages

def test_bad_signature_is_dropped_and_kernel_keeps_serving(kernel_err):
    km, kc, errpath = kernel_err
    sock = kc.shell_channel.socket
    bad_ids = []
    for how in ("wrong-key", "wrong-length", "empty"):
        msg = kc.session.msg("execute_request", {
            "code": "%print SHOULD NOT RUN", "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        frames = kc.session.serialize(msg)  # [<IDS|MSG>, sig, h, p, m, c]
        if how == "wrong-key":
            other = Session(key=b"not-the-key")
            frames[1] = other.sign(frames[2:6])
        elif how == "wrong-length":
            frames[1] = frames[1][:-2]
        else:
            frames[1] = b""
        sock.send_multipart(frames)
        bad_ids.append(msg["header"]["msg_id"])
    # The kernel still answers, and answers this request first.
    mid = kc.kernel_info()
    reply = kc.get_shell_msg(timeout=T)
    assert reply["parent_header"]["msg_id"] == mid
    assert reply["msg_type"] == "kernel_info_reply"
    r = ytk.execute(kc, "%print still here")
    assert r.status == "ok" and r.stdout == "still here\n"
    for m in ytk.drain_iopub(kc):
        assert m["parent_header"].get("msg_id") not in bad_ids
    # stderr is unbuffered and the lines precede the replies checked above
    log = errpath.read_text()
    assert log.count("bad signature") == 3, log
    assert "SHOULD NOT RUN" not in log


def test_malformed_frames_are_dropped(kernel_err):
    km, kc, errpath = kernel_err
    sock = kc.shell_channel.socket
    header = json.dumps({"msg_id": str(uuid.uuid4()), "msg_type": "execute_request",
                         "session": kc.session.session, "username": "t",
                         "date": "2024-01-01T00:00:00.000000Z", "version": "5.3"}).encode()
    # correctly signed, but the content is not JSON
    parts = [header, b"{}", b"{}", b'{"code": "%print x"']
    sock.send_multipart([b"<IDS|MSG>", kc.session.sign(parts)] + parts)
    # correctly signed, JSON but not an object
    parts = [header, b"{}", b"{}", b"[1, 2]"]
    sock.send_multipart([b"<IDS|MSG>", kc.session.sign(parts)] + parts)
    # no delimiter at all / too few frames
    sock.send_multipart([b"garbage", b"more garbage"])
    sock.send_multipart([b"<IDS|MSG>", b"sig", b"{}"])
    # a header without msg_type
    parts = [b'{"msg_id": "x"}', b"{}", b"{}", b"{}"]
    sock.send_multipart([b"<IDS|MSG>", kc.session.sign(parts)] + parts)
    r = ytk.execute(kc, "SELECT 6*7")
    assert r.status == "ok"
    assert r.texts() == ["42"]
    log = errpath.read_text()
    assert log.count("dropped a message on shell") == 5, log


def test_replayed_message_is_dropped(kernel_err):
    km, kc, errpath = kernel_err
    msg = kc.session.msg("execute_request", {
        "code": "%print once", "silent": False, "store_history": True,
        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    frames = kc.session.serialize(msg)
    kc.shell_channel.socket.send_multipart(frames)
    kc.shell_channel.socket.send_multipart(frames)  # the same bytes again
    mid = msg["header"]["msg_id"]
    assert shell_reply(kc, mid)["content"]["status"] == "ok"
    msgs = iopub_for(kc, mid)
    # the next request is answered, and the copy produced nothing
    r = ytk.execute(kc, "%print after")
    assert r.stdout == "after\n"
    msgs += [m for m in ytk.drain_iopub(kc) if m["parent_header"].get("msg_id") == mid]
    assert [m["content"]["text"] for m in msgs if m["msg_type"] == "stream"] == ["once\n"]
    with pytest.raises(queue.Empty):
        kc.get_shell_msg(timeout=0.3)
    assert "replayed" in errpath.read_text()


def test_unknown_msg_type_gets_busy_idle_and_no_reply(kernel):
    km, kc = kernel
    msg = kc.session.msg("no_such_request", {})
    kc.shell_channel.send(msg)
    msgs = iopub_for(kc, msg["header"]["msg_id"])
    assert [m["content"]["execution_state"] for m in msgs] == ["busy", "idle"]
    # The next reply on shell belongs to the next request: none was sent.
    mid = kc.kernel_info()
    reply = kc.get_shell_msg(timeout=T)
    assert reply["parent_header"]["msg_id"] == mid
    # Same on control.
    msg = kc.session.msg("no_such_control_request", {})
    kc.control_channel.send(msg)
    msgs = iopub_for(kc, msg["header"]["msg_id"])
    assert types(msgs) == ["status", "status"]
    kmsg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(kmsg)
    reply = kc.control_channel.get_msg(timeout=T)
    assert reply["parent_header"]["msg_id"] == kmsg["header"]["msg_id"]


# --------------------------------------------------------- busy/idle, headers

def test_every_request_is_wrapped_in_busy_idle(kernel):
    km, kc = kernel
    for send in (kc.kernel_info, lambda: kc.complete("%lsm"), lambda: kc.inspect("%print"),
                 lambda: kc.is_complete("SELECT 1"), kc.comm_info,
                 lambda: kc.history(hist_access_type="tail", n=1)):
        mid = send()
        shell_reply(kc, mid)
        msgs = iopub_for(kc, mid)
        assert [m["content"]["execution_state"] for m in msgs] == ["busy", "idle"]
    # kernel_info on control too
    kmsg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(kmsg)
    reply = kc.control_channel.get_msg(timeout=T)
    assert reply["content"]["protocol_version"] == "5.5"
    msgs = iopub_for(kc, kmsg["header"]["msg_id"])
    assert [m["content"]["execution_state"] for m in msgs] == ["busy", "idle"]


def test_execute_message_order_and_headers(kernel):
    km, kc = kernel
    r = ytk.execute(kc, "%print one\nSELECT 6*7")
    assert types(r.msgs) == ["status", "execute_input", "stream", "execute_result", "status"]
    assert r.msgs[0]["content"]["execution_state"] == "busy"
    assert r.msgs[-1]["content"]["execution_state"] == "idle"
    count = r.reply["content"]["execution_count"]
    assert r.msgs[1]["content"]["execution_count"] == count
    assert r.of_type("execute_result")[0]["content"]["execution_count"] == count
    sessions = {m["header"]["session"] for m in r.msgs + [r.reply]}
    assert len(sessions) == 1
    for m in r.msgs + [r.reply]:
        assert m["header"]["version"] == "5.5"
        assert UUID4_RE.match(m["header"]["msg_id"])
        assert m["header"]["username"]
    r2 = ytk.execute(kc, "SELECT 1")
    assert r2.reply["content"]["execution_count"] == count + 1


def raw_round_trip(kc, header):
    """Send a kernel_info_request with these exact header bytes on shell;
    return the reply's four JSON frames (signature checked)."""
    sock = kc.shell_channel.socket
    parts = [header, b"{}", b"{}", b"{}"]
    sock.send_multipart([b"<IDS|MSG>", kc.session.sign(parts)] + parts)
    assert sock.poll(T * 1000)
    frames = sock.recv_multipart()
    i = frames.index(b"<IDS|MSG>")
    sig, h, p, md, c = frames[i + 1:i + 6]
    assert sig == kc.session.sign([h, p, md, c])
    return h, p, md, c


def test_raw_header_bytes_and_parent_echo(kernel):
    """Check the bytes on the wire: date format, version, and the request
    header echoed verbatim as parent_header."""
    km, kc = kernel
    header = ('{"msg_type":"kernel_info_request",  "msg_id":"%s","session":"s-1",'
              '"username":"u","date":"2024-01-01T00:00:00Z","version":"5.3",'
              '"x-extra": [1, 2]}' % uuid.uuid4()).encode()
    h, p, md, c = raw_round_trip(kc, header)
    hdr = json.loads(h)
    assert p == header
    assert DATE_RE.match(hdr["date"]), hdr["date"]
    assert hdr["version"] == "5.5"
    assert hdr["msg_type"] == "kernel_info_reply"
    assert UUID4_RE.match(hdr["msg_id"])
    content = json.loads(c)
    li = content["language_info"]
    for key in ("name", "version", "mimetype", "file_extension", "pygments_lexer",
                "codemirror_mode"):
        assert key in li
    assert content["supported_features"] == []
    assert content["protocol_version"] == "5.5"
    assert isinstance(content["help_links"], list)


def test_invalid_utf8_in_a_signed_header_is_not_echoed_raw(kernel):
    """Issue 15: a validly signed header carrying invalid UTF-8 (a lone
    continuation byte, a truncated sequence, an overlong form, a surrogate)
    comes back as parent_header in valid UTF-8, U+FFFD where the bad bytes
    were, everything else byte for byte."""
    km, kc = kernel
    bad = b"u\x80\xe2\x82-\xc0\xaf-\xed\xa0\x80-\xff"
    header = (b'{"msg_type":"kernel_info_request","msg_id":"%s","session":"s-1",'
              b'"username":"' + bad + b'","date":"2024-01-01T00:00:00Z",'
              b'"version":"5.3"}') % str(uuid.uuid4()).encode()
    with pytest.raises(UnicodeDecodeError):
        header.decode("utf-8")
    h, p, md, c = raw_round_trip(kc, header)
    echoed = p.decode("utf-8")  # strict: raises if anything is invalid
    assert "\ufffd" in echoed
    kept = echoed.replace("\ufffd", "")
    assert kept == header.decode("utf-8", errors="ignore")
    assert json.loads(echoed)["msg_type"] == "kernel_info_request"
    assert json.loads(c)["status"] == "ok"
    assert ytk.execute(kc, "%print still fine").stdout == "still fine\n"


def test_heartbeat(kernel):
    km, kc = kernel
    assert kc.hb_channel.is_beating()
    ctx = zmq.Context.instance()
    hb = ctx.socket(zmq.REQ)
    hb.linger = 0
    hb.connect(f"tcp://127.0.0.1:{km.hb_port}")
    for payload in (b"ping", b"\x00\x01binary", b"x" * 10000):
        hb.send(payload)
        assert hb.poll(T * 1000)
        assert hb.recv() == payload
    hb.close()


# ----------------------------------------------------------------- execute

def test_silent_and_store_history(kernel):
    km, kc = kernel
    first = ytk.execute(kc, "SELECT 1").reply["content"]["execution_count"]
    r = ytk.execute(kc, "SELECT 6*7", silent=True)
    assert r.status == "ok"
    assert r.of_type("execute_input", "execute_result") == []
    assert r.reply["content"]["execution_count"] == first
    r = ytk.execute(kc, "SELECT 2", store_history=False)
    assert r.reply["content"]["execution_count"] == first
    r = ytk.execute(kc, "SELECT 3")
    assert r.reply["content"]["execution_count"] == first + 1


def test_error_is_one_message_and_reply_matches(kernel):
    km, kc = kernel
    r = ytk.execute(kc, "SELECT * FROM no_such_table")
    assert r.status == "error"
    outs = [m for m in r.msgs if m["msg_type"] not in ("status", "execute_input")]
    assert types(outs) == ["error"]
    err = outs[0]["content"]
    rep = r.reply["content"]
    assert rep["ename"] == err["ename"] and rep["evalue"] == err["evalue"]
    assert "no such table" in err["evalue"]
    assert err["traceback"] and err["ename"] in err["traceback"][0]


def test_user_expressions(kernel):
    km, kc = kernel
    r = ytk.execute(kc, "SELECT 1", user_expressions={"answer": "6*7", "bad": "nope("})
    ue = r.reply["content"]["user_expressions"]
    assert ue["answer"]["status"] == "ok"
    assert ue["answer"]["data"]["text/plain"] == "42"
    assert ue["bad"]["status"] == "error"
    assert ue["bad"]["ename"] and ue["bad"]["evalue"]


def test_stop_on_error_aborts_queued_cells_with_error_replies(kernel):
    km, kc = kernel
    first = kc.execute(SLOW_ERROR)
    queued = [kc.execute("%print must not run 1"), kc.execute("%print must not run 2")]
    r1 = shell_reply(kc, first)
    assert r1["content"]["status"] == "error"
    for mid in queued:
        r = shell_reply(kc, mid)
        assert r["content"]["status"] == "error"  # never "aborted"
        assert r["content"]["ename"] and r["content"]["evalue"]
        assert r["content"]["execution_count"] is None  # it did not run
        msgs = iopub_for(kc, mid)
        assert "stream" not in types(msgs) and "execute_input" not in types(msgs)
    # After the batch and the abort window (default 1 s), cells run again.
    time.sleep(1.5)
    r = ytk.execute(kc, "%print runs again", stop_on_error=True)
    assert r.status == "ok" and r.stdout == "runs again\n"


def test_stop_on_error_sees_past_a_dropped_message(kernel):
    km, kc = kernel
    first = kc.execute(SLOW_ERROR)
    bad = kc.session.serialize(kc.session.msg("execute_request", {"code": "%print bad"}))
    bad[1] = b"0" * 64
    kc.shell_channel.socket.send_multipart(bad)
    queued = kc.execute("%print must not run")
    assert shell_reply(kc, first)["content"]["status"] == "error"
    r = shell_reply(kc, queued)
    assert r["content"]["status"] == "error" and r["content"]["ename"]
    assert "stream" not in types(iopub_for(kc, queued))


FAST_ERROR = "SELECT * FROM no_such_table"


def assert_aborted(kc, mid):
    r = shell_reply(kc, mid)
    assert r["content"]["status"] == "error", r["content"]
    assert r["content"]["ename"] == "ExecutionAborted"
    msgs = iopub_for(kc, mid)
    assert "execute_input" not in types(msgs) and "stream" not in types(msgs)


def test_run_all_stops_with_cells_sent_20ms_apart(kernel):
    """Issue 16: a client sending cells 20 ms apart (as a browser and a server
    spread "Run All") -- the kernel answers the failing cell long before the
    later cells arrive, and still none of them runs."""
    km, kc = kernel
    ok = kc.execute("%print first")
    time.sleep(0.02)
    bad = kc.execute(FAST_ERROR)
    later = []
    for i in range(6):
        time.sleep(0.02)
        later.append(kc.execute(f"%print must not run {i}"))
    assert shell_reply(kc, ok)["content"]["status"] == "ok"
    assert shell_reply(kc, bad)["content"]["status"] == "error"
    for mid in later:
        assert_aborted(kc, mid)


def start_with_window(kernel_env, seconds):
    env = dict(kernel_env, YTK_STOP_ON_ERROR_TIMEOUT=str(seconds))
    return ytk.start_kernel(env=env)


def test_abort_window_ends(kernel_env):
    """Within the window a new cell is aborted; after it, cells run."""
    km, kc = start_with_window(kernel_env, 3)
    try:
        bad = kc.execute(FAST_ERROR)
        assert shell_reply(kc, bad)["content"]["status"] == "error"
        assert_aborted(kc, kc.execute("%print too soon"))
        # A request that says stop_on_error: false is not window-aborted.
        r = ytk.execute(kc, "%print runs regardless", stop_on_error=False)
        assert r.status == "ok" and r.stdout == "runs regardless\n"
        time.sleep(3.5)
        r = ytk.execute(kc, "%print after the window", stop_on_error=True)
        assert r.status == "ok" and r.stdout == "after the window\n"
    finally:
        ytk.stop_kernel(km, kc)


def send_dated(kc, code, date, session=None):
    msg = kc.session.msg("execute_request", {
        "code": code, "silent": False, "store_history": True,
        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    msg["header"]["date"] = date
    if session:
        msg["header"]["session"] = session
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def test_requests_sent_before_the_failure_are_aborted_by_date(kernel_env):
    """With no window at all, an execute whose header date says it was sent
    before the failure (on the same client's clock) is still aborted; one
    dated later, or from another session, runs."""
    km, kc = start_with_window(kernel_env, 0)
    try:
        bad = kc.execute(FAST_ERROR)
        assert shell_reply(kc, bad)["content"]["status"] == "error"
        # Sent "before" the failure: as a JupyterLab date, and with an offset.
        assert_aborted(kc, send_dated(kc, "%print early 1", "2001-02-03T04:05:06.789Z"))
        assert_aborted(kc, send_dated(kc, "%print early 2", "2001-02-03T06:05:06.789+02:00"))
        other = send_dated(kc, "%print other session", "2001-02-03T04:05:06.789Z",
                           session=str(uuid.uuid4()))
        assert shell_reply(kc, other)["content"]["status"] == "ok"
        r = ytk.execute(kc, "%print dated now", stop_on_error=True)
        assert r.status == "ok" and r.stdout == "dated now\n"
    finally:
        ytk.stop_kernel(km, kc)


def test_stop_on_error_false_keeps_running(kernel):
    km, kc = kernel
    first = kc.execute(SLOW_ERROR, stop_on_error=False)
    nxt = kc.execute("%print next cell ran")
    assert shell_reply(kc, first)["content"]["status"] == "error"
    assert shell_reply(kc, nxt)["content"]["status"] == "ok"
    assert "stream" in types(iopub_for(kc, nxt))


def test_large_output_is_batched_and_complete(kernel):
    """100,000 `%print` lines (one stream write each) arrive complete, in
    order, in far fewer stream messages.  Under ASan the cell has 20,000
    lines: the interpreter splits cells with a realloc per part, which is
    quadratic under ASan's copying realloc; the kernel's own batching is
    checked at 100,000 writes in both builds by tests/unit/test_kernel.c."""
    km, kc = kernel
    n = 20_000 if ytk.ASAN else 100_000
    code = "\n".join(f"%print line {i}" for i in range(n))
    r = ytk.execute(kc, code, timeout=600)
    assert r.status == "ok"
    expected = "".join(f"line {i}\n" for i in range(n))
    assert r.stdout == expected  # nothing lost, nothing reordered
    streams = r.of_type("stream")
    assert len(streams) < n // 20, len(streams)
    assert r.msgs[-1]["content"]["execution_state"] == "idle"


def test_stream_flushed_before_other_output(kernel):
    km, kc = kernel
    r = ytk.execute(kc, "%print a\n%print --stderr b\n%print c\n%version\n%print d\nSELECT 5")
    seq = [(m["msg_type"], m["content"].get("name"), m["content"].get("text"))
           for m in r.msgs if m["msg_type"] in ("stream", "display_data", "execute_result")]
    assert seq == [("stream", "stdout", "a\n"), ("stream", "stderr", "b\n"),
                   ("stream", "stdout", "c\n"), ("display_data", None, None),
                   ("stream", "stdout", "d\n"), ("execute_result", None, None)]


# ---------------------------------------------- control while busy, interrupt

def start_endless(kc):
    mid = kc.execute(ENDLESS)
    wait_for_iopub(kc, mid, "execute_input")
    return mid


def test_control_answers_while_a_cell_runs(kernel):
    km, kc = kernel
    mid = start_endless(kc)
    kmsg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(kmsg)
    reply = kc.control_channel.get_msg(timeout=T)
    assert reply["msg_type"] == "kernel_info_reply"
    assert reply["parent_header"]["msg_id"] == kmsg["header"]["msg_id"]
    # the cell is still running: no execute reply yet
    with pytest.raises(queue.Empty):
        kc.get_shell_msg(timeout=0.3)
    km.interrupt_kernel()
    r = shell_reply(kc, mid)
    assert r["content"]["status"] == "error"
    assert r["content"]["ename"] == "KeyboardInterrupt"


def test_interrupt_by_signal(kernel):
    km, kc = kernel
    assert km.kernel_spec.interrupt_mode == "signal"
    # SIGINT while idle is harmless
    os.kill(ytk.kernel_pid(km), signal.SIGINT)
    assert ytk.execute(kc, "SELECT 6*7").texts() == ["42"]
    mid = start_endless(kc)
    km.interrupt_kernel()
    r = shell_reply(kc, mid)
    assert r["content"]["ename"] == "KeyboardInterrupt"
    msgs = iopub_for(kc, mid)
    errs = [m for m in msgs if m["msg_type"] == "error"]
    assert len(errs) == 1 and errs[0]["content"]["ename"] == "KeyboardInterrupt"
    # the interrupt does not leak into the next cell
    assert ytk.execute(kc, "SELECT 6*7").texts() == ["42"]


@pytest.fixture
def message_mode_spec(tmp_path, monkeypatch):
    spec_dir = tmp_path / "jupyter" / "kernels" / "ytkernel-msgint"
    spec_dir.mkdir(parents=True)
    src = os.path.join(ytk.BUILD_DIR, "jupyter", "kernels", "ytkernel", "kernel.json")
    spec = json.load(open(src))
    spec["interrupt_mode"] = "message"
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    path = os.pathsep.join([str(tmp_path / "jupyter"), os.path.join(ytk.BUILD_DIR, "jupyter")])
    monkeypatch.setenv("JUPYTER_PATH", path)
    return "ytkernel-msgint"


def test_interrupt_by_message(message_mode_spec, ytk_home):
    km = KernelManager(kernel_name=message_mode_spec)
    km.start_kernel(env=dict(os.environ, YTK_HOME=str(ytk_home)))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=T)
        assert km.kernel_spec.interrupt_mode == "message"
        mid = start_endless(kc)
        # an interrupt_request on control, answered while the cell runs
        imsg = kc.session.msg("interrupt_request", {})
        kc.control_channel.send(imsg)
        rep = kc.control_channel.get_msg(timeout=T)
        assert rep["msg_type"] == "interrupt_reply"
        assert rep["content"]["status"] == "ok"
        r = shell_reply(kc, mid)
        assert r["content"]["ename"] == "KeyboardInterrupt"
        # and through the manager (which sends interrupt_request too)
        mid = start_endless(kc)
        km.interrupt_kernel()
        assert shell_reply(kc, mid)["content"]["ename"] == "KeyboardInterrupt"
        assert ytk.execute(kc, "SELECT 6*7").texts() == ["42"]
    finally:
        ytk.stop_kernel(km, kc)


# ------------------------------------------------------ shutdown and restart

def test_shutdown_reply_echoes_restart_and_exits_zero(kernel_env):
    km, kc = ytk.start_kernel(env=kernel_env)
    try:
        proc = km.provisioner.process
        msg = kc.session.msg("shutdown_request", {"restart": True})
        kc.control_channel.send(msg)
        reply = kc.control_channel.get_msg(timeout=T)
        assert reply["msg_type"] == "shutdown_reply"
        assert reply["content"] == {"status": "ok", "restart": True}
        assert wait_exit(proc)
        assert proc.returncode == 0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_restart_keeps_history_and_starts_new_session(kernel):
    km, kc = kernel
    ytk.execute(kc, "SELECT 'before restart'")
    mid = kc.history(hist_access_type="tail", n=1)
    before = shell_reply(kc, mid)["content"]["history"][-1]
    assert before[2] == "SELECT 'before restart'"
    kc.stop_channels()
    km.restart_kernel(now=False)
    kc2 = km.client()
    kc2.start_channels()
    kc2.wait_for_ready(timeout=T)
    ytk.drain_iopub(kc2)
    r = ytk.execute(kc2, "SELECT 'after restart'")
    assert r.reply["content"]["execution_count"] == 1
    mid = kc2.history(hist_access_type="tail", n=2)
    hist = shell_reply(kc2, mid)["content"]["history"]
    assert hist[0] == before
    assert hist[1][0] == before[0] + 1 and hist[1][1] == 1
    assert hist[1][2] == "SELECT 'after restart'"
    mid = kc2.history(hist_access_type="range", session=-1, start=before[1],
                      stop=before[1] + 1, output=True)
    rng = shell_reply(kc2, mid)["content"]["history"]
    assert rng == [[before[0], before[1], ["SELECT 'before restart'", "before restart"]]]
    # keep the fixture's teardown working with the new client
    kc.__dict__.update(kc2.__dict__)


# -------------------------------------------------------------------- comms

def test_comm_info_and_unknown_comm_target(kernel):
    km, kc = kernel
    mid = kc.comm_info()
    assert shell_reply(kc, mid)["content"] == {"status": "ok", "comms": {}}
    mid = kc.comm_info(target_name="jupyter.widget")
    assert shell_reply(kc, mid)["content"]["comms"] == {}
    comm_id = uuid.uuid4().hex
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "no.such.target",
                                       "data": {}})
    kc.shell_channel.send(msg)
    msgs = iopub_for(kc, msg["header"]["msg_id"])
    assert types(msgs) == ["status", "comm_close", "status"]
    assert msgs[1]["content"]["comm_id"] == comm_id
    # messages to that comm are harmless (busy/idle, no reply)
    for t in ("comm_msg", "comm_close"):
        msg = kc.session.msg(t, {"comm_id": comm_id, "data": {}})
        kc.shell_channel.send(msg)
        assert types(iopub_for(kc, msg["header"]["msg_id"])) == ["status", "status"]
    assert ytk.execute(kc, "SELECT 6*7").texts() == ["42"]


# -------------------------------------------------------- iopub welcome

def test_iopub_welcome_to_each_new_subscriber(kernel):
    km, kc = kernel
    session = kc.session
    ctx = zmq.Context.instance()
    for _ in range(2):
        sub = ctx.socket(zmq.SUB)
        sub.linger = 0
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(f"tcp://127.0.0.1:{km.iopub_port}")
        assert sub.poll(T * 1000)
        _, frames = session.feed_identities(sub.recv_multipart())
        m = session.deserialize(frames)
        assert m["msg_type"] == "iopub_welcome"
        assert m["content"] == {"subscription": ""}
        assert m["parent_header"] == {}
        sub.close()


# ------------------------------------------------------ transports, parent

def test_ipv6_tcp(tmp_path, ytk_home):
    rk = RawKernel(tmp_path, ytk_home, ip="::1", ipv6=True)
    try:
        info = rk.wait_ready()
        assert info["content"]["protocol_version"] == "5.5"
        msg, reply = rk.request(rk.shell, "execute_request", {
            "code": "SELECT 6*7", "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        assert reply["content"]["status"] == "ok"
        msgs = rk.iopub_until_idle(msg["header"]["msg_id"])
        res = [m for m in msgs if m["msg_type"] == "execute_result"]
        assert res[0]["content"]["data"]["text/plain"] == "42"
        assert rk.heartbeat() == b"ping"
        assert rk.shutdown()["content"]["status"] == "ok"
        assert wait_exit(rk.proc) and rk.proc.returncode == 0
    finally:
        rk.close()


def test_ipc_transport_and_cleanup(tmp_path, ytk_home):
    ipc_dir = tmp_path / "ipc"
    ipc_dir.mkdir()
    prefix = str(ipc_dir / "kernel")
    rk = RawKernel(tmp_path, ytk_home, transport="ipc", ip=prefix)
    try:
        rk.wait_ready()
        assert sorted(os.listdir(ipc_dir)) == [f"kernel-{i}" for i in range(1, 6)]
        msg, reply = rk.request(rk.shell, "execute_request", {
            "code": "%print over ipc", "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        assert reply["content"]["status"] == "ok"
        msgs = rk.iopub_until_idle(msg["header"]["msg_id"])
        assert any(m["msg_type"] == "stream" and m["content"]["text"] == "over ipc\n"
                   for m in msgs)
        rk.shutdown()
        assert wait_exit(rk.proc) and rk.proc.returncode == 0
        assert os.listdir(ipc_dir) == []  # the kernel removed its socket files
    finally:
        rk.close()


def test_ipc_path_too_long_is_a_clear_error(tmp_path, ytk_home):
    cf = tmp_path / "ipc-long.json"
    cf.write_text(json.dumps({
        "transport": "ipc", "ip": str(tmp_path / ("p" * 120)), "shell_port": 1,
        "control_port": 2, "stdin_port": 3, "iopub_port": 4, "hb_port": 5,
        "key": "k", "signature_scheme": "hmac-sha256"}))
    p = subprocess.run([KERNEL_BIN, "-f", str(cf)], capture_output=True,
                       env=dict(os.environ, YTK_HOME=str(ytk_home)), timeout=T)
    assert p.returncode != 0
    assert b"too long" in p.stderr


def test_exits_when_parent_dies_pdeathsig(tmp_path, ytk_home):
    """The kernel's real parent (which set JPY_PARENT_PID) is killed."""
    rk = RawKernel(tmp_path, ytk_home, popen_args=False)
    launcher = subprocess.Popen(
        [sys.executable, "-c",
         "import os, subprocess, sys, time\n"
         "env = dict(os.environ, JPY_PARENT_PID=str(os.getpid()))\n"
         "p = subprocess.Popen(sys.argv[1:], env=env)\n"
         "print(p.pid, flush=True)\n"
         "time.sleep(600)\n",
         KERNEL_BIN, "-f", str(rk.cf)],
        env=dict(os.environ, YTK_HOME=str(ytk_home)), stdout=subprocess.PIPE)
    try:
        kpid = int(launcher.stdout.readline())
        rk.wait_ready()
        launcher.kill()
        launcher.wait()
        assert wait_exit(kpid), "kernel outlived its parent"
    finally:
        rk.close()
        if launcher.poll() is None:
            launcher.kill()


def test_exits_when_jpy_parent_pid_dies(tmp_path, ytk_home):
    """JPY_PARENT_PID names a process that is not the direct parent: the
    kernel polls it."""
    sleeper = subprocess.Popen(["sleep", "600"])
    rk = RawKernel(tmp_path, ytk_home, env_extra={"JPY_PARENT_PID": str(sleeper.pid)})
    try:
        rk.wait_ready()
        sleeper.kill()
        sleeper.wait()
        assert wait_exit(rk.proc), "kernel outlived JPY_PARENT_PID"
        assert rk.proc.returncode == 0
    finally:
        rk.close()
        if sleeper.poll() is None:
            sleeper.kill()


def test_bad_connection_file_is_a_clear_error(tmp_path):
    cf = tmp_path / "bad.json"
    cf.write_text('{"transport": "tcp", "ip": "127.0.0.1", "shell_port": "x"}')
    p = subprocess.run([KERNEL_BIN, "-f", str(cf)], capture_output=True,
                       env=dict(os.environ, YTK_HOME=str(tmp_path / "h")), timeout=T)
    assert p.returncode != 0
    assert b"shell_port" in p.stderr
    p = subprocess.run([KERNEL_BIN, "-f", str(tmp_path / "missing.json")],
                       capture_output=True, env=dict(os.environ, YTK_HOME=str(tmp_path / "h")),
                       timeout=T)
    assert p.returncode != 0 and b"missing.json" in p.stderr


# ------------------------------------------------------------ executable

def test_version_and_help():
    p = subprocess.run([KERNEL_BIN, "--version"], capture_output=True, text=True, timeout=T)
    assert p.returncode == 0 and p.stdout.startswith("ytkernel ")
    p = subprocess.run([KERNEL_BIN, "--help"], capture_output=True, text=True, timeout=T)
    assert p.returncode == 0 and "install" in p.stdout and "-f" in p.stdout
    p = subprocess.run([KERNEL_BIN, "--bogus"], capture_output=True, text=True, timeout=T)
    assert p.returncode != 0 and "usage" in p.stderr


def test_install_prefix_writes_kernelspec(tmp_path):
    p = subprocess.run([KERNEL_BIN, "install", "--prefix", str(tmp_path / "pfx")],
                       capture_output=True, text=True, timeout=T)
    assert p.returncode == 0, p.stderr
    d = tmp_path / "pfx" / "share" / "jupyter" / "kernels" / "ytkernel"
    spec = json.loads((d / "kernel.json").read_text())
    assert spec["display_name"] == "YouTube (C)"
    assert os.path.isabs(spec["argv"][0])
    assert os.path.samefile(spec["argv"][0], KERNEL_BIN)
    assert spec["argv"][1:] == ["-f", "{connection_file}"]
    assert spec["interrupt_mode"] == "signal"
    assert spec["kernel_protocol_version"] == "5.5"
    assert (d / "logo-32x32.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (d / "logo-64x64.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (d / "logo-svg.svg").read_bytes()
    # jupyter_client finds it there
    from jupyter_client.kernelspec import KernelSpecManager
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "pfx" / "share" / "jupyter" / "kernels")])
    found = ksm.get_all_specs()["ytkernel"]
    assert found["spec"]["display_name"] == "YouTube (C)"
    # --user honours JUPYTER_DATA_DIR
    p = subprocess.run([KERNEL_BIN, "install", "--user"], capture_output=True, text=True,
                       timeout=T, env=dict(os.environ, JUPYTER_DATA_DIR=str(tmp_path / "jd")))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "jd" / "kernels" / "ytkernel" / "kernel.json").exists()
    # a copy of the binary away from the build tree draws the same logos
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(KERNEL_BIN, lone / "ytkernel")
    p = subprocess.run([str(lone / "ytkernel"), "install", "--prefix", str(lone / "pfx")],
                       capture_output=True, text=True, timeout=T)
    assert p.returncode == 0, p.stderr
    d2 = lone / "pfx" / "share" / "jupyter" / "kernels" / "ytkernel"
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        src = os.path.join(ytk.SOURCE_DIR, "kernelspec", name)
        assert (d2 / name).read_bytes() == open(src, "rb").read(), name
    # --sys-prefix: the active venv, and a clear error without one
    env = dict(os.environ, VIRTUAL_ENV=str(tmp_path / "venv"))
    env.pop("CONDA_PREFIX", None)
    p = subprocess.run([KERNEL_BIN, "install", "--sys-prefix"], capture_output=True, text=True,
                       timeout=T, env=env)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "venv" / "share" / "jupyter" / "kernels" / "ytkernel" / "logo-svg.svg").exists()
    env.pop("VIRTUAL_ENV")
    p = subprocess.run([KERNEL_BIN, "install", "--sys-prefix"], capture_output=True, text=True,
                       timeout=T, env=env)
    assert p.returncode != 0 and "--prefix" in p.stderr
    p = subprocess.run([KERNEL_BIN, "install", "--nope"], capture_output=True, text=True,
                       timeout=T)
    assert p.returncode != 0


# -------------------------------------------------------------------- stdin
# `%yt_auth key` without an argument asks for the key on stdin (password).

def test_stdin_round_trip_with_password(kernel, ytk_home):
    km, kc = kernel
    asked = []
    secret = "AIzaTEST-stdin-0123456789"

    def answer(req):
        asked.append(req)
        return secret

    r = ytk.execute(kc, "%yt_auth key", stdin_handler=answer)
    assert r.status == "ok", r.all_text()
    assert len(asked) == 1
    assert asked[0]["password"] is True
    assert "API key" in asked[0]["prompt"]
    assert secret not in r.all_text()  # the secret is never echoed
    saved = [p for p in ytk_home.rglob("*") if p.is_file() and secret in p.read_text(errors="ignore")]
    assert saved, "the key typed on stdin was not stored"


def test_stdin_not_allowed_is_an_error_without_input_request(kernel):
    km, kc = kernel
    mid = kc.execute("%yt_auth key", allow_stdin=False)
    reply = shell_reply(kc, mid)
    assert reply["content"]["status"] == "error"
    assert "allow_stdin" in reply["content"]["evalue"] or "input" in reply["content"]["evalue"]
    with pytest.raises(queue.Empty):
        kc.get_stdin_msg(timeout=0.5)


def test_interrupt_while_waiting_for_input(kernel, ytk_home):
    km, kc = kernel
    mid = kc.execute("%yt_auth key", allow_stdin=True)
    req = kc.get_stdin_msg(timeout=T)
    assert req["msg_type"] == "input_request"
    assert req["parent_header"]["msg_id"] == mid
    km.interrupt_kernel()
    reply = shell_reply(kc, mid)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    # a late answer to the abandoned prompt (naming it as parent, as
    # JupyterLab does) is not taken by the next prompt
    kc.stdin_channel.send(kc.session.msg("input_reply", {"value": "AIzaSTALE-answer-000000"},
                                         parent=req["header"]))
    asked = []
    r = ytk.execute(kc, "%yt_auth key",
                    stdin_handler=lambda q: asked.append(q) or "AIzaFRESH-answer-11111")
    assert r.status == "ok"
    assert len(asked) == 1
    stored = "".join(p.read_text(errors="ignore") for p in ytk_home.rglob("*") if p.is_file())
    assert "AIzaFRESH-answer-11111" in stored
    assert "AIzaSTALE-answer-000000" not in stored


def test_sigterm_is_a_clean_exit_that_removes_ipc_files(tmp_path, ytk_home):
    ipc_dir = tmp_path / "ipc-term"
    ipc_dir.mkdir()
    rk = RawKernel(tmp_path, ytk_home, transport="ipc", ip=str(ipc_dir / "k"))
    try:
        rk.wait_ready()
        assert len(os.listdir(ipc_dir)) == 5
        rk.proc.send_signal(signal.SIGTERM)
        assert wait_exit(rk.proc)
        assert rk.proc.returncode == 0
        assert os.listdir(ipc_dir) == []
    finally:
        rk.close()


def test_relative_ipc_path_works_and_warns(tmp_path, ytk_home):
    """A relative ipc prefix is relative to the kernel's cwd: it works when
    both sides agree, and the kernel says so on stderr."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    old = os.getcwd()
    os.chdir(workdir)
    try:
        rk = RawKernel(tmp_path, ytk_home, transport="ipc", ip="kernel-ipc",
                       popen_args={"cwd": str(workdir), "stderr": subprocess.PIPE})
        try:
            rk.wait_ready()
            rk.shutdown()
            _, err = rk.proc.communicate(timeout=T)
            assert b"relative" in err
            assert rk.proc.returncode == 0
        finally:
            rk.close()
    finally:
        os.chdir(old)


def test_port_in_use_is_a_clear_error(tmp_path, ytk_home):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    ports = free_ports(4)
    cf = tmp_path / "busy.json"
    cf.write_text(json.dumps({
        "transport": "tcp", "ip": "127.0.0.1", "shell_port": ports[0],
        "control_port": ports[1], "stdin_port": ports[2], "iopub_port": ports[3],
        "hb_port": busy.getsockname()[1], "key": "k", "signature_scheme": "hmac-sha256"}))
    try:
        p = subprocess.run([KERNEL_BIN, "-f", str(cf)], capture_output=True,
                           env=dict(os.environ, YTK_HOME=str(ytk_home)), timeout=T)
    finally:
        busy.close()
    assert p.returncode != 0
    assert b"hb" in p.stderr and b"in use" in p.stderr
