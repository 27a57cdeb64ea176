/* kn_kernel.h -- run a Jupyter kernel (protocol 5.5) for an interpreter.
 *
 * kn_kernel_run() parses the connection file, binds the five sockets, serves
 * until shutdown, and returns the process exit status.  History is kept in
 * the SQLite file `history_path` (NULL = in memory only), so it survives
 * restarts.
 */
#ifndef KN_KERNEL_H
#define KN_KERNEL_H

#include "kn_interp.h"

/* After a cell fails with stop_on_error, execute requests that arrive within
 * this many milliseconds of its start are aborted too (the idea of
 * ipykernel's stop_on_error_timeout):
 * a notebook's "Run All" sends every cell at once, but a browser and a server
 * in between spread them over a few milliseconds while this kernel answers a
 * failing cell in well under one.  One second covers a slow server and is
 * shorter than anyone takes to edit and run a cell. */
#define KN_STOP_ON_ERROR_MS 1000

struct kn_config {
    const char *connection_file; /* path to the JSON connection file */
    const char *history_path;    /* SQLite file for history, or NULL */
    int stop_on_error_ms;        /* abort window, < 0 = KN_STOP_ON_ERROR_MS */
};

/* Returns 0 after a clean shutdown, non-zero (after one line on stderr)
 * when the kernel could not start. */
int kn_kernel_run(const struct kn_config *cfg, const struct kn_interp *in);

#endif /* KN_KERNEL_H */
