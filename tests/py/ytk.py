"""Shared helpers for the Python tests: start the built kernel, run cells,
collect every iopub message.  Imported by tests/py/conftest.py fixtures.

Nothing here talks to anything but 127.0.0.1.
"""
import os
import queue
import time

from jupyter_client.manager import KernelManager

KERNEL_NAME = "ytkernel"
BUILD_DIR = os.environ.get("YTK_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE_DIR = os.environ.get("YTK_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
ASAN = os.environ.get("YTK_ASAN_BUILD") == "1"
TIMEOUT = 120 if ASAN else 60


def start_kernel(env=None, **kw):
    """Start ytkernel from the build tree.  Returns (km, kc) ready to use."""
    full_env = dict(os.environ)
    full_env.setdefault("JUPYTER_PATH", os.path.join(BUILD_DIR, "jupyter"))
    if env:
        full_env.update(env)
    km = KernelManager(kernel_name=KERNEL_NAME)
    km.start_kernel(env=full_env, **kw)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    drain_iopub(kc)
    return km, kc


def stop_kernel(km, kc):
    try:
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=False)


def kernel_pid(km):
    """The process id of the kernel km started."""
    return km.provisioner.process.pid


def drain_iopub(kc, quiet=0.2):
    msgs = []
    while True:
        try:
            msgs.append(kc.get_iopub_msg(timeout=quiet))
        except queue.Empty:
            return msgs


class CellResult:
    """The reply and every iopub message of one execute request."""

    def __init__(self, reply, msgs):
        self.reply = reply
        self.msgs = msgs

    @property
    def status(self):
        return self.reply["content"]["status"]

    def of_type(self, *types):
        return [m for m in self.msgs if m["msg_type"] in types]

    @property
    def stdout(self):
        return "".join(m["content"]["text"] for m in self.of_type("stream")
                       if m["content"]["name"] == "stdout")

    @property
    def stderr(self):
        return "".join(m["content"]["text"] for m in self.of_type("stream")
                       if m["content"]["name"] == "stderr")

    @property
    def errors(self):
        return [m["content"] for m in self.of_type("error")]

    def texts(self, mime="text/plain"):
        """Every `mime` value of display_data/update/execute_result, in order."""
        out = []
        for m in self.of_type("display_data", "update_display_data", "execute_result"):
            if mime in m["content"]["data"]:
                out.append(m["content"]["data"][mime])
        return out

    def all_text(self):
        """Everything the user could read, for 'contains' and secret scans."""
        parts = [self.stdout, self.stderr]
        for e in self.errors:
            parts += [e["ename"], e["evalue"]] + list(e["traceback"])
        for m in self.of_type("display_data", "update_display_data", "execute_result"):
            for v in m["content"]["data"].values():
                parts.append(v if isinstance(v, str) else repr(v))
        for p in self.reply["content"].get("payload", []):
            parts.append(repr(p))
        return "\n".join(parts)


def execute(kc, code, timeout=TIMEOUT, stdin_handler=None, **kw):
    """Run `code`, return CellResult once the kernel went idle for it.

    One cell at a time, like nbclient with allow_errors: stop_on_error is
    False unless asked, because after a failed stop_on_error cell the kernel
    aborts every stop_on_error execute that arrives within
    YTK_STOP_ON_ERROR_TIMEOUT (so "Run All" stops), and a test sends its
    next cell sooner than that."""
    kw.setdefault("stop_on_error", False)
    msg_id = kc.execute(code, allow_stdin=stdin_handler is not None, **kw)
    return collect(kc, msg_id, timeout, stdin_handler, what=code[:80])


def run(kc, code, ok=True, **kw):
    """execute(kc, code, **kw) and check the cell's status: ok=True asserts
    it is "ok", ok=False that it is "error" (the message shows the code and
    the end of the output), ok=None checks nothing.  Returns the
    CellResult."""
    r = execute(kc, code, **kw)
    if ok is not None:
        want = "ok" if ok else "error"
        assert r.status == want, (code, r.errors, r.all_text()[-2000:])
    return r


def wait_iopub(kc, msg_id, match, timeout=TIMEOUT):
    """Read iopub until a message of `msg_id` satisfies match(msg): for
    tests that act (e.g. interrupt) once a cell has got that far."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") == msg_id and match(m):
            return
    raise TimeoutError(f"cell {msg_id!r}: awaited message not seen in "
                       f"{timeout}s")


def wait_busy(kc, msg_id, timeout=TIMEOUT):
    """Read iopub until the kernel says it is busy with `msg_id`."""
    wait_iopub(kc, msg_id, lambda m: m["msg_type"] == "status" and
               m["content"]["execution_state"] == "busy", timeout)


def collect(kc, msg_id, timeout=TIMEOUT, stdin_handler=None, what=None,
            on_iopub=None, on_poll=None):
    """Gather the reply and iopub messages of an execute already sent as
    `msg_id` (for tests that act between sending and collecting, e.g. an
    interrupt), until the kernel went idle for it.

    stdin_handler(content) answers an input_request; it may return None to
    be asked again once more iopub messages were read (e.g. when the answer
    depends on a display the kernel published just before asking).
    on_iopub(msg) sees each iopub message of the cell as it arrives;
    on_poll() is called once per turn of the loop (to act on outside state
    while the cell runs)."""
    deadline = time.monotonic() + timeout
    reply = None
    msgs = []
    idle = False
    asked = None
    while not (idle and reply is not None):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"cell did not finish in {timeout}s: {what or msg_id!r}")
        if on_poll is not None:
            on_poll()
        if stdin_handler is not None:
            if asked is None:
                try:
                    req = kc.get_stdin_msg(timeout=0.01)
                    if req["msg_type"] == "input_request":
                        asked = req
                except queue.Empty:
                    pass
            if asked is not None:
                answer = stdin_handler(asked["content"])
                if answer is not None:
                    kc.input(answer)
                    asked = None
        if reply is None:
            try:
                r = kc.get_shell_msg(timeout=0.01)
                if r["parent_header"].get("msg_id") == msg_id:
                    reply = r
            except queue.Empty:
                pass
        try:
            m = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(m)
        if on_iopub is not None:
            on_iopub(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            idle = True
    return CellResult(reply, msgs)
