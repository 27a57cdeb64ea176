"""A lean Jupyter protocol client for benchmarks and load tests.

jupyter_client's BlockingKernelClient runs each channel in a thread and
deserializes every message into dicts with parsed dates: fine for tests, but
its own cost (about a millisecond per round trip) would hide the difference
between kernels.  This client keeps what the protocol requires and nothing
more, the same for every kernel it drives:

- connection files and ports from `jupyter_client.connect.write_connection_file`
  (127.0.0.1, tcp, a fresh random key each start);
- messages built as a frontend does (uuid4 msg_id, session, ISO date,
  version 5.3), serialized once with `json.dumps`, signed with HMAC-SHA256;
- every received message's signature verified (`hmac.compare_digest`)
  before its header and parent header are decoded; content is decoded only
  when the caller asks for it.

`KernelProcess` launches a kernel command line on a connection file and
reads its memory from /proc.  `RawClient` talks to it over pyzmq sockets.

Nothing here talks to anything but 127.0.0.1.
"""
import hashlib
import hmac
import json
import os
import signal
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timezone

import zmq
from jupyter_client.connect import write_connection_file

DELIM = b"<IDS|MSG>"


def proc_memory(pid):
    """VmRSS and VmHWM of a process in KiB, from /proc/PID/status."""
    d = proc_status(pid)
    return d.get("VmRSS", 0), d.get("VmHWM", 0)


def proc_status(pid):
    """The Vm*/Rss* lines of /proc/PID/status in KiB (RssAnon: the process'
    own heap and stacks; RssFile: mapped files, mostly shared libraries)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("Vm", "Rss")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


class KernelProcess:
    """One kernel process on a fresh connection file.

    argv may contain "{connection_file}" (as kernelspecs do).  stderr goes to
    a file (`stderr_path`) so a test can scan it afterwards.
    """

    def __init__(self, argv, env=None, workdir=None, stderr_path=None):
        self.workdir = workdir or tempfile.mkdtemp(prefix="ytk-proto-")
        self.conn_file = os.path.join(self.workdir, f"kernel-{uuid.uuid4()}.json")
        key = uuid.uuid4().hex
        self.conn_file, self.info = write_connection_file(
            self.conn_file, ip="127.0.0.1", key=key.encode(),
            transport="tcp", signature_scheme="hmac-sha256")
        self.info = dict(self.info)
        if isinstance(self.info.get("key"), bytes):
            self.info["key"] = self.info["key"].decode()
        self.argv = [a.replace("{connection_file}", self.conn_file) for a in argv]
        self.env = dict(os.environ)
        if env:
            self.env.update(env)
        self.stderr_path = stderr_path or os.path.join(self.workdir, "stderr.log")
        self.proc = None

    def start(self):
        self._err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._err, stderr=self._err,
                                     cwd=self.workdir)
        return self.proc

    @property
    def pid(self):
        return self.proc.pid

    def memory(self):
        return proc_memory(self.proc.pid)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout=10):
        """Wait for exit; kill after timeout.  Returns the exit status."""
        if self.proc is None:
            return None
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._err.close()
        return rc

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class ProtocolError(Exception):
    pass


class RawClient:
    """Shell, control and iopub sockets of one client, with a lean codec."""

    def __init__(self, info, ctx=None, identity=None):
        self.info = info
        self.key = info["key"].encode() if isinstance(info["key"], str) else info["key"]
        self.session = str(uuid.uuid4())
        self.ctx = ctx or zmq.Context.instance()
        ip = info["ip"]

        def sock(kind, port):
            s = self.ctx.socket(kind)
            s.setsockopt(zmq.LINGER, 0)
            # The kernel may not have bound yet (start-up timing): retry fast
            # instead of libzmq's default 100 ms.
            s.setsockopt(zmq.RECONNECT_IVL, 1)
            s.setsockopt(zmq.RCVHWM, 0)  # never drop what the kernel sent
            if kind == zmq.DEALER:
                s.setsockopt(zmq.IDENTITY, (identity or self.session).encode()
                             + (b"-" + str(port).encode()))
            s.connect(f"tcp://{ip}:{port}")
            return s

        self.shell = sock(zmq.DEALER, info["shell_port"])
        self.control = sock(zmq.DEALER, info["control_port"])
        self.iopub = sock(zmq.SUB, info["iopub_port"])
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)

    def close(self):
        for s in (self.shell, self.control, self.iopub):
            s.close(0)

    # ---- codec ----
    def _sign(self, parts):
        h = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            h.update(p)
        return h.hexdigest().encode()

    def send(self, sock, msg_type, content, metadata=None):
        msg_id = str(uuid.uuid4())
        header = {
            "msg_id": msg_id, "session": self.session, "username": "bench",
            "date": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "msg_type": msg_type, "version": "5.3",
        }
        parts = [json.dumps(header).encode(), b"{}",
                 json.dumps(metadata or {}).encode(), json.dumps(content).encode()]
        sock.send_multipart([DELIM, self._sign(parts)] + parts)
        return msg_id

    def recv_frames(self, sock):
        """Receive one message; verify it; return (header, parent, frames, d)."""
        frames = sock.recv_multipart()
        try:
            d = frames.index(DELIM)
        except ValueError:
            raise ProtocolError("message without <IDS|MSG> delimiter")
        if len(frames) < d + 6:
            raise ProtocolError("message with fewer than 4 JSON frames")
        sig = frames[d + 1]
        if self.key and not hmac.compare_digest(sig, self._sign(frames[d + 2:d + 6])):
            raise ProtocolError("bad signature on a message from the kernel")
        header = json.loads(frames[d + 2])
        parent = json.loads(frames[d + 3])
        return header, parent, frames, d

    def recv_msg(self, sock):
        """A full message as a dict like jupyter_client's (dates kept as str)."""
        header, parent, frames, d = self.recv_frames(sock)
        return {
            "header": header, "parent_header": parent,
            "msg_type": header.get("msg_type"),
            "msg_id": header.get("msg_id"),
            "metadata": json.loads(frames[d + 4]),
            "content": json.loads(frames[d + 5]),
            "buffers": frames[d + 6:],
        }

    # ---- requests ----
    def kernel_info(self, timeout=30.0, sock=None):
        """Send kernel_info_request and wait for its reply; returns it."""
        sock = sock or self.shell
        msg_id = self.send(sock, "kernel_info_request", {})
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no kernel_info_reply")
            if sock.poll(int(left * 1000) + 1, zmq.POLLIN):
                m = self.recv_msg(sock)
                if m["parent_header"].get("msg_id") == msg_id:
                    return m

    def wait_ready(self, timeout=60.0):
        """Until a kernel_info reply has arrived AND iopub delivers (the
        subscription has propagated): what a frontend waits for."""
        deadline = time.monotonic() + timeout
        self.kernel_info(timeout=timeout)
        while time.monotonic() < deadline:
            self.send(self.shell, "kernel_info_request", {})
            if self.iopub.poll(200, zmq.POLLIN):
                break
        else:
            raise TimeoutError("iopub never delivered")
        # Drain everything currently queued.
        time.sleep(0.05)
        self.drain()

    def drain(self):
        for s in (self.shell, self.iopub):
            while s.poll(0, zmq.POLLIN):
                s.recv_multipart()

    def execute_fast(self, code, timeout=60.0, stream_lines=False):
        """Run `code`; wait for its execute_reply and its idle status.

        Returns (reply_status, n_iopub_msgs, n_stream_msgs, stream_text)
        where stream_text is only collected when stream_lines is true."""
        msg_id = self.send(self.shell, "execute_request", {
            "code": code, "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        status = None
        idle = False
        n_io = n_stream = 0
        text = []
        deadline = time.monotonic() + timeout
        while status is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"execute did not finish: {code[:60]!r}")
            for sock, _ in self.poller.poll(int(left * 1000) + 1):
                header, parent, frames, d = self.recv_frames(sock)
                if parent.get("msg_id") != msg_id:
                    continue
                mt = header.get("msg_type")
                if sock is self.shell:
                    if mt == "execute_reply":
                        status = json.loads(frames[d + 5]).get("status")
                    continue
                n_io += 1
                if mt == "status":
                    if b'"idle"' in frames[d + 5]:
                        idle = True
                elif mt == "stream":
                    n_stream += 1
                    if stream_lines:
                        text.append(json.loads(frames[d + 5])["text"])
        return status, n_io, n_stream, "".join(text)

    def execute_collect(self, code, timeout=120.0, silent=False):
        """Run `code`; return (execute_reply, [iopub messages]) with every
        message fully decoded, once the reply and the idle status arrived."""
        msg_id = self.send(self.shell, "execute_request", {
            "code": code, "silent": silent, "store_history": not silent,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        reply, msgs, idle = None, [], False
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"execute did not finish: {code[:60]!r}")
            for sock, _ in self.poller.poll(int(left * 1000) + 1):
                m = self.recv_msg(sock)
                if m["parent_header"].get("msg_id") != msg_id:
                    continue
                if sock is self.shell:
                    reply = m
                    continue
                msgs.append(m)
                if (m["msg_type"] == "status"
                        and m["content"].get("execution_state") == "idle"):
                    idle = True
        return reply, msgs

    def execute_many(self, code, count, window=64, timeout=120.0):
        """Pipeline `count` executes of `code`, at most `window` in flight.

        Returns the number of `ok` replies.  Every request's reply and idle
        status must arrive (else TimeoutError)."""
        pending = {}
        sent = ok = done = 0
        deadline = time.monotonic() + timeout
        content = {"code": code, "silent": False, "store_history": True,
                   "user_expressions": {}, "allow_stdin": False,
                   "stop_on_error": False}
        while done < count:
            while sent < count and len(pending) < window:
                pending[self.send(self.shell, "execute_request", content)] = [None, False]
                sent += 1
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{done}/{count} executes finished")
            for sock, _ in self.poller.poll(int(left * 1000) + 1):
                header, parent, frames, d = self.recv_frames(sock)
                st = pending.get(parent.get("msg_id"))
                if st is None:
                    continue
                mt = header.get("msg_type")
                if sock is self.shell and mt == "execute_reply":
                    st[0] = json.loads(frames[d + 5]).get("status")
                elif mt == "status" and b'"idle"' in frames[d + 5]:
                    st[1] = True
                if st[0] is not None and st[1]:
                    ok += st[0] == "ok"
                    done += 1
                    del pending[parent["msg_id"]]
        return ok

    def shutdown(self, timeout=10.0):
        """shutdown_request on control; returns the reply or None."""
        msg_id = self.send(self.control, "shutdown_request", {"restart": False})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.control.poll(100, zmq.POLLIN):
                m = self.recv_msg(self.control)
                if m["parent_header"].get("msg_id") == msg_id:
                    return m
        return None
