/* kn_exec.h -- what an interpreter may do while the kernel runs one of its
 * execute requests.
 *
 * The kernel creates one `struct kn_exec` per execute_request and hands it to
 * the interpreter's `execute` hook (see kn_interp.h).  Everything published
 * through it goes to iopub with the request as parent, in call order, and
 * always before the `idle` status.  The handle is only valid during the call
 * to `execute`; do not keep it.
 *
 * Ownership: functions taking `cJSON *` arguments take ownership of them
 * (they are deleted by the kernel, even on failure).  Strings are copied.
 *
 * Threading: call these only from the thread that runs `execute`.
 */
#ifndef KN_EXEC_H
#define KN_EXEC_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define KN_ERR_LEN 512

struct kn_exec;

/* The execution_count of this request (already incremented when it counts). */
int kn_exec_count(const struct kn_exec *x);

/* Non-zero when the request is silent (no execute_input/result, no history). */
int kn_exec_silent(const struct kn_exec *x);

/* Non-zero when the frontend accepts input_request on stdin. */
int kn_exec_allow_stdin(const struct kn_exec *x);

/* Append text to the stdout (to_stderr == 0) or stderr stream.  Stream text is
 * batched and flushed before any other output, on size and on time, so a cell
 * printing 100,000 lines sends a few hundred messages, not 100,000. */
void kn_exec_stream(struct kn_exec *x, int to_stderr, const char *text);

/* printf-style convenience for kn_exec_stream. */
void kn_exec_printf(struct kn_exec *x, int to_stderr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Publish display_data.  `data` is a mime bundle object, `metadata` may be
 * NULL (published as {}).  When display_id is not NULL the message carries
 * transient.display_id so it can later be updated. */
void kn_exec_display(struct kn_exec *x, cJSON *data, cJSON *metadata,
                     const char *display_id);

/* Publish update_display_data for an earlier kn_exec_display(display_id). */
void kn_exec_update_display(struct kn_exec *x, cJSON *data, cJSON *metadata,
                            const char *display_id);

/* Publish the execute_result of this request (ignored when silent).  A
 * request has at most one execute_result: a later call publishes its bundle
 * as display_data (as ipykernel does for display()), and the history keeps
 * the text of the last one. */
void kn_exec_result(struct kn_exec *x, cJSON *data, cJSON *metadata);

/* Ask the frontend to exit (`ask_exit` payload; jupyter console then ends,
 * shutting the kernel down unless keepkernel).  Notebooks ignore it. */
void kn_exec_ask_exit(struct kn_exec *x, int keepkernel);

/* Publish clear_output. */
void kn_exec_clear_output(struct kn_exec *x, int wait);

/* Add a `page` payload to the execute_reply (help text for the pager). */
void kn_exec_page(struct kn_exec *x, const char *text);

/* Record the error of this cell.  The interpreter then returns -1 from
 * `execute`; the kernel publishes exactly one `error` message and an error
 * execute_reply with the same ename/evalue.  The first call wins; later calls
 * are ignored.  `evalue` is a one-line message the user can act on. */
void kn_exec_fail(struct kn_exec *x, const char *ename, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add one line to the traceback of the recorded error (hints, API reason). */
void kn_exec_fail_line(struct kn_exec *x, const char *line);

/* Ask the user for a line of input over the stdin channel (input_request).
 * On success returns 0 and sets *value (caller frees with free()).  Returns
 * -1 with a message in err when stdin is not allowed, or when the wait was
 * interrupted (kn_exec_interrupted() is then true). */
int kn_exec_input(struct kn_exec *x, const char *prompt, int password,
                  char **value, char err[KN_ERR_LEN]);

/* Non-zero once the user has interrupted the running request (SIGINT or
 * interrupt_request).  Long work must poll this at safe points (between HTTP
 * requests, in libcurl's progress callback, in SQLite's progress handler) and
 * stop, keeping what it has, with kn_exec_fail(x, "KeyboardInterrupt", ...).
 * Cheap enough to call thousands of times a second. */
int kn_exec_interrupted(struct kn_exec *x);

/* Returns a fresh uuid4 string in out (37 bytes incl. NUL), for display ids. */
void kn_exec_new_id(char out[37]);

#endif /* KN_EXEC_H */
