/* kn_iopub.c -- the iopub publisher thread.
 *
 * It owns the XPUB socket.  Every other thread hands it iopub traffic over
 * an inproc PUSH/PULL queue, so messages from one thread leave in the order
 * they were sent.  With ZMQ_XPUB_VERBOSE every subscription (a frame
 * starting with 0x01) is answered with an `iopub_welcome` (JEP 65).
 *
 * Stream text is coalesced (ipykernel-like): consecutive chunks of the same
 * stream and parent are joined and sent when the text reaches
 * KN_STREAM_FLUSH_BYTES, KN_STREAM_FLUSH_MS after its first byte, before any
 * other message, on KN_PUB_FLUSH, and at the end.  Nothing is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "kn_priv.h"

struct pending {
    int active;
    char name;    /* 'o' or 'e' */
    char *parent; /* raw parent header bytes */
    size_t parent_len;
    char *text;
    size_t len, cap;
    long long since_ms;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send a built message on the XPUB with a topic frame. */
static int xpub_send(struct kn_kernel *k, const char *msg_type,
                     const char *parent, size_t parent_len, cJSON *content)
{
    struct kn_out o;
    char err[KN_ERR_LEN], topic[128];
    int rc = -1;
    void *s = k->sock[KN_IOPUB];

    if (kn_wire_build(&k->sess, msg_type, parent, parent_len, NULL, content, &o,
                      err) < 0) {
        fprintf(stderr, "ytkernel: iopub: %s\n", err);
        return -1;
    }
    snprintf(topic, sizeof(topic), "kernel.%s.%s", k->sess.session, msg_type);
    if (kn_zmq_send(s, topic, strlen(topic), ZMQ_SNDMORE) < 0 ||
        kn_zmq_send(s, KN_DELIM, strlen(KN_DELIM), ZMQ_SNDMORE) < 0 ||
        kn_zmq_send(s, o.sig, o.siglen, ZMQ_SNDMORE) < 0)
        goto out;
    for (int i = 0; i < 4; i++)
        if (kn_zmq_send(s, o.frame[i], o.len[i], i < 3 ? ZMQ_SNDMORE : 0) < 0)
            goto out;
    rc = 0;
out:
    if (rc < 0)
        fprintf(stderr, "ytkernel: iopub: cannot send %s: %s\n", msg_type,
                zmq_strerror(errno));
    kn_out_free(&o);
    return rc;
}

static void flush_stream(struct kn_kernel *k, struct pending *p)
{
    cJSON *c;

    if (!p->active)
        return;
    if (p->len) {
        c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name",
                                p->name == 'e' ? "stderr" : "stdout");
        cJSON_AddStringToObject(c, "text", p->text);
        xpub_send(k, "stream", p->parent, p->parent_len, c);
    }
    free(p->parent);
    p->parent = NULL;
    p->len = 0;
    p->active = 0;
}

/* Append a stream chunk; flushes first when stream or parent differ. */
static void add_stream(struct kn_kernel *k, struct pending *p, char name,
                       const void *parent, size_t plen, const void *text,
                       size_t tlen)
{
    if (p->active && (p->name != name || p->parent_len != plen ||
                      memcmp(p->parent, parent, plen) != 0))
        flush_stream(k, p);
    if (!p->active) {
        if (!(p->parent = malloc(plen + 1)))
            goto oom;
        memcpy(p->parent, parent, plen);
        p->parent[plen] = '\0';
        p->parent_len = plen;
        p->name = name;
        p->len = 0;
        p->active = 1;
        p->since_ms = now_ms();
    }
    if (p->len + tlen + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 16384;
        char *t;
        while (cap < p->len + tlen + 1)
            cap *= 2;
        if (!(t = realloc(p->text, cap)))
            goto oom;
        p->text = t;
        p->cap = cap;
    }
    memcpy(p->text + p->len, text, tlen);
    p->len += tlen;
    p->text[p->len] = '\0';
    if (p->len >= KN_STREAM_FLUSH_BYTES)
        flush_stream(k, p);
    return;
oom:
    fprintf(stderr, "ytkernel: iopub: out of memory for stream text\n");
    flush_stream(k, p);
}

/* Forward the remaining parts of a KN_PUB_MSG to the XPUB. */
static void forward(struct kn_kernel *k, zmq_msg_t *parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int flags = i + 1 < n ? ZMQ_SNDMORE : 0;
        while (zmq_msg_send(&parts[i], k->sock[KN_IOPUB], flags) < 0) {
            if (errno != EINTR) {
                fprintf(stderr, "ytkernel: iopub: send failed: %s\n",
                        zmq_strerror(errno));
                return;
            }
        }
    }
}

#define MAXPARTS 64

/* Handle one queued message; returns 1 on KN_PUB_QUIT, 2 when nothing was
 * waiting, -1 on ETERM. */
static int handle_queue(struct kn_kernel *k, struct pending *p, int dontwait)
{
    zmq_msg_t parts[MAXPARTS];
    size_t n = 0, total;
    int rc;

    rc = kn_zmq_recv_parts(k->pub_pull, parts, MAXPARTS, &n, &total, dontwait);
    if (rc <= 0)
        return rc == 0 ? 2 : -1;
    KN_ASSERT(total == n); /* producers send fewer than MAXPARTS parts */
    rc = 0;
    if (n == 0 || zmq_msg_size(&parts[0]) != 1)
        goto out;
    switch (*(const char *)zmq_msg_data(&parts[0])) {
    case KN_PUB_MSG:
        flush_stream(k, p);
        forward(k, parts + 1, n - 1);
        break;
    case KN_PUB_STREAM:
        if (n == 4 && zmq_msg_size(&parts[1]) == 1)
            add_stream(k, p, *(const char *)zmq_msg_data(&parts[1]),
                       zmq_msg_data(&parts[2]), zmq_msg_size(&parts[2]),
                       zmq_msg_data(&parts[3]), zmq_msg_size(&parts[3]));
        break;
    case KN_PUB_FLUSH:
        flush_stream(k, p);
        break;
    case KN_PUB_QUIT:
        rc = 1;
        break;
    }
out:
    kn_zmq_close_parts(parts, n);
    return rc;
}

/* Answer a subscription (0x01 + topic) with an iopub_welcome echoing the
 * topic.  One longer than KN_MAX_TOPIC is no real topic: it is dropped
 * with a line on stderr (the first few times; then every 1000th). */
static void handle_subscription(struct kn_kernel *k, struct pending *p,
                                unsigned long *ndropped)
{
    zmq_msg_t m;
    cJSON *c;
    char sub[KN_MAX_TOPIC + 1];
    size_t len;

    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, k->sock[KN_IOPUB], ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return;
    }
    len = zmq_msg_size(&m);
    if (len < 1 || *(const unsigned char *)zmq_msg_data(&m) != 1)
        goto out; /* an unsubscription, or not a subscription at all */
    if (--len > KN_MAX_TOPIC) {
        if (++*ndropped <= 3 || *ndropped % 1000 == 0)
            fprintf(stderr,
                    "ytkernel: iopub: ignored a %zu-byte subscription (no "
                    "topic is longer than %d bytes; %lu so far)\n",
                    len, KN_MAX_TOPIC, *ndropped);
        goto out;
    }
    memcpy(sub, (const char *)zmq_msg_data(&m) + 1, len);
    sub[len] = '\0';
    flush_stream(k, p);
    c = cJSON_CreateObject();
    if (c && cJSON_AddStringToObject(c, "subscription", sub))
        xpub_send(k, "iopub_welcome", NULL, 0, c);
    else
        cJSON_Delete(c);
out:
    zmq_msg_close(&m);
}

void *kn_iopub_main(void *arg)
{
    struct kn_kernel *k = arg;
    struct pending p;
    int quitting = 0;
    unsigned long ndropped = 0;

    memset(&p, 0, sizeof(p));
    while (!quitting) {
        zmq_pollitem_t items[2] = {{k->pub_pull, 0, ZMQ_POLLIN, 0},
                                   {k->sock[KN_IOPUB], 0, ZMQ_POLLIN, 0}};
        long timeout = -1;
        int rc;

        if (p.active) {
            long long left = p.since_ms + KN_STREAM_FLUSH_MS - now_ms();
            timeout = left > 0 ? (long)left : 0;
        }
        rc = zmq_poll(items, 2, timeout);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            break; /* ETERM */
        }
        if (items[1].revents & ZMQ_POLLIN)
            handle_subscription(k, &p, &ndropped);
        if (items[0].revents & ZMQ_POLLIN) {
            rc = handle_queue(k, &p, 1);
            if (rc == 1)
                quitting = 1;
            else if (rc < 0)
                break;
        }
        if (p.active && now_ms() >= p.since_ms + KN_STREAM_FLUSH_MS)
            flush_stream(k, &p);
    }
    /* Whatever is still queued (other threads have stopped) goes out. */
    while (quitting) {
        int r = handle_queue(k, &p, 1);
        if (r == 2 || r < 0)
            break;
    }
    flush_stream(k, &p);
    free(p.text);
    free(p.parent);
    return NULL;
}
