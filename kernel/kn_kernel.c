/* kn_kernel.c -- sockets, threads, the shell and control loops, dispatch.
 * See kn_kernel.h for the contract and kn_priv.h for the thread layout.
 *
 * Every shell and control request is wrapped in status busy -> handler ->
 * reply -> status idle; all of its iopub traffic goes through the one
 * publisher thread, so it is published before idle.  Malformed or badly
 * signed messages are dropped with one line on stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "kn_priv.h"

/* Cells at least this long are followed by malloc_trim (see do_execute). */
#define KN_TRIM_AFTER_BYTES (64 * 1024)

atomic_int kn_g_interrupt;
static volatile sig_atomic_t g_term;

static void on_sigint(int sig)
{
    (void)sig;
    atomic_store(&kn_g_interrupt, 1);
}

static void on_sigterm(int sig)
{
    (void)sig;
    g_term = 1;
    atomic_store(&kn_g_interrupt, 1);
}

void kn_assert_fail(const char *expr, const char *file, int line,
                    const char *func)
{
    fprintf(stderr, "%s:%d: %s: assertion `%s' failed\n", file, line, func,
            expr);
    abort();
}

/* ---- zmq helpers ---- */

int kn_zmq_send(void *sock, const void *data, size_t len, int flags)
{
    for (;;) {
        if (zmq_send(sock, data, len, flags) >= 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

void kn_zmq_close_parts(zmq_msg_t *parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zmq_msg_close(&parts[i]);
}

int kn_zmq_recv_parts(void *sock, zmq_msg_t *parts, size_t max, size_t *nkept,
                      size_t *total, int dontwait)
{
    int more = 1, first = 1;

    *nkept = *total = 0;
    while (more) {
        zmq_msg_t tmp, *p = *nkept < max ? &parts[*nkept] : &tmp;
        zmq_msg_init(p);
        while (zmq_msg_recv(p, sock, first && dontwait ? ZMQ_DONTWAIT : 0) <
               0) {
            int e = errno;
            if (e == EINTR)
                continue;
            zmq_msg_close(p);
            kn_zmq_close_parts(parts, *nkept);
            *nkept = 0;
            errno = e;
            return first && e == EAGAIN ? 0 : -1;
        }
        first = 0;
        more = zmq_msg_more(p);
        ++*total;
        if (p == &tmp)
            zmq_msg_close(p);
        else
            ++*nkept;
    }
    return 1;
}

/* ---- sending ---- */

/* Send [pre...] <IDS|MSG> sig h p m c on sock. */
static int send_out(void *sock, const struct kn_frame *pre, size_t npre,
                    const struct kn_out *o)
{
    for (size_t i = 0; i < npre; i++)
        if (kn_zmq_send(sock, pre[i].data, pre[i].len, ZMQ_SNDMORE) < 0)
            return -1;
    if (kn_zmq_send(sock, KN_DELIM, strlen(KN_DELIM), ZMQ_SNDMORE) < 0 ||
        kn_zmq_send(sock, o->sig, o->siglen, ZMQ_SNDMORE) < 0)
        return -1;
    for (int i = 0; i < 4; i++)
        if (kn_zmq_send(sock, o->frame[i], o->len[i], i < 3 ? ZMQ_SNDMORE : 0) <
            0)
            return -1;
    return 0;
}

/* Queue a built message for the publisher: "M", topic, then its frames. */
static int pub_out(struct kn_kernel *k, void *push, const char *msg_type,
                   struct kn_out *o)
{
    struct kn_frame pre[2];
    char topic[128];
    int rc;

    snprintf(topic, sizeof(topic), "kernel.%s.%s", k->sess.session, msg_type);
    pre[0].data = "M";
    pre[0].len = 1;
    pre[1].data = topic;
    pre[1].len = strlen(topic);
    rc = send_out(push, pre, 2, o);
    if (rc < 0)
        fprintf(stderr, "ytkernel: cannot queue %s: %s\n", msg_type,
                zmq_strerror(errno));
    kn_out_free(o);
    return rc;
}

int kn_pub(struct kn_kernel *k, void *push, const char *msg_type,
           const struct kn_msg *parent, cJSON *content)
{
    struct kn_out o;
    char err[KN_ERR_LEN];

    if (kn_wire_build(&k->sess, msg_type, parent ? parent->hdr_raw : NULL,
                      parent ? parent->hdr_len : 0, NULL, content, &o,
                      err) < 0) {
        fprintf(stderr, "ytkernel: %s\n", err);
        return -1;
    }
    return pub_out(k, push, msg_type, &o);
}

/* kn_pub with the content as JSON text (a literal). */
static int pub_text(struct kn_kernel *k, void *push, const char *msg_type,
                    const struct kn_msg *parent, const char *content)
{
    struct kn_out o;
    char err[KN_ERR_LEN];

    if (kn_wire_build_text(&k->sess, msg_type, parent ? parent->hdr_raw : NULL,
                           parent ? parent->hdr_len : 0, content, &o,
                           err) < 0) {
        fprintf(stderr, "ytkernel: %s\n", err);
        return -1;
    }
    return pub_out(k, push, msg_type, &o);
}

int kn_pub_stream(void *push, int to_stderr, const struct kn_msg *parent,
                  const char *text, size_t len)
{
    const char *name = to_stderr ? "e" : "o";
    if (kn_zmq_send(push, "S", 1, ZMQ_SNDMORE) < 0 ||
        kn_zmq_send(push, name, 1, ZMQ_SNDMORE) < 0 ||
        kn_zmq_send(push, parent->hdr_raw, parent->hdr_len, ZMQ_SNDMORE) < 0 ||
        kn_zmq_send(push, text, len, 0) < 0)
        return -1;
    return 0;
}

void kn_pub_flush(void *push)
{
    kn_zmq_send(push, "F", 1, 0);
}

int kn_send_to(struct kn_kernel *k, void *sock, const struct kn_msg *req,
               const char *msg_type, cJSON *content, char *msg_id_out)
{
    struct kn_out o;
    char err[KN_ERR_LEN];
    int rc;

    if (kn_wire_build(&k->sess, msg_type, req->hdr_raw, req->hdr_len, NULL,
                      content, &o, err) < 0) {
        fprintf(stderr, "ytkernel: %s\n", err);
        return -1;
    }
    rc = send_out(sock, req->idents, req->nidents, &o);
    if (msg_id_out)
        memcpy(msg_id_out, o.msg_id, sizeof(o.msg_id));
    if (rc < 0)
        fprintf(stderr, "ytkernel: cannot send %s: %s\n", msg_type,
                zmq_strerror(errno));
    kn_out_free(&o);
    return rc;
}

int kn_send_reply(struct kn_kernel *k, void *sock, const struct kn_msg *req,
                  const char *msg_type, cJSON *content)
{
    return kn_send_to(k, sock, req, msg_type, content, NULL);
}

/* ---- receiving ---- */

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : 0;
}

/* Returns 1 when sig was seen recently (a replay), else records it. */
static int replay_seen(struct kn_replay *r, const char *sig, size_t len)
{
    unsigned char key[16];
    static const unsigned char zero[16];
    uint64_t h = 0;
    int seen = 0;

    if (!r || len < 32)
        return 0;
    for (int i = 0; i < 16; i++)
        key[i] =
            (unsigned char)(hexval(sig[2 * i]) << 4 | hexval(sig[2 * i + 1]));
    if (memcmp(key, zero, 16) == 0)
        key[15] = 1; /* all-zero marks an empty slot */
    memcpy(&h, key, sizeof(h));
    pthread_mutex_lock(&r->mu);
    for (int g = 0; g < 2 && !seen; g++) {
        size_t i = h % (2 * KN_REPLAY_N);
        while (memcmp(r->set[g][i], zero, 16) != 0) {
            if (memcmp(r->set[g][i], key, 16) == 0) {
                seen = 1;
                break;
            }
            i = (i + 1) % (2 * KN_REPLAY_N);
        }
    }
    if (!seen) {
        size_t i = h % (2 * KN_REPLAY_N);
        while (memcmp(r->set[r->cur][i], zero, 16) != 0)
            i = (i + 1) % (2 * KN_REPLAY_N);
        memcpy(r->set[r->cur][i], key, 16);
        if (++r->count[r->cur] >= KN_REPLAY_N) {
            r->cur ^= 1;
            memset(r->set[r->cur], 0, sizeof(r->set[r->cur]));
            r->count[r->cur] = 0;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return seen;
}

/* One message: 1 parsed, 2 dropped, 0 nothing waiting, -1 terminating. */
static int recv_one(struct kn_kernel *k, void *sock, const char *chan,
                    struct kn_msg *m)
{
    zmq_msg_t parts[KN_MAX_FRAMES];
    struct kn_frame frames[KN_MAX_FRAMES];
    size_t n = 0, total = 0;
    int rc;
    char err[KN_ERR_LEN];

    rc = kn_zmq_recv_parts(sock, parts, KN_MAX_FRAMES, &n, &total, 1);
    if (rc <= 0)
        return rc;
    if (total > KN_MAX_FRAMES) {
        fprintf(stderr, "ytkernel: dropped a message on %s: %zu frames\n", chan,
                total);
        rc = 2;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        frames[i].data = zmq_msg_data(&parts[i]);
        frames[i].len = zmq_msg_size(&parts[i]);
    }
    if (kn_wire_parse(frames, n, &k->sess.hmac, m, err) < 0) {
        fprintf(stderr, "ytkernel: dropped a message on %s: %s\n", chan, err);
        rc = 2;
        goto out;
    }
    if (replay_seen(k->replay, frames[m->nidents + 1].data,
                    frames[m->nidents + 1].len)) {
        fprintf(stderr,
                "ytkernel: dropped a message on %s: replayed "
                "(duplicate signature)\n",
                chan);
        kn_msg_free(m);
        rc = 2;
        goto out;
    }
    rc = 1;
out:
    kn_zmq_close_parts(parts, n);
    return rc;
}

int kn_recv(struct kn_kernel *k, void *sock, const char *chan, struct kn_msg *m)
{
    int rc;
    while ((rc = recv_one(k, sock, chan, m)) == 2)
        ; /* dropped: look at the next one */
    return rc;
}

/* ---- common handlers ---- */

/* state is one of busy, idle, starting: the content is a literal. */
static void status(struct kn_kernel *k, void *push, const struct kn_msg *req,
                   const char *state)
{
    const char *c =
        strcmp(state, "busy") == 0   ? "{\"execution_state\":\"busy\"}"
        : strcmp(state, "idle") == 0 ? "{\"execution_state\":\"idle\"}"
                                     : "{\"execution_state\":\"starting\"}";

    KN_ASSERT(strcmp(state, "busy") == 0 || strcmp(state, "idle") == 0 ||
              strcmp(state, "starting") == 0);
    pub_text(k, push, "status", req, c);
}

static cJSON *ok_reply(void)
{
    cJSON *c = cJSON_CreateObject();
    if (c)
        cJSON_AddStringToObject(c, "status", "ok");
    return c;
}

static void do_kernel_info(struct kn_kernel *k, void *sock,
                           const struct kn_msg *req)
{
    kn_send_reply(k, sock, req, "kernel_info_reply",
                  cJSON_Duplicate(k->kinfo, 1));
}

static void request_stop(struct kn_kernel *k, int restart)
{
    atomic_store(&k->restart, restart);
    atomic_store(&k->stop, 1);
}

static void do_shutdown(struct kn_kernel *k, void *sock,
                        const struct kn_msg *req)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(req->content, "restart");
    int restart = cJSON_IsTrue(r);
    cJSON *c = ok_reply();
    if (c)
        cJSON_AddBoolToObject(c, "restart", restart);
    kn_send_reply(k, sock, req, "shutdown_reply", c);
    request_stop(k, restart);
}

/* ---- control thread ---- */

static int parent_gone(struct kn_kernel *k)
{
    if (k->parent_pid <= 0)
        return 0;
    if (kill(k->parent_pid, 0) < 0 && errno == ESRCH)
        return 1;
    return k->start_ppid == k->parent_pid && getppid() != k->start_ppid;
}

static void *control_main(void *arg)
{
    struct kn_kernel *k = arg;
    void *sock = k->sock[KN_CONTROL];

    while (!atomic_load(&k->stop)) {
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        struct kn_msg m;
        int rc = zmq_poll(&it, 1, 200);

        if (rc < 0 && errno != EINTR)
            break;
        if (g_term || parent_gone(k)) {
            if (!g_term)
                fprintf(stderr,
                        "ytkernel: parent process %d is gone; "
                        "exiting\n",
                        (int)k->parent_pid);
            request_stop(k, 0);
            break;
        }
        if (rc <= 0)
            continue;
        while (!atomic_load(&k->stop) &&
               (rc = kn_recv(k, sock, "control", &m)) == 1) {
            status(k, k->ctl_push, &m, "busy");
            if (strcmp(m.msg_type, "kernel_info_request") == 0) {
                do_kernel_info(k, sock, &m);
            } else if (strcmp(m.msg_type, "interrupt_request") == 0) {
                atomic_store(&kn_g_interrupt, 1);
                kn_send_reply(k, sock, &m, "interrupt_reply", ok_reply());
            } else if (strcmp(m.msg_type, "shutdown_request") == 0) {
                atomic_store(&kn_g_interrupt, 1);
                do_shutdown(k, sock, &m);
            } else {
                fprintf(stderr,
                        "ytkernel: unknown message type %.64s on "
                        "control; ignored\n",
                        m.msg_type);
            }
            status(k, k->ctl_push, &m, "idle");
            kn_msg_free(&m);
        }
        if (rc < 0)
            break;
    }
    /* Wake the shell thread so it notices the stop. */
    kn_zmq_send(k->wake_ctl, "x", 1, ZMQ_DONTWAIT);
    return NULL;
}

/* ---- heartbeat thread ---- */

static void *hb_main(void *arg)
{
    struct kn_kernel *k = arg;
    /* ROUTER echo: every message goes back to its sender. */
    while (zmq_proxy(k->sock[KN_HB], k->sock[KN_HB], NULL) < 0 &&
           errno == EINTR)
        ;
    zmq_close(k->sock[KN_HB]);
    k->sock[KN_HB] = NULL;
    return NULL;
}

/* ---- shell handlers ---- */

static int get_bool(const cJSON *o, const char *key, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return dflt;
}

static const char *get_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* Number of code points in s (for default cursor positions). */
static int cp_len(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static cJSON *eval_user_expressions(struct kn_kernel *k, const cJSON *exprs)
{
    cJSON *out = cJSON_CreateObject();
    const cJSON *e;

    if (!out || !cJSON_IsObject(exprs))
        return out;
    cJSON_ArrayForEach(e, exprs)
    {
        cJSON *r = cJSON_CreateObject(), *data = NULL;
        char ename[64] = "Error", evalue[KN_ERR_LEN] = "";
        int ok = -1;

        if (!r || !e->string)
            continue;
        if (!cJSON_IsString(e) || !e->valuestring) {
            snprintf(ename, sizeof(ename), "TypeError");
            snprintf(evalue, sizeof(evalue),
                     "user expression is not a "
                     "string");
        } else if (!k->in->eval_expression) {
            snprintf(ename, sizeof(ename), "NotImplementedError");
            snprintf(evalue, sizeof(evalue),
                     "this kernel does not evaluate "
                     "user expressions");
        } else {
            ok = k->in->eval_expression(k->in->self, e->valuestring, &data,
                                        ename, evalue);
        }
        if (ok == 0) {
            cJSON_AddStringToObject(r, "status", "ok");
            cJSON_AddItemToObject(r, "data",
                                  data ? data : cJSON_CreateObject());
            cJSON_AddItemToObject(r, "metadata", cJSON_CreateObject());
        } else {
            cJSON *tb;
            char line[KN_ERR_LEN + 80];
            cJSON_Delete(data);
            ename[63] = '\0';
            cJSON_AddStringToObject(r, "status", "error");
            cJSON_AddStringToObject(r, "ename", ename);
            cJSON_AddStringToObject(r, "evalue", evalue);
            tb = cJSON_AddArrayToObject(r, "traceback");
            snprintf(line, sizeof(line), "%s: %s", ename, evalue);
            if (tb)
                cJSON_AddItemToArray(tb, cJSON_CreateString(line));
        }
        cJSON_AddItemToObject(out, e->string, r);
    }
    return out;
}

/* Error reply content with ename/evalue/traceback. */
static cJSON *error_content(const char *ename, const char *evalue,
                            const cJSON *extra_tb)
{
    cJSON *c = cJSON_CreateObject(), *tb;
    char line[KN_ERR_LEN + 80];
    const cJSON *l;

    if (!c)
        return NULL;
    cJSON_AddStringToObject(c, "status", "error");
    cJSON_AddStringToObject(c, "ename", ename);
    cJSON_AddStringToObject(c, "evalue", evalue);
    tb = cJSON_AddArrayToObject(c, "traceback");
    snprintf(line, sizeof(line), "%s: %s", ename, evalue);
    if (tb) {
        cJSON_AddItemToArray(tb, cJSON_CreateString(line));
        cJSON_ArrayForEach(l, extra_tb)
            cJSON_AddItemToArray(tb, cJSON_Duplicate(l, 1));
    }
    return c;
}

/* Take every request already waiting on shell into k->deferred. */
static void collect_queued(struct kn_kernel *k)
{
    struct kn_msg m;

    KN_ASSERT(!k->aborting); /* an aborted request never fails */
    while (kn_recv(k, k->sock[KN_SHELL], "shell", &m) == 1) {
        struct kn_msg *d =
            realloc(k->deferred, (k->ndeferred + 1) * sizeof(*d));
        if (!d) {
            kn_msg_free(&m);
            break;
        }
        k->deferred = d;
        k->deferred[k->ndeferred++] = m;
    }
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The header date of m in microseconds since the epoch; 0 or -1. */
static int header_date_us(const struct kn_msg *m, long long *us)
{
    return kn_wire_date_parse(get_str(m->header, "date"), us);
}

/* A cell that started at t0_us (CLOCK_MONOTONIC) failed with stop_on_error
 * after running ran_us: open the abort window (from its start: what a
 * frontend sent with it arrives within milliseconds, and after a long cell
 * it is queued anyway) and remember the failure on the client's clock. */
static void note_failure(struct kn_kernel *k, const struct kn_msg *req,
                         long long t0_us, long long ran_us)
{
    const char *sess = get_str(req->header, "session");
    long long d;

    k->abort_until_ms = t0_us / 1000 + k->stop_on_error_ms;
    k->fail_date_us = 0;
    if (sess && *sess && strlen(sess) < sizeof(k->fail_session) &&
        header_date_us(req, &d) == 0) {
        k->fail_date_us = d + ran_us;
        strcpy(k->fail_session, sess);
    }
}

/* Non-zero when execute request req is to be aborted after a failure.  A
 * request that itself says stop_on_error: false comes from a client that
 * runs cells regardless of errors (nbclient with allow_errors, a script):
 * only the queue rule applies to it. */
static int must_abort(struct kn_kernel *k, const struct kn_msg *req)
{
    const char *sess;
    long long d;

    if (k->aborting)
        return 1; /* queued when the cell failed */
    if (!get_bool(req->content, "stop_on_error", 1))
        return 0;
    if (k->abort_until_ms && mono_ms() < k->abort_until_ms)
        return 1; /* arrived within the window */
    if (!k->fail_date_us)
        return 0;
    sess = get_str(req->header, "session");
    return sess && strcmp(sess, k->fail_session) == 0 &&
           header_date_us(req, &d) == 0 && d <= k->fail_date_us;
}

static void do_execute(struct kn_kernel *k, const struct kn_msg *req)
{
    const cJSON *cnt = req->content;
    const char *code = get_str(cnt, "code");
    int silent = get_bool(cnt, "silent", 0);
    int store = get_bool(cnt, "store_history", !silent) && !silent;
    int stop_on_error = get_bool(cnt, "stop_on_error", 1);
    struct kn_exec x;
    cJSON *reply, *c;
    char err[KN_ERR_LEN];
    long long t0;
    int rc;

    if (!code)
        code = "";
    if (must_abort(k, req)) {
        reply = error_content("ExecutionAborted",
                              "not run: an earlier cell in this batch "
                              "failed (stop_on_error)",
                              NULL);
        /* execution_count null: it did not run (JupyterLab then shows
         * "[ ]" rather than the failed cell's number) */
        if (reply)
            cJSON_AddNullToObject(reply, "execution_count");
        kn_send_reply(k, k->sock[KN_SHELL], req, "execute_reply", reply);
        return;
    }
    /* An interrupt counts from here on: before execute_input goes out, so
     * a client that waits for execute_input and then interrupts is heard. */
    atomic_store(&kn_g_interrupt, 0);
    t0 = mono_us();
    memset(&x, 0, sizeof(x));
    x.k = k;
    x.req = req;
    x.silent = silent;
    x.allow_stdin = get_bool(cnt, "allow_stdin", 1);
    x.payload = cJSON_CreateArray();
    x.traceback = cJSON_CreateArray();
    if (store)
        k->execution_count++;
    x.count = k->execution_count;
    if (!silent) {
        c = cJSON_CreateObject();
        if (c) {
            cJSON_AddStringToObject(c, "code", code);
            cJSON_AddNumberToObject(c, "execution_count", x.count);
            kn_pub(k, k->shell_push, "execute_input", req, c);
        }
    }
    if (store && k->hist) {
        char *ht =
            k->in->history_text ? k->in->history_text(k->in->self, code) : NULL;

        if (k->in->history_text && !ht)
            fprintf(stderr,
                    "ytkernel: out of memory: cell %d not recorded "
                    "in the history\n",
                    x.count);
        else if (kn_hist_add(k->hist, x.count, ht ? ht : code, err) < 0)
            fprintf(stderr, "ytkernel: %s\n", err);
        free(ht);
    }

    rc = k->in->execute ? k->in->execute(k->in->self, &x, code) : 0;
    if (rc < 0 && !x.failed) {
        if (kn_exec_interrupted(&x))
            kn_exec_fail(&x, "KeyboardInterrupt", "interrupted by the user");
        else
            kn_exec_fail(&x, "Error", "the cell failed");
    }
    if (x.failed) {
        c = error_content(x.ename, x.evalue, x.traceback);
        if (c) {
            cJSON_DeleteItemFromObject(c, "status");
            kn_pub(k, k->shell_push, "error", req, c);
        }
        reply = error_content(x.ename, x.evalue, x.traceback);
        if (reply)
            cJSON_AddItemToObject(reply, "user_expressions",
                                  cJSON_CreateObject());
        if (stop_on_error && !silent) {
            /* After an interrupt only the queue is aborted: what was sent
             * with the cell is queued by now, and whoever interrupted may
             * run the next cell at once. */
            if (!atomic_load(&kn_g_interrupt))
                note_failure(k, req, t0, mono_us() - t0);
            collect_queued(k);
        }
    } else {
        reply = ok_reply();
        if (reply)
            cJSON_AddItemToObject(
                reply, "user_expressions",
                eval_user_expressions(k, cJSON_GetObjectItemCaseSensitive(
                                             cnt, "user_expressions")));
    }
    if (reply) {
        cJSON_AddNumberToObject(reply, "execution_count", x.count);
        cJSON_AddItemToObject(reply, "payload", x.payload);
        x.payload = NULL;
    }
    kn_send_reply(k, k->sock[KN_SHELL], req, "execute_reply", reply);
    if (store && k->hist && x.result_text &&
        kn_hist_set_output(k->hist, x.count, x.result_text, err) < 0)
        fprintf(stderr, "ytkernel: %s\n", err);
    cJSON_Delete(x.payload);
    cJSON_Delete(x.traceback);
    free(x.result_text);
    /* A large cell leaves its transient buffers (copies of the text, its
     * parts, stream text on the way) in the allocator's free lists of
     * several threads: give those pages back to the system (serve_shell
     * does it once the request's idle is out). */
    if (strlen(code) >= KN_TRIM_AFTER_BYTES)
        k->trim_pending = 1;
}

static void do_complete(struct kn_kernel *k, const struct kn_msg *req)
{
    const char *code = get_str(req->content, "code");
    const cJSON *pos =
        cJSON_GetObjectItemCaseSensitive(req->content, "cursor_pos");
    int cursor, cs, ce;
    cJSON *matches = NULL, *c = ok_reply();

    if (!code)
        code = "";
    /* valueint: cJSON saturates it (a C cast of 1e300 is undefined) */
    cursor = cJSON_IsNumber(pos) ? pos->valueint : cp_len(code);
    if (cursor < 0 || cursor > cp_len(code))
        cursor = cp_len(code);
    cs = ce = cursor;
    if (k->in->complete)
        matches = k->in->complete(k->in->self, code, cursor, &cs, &ce);
    if (!cJSON_IsArray(matches)) {
        cJSON_Delete(matches);
        matches = cJSON_CreateArray();
        cs = ce = cursor;
    }
    if (c) {
        cJSON_AddItemToObject(c, "matches", matches);
        cJSON_AddNumberToObject(c, "cursor_start", cs);
        cJSON_AddNumberToObject(c, "cursor_end", ce);
        cJSON_AddItemToObject(c, "metadata", cJSON_CreateObject());
    } else {
        cJSON_Delete(matches);
    }
    kn_send_reply(k, k->sock[KN_SHELL], req, "complete_reply", c);
}

static void do_inspect(struct kn_kernel *k, const struct kn_msg *req)
{
    const char *code = get_str(req->content, "code");
    const cJSON *pos =
        cJSON_GetObjectItemCaseSensitive(req->content, "cursor_pos");
    const cJSON *dl =
        cJSON_GetObjectItemCaseSensitive(req->content, "detail_level");
    cJSON *data = NULL, *c = ok_reply();
    int found = 0, cursor;

    if (!code)
        code = "";
    cursor = cJSON_IsNumber(pos) ? pos->valueint : cp_len(code);
    if (cursor < 0 || cursor > cp_len(code))
        cursor = cp_len(code);
    if (k->in->inspect)
        found =
            k->in->inspect(k->in->self, code, cursor,
                           cJSON_IsNumber(dl) ? dl->valueint : 0, &data) == 1;
    if (!found || !cJSON_IsObject(data)) {
        cJSON_Delete(data);
        data = cJSON_CreateObject();
        found = 0;
    }
    if (c) {
        cJSON_AddBoolToObject(c, "found", found);
        cJSON_AddItemToObject(c, "data", data);
        cJSON_AddItemToObject(c, "metadata", cJSON_CreateObject());
    } else {
        cJSON_Delete(data);
    }
    kn_send_reply(k, k->sock[KN_SHELL], req, "inspect_reply", c);
}

static void do_is_complete(struct kn_kernel *k, const struct kn_msg *req)
{
    const char *code = get_str(req->content, "code");
    const char *st = "unknown", *indent = "";
    cJSON *c = cJSON_CreateObject();

    if (k->in->is_complete)
        st = k->in->is_complete(k->in->self, code ? code : "", &indent);
    if (!st)
        st = "unknown";
    if (c) {
        cJSON_AddStringToObject(c, "status", st);
        if (strcmp(st, "incomplete") == 0)
            cJSON_AddStringToObject(c, "indent", indent ? indent : "");
    }
    kn_send_reply(k, k->sock[KN_SHELL], req, "is_complete_reply", c);
}

static void do_history(struct kn_kernel *k, const struct kn_msg *req)
{
    char err[KN_ERR_LEN];
    cJSON *h = k->hist ? kn_hist_query(k->hist, req->content, err)
                       : cJSON_CreateArray();
    cJSON *c;

    if (!h) {
        fprintf(stderr, "ytkernel: %s\n", err);
        c = error_content("HistoryError", err, NULL);
        if (c)
            cJSON_AddItemToObject(c, "history", cJSON_CreateArray());
    } else {
        c = ok_reply();
        if (c)
            cJSON_AddItemToObject(c, "history", h);
        else
            cJSON_Delete(h);
    }
    kn_send_reply(k, k->sock[KN_SHELL], req, "history_reply", c);
}

static void do_comm_info(struct kn_kernel *k, const struct kn_msg *req)
{
    cJSON *c = ok_reply();
    if (c)
        cJSON_AddItemToObject(c, "comms", cJSON_CreateObject());
    kn_send_reply(k, k->sock[KN_SHELL], req, "comm_info_reply", c);
}

static void do_comm_open(struct kn_kernel *k, const struct kn_msg *req)
{
    const char *id = get_str(req->content, "comm_id");
    const char *target = get_str(req->content, "target_name");
    cJSON *c;

    fprintf(stderr, "ytkernel: no comm target \"%.64s\"; closing the comm\n",
            target ? target : "");
    if (!id)
        return;
    c = cJSON_CreateObject();
    if (!c)
        return;
    cJSON_AddStringToObject(c, "comm_id", id);
    cJSON_AddItemToObject(c, "data", cJSON_CreateObject());
    kn_pub(k, k->shell_push, "comm_close", req, c);
}

/* Handle one shell request (wrapped in busy/idle). */
static void shell_dispatch(struct kn_kernel *k, const struct kn_msg *m)
{
    const char *t = m->msg_type;
    void *sock = k->sock[KN_SHELL];

    KN_ASSERT(pthread_equal(pthread_self(), k->t_shell));

    status(k, k->shell_push, m, "busy");
    if (strcmp(t, "execute_request") == 0)
        do_execute(k, m);
    else if (strcmp(t, "kernel_info_request") == 0)
        do_kernel_info(k, sock, m);
    else if (strcmp(t, "complete_request") == 0)
        do_complete(k, m);
    else if (strcmp(t, "inspect_request") == 0)
        do_inspect(k, m);
    else if (strcmp(t, "is_complete_request") == 0)
        do_is_complete(k, m);
    else if (strcmp(t, "history_request") == 0)
        do_history(k, m);
    else if (strcmp(t, "comm_info_request") == 0)
        do_comm_info(k, m);
    else if (strcmp(t, "comm_open") == 0)
        do_comm_open(k, m);
    else if (strcmp(t, "comm_msg") == 0 || strcmp(t, "comm_close") == 0)
        ; /* no comms are ever open: nothing to do */
    else if (strcmp(t, "shutdown_request") == 0)
        do_shutdown(k, sock, m); /* deprecated on shell, still honoured */
    else
        fprintf(stderr,
                "ytkernel: unknown message type %.64s on shell; "
                "ignored\n",
                t);
    status(k, k->shell_push, m, "idle");
}

/* ---- setup ---- */

static void *make_socket(struct kn_kernel *k, int type, char err[KN_ERR_LEN])
{
    void *s = zmq_socket(k->zctx, type);
    int linger = 1000;
    if (!s) {
        snprintf(err, KN_ERR_LEN, "cannot create a socket: %s",
                 zmq_strerror(errno));
        return NULL;
    }
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    return s;
}

static int bind_channels(struct kn_kernel *k, char err[KN_ERR_LEN])
{
    static const int types[KN_NCHAN] = {ZMQ_ROUTER, ZMQ_ROUTER, ZMQ_ROUTER,
                                        ZMQ_XPUB, ZMQ_ROUTER};
    static const int64_t maxframe[KN_NCHAN] = {
        KN_MAX_FRAME_SHELL, KN_MAX_FRAME_CONTROL, KN_MAX_FRAME_STDIN,
        KN_MAX_FRAME_IOPUB, KN_MAX_FRAME_HB};
    char ep[256];
    int one = 1, hwm = 20000; /* per subscriber, ~160 MB of 8 KB streams */

    for (int i = 0; i < KN_NCHAN; i++) {
        void *s;
        if (kn_conn_endpoint(&k->conn, (enum kn_chan)i, ep, sizeof(ep), err) <
            0)
            return -1;
        if (!(s = make_socket(k, types[i], err)))
            return -1;
        k->sock[i] = s;
        if (k->conn.ipv6)
            zmq_setsockopt(s, ZMQ_IPV6, &one, sizeof(one));
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxframe[i], sizeof(maxframe[i]));
        if (types[i] == ZMQ_ROUTER) {
            zmq_setsockopt(s, ZMQ_ROUTER_HANDOVER, &one, sizeof(one));
        } else {
            zmq_setsockopt(s, ZMQ_XPUB_VERBOSE, &one, sizeof(one));
            zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
        }
        if (zmq_bind(s, ep) < 0) {
            int e = errno;
            snprintf(err, KN_ERR_LEN, "cannot listen on %s for %s: %s%s", ep,
                     kn_chan_name((enum kn_chan)i), zmq_strerror(e),
                     e == EADDRINUSE ? " (another process took the port; "
                                       "restart the kernel to get new ports)"
                                     : "");
            return -1;
        }
        k->bound[i] = 1;
    }
    return 0;
}

static int make_inproc(struct kn_kernel *k, char err[KN_ERR_LEN])
{
    int hwm = 0;
    if (!(k->pub_pull = make_socket(k, ZMQ_PULL, err)) ||
        !(k->shell_push = make_socket(k, ZMQ_PUSH, err)) ||
        !(k->ctl_push = make_socket(k, ZMQ_PUSH, err)) ||
        !(k->wake_main = make_socket(k, ZMQ_PAIR, err)) ||
        !(k->wake_ctl = make_socket(k, ZMQ_PAIR, err)))
        return -1;
    zmq_setsockopt(k->pub_pull, ZMQ_RCVHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(k->shell_push, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(k->ctl_push, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    if (zmq_bind(k->pub_pull, KN_PUB_ENDPOINT) < 0 ||
        zmq_connect(k->shell_push, KN_PUB_ENDPOINT) < 0 ||
        zmq_connect(k->ctl_push, KN_PUB_ENDPOINT) < 0 ||
        zmq_bind(k->wake_main, KN_WAKE_ENDPOINT) < 0 ||
        zmq_connect(k->wake_ctl, KN_WAKE_ENDPOINT) < 0) {
        snprintf(err, KN_ERR_LEN, "inproc sockets: %s", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

static cJSON *build_kernel_info(const struct kn_interp *in)
{
    cJSON *c = ok_reply(), *li = NULL, *hl = NULL;
    if (!c)
        return NULL;
    cJSON_AddStringToObject(c, "protocol_version", KN_PROTOCOL_VERSION);
    cJSON_AddStringToObject(c, "implementation",
                            in->implementation ? in->implementation
                                               : "ytkernel");
    cJSON_AddStringToObject(
        c, "implementation_version",
        in->implementation_version ? in->implementation_version : "0");
    if (in->language_info)
        li = in->language_info(in->self);
    if (!cJSON_IsObject(li)) {
        cJSON_Delete(li);
        li = cJSON_CreateObject();
        cJSON_AddStringToObject(li, "name", "text");
        cJSON_AddStringToObject(li, "version", "");
        cJSON_AddStringToObject(li, "mimetype", "text/plain");
        cJSON_AddStringToObject(li, "file_extension", ".txt");
    }
    cJSON_AddItemToObject(c, "language_info", li);
    cJSON_AddStringToObject(c, "banner", in->banner ? in->banner : "");
    if (in->help_links)
        hl = in->help_links(in->self);
    if (!cJSON_IsArray(hl)) {
        cJSON_Delete(hl);
        hl = cJSON_CreateArray();
    }
    cJSON_AddItemToObject(c, "help_links", hl);
    cJSON_AddItemToObject(c, "supported_features", cJSON_CreateArray());
    return c;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_sigterm;
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* Start a helper thread with SIGINT/SIGTERM blocked, so signals reach the
 * shell thread (whose zmq_poll then returns EINTR). */
static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t set, old;
    int rc;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static void watch_parent(struct kn_kernel *k)
{
    const char *p = getenv("JPY_PARENT_PID");
    char *end;
    long pid;

    if (!p || !*p)
        return;
    pid = strtol(p, &end, 10);
    if (*end || pid <= 1)
        return;
    k->parent_pid = (pid_t)pid;
    k->start_ppid = getppid();
    /* Also ask Linux to signal us (SIGTERM -> clean exit) when the parent
     * goes; the control thread's poll of JPY_PARENT_PID covers the rest
     * (e.g. a launcher that is not our direct parent).  Note Linux sends
     * it when the parent *thread* that forked us ends. */
    if (k->start_ppid == k->parent_pid) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != k->start_ppid) /* died before prctl */
            g_term = 1;
    }
}

/* Answer the requests collected after a failed cell: executes get an
 * error reply (never "aborted"), everything else is handled normally. */
static void answer_deferred(struct kn_kernel *k)
{
    KN_ASSERT(!k->aborting && k->ndeferred > 0);
    k->aborting = 1;
    for (size_t i = 0; i < k->ndeferred; i++) {
        if (!atomic_load(&k->stop))
            shell_dispatch(k, &k->deferred[i]);
        kn_msg_free(&k->deferred[i]);
    }
    free(k->deferred);
    k->deferred = NULL;
    k->ndeferred = 0;
    k->aborting = 0;
}

/* The shell thread's loop: requests in order until stop. */
static void serve_shell(struct kn_kernel *k)
{
    while (!atomic_load(&k->stop)) {
        zmq_pollitem_t items[2] = {{k->sock[KN_SHELL], 0, ZMQ_POLLIN, 0},
                                   {k->wake_main, 0, ZMQ_POLLIN, 0}};
        struct kn_msg m;
        int r = zmq_poll(items, 2, -1);

        if (g_term)
            request_stop(k, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            char b[8];
            zmq_recv(k->wake_main, b, sizeof(b), ZMQ_DONTWAIT);
        }
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        while (!atomic_load(&k->stop) &&
               (r = kn_recv(k, k->sock[KN_SHELL], "shell", &m)) == 1) {
            shell_dispatch(k, &m);
            kn_msg_free(&m);
            if (k->ndeferred)
                answer_deferred(k);
            if (k->trim_pending) {
                malloc_trim(0);
                k->trim_pending = 0;
            }
        }
    }
}

/* Join the threads, close the sockets, unlink ipc files, free everything
 * (after request_stop; safe on a kernel that started only partly). */
static void teardown(struct kn_kernel *k)
{
    if (k->have_ctl)
        pthread_join(k->t_ctl, NULL);
    if (k->ctl_push) {
        zmq_close(k->ctl_push);
        k->ctl_push = NULL;
    }
    if (k->have_pub) {
        kn_zmq_send(k->shell_push, "Q", 1, 0);
        pthread_join(k->t_pub, NULL);
    }
    for (int i = 0; i < KN_NCHAN; i++) {
        if (i == KN_HB && k->have_hb)
            continue; /* closed by its thread */
        if (k->sock[i])
            zmq_close(k->sock[i]);
    }
    if (k->pub_pull)
        zmq_close(k->pub_pull);
    if (k->shell_push)
        zmq_close(k->shell_push);
    if (k->ctl_push)
        zmq_close(k->ctl_push);
    if (k->wake_main)
        zmq_close(k->wake_main);
    if (k->wake_ctl)
        zmq_close(k->wake_ctl);
    if (k->zctx) {
        zmq_ctx_shutdown(k->zctx);
        if (k->have_hb)
            pthread_join(k->t_hb, NULL);
        zmq_ctx_term(k->zctx);
    }
    if (k->conn.transport == KN_IPC) {
        char path[256];
        for (int i = 0; i < KN_NCHAN; i++)
            if (k->bound[i] && kn_conn_ipc_path(&k->conn, (enum kn_chan)i, path,
                                                sizeof(path)) == 0)
                unlink(path);
    }
    for (size_t i = 0; i < k->ndeferred; i++)
        kn_msg_free(&k->deferred[i]);
    free(k->deferred);
    if (k->replay) {
        pthread_mutex_destroy(&k->replay->mu);
        free(k->replay);
    }
    cJSON_Delete(k->kinfo);
    kn_hist_close(k->hist);
    kn_sess_free(&k->sess);
    kn_conn_free(&k->conn);
}

int kn_kernel_run(const struct kn_config *cfg, const struct kn_interp *in)
{
    struct kn_kernel kk, *k = &kk;
    char err[KN_ERR_LEN];
    int rc = 1;

    memset(k, 0, sizeof(*k));
    k->in = in;
    k->t_shell = pthread_self();
    k->stop_on_error_ms =
        cfg->stop_on_error_ms < 0 ? KN_STOP_ON_ERROR_MS : cfg->stop_on_error_ms;
    if (kn_conn_load(cfg->connection_file, &k->conn, err) < 0)
        goto fail;
    if (k->conn.transport == KN_IPC && k->conn.ip[0] != '/')
        fprintf(stderr,
                "ytkernel: warning: ipc path \"%s\" is relative "
                "(to this kernel's working directory); clients in "
                "another directory will not find it\n",
                k->conn.ip);
    if (kn_sess_init(&k->sess, k->conn.key, k->conn.key_len, k->conn.scheme,
                     err) < 0)
        goto fail;
    if (kn_hmac_enabled(&k->sess.hmac)) {
        if (!(k->replay = calloc(1, sizeof(*k->replay)))) {
            snprintf(err, KN_ERR_LEN, "out of memory");
            goto fail;
        }
        pthread_mutex_init(&k->replay->mu, NULL);
    }
    if (kn_hist_open(cfg->history_path, &k->hist, err) < 0) {
        fprintf(stderr, "ytkernel: %s; keeping history in memory\n", err);
        if (kn_hist_open(NULL, &k->hist, err) < 0)
            goto fail;
    }
    if (!(k->kinfo = build_kernel_info(in))) {
        snprintf(err, KN_ERR_LEN, "out of memory");
        goto fail;
    }
    install_signals();
    watch_parent(k);
    if (!(k->zctx = zmq_ctx_new())) {
        snprintf(err, KN_ERR_LEN, "cannot create a ZeroMQ context");
        goto fail;
    }
    if (bind_channels(k, err) < 0 || make_inproc(k, err) < 0)
        goto fail;
    if (start_thread(&k->t_pub, kn_iopub_main, k) != 0) {
        snprintf(err, KN_ERR_LEN, "cannot start the iopub thread");
        goto fail;
    }
    k->have_pub = 1;
    if (start_thread(&k->t_hb, hb_main, k) != 0) {
        snprintf(err, KN_ERR_LEN, "cannot start the heartbeat thread");
        goto fail;
    }
    k->have_hb = 1;
    if (start_thread(&k->t_ctl, control_main, k) != 0) {
        snprintf(err, KN_ERR_LEN, "cannot start the control thread");
        goto fail;
    }
    k->have_ctl = 1;
    status(k, k->shell_push, NULL, "starting");
    serve_shell(k);
    if (g_term)
        fprintf(stderr, "ytkernel: SIGTERM (or the parent died); shutting "
                        "down\n");
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "ytkernel: %s\n", err);
    rc = 1;
out:
    request_stop(k, atomic_load(&k->restart));
    if (rc == 0 && in->shutdown)
        in->shutdown(in->self, atomic_load(&k->restart));
    teardown(k);
    return rc;
}
