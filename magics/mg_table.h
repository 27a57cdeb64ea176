/* mg_table.h -- show SQL results as tables (text/html + text/plain) and the
 * HTML escaping every module uses for text that came from outside.
 *
 * HTML rules (see CONTRIBUTING.md): escape & < > " ' in every cell, header and
 * attribute, write `$` as <span>$</span> so MathJax leaves it alone, replace
 * invalid UTF-8 with U+FFFD, drop XML-illegal control characters, wrap in
 * <div class="tex2jax_ignore mathjax_ignore">, say "Showing N of M rows".
 */
#ifndef MG_TABLE_H
#define MG_TABLE_H

#include <sqlite3.h>
#include "../kernel/kn_exec.h"
#include "../lib/yt_buf.h"

/* Append `s` (len bytes, or strlen when len < 0) to b escaped for HTML text
 * and attributes.  Returns 0, -1 when the buffer cap is hit. */
int mg_html_escape(struct yt_buf *b, const char *s, long len);

/* Run `sql` (one statement) on db and publish its rows: as execute_result
 * when as_result is non-zero, else as display_data.  A single scalar is
 * shown as text/plain only.  `summary` (may be NULL) is a line shown above the
 * table.  At most `limit` rows are shown (5 head + 5 tail style when
 * truncated); `limit` <= 0 means the default (10).  Returns 0, or -1 after
 * kn_exec_fail() with the SQLite message. */
int mg_table_show_query(struct kn_exec *x, sqlite3 *db, const char *sql,
                        const char *summary, int limit, int as_result);

/* Same for a prepared statement that has not been stepped yet; the caller
 * keeps ownership of stmt (it is reset, not finalized). */
int mg_table_show_stmt(struct kn_exec *x, sqlite3_stmt *stmt,
                       const char *summary, int limit, int as_result);

#endif /* MG_TABLE_H */
