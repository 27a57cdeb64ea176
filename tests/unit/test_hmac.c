/* test_hmac.c -- message signatures (kernel/kn_hmac): RFC 4231 vector,
 * wrong key, wrong length, empty key = unsigned. */
#include <string.h>

#include "kn_hmac.h"
#include "tu.h"

static void parts4(struct kn_frame p[4], const char *a, const char *b,
                   const char *c, const char *d)
{
    p[0].data = a, p[0].len = strlen(a);
    p[1].data = b, p[1].len = strlen(b);
    p[2].data = c, p[2].len = strlen(c);
    p[3].data = d, p[3].len = strlen(d);
}

static void test_rfc4231_case2(void)
{
    /* RFC 4231 test case 2: key "Jefe", data "what do ya want for
     * nothing?", split over the four parts. */
    struct kn_hmac h;
    struct kn_frame p[4];
    char err[KN_ERR_LEN], hex[KN_SIG_MAX];
    TU_EQ_INT(kn_hmac_init(&h, (const unsigned char *)"Jefe", 4, "sha256", err),
              0);
    parts4(p, "what do ya", " want ", "for noth", "ing?");
    TU_EQ_INT(kn_hmac_sign(&h, p, 4, hex), 64);
    TU_EQ_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9"
                   "64ec3843");
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, hex, 64), 0);
    kn_hmac_free(&h);
}

static void test_reject(void)
{
    struct kn_hmac h, other;
    struct kn_frame p[4];
    char err[KN_ERR_LEN], hex[KN_SIG_MAX], bad[KN_SIG_MAX];
    TU_EQ_INT(
        kn_hmac_init(&h, (const unsigned char *)"key-1", 5, "sha256", err), 0);
    TU_EQ_INT(
        kn_hmac_init(&other, (const unsigned char *)"key-2", 5, "sha256", err),
        0);
    parts4(p, "{\"msg_type\":\"x\"}", "{}", "{}", "{}");
    TU_EQ_INT(kn_hmac_sign(&h, p, 4, hex), 64);
    /* wrong key */
    TU_EQ_INT(kn_hmac_sign(&other, p, 4, bad), 64);
    TU_CHECK(strcmp(hex, bad) != 0);
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, bad, 64), -1);
    /* wrong length: truncated, extended, empty */
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, hex, 63), -1);
    memcpy(bad, hex, 64);
    bad[64] = '0';
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, bad, 65), -1);
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, "", 0), -1);
    /* one flipped hex digit; upper case is not the same signature */
    memcpy(bad, hex, 65);
    bad[10] = bad[10] == 'a' ? 'b' : 'a';
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, bad, 64), -1);
    /* tampered content */
    parts4(p, "{\"msg_type\":\"x\"}", "{}", "{}", "{\"code\":1}");
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, hex, 64), -1);
    kn_hmac_free(&h);
    kn_hmac_free(&other);
}

static void test_empty_key_unsigned(void)
{
    struct kn_hmac h;
    struct kn_frame p[4];
    char err[KN_ERR_LEN], hex[KN_SIG_MAX];
    TU_EQ_INT(kn_hmac_init(&h, (const unsigned char *)"", 0, "sha256", err), 0);
    TU_EQ_INT(kn_hmac_enabled(&h), 0);
    parts4(p, "{}", "{}", "{}", "{}");
    TU_EQ_INT(kn_hmac_sign(&h, p, 4, hex), 0);
    TU_EQ_STR(hex, "");
    TU_EQ_INT(kn_hmac_verify(&h, p, 4, "anything", 8), 0);
    kn_hmac_free(&h);
}

static void test_other_digest(void)
{
    struct kn_hmac h;
    struct kn_frame p[4];
    char err[KN_ERR_LEN], hex[KN_SIG_MAX];
    TU_EQ_INT(kn_hmac_init(&h, (const unsigned char *)"k", 1, "sha512", err),
              0);
    parts4(p, "a", "b", "c", "d");
    TU_EQ_INT(kn_hmac_sign(&h, p, 4, hex), 128);
    kn_hmac_free(&h);
    TU_EQ_INT(kn_hmac_init(&h, (const unsigned char *)"k", 1, "nodigest", err),
              -1);
    TU_CHECK(strstr(err, "hmac-nodigest") != NULL);
}

int main(void)
{
    TU_RUN(test_rfc4231_case2);
    TU_RUN(test_reject);
    TU_RUN(test_empty_key_unsigned);
    TU_RUN(test_other_digest);
    return tu_report();
}
