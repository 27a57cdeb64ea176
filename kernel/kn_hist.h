/* kn_hist.h -- execution history in SQLite, kept across kernel restarts.
 *
 * Tables: `sessions(session INTEGER PRIMARY KEY AUTOINCREMENT, start)` and
 * `history(session, line, source, output)`.  Each kn_hist_open() starts a
 * new session (numbers increase by one per kernel start); lines are the
 * execution counts.  Answers the three history_request kinds:
 *   tail   -- the last n entries over all sessions,
 *   range  -- session (0 = current, negative = relative), [start, stop),
 *   search -- glob pattern, newest n (all when n <= 0), unique inputs.
 * Items are [session, line, input] or, with output, [session, line,
 * [input, output]] (output null when the cell had no result).
 *
 * Writing is off the caller's path: kn_hist_add() and kn_hist_set_output()
 * only queue the row (an output joins its input while that is queued), and
 * a writer thread owned by the handle writes what gathered within
 * KN_HIST_FLUSH_MS of the first queued row in one transaction, with
 * statements prepared once.  A query first writes whatever is queued, so
 * it sees every recorded cell; kn_hist_close() writes the rest.  A crash
 * (not a shutdown) loses at most the rows of the last KN_HIST_FLUSH_MS.
 *
 * Ownership: kn_hist_open() returns a handle freed by kn_hist_close() (which
 * joins the writer); the query returns a new cJSON array owned by the
 * caller; add/set_output copy their text.  The handle may be used from one
 * thread at a time (its writer is internal, behind a mutex).
 */
#ifndef KN_HIST_H
#define KN_HIST_H

#include <cjson/cJSON.h>

#include "kn_exec.h" /* KN_ERR_LEN */

/* Rows queued within this many milliseconds are written together. */
#define KN_HIST_FLUSH_MS 100

struct kn_hist;

/* path NULL = in memory.  Returns 0 and sets *out, or -1 with err when the
 * file cannot be opened.  The schema and this start's session row are set
 * up by the writer thread (start-up does not wait for them); if that fails
 * (locked, read-only, corrupt file) the history is kept in memory, with one
 * line on stderr. */
int kn_hist_open(const char *path, struct kn_hist **out, char err[KN_ERR_LEN]);
void kn_hist_close(struct kn_hist *h);

/* The session number of this start (waits for the set-up). */
int kn_hist_session(struct kn_hist *h);

/* Queue the input of execution line; returns 0 or -1 with err (out of
 * memory).  A database error when the row is written later goes to stderr. */
int kn_hist_add(struct kn_hist *h, int line, const char *source,
                char err[KN_ERR_LEN]);
/* Record the text/plain output of line (replaces an earlier one). */
int kn_hist_set_output(struct kn_hist *h, int line, const char *output,
                       char err[KN_ERR_LEN]);

/* Answer a history_request content object.  Returns a new array, or NULL
 * with err (unknown hist_access_type, database error). */
cJSON *kn_hist_query(struct kn_hist *h, const cJSON *request,
                     char err[KN_ERR_LEN]);

#endif /* KN_HIST_H */
