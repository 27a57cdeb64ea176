/* test_redact.c -- mg_redact_history: secrets never reach history.sqlite
 * (issue 15, item 3). */
#include <stdlib.h>
#include <string.h>

#include "tu.h"
#include "mg_redact.h"

static void same(const char *in, const char *want)
{
    char *got = mg_redact_history(in);

    TU_EQ_STR(got, want);
    free(got);
}

static void test_key_argument(void)
{
    same("%yt_auth key AIzaSyA1234567890abcdefghijklmnopqrstu",
         "%yt_auth key [REDACTED]");
    /* short or odd keys are caught by position, not by shape */
    same("%yt_auth key k3y-0f-mine", "%yt_auth key [REDACTED]");
    same("  %yt_auth   key \"my secret key\"  # x",
         "  %yt_auth   key [REDACTED]  # x");
    same("%yt_auth key 'a b'\nSELECT 1", "%yt_auth key [REDACTED]\nSELECT 1");
    same("%yt_auth key 'x y'tail next", "%yt_auth key [REDACTED] next");
    same("%yt_auth code \"http://127.0.0.1:8765/?state=s&code=4/0Ab\"",
         "%yt_auth code [REDACTED]");
    same("%yt_auth key", "%yt_auth key");
    same("%yt_auth key --help", "%yt_auth key --help");
    same("SELECT key FROM t", "SELECT key FROM t");
    same("SELECT 1;\n%yt_auth key abc\n%yt_auth status",
         "SELECT 1;\n%yt_auth key [REDACTED]\n%yt_auth status");
}

static void test_client_secret(void)
{
    same("%yt_auth login --client-id 123.apps --client-secret s3cr3t",
         "%yt_auth login --client-id 123.apps --client-secret [REDACTED]");
    same("%yt_auth login --client-secret=s3cr3t --no-browser",
         "%yt_auth login --client-secret=[REDACTED] --no-browser");
    same("%yt_auth login --client-secrets /home/me/cs.json",
         "%yt_auth login --client-secrets /home/me/cs.json");
    same("%yt_auth login --client-secret", "%yt_auth login --client-secret");
}

static void test_shapes(void)
{
    same("-- ya29.a0AfH6SMBx_abc-def.ghi\nSELECT 'ya29.' AS p",
         "-- [REDACTED]\nSELECT 'ya29.' AS p");
    same("SELECT '1//0gAbCdEfGhIjK' x", "SELECT '[REDACTED]' x");
    same("x=GOCSPX-abcdefgh12345678", "x=[REDACTED]");
    same("AIzaSyA1234567890abcdefghijklmnopqrstu", "[REDACTED]");
    /* inside a word, too short: kept */
    same("xAIzaSyA1234567890abcdef", "xAIzaSyA1234567890abcdef");
    same("ya29.short", "ya29.short");
    same("1//2", "1//2");
    same("", "");
    same("no secrets here\n", "no secrets here\n");
}

int main(void)
{
    TU_RUN(test_key_argument);
    TU_RUN(test_client_secret);
    TU_RUN(test_shapes);
    return tu_report();
}
