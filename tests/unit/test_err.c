/* test_err.c -- yt_err: one code per meaning, ytk_strerror, YTK_ASSERT. */
#include "tu.h"
#include "yt_err.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Every code has its own description. */
static void test_strerror_distinct(void)
{
    int a, b;

    TU_EQ_STR(ytk_strerror(YTK_OK), "success");
    TU_EQ_STR(ytk_strerror(1), "unknown error");
    TU_EQ_STR(ytk_strerror(YTK_E_LAST - 1), "unknown error");
    for (a = YTK_E_LAST; a < 0; a++) {
        TU_CHECK(strcmp(ytk_strerror(a), "unknown error") != 0);
        for (b = a + 1; b < 0; b++)
            TU_CHECK(strcmp(ytk_strerror(a), ytk_strerror(b)) != 0);
    }
}

/* Codes that mean different things differ (they used to be -1 for "could
 * not connect", "no such file", "timeout", "no credentials"). */
static void test_codes_do_not_overlap(void)
{
    TU_CHECK(YTK_E_CONNECT != YTK_E_NOENT);
    TU_CHECK(YTK_E_CONNECT != YTK_E_TIMEOUT);
    TU_CHECK(YTK_E_NOENT != YTK_E_NOCRED);
    TU_CHECK(YTK_E_NET != YTK_E_FORMAT);
    TU_EQ_STR(ytk_strerror(YTK_E_NOENT), "no such file");
}

static int evaluated;

static int touch(void)
{
    evaluated++;
    return 0;
}

/* Active builds abort on a false assertion; others never evaluate it. */
static void test_assert(void)
{
    pid_t pid;
    int st = 0;

    YTK_ASSERT(1 + 1 == 2);
#if defined(YTK_ASSERTS)
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        close(2); /* keep the expected message out of the test log */
        YTK_ASSERT(touch() == 1);
        _exit(0);
    }
    TU_CHECK(pid > 0);
    TU_CHECK(waitpid(pid, &st, 0) == pid);
    TU_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    YTK_ASSERT(touch() == 0);
    TU_EQ_INT(evaluated, 1);
#else
    (void)pid;
    (void)st;
    YTK_ASSERT(touch() == 1);
    TU_EQ_INT(evaluated, 0);
#endif
}

int main(void)
{
    TU_RUN(test_strerror_distinct);
    TU_RUN(test_codes_do_not_overlap);
    TU_RUN(test_assert);
    return tu_report();
}
