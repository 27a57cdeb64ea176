/* mg_table.h -- show SQL results as tables (text/html + text/plain) and the
 * HTML escaping every module uses for text that came from outside.
 *
 * HTML rules (see CONTRIBUTING.md): escape & < > " ' in every cell, header and
 * attribute, write `$` as <span>$</span> so MathJax leaves it alone, replace
 * invalid UTF-8 with U+FFFD, drop XML-illegal control characters, wrap in
 * <div class="tex2jax_ignore mathjax_ignore">, say "Showing N of M rows".
 *
 * Invariants (YTK_ASSERT): a rendered table shows at most `limit` rows of
 * data (plus one "…" row when rows were left out).
 */
#ifndef MG_TABLE_H
#define MG_TABLE_H

#include <sqlite3.h>
#include "kn_exec.h"
#include "yt_buf.h"
#include "yt_err.h"

/* Append `s` (len bytes, or strlen when len < 0) to b escaped for HTML text
 * and attributes: yt_escape with YT_ESC_HTML.  Returns 0, or the yt_buf code
 * when the buffer fails. */
int mg_html_escape(struct yt_buf *b, const char *s, long len);

/* Run `sql` (one statement) on db and publish its rows: as execute_result
 * when as_result is non-zero, else as display_data.  A single scalar is
 * shown as text/plain only.  `summary` (may be NULL) is a line shown above the
 * table.  At most `limit` rows are shown (5 head + 5 tail style when
 * truncated); `limit` <= 0 means the default (10, see %displaylimit).  Returns
 * 0, or -1 after kn_exec_fail() with the SQLite message. */
int mg_table_show_query(struct kn_exec *x, sqlite3 *db, const char *sql,
                        const char *summary, int limit, int as_result);

/* Publish `text` as display_data: text/plain, and the same text escaped in
 * an HTML <pre> (MathJax off).  For plans and reports that are not tables.
 * Returns 0, or -1 when out of memory (nothing shown). */
int mg_table_show_pre(struct kn_exec *x, const char *text);

/* Same for a prepared statement that has not been stepped yet; the caller
 * keeps ownership of stmt (it is reset, not finalized). */
int mg_table_show_stmt(struct kn_exec *x, sqlite3_stmt *stmt,
                       const char *summary, int limit, int as_result);

/* Same as mg_html_escape for attribute values (title="..."): `$` stays `$`
 * (MathJax never reads attributes), everything else is identical
 * (yt_escape with YT_ESC_HTML_ATTR). */
int mg_html_escape_attr(struct yt_buf *b, const char *s, long len);

/* Display width in terminal columns of UTF-8 text (East Asian wide and emoji
 * count 2, combining marks 0, invalid bytes count as U+FFFD = 1). */
long mg_text_width(const char *s, long len);

/* The pure part of mg_table_show_stmt: step `stmt` to the end and render it.
 * Appends the table to html and its aligned text twin to text (both
 * initialised by the caller; the caller frees them).  Sets *nrows to the
 * number of rows M (all of them are stepped, only head and tail are kept in
 * memory) and *scalar to 1 when the result is one row of one column and no
 * summary was given: text then holds only the plain value (e.g. "42").  The
 * statement is reset before returning.  Returns 0, or -(SQLite result code)
 * with err filled (-SQLITE_INTERRUPT when the progress handler stopped it,
 * -SQLITE_NOMEM when a buffer cap was hit). */
int mg_table_render(sqlite3_stmt *stmt, int limit, const char *summary,
                    struct yt_buf *html, struct yt_buf *text, long *nrows,
                    int *scalar, char err[YTK_ERR_LEN]);

/* mg_table_render into a mime bundle: {"text/plain"} for a scalar, else
 * {"text/plain", "text/html"}.  Returns 0 with *out set (the caller owns it
 * and frees it with cJSON_Delete, or hands it to kn_exec_result/display;
 * NULL when the statement has no columns), or a negative code and err as
 * mg_table_render (-SQLITE_NOMEM also when the bundle cannot be built). */
int mg_table_bundle(sqlite3_stmt *stmt, int limit, const char *summary,
                    cJSON **out, int *scalar, char err[YTK_ERR_LEN]);

/* Default number of rows shown (5 head + 5 tail when truncated). */
#define MG_TABLE_LIMIT 10
/* Largest display limit accepted. */
#define MG_TABLE_LIMIT_MAX 10000

/* The limit used when a caller passes limit <= 0 (initially MG_TABLE_LIMIT;
 * changed by %displaylimit; process-wide, shell thread only). */
int mg_table_default_limit(void);
/* Set it; n is clamped to [1, MG_TABLE_LIMIT_MAX]. */
void mg_table_set_default_limit(int n);

#endif /* MG_TABLE_H */
