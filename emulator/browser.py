"""Headless "browser stand-in" for OAuth tests and the demo.

    python -m emulator.browser URL
    BROWSER="python3 -m emulator.browser"          (URL appended)
    BROWSER="/path/python -m emulator.browser %s"
    BROWSER=/path/to/emulator/browser-standin

GETs the authorization URL (which must be on a loopback host: 127.0.0.1,
localhost or [::1]), follows redirects only to loopback hosts (the
emulator's 302 to the app's loopback redirect listener), and exits 0 when
the listener answers 2xx.  Exits 2 on a refused URL, 3 on an error page or
non-2xx answer, 4 on a network error.  Never prints the URL's query (it
carries the authorization code and state).

Callers that wait for the browser to exit before serving their redirect
listener (Python's webbrowser with a plain command) would deadlock with a
browser that waits for that listener: use `--background` (or
YTK_BROWSER_BACKGROUND=1, or Python's `... %s &` form), which returns at
once and lets a detached child do the visit, like xdg-open does.
"""
import http.client
import sys
import urllib.parse

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_HOPS = 5


def _is_loopback(url):
    try:
        u = urllib.parse.urlsplit(url)
        u.port  # noqa: B018 - validates the port
    except ValueError:
        return False
    return u.scheme == "http" and (u.hostname or "") in LOOPBACK


def _where(url):
    u = urllib.parse.urlsplit(url)
    return "%s://%s%s" % (u.scheme, u.netloc, u.path)


def fetch(url, timeout=30):
    """-> (status, final url) after following loopback redirects."""
    for _ in range(MAX_HOPS):
        if not _is_loopback(url):
            raise ValueError("refusing non-loopback URL %s" % _where(url))
        u = urllib.parse.urlsplit(url)
        host = u.hostname
        conn = http.client.HTTPConnection(host, u.port or 80, timeout=timeout)
        target = (u.path or "/") + ("?" + u.query if u.query else "")
        try:
            conn.request("GET", target, headers={
                "User-Agent": "ytk-browser-standin/1.0",
                "Accept": "text/html,*/*"})
            r = conn.getresponse()
            r.read()
            status = r.status
            loc = r.getheader("Location")
        finally:
            conn.close()
        if status in (301, 302, 303, 307, 308) and loc:
            url = urllib.parse.urljoin(url, loc)
            continue
        return status, url
    raise ValueError("too many redirects")


def main(argv=None):
    import os
    argv = sys.argv[1:] if argv is None else list(argv)
    background = os.environ.get("YTK_BROWSER_BACKGROUND", "") not in (
        "", "0")
    if "--background" in argv:
        argv.remove("--background")
        background = True
    if not argv:
        sys.stderr.write("usage: python -m emulator.browser [--background] "
                         "URL\n")
        return 2
    url = argv[-1]
    if background:
        if os.fork() > 0:
            return 0
        os.setsid()
        code = 1
        try:
            code = _visit(url)
        finally:
            os._exit(code)
    return _visit(url)


def _visit(url):
    try:
        status, final = fetch(url)
    except ValueError as e:
        sys.stderr.write("browser-standin: %s\n" % e)
        return 2
    except OSError as e:
        sys.stderr.write("browser-standin: cannot reach %s: %s\n" %
                         (_where(url), e))
        return 4
    if 200 <= status < 300:
        sys.stderr.write("browser-standin: %s answered %d\n" %
                         (_where(final), status))
        return 0
    sys.stderr.write("browser-standin: %s answered %d\n" % (_where(final),
                                                            status))
    return 3


if __name__ == "__main__":
    sys.exit(main())
