/* yt_file.h -- the one way ytkernel writes a file that a user or another
 * program will read: exports, saved charts, the token, the API key and the
 * kernelspec `ytkernel install` writes.
 *
 * Every write goes to a fresh temporary file in the target's own folder,
 * named "PATH.tmp-PID-RRRRRRRRRRRRRRRR" (16 hex digits from getrandom),
 * opened with O_CREAT|O_EXCL|O_NOFOLLOW, so a file or symlink planted at
 * any name is never opened or followed: the name is skipped and another
 * drawn (YT_FILE_TRIES times at most, then the write fails with a message).
 * The data is flushed and fsync'ed, the temporary file renamed over PATH
 * (replacing a symlink at PATH, never writing through it) and the folder
 * fsync'ed.  On any failure the temporary file is removed and PATH is left
 * as it was.
 *
 * Modes: YT_FILE_PRIVATE (0600) for secrets; YT_FILE_PUBLIC (0666 minus the
 * umask, as fopen would) for exports and charts.
 *
 * yt_file_private_prepare() is for files another library creates (SQLite):
 * it creates PATH 0600 when missing and tightens it (and PATH-wal,
 * PATH-shm, PATH-journal when present) to 0600 when group or others may
 * read it; SQLite then creates its -wal/-shm with the database's mode.
 *
 * Ownership: struct yt_file owns its FILE and temporary name until
 * yt_file_commit() or yt_file_abort(), one of which must be called.  All
 * functions return 0 on success, -1 with a message in err (YTK_ERR_LEN bytes,
 * not NULL).
 */
#ifndef YT_FILE_H
#define YT_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "yt_err.h"

#define YT_FILE_PRIVATE 0600
#define YT_FILE_PUBLIC 0666
#define YT_FILE_TRIES 16

struct yt_file {
    FILE *f;    /* write the contents here */
    char *tmp;  /* temporary name, NULL after commit/abort */
    char *path; /* final name */
};

/* Create the temporary file for `path`; w->f is ready for writing. */
int yt_file_begin(struct yt_file *w, const char *path, mode_t mode,
                  char err[YTK_ERR_LEN]);
/* Flush, sync, close and rename over the final name.  Always releases w. */
int yt_file_commit(struct yt_file *w, char err[YTK_ERR_LEN]);
/* Close and remove the temporary file; PATH is untouched.  NULL-safe and
 * safe after commit. */
void yt_file_abort(struct yt_file *w);

/* Write `len` bytes to `path` atomically with `mode` (minus the umask). */
int yt_file_write(const char *path, const void *data, size_t len, mode_t mode,
                  char err[YTK_ERR_LEN]);
/* yt_file_write with YT_FILE_PRIVATE: the token and the API key file. */
int yt_file_write_private(const char *path, const char *data, size_t len,
                          char err[YTK_ERR_LEN]);

/* See above.  Symlinks at PATH are refused (not followed). */
int yt_file_private_prepare(const char *path, char err[YTK_ERR_LEN]);

#endif /* YT_FILE_H */
