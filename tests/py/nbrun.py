"""Helpers to run the project's notebooks headless against the emulator.

Shared by test_notebooks.py and test_browser_lab.py:

- `DemoWorld`: a temp directory with a copy of notebooks/*.ipynb, a running
  emulator, a fresh YTK_HOME holding the emulator's client_secret.json (where
  notebook 1 tells a user to put theirs), and `env` for the kernel
  (YTK_HOME, YTK_GOOGLE_BASE, BROWSER=emulator/browser-standin).
- `run_notebook(path, env)`: execute a notebook in place with nbclient (cwd =
  its directory, as nbconvert and JupyterLab do) and return it.
- `png_info(path)`: decode a PNG (stdlib zlib) -> (width, height, distinct
  colours in a sample), to tell a real chart from a blank image.
- `secret_strings(home)`: every token/secret value of a run, for leak scans.

Only 127.0.0.1 is ever contacted.
"""
import json
import os
import re
import shutil
import struct
import zlib

import nbformat
from nbclient import NotebookClient

import ytk

NOTEBOOKS = ["01-token-acquisition", "02-data-acquisition", "03-visualization"]
NB_DIR = os.path.join(ytk.SOURCE_DIR, "notebooks")
CELL_TIMEOUT = 600 if ytk.ASAN else 300


def kernel_base_env():
    env = dict(os.environ)
    env.setdefault("JUPYTER_PATH", os.path.join(ytk.BUILD_DIR, "jupyter"))
    env.pop("YTK_API_KEY", None)
    return env


class DemoWorld:
    """Emulator + YTK_HOME + a working copy of the notebooks."""

    def __init__(self, root):
        from emulator.testing import start_emulator
        self.root = str(root)
        self.nb_dir = os.path.join(self.root, "notebooks")
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)
        os.makedirs(self.nb_dir)
        for name in NOTEBOOKS:
            copy_without_outputs(os.path.join(NB_DIR, name + ".ipynb"), self.nb_dir)
        self.emu = start_emulator(os.path.join(self.root, "emulator"))
        secret = os.path.join(self.emu.data_dir, "client_secret.json")
        shutil.copy(secret, os.path.join(self.home, "client_secret.json"))
        os.chmod(os.path.join(self.home, "client_secret.json"), 0o600)
        self.env = kernel_base_env()
        self.env.update({
            "YTK_HOME": self.home,
            "YTK_GOOGLE_BASE": self.emu.base_url,
            "BROWSER": os.path.join(ytk.SOURCE_DIR, "emulator", "browser-standin"),
            # relative Analytics dates (--last 90d) end on the emulator's day
            "YTK_ANALYTICS_TODAY": self.emu.clock()["now"][:10],
        })

    def path(self, name):
        return os.path.join(self.nb_dir, name + ".ipynb")

    def run(self, name, allow_errors=False):
        return run_notebook(self.path(name), self.env, allow_errors=allow_errors)

    def make_server_misbehave(self):
        """What `make demo` does while notebook 2 runs: the access token from
        notebook 1 is expired, two videos requests fail with 503, and the
        clock moves a day forward at the first Analytics report (between
        the two chart fetches)."""
        self.emu.expire_access_tokens()
        self.emu.advance_clock(days=1, at_next_report=True)
        self.emu.fault("/youtube/v3/videos", status=503, reason="backendError", count=2)

    def stop(self):
        self.emu.stop()


def copy_without_outputs(src, dst_dir):
    """Copy a notebook as a person would start it: the committed copies keep
    the outputs of a demo run, which must not pass for fresh ones."""
    nb = nbformat.read(src, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
    dst = os.path.join(dst_dir, os.path.basename(src))
    nbformat.write(nb, dst)
    return dst


def run_notebook(path, env, allow_errors=False, timeout=CELL_TIMEOUT):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, startup_timeout=120, kernel_name="ytkernel",
        allow_errors=allow_errors, record_timing=False,
        resources={"metadata": {"path": os.path.dirname(path)}})
    try:
        client.execute(env=env)
    finally:
        nbformat.write(nb, path)
    return nb


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def error_outputs(nb):
    return [(c.source, o) for c in code_cells(nb) for o in c.get("outputs", [])
            if o.output_type == "error"]


SET_RE = re.compile(r"^[ \t]*%set[ \t]+([A-Za-z_]\w*)[ \t]*(?:=[ \t]*|[ \t])(.*?)[ \t]*$",
                    re.M)


def notebook_vars(nb):
    """{name: value} of the `%set` lines of nb's code cells in order (a later
    line wins, as in the kernel: papermill's injected cell comes after the
    parameters cell).  Only plain values: 'text', "text" without escapes, or
    bare words."""
    vals = {}
    for c in code_cells(nb):
        for name, value in SET_RE.findall(c.source):
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            vals[name] = value
    return vals


def saved_images(nb):
    """The image paths `%yt_plot ... --save PATH` cells of `nb` write, with
    `{name}` replaced by the notebook's %set variables."""
    vals = notebook_vars(nb)
    out = []
    for c in code_cells(nb):
        for path in re.findall(r"--save\s+(\S+)", c.source):
            out.append(re.sub(r"\{([A-Za-z_]\w*)\}", lambda m: vals[m.group(1)], path))
    return out


def png_info(path):
    """(width, height, distinct colours in the decoded pixels)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or interlace or ctype not in (0, 2, 4, 6):
        raise ValueError(f"{path}: unsupported PNG layout {ihdr}")
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(h):
        row = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        ftype, line = row[0], bytearray(row[1:])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        if y % 4 == 0 and len(colours) < 1000:
            for x in range(0, stride, bpp * 2):
                colours.add(bytes(line[x:x + bpp]))
        prev = line
    return w, h, len(colours)


SECRET_KEYS = {"token", "access_token", "refresh_token", "client_secret",
               "id_token", "api_key", "key", "code_verifier"}


def secret_strings(*json_files):
    """Values of secret-looking keys in the given JSON files (long enough to
    be meaningful), e.g. token.json and client_secret.json of a run."""
    found = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k in SECRET_KEYS and isinstance(x, str) and len(x) >= 8:
                    found.add(x)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for f in json_files:
        if os.path.exists(f):
            with open(f) as fh:
                walk(json.load(fh))
    return found
