"""`python -m emulator`: start the emulator, print EMULATOR_URL=... once
listening (one line on stdout), serve until SIGTERM/SIGINT."""
import argparse
import os
import signal
import sys
import threading

from .server import make_server, parse_fault_spec


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Offline Google OAuth 2.0 + YouTube Data API v3 emulator "
                    "(binds 127.0.0.1 only).")
    ap.add_argument("--port", type=int, default=0,
                    help="TCP port on 127.0.0.1 (0 = pick a free one)")
    ap.add_argument("--data-dir", required=True,
                    help="where client_secret.json, client_secret_device.json"
                         " and api_key.txt are written")
    ap.add_argument("--seed", type=int, default=1,
                    help="world seed (same seed = same world)")
    ap.add_argument("--size", default="small",
                    help="small | medium | large | a number of videos "
                         "(default small)")
    ap.add_argument("--uploads", type=int, default=None,
                    help="override: number of uploads on my channel")
    ap.add_argument("--subscriptions", type=int, default=None,
                    help="override: number of my subscriptions")
    ap.add_argument("--comment-threads", type=int, default=None,
                    help="override: comment threads on the big video")
    ap.add_argument("--token-lifetime", type=int, default=3599,
                    help="access token lifetime in seconds (default 3599)")
    ap.add_argument("--refresh-token-lifetime", type=int, default=None,
                    help="refresh token lifetime in seconds (default: "
                         "never expires; 604800 = Testing-mode 7 days)")
    ap.add_argument("--quota-limit", type=int, default=10000,
                    help="daily quota units (default 10000)")
    ap.add_argument("--consent", choices=("approve", "deny"),
                    default="approve", help="what the simulated user answers")
    ap.add_argument("--fault", action="extend", nargs="+", default=[],
                    help="PATTERN[,status=N][,reason=R][,count=N]"
                         "[,retry_after=S][,mode=status|drop|truncate|"
                         "latency][,latency_ms=N][,after=N], or a JSON "
                         "object "
                         "(several may follow one --fault; repeatable)")
    ap.add_argument("--latency-ms", type=int, default=0,
                    help="added to every request")
    ap.add_argument("--device-interval", type=int, default=5,
                    help="device flow polling interval in seconds")
    ap.add_argument("--device-code-lifetime", type=int, default=1800,
                    help="device code lifetime in seconds")
    ap.add_argument("--device-any-scope", action="store_true",
                    help="let the device flow grant any known scope (Google "
                         "only allows youtube and youtube.readonly)")
    ap.add_argument("--compact-json", action="store_true",
                    help="answer compact JSON unless prettyPrint=true is "
                         "asked (Google pretty-prints by default; Python's "
                         "pretty printer is ~3x slower, so benchmarks may "
                         "prefer this)")
    ap.add_argument("--response-cache-mb", type=int, default=0,
                    help="keep up to this many MB of encoded Data API "
                         "answers and serve repeated requests from them "
                         "(the world never changes; benchmarks warm it so "
                         "the emulator's CPU stays out of the measurement; "
                         "0 = off)")
    ap.add_argument("--quiet", action="store_true",
                    help="no request log lines on stderr")
    ap.add_argument("--parent-pid", type=int, default=None,
                    help="exit when the process with this id is gone (the "
                         "test harness passes its own pid, so a killed test "
                         "run leaves no emulator behind)")
    opts = ap.parse_args(argv)
    if opts.size not in ("small", "medium", "large"):
        try:
            if int(opts.size) < 200:
                raise ValueError
        except ValueError:
            ap.error("--size must be small, medium, large or a number of "
                     "videos >= 200")
    if opts.uploads is not None and not 20 <= opts.uploads <= 1000000:
        ap.error("--uploads must be between 20 and 1000000")
    if opts.subscriptions is not None and not 0 <= opts.subscriptions <= \
            100000:
        ap.error("--subscriptions must be between 0 and 100000")
    if opts.comment_threads is not None and not 0 <= opts.comment_threads \
            <= 1000000:
        ap.error("--comment-threads must be between 0 and 1000000")
    if opts.size not in ("small", "medium", "large") and int(opts.size) > \
            1000000:
        ap.error("--size is at most 1000000 videos")
    for name in ("token_lifetime", "quota_limit", "device_interval",
                 "device_code_lifetime"):
        if getattr(opts, name) < 1:
            ap.error("--%s must be at least 1" % name.replace("_", "-"))
    if not 0 <= opts.response_cache_mb <= 65536:
        ap.error("--response-cache-mb must be between 0 and 65536")
    if opts.latency_ms < 0:
        ap.error("--latency-ms must not be negative")
    for spec in opts.fault:
        try:
            parse_fault_spec(spec)
        except (ValueError, TypeError, KeyError) as e:
            ap.error("bad --fault %r: %s" % (spec, e))
    return opts


def main(argv=None):
    opts = parse_args(argv)
    try:
        srv, emu = make_server(opts)
    except OSError as e:
        sys.stderr.write("emulator: cannot listen on 127.0.0.1:%d: %s\n" %
                         (opts.port, e))
        return 2
    try:
        emu.write_files(os.path.abspath(opts.data_dir))
    except OSError as e:
        sys.stderr.write("emulator: cannot write into --data-dir %s: %s\n" %
                         (opts.data_dir, e.strerror or e))
        srv.server_close()
        return 2

    def stop(signum=None, frame=None):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if opts.parent_pid:
        threading.Thread(target=_watch_parent, args=(opts.parent_pid, stop),
                         daemon=True).start()
    sys.stdout.write("EMULATOR_URL=%s\n" % emu.base_url)
    sys.stdout.flush()
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


def _watch_parent(pid, stop):
    import time
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.stderr.write("emulator: parent %d is gone, stopping\n" % pid)
            stop()
            return
        except PermissionError:
            pass


if __name__ == "__main__":
    sys.exit(main())
