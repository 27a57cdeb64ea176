"""The kernel in a real JupyterLab 4, in a real browser (Debian's chromium).

A JupyterLab server from the venv runs on a free loopback port with a token,
finding the kernelspec through JUPYTER_PATH (the build tree; CTest sets it)
and with its config/data/runtime dirs in a temp dir.  The kernel's
environment points at the emulator and at a YTK_HOME already filled by
running notebooks 1 and 2 headless, so notebook 3 has data.  Playwright
(pinned python package) drives /usr/bin/chromium headless; Playwright's own
browser downloads are never used.

Screenshots go to tests/artifacts/browser/ (gitignored).
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

import nbrun
import ytk

pytestmark = pytest.mark.timeout(1500)

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(ytk.SOURCE_DIR, "tests", "artifacts", "browser")
UI_TIMEOUT = 120_000 if ytk.ASAN else 60_000   # ms, Playwright waits
CELL_TIMEOUT = 600_000 if ytk.ASAN else 300_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Emulator + YTK_HOME + a copy of notebook 3 as the server's root."""
    w = nbrun.DemoWorld(tmp_path_factory.mktemp("lab-world"))
    try:
        yield w
    finally:
        w.stop()


@pytest.fixture(scope="module")
def filled(world):
    """Notebooks 1 and 2 run headless (in a side directory), as `make demo`
    does, so the store holds what notebook 3 reads.  Kernels started later
    by JupyterLab see the data, since each opens the store afresh."""
    side = os.path.join(world.root, "headless")
    os.makedirs(side)
    for name in ("01-token-acquisition", "02-data-acquisition"):
        shutil.move(world.path(name), side)
    nbrun.run_notebook(os.path.join(side, "01-token-acquisition.ipynb"), world.env)
    world.make_server_misbehave()
    nbrun.run_notebook(os.path.join(side, "02-data-acquisition.ipynb"), world.env)
    return world


@pytest.fixture(scope="module")
def lab(world, tmp_path_factory):
    cfg = tmp_path_factory.mktemp("lab-config")
    settings = cfg / "config" / "lab" / "user-settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    # No news or update checks (they would try to reach the internet).
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = free_port()
    token = secrets.token_hex(16)
    env = dict(world.env)
    env.update({
        "JUPYTER_CONFIG_DIR": str(cfg / "config"),
        "JUPYTER_DATA_DIR": str(cfg / "data"),
        "JUPYTER_RUNTIME_DIR": str(cfg / "runtime"),
    })
    cmd = [os.path.join(ytk.SOURCE_DIR, ".venv", "bin", "jupyter"), "lab",
           "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={world.nb_dir}",
           "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    os.makedirs(ARTIFACTS, exist_ok=True)
    log = open(os.path.join(ARTIFACTS, "jupyterlab.log"), "w")
    srv = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if srv.poll() is not None:
                pytest.fail(f"jupyter lab exited with {srv.returncode}; "
                            f"see {log.name}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("jupyter lab did not answer within two minutes")
        yield {"base": base, "token": token, "world": world}
    finally:
        srv.send_signal(signal.SIGINT)
        try:
            srv.wait(timeout=30)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
        log.close()


@pytest.fixture(scope="module")
def browser_ctx():
    from playwright.sync_api import sync_playwright
    profile = tempfile.mkdtemp(prefix="ytk-chromium-")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True,
            viewport={"width": 1400, "height": 1000},
            args=["--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        try:
            yield ctx
        finally:
            ctx.close()
            shutil.rmtree(profile, ignore_errors=True)


def api(lab, method, path):
    req = urllib.request.Request(f"{lab['base']}{path}", method=method,
                                 headers={"Authorization": f"token {lab['token']}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
    return json.loads(body) if body else None


@pytest.fixture
def page(lab, browser_ctx, request):
    pg = browser_ctx.new_page()
    pg.set_default_timeout(UI_TIMEOUT)
    yield pg
    shot(pg, request.node.name + "-end")
    pg.close()
    # Shut down this test's kernels so the next test starts clean.
    for s in api(lab, "GET", "/api/sessions"):
        api(lab, "DELETE", f"/api/sessions/{s['id']}")


def shot(pg, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, re.sub(r"[^\w.-]", "_", name) + ".png")
    try:
        pg.screenshot(path=path)
    except Exception:  # a closed page still lets the test report its error
        pass
    return path


# ---------------------------------------------------------------- helpers

def open_lab(pg, lab, path="/lab"):
    sep = "&" if "?" in path else "?"
    pg.goto(f"{lab['base']}{path}{sep}reset&token={lab['token']}")
    pg.wait_for_selector(".jp-LabShell, #main", state="attached")


def panel(pg):
    return pg.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first


def wait_idle(pg):
    panel(pg).locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        state="attached", timeout=CELL_TIMEOUT)


def new_ytkernel_notebook(pg, lab):
    open_lab(pg, lab)
    card = pg.locator(".jp-LauncherCard[title='YouTube (C)']").first
    card.click()
    panel(pg).locator(".jp-Cell .cm-content").first.wait_for()
    kernel_name = panel(pg).locator(".jp-KernelName, [data-jp-item-name='kernelName']").first
    pg.wait_for_function(
        "el => el.textContent.includes('YouTube (C)')", arg=kernel_name.element_handle())
    wait_idle(pg)


def cells(pg):
    return panel(pg).locator(".jp-Notebook .jp-Cell")


def prompt_of(cell):
    return cell.locator(".jp-InputPrompt").first.inner_text().strip()


def type_in_active_cell(pg, code):
    editor = panel(pg).locator(".jp-Cell.jp-mod-active .cm-content").first
    editor.click()
    pg.keyboard.press("Control+a")
    pg.keyboard.press("Delete")
    pg.keyboard.insert_text(code)


def run_cell(pg, code, wait=True):
    """Type `code` into the active cell and run it (Shift+Enter).  Returns
    the cell's locator; with wait, after its prompt shows a number."""
    index = cells(pg).evaluate_all(
        "els => els.findIndex(e => e.classList.contains('jp-mod-active'))")
    type_in_active_cell(pg, code)
    pg.keyboard.press("Shift+Enter")
    cell = cells(pg).nth(index)
    if wait:
        wait_cell_done(pg, cell)
    return cell


def wait_cell_done(pg, cell, timeout=CELL_TIMEOUT):
    pg.wait_for_function(
        "el => /\\[\\d+\\]/.test(el.textContent)",
        arg=cell.locator(".jp-InputPrompt").first.element_handle(), timeout=timeout)


def outputs_text(cell):
    return cell.locator(".jp-OutputArea").first.inner_text()


def chart_images(scope):
    """Rendered charts under `scope`: the interactive Vega-Lite view (drawn
    as SVG, per the kernel's embed options), or a static SVG or PNG."""
    return scope.locator(".jp-RenderedVegaLite svg.marks, .jp-RenderedSVG svg, "
                         ".jp-RenderedSVG img, .jp-RenderedImage img")


def vega_views(scope):
    return scope.locator(".jp-RenderedVegaLite svg.marks")


def assert_no_error(scope):
    err = scope.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert err.count() == 0, err.first.inner_text()


def assert_visible_chart(pg, chart):
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None, "chart is not laid out"
    assert box["width"] > 200 and box["height"] > 100, box
    # An <img> must actually have decoded.
    ok = chart.evaluate(
        "el => el.tagName.toLowerCase() !== 'img' || (el.complete && el.naturalWidth > 0)")
    assert ok, "chart image did not load"


# ------------------------------------------------------------------ tests

def test_launcher_shows_kernel(page, lab):
    open_lab(page, lab)
    card = page.locator(".jp-LauncherCard[title='YouTube (C)']")
    card.first.wait_for()
    assert "YouTube (C)" in card.first.inner_text()
    # The kernelspec's logo is served and drawn on the card.
    logo = card.first.locator("img")
    assert logo.count() == 1
    assert "kernelspecs/ytkernel/logo" in logo.get_attribute("src")
    page.wait_for_function("el => el.complete && el.naturalWidth > 0",
                           arg=logo.element_handle())
    shot(page, "launcher")


SQL_CELL = """CREATE TABLE IF NOT EXISTS browser_fruit(name TEXT, n INTEGER);
DELETE FROM browser_fruit;
INSERT INTO browser_fruit VALUES ('apple', 7), ('banana', 3), ('cherry', 12);
SELECT name, n, n * n AS square FROM browser_fruit ORDER BY n DESC;"""

PLOT_CELL = ("%yt_plot bar --from browser_fruit --x name --y n "
             "--title \"Fruit in the browser test\"")


def test_new_notebook_sql_and_plot(page, lab):
    new_ytkernel_notebook(page, lab)
    cell = run_cell(page, SQL_CELL)
    table = cell.locator(".jp-OutputArea table")
    table.first.wait_for()
    text = table.first.inner_text()
    assert "cherry" in text and "144" in text and "banana" in text
    rows = table.first.locator("tbody tr")
    assert rows.count() == 3
    assert "cherry" in rows.nth(0).inner_text()   # ORDER BY n DESC

    cell = run_cell(page, PLOT_CELL)
    assert_no_error(cell)
    charts = chart_images(cell)
    charts.first.wait_for()
    assert charts.count() == 1, "one chart per %yt_plot cell"
    assert_visible_chart(page, charts.first)
    shot(page, "sql-and-plot")


VEGA_SQL = """CREATE TABLE IF NOT EXISTS browser_vids(title TEXT, views INTEGER,
                                           likes INTEGER);
DELETE FROM browser_vids;
INSERT INTO browser_vids VALUES
  ('Quiet video', 1200, 40), ('Middle video', 52000, 900),
  ('<b>Hit</b> & "friends" 🎸 שלום', 3400000, 120000);"""

VEGA_CELL = ("%%yt_plot scatter --x views --y likes --log-x --log-y --title \"Views and likes\"\n"
             "SELECT title, views, likes FROM browser_vids")


def test_scatter_is_interactive_with_title_tooltips(page, lab):
    """A %%yt_plot scatter shows a Vega view; hovering a point shows a
    tooltip with that row's title (hostile text shown as text) and its
    values formatted as on the axes."""
    new_ytkernel_notebook(page, lab)
    run_cell(page, VEGA_SQL)
    cell = run_cell(page, VEGA_CELL)
    assert_no_error(cell)
    view = vega_views(cell)
    view.first.wait_for()
    assert view.count() == 1
    assert cell.locator(".jp-RenderedImage img, .jp-RenderedSVG").count() == 0, \
        "the interactive view replaces the pictures, not beside them"
    assert_visible_chart(page, view.first)
    points = cell.locator(".jp-RenderedVegaLite svg.marks "
                          "path[aria-roledescription='circle']")
    assert points.count() == 3
    hit = [i for i in range(3)
           if "Hit" in (points.nth(i).get_attribute("aria-label") or "")]
    assert len(hit) == 1
    points.nth(hit[0]).hover(force=True)
    tip = page.locator("#vg-tooltip-element")
    page.wait_for_function(
        "el => el.classList.contains('visible') && el.textContent.includes('Hit')",
        arg=tip.element_handle(), timeout=30_000)
    text = tip.inner_text()
    assert '<b>Hit</b> & "friends" 🎸 שלום' in text, text
    assert tip.locator("b").count() == 0, "title markup must not be rendered"
    assert "3.4M" in text and "120K" in text, text   # as on the axes
    shot(page, "vega-tooltip")
    # --static: the picture only
    cell = run_cell(page, VEGA_CELL.replace("scatter ", "scatter --static ", 1))
    chart_images(cell).first.wait_for()
    assert vega_views(cell).count() == 0
    assert chart_images(cell).count() == 1


SLOW_SQL = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
            "WHERE x < 5000000000) SELECT count(*) FROM c;")


def interrupt_and_check(page, code, what):
    cell = run_cell(page, code, wait=False)
    page.wait_for_function(
        "el => el.textContent.includes('*')",
        arg=cell.locator(".jp-InputPrompt").first.element_handle())
    ind = panel(page).locator(".jp-Notebook-ExecutionIndicator").first
    page.wait_for_function("el => el.dataset.status === 'busy'", arg=ind.element_handle())
    time.sleep(4)  # let it get properly into the slow part
    assert "*" in prompt_of(cell), f"{what} finished before it could be interrupted"
    shot(page, f"interrupt-{what}-busy")
    panel(page).locator("[data-jp-item-name='interrupt'] button, "
                        "[data-jp-item-name='interrupt']").first.click()
    wait_cell_done(page, cell, timeout=60_000)
    wait_idle(page)
    text = outputs_text(cell)
    assert re.search(r"interrupt", text, re.I), text
    return cell


def test_interrupt_stops_slow_sql(page, lab):
    new_ytkernel_notebook(page, lab)
    interrupt_and_check(page, SLOW_SQL, "sql")
    # The kernel is still alive and answers the next cell.
    cell = run_cell(page, "SELECT 6 * 7 AS answer;")
    assert "42" in outputs_text(cell)


def test_interrupt_stops_slow_fetch(page, lab, filled):
    world = filled
    # Every request to the emulator now takes three seconds: the uploads
    # recipe (channel, 6 playlist pages, 6 video batches) takes well over half
    # a minute unless interrupted.
    world.emu.set_latency(3000)
    try:
        new_ytkernel_notebook(page, lab)
        interrupt_and_check(
            page, "%yt_fetch uploads --mine --into browser_slow_uploads", "fetch")
    finally:
        world.emu.set_latency(0)
    # The kernel is alive and answers the next cell.
    cell = run_cell(page, "SELECT 'still here' AS status;")
    assert "still here" in outputs_text(cell)


def test_restart_works(page, lab):
    new_ytkernel_notebook(page, lab)
    run_cell(page, "CREATE TEMP TABLE before_restart(x); SELECT 1;")
    panel(page).locator("[data-jp-item-name='restart'] button, "
                        "[data-jp-item-name='restart']").first.click()
    page.locator(".jp-Dialog-button.jp-mod-accept").click()
    wait_idle(page)
    # The new kernel process has a fresh execution count and no temp table.
    cell = run_cell(page, "SELECT name FROM temp.sqlite_master WHERE name = 'before_restart';")
    assert prompt_of(cell) == "[1]:", prompt_of(cell)
    assert "before_restart" not in outputs_text(cell)
    cell = run_cell(page, "SELECT 'alive after restart' AS status;")
    assert "alive after restart" in outputs_text(cell)


def wait_kernel_connected(lab, path, timeout=120):
    """Until the server has a session for `path` whose kernel is idle with a
    browser connected: the toolbar can say idle before the page's websocket
    is up, and a Run All clicked then is lost."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for s in api(lab, "GET", "/api/sessions"):
            k = s.get("kernel") or {}
            if (s.get("path") == path and k.get("execution_state") == "idle"
                    and k.get("connections", 0) >= 1):
                return
        time.sleep(0.25)
    raise AssertionError(f"no connected idle kernel for {path}")


def run_all_and_check_charts(page, lab, name, nb_path):
    nb = nbrun.nbformat.read(nb_path, as_version=4)
    n_code = len(nbrun.code_cells(nb))
    n_plots = sum(1 for c in nbrun.code_cells(nb) if "%yt_plot" in c.source)
    assert n_plots >= 5, "notebook 3 should answer at least five questions with charts"
    wait_idle(page)
    # The copy has no outputs (nbrun.copy_without_outputs): nothing ran yet.
    prompts = panel(page).locator(".jp-CodeCell .jp-InputPrompt")
    texts = "prompts => prompts.map(p => p.textContent)"
    assert not re.search(r"\d", "".join(prompts.evaluate_all(texts)))
    assert chart_images(panel(page)).count() == 0
    wait_kernel_connected(lab, os.path.basename(nb_path))
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(
        """([n]) => {
            const ps = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return ps.length >= n && ps.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""", arg=[n_code], timeout=CELL_TIMEOUT)
    wait_idle(page)
    # A fresh kernel ran every code cell once, in order.
    numbers = [re.sub(r"\D", "", t) for t in prompts.evaluate_all(texts)]
    assert numbers == [str(i) for i in range(1, n_code + 1)], numbers
    assert_no_error(panel(page))
    charts = chart_images(panel(page))
    assert charts.count() == n_plots, (charts.count(), n_plots)
    for i in range(n_plots):
        assert_visible_chart(page, charts.nth(i))
        if i < 3:
            charts.nth(i).screenshot(path=os.path.join(ARTIFACTS, f"{name}-chart{i + 1}.png"))
    shot(page, name)


def fresh_notebook3(world):
    return nbrun.copy_without_outputs(
        os.path.join(nbrun.NB_DIR, "03-visualization.ipynb"), world.nb_dir)


def test_notebook3_in_lab_shows_charts(page, lab, filled):
    fresh_notebook3(filled)
    open_lab(page, lab, "/lab/tree/03-visualization.ipynb")
    panel(page).locator(".jp-Cell").first.wait_for()
    kernel_name = panel(page).locator("[data-jp-item-name='kernelName']").first
    page.wait_for_function("el => el.textContent.includes('YouTube (C)')",
                           arg=kernel_name.element_handle())
    run_all_and_check_charts(page, lab, "lab-notebook3",
                             os.path.join(nbrun.NB_DIR, "03-visualization.ipynb"))


def test_notebook3_in_notebook7_shows_charts(page, lab, filled):
    fresh_notebook3(filled)
    page.goto(f"{lab['base']}/notebooks/03-visualization.ipynb?token={lab['token']}")
    panel(page).locator(".jp-Cell").first.wait_for()
    run_all_and_check_charts(page, lab, "nb7-notebook3",
                             os.path.join(nbrun.NB_DIR, "03-visualization.ipynb"))


RUN_ALL_STOPS = [
    ("code", "CREATE TEMP TABLE ran_1(x);"),
    ("code", "SELECT * FROM no_such_table_in_lab;"),
    ("markdown", "Nothing below may run."),
    ("code", "CREATE TEMP TABLE ran_3(x);"),
    ("code", "%print cell four ran"),
    ("code", "CREATE TEMP TABLE ran_5(x);"),
    ("code", "SELECT 'cell six ran' AS status;"),
    ("code", "CREATE TEMP TABLE ran_7(x);"),
    ("code", ""),  # left empty (Run All sends nothing): the check runs here
]


def test_run_all_stops_at_the_first_error(page, lab, world):
    """Issue 16: Run All on a notebook whose second cell fails leaves every
    later code cell unexecuted -- JupyterLab sends all cells at once, and
    this kernel answers the failing one before the later ones arrive."""
    nb = nbrun.nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ytkernel", "display_name": "YouTube (C)",
                                 "language": "sql"}
    nb.cells = [nbrun.nbformat.v4.new_code_cell(src) if kind == "code"
                else nbrun.nbformat.v4.new_markdown_cell(src)
                for kind, src in RUN_ALL_STOPS]
    name = "run-all-stops.ipynb"
    nbrun.nbformat.write(nb, os.path.join(world.nb_dir, name))
    open_lab(page, lab, f"/lab/tree/{name}")
    panel(page).locator(".jp-Cell").first.wait_for()
    kernel_name = panel(page).locator("[data-jp-item-name='kernelName']").first
    page.wait_for_function("el => el.textContent.includes('YouTube (C)')",
                           arg=kernel_name.element_handle())
    wait_idle(page)
    wait_kernel_connected(lab, name)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    code = panel(page).locator(".jp-CodeCell")
    failing = code.nth(1)
    wait_cell_done(page, failing)
    failing.locator(".jp-OutputArea-output").first.wait_for()
    # Every later request has been answered once no prompt shows '*'.
    page.wait_for_function(
        """() => [...document.querySelectorAll(
              '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
              .every(p => !p.textContent.includes('*'))""", timeout=CELL_TIMEOUT)
    wait_idle(page)
    shot(page, "run-all-stops")
    assert "no_such_table_in_lab" in outputs_text(failing)
    first_number = int(re.sub(r"\D", "", prompt_of(code.nth(0))))
    fail_number = int(re.sub(r"\D", "", prompt_of(failing)))
    assert fail_number == first_number + 1
    n_code = sum(1 for kind, _ in RUN_ALL_STOPS if kind == "code")
    for i in range(2, n_code):
        cell = code.nth(i)
        assert outputs_text(cell).strip() == "", (i, outputs_text(cell))
        # Not run: no number (the abort reply's execution_count is null).
        assert re.sub(r"\D", "", prompt_of(cell)) == "", (i, prompt_of(cell))
    # The kernel's own view, once the abort window (1 s) has passed: only
    # the first cell's table exists.
    time.sleep(2)
    code.nth(n_code - 1).locator(".cm-content").first.click()
    page.keyboard.insert_text(
        "SELECT coalesce(group_concat(name, ','), 'none') AS made FROM "
        "(SELECT name FROM temp.sqlite_master WHERE name LIKE 'ran%' ORDER BY name);")
    page.keyboard.press("Shift+Enter")
    check = code.nth(n_code - 1)
    wait_cell_done(page, check)
    check.locator(".jp-OutputArea-output").first.wait_for()
    made = outputs_text(check)
    assert "ran_1" in made and "ran_3" not in made and "ran_5" not in made \
        and "ran_7" not in made, made
