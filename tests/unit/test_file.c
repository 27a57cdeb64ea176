/* test_file.c -- yt_file: atomic writes that never follow a planted symlink,
 * file modes, and SQLite files kept private (issue 15, items 2 and 4). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tu.h"
#include "yt_file.h"
#include "yt_store.h"

/* getrandom() interposed: yt_file draws its temporary names from it, so the
 * tests can know every name a write could use.  fake_left > 0 calls return
 * fake_bytes[fake_next++ % fake_n] repeated; otherwise the real syscall. */
static unsigned char fake_bytes[4];
static int fake_n, fake_next, fake_on;

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
    if (!fake_on)
        return syscall(SYS_getrandom, buf, len, flags);
    memset(buf, fake_bytes[fake_next++ % fake_n], len);
    return (ssize_t)len;
}

static char dir[64];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof dir, "/tmp/ytk_test_file_XXXXXX");
    TU_CHECK(mkdtemp(dir) != NULL);
}

/* The temporary name yt_file uses for path when getrandom gives byte b. */
static void tmp_for(char *out, size_t len, const char *path, unsigned char b)
{
    snprintf(out, len, "%s.tmp-%d-%02x%02x%02x%02x%02x%02x%02x%02x", path,
             (int)getpid(), b, b, b, b, b, b, b, b);
}

static int count_entries(const char *d)
{
    DIR *dp = opendir(d);
    struct dirent *e;
    int n = 0;

    if (!dp)
        return -1;
    while ((e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(dp);
    return n;
}

static void rm_dir(void)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    char p[512];

    if (!dp)
        return;
    while ((e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(dp);
    rmdir(dir);
}

/* Every name the write could use holds a symlink to a victim file: the
 * write fails with a message and the victim is untouched. */
static void test_symlink_at_every_name(void)
{
    char path[128], victim[128], tmp[256], err[YTK_ERR_LEN], buf[64];

    mkdir_tmp();
    snprintf(path, sizeof path, "%s/out.csv", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    TU_EQ_INT(yt_file_write(victim, "precious\n", 9, 0600, err), 0);
    fake_bytes[0] = 0x5a;
    fake_n = 1;
    fake_next = 0;
    fake_on = 1;
    tmp_for(tmp, sizeof tmp, path, 0x5a);
    TU_EQ_INT(symlink(victim, tmp), 0);
    err[0] = '\0';
    TU_CHECK(yt_file_write(path, "attacker wins\n", 14, YT_FILE_PUBLIC, err) <
             0);
    fake_on = 0;
    TU_EQ_INT(fake_next, YT_FILE_TRIES);
    TU_CHECK(strstr(err, "already taken") != NULL);
    tu_read_file(victim, buf, sizeof buf);
    TU_EQ_STR(buf, "precious\n");
    TU_CHECK(access(path, F_OK) != 0);
    /* victim + the planted link, nothing left behind */
    TU_EQ_INT(count_entries(dir), 2);
    rm_dir();
}

/* The first names drawn are planted (a symlink and a dangling symlink): they
 * are skipped, the write lands at path, the victim is untouched. */
static void test_symlink_skipped(void)
{
    char path[128], victim[128], tmp[256], err[YTK_ERR_LEN], buf[64];
    struct yt_file w;

    mkdir_tmp();
    snprintf(path, sizeof path, "%s/out.json", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    TU_EQ_INT(yt_file_write(victim, "precious\n", 9, 0600, err), 0);
    fake_bytes[0] = 0x01;
    fake_bytes[1] = 0x02;
    fake_bytes[2] = 0x03;
    fake_n = 3;
    fake_next = 0;
    tmp_for(tmp, sizeof tmp, path, 0x01);
    TU_EQ_INT(symlink(victim, tmp), 0);
    tmp_for(tmp, sizeof tmp, path, 0x02);
    TU_EQ_INT(symlink("/nonexistent/ytk-dangling", tmp), 0);
    fake_on = 1;
    TU_EQ_INT(yt_file_begin(&w, path, YT_FILE_PUBLIC, err), 0);
    fake_on = 0;
    tmp_for(tmp, sizeof tmp, path, 0x03);
    TU_EQ_STR(w.tmp, tmp);
    TU_CHECK(w.f && fputs("[1]\n", w.f) >= 0);
    TU_EQ_INT(yt_file_commit(&w, err), 0);
    TU_CHECK(w.tmp == NULL && w.f == NULL);
    tu_read_file(path, buf, sizeof buf);
    TU_EQ_STR(buf, "[1]\n");
    tu_read_file(victim, buf, sizeof buf);
    TU_EQ_STR(buf, "precious\n");
    TU_CHECK(access(tmp, F_OK) != 0);
    TU_EQ_INT(count_entries(dir), 4);
    rm_dir();
}

/* A symlink AT the target is replaced, never written through; abort leaves
 * the old contents. */
static void test_target_symlink_and_abort(void)
{
    char path[128], victim[128], err[YTK_ERR_LEN], buf[64];
    struct stat sb;
    struct yt_file w;

    mkdir_tmp();
    snprintf(path, sizeof path, "%s/chart.svg", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    TU_EQ_INT(yt_file_write(victim, "precious\n", 9, 0600, err), 0);
    TU_EQ_INT(symlink(victim, path), 0);
    TU_EQ_INT(yt_file_write(path, "<svg/>", 6, YT_FILE_PUBLIC, err), 0);
    TU_EQ_INT(lstat(path, &sb), 0);
    TU_CHECK(S_ISREG(sb.st_mode));
    tu_read_file(victim, buf, sizeof buf);
    TU_EQ_STR(buf, "precious\n");
    TU_EQ_INT(yt_file_begin(&w, path, YT_FILE_PUBLIC, err), 0);
    TU_CHECK(fputs("half", w.f) >= 0);
    yt_file_abort(&w);
    yt_file_abort(&w); /* twice is fine */
    tu_read_file(path, buf, sizeof buf);
    TU_EQ_STR(buf, "<svg/>");
    TU_EQ_INT(count_entries(dir), 2);
    snprintf(path, sizeof path, "%s/no/such/dir/x.csv", dir);
    TU_CHECK(yt_file_write(path, "x", 1, YT_FILE_PUBLIC, err) < 0);
    TU_CHECK(strstr(err, "No such file") != NULL);
    rm_dir();
}

static int mode_of(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) == 0 ? (int)(sb.st_mode & 0777) : -1;
}

static void test_modes(void)
{
    char path[128], err[YTK_ERR_LEN];
    mode_t old = umask(022);

    mkdir_tmp();
    snprintf(path, sizeof path, "%s/public", dir);
    TU_EQ_INT(yt_file_write(path, "x", 1, YT_FILE_PUBLIC, err), 0);
    TU_EQ_INT(mode_of(path), 0644);
    snprintf(path, sizeof path, "%s/private", dir);
    TU_EQ_INT(yt_file_write_private(path, "x", 1, err), 0);
    TU_EQ_INT(mode_of(path), 0600);
    umask(077);
    snprintf(path, sizeof path, "%s/public2", dir);
    TU_EQ_INT(yt_file_write(path, "x", 1, YT_FILE_PUBLIC, err), 0);
    TU_EQ_INT(mode_of(path), 0600);
    umask(old);
    rm_dir();
}

/* An existing 0644 database and its side files are tightened; SQLite then
 * creates -wal and -shm 0600 even under umask 022. */
static void test_sqlite_private(void)
{
    char path[128], side[160], err[YTK_ERR_LEN];
    mode_t old = umask(022);
    sqlite3 *db = NULL;
    int fd;

    mkdir_tmp();
    snprintf(path, sizeof path, "%s/old.sqlite", dir);
    snprintf(side, sizeof side, "%s-wal", path);
    fd = open(path, O_CREAT | O_WRONLY, 0644);
    TU_CHECK(fd >= 0);
    close(fd);
    fd = open(side, O_CREAT | O_WRONLY, 0644);
    TU_CHECK(fd >= 0);
    close(fd);
    TU_EQ_INT(yt_file_private_prepare(path, err), 0);
    TU_EQ_INT(mode_of(path), 0600);
    TU_EQ_INT(mode_of(side), 0600);

    snprintf(path, sizeof path, "%s/new.sqlite", dir);
    TU_EQ_INT(yt_file_private_prepare(path, err), 0);
    TU_EQ_INT(mode_of(path), 0600);
    TU_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    TU_EQ_INT(sqlite3_exec(db,
                           "PRAGMA journal_mode=WAL; CREATE TABLE t(x); "
                           "INSERT INTO t VALUES (1)",
                           NULL, NULL, NULL),
              SQLITE_OK);
    snprintf(side, sizeof side, "%s-wal", path);
    TU_EQ_INT(mode_of(side), 0600);
    snprintf(side, sizeof side, "%s-shm", path);
    TU_EQ_INT(mode_of(side), 0600);
    sqlite3_close(db);

    snprintf(path, sizeof path, "%s/link.sqlite", dir);
    snprintf(side, sizeof side, "%s/new.sqlite", dir);
    TU_EQ_INT(symlink(side, path), 0);
    TU_CHECK(yt_file_private_prepare(path, err) < 0);
    TU_CHECK(strstr(err, "symlink") != NULL);
    umask(old);
    rm_dir();
}

int main(void)
{
    TU_RUN(test_symlink_at_every_name);
    TU_RUN(test_symlink_skipped);
    TU_RUN(test_target_symlink_and_abort);
    TU_RUN(test_modes);
    TU_RUN(test_sqlite_private);
    return tu_report();
}
