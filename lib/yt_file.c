/* yt_file.c -- atomic file writes and private SQLite files.  See yt_file.h. */
#include "yt_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* One candidate temporary name for path, or NULL when out of memory. */
static char *tmp_name(const char *path)
{
    unsigned char r[8];
    char *s = NULL;
    size_t got = 0;

    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        got += (size_t)n;
    }
    if (asprintf(&s, "%s.tmp-%d-%02x%02x%02x%02x%02x%02x%02x%02x", path,
                 (int)getpid(), r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                 r[7]) < 0)
        return NULL;
    return s;
}

int yt_file_begin(struct yt_file *w, const char *path, mode_t mode,
                  char err[YTK_ERR_LEN])
{
    int fd = -1, i, e = 0;

    memset(w, 0, sizeof *w);
    if (!(w->path = strdup(path))) {
        yt_errf(err, "out of memory");
        return -1;
    }
    for (i = 0; i < YT_FILE_TRIES; i++) {
        if (!(w->tmp = tmp_name(path))) {
            e = errno ? errno : ENOMEM;
            break;
        }
        fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  mode);
        if (fd >= 0)
            break;
        e = errno;
        free(w->tmp);
        w->tmp = NULL;
        if (e != EEXIST && e != ELOOP)
            break;
    }
    if (fd < 0) {
        if (e == EEXIST || e == ELOOP)
            yt_errf(err,
                    "cannot write %s: %d temporary names next to it are "
                    "already taken (someone may be planting files in that "
                    "folder); write to a folder only you can change",
                    path, YT_FILE_TRIES);
        else
            yt_errf(err, "cannot write %s: %s", path, strerror(e));
        free(w->path);
        w->path = NULL;
        return -1;
    }
    if (!(w->f = fdopen(fd, "w"))) {
        yt_errf(err, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        yt_file_abort(w);
        return -1;
    }
    return 0;
}

static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    int dfd;

    if (!copy)
        return;
    dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(copy);
}

int yt_file_commit(struct yt_file *w, char err[YTK_ERR_LEN])
{
    int rc = -1, e = 0;

    if (!w->f || !w->tmp) {
        yt_errf(err, "internal error: no file to commit");
        goto out;
    }
    if (fflush(w->f) != 0 || ferror(w->f) || fsync(fileno(w->f)) != 0)
        e = errno ? errno : EIO;
    if (fclose(w->f) != 0 && !e)
        e = errno ? errno : EIO;
    w->f = NULL;
    if (e) {
        yt_errf(err, "cannot write %s: %s", w->path, strerror(e));
        goto out;
    }
    if (rename(w->tmp, w->path) != 0) {
        yt_errf(err, "cannot write %s: %s", w->path, strerror(errno));
        goto out;
    }
    free(w->tmp);
    w->tmp = NULL;
    sync_dir(w->path);
    rc = 0;
out:
    yt_file_abort(w);
    return rc;
}

void yt_file_abort(struct yt_file *w)
{
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    if (w->tmp)
        unlink(w->tmp);
    free(w->tmp);
    free(w->path);
    memset(w, 0, sizeof *w);
}

int yt_file_write(const char *path, const void *data, size_t len, mode_t mode,
                  char err[YTK_ERR_LEN])
{
    struct yt_file w;

    if (yt_file_begin(&w, path, mode, err) < 0)
        return -1;
    if (len && fwrite(data, 1, len, w.f) != len) {
        yt_errf(err, "cannot write %s: %s", path, strerror(errno));
        yt_file_abort(&w);
        return -1;
    }
    return yt_file_commit(&w, err);
}

int yt_file_write_private(const char *path, const char *data, size_t len,
                          char err[YTK_ERR_LEN])
{
    return yt_file_write(path, data, len, YT_FILE_PRIVATE, err);
}

/* Tighten an existing side file (PATH-wal...) to 0600; missing is fine. */
static int tighten(const char *path, int create, char err[YTK_ERR_LEN])
{
    struct stat sb;
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    int fd;

    if (create)
        flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
    fd = open(path, flags, YT_FILE_PRIVATE);
    if (fd < 0) {
        if (!create && errno == ENOENT)
            return 0;
        yt_errf(err, "cannot open %s: %s%s", path, strerror(errno),
                errno == ELOOP ? " (it is a symlink; remove it)" : "");
        return -1;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        yt_errf(err, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    if ((sb.st_mode & 077) && fchmod(fd, YT_FILE_PRIVATE) != 0) {
        yt_errf(err, "cannot chmod 600 %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int yt_file_private_prepare(const char *path, char err[YTK_ERR_LEN])
{
    static const char *const side[] = {"-wal", "-shm", "-journal"};
    char *s = NULL;
    size_t i;
    int rc;

    if (tighten(path, 1, err) < 0)
        return -1;
    for (i = 0; i < sizeof side / sizeof *side; i++) {
        if (asprintf(&s, "%s%s", path, side[i]) < 0) {
            yt_errf(err, "out of memory");
            return -1;
        }
        rc = tighten(s, 0, err);
        free(s);
        if (rc < 0)
            return -1;
    }
    return 0;
}
