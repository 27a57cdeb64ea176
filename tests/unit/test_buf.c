/* test_buf.c -- yt_buf: growth, cap, take. */
#include "tu.h"
#include "yt_buf.h"

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
    TU_EQ_INT(yt_buf_adds(&b, "8"), -1);
    TU_EQ_INT((long long)b.len, 0);
    TU_CHECK(b.ptr == NULL);
}

static void test_take(void)
{
    struct yt_buf b;
    char *s;

    yt_buf_init(&b, 100);
    s = yt_buf_take(&b);
    TU_EQ_STR(s, "");
    free(s);
    yt_buf_addf(&b, "%s-%d", "x", 7);
    s = yt_buf_take(&b);
    TU_EQ_STR(s, "x-7");
    TU_CHECK(b.ptr == NULL && b.len == 0);
    free(s);
}

int main(void)
{
    TU_RUN(test_grow_and_format);
    TU_RUN(test_cap_frees);
    TU_RUN(test_take);
    return tu_report();
}
