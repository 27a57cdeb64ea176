/* test_err.c -- yt_err: one code per meaning, ytk_strerror, YTK_ASSERT. */
#include "tu.h"
#include "yt_err.h"
#include "yt_cred.h"
#include "yt_http.h"
#include "yt_listener.h"
#include "yt_oauth.h"
#include "yt_token.h"
#include "mg_args.h"
#include "yt_store.h"
#include "ch_chart.h"
#include "ch_png.h"

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

/* The module names are aliases of the shared codes: codes that mean
 * different things differ, whichever module returns them (they used to be
 * -1 for "could not connect", "no such file", "timeout", "no credentials").
 */
static void test_module_codes_do_not_overlap(void)
{
    TU_CHECK(YT_HTTP_E_CONNECT != YT_TOKEN_E_NOENT);
    TU_CHECK(YT_HTTP_E_CONNECT != YT_LISTEN_E_TIMEOUT);
    TU_CHECK(YT_TOKEN_E_NOENT != YT_CRED_E_NONE);
    TU_CHECK(YT_OAUTH_E_NET != YT_LREQ_E_BAD);
    TU_EQ_INT(YT_HTTP_E_ABORTED, YT_OAUTH_E_ABORTED);
    TU_EQ_INT(YT_OAUTH_E_ABORTED, YT_LISTEN_E_ABORTED);
    TU_EQ_INT(YT_HTTP_E_NOMEM, YT_TOKEN_E_NOMEM);
    TU_EQ_INT(YT_HTTP_E_TIMEOUT, YT_LISTEN_E_TIMEOUT);
    TU_EQ_STR(ytk_strerror(YT_TOKEN_E_NOENT), "no such file");
}

static void test_one_error_length(void)
{
    TU_EQ_INT(YT_ERR_LEN, YTK_ERR_LEN);
    TU_EQ_INT(MG_ERR_LEN, YTK_ERR_LEN);
    TU_EQ_INT(YT_API_ERR_LEN, YTK_ERR_LEN);
    TU_EQ_INT(YT_STORE_ERR_LEN, YTK_ERR_LEN);
    TU_EQ_INT(CH_ERR_LEN, YTK_ERR_LEN);
    TU_EQ_INT(CH_PNG_ERR_LEN, YTK_ERR_LEN);
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
    TU_RUN(test_module_codes_do_not_overlap);
    TU_RUN(test_one_error_length);
    TU_RUN(test_assert);
    return tu_report();
}
