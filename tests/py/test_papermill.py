"""papermill and ytkernel (papermill-ytkernel/): the translator's %set line
for every supported Python type and a clear failure for the others; the
injected lines read back in the kernel with the intended SQLite type and
value; the plain `papermill` command finds the translator (entry point, no
flags) and a run with -p parameters against the emulator produces other
outputs than the default run."""
import datetime
import os
import shutil
import subprocess

import nbformat
import pytest
from papermill.exceptions import PapermillException
from papermill.translators import papermill_translators

import fetchutil
import nbrun
import ytk

PAPERMILL = os.path.join(ytk.SOURCE_DIR, ".venv", "bin", "papermill")


def tr():
    return papermill_translators.find_translator("ytkernel", "sql")


def lines(params):
    return tr().codify(params).splitlines()


def test_registered_by_kernel_name_only():
    from papermill_ytkernel import YtkernelTranslator
    assert tr() is YtkernelTranslator
    # other SQL kernels are not given %set lines
    with pytest.raises(PapermillException):
        papermill_translators.find_translator("some-sql-kernel", "sql")


@pytest.mark.parametrize("value, line", [
    ("GB", "%set p = 'GB'"),
    ("", "%set p = ''"),
    ("it's", "%set p = 'it'\\''s'"),
    ("a \"b\" \\ $x {y} ; -- z", "%set p = 'a \"b\" \\ $x {y} ; -- z'"),
    ("42", "%set p = '42'"),
    ("NULL", "%set p = 'NULL'"),
    ("ünï 😀", "%set p = 'ünï 😀'"),
    (30, "%set p = 30"),
    (-7, "%set p = -7"),
    (2 ** 63 - 1, "%set p = 9223372036854775807"),
    (2.5, "%set p = 2.5"),
    (3.0, "%set p = 3.0"),
    (1e16, "%set p = 1e+16"),
    (True, "%set p = true"),
    (False, "%set p = false"),
    (None, "%set p = NULL"),
    (["GB", "US", 3, 1.5], "%set p = 'GB,US,3,1.5'"),
    ([], "%set p = ''"),
    (datetime.date(2026, 1, 31), "%set p = 2026-01-31"),
    (datetime.datetime(2026, 1, 31, 12, 0, 5), "%set p = '2026-01-31 12:00:05'"),
])
def test_translation_of_each_type(value, line):
    assert lines({"p": value}) == ["-- Parameters", line]


@pytest.mark.parametrize("params, msg", [
    ({"p": {"a": 1}}, "dicts cannot be ytkernel variables"),
    ({"p": [["a"]]}, "items must be strings or numbers"),
    ({"p": ["a", None]}, "items must be strings or numbers"),
    ({"p": ["a,b"]}, "holds a comma"),
    ({"p": float("nan")}, "not a number SQLite can hold"),
    ({"p": float("inf")}, "not a number SQLite can hold"),
    ({"p": 2 ** 63}, "does not fit"),
    ({"p": "two\nlines"}, "line break"),
    ({"p": {1, 2}}, "a set cannot be a ytkernel variable"),
    ({"p": b"bytes"}, "a bytes cannot be a ytkernel variable"),
    ({"1p": 1}, "variable names are letters"),
    ({"my-param": 1}, "variable names are letters"),
])
def test_untranslatable_values_fail_clearly(params, msg):
    with pytest.raises(PapermillException) as e:
        tr().codify(params)
    assert msg in str(e.value)
    assert repr(next(iter(params))) in str(e.value)  # names the parameter


def test_inspect_reads_the_parameters_cell():
    cell = nbformat.v4.new_code_cell(
        "-- region code of the chart\n%set region = 'US'\n%set days 30\n"
        "%set start = 2026-01-01\n%set title = Most popular\n")
    got = [(p.name, p.inferred_type_name, p.default, p.help)
           for p in tr().inspect(cell)]
    assert got == [("region", "text", "'US'", "region code of the chart"),
                   ("days", "integer", "30", ""),
                   ("start", "date", "2026-01-01", ""),
                   ("title", "text", "Most popular", "")]


def test_injected_lines_read_back_in_the_kernel(kernel):
    _, kc = kernel
    params = {"s": "it's \"x\"; DROP TABLE t; --", "e": "", "i": 30,
              "neg": -5, "f": 0.1, "whole": 3.0, "t": True, "no": False,
              "n": None, "l": ["GB", "US", 7], "d": datetime.date(2026, 1, 31),
              "dt": datetime.datetime(2026, 1, 31, 8, 30)}
    r = ytk.execute(kc, tr().codify(params))
    assert r.status == "ok", r.errors
    assert r.stdout == ""  # %set is quiet, the comment is nothing
    expect = {"s": ("text", params["s"]), "e": ("text", ""),
              "i": ("integer", "30"), "neg": ("integer", "-5"),
              "f": ("real", "0.1"), "whole": ("real", "3.0"),
              "t": ("integer", "1"), "no": ("integer", "0"),
              "l": ("text", "GB,US,7"), "d": ("text", "2026-01-31"),
              "dt": ("text", "2026-01-31 08:30:00")}
    for name, (typ, text) in expect.items():
        r = ytk.execute(kc, f"SELECT typeof(:{name}) || '|' || :{name}")
        got = r.of_type("execute_result")[0]["content"]["data"]["text/plain"]
        assert got == f"{typ}|{text}", name
    r = ytk.execute(kc, "SELECT typeof(:n)")
    assert r.of_type("execute_result")[0]["content"]["data"]["text/plain"] == "null"
    r = ytk.execute(kc, "%set d")
    assert r.stdout == "d = 2026-01-31  (date)\n"


def make_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ytkernel", "display_name": "YouTube (C)",
                                 "language": "sql"}
    params = nbformat.v4.new_code_cell("-- chart region and size\n"
                                       "%set region = 'US'\n%set n = 5")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Most popular"),
        params,
        nbformat.v4.new_code_cell(
            "%yt_fetch videos --chart mostPopular --region {region} --limit {n}"),
        nbformat.v4.new_code_cell(
            "SELECT :region AS region, count(*) AS videos FROM videos"),
        nbformat.v4.new_code_cell(
            "%%yt_plot bar --x title --y view_count --title \"Most popular in "
            "{region}\" --save images/popular-{region}.png --format both\n"
            "SELECT title, view_count FROM videos ORDER BY view_count DESC "
            "LIMIT :n"),
    ]
    nbformat.write(nb, str(path))


def run_papermill(emulator, tmp_path, name, *args):
    home = tmp_path / (name + "-home")
    home.mkdir()
    token = tmp_path / "token.json"
    if not token.exists():
        fetchutil.write_token(emulator, tmp_path)
    shutil.copy(token, home / "token.json")
    os.chmod(home / "token.json", 0o600)
    out = tmp_path / name
    out.mkdir()
    env = nbrun.kernel_base_env()
    env.update({"YTK_HOME": str(home), "YTK_GOOGLE_BASE": emulator.base_url})
    p = subprocess.run([PAPERMILL, "--cwd", str(out), "--no-progress-bar",
                        str(tmp_path / "nb.ipynb"), str(out / "out.ipynb"), *args],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    nb = nbformat.read(str(out / "out.ipynb"), as_version=4)
    assert nbrun.error_outputs(nb) == []
    return out, nb, fetchutil.Store(home)


def svg_title_of(nb):
    svgs = [o.data["image/svg+xml"] for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 1
    return svgs[0]


def test_papermill_run_with_parameters_differs_from_default(emulator, tmp_path):
    make_notebook(tmp_path / "nb.ipynb")
    d_out, d_nb, d_store = run_papermill(emulator, tmp_path, "default")
    p_out, p_nb, p_store = run_papermill(emulator, tmp_path, "gb",
                                         "-p", "region", "GB", "-p", "n", "3")
    # the injected cell follows the parameters cell, in %set lines
    assert not any("injected-parameters" in c.metadata.get("tags", [])
                   for c in d_nb.cells)
    inj = [i for i, c in enumerate(p_nb.cells)
           if "injected-parameters" in c.metadata.get("tags", [])]
    assert inj == [2]
    assert p_nb.cells[2].source == "-- Parameters\n%set region = 'GB'\n%set n = 3\n"
    # the parameters reached SQL, the magic lines and the files
    assert "US" in d_nb.cells[3].outputs[0].data["text/plain"]
    assert "GB" in p_nb.cells[4].outputs[0].data["text/plain"]
    assert d_store.rows("SELECT count(*) FROM videos") == [(5,)]
    assert p_store.rows("SELECT count(*) FROM videos") == [(3,)]
    d_ids = {r[0] for r in d_store.rows("SELECT video_id FROM videos")}
    p_ids = {r[0] for r in p_store.rows("SELECT video_id FROM videos")}
    assert d_ids != p_ids, "the GB chart is not the US chart"
    assert "Most popular in US" in svg_title_of(d_nb)
    assert "Most popular in GB" in svg_title_of(p_nb)
    assert sorted(os.listdir(d_out / "images")) == ["popular-US.png", "popular-US.svg"]
    assert sorted(os.listdir(p_out / "images")) == ["popular-GB.png", "popular-GB.svg"]
    assert nbrun.png_info(str(p_out / "images" / "popular-GB.png"))[2] >= 4
    assert (d_out / "images" / "popular-US.svg").read_bytes() != \
        (p_out / "images" / "popular-GB.svg").read_bytes()
    # papermill --help-notebook lists the parameters with the translator
    env = nbrun.kernel_base_env()
    h = subprocess.run([PAPERMILL, "--help-notebook", str(tmp_path / "nb.ipynb")],
                       env=env, capture_output=True, text=True, timeout=120)
    assert h.returncode == 0, h.stderr
    assert "region: text (default 'US')" in h.stdout
    assert "chart region and size" in h.stdout
    assert "n: integer (default 5)" in h.stdout


def test_untranslatable_parameter_stops_papermill_before_running(emulator, tmp_path):
    make_notebook(tmp_path / "nb.ipynb")
    env = nbrun.kernel_base_env()
    p = subprocess.run([PAPERMILL, "--no-progress-bar", "-y", "region: {a: 1}",
                        str(tmp_path / "nb.ipynb"), str(tmp_path / "o.ipynb")],
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
    assert "parameter 'region': dicts cannot be ytkernel variables" in p.stderr
    assert not (tmp_path / "o.ipynb").exists()
