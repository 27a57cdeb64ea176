/* kn_interp.h -- the boundary between the protocol (kernel/) and a cell
 * language.  The kernel knows nothing of SQL or YouTube: it calls these hooks.
 *
 * All hooks run on the kernel's shell thread, one at a time.  Hooks returning
 * cJSON values hand ownership of them to the kernel.
 */
#ifndef KN_INTERP_H
#define KN_INTERP_H

#include <cjson/cJSON.h>
#include "kn_exec.h"

struct kn_interp {
    void *self; /* passed back to every hook */

    /* kernel_info fields */
    const char *implementation;         /* e.g. "ytkernel" */
    const char *implementation_version; /* e.g. "0.1.0" */
    const char *banner;
    /* Returns the language_info object (owned by the caller). */
    cJSON *(*language_info)(void *self);
    /* Returns the help_links array (owned by the caller). */
    cJSON *(*help_links)(void *self);

    /* Run one cell.  Returns 0 on success, -1 after kn_exec_fail(). */
    int (*execute)(void *self, struct kn_exec *x, const char *code);

    /* The text the history keeps for a cell (e.g. with secrets removed),
     * malloc'ed, freed by the kernel.  A NULL hook keeps the code as sent;
     * a NULL result (out of memory) keeps nothing. */
    char *(*history_text)(void *self, const char *code);

    /* Evaluate one user expression; returns 0 and sets *data to a mime bundle,
     * or -1 and fills ename/evalue. */
    int (*eval_expression)(void *self, const char *expr, cJSON **data,
                           char ename[64], char evalue[KN_ERR_LEN]);

    /* Completion: returns an array of match strings and sets the replaced
     * range [*cursor_start, *cursor_end) in code points. */
    cJSON *(*complete)(void *self, const char *code, int cursor_pos,
                       int *cursor_start, int *cursor_end);

    /* Inspection: returns 1 and sets *data (mime bundle) when found, else 0. */
    int (*inspect)(void *self, const char *code, int cursor_pos,
                   int detail_level, cJSON **data);

    /* is_complete: returns "complete", "incomplete", "invalid" or "unknown";
     * sets *indent (static string) for "incomplete". */
    const char *(*is_complete)(void *self, const char *code,
                               const char **indent);

    /* Called once before the process exits or restarts in place. */
    void (*shutdown)(void *self, int restart);
};

#endif /* KN_INTERP_H */
