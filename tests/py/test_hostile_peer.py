"""What an unauthenticated local peer can make the kernel hold (issue 15).

A raw ZMTP 3.0 client written here on a plain socket (NULL mechanism, no
key: anyone on the machine can do this to a tcp kernel) sends what libzmq's
own client would never put on the wire: an 8 MiB subscription to iopub and
multipart messages that never end (every frame with MORE) to shell,
control, stdin and heartbeat.  While those connections stay open, the
kernel's RSS must stay small and a normal client must still be served.
See kernel/README.md ("What a local peer can do").
"""
import os
import queue
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import ytk  # noqa: E402

MiB = 1024 * 1024


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed")
        buf += chunk
    return buf


def prop(name, value):
    return bytes([len(name)]) + name + len(value).to_bytes(4, "big") + value


def zmtp_connect(port, socket_type):
    """Connect and do the ZMTP 3.0 NULL handshake as `socket_type`."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    greeting = (b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([3, 0])
                + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31)
    s.sendall(greeting)
    peer = recv_exact(s, 64)
    assert peer[0] == 0xFF and peer[9] == 0x7F and peer[10] == 3
    body = b"\x05READY" + prop(b"Socket-Type", socket_type)
    if socket_type == b"DEALER":
        body += prop(b"Identity", b"")
    s.sendall(bytes([0x04, len(body)]) + body)
    flags = recv_exact(s, 1)[0]
    size = (int.from_bytes(recv_exact(s, 8), "big") if flags & 0x02
            else recv_exact(s, 1)[0])
    assert flags & 0x04 and recv_exact(s, size).startswith(b"\x05READY")
    return s


def send_frame(s, data, more):
    """One ZMTP message frame; False once the kernel has hung up."""
    flags = 0x01 if more else 0x00
    if len(data) > 255:
        head = bytes([flags | 0x02]) + len(data).to_bytes(8, "big")
    else:
        head = bytes([flags, len(data)])
    try:
        s.sendall(head + data)
        return True
    except OSError:  # reset: the kernel dropped us
        return False


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def still_served(kc):
    r = ytk.execute(kc, "%print still served", stop_on_error=True)
    assert r.status == "ok" and r.stdout == "still served\n"
    assert kc.is_alive()


def test_big_subscription_and_unfinished_messages_hold_little(kernel_err):
    km, kc, errpath = kernel_err
    info = km.get_connection_info()
    pid = ytk.kernel_pid(km)
    still_served(kc)
    before = rss_kb(pid)

    peers = []
    # iopub: one 8 MiB subscription frame (0x01 + topic).
    sub = zmtp_connect(info["iopub_port"], b"SUB")
    peers.append(sub)
    send_frame(sub, b"\x01" + b"k" * (8 * MiB), more=False)
    # shell, control, stdin, heartbeat: 8 frames of 8 MiB (shell: of
    # 17 MiB, past its larger limit), every one with MORE, never a last one.
    for chan, size in (("shell", 17 * MiB), ("control", 8 * MiB),
                       ("stdin", 8 * MiB), ("hb", 8 * MiB)):
        s = zmtp_connect(info[f"{chan}_port"], b"DEALER")
        peers.append(s)
        for _ in range(8):
            if not send_frame(s, b"x" * size, more=True):
                break
    try:
        still_served(kc)
        grown = rss_kb(pid) - before
        # Before the limits: ~770 MB for the subscription alone, and every
        # frame sent above (~300 MB) held until the peers leave.
        assert grown < 48 * 1024, f"kernel RSS grew by {grown} kB"
        # No iopub_welcome echoed the giant topic to the normal client.
        for m in ytk.drain_iopub(kc):
            if m["msg_type"] == "iopub_welcome":
                assert len(m["content"]["subscription"]) < 1024
    finally:
        for s in peers:
            s.close()
    still_served(kc)


def test_long_subscription_is_not_echoed(kernel_err):
    """A subscription short enough for libzmq but longer than any real topic
    gets no iopub_welcome (one stderr line); a topic-sized one does."""
    km, kc, errpath = kernel_err
    port = km.get_connection_info()["iopub_port"]
    ytk.drain_iopub(kc)
    long_topic = b"kernel." + b"z" * 400
    s = zmtp_connect(port, b"SUB")
    try:
        send_frame(s, b"\x01" + long_topic, more=False)
        send_frame(s, b"\x01kernel.short-topic", more=False)
        seen = []
        deadline = time.monotonic() + ytk.TIMEOUT
        while "kernel.short-topic" not in seen and time.monotonic() < deadline:
            try:
                m = kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                continue
            if m["msg_type"] == "iopub_welcome":
                seen.append(m["content"]["subscription"])
        assert "kernel.short-topic" in seen
        assert long_topic.decode() not in seen
    finally:
        s.close()
    still_served(kc)
    err = errpath.read_text()
    assert "ignored a 407-byte subscription" in err
    assert err.count("subscription") == 1


@pytest.mark.parametrize("chan", ["control", "stdin", "hb"])
def test_oversized_frame_disconnects_the_peer(kernel, chan):
    """A frame past the channel's limit ends the connection at its header:
    the kernel reads none of it."""
    km, kc = kernel
    s = zmtp_connect(km.get_connection_info()[f"{chan}_port"], b"DEALER")
    try:
        send_frame(s, b"x" * (2 * MiB), more=True)
        s.settimeout(ytk.TIMEOUT)
        try:
            closed = s.recv(1) == b""
        except ConnectionResetError:
            closed = True
        assert closed
    finally:
        s.close()
    still_served(kc)
