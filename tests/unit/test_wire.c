/* test_wire.c -- wire framing (kernel/kn_wire): identities, delimiter,
 * verify-before-parse, malformed frames, build/parse round trip with the
 * parent header echoed byte for byte, header fields and date format. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "kn_wire.h"
#include "tu.h"
#include "ytk_utf8.h"

static struct kn_sess sess;

static void fr(struct kn_frame *f, const char *s)
{
    f->data = s;
    f->len = strlen(s);
}

/* ids..., delim, sig, 4 JSON frames signed with sess's key. */
static size_t make_msg(struct kn_frame *f, char *sig, const char *hdr,
                       const char *content)
{
    size_t n = 0;
    fr(&f[n++], "client-id-1");
    fr(&f[n++], "client-id-2");
    fr(&f[n++], KN_DELIM);
    n++; /* signature below */
    fr(&f[n++], hdr);
    fr(&f[n++], "{}");
    fr(&f[n++], "{}");
    fr(&f[n++], content);
    TU_EQ_INT(kn_hmac_sign(&sess.hmac, &f[4], 4, sig), 64);
    fr(&f[3], sig);
    return n;
}

static const char *HDR = "{\"msg_id\": \"abc\", \"msg_type\": "
                         "\"execute_request\", \"session\": \"s\", "
                         "\"username\": \"u\", \"version\": \"5.3\"}";

static void test_parse_ok(void)
{
    struct kn_frame f[12];
    struct kn_msg m;
    char sig[KN_SIG_MAX], err[KN_ERR_LEN];
    size_t n = make_msg(f, sig, HDR, "{\"code\": \"SELECT 1\"}");
    fr(&f[n++], "raw buffer \x01\x02"); /* buffers are allowed, unsigned */
    TU_EQ_INT(kn_wire_parse(f, n, &sess.hmac, &m, err), 0);
    TU_EQ_INT(m.nidents, 2);
    TU_CHECK(m.idents[1].len == 11 &&
             memcmp(m.idents[1].data, "client-id-2", 11) == 0);
    TU_EQ_STR(m.msg_type, "execute_request");
    TU_EQ_STR(m.msg_id, "abc");
    TU_EQ_STR(m.hdr_raw, HDR); /* exact bytes kept for the parent echo */
    TU_EQ_STR(cJSON_GetObjectItem(m.content, "code")->valuestring, "SELECT 1");
    TU_EQ_INT(m.nbuffers, 1);
    kn_msg_free(&m);
}

static void test_parse_rejects(void)
{
    struct kn_frame f[12];
    struct kn_msg m;
    char sig[KN_SIG_MAX], err[KN_ERR_LEN];
    size_t n;

    /* bad signature: one byte of content changed after signing */
    n = make_msg(f, sig, HDR, "{\"code\": \"SELECT 1\"}");
    fr(&f[7], "{\"code\": \"SELECT 2\"}");
    TU_EQ_INT(kn_wire_parse(f, n, &sess.hmac, &m, err), -1);
    TU_EQ_STR(err, "bad signature");

    /* wrong-length signature */
    n = make_msg(f, sig, HDR, "{}");
    f[3].len = 32;
    TU_EQ_INT(kn_wire_parse(f, n, &sess.hmac, &m, err), -1);
    TU_EQ_STR(err, "bad signature");

    /* malformed JSON, but correctly signed: rejected after verifying */
    n = make_msg(f, sig, HDR, "{\"code\": ");
    TU_EQ_INT(kn_wire_parse(f, n, &sess.hmac, &m, err), -1);
    TU_CHECK(strstr(err, "content") != NULL);

    /* a frame that is JSON but not an object */
    n = make_msg(f, sig, HDR, "[1]");
    TU_EQ_INT(kn_wire_parse(f, n, &sess.hmac, &m, err), -1);

    /* no msg_type */
    n = make_msg(f, sig, "{\"msg_id\": \"x\"}", "{}");
    TU_EQ_INT(kn_wire_parse(f, n, &sess.hmac, &m, err), -1);
    TU_CHECK(strstr(err, "msg_type") != NULL);

    /* no delimiter */
    n = make_msg(f, sig, HDR, "{}");
    fr(&f[2], "<IDS|MSH>");
    TU_EQ_INT(kn_wire_parse(f, n, &sess.hmac, &m, err), -1);
    TU_CHECK(strstr(err, "delimiter") != NULL);

    /* too few frames after the delimiter */
    n = make_msg(f, sig, HDR, "{}");
    TU_EQ_INT(kn_wire_parse(f, n - 1, &sess.hmac, &m, err), -1);
    TU_EQ_INT(kn_wire_parse(f, 0, &sess.hmac, &m, err), -1);
}

static void test_unsigned_session(void)
{
    struct kn_sess open;
    struct kn_frame f[8];
    struct kn_msg m;
    char err[KN_ERR_LEN];
    TU_EQ_INT(kn_sess_init(&open, (const unsigned char *)"", 0, "sha256", err),
              0);
    fr(&f[0], KN_DELIM);
    fr(&f[1], "");
    fr(&f[2], HDR);
    fr(&f[3], "{}");
    fr(&f[4], "{}");
    fr(&f[5], "{}");
    TU_EQ_INT(kn_wire_parse(f, 6, &open.hmac, &m, err), 0);
    TU_EQ_INT(m.nidents, 0);
    kn_msg_free(&m);
    kn_sess_free(&open);
}

static int matches(const char *re, const char *s)
{
    regex_t r;
    int ok;
    if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

static void test_build_round_trip(void)
{
    /* parent header with odd spacing and key order must come back
     * byte for byte */
    const char *parent =
        "{ \"msg_id\":\"p1\" ,\"msg_type\": \"execute_request\","
        "\"date\":\"2024-01-01T00:00:00Z\"}";
    struct kn_out o;
    struct kn_frame f[8];
    struct kn_msg m;
    char err[KN_ERR_LEN];
    cJSON *c = cJSON_CreateObject();
    const cJSON *h;

    cJSON_AddStringToObject(c, "text", "caf\xc3\xa9 \xff bad byte");
    TU_EQ_INT(kn_wire_build(&sess, "stream", parent, strlen(parent), NULL, c,
                            &o, err),
              0);
    TU_EQ_STR(o.frame[1], parent);
    TU_EQ_STR(o.frame[2], "{}");
    TU_EQ_INT(o.siglen, 64);
    fr(&f[0], KN_DELIM);
    f[1].data = o.sig, f[1].len = o.siglen;
    for (int i = 0; i < 4; i++)
        f[2 + i].data = o.frame[i], f[2 + i].len = o.len[i];
    TU_EQ_INT(kn_wire_parse(f, 6, &sess.hmac, &m, err), 0);
    h = m.header;
    TU_EQ_STR(m.msg_type, "stream");
    TU_EQ_STR(cJSON_GetObjectItem(h, "version")->valuestring, "5.5");
    TU_EQ_STR(cJSON_GetObjectItem(h, "session")->valuestring, sess.session);
    TU_CHECK(strlen(cJSON_GetObjectItem(h, "username")->valuestring) > 0);
    TU_CHECK(matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                     "-[0-9a-f]{12}$",
                     m.msg_id));
    TU_CHECK(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                     "\\.[0-9]{6}Z$",
                     cJSON_GetObjectItem(h, "date")->valuestring));
    TU_EQ_STR(cJSON_GetObjectItem(m.parent, "msg_id")->valuestring, "p1");
    /* invalid UTF-8 became U+FFFD so the client can decode it */
    TU_EQ_STR(cJSON_GetObjectItem(m.content, "text")->valuestring,
              "caf\xc3\xa9 \xef\xbf\xbd bad byte");
    kn_msg_free(&m);
    kn_out_free(&o);

    /* no parent: {} */
    TU_EQ_INT(kn_wire_build(&sess, "status", NULL, 0, NULL, NULL, &o, err), 0);
    TU_EQ_STR(o.frame[1], "{}");
    kn_out_free(&o);
}

/* The header is written by hand: characters JSON must escape in the user
 * name (quote, backslash, control) and invalid UTF-8 come out as a header
 * that parses back to the same name (invalid bytes as U+FFFD). */
static void test_header_escaping(void)
{
    struct kn_sess odd = sess;
    struct kn_out o;
    struct kn_frame f[6];
    struct kn_msg m;
    char err[KN_ERR_LEN];
    const cJSON *u, *d;

    snprintf(odd.username, sizeof(odd.username), "a\"b\\c\n\x01\xff");
    TU_EQ_INT(kn_wire_build(&odd, "status", NULL, 0, NULL, NULL, &o, err), 0);
    fr(&f[0], KN_DELIM);
    f[1].data = o.sig, f[1].len = o.siglen;
    for (int i = 0; i < 4; i++)
        f[2 + i].data = o.frame[i], f[2 + i].len = o.len[i];
    TU_EQ_INT(kn_wire_parse(f, 6, &odd.hmac, &m, err), 0);
    u = cJSON_GetObjectItemCaseSensitive(m.header, "username");
    TU_CHECK(cJSON_IsString(u));
    TU_EQ_STR(u->valuestring, "a\"b\\c\n\x01\xef\xbf\xbd");
    d = cJSON_GetObjectItemCaseSensitive(m.header, "date");
    TU_CHECK(cJSON_IsString(d) && strlen(d->valuestring) == 27);
    TU_EQ_STR(o.frame[3], "{}");
    kn_msg_free(&m);
    kn_out_free(&o);
}

/* Content given as JSON text is sent as it is, signed like any other. */
static void test_build_text(void)
{
    struct kn_out o;
    struct kn_frame f[6];
    struct kn_msg m;
    char err[KN_ERR_LEN];
    const char *parent = "{\"msg_id\":\"p9\"}";
    const cJSON *st;

    TU_EQ_INT(kn_wire_build_text(&sess, "status", parent, strlen(parent),
                                 "{\"execution_state\":\"idle\"}", &o, err),
              0);
    TU_EQ_STR(o.frame[3], "{\"execution_state\":\"idle\"}");
    TU_EQ_STR(o.frame[1], parent);
    TU_EQ_STR(o.frame[2], "{}");
    fr(&f[0], KN_DELIM);
    f[1].data = o.sig, f[1].len = o.siglen;
    for (int i = 0; i < 4; i++)
        f[2 + i].data = o.frame[i], f[2 + i].len = o.len[i];
    TU_EQ_INT(kn_wire_parse(f, 6, &sess.hmac, &m, err), 0);
    TU_EQ_STR(m.msg_type, "status");
    st = cJSON_GetObjectItemCaseSensitive(m.content, "execution_state");
    TU_CHECK(cJSON_IsString(st) && strcmp(st->valuestring, "idle") == 0);
    kn_msg_free(&m);
    kn_out_free(&o);
}

static void test_dates(void)
{
    char d[32];
    struct timespec ts = {0, 5000}; /* 5 microseconds: zero padded */
    kn_wire_date_at(&ts, d);
    TU_EQ_STR(d, "1970-01-01T00:00:00.000005Z");
    ts.tv_sec = 1700000000;
    ts.tv_nsec = 999999999;
    kn_wire_date_at(&ts, d);
    TU_EQ_STR(d, "2023-11-14T22:13:20.999999Z");
    ts.tv_nsec = 5000; /* same second (the cached part), new microseconds */
    kn_wire_date_at(&ts, d);
    TU_EQ_STR(d, "2023-11-14T22:13:20.000005Z");
    ts.tv_sec = 0; /* back to an earlier second */
    kn_wire_date_at(&ts, d);
    TU_EQ_STR(d, "1970-01-01T00:00:00.000005Z");
    kn_wire_date(d);
    TU_EQ_INT(strlen(d), 27);
}

static void test_date_parse(void)
{
    long long us;
    char d[32];
    struct timespec ts;

    TU_EQ_INT(kn_wire_date_parse("2023-11-14T22:13:20.999999Z", &us), 0);
    TU_CHECK(us == 1700000000LL * 1000000 + 999999);
    /* JupyterLab (milliseconds, Z), jupyter_client (+00:00), no zone. */
    TU_EQ_INT(kn_wire_date_parse("2023-11-14T22:13:20.5Z", &us), 0);
    TU_CHECK(us == 1700000000LL * 1000000 + 500000);
    TU_EQ_INT(kn_wire_date_parse("2023-11-15T00:13:20.000001+02:00", &us), 0);
    TU_CHECK(us == 1700000000LL * 1000000 + 1);
    TU_EQ_INT(kn_wire_date_parse("2023-11-14T22:13:20", &us), 0);
    TU_CHECK(us == 1700000000LL * 1000000);
    TU_EQ_INT(kn_wire_date_parse("2023-11-14 22:13:20.1234567Z", &us), 0);
    TU_CHECK(us == 1700000000LL * 1000000 + 123456);
    /* Round trip with our own format. */
    kn_wire_date(d);
    TU_EQ_INT(kn_wire_date_parse(d, &us), 0);
    ts.tv_sec = (time_t)(us / 1000000);
    ts.tv_nsec = (long)(us % 1000000) * 1000;
    {
        char again[32];
        kn_wire_date_at(&ts, again);
        TU_EQ_STR(again, d);
    }
    TU_CHECK(kn_wire_date_parse(NULL, &us) < 0);
    TU_CHECK(kn_wire_date_parse("", &us) < 0);
    TU_CHECK(kn_wire_date_parse("2023-11-14", &us) < 0);
    TU_CHECK(kn_wire_date_parse("2023-13-14T22:13:20Z", &us) < 0);
    TU_CHECK(kn_wire_date_parse("2023-11-14T22:13:20.Z", &us) < 0);
    TU_CHECK(kn_wire_date_parse("2023-11-14T22:13:20Zjunk", &us) < 0);
    TU_CHECK(kn_wire_date_parse("2023-11-14T22:13:20+0200", &us) < 0);
}

static void test_header_made_valid_utf8(void)
{
    const char *h = "{\"msg_type\":\"kernel_info_request\",\"msg_id\":\"i\","
                    "\"username\":\"a\xff\xc0\xaf"
                    "b\"}";
    struct kn_frame f[6] = {{"<IDS|MSG>", 9}, {"", 0},   {h, strlen(h)},
                            {"{}", 2},        {"{}", 2}, {"{}", 2}};
    struct kn_hmac open;
    struct kn_msg m;
    char err[KN_ERR_LEN];
    const cJSON *u;

    TU_EQ_INT(kn_hmac_init(&open, (const unsigned char *)"", 0, "sha256", err),
              0);
    TU_EQ_INT(kn_wire_parse(f, 6, &open, &m, err), 0);
    TU_CHECK(kn_utf8_valid(m.hdr_raw, m.hdr_len));
    TU_CHECK(strstr(m.hdr_raw, "\"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                               "b\"") != NULL);
    u = cJSON_GetObjectItemCaseSensitive(m.header, "username");
    TU_CHECK(cJSON_IsString(u) &&
             kn_utf8_valid(u->valuestring, strlen(u->valuestring)));
    kn_msg_free(&m);
    kn_hmac_free(&open);
}

static void test_uuid_unique(void)
{
    char a[37], b[37];
    kn_wire_uuid(a);
    kn_wire_uuid(b);
    TU_EQ_INT(strlen(a), 36);
    TU_CHECK(strcmp(a, b) != 0);
}

/* uuid4 layout (RFC 4122: version 4, variant 10xx, lowercase hex) and no
 * repeats over several refills of the random pool. */
static void test_uuid_format(void)
{
    enum { N = 200 };
    static char ids[N][37];

    for (int i = 0; i < N; i++) {
        char *u = ids[i];
        kn_wire_uuid(u);
        TU_EQ_INT(strlen(u), 36);
        for (int j = 0; j < 36; j++) {
            if (j == 8 || j == 13 || j == 18 || j == 23)
                TU_CHECK(u[j] == '-');
            else
                TU_CHECK(strchr("0123456789abcdef", u[j]) != NULL);
        }
        TU_CHECK(u[14] == '4');
        TU_CHECK(strchr("89ab", u[19]) != NULL);
        for (int j = 0; j < i; j++)
            TU_CHECK(strcmp(ids[j], u) != 0);
    }
}

static void test_utf8(void)
{
    size_t n;
    char *s;
    TU_CHECK(kn_utf8_valid("plain", 5));
    TU_CHECK(kn_utf8_valid("\xe2\x82\xac", 3));
    TU_CHECK(!kn_utf8_valid("\xe2\x82", 2));     /* truncated */
    TU_CHECK(!kn_utf8_valid("\xc0\xaf", 2));     /* overlong */
    TU_CHECK(!kn_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    s = kn_utf8_fix("a\xe2\x82", 3, &n);
    TU_EQ_STR(s, "a\xef\xbf\xbd\xef\xbf\xbd");
    TU_EQ_INT(n, 7);
    free(s);
}

/* The ASCII fast path (eight bytes at a time) agrees with decoding byte by
 * byte (ytk_utf8_decode, the project's rule) wherever a non-ASCII byte or
 * sequence sits: inside a block, at its edges, in the tail. */
static int valid_slow(const unsigned char *p, size_t len)
{
    size_t i = 0;
    unsigned cp;
    while (i < len) {
        size_t k = ytk_utf8_decode(p + i, len - i, &cp);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

static void test_utf8_fast_path(void)
{
    static const char *const ins[] = {
        "\xff",         "\xc3\xa9",         "\xe2\x82",
        "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
        "\x80"};
    char buf[64];

    for (size_t k = 0; k < sizeof(ins) / sizeof(ins[0]); k++)
        for (size_t len = 0; len <= 40; len++)
            for (size_t at = 0; at <= len; at++) {
                size_t il = strlen(ins[k]), n;
                memset(buf, 'a', sizeof(buf));
                memcpy(buf + at, ins[k], il);
                n = len + il;
                TU_EQ_INT(kn_utf8_valid(buf, n),
                          valid_slow((const unsigned char *)buf, n));
            }
}

int main(void)
{
    char err[KN_ERR_LEN];
    if (kn_sess_init(&sess, (const unsigned char *)"test-key", 8, "sha256",
                     err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    TU_RUN(test_parse_ok);
    TU_RUN(test_parse_rejects);
    TU_RUN(test_unsigned_session);
    TU_RUN(test_build_round_trip);
    TU_RUN(test_dates);
    TU_RUN(test_date_parse);
    TU_RUN(test_header_made_valid_utf8);
    TU_RUN(test_header_escaping);
    TU_RUN(test_build_text);
    TU_RUN(test_uuid_unique);
    TU_RUN(test_uuid_format);
    TU_RUN(test_utf8);
    TU_RUN(test_utf8_fast_path);
    kn_sess_free(&sess);
    return tu_report();
}
