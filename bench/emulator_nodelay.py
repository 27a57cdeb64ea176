"""`python -m bench.emulator_nodelay ARGS...`: the emulator (`python -m
emulator ARGS...`) with Nagle's algorithm disabled on its connections.

Why: http.server writes a response's headers and its body in two send()s.
On a kept-alive connection Nagle's algorithm holds the body until the client
ACKs the headers, and Linux clients delay that ACK by up to 40 ms.  Every
request after the first on a connection then takes ~44 ms instead of ~1 ms
(measured), which would swamp the 50 ms of latency the fetch benchmark adds
on purpose and penalise exactly the clients that reuse connections.
Google's front ends do not behave like that, so the benchmark turns it off.

`start(data_dir, **knobs)` mirrors emulator.testing.start_emulator (same
knobs) and returns its Emulator object.
"""
import os
import runpy
import selectors
import subprocess
import sys
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(data_dir, timeout=30, **knobs):
    sys.path.insert(0, SOURCE)
    from emulator import testing
    data_dir = os.path.abspath(data_dir)
    os.makedirs(data_dir, exist_ok=True)
    cmd = [sys.executable, "-m", "bench.emulator_nodelay", "--data-dir",
           data_dir, "--port", "0"]
    if knobs.pop("quiet", False):
        cmd.append("--quiet")
    for f in knobs.pop("faults", None) or []:
        cmd += ["--fault", f]
    for k, v in knobs.items():
        if v is not None:
            cmd += [testing._FLAGS[k], str(v)]
    env = dict(os.environ)
    env["PYTHONPATH"] = SOURCE + (os.pathsep + env["PYTHONPATH"]
                                  if env.get("PYTHONPATH") else "")
    with open(os.path.join(data_dir, "emulator.log"), "ab") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log,
                                stdin=subprocess.DEVNULL, env=env, cwd=SOURCE)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    line = b""
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            proc.kill()
            proc.wait()
            raise RuntimeError("emulator did not start; see " + data_dir)
        chunk = os.read(proc.stdout.fileno(), 256)
        if not chunk:
            proc.wait()
            raise RuntimeError("emulator exited; see %s/emulator.log" % data_dir)
        line += chunk
    sel.close()
    text = line.decode().strip()
    if not text.startswith("EMULATOR_URL="):
        proc.kill()
        raise RuntimeError("unexpected emulator output")
    return testing.Emulator(proc, text.split("=", 1)[1], data_dir)


if __name__ == "__main__":
    sys.path.insert(0, SOURCE)
    from emulator import server
    server.Handler.disable_nagle_algorithm = True
    sys.argv[0] = "emulator"
    runpy.run_module("emulator", run_name="__main__", alter_sys=True)
