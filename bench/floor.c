/* floor.c -- the transport floor for the protocol benchmarks: the least a
 * Jupyter kernel must do, written as directly as possible.
 *
 * It reads a connection file, binds the five sockets (shell, control, stdin
 * ROUTER; iopub PUB; heartbeat REP, served in the same poll loop), verifies
 * the HMAC-SHA256 signature of every request before looking at it, and
 * answers:
 *   kernel_info_request -> busy, kernel_info_reply, idle
 *   execute_request     -> busy, execute_input, execute_result, execute_reply,
 *                          idle (one reply and four published messages)
 *   shutdown_request    -> shutdown_reply, then exits
 *   anything else       -> busy, idle (no reply), as kernels do
 * Every message is signed, has a fresh uuid4 msg_id and an ISO 8601 date.
 * JSON is written by hand (no JSON library); requests are only scanned for
 * the top-level keys needed (msg_type, code).
 *
 * A cell whose code starts with "stream N" publishes N stream messages of one
 * line each before its result: the floor of stream throughput (no batching).
 *
 * It is not a kernel for people: no history, no stdin, no interrupts.  It
 * exists so the same harness (bench/proto_bench.py) can measure how close
 * ytkernel comes to the cost of the transport itself.
 *
 * Build: cc -O2 -o floor bench/floor.c -lzmq -lcrypto -luuid
 * Run:   floor -f CONNECTION_FILE
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <uuid/uuid.h>
#include <zmq.h>

#define MAX_FRAMES 64

struct frame {
    char *data;
    size_t len;
};

struct floor_state {
    void *ctx;
    void *shell, *control, *stdin_s, *iopub, *hb;
    EVP_MAC_CTX *mac; /* initialised with the key; duplicated per message */
    int signing;      /* 0 when key == "" */
    char session[37];
    int count;        /* execution_count */
};

/* ---- tiny JSON scanning (enough for connection files and headers) ---- */

/* Skip one JSON string starting at *p == '"'; returns pointer after it. */
static const char *skip_string(const char *p, const char *end)
{
    p++;
    while (p < end && *p != '"') {
        if (*p == '\\' && p + 1 < end)
            p++;
        p++;
    }
    return p < end ? p + 1 : end;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Skip one JSON value; returns pointer after it. */
static const char *skip_value(const char *p, const char *end)
{
    p = skip_ws(p, end);
    if (p >= end)
        return end;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skip_string(p, end);
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']') {
                depth--;
                if (depth == 0)
                    return p + 1;
            }
            p++;
        }
        return end;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' &&
           !isspace((unsigned char)*p))
        p++;
    return p;
}

/* Find the value of top-level `key` in the JSON object [s, s+len).  Sets
 * *vlen and returns a pointer to the raw value text, or NULL. */
static const char *json_find(const char *s, size_t len, const char *key,
                             size_t *vlen)
{
    const char *p = s, *end = s + len;
    size_t klen = strlen(key);

    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return NULL;
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end || *p != '"')
            return NULL;
        const char *k = p + 1;
        p = skip_string(p, end);
        int match = (size_t)(p - 1 - k) == klen && memcmp(k, key, klen) == 0;
        p = skip_ws(p, end);
        if (p >= end || *p != ':')
            return NULL;
        p = skip_ws(p + 1, end);
        const char *v = p;
        p = skip_value(p, end);
        if (match) {
            *vlen = (size_t)(p - v);
            return v;
        }
        p = skip_ws(p, end);
        if (p >= end || *p != ',')
            return NULL;
        p++;
    }
}

/* Copy a string value without its quotes (no unescaping needed here). */
static int json_get_str(const char *s, size_t len, const char *key, char *out,
                        size_t outsz)
{
    size_t vlen;
    const char *v = json_find(s, len, key, &vlen);
    if (!v || vlen < 2 || v[0] != '"' || vlen - 2 >= outsz)
        return -1;
    memcpy(out, v + 1, vlen - 2);
    out[vlen - 2] = '\0';
    return 0;
}

static long json_get_int(const char *s, size_t len, const char *key)
{
    size_t vlen;
    const char *v = json_find(s, len, key, &vlen);
    return v ? strtol(v, NULL, 10) : -1;
}

/* ---- signing and sending ---- */

static void hex_sign(struct floor_state *st, struct frame *f4, char out[65])
{
    unsigned char md[32];
    size_t mdlen = 0;
    static const char hex[] = "0123456789abcdef";

    out[0] = '\0';
    if (!st->signing)
        return;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(st->mac);
    for (int i = 0; i < 4; i++)
        EVP_MAC_update(c, (const unsigned char *)f4[i].data, f4[i].len);
    EVP_MAC_final(c, md, &mdlen, sizeof md);
    EVP_MAC_CTX_free(c);
    for (size_t i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * mdlen] = '\0';
}

static int make_header(struct floor_state *st, const char *msg_type,
                       char *buf, size_t sz)
{
    uuid_t u;
    char id[37], date[40];
    struct timespec ts;
    struct tm tm;

    uuid_generate_random(u);
    uuid_unparse_lower(u, id);
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(date + n, sizeof date - n, ".%06ldZ", ts.tv_nsec / 1000);
    return snprintf(buf, sz,
                    "{\"msg_id\":\"%s\",\"session\":\"%s\",\"username\":"
                    "\"floor\",\"date\":\"%s\",\"msg_type\":\"%s\","
                    "\"version\":\"5.3\"}",
                    id, st->session, date, msg_type);
}

/* Send one message: idents (or a topic), delimiter, signature, 4 frames. */
static void send_msg(struct floor_state *st, void *sock, struct frame *idents,
                     int nid, const char *topic, const char *msg_type,
                     const struct frame *parent, const char *content)
{
    char header[512], sig[65];
    struct frame f4[4];

    int hl = make_header(st, msg_type, header, sizeof header);
    f4[0].data = header;
    f4[0].len = (size_t)hl;
    f4[1] = *parent;
    f4[2].data = (char *)"{}";
    f4[2].len = 2;
    f4[3].data = (char *)content;
    f4[3].len = strlen(content);
    hex_sign(st, f4, sig);

    if (topic)
        zmq_send(sock, topic, strlen(topic), ZMQ_SNDMORE);
    for (int i = 0; i < nid; i++)
        zmq_send(sock, idents[i].data, idents[i].len, ZMQ_SNDMORE);
    zmq_send(sock, "<IDS|MSG>", 9, ZMQ_SNDMORE);
    zmq_send(sock, sig, strlen(sig), ZMQ_SNDMORE);
    for (int i = 0; i < 4; i++)
        zmq_send(sock, f4[i].data, f4[i].len, i < 3 ? ZMQ_SNDMORE : 0);
}

static void publish(struct floor_state *st, const char *msg_type,
                    const struct frame *parent, const char *content)
{
    char topic[64];
    snprintf(topic, sizeof topic, "kernel.floor.%s", msg_type);
    send_msg(st, st->iopub, NULL, 0, topic, msg_type, parent, content);
}

/* ---- request handling ---- */

static void free_frames(struct frame *fr, int n)
{
    for (int i = 0; i < n; i++)
        free(fr[i].data);
}

/* Receive a whole multipart message; returns the number of frames or -1. */
static int recv_frames(void *sock, struct frame *fr)
{
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            free_frames(fr, n);
            return -1;
        }
        more = zmq_msg_more(&m);
        if (n < MAX_FRAMES) {
            fr[n].len = zmq_msg_size(&m);
            fr[n].data = malloc(fr[n].len + 1);
            memcpy(fr[n].data, zmq_msg_data(&m), fr[n].len);
            fr[n].data[fr[n].len] = '\0';
            n++;
        }
        zmq_msg_close(&m);
    }
    return n;
}

/* Returns 1 when the kernel should exit. */
static int handle(struct floor_state *st, void *sock)
{
    struct frame fr[MAX_FRAMES];
    int n = recv_frames(sock, fr), delim = -1, quit = 0;
    char msg_type[64], sig[65], content[1024];

    if (n < 0)
        return 0;
    for (int i = 0; i < n; i++)
        if (fr[i].len == 9 && memcmp(fr[i].data, "<IDS|MSG>", 9) == 0) {
            delim = i;
            break;
        }
    if (delim < 0 || n < delim + 6)
        goto out; /* malformed: drop */
    struct frame *f4 = &fr[delim + 2];
    hex_sign(st, f4, sig);
    if (st->signing &&
        (fr[delim + 1].len != strlen(sig) ||
         CRYPTO_memcmp(fr[delim + 1].data, sig, strlen(sig)) != 0))
        goto out; /* bad signature: drop before parsing */
    if (json_get_str(f4[0].data, f4[0].len, "msg_type", msg_type,
                     sizeof msg_type) < 0)
        goto out;
    const struct frame *parent = &f4[0];

    if (strcmp(msg_type, "shutdown_request") == 0) {
        send_msg(st, sock, fr, delim, NULL, "shutdown_reply", parent,
                 "{\"status\":\"ok\",\"restart\":false}");
        quit = 1;
        goto out;
    }

    publish(st, "status", parent, "{\"execution_state\":\"busy\"}");
    if (strcmp(msg_type, "kernel_info_request") == 0) {
        send_msg(st, sock, fr, delim, NULL, "kernel_info_reply", parent,
                 "{\"status\":\"ok\",\"protocol_version\":\"5.3\","
                 "\"implementation\":\"floor\",\"implementation_version\":"
                 "\"1.0\",\"language_info\":{\"name\":\"text\","
                 "\"version\":\"1.0\",\"mimetype\":\"text/plain\","
                 "\"file_extension\":\".txt\"},\"banner\":\"floor\","
                 "\"help_links\":[]}");
    } else if (strcmp(msg_type, "execute_request") == 0) {
        size_t clen = 0;
        const char *code = json_find(f4[3].data, f4[3].len, "code", &clen);
        char *body = NULL;
        if (!code || clen < 2 || code[0] != '"') {
            code = "\"\"";
            clen = 2;
        }
        st->count++;
        size_t bsz = clen + 128;
        body = malloc(bsz);
        snprintf(body, bsz, "{\"code\":%.*s,\"execution_count\":%d}",
                 (int)clen, code, st->count);
        publish(st, "execute_input", parent, body);
        if (clen > 8 && memcmp(code, "\"stream ", 8) == 0) {
            long lines = strtol(code + 8, NULL, 10);
            for (long i = 0; i < lines; i++) {
                snprintf(content, sizeof content,
                         "{\"name\":\"stdout\",\"text\":\"line %ld\\n\"}", i);
                publish(st, "stream", parent, content);
            }
        }
        snprintf(body, bsz,
                 "{\"data\":{\"text/plain\":%.*s},\"metadata\":{},"
                 "\"execution_count\":%d}",
                 (int)clen, code, st->count);
        publish(st, "execute_result", parent, body);
        free(body);
        snprintf(content, sizeof content,
                 "{\"status\":\"ok\",\"execution_count\":%d,"
                 "\"user_expressions\":{},\"payload\":[]}",
                 st->count);
        send_msg(st, sock, fr, delim, NULL, "execute_reply", parent, content);
    }
    publish(st, "status", parent, "{\"execution_state\":\"idle\"}");
out:
    free_frames(fr, n);
    return quit;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long sz;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)sz + 1))) {
        *len = fread(buf, 1, (size_t)sz, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static void *bind_one(struct floor_state *st, int type, const char *transport,
                      const char *ip, long port)
{
    char ep[300];
    void *s = zmq_socket(st->ctx, type);
    int zero = 0;

    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    /* A kernel must not drop output: no high-water mark (as ipykernel). */
    zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero);
    if (strcmp(transport, "ipc") == 0)
        snprintf(ep, sizeof ep, "ipc://%s-%ld", ip, port);
    else
        snprintf(ep, sizeof ep, "tcp://%s:%ld", ip, port);
    if (zmq_bind(s, ep) != 0) {
        fprintf(stderr, "floor: cannot bind %s: %s\n", ep,
                zmq_strerror(errno));
        exit(1);
    }
    return s;
}

int main(int argc, char **argv)
{
    struct floor_state st = {0};
    const char *path = NULL;
    char ip[256], transport[16], key[256], scheme[64];
    size_t len = 0;
    uuid_t u;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            path = argv[++i];
    if (!path) {
        fprintf(stderr, "usage: floor -f CONNECTION_FILE\n");
        return 2;
    }
    char *cf = read_file(path, &len);
    if (!cf || json_get_str(cf, len, "ip", ip, sizeof ip) < 0 ||
        json_get_str(cf, len, "key", key, sizeof key) < 0) {
        fprintf(stderr, "floor: unreadable connection file %s\n", path);
        return 1;
    }
    if (json_get_str(cf, len, "transport", transport, sizeof transport) < 0)
        strcpy(transport, "tcp");
    if (json_get_str(cf, len, "signature_scheme", scheme, sizeof scheme) < 0)
        strcpy(scheme, "hmac-sha256");
    if (strcmp(scheme, "hmac-sha256") != 0) {
        fprintf(stderr, "floor: only hmac-sha256 is supported\n");
        return 1;
    }

    uuid_generate_random(u);
    uuid_unparse_lower(u, st.session);
    st.signing = key[0] != '\0';
    if (st.signing) {
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        OSSL_PARAM params[2];
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     (char *)"SHA256", 0);
        params[1] = OSSL_PARAM_construct_end();
        st.mac = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);
        if (!st.mac || !EVP_MAC_init(st.mac, (const unsigned char *)key,
                                     strlen(key), params)) {
            fprintf(stderr, "floor: HMAC setup failed\n");
            return 1;
        }
    }

    st.ctx = zmq_ctx_new();
    st.shell = bind_one(&st, ZMQ_ROUTER, transport, ip,
                        json_get_int(cf, len, "shell_port"));
    st.control = bind_one(&st, ZMQ_ROUTER, transport, ip,
                          json_get_int(cf, len, "control_port"));
    st.stdin_s = bind_one(&st, ZMQ_ROUTER, transport, ip,
                          json_get_int(cf, len, "stdin_port"));
    st.iopub = bind_one(&st, ZMQ_PUB, transport, ip,
                        json_get_int(cf, len, "iopub_port"));
    st.hb = bind_one(&st, ZMQ_REP, transport, ip,
                     json_get_int(cf, len, "hb_port"));
    free(cf);

    for (;;) {
        zmq_pollitem_t items[] = {
            {st.control, 0, ZMQ_POLLIN, 0},
            {st.shell, 0, ZMQ_POLLIN, 0},
            {st.hb, 0, ZMQ_POLLIN, 0},
        };
        if (zmq_poll(items, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if ((items[0].revents & ZMQ_POLLIN) && handle(&st, st.control))
            break;
        if ((items[1].revents & ZMQ_POLLIN) && handle(&st, st.shell))
            break;
        if (items[2].revents & ZMQ_POLLIN) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, st.hb, 0) >= 0)
                zmq_msg_send(&m, st.hb, 0);
            zmq_msg_close(&m);
        }
    }

    zmq_close(st.shell);
    zmq_close(st.control);
    zmq_close(st.stdin_s);
    zmq_close(st.iopub);
    zmq_close(st.hb);
    zmq_ctx_term(st.ctx);
    EVP_MAC_CTX_free(st.mac);
    return 0;
}
