"""Regressions for undefined behaviour found by review after fuzz_token hit
the same pattern: numbers a frontend sends that do not fit a C int (cursor_pos,
detail_level: 1e300)
are clamped (cJSON's saturated valueint), not cast.  The kernel must answer
with a cursor inside the code and keep running.  Note: gcc's
-fsanitize=undefined (the ASan build) leaves out float-cast-overflow, so the
old cast was only reported by clang's UBSan (the fuzz build)."""
import ytk

T = 30


def reply_to(kc, msg_id):
    while True:
        m = kc.get_shell_msg(timeout=T)
        if m["parent_header"].get("msg_id") == msg_id:
            return m


def test_huge_cursor_pos_and_detail_level(kernel):
    km, kc = kernel
    code = "%lsm"
    for pos in (1e300, -1e300, 2.5e9, -1):
        r = reply_to(kc, kc.complete(code, cursor_pos=pos))
        assert r["content"]["status"] == "ok"
        assert 0 <= r["content"]["cursor_start"] <= r["content"]["cursor_end"] <= len(code)
        msg = kc.session.msg("inspect_request",
                             {"code": "%print", "cursor_pos": pos, "detail_level": 1e300})
        kc.shell_channel.send(msg)
        r = reply_to(kc, msg["header"]["msg_id"])
        assert r["content"]["status"] == "ok"
    assert km.is_alive()
    r = ytk.execute(kc, "%print still here")
    assert r.status == "ok" and r.stdout == "still here\n"
