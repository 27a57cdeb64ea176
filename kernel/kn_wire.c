/* kn_wire.c -- wire format and headers.  See kn_wire.h. */
#include "kn_wire.h"
#include "kn_priv.h" /* KN_ASSERT */

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "ytk_utf8.h"

int kn_sess_init(struct kn_sess *s, const unsigned char *key, size_t key_len,
                 const char *digest, char err[KN_ERR_LEN])
{
    struct passwd pw, *res = NULL;
    char buf[1024];

    memset(s, 0, sizeof(*s));
    kn_wire_uuid(s->session);
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res &&
        res->pw_name && *res->pw_name && strlen(res->pw_name) < 64)
        strcpy(s->username, res->pw_name);
    else
        strcpy(s->username, "kernel");
    return kn_hmac_init(&s->hmac, key, key_len, digest, err);
}

void kn_sess_free(struct kn_sess *s)
{
    kn_hmac_free(&s->hmac);
}

/* Random bytes for uuid4s, drawn from the kernel's CSPRNG (getrandom) a
 * pool at a time: one system call per KN_UUID_POOL / 16 ids instead of
 * libuuid's several per id (it reseeds random(3) at every call).  One pool
 * per thread, so no lock. */
#define KN_UUID_POOL 512

static int uuid_bytes(unsigned char b[16])
{
    static __thread unsigned char pool[KN_UUID_POOL];
    static __thread size_t left;

    if (left < 16) {
        size_t got = 0;
        while (got < sizeof(pool)) {
            ssize_t n = getrandom(pool + got, sizeof(pool) - got, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return -1;
            got += (size_t)n;
        }
        left = sizeof(pool);
    }
    memcpy(b, pool + sizeof(pool) - left, 16);
    /* used bytes are not kept around */
    memset(pool + sizeof(pool) - left, 0, 16);
    left -= 16;
    return 0;
}

void kn_wire_uuid(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    char *o = out;

    if (uuid_bytes(b) < 0) { /* no getrandom (very old kernel) */
        uuid_t u;
        uuid_generate_random(u);
        uuid_unparse_lower(u, out);
        return;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
}

void kn_wire_date_at(const struct timespec *ts, char out[32])
{
    /* gmtime_r + snprintf once per second per thread; the microseconds
     * by hand (a header is built for every message). */
    static __thread time_t cached_sec = (time_t)-1;
    static __thread char prefix[20]; /* 2024-01-02T03:04:05 */
    long us = ts->tv_nsec / 1000;

    if (us < 0 || us > 999999)
        us = 0;
    if (ts->tv_sec != cached_sec) {
        struct tm tm;
        time_t t = ts->tv_sec;
        char buf[96];

        if (!gmtime_r(&t, &tm))
            memset(&tm, 0, sizeof(tm));
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d",
                 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        snprintf(prefix, sizeof(prefix), "%.19s", buf);
        cached_sec = ts->tv_sec;
    }
    memcpy(out, prefix, 19);
    out[19] = '.';
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + us % 10);
        us /= 10;
    }
    out[26] = 'Z';
    out[27] = '\0';
}

void kn_wire_date(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    kn_wire_date_at(&ts, out);
}

/* n decimal digits at s into *v; returns 0 or -1. */
static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int kn_wire_date_parse(const char *s, long long *us)
{
    int y, mo, d, h, mi, sec, frac = 0, scale = 100000, oh, om;
    struct tm tm;
    long long off = 0;
    time_t t;

    if (!s || digits(s, 4, &y) < 0 || s[4] != '-' ||
        digits(s + 5, 2, &mo) < 0 || s[7] != '-' || digits(s + 8, 2, &d) < 0 ||
        (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) < 0 ||
        s[13] != ':' || digits(s + 14, 2, &mi) < 0 || s[16] != ':' ||
        digits(s + 17, 2, &sec) < 0)
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    s += 19;
    if (*s == '.') {
        if (s[1] < '0' || s[1] > '9')
            return -1;
        for (s++; *s >= '0' && *s <= '9'; s++) {
            frac += (*s - '0') * scale; /* digits past 6 are dropped */
            scale /= 10;
        }
    }
    if (*s == '+' || *s == '-') {
        if (digits(s + 1, 2, &oh) < 0 || s[3] != ':' ||
            digits(s + 4, 2, &om) < 0 || oh > 23 || om > 59 || s[6])
            return -1;
        off = (oh * 3600LL + om * 60) * (*s == '-' ? -1 : 1);
    } else if (!(*s == '\0' || (*s == 'Z' && s[1] == '\0'))) {
        return -1;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    if ((t = timegm(&tm)) == (time_t)-1)
        return -1;
    *us = ((long long)t - off) * 1000000 + frac;
    return 0;
}

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned cp;
    return ytk_utf8_decode(s, n, &cp);
}

int kn_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t k;
        /* JSON is mostly ASCII: skip it eight bytes at a time */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        if (!(k = utf8_seq(p + i, len - i)))
            return 0;
        i += k;
    }
    return 1;
}

char *kn_utf8_fix(const char *s, size_t len, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    char *out = malloc(len * 3 + 1), *o = out;
    size_t i = 0;

    if (!out)
        return NULL;
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k) {
            memcpy(o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

/* ---- parse ---- */

static char *dup_mem(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static cJSON *parse_object(const struct kn_frame *f, const char *what,
                           char err[KN_ERR_LEN])
{
    cJSON *j = cJSON_ParseWithLength(f->data, f->len);
    if (!j || !cJSON_IsObject(j)) {
        snprintf(err, KN_ERR_LEN, "malformed %s frame (not a JSON object)",
                 what);
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

int kn_wire_parse(const struct kn_frame *frames, size_t n,
                  const struct kn_hmac *h, struct kn_msg *m,
                  char err[KN_ERR_LEN])
{
    size_t d = 0;
    const cJSON *t, *id;
    struct kn_frame hdr;

    memset(m, 0, sizeof(*m));
    while (d < n && !(frames[d].len == sizeof(KN_DELIM) - 1 &&
                      memcmp(frames[d].data, KN_DELIM, frames[d].len) == 0))
        d++;
    if (d == n) {
        snprintf(err, KN_ERR_LEN, "no <IDS|MSG> delimiter");
        goto fail;
    }
    if (d > KN_MAX_IDENTS) {
        snprintf(err, KN_ERR_LEN, "too many identity frames (%zu)", d);
        goto fail;
    }
    if (n - d < 6) {
        snprintf(err, KN_ERR_LEN,
                 "expected signature and 4 JSON frames, "
                 "got %zu frames after the delimiter",
                 n - d - 1);
        goto fail;
    }
    /* Verify before parsing anything. */
    if (kn_hmac_verify(h, &frames[d + 2], 4, frames[d + 1].data,
                       frames[d + 1].len) < 0) {
        snprintf(err, KN_ERR_LEN, "bad signature");
        goto fail;
    }
    for (size_t i = 0; i < d; i++) {
        void *c = malloc(frames[i].len ? frames[i].len : 1);
        if (!c) {
            snprintf(err, KN_ERR_LEN, "out of memory");
            goto fail;
        }
        if (frames[i].len)
            memcpy(c, frames[i].data, frames[i].len);
        m->idents[i].data = c;
        m->idents[i].len = frames[i].len;
        m->nidents = i + 1;
    }
    /* The header is echoed byte for byte as every reply's parent_header:
     * make it valid UTF-8 first (invalid bytes -> U+FFFD), and parse that. */
    if (kn_utf8_valid(frames[d + 2].data, frames[d + 2].len)) {
        m->hdr_raw = dup_mem(frames[d + 2].data, frames[d + 2].len);
        m->hdr_len = frames[d + 2].len;
    } else {
        m->hdr_raw =
            kn_utf8_fix(frames[d + 2].data, frames[d + 2].len, &m->hdr_len);
    }
    if (!m->hdr_raw) {
        snprintf(err, KN_ERR_LEN, "out of memory");
        goto fail;
    }
    hdr.data = m->hdr_raw;
    hdr.len = m->hdr_len;
    if (!(m->header = parse_object(&hdr, "header", err)) ||
        !(m->parent = parse_object(&frames[d + 3], "parent_header", err)) ||
        !(m->metadata = parse_object(&frames[d + 4], "metadata", err)) ||
        !(m->content = parse_object(&frames[d + 5], "content", err)))
        goto fail;
    t = cJSON_GetObjectItemCaseSensitive(m->header, "msg_type");
    if (!cJSON_IsString(t) || !t->valuestring || !*t->valuestring) {
        snprintf(err, KN_ERR_LEN, "header has no msg_type");
        goto fail;
    }
    m->msg_type = t->valuestring;
    id = cJSON_GetObjectItemCaseSensitive(m->header, "msg_id");
    m->msg_id = cJSON_IsString(id) && id->valuestring ? id->valuestring : "";
    m->nbuffers = n - d - 6;
    /* what kn_wire.h promises of a parsed message */
    KN_ASSERT(m->nidents <= KN_MAX_IDENTS && m->msg_type && *m->msg_type &&
              m->hdr_raw[m->hdr_len] == '\0' &&
              kn_utf8_valid(m->hdr_raw, m->hdr_len));
    return 0;
fail:
    kn_msg_free(m);
    return -1;
}

void kn_msg_free(struct kn_msg *m)
{
    for (size_t i = 0; i < m->nidents; i++)
        free((void *)m->idents[i].data);
    free(m->hdr_raw);
    cJSON_Delete(m->header);
    cJSON_Delete(m->parent);
    cJSON_Delete(m->metadata);
    cJSON_Delete(m->content);
    memset(m, 0, sizeof(*m));
}

/* ---- build ---- */

/* Serialize j (owned, deleted) into a valid UTF-8 string. */
static char *print_json(cJSON *j, size_t *len)
{
    char *s = cJSON_PrintUnformatted(j), *fixed;
    cJSON_Delete(j);
    if (!s)
        return NULL;
    *len = strlen(s);
    if (kn_utf8_valid(s, *len))
        return s;
    fixed = kn_utf8_fix(s, *len, len);
    cJSON_free(s);
    return fixed;
}

/* Append s as a JSON string (quotes, \" \\ and control characters escaped;
 * other bytes as they are: the header is checked for UTF-8 afterwards). */
static char *json_str(char *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    *o++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    return o;
}

static char *put(char *o, const char *lit)
{
    size_t n = strlen(lit);
    memcpy(o, lit, n);
    return o + n;
}

/* The header frame, written directly (the same bytes cJSON would print:
 * {"msg_id":…,"session":…,"username":…,"date":…,"msg_type":…,"version":…}).
 * Returns a malloc'd valid UTF-8 string, or NULL when out of memory. */
static char *header_json(const struct kn_sess *s, const char *id,
                         const char *date, const char *msg_type, size_t *len)
{
    size_t cap =
        128 + 6 * (strlen(id) + strlen(s->session) + strlen(s->username) +
                   strlen(date) + strlen(msg_type));
    char *buf = malloc(cap), *o = buf, *fixed;

    if (!buf)
        return NULL;
    o = put(o, "{\"msg_id\":");
    o = json_str(o, id);
    o = put(o, ",\"session\":");
    o = json_str(o, s->session);
    o = put(o, ",\"username\":");
    o = json_str(o, s->username);
    o = put(o, ",\"date\":");
    o = json_str(o, date);
    o = put(o, ",\"msg_type\":");
    o = json_str(o, msg_type);
    o = put(o, ",\"version\":\"" KN_PROTOCOL_VERSION "\"}");
    *o = '\0';
    *len = (size_t)(o - buf);
    KN_ASSERT(*len < cap);
    if (kn_utf8_valid(buf, *len))
        return buf;
    fixed = kn_utf8_fix(buf, *len, len);
    free(buf);
    return fixed;
}

/* kn_wire_build and kn_wire_build_text: content_text (when not NULL) is
 * the content frame as it is, else content is printed. */
static int build(const struct kn_sess *s, const char *msg_type,
                 const char *parent, size_t parent_len, cJSON *metadata,
                 cJSON *content, const char *content_text, struct kn_out *o,
                 char err[KN_ERR_LEN])
{
    char id[37], date[32];
    struct kn_frame parts[4];
    int sl;

    memset(o, 0, sizeof(*o));
    kn_wire_uuid(id);
    memcpy(o->msg_id, id, sizeof(id));
    kn_wire_date(date);
    o->frame[0] = header_json(s, id, date, msg_type, &o->len[0]);
    if (parent && parent_len) {
        o->frame[1] = dup_mem(parent, parent_len);
        o->len[1] = parent_len;
    } else {
        o->frame[1] = dup_mem("{}", 2);
        o->len[1] = 2;
    }
    if (metadata) {
        o->frame[2] = print_json(metadata, &o->len[2]);
    } else {
        o->frame[2] = dup_mem("{}", 2);
        o->len[2] = 2;
    }
    metadata = NULL;
    if (content_text) {
        o->len[3] = strlen(content_text);
        o->frame[3] = dup_mem(content_text, o->len[3]);
    } else if (content) {
        o->frame[3] = print_json(content, &o->len[3]);
    } else {
        o->frame[3] = dup_mem("{}", 2);
        o->len[3] = 2;
    }
    content = NULL;
    for (int i = 0; i < 4; i++) {
        if (!o->frame[i])
            goto oom;
        parts[i].data = o->frame[i];
        parts[i].len = o->len[i];
    }
    sl = kn_hmac_sign(&s->hmac, parts, 4, o->sig);
    if (sl < 0) {
        snprintf(err, KN_ERR_LEN, "signing a %s message failed", msg_type);
        kn_out_free(o);
        return -1;
    }
    o->siglen = (size_t)sl;
    /* outgoing frames are valid UTF-8 (a parent header was made so when it
     * was parsed) */
    KN_ASSERT(o->siglen < KN_SIG_MAX && kn_utf8_valid(o->frame[0], o->len[0]) &&
              kn_utf8_valid(o->frame[1], o->len[1]) &&
              kn_utf8_valid(o->frame[2], o->len[2]) &&
              kn_utf8_valid(o->frame[3], o->len[3]));
    return 0;
oom:
    cJSON_Delete(metadata);
    cJSON_Delete(content);
    kn_out_free(o);
    snprintf(err, KN_ERR_LEN, "out of memory building a %s message", msg_type);
    return -1;
}

int kn_wire_build(const struct kn_sess *s, const char *msg_type,
                  const char *parent, size_t parent_len, cJSON *metadata,
                  cJSON *content, struct kn_out *o, char err[KN_ERR_LEN])
{
    return build(s, msg_type, parent, parent_len, metadata, content, NULL, o,
                 err);
}

int kn_wire_build_text(const struct kn_sess *s, const char *msg_type,
                       const char *parent, size_t parent_len,
                       const char *content, struct kn_out *o,
                       char err[KN_ERR_LEN])
{
    KN_ASSERT(content && kn_utf8_valid(content, strlen(content)));
    return build(s, msg_type, parent, parent_len, NULL, NULL, content, o, err);
}

void kn_out_free(struct kn_out *o)
{
    for (int i = 0; i < 4; i++)
        free(o->frame[i]);
    memset(o, 0, sizeof(*o));
}
