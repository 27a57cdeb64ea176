"""The cell language end to end through the real kernel: SQL cells, tables,
scalars, errors, magics, help pages, complete/inspect/is_complete, user
expressions and interrupting a runaway query."""
import os
import sqlite3
import xml.etree.ElementTree as ET

import pytest

import ytk
from ytk import run


def outputs(r):
    """The messages a notebook would store as outputs."""
    return r.of_type("stream", "display_data", "execute_result", "error",
                     "clear_output", "update_display_data")


def test_create_insert_select_table(kernel):
    _, kc = kernel
    r = ytk.execute(kc, "CREATE TABLE v(id INTEGER PRIMARY KEY, title TEXT,\n"
                        "  views INTEGER);\n"
                        "INSERT INTO v VALUES (1, '<script>alert(1)</script>', 10),\n"
                        "  (2, 'Tom & Jerry: $5 and $10', NULL),\n"
                        "  (3, 'مرحبا 😀', 30);\n"
                        "SELECT * FROM v ORDER BY id;")
    assert r.status == "ok"
    assert r.stdout == "3 rows affected.\n"
    res = r.of_type("execute_result")
    assert len(res) == 1
    data = res[0]["content"]["data"]
    assert set(data) == {"text/plain", "text/html"}
    html = data["text/html"]
    assert html.startswith('<div class="tex2jax_ignore mathjax_ignore">')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tom &amp; Jerry: <span>$</span>5 and <span>$</span>10" in html
    assert "<td><em>NULL</em></td>" in html
    assert "مرحبا 😀" in html
    assert "<th>id</th><th>title</th><th>views</th>" in html
    assert "3 rows × 3 columns" in html
    # well-formed markup: it parses as XML, and the cells hold the input text
    root = ET.fromstring(html)
    cells = [td.text or "".join(td.itertext()) for td in root.iter("td")]
    assert cells[1] == "<script>alert(1)</script>"
    assert "".join(root.findall(".//td")[4].itertext()) == "Tom & Jerry: $5 and $10"
    plain = data["text/plain"]
    assert plain.splitlines()[0].split() == ["id", "title", "views"]
    assert "<script>alert(1)</script>" in plain
    assert plain.endswith("3 rows × 3 columns")
    # the store is a real file under YTK_HOME
    home = kernel_home(kc)
    with sqlite3.connect(os.path.join(home, "store.sqlite")) as db:
        assert db.execute("SELECT count(*) FROM v").fetchone()[0] == 3


def kernel_home(kc):
    r = ytk.execute(kc, "SELECT file FROM pragma_database_list WHERE name = 'main'")
    path = r.of_type("execute_result")[0]["content"]["data"]["text/plain"]
    return os.path.dirname(path)


def test_scalar_result_is_plain_text(kernel):
    _, kc = kernel
    r = ytk.execute(kc, "SELECT 6 * 7")
    assert r.status == "ok"
    res = r.of_type("execute_result")
    assert len(res) == 1
    assert res[0]["content"]["data"] == {"text/plain": "42"}
    assert len(outputs(r)) == 1


def test_earlier_queries_are_display_data(kernel):
    _, kc = kernel
    r = ytk.execute(kc, "SELECT 1 AS a, 2 AS b;\nSELECT 'x';\nSELECT 3 AS c, 4 AS d;")
    assert r.status == "ok"
    kinds = [m["msg_type"] for m in outputs(r)]
    assert kinds == ["display_data", "display_data", "execute_result"]
    assert outputs(r)[1]["content"]["data"] == {"text/plain": "x"}
    assert "<th>c</th><th>d</th>" in outputs(r)[2]["content"]["data"]["text/html"]


def test_truncated_result_says_so(kernel):
    _, kc = kernel
    r = ytk.execute(kc, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                        "FROM c WHERE x < 1234) SELECT x, x * x AS sq FROM c")
    data = r.of_type("execute_result")[0]["content"]["data"]
    assert "Showing 10 of 1,234 rows" in data["text/html"]
    assert "Showing 10 of 1,234 rows" in data["text/plain"]
    assert "<tr><td>1234</td><td>1522756</td></tr>" in data["text/html"]
    assert "<tr><td>6</td>" not in data["text/html"]


def test_rows_affected(kernel):
    _, kc = kernel
    r = ytk.execute(kc, "CREATE TABLE ra(a INTEGER);")
    assert r.stdout == "" and outputs(r) == []
    r = ytk.execute(kc, "INSERT INTO ra VALUES (1), (2), (3);\n"
                        "UPDATE ra SET a = a + 1 WHERE a > 1;")
    assert r.stdout == "5 rows affected.\n"
    r = ytk.execute(kc, "DELETE FROM ra WHERE a > 100;")
    assert r.stdout == "0 rows affected.\n"
    # the count comes after the table it follows, and the table stays the result
    r = ytk.execute(kc, "SELECT a, a * 2 AS b FROM ra;\nDELETE FROM ra WHERE a = 1;")
    kinds = [m["msg_type"] for m in outputs(r)]
    assert kinds == ["execute_result", "stream"]
    assert r.stdout == "1 row affected.\n"


def test_display_limit(kernel):
    _, kc = kernel
    q = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
         "WHERE x < 100) SELECT x, -x AS neg FROM c")
    r = ytk.execute(kc, "%displaylimit 4")
    assert r.stdout == "Tables show up to 4 rows (the first 2 and the last 2 when there are more).\n"
    html = ytk.execute(kc, q).of_type("execute_result")[0]["content"]["data"]["text/html"]
    assert "Showing 4 of 100 rows (display limit 4" in html
    assert "<tr><td>2</td>" in html and "<tr><td>3</td>" not in html
    assert "<tr><td>99</td>" in html and "<tr><td>98</td>" not in html
    r = run(kc, "%displaylimit 0", ok=False)
    assert "from 1 to 10000" in r.errors[0]["evalue"]
    r = ytk.execute(kc, "%displaylimit")
    assert "up to 4 rows" in r.stdout
    # extra words: the magic, the extra word and where to read the usage
    r = run(kc, "%displaylimit 5 6", ok=False)
    assert r.errors[0]["ename"] == "UsageError"
    assert r.errors[0]["evalue"] == ("%displaylimit takes at most 1 argument, "
                                     "got 2 (extra: '6'); see %displaylimit?")
    r = run(kc, "%clear now", ok=False)
    assert r.errors[0]["evalue"] == ("%clear takes no arguments (got 'now'); "
                                     "see %clear?")
    r = ytk.execute(kc, "%displaylimit")
    assert "up to 4 rows" in r.stdout  # the failed call changed nothing


def test_error_hints(kernel):
    _, kc = kernel
    r = run(kc, "SELECT * FROM videos", ok=False)
    assert "no tables yet" in r.errors[0]["traceback"][-1]
    ytk.execute(kc, "CREATE TABLE videos(title TEXT, view_count INTEGER)")
    r = run(kc, "SELECT * FROM vidoes", ok=False)
    assert r.errors[0]["evalue"] == "no such table: vidoes"
    assert "did you mean videos?" in r.errors[0]["traceback"][-1]
    r = run(kc, "SELECT veiw_count\nFROM videos", ok=False)
    tb = r.errors[0]["traceback"]
    assert "at line 1, column 8:" in tb
    assert "did you mean view_count?" in tb[-1]
    r = run(kc, ".tables", ok=False)
    assert "dot-commands" in r.errors[0]["traceback"][-1]


def test_sql_error_is_exactly_one_error(kernel):
    _, kc = kernel
    r = run(kc, "SELECT * FROM no_such_table", ok=False)
    assert r.reply["content"]["ename"] == "SQLError"
    outs = outputs(r)
    assert len(outs) == 1 and outs[0]["msg_type"] == "error"
    assert outs[0]["content"]["ename"] == "SQLError"
    assert outs[0]["content"]["evalue"] == "no such table: no_such_table"


def test_syntax_error_points_at_the_line(kernel):
    _, kc = kernel
    r = run(kc, "SELECT 1;\n\nSELECT 2 FROMM x WHERE;", ok=False)
    err = r.errors[0]
    assert err["ename"] == "SQLError"
    assert "syntax error" in err["evalue"]
    tb = "\n".join(err["traceback"])
    assert "line 3" in tb
    assert "SELECT 2 FROMM x WHERE;" in tb
    # the first statement's result was still shown, before the error
    kinds = [m["msg_type"] for m in outputs(r)]
    assert kinds == ["display_data", "error"]


def test_parameters_are_an_error(kernel):
    """SQLite reads $5, :id and ? as parameters; unbound they would be NULL."""
    _, kc = kernel
    for code, name in (("SELECT $5 AS price", "$5"), ("SELECT :id", ":id"),
                       ("SELECT ?", "?")):
        r = run(kc, code, ok=False)
        assert r.errors[0]["ename"] == "SQLError"
        assert f"uses the parameter {name}" in r.errors[0]["evalue"]
    r = ytk.execute(kc, "SELECT '$5' AS price")
    assert r.of_type("execute_result")[0]["content"]["data"] == {"text/plain": "$5"}


def test_error_stops_the_cell(kernel):
    _, kc = kernel
    r = run(kc, "CREATE TABLE s(a);\nINSERT INTO s VALUES (1);\n"
                "SELECT nope FROM s;\nINSERT INTO s VALUES (2);", ok=False)
    r = ytk.execute(kc, "SELECT count(*) FROM s")
    assert r.of_type("execute_result")[0]["content"]["data"]["text/plain"] == "1"


def test_store_rules(kernel):
    """Foreign keys are enforced and extension loading is off."""
    _, kc = kernel
    r = run(kc, "CREATE TABLE p(id INTEGER PRIMARY KEY);\n"
                "CREATE TABLE c(pid INTEGER REFERENCES p(id));\n"
                "INSERT INTO c VALUES (99);", ok=False)
    assert "FOREIGN KEY constraint failed" in r.errors[0]["evalue"]
    r = run(kc, "SELECT load_extension('/tmp/nothing')", ok=False)
    assert "not authorized" in r.errors[0]["evalue"]
    r = ytk.execute(kc, "PRAGMA journal_mode")
    assert r.of_type("execute_result")[0]["content"]["data"]["text/plain"] == "wal"


def test_unknown_magic_lists_known_ones(kernel):
    _, kc = kernel
    r = run(kc, "%lsmagik", ok=False)
    assert len(outputs(r)) == 1
    e = r.errors[0]
    assert e["ename"] == "UsageError"
    assert "unknown magic %lsmagik" in e["evalue"]
    assert "did you mean %lsmagic?" in e["evalue"]
    for name in ("%clear", "%displaylimit", "%help", "%lsmagic", "%print",
                 "%version", "%yt_fetch"):
        assert name in e["evalue"]


def test_bad_option_is_a_usage_error(kernel):
    _, kc = kernel
    r = run(kc, "%print --stdrr hi", ok=False)
    e = r.errors[0]
    assert e["ename"] == "UsageError"
    assert "unknown option --stdrr (did you mean --stderr?)" in e["evalue"]
    r = run(kc, "SELECT 1;\n%%print\nx", ok=False)
    assert "first line" in r.errors[0]["evalue"]
    r = run(kc, "%%lsmagic\nbody", ok=False)
    assert len(r.errors) == 1, r.msgs
    assert "not a cell magic" in r.errors[0]["evalue"]


def page_of(r):
    pl = r.reply["content"]["payload"]
    assert len(pl) == 1 and pl[0]["source"] == "page"
    return pl[0]["data"]["text/plain"]


def test_help_pages(kernel):
    _, kc = kernel
    r = ytk.execute(kc, "%help")
    assert r.status == "ok"
    text = page_of(r)
    assert "cell language" in text
    for name in ("%clear", "%help", "%lsmagic", "%print", "%version",
                 "%yt_auth", "%yt_fetch", "%yt_plot"):
        assert name in text
    assert outputs(r) == []
    for code in ("print?", "%print?", "%print --help", "%help print", "%help %print"):
        r = ytk.execute(kc, code)
        assert r.status == "ok", code
        text = page_of(r)
        assert text.startswith("%print -- "), code
        assert "--stderr" in text, code
    r = ytk.execute(kc, "CREATE TABLE vids(video_id TEXT PRIMARY KEY, title TEXT NOT NULL)")
    r = ytk.execute(kc, "vids?")
    text = page_of(r)
    assert "table vids" in text and "video_id" in text and "NOT NULL" in text
    r = run(kc, "%help nosuch", ok=False)
    assert r.errors[0]["ename"] == "UsageError"


def test_builtin_magics(kernel):
    _, kc = kernel
    r = ytk.execute(kc, "%print hello,   'big  world'\n%print --stderr oops")
    assert r.stdout == "hello, big  world\n"
    assert r.stderr == "oops\n"
    r = ytk.execute(kc, "%%print\nline 1\n  line 2")
    assert r.stdout == "line 1\n  line 2\n"
    r = ytk.execute(kc, "%print before\n%clear\n%print after")
    kinds = [m["msg_type"] for m in outputs(r)]
    assert "clear_output" in kinds
    assert kinds.index("clear_output") < len(kinds) - 1
    r = ytk.execute(kc, "%lsmagic")
    assert "Line magics:" in r.stdout and "Cell magics:" in r.stdout
    assert "%%print" in r.stdout
    r = ytk.execute(kc, "%version")
    d = r.of_type("display_data")[0]["content"]["data"]
    assert "SQLite" in d["text/plain"] and "libcurl" in d["text/plain"]
    assert "libzmq" in d["text/html"] and "cairo" in d["text/html"]


def test_magic_between_sql(kernel):
    """Outputs stay in cell order; the last query is the result."""
    _, kc = kernel
    r = ytk.execute(kc, "SELECT 1 AS a, 2 AS b;\n%print mid\nSELECT 3 AS c, 4 AS d;")
    kinds = [m["msg_type"] for m in outputs(r)]
    assert kinds == ["display_data", "stream", "execute_result"]
    r = ytk.execute(kc, "SELECT 1 AS a, 2 AS b;\n%print end")
    kinds = [m["msg_type"] for m in outputs(r)]
    assert kinds == ["execute_result", "stream"]


def test_magic_inside_a_statement_is_explained(kernel):
    """A magic line in the middle of a statement ends the SQL before it:
    the bare 'incomplete input' now says why and what to do."""
    _, kc = kernel
    r = ytk.execute(kc, "SELECT 1 AS a,\n%print mid\n2 AS b")
    assert r.status == "error"
    tb = r.errors[0]["traceback"]
    assert tb[0] == "SQLError: incomplete input"
    assert tb[-1].startswith("Hint: a line starting with % is a magic")
    assert "mid" not in r.stdout  # nothing after the error ran
    # an incomplete statement with no magic after it gets no such hint
    r = ytk.execute(kc, "SELECT 1 AS a,")
    assert not [l for l in r.errors[0]["traceback"] if "magic" in l]


def test_complete_inspect_is_complete(kernel):
    _, kc = kernel
    ytk.execute(kc, "CREATE TABLE videos(video_id TEXT, view_count INTEGER, title TEXT)")

    def complete(code, pos=None):
        kc.complete(code, len(code) if pos is None else pos)
        return kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]

    c = complete("%lsm")
    assert c["status"] == "ok"
    assert c["matches"] == ["%lsmagic"]
    assert (c["cursor_start"], c["cursor_end"]) == (0, 4)
    c = complete("%print --st")
    assert c["matches"] == ["--stderr"]
    assert (c["cursor_start"], c["cursor_end"]) == (7, 11)
    c = complete("SELECT vi")
    assert {"videos", "video_id", "view_count", "view"} <= set(c["matches"])
    assert (c["cursor_start"], c["cursor_end"]) == (7, 9)
    c = complete("SELECT videos.ti FROM videos", 16)
    assert c["matches"] == ["title"]
    assert (c["cursor_start"], c["cursor_end"]) == (14, 16)
    # cursor positions count code points, not bytes
    c = complete("-- 😀 é\nSELECT * FROM vid")
    assert c["matches"] == ["videos"]
    assert c["cursor_start"] == len("-- 😀 é\nSELECT * FROM ")

    kc.inspect("%print hi", 3)
    i = kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]
    assert i["status"] == "ok" and i["found"] is True
    assert "--stderr" in i["data"]["text/plain"]
    kc.inspect("SELECT * FROM videos", 17)
    i = kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]
    assert i["found"] is True
    assert "view_count" in i["data"]["text/plain"]
    assert "INTEGER" in i["data"]["text/plain"]
    kc.inspect("SELECT zzz", 9)
    i = kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]
    assert i["status"] == "ok" and i["found"] is False

    def isc(code):
        kc.is_complete(code)
        return kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]

    assert isc("SELECT 1;")["status"] == "complete"
    r = isc("SELECT 1")
    assert r["status"] == "incomplete" and r["indent"] == ""
    assert isc("SELECT 'abc;")["status"] == "incomplete"
    assert isc("%print 'abc")["status"] == "incomplete"
    assert isc("%lsmagic")["status"] == "complete"
    assert isc("")["status"] == "complete"
    assert isc("SELECT 1;\n%%print\nx")["status"] == "invalid"


def test_user_expressions(kernel):
    _, kc = kernel
    msg_id = kc.execute("SELECT 1;", stop_on_error=False, user_expressions={
        "answer": "6 * 7", "bad": "no_such_column", "text": "'a' || 'b'",
        "pair": "1, 2"})
    while True:
        rep = kc.get_shell_msg(timeout=ytk.TIMEOUT)
        if rep["parent_header"].get("msg_id") == msg_id:
            break
    ue = rep["content"]["user_expressions"]
    assert ue["answer"]["status"] == "ok"
    assert ue["answer"]["data"] == {"text/plain": "42"}
    assert ue["text"]["data"] == {"text/plain": "ab"}
    assert ue["bad"]["status"] == "error"
    assert ue["bad"]["ename"] == "SQLError"
    # two columns are not one value: a clear message, not an empty one
    assert ue["pair"]["status"] == "error"
    assert ue["pair"]["ename"] == "UsageError"
    assert "one value" in ue["pair"]["evalue"]
    ytk.drain_iopub(kc)


def run_and_interrupt(km, kc, by_message):
    code = ("CREATE TABLE kept(a);\nINSERT INTO kept VALUES (1);\n"
            "%print started\n"
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
            "SELECT count(*) FROM c")
    msg_id = kc.execute(code, stop_on_error=False)
    # wait until the cell is running (its first output arrived)
    ytk.wait_iopub(kc, msg_id, lambda m: m["msg_type"] == "stream" and
                   "started" in m["content"]["text"])
    if by_message:
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    else:
        km.interrupt_kernel()
    r = ytk.collect(kc, msg_id)
    reply, msgs = r.reply, r.msgs
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    errs = [m for m in msgs if m["msg_type"] == "error"]
    assert len(errs) == 1 and errs[0]["content"]["ename"] == "KeyboardInterrupt"
    # the kernel keeps working and what ran before the query was kept
    r = ytk.execute(kc, "SELECT count(*) FROM kept")
    assert r.status == "ok", r.reply["content"]
    assert r.of_type("execute_result")[0]["content"]["data"]["text/plain"] == "1"


@pytest.mark.parametrize("by_message", [False, True], ids=["sigint", "interrupt_request"])
def test_interrupt_long_query(kernel, by_message):
    km, kc = kernel
    run_and_interrupt(km, kc, by_message)


def test_exit_and_quit_ask_the_frontend_to_exit(kernel):
    """Issue 16: `exit`/`quit` alone are complete (a console does not wait
    for a `;`) and answer with the ask_exit payload, as ipykernel does."""
    km, kc = kernel
    for word in ("exit", "quit", "  exit\n", "quit()"):
        kc.is_complete(word)
        assert kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]["status"] == "complete"
        r = ytk.execute(kc, word)
        assert r.status == "ok"
        assert r.reply["content"]["payload"] == [{"source": "ask_exit", "keepkernel": False}]
    # Only the word alone: inside SQL it is still SQL.
    kc.is_complete("SELECT exit")
    assert kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]["status"] == "incomplete"


@pytest.mark.parametrize("word", ["exit", "quit"])
def test_exit_ends_jupyter_console(kernel_env, word, tmp_path):
    """Typing the word in a real `jupyter console` ends it (before: the
    console waited for a `;`).  stdin stays open: only the word can end it."""
    import subprocess
    import sys
    env = dict(os.environ, **kernel_env, JUPYTER_RUNTIME_DIR=str(tmp_path))
    env.setdefault("JUPYTER_PATH", os.path.join(ytk.BUILD_DIR, "jupyter"))
    console = os.path.join(os.path.dirname(sys.executable), "jupyter-console")
    p = subprocess.Popen([console, "--kernel=ytkernel", "--simple-prompt",
                          f"--ZMQTerminalInteractiveShell.kernel_timeout={ytk.TIMEOUT}"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env)
    # stdin stays open (no EOF): only the word can end the console.
    p.stdin.write(b"%print hello from the console\n" + word.encode() + b"\n")
    p.stdin.flush()
    try:
        p.wait(timeout=2 * ytk.TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        pytest.fail("jupyter console did not end: "
                    + p.stdout.read().decode()[-2000:])
    finally:
        p.stdin.close()
    out = p.stdout.read().decode()
    assert p.returncode == 0, out
    assert "hello from the console" in out


def test_complete_magic_arguments(kernel):
    """Tab after a magic offered tables and columns where they cannot
    stand: `%help yt_` found nothing, `%unset r` no variable,
    `%yt_fetch analytics d` no preset, and `%yt_plot ` listed columns
    beside the chart kinds."""
    _, kc = kernel
    ytk.execute(kc, "CREATE TABLE videos(video_id TEXT, view_count INTEGER)\n"
                    "%set region GB\n%set days 30")

    def matches(code):
        kc.complete(code, len(code))
        c = kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]
        assert c["status"] == "ok"
        return c["matches"]

    assert matches("%help yt_") == ["yt_auth", "yt_fetch", "yt_plot"]
    assert "videos" not in matches("%help ")
    assert matches("%unset r") == ["region"]
    assert matches("%unset region d") == ["days"]
    assert matches("%set d") == ["days"]
    presets = matches("%yt_fetch analytics ")
    assert {"daily", "top-videos", "retention"} <= set(presets)
    assert "videos" not in presets and "video_id" not in presets
    assert sorted(matches("%yt_fetch analytics d")) == [
        "daily", "demographics", "devices"]
    # the first word of a magic with subcommands is one of them
    assert matches("%yt_plot ") == ["bar", "line", "scatter", "hist", "box",
                                    "default"]
    assert matches("%yt_fetch v") == ["videos", "video_categories"]
    # where a table or column fits, they still come
    assert matches("%yt_fetch export v") == ["videos", "video_id",
                                             "view_count"]
    assert "view_count" in matches("%yt_plot bar --from videos --y v")


def test_inspect_anywhere_on_a_magic_line(kernel):
    """Shift-Tab with the cursor on a magic's argument (`%yt_auth login|`,
    `--chart|`) found nothing: only the magic's own name showed its help."""
    _, kc = kernel
    ytk.execute(kc, "CREATE TABLE videos(video_id TEXT, view_count INTEGER)")

    def inspect(code, pos=None):
        kc.inspect(code, len(code) if pos is None else pos)
        return kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]

    for code, magic in (("%yt_auth login", "%yt_auth"),
                        ("%yt_fetch videos --chart", "%yt_fetch"),
                        ("%%yt_plot bar --log-x", "%yt_plot"),
                        ("SELECT 1;\n  %yt_fetch analytics daily", "%yt_fetch")):
        i = inspect(code)
        assert i["status"] == "ok" and i["found"] is True, code
        assert i["data"]["text/plain"].startswith(magic), (code, i["data"])
    # a table or column named on the line is still described itself
    i = inspect("%yt_plot bar --from videos --x view_count", 24)
    assert i["data"]["text/plain"].startswith("table videos"), i["data"]
    # outside magic lines nothing changes
    assert inspect("SELECT zzz")["found"] is False
    assert inspect("SELECT 1;\n%yt_auth status", 5)["found"] is False


def test_footer_counts_written_alike(kernel):
    """'Showing 10000 of 20,000 rows': the shown count lacked the thousands
    separator the total had."""
    _, kc = kernel
    assert ytk.execute(kc, "%displaylimit 1000").status == "ok"
    r = ytk.execute(kc, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT "
                        "x + 1 FROM c WHERE x < 2500) SELECT x FROM c")
    data = r.of_type("execute_result")[0]["content"]["data"]
    assert "Showing 1,000 of 2,500 rows" in data["text/plain"], \
        data["text/plain"][-200:]
    assert "Showing 1,000 of 2,500 rows" in data["text/html"]


@pytest.mark.parametrize("make_home", ["file", "missing_parent_is_file"])
def test_unusable_home_is_said_in_the_notebook(tmp_path, make_home):
    """A YTK_HOME that cannot be used (a file, a path under a file, a
    read-only place) made the kernel exit at start: JupyterLab only says
    "the kernel appears to have died" and restarts it in a loop, the
    reason being in the server's log.  The kernel now starts, and every
    cell fails saying why and what to do."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    home = afile if make_home == "file" else afile / "ytk"
    km, kc = ytk.start_kernel(env={"YTK_HOME": str(home)})
    try:
        r = ytk.execute(kc, "SELECT 1")
        assert r.status == "error"
        e = r.errors[0]
        assert e["ename"] == "SetupError", e
        assert str(afile) in e["evalue"], e
        assert any("YTK_HOME" in line for line in e["traceback"]), e
        kc.kernel_info()
        info = kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]
        assert info["language_info"]["name"] == "sql"
        assert not afile.is_dir() and afile.read_text() == "x"
    finally:
        ytk.stop_kernel(km, kc)
