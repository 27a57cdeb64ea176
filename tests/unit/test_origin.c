/* test_origin.c -- tokens go only where they were minted (issue 15, item 5):
 * yt_token_origin_check against YTK_GOOGLE_BASE, yt_token_load refusing a
 * token from another base, yt_oauth_refresh sending nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tu.h"
#include "yt_oauth.h"
#include "yt_token.h"

static int check(const char *base, const char *uri)
{
    struct yt_token t;
    char err[YTK_ERR_LEN];

    memset(&t, 0, sizeof t);
    t.token_uri = (char *)uri;
    if (base)
        setenv("YTK_GOOGLE_BASE", base, 1);
    else
        unsetenv("YTK_GOOGLE_BASE");
    return yt_token_origin_check(&t, err);
}

static void test_check(void)
{
    TU_EQ_INT(check(NULL, NULL), YTK_OK);
    TU_EQ_INT(check(NULL, "https://oauth2.googleapis.com/token"), YTK_OK);
    TU_EQ_INT(check(NULL, "https://accounts.google.com/o/oauth2/token"),
              YTK_OK);
    TU_EQ_INT(check(NULL, "http://oauth2.googleapis.com/token"), YTK_E_ORIGIN);
    TU_EQ_INT(check(NULL, "https://oauth2.googleapis.com.evil.test/token"),
              YTK_E_ORIGIN);
    TU_EQ_INT(check(NULL, "http://127.0.0.1:8080/token"), YTK_E_ORIGIN);
    TU_EQ_INT(check("http://127.0.0.1:8080", "http://127.0.0.1:8080/token"),
              YTK_OK);
    TU_EQ_INT(check("http://127.0.0.1:8080/", "http://127.0.0.1:8080/token"),
              YTK_OK);
    TU_EQ_INT(check("http://127.0.0.1:8080", "http://127.0.0.1:8081/token"),
              YTK_E_ORIGIN);
    TU_EQ_INT(check("http://127.0.0.1:8080", "http://127.0.0.1:80800/token"),
              YTK_E_ORIGIN);
    TU_EQ_INT(
        check("http://127.0.0.1:8080", "https://oauth2.googleapis.com/token"),
        YTK_E_ORIGIN);
    TU_EQ_INT(check("http://127.0.0.1:8080", NULL), YTK_OK);
    unsetenv("YTK_GOOGLE_BASE");
}

static void test_load_and_refresh(void)
{
    char path[64], err[YTK_ERR_LEN];
    const char *json =
        "{\"token\": \"ya29.SECRETACCESS\", \"refresh_token\": "
        "\"1//SECRETREFRESH\", \"token_uri\": \"http://127.0.0.1:1/token\", "
        "\"client_id\": \"c\", \"client_secret\": \"GOCSPX-SECRET\"}";
    struct yt_token t;
    struct yt_http *h;

    snprintf(path, sizeof path, "/tmp/ytk_test_origin_%d.json", (int)getpid());
    TU_EQ_INT(yt_file_write_private(path, json, strlen(json), err), 0);
    setenv("YTK_GOOGLE_BASE", "http://127.0.0.1:1", 1);
    TU_EQ_INT(yt_token_load(path, &t, err), YTK_OK);
    yt_token_free(&t);
    setenv("YTK_GOOGLE_BASE", "http://127.0.0.1:2", 1);
    err[0] = '\0';
    TU_EQ_INT(yt_token_load(path, &t, err), YTK_E_ORIGIN);
    TU_CHECK(t.token == NULL && t.refresh_token == NULL);
    TU_CHECK(strstr(err, "http://127.0.0.1:1/token") != NULL);
    TU_CHECK(strstr(err, "not sent") != NULL);
    TU_CHECK(strstr(err, "SECRET") == NULL);
    /* refresh refuses before any request (port 2 has no server: a request
     * would fail with a network error instead) */
    memset(&t, 0, sizeof t);
    t.refresh_token = strdup("1//SECRETREFRESH");
    t.client_id = strdup("c");
    t.client_secret = strdup("GOCSPX-SECRET");
    t.token_uri = strdup("http://127.0.0.1:1/token");
    h = yt_http_new();
    TU_CHECK(h != NULL);
    err[0] = '\0';
    TU_EQ_INT(yt_oauth_refresh(h, &t, err), YTK_E_CLIENT);
    TU_CHECK(strstr(err, "not sent") != NULL);
    yt_http_free(h);
    yt_token_free(&t);
    unsetenv("YTK_GOOGLE_BASE");
    unlink(path);
}

int main(void)
{
    TU_RUN(test_check);
    TU_RUN(test_load_and_refresh);
    return tu_report();
}
