"""Issue 16: a notebook run stops at its first failing cell, headless.

The notebook's second cell fails; every later code cell would leave a trace
in the kernel (a TEMP table, a printed line) if it ran.  nbconvert
(`jupyter nbconvert --execute`, nbclient underneath, one cell at a time)
stops there and fails; with --allow-errors (nbclient then sends
stop_on_error=False) every cell runs.  The JupyterLab "Run All" version,
where every cell is sent at once, is in test_browser_lab.py; a plain client
sending cells 20 ms apart is in test_protocol.py.
"""
import os
import subprocess
import sys

import nbformat
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import ytk  # noqa: E402

FAILING = "SELECT * FROM no_such_table_for_run_all;"


def failing_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ytkernel", "display_name": "YouTube (C)",
                                 "language": "sql"}
    nb.cells = [
        nbformat.v4.new_code_cell("%print cell one ran"),
        nbformat.v4.new_code_cell(FAILING),
        nbformat.v4.new_markdown_cell("Nothing below runs."),
        nbformat.v4.new_code_cell("%print cell three ran"),
        nbformat.v4.new_code_cell("CREATE TEMP TABLE ran_4(x); SELECT 'cell four ran';"),
        nbformat.v4.new_code_cell("%print cell five ran"),
    ]
    nbformat.write(nb, path)
    return path


def nbconvert(path, env, *extra):
    exe = os.path.join(os.path.dirname(sys.executable), "jupyter-nbconvert")
    return subprocess.run(
        [exe, "--to", "notebook", "--execute", "--inplace",
         f"--ExecutePreprocessor.timeout={ytk.TIMEOUT}", *extra, str(path)],
        env=env, capture_output=True, text=True, timeout=10 * ytk.TIMEOUT)


def run_env(kernel_env):
    env = dict(os.environ, **kernel_env)
    env.setdefault("JUPYTER_PATH", os.path.join(ytk.BUILD_DIR, "jupyter"))
    return env


def ran(cell):
    text = "".join(o.get("text", "") + str(o.get("data", ""))
                   for o in cell.get("outputs", []))
    return "ran" in text


def test_nbconvert_stops_at_the_first_error(kernel_env, tmp_path):
    path = failing_notebook(tmp_path / "stops.ipynb")
    p = nbconvert(path, run_env(kernel_env))
    assert p.returncode != 0, p.stdout + p.stderr
    assert "no_such_table_for_run_all" in p.stderr
    assert "cell three ran" not in p.stdout + p.stderr


def test_nbclient_stops_at_the_first_error(kernel_env, tmp_path):
    """nbclient (what nbconvert and papermill run) leaves every cell after
    the failing one unexecuted; nbrun.run_notebook saves what it got."""
    from nbclient.exceptions import CellExecutionError
    import nbrun
    path = failing_notebook(tmp_path / "stops.ipynb")
    with pytest.raises(CellExecutionError):
        nbrun.run_notebook(str(path), run_env(kernel_env))
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert ran(code[0]) and code[0].execution_count == 1
    assert any(o.output_type == "error" for o in code[1].outputs)
    for c in code[2:]:
        assert not c.outputs and c.execution_count is None, c


def test_nbconvert_allow_errors_runs_every_cell(kernel_env, tmp_path):
    path = failing_notebook(tmp_path / "allow.ipynb")
    p = nbconvert(path, run_env(kernel_env), "--allow-errors")
    assert p.returncode == 0, p.stdout + p.stderr
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [ran(c) for c in code] == [True, False, True, True, True]
