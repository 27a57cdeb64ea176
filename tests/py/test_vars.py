"""Kernel variables end to end through the real kernel: %set / %unset,
binding :NAME and $NAME into SQL (values stay data), {NAME} in magic lines,
unknown names, completion and inspect."""
import sqlite3

import ytk
from ytk import run


def scalar(kc, sql):
    r = run(kc, sql)
    res = r.of_type("execute_result")
    assert len(res) == 1, (sql, r.msgs)
    return res[0]["content"]["data"]["text/plain"]


def test_every_type_is_bound_with_its_sqlite_type(kernel):
    _, kc = kernel
    run(kc, "%set n 42\n"
            "%set neg = -7\n"
            "%set r = 2.5\n"
            "%set whole 3.0\n"
            "%set big 1e6\n"
            "%set d 2026-12-05\n"
            "%set t = 'GB'\n"
            "%set num_text '42'\n"
            "%set bare = Top videos of the week\n"
            "%set yes true\n"
            "%set no FALSE\n"
            "%set nothing NULL\n")
    expect = {
        "n": ("integer", "42"), "neg": ("integer", "-7"),
        "r": ("real", "2.5"), "whole": ("real", "3.0"),
        "big": ("real", "1000000.0"), "d": ("text", "2026-12-05"),
        "t": ("text", "GB"), "num_text": ("text", "42"),
        "bare": ("text", "Top videos of the week"),
        "yes": ("integer", "1"), "no": ("integer", "0"),
    }
    for name, (typ, text) in expect.items():
        got = scalar(kc, f"SELECT typeof(:{name}) || '|' || :{name}")
        assert got == f"{typ}|{text}", name
    assert scalar(kc, "SELECT typeof(:nothing)") == "null"
    # $NAME binds the same variable; arithmetic sees numbers, not text
    assert scalar(kc, "SELECT $n + :neg") == "35"
    assert scalar(kc, "SELECT :d = '2026-12-05' AND date(:d) = :d") == "1"
    # the same name twice in one statement, and in later statements
    assert scalar(kc, "SELECT :n * :n;\n") == "1764"
    # a new value replaces the old one, with its new type
    run(kc, "%set n = 'now text'")
    assert scalar(kc, "SELECT typeof(:n) || '|' || :n") == "text|now text"


def test_quotes_and_semicolons_in_values_stay_data(kernel, ytk_home):
    _, kc = kernel
    evil = "x'); DROP TABLE t; --"
    run(kc, "CREATE TABLE t(v TEXT)")
    # %set with double quotes: \" and \\ escape, ' is plain
    run(kc, '%set evil = "x\'); DROP TABLE t; --"\n'
           "%set q = 'say \"hi\"; it'\\''s /* not */ a comment'\n")
    run(kc, "INSERT INTO t VALUES (:evil);\nINSERT INTO t VALUES ($q);")
    assert scalar(kc, "SELECT count(*) FROM t") == "2"
    con = sqlite3.connect(ytk_home / "store.sqlite")
    try:
        rows = [r[0] for r in con.execute("SELECT v FROM t ORDER BY rowid")]
    finally:
        con.close()
    assert rows == [evil, "say \"hi\"; it's /* not */ a comment"]
    # the value compares as data in a WHERE clause
    assert scalar(kc, "SELECT count(*) FROM t WHERE v = :evil") == "1"


def test_strings_and_comments_are_not_parameters(kernel):
    _, kc = kernel
    # no variables exist: none of these may be taken for a parameter
    got = scalar(kc, "SELECT ':region' || '$x' || \"@y\" -- :z\n"
                     "/* $w :v */ FROM (SELECT 1 AS \"@y\")")
    assert got == ":region$x1"


def test_unknown_and_unbindable_parameters_fail_clearly(kernel):
    _, kc = kernel
    r = run(kc, "SELECT :region", ok=False)
    e = r.errors[0]
    assert e["ename"] == "SQLError"
    assert "uses the parameter :region" in e["evalue"]
    assert "no variables are set" in e["evalue"]
    run(kc, "%set region GB\n%set days 30")
    r = run(kc, "SELECT 1;\nSELECT :regoin", ok=False)
    e = r.errors[0]["evalue"]
    assert "unknown variable :regoin" in e
    assert "did you mean :region?" in e
    assert "known variables: :days, :region" in e
    for sql, pn in (("SELECT ?", "?"), ("SELECT ?2", "?"),
                    ("SELECT @region", "@region")):
        r = run(kc, sql, ok=False)
        assert f"uses the parameter {pn}" in r.errors[0]["evalue"], sql
        assert "only :NAME and $NAME" in r.errors[0]["evalue"]
    # user expressions still refuse parameters
    kc.execute("", user_expressions={"x": ":region"})
    reply = kc.get_shell_msg(timeout=ytk.TIMEOUT)
    assert reply["content"]["user_expressions"]["x"]["status"] == "error"


def test_set_list_show_unset(kernel):
    _, kc = kernel
    r = run(kc, "%set")
    assert r.stdout.startswith("No variables are set.")
    run(kc, "%set region = 'GB'\n%set days 30\n%set title = it's fine")
    r = run(kc, "%set")
    assert r.stdout == ("days = 30  (integer)\n"
                        "region = 'GB'  (text)\n"
                        "title = 'it'\\''s fine'  (text)\n")
    assert run(kc, "%set days").stdout == "days = 30  (integer)\n"
    # what %set shows reads back as the same value
    run(kc, "%set title2 = 'it'\\''s fine'")
    assert scalar(kc, "SELECT :title = :title2") == "1"
    run(kc, "%unset title title2")
    r = run(kc, "%unset days nope", ok=False)
    assert r.errors[0]["ename"] == "UsageError"
    assert "unknown variable nope" in r.errors[0]["evalue"]
    # all or nothing: days is still there
    assert run(kc, "%set").stdout == ("days = 30  (integer)\n"
                                      "region = 'GB'  (text)\n")
    for bad, msg in (("%set 1x 5", "is not a variable name"),
                     ("%set x =", "missing value"),
                     ("%set x 'a' b", "quoted value must be the whole"),
                     ("%set x 99999999999999999999", "out of range"),
                     ("%set nope", "unknown variable nope"),
                     ("%unset", "needs the NAME")):
        r = run(kc, bad, ok=False)
        assert r.errors[0]["ename"] == "UsageError", bad
        assert msg in r.errors[0]["evalue"], (bad, r.errors[0]["evalue"])
    r = run(kc, "%set --help")
    assert any("Usage: %set" in p.get("data", {}).get("text/plain", "")
               for p in r.reply["content"]["payload"])


def test_braces_in_magic_lines_are_one_safe_argument(kernel):
    _, kc = kernel
    value = "it's  \"two  spaces\" \\ $HOME `x` --stderr"
    # written with double quotes in %set: escape " and \ only
    run(kc, '%set v = "it\'s  \\"two  spaces\\" \\\\ $HOME `x` --stderr"')
    assert scalar(kc, "SELECT :v") == value
    # bare, inside a word, inside "...": the exact value, one argument (the
    # double spaces survive, so the value was never split into words)
    assert run(kc, "%print {v}").stdout == value + "\n"
    assert run(kc, "%print [{v}]").stdout == "[" + value + "]\n"
    assert run(kc, '%print "<{v}>"').stdout == "<" + value + ">\n"
    # single quotes and \{ are literal
    assert run(kc, "%print '{v}' \\{v}").stdout == "{v} {v}\n"
    # a brace that is not {NAME} stays as it is
    assert run(kc, "%print {1} { v } {}").stdout == "{1} { v } {}\n"
    # empty text is an empty argument, numbers are their text
    run(kc, "%set e ''\n%set n 7\n%set r 0.1")
    assert run(kc, "%print a{e}b {n} {r}").stdout == "ab 7 0.1\n"
    # an unknown name fails before the magic runs
    r = run(kc, "%print {regoin}", ok=False)
    e = r.errors[0]
    assert e["ename"] == "UsageError"
    assert "unknown variable regoin" in e["evalue"]
    assert "known variables: e, n, r, v" in e["evalue"]
    # a value can be an option's value, also with --name=VALUE
    run(kc, "%set lim = 12")
    r = run(kc, "%displaylimit {lim}")
    assert "up to 12 rows" in r.stdout
    r = run(kc, "%displaylimit {n}")
    assert "up to 7 rows" in r.stdout


def test_complete_and_inspect_variables(kernel):
    _, kc = kernel
    run(kc, "%set region GB\n%set region2 US\n%set days 30\n"
            "CREATE TABLE videos(region TEXT)")

    def complete(code, pos=None):
        kc.complete(code, len(code) if pos is None else pos)
        return kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]

    def inspect(code, pos):
        kc.inspect(code, pos)
        return kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]

    for code in ("SELECT * FROM videos WHERE region = :reg",
                 "SELECT $reg", "%print {reg"):
        c = complete(code)
        assert c["matches"] == ["region", "region2"], code
        assert c["cursor_start"] == len(code) - 3
    c = complete("SELECT :")
    assert c["matches"] == ["days", "region", "region2"]
    c = complete("%print {d")
    assert c["matches"] == ["days"]
    # without a sigil, region is still the column
    c = complete("SELECT reg")
    assert "region" in c["matches"] and "region2" not in c["matches"]

    i = inspect("SELECT :region", 10)
    assert i["found"] is True
    assert "region = 'GB'  (text)" in i["data"]["text/plain"]
    i = inspect("%print {days}", 9)
    assert "days = 30  (integer)" in i["data"]["text/plain"]
    # a quote in a bare %set value is text, not an open quote
    kc.is_complete("%set title = it's fine")
    assert kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]["status"] == "complete"
    kc.is_complete("%print it's")
    assert kc.get_shell_msg(timeout=ytk.TIMEOUT)["content"]["status"] == "incomplete"
    # without a sigil a column wins over a variable of the same name
    i = inspect("SELECT region FROM videos", 9)
    assert "column videos.region" in i["data"]["text/plain"]
    assert "variable" not in i["data"]["text/plain"]
    i = inspect("SELECT days", 9)
    assert "days = 30  (integer)" in i["data"]["text/plain"]


def test_plot_uses_variables_in_its_line_and_its_query(kernel, tmp_path):
    _, kc = kernel
    run(kc, "CREATE TABLE t(region TEXT, k TEXT, views INTEGER);\n"
            "INSERT INTO t VALUES ('GB', 'a', 5), ('GB', 'b', 7), "
            "('US', 'a', 100);")
    run(kc, f"%set region = GB\n%set dir = '{tmp_path}/my charts'")
    r = run(kc, "%%yt_plot bar --x k --y views --title \"Views in {region}\" "
                "--save {dir}/views-{region}.svg\n"
                "SELECT k, views FROM t WHERE region = :region ORDER BY k")
    svg = (tmp_path / "my charts" / "views-GB.svg").read_text()
    assert "Views in GB" in svg
    assert svg == r.of_type("display_data")[0]["content"]["data"]["image/svg+xml"]
    # only GB's two rows were plotted (US has 100 views)
    text = r.of_type("display_data")[0]["content"]["data"]["text/plain"]
    assert "'Views in GB'" in text and "2 bars, y 0–7" in text
    r = run(kc, "%%yt_plot bar --x k --y views\n"
                "SELECT k, views FROM t WHERE region = :regio", ok=False)
    assert "did you mean :region?" in r.errors[0]["evalue"]
