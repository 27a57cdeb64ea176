/* test_buf.c -- yt_buf: growth, cap, take, sticky failure. */
#include "tu.h"
#include "yt_buf.h"
#include "yt_err.h"

#include <stdlib.h>

static void test_grow_and_format(void)
{
    struct yt_buf b;
    int i;

    yt_buf_init(&b, 1 << 20);
    TU_EQ_STR(yt_buf_str(&b), "");
    for (i = 0; i < 1000; i++)
        TU_EQ_INT(yt_buf_addf(&b, "%d,", i), 0);
    TU_CHECK(strncmp(yt_buf_str(&b), "0,1,2,", 6) == 0);
    TU_CHECK(strstr(yt_buf_str(&b), ",999,") != NULL);
    yt_buf_free(&b);
}

static void test_cap_frees(void)
{
    struct yt_buf b;

    yt_buf_init(&b, 8);
    TU_EQ_INT(yt_buf_adds(&b, "1234567"), 0);
    TU_EQ_INT(yt_buf_adds(&b, "8"), YTK_E_TOOBIG);
    TU_EQ_INT((long long)b.len, 0);
    TU_CHECK(b.ptr == NULL);
    yt_buf_free(&b);
}

static void test_take(void)
{
    struct yt_buf b;
    char *s;

    yt_buf_init(&b, 100);
    s = yt_buf_take(&b);
    TU_EQ_STR(s, "");
    free(s);
    TU_EQ_INT(yt_buf_addf(&b, "%s-%d", "x", 7), 0);
    s = yt_buf_take(&b);
    TU_EQ_STR(s, "x-7");
    TU_CHECK(b.ptr == NULL && b.len == 0);
    free(s);
}

/* After one failed append nothing more is written: the small appends that
 * would fit again fail too, the text reads "", take gives NULL, and only
 * yt_buf_free starts the buffer again. */
static void test_failure_is_sticky(void)
{
    struct yt_buf b;
    char big[64];

    memset(big, 'x', sizeof big);
    yt_buf_init(&b, 16);
    TU_EQ_INT(yt_buf_adds(&b, "head"), 0);
    TU_EQ_INT(yt_buf_failed(&b), 0);
    TU_EQ_INT(yt_buf_add(&b, big, sizeof big), YTK_E_TOOBIG);
    TU_EQ_INT(yt_buf_failed(&b), YTK_E_TOOBIG);
    TU_EQ_INT(yt_buf_adds(&b, "t"), YTK_E_TOOBIG);
    TU_EQ_INT(yt_buf_add(&b, "t", 1), YTK_E_TOOBIG);
    TU_EQ_INT(yt_buf_addf(&b, "%d", 1), YTK_E_TOOBIG);
    TU_EQ_STR(yt_buf_str(&b), "");
    TU_CHECK(b.len == 0 && b.ptr == NULL);
    yt_buf_reset(&b);
    TU_EQ_INT(yt_buf_adds(&b, "t"), YTK_E_TOOBIG); /* reset keeps it */
    TU_CHECK(yt_buf_take(&b) == NULL);
    TU_CHECK(yt_buf_take(&b) == NULL);
    yt_buf_free(&b);
    TU_EQ_INT(yt_buf_failed(&b), 0);
    TU_EQ_INT(yt_buf_adds(&b, "again"), 0);
    TU_EQ_STR(yt_buf_str(&b), "again");
    yt_buf_free(&b);
}

/* A formatted append larger than the cap fails the same way (the vsnprintf
 * path for long output), and the error has a description. */
static void test_long_format_over_cap(void)
{
    struct yt_buf b;

    yt_buf_init(&b, 300);
    TU_EQ_INT(yt_buf_addf(&b, "%0400d", 5), YTK_E_TOOBIG);
    TU_EQ_INT(yt_buf_addf(&b, "%d", 5), YTK_E_TOOBIG);
    TU_EQ_STR(ytk_strerror(yt_buf_failed(&b)), "too large");
    yt_buf_free(&b);
}

int main(void)
{
    TU_RUN(test_grow_and_format);
    TU_RUN(test_cap_frees);
    TU_RUN(test_take);
    TU_RUN(test_failure_is_sticky);
    TU_RUN(test_long_format_over_cap);
    return tu_report();
}
