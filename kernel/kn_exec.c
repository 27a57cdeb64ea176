/* kn_exec.c -- what an interpreter may do during an execute request (the
 * kn_exec.h contract).  Output goes to the publisher thread through the
 * shell thread's PUSH socket, so it keeps its order and precedes `idle`. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "kn_priv.h"

/* The handle is valid during `execute` only, on the thread running it. */
#define EXEC_VALID(x)                                                          \
    KN_ASSERT((x) && (x)->k && (x)->req &&                                     \
              pthread_equal(pthread_self(), (x)->k->t_shell))

int kn_exec_count(const struct kn_exec *x)
{
    return x->count;
}

int kn_exec_silent(const struct kn_exec *x)
{
    return x->silent;
}

int kn_exec_allow_stdin(const struct kn_exec *x)
{
    return x->allow_stdin;
}

void kn_exec_stream(struct kn_exec *x, int to_stderr, const char *text)
{
    size_t len;
    char *fixed = NULL;

    EXEC_VALID(x);
    if (!text || !*text)
        return;
    len = strlen(text);
    if (!kn_utf8_valid(text, len)) {
        if (!(fixed = kn_utf8_fix(text, len, &len)))
            return;
        text = fixed;
    }
    kn_pub_stream(x->k->shell_push, to_stderr, x->req, text, len);
    free(fixed);
}

void kn_exec_printf(struct kn_exec *x, int to_stderr, const char *fmt, ...)
{
    va_list ap;
    char small[1024], *big = NULL;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        kn_exec_stream(x, to_stderr, small);
        return;
    }
    if (!(big = malloc((size_t)n + 1)))
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    kn_exec_stream(x, to_stderr, big);
    free(big);
}

static cJSON *bundle_content(cJSON *data, cJSON *metadata,
                             const char *display_id)
{
    cJSON *c = cJSON_CreateObject(), *t;
    if (!c) {
        cJSON_Delete(data);
        cJSON_Delete(metadata);
        return NULL;
    }
    cJSON_AddItemToObject(c, "data", data ? data : cJSON_CreateObject());
    cJSON_AddItemToObject(c, "metadata",
                          metadata ? metadata : cJSON_CreateObject());
    if (display_id) {
        t = cJSON_AddObjectToObject(c, "transient");
        if (t)
            cJSON_AddStringToObject(t, "display_id", display_id);
    }
    return c;
}

void kn_exec_display(struct kn_exec *x, cJSON *data, cJSON *metadata,
                     const char *display_id)
{
    cJSON *c;

    EXEC_VALID(x);
    c = bundle_content(data, metadata, display_id);
    if (c)
        kn_pub(x->k, x->k->shell_push, "display_data", x->req, c);
}

void kn_exec_update_display(struct kn_exec *x, cJSON *data, cJSON *metadata,
                            const char *display_id)
{
    cJSON *c;
    if (!display_id || !*display_id) {
        fprintf(stderr, "ytkernel: update_display without a display_id "
                        "ignored\n");
        cJSON_Delete(data);
        cJSON_Delete(metadata);
        return;
    }
    c = bundle_content(data, metadata, display_id);
    if (c)
        kn_pub(x->k, x->k->shell_push, "update_display_data", x->req, c);
}

void kn_exec_result(struct kn_exec *x, cJSON *data, cJSON *metadata)
{
    cJSON *c, *plain;

    EXEC_VALID(x);
    if (x->silent) {
        cJSON_Delete(data);
        cJSON_Delete(metadata);
        return;
    }
    plain = cJSON_GetObjectItemCaseSensitive(data, "text/plain");
    if (cJSON_IsString(plain) && plain->valuestring) {
        free(x->result_text);
        x->result_text = strdup(plain->valuestring);
    }
    c = bundle_content(data, metadata, NULL);
    if (!c)
        return;
    if (x->nresults++) {
        /* one execute_result per request: the later ones are display data */
        kn_pub(x->k, x->k->shell_push, "display_data", x->req, c);
        return;
    }
    cJSON_AddNumberToObject(c, "execution_count", x->count);
    kn_pub(x->k, x->k->shell_push, "execute_result", x->req, c);
}

void kn_exec_ask_exit(struct kn_exec *x, int keepkernel)
{
    cJSON *p = cJSON_CreateObject();

    if (!p || !cJSON_AddStringToObject(p, "source", "ask_exit") ||
        !cJSON_AddBoolToObject(p, "keepkernel", keepkernel != 0) ||
        !cJSON_AddItemToArray(x->payload, p))
        cJSON_Delete(p);
}

void kn_exec_clear_output(struct kn_exec *x, int wait)
{
    cJSON *c = cJSON_CreateObject();
    if (!c)
        return;
    cJSON_AddBoolToObject(c, "wait", wait != 0);
    kn_pub(x->k, x->k->shell_push, "clear_output", x->req, c);
}

void kn_exec_page(struct kn_exec *x, const char *text)
{
    cJSON *p = cJSON_CreateObject(), *d;
    if (!p)
        return;
    cJSON_AddStringToObject(p, "source", "page");
    d = cJSON_AddObjectToObject(p, "data");
    if (d)
        cJSON_AddStringToObject(d, "text/plain", text ? text : "");
    cJSON_AddNumberToObject(p, "start", 0);
    cJSON_AddItemToArray(x->payload, p);
}

void kn_exec_fail(struct kn_exec *x, const char *ename, const char *fmt, ...)
{
    va_list ap;

    EXEC_VALID(x);
    if (x->failed)
        return;
    x->failed = 1;
    snprintf(x->ename, sizeof(x->ename), "%s",
             ename && *ename ? ename : "Error");
    va_start(ap, fmt);
    vsnprintf(x->evalue, sizeof(x->evalue), fmt, ap);
    va_end(ap);
}

void kn_exec_fail_line(struct kn_exec *x, const char *line)
{
    if (line && x->traceback)
        cJSON_AddItemToArray(x->traceback, cJSON_CreateString(line));
}

int kn_exec_interrupted(struct kn_exec *x)
{
    return atomic_load_explicit(&kn_g_interrupt, memory_order_relaxed) ||
           atomic_load_explicit(&x->k->stop, memory_order_relaxed);
}

void kn_exec_new_id(char out[37])
{
    kn_wire_uuid(out);
}

int kn_exec_input(struct kn_exec *x, const char *prompt, int password,
                  char **value, char err[KN_ERR_LEN])
{
    struct kn_kernel *k = x->k;
    void *sock = k->sock[KN_STDIN];
    cJSON *c;
    struct kn_msg m;
    char req_id[37];
    int r;

    EXEC_VALID(x);
    *value = NULL;
    if (!x->allow_stdin) {
        snprintf(err, KN_ERR_LEN,
                 "this frontend does not accept input (allow_stdin is "
                 "false); run the cell from a notebook or console");
        return -1;
    }
    /* Forget stale replies (e.g. to an interrupted request). */
    while ((r = kn_recv(k, sock, "stdin", &m)) == 1)
        kn_msg_free(&m);
    kn_pub_flush(k->shell_push);
    c = cJSON_CreateObject();
    if (!c) {
        snprintf(err, KN_ERR_LEN, "out of memory");
        return -1;
    }
    cJSON_AddStringToObject(c, "prompt", prompt ? prompt : "");
    cJSON_AddBoolToObject(c, "password", password != 0);
    if (kn_send_to(k, sock, x->req, "input_request", c, req_id) < 0) {
        snprintf(err, KN_ERR_LEN, "cannot send input_request");
        return -1;
    }
    for (;;) {
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        if (kn_exec_interrupted(x)) {
            snprintf(err, KN_ERR_LEN, "input interrupted");
            return -1;
        }
        r = zmq_poll(&it, 1, 100);
        if (r < 0 && errno != EINTR) {
            snprintf(err, KN_ERR_LEN, "stdin channel closed");
            return -1;
        }
        if (r <= 0 || !(it.revents & ZMQ_POLLIN))
            continue;
        r = kn_recv(k, sock, "stdin", &m);
        if (r < 0) {
            snprintf(err, KN_ERR_LEN, "stdin channel closed");
            return -1;
        }
        if (r == 0)
            continue;
        if (strcmp(m.msg_type, "input_reply") == 0) {
            const cJSON *pid =
                cJSON_GetObjectItemCaseSensitive(m.parent, "msg_id");
            const cJSON *v;
            /* A reply naming another request answers an abandoned prompt
             * (jupyter_client sends no parent: accepted). */
            if (cJSON_IsString(pid) && pid->valuestring && *pid->valuestring &&
                strcmp(pid->valuestring, req_id) != 0) {
                fprintf(stderr, "ytkernel: ignored an input_reply to an "
                                "earlier prompt\n");
                kn_msg_free(&m);
                continue;
            }
            v = cJSON_GetObjectItemCaseSensitive(m.content, "value");
            *value = strdup(cJSON_IsString(v) && v->valuestring ? v->valuestring
                                                                : "");
            kn_msg_free(&m);
            if (!*value) {
                snprintf(err, KN_ERR_LEN, "out of memory");
                return -1;
            }
            return 0;
        }
        fprintf(stderr, "ytkernel: ignored %s on stdin\n", m.msg_type);
        kn_msg_free(&m);
    }
}
