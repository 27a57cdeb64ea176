"""Fixtures shared by every Python test.

- `ytk_home`: a fresh YTK_HOME directory.
- `emulator`: the offline Google emulator on 127.0.0.1 (emulator/testing.py),
  with its own data dir; stopped after the test.
- `kernel`: ytkernel started from the build tree with YTK_HOME and, when the
  test also asked for `emulator`, YTK_GOOGLE_BASE set.  Yields (km, kc).
- `kernel_err`: the same with the kernel's stderr in a file.  Yields
  (km, kc, path).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import ytk  # noqa: E402


@pytest.fixture
def ytk_home(tmp_path):
    home = tmp_path / "ytk-home"
    home.mkdir(mode=0o700)  # as the kernel makes it (an open one is warned)
    return home


@pytest.fixture
def emulator(tmp_path):
    from emulator.testing import start_emulator
    emu = start_emulator(str(tmp_path / "emulator-data"))
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def kernel_env(request, ytk_home):
    env = {"YTK_HOME": str(ytk_home)}
    if "emulator" in request.fixturenames:
        emu = request.getfixturevalue("emulator")
        env["YTK_GOOGLE_BASE"] = emu.base_url
    return env


@pytest.fixture
def kernel(kernel_env):
    km, kc = ytk.start_kernel(env=kernel_env)
    try:
        yield km, kc
    finally:
        ytk.stop_kernel(km, kc)


@pytest.fixture
def kernel_err(kernel_env, tmp_path):
    """A kernel whose stderr goes to a file; yields (km, kc, path)."""
    path = tmp_path / "kernel-stderr.txt"
    with open(path, "w") as fh:
        km, kc = ytk.start_kernel(env=kernel_env, stderr=fh)
        try:
            yield km, kc, path
        finally:
            ytk.stop_kernel(km, kc)


@pytest.fixture
def kc(kernel):
    """The client of `kernel` (test files may override it, e.g. to run a
    setup cell first)."""
    return kernel[1]


@pytest.fixture
def store(ytk_home):
    """The kernel's store.sqlite, read from the test (fetchutil.Store)."""
    from fetchutil import Store
    return Store(ytk_home)
