/* test_kernel.c -- the whole kernel (kn_kernel_run) in a thread, with a
 * fake interpreter, driven by a small ZeroMQ client over ipc.  Checks the
 * kn_exec.h contract independently of the real cell language: stream
 * batching with nothing lost, display ids on update_display_data, the first
 * kn_exec_fail wins, page payloads, silent requests, stdin round trip and
 * status busy/idle with every output before idle. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "kn_kernel.h"
#include "kn_wire.h"
#include "tu.h"

/* ---- the fake interpreter ---- */

static cJSON *mime(const char *text)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "text/plain", text);
    return d;
}

static int fake_execute(void *self, struct kn_exec *x, const char *code)
{
    int n;
    if (sscanf(code, "stream %d", &n) == 1) {
        for (int i = 0; i < n; i++)
            kn_exec_printf(x, 0, "line %d\n", i);
        return 0;
    }
    if (strcmp(code, "display") == 0) {
        kn_exec_stream(x, 0, "before\n");
        kn_exec_display(x, mime("first"), NULL, "disp-1");
        kn_exec_update_display(x, mime("second"), NULL, "disp-1");
        kn_exec_update_display(x, mime("dropped"), NULL, NULL);
        kn_exec_stream(x, 1, "after\n");
        kn_exec_clear_output(x, 1);
        kn_exec_result(x, mime("result"), NULL);
        return 0;
    }
    if (strcmp(code, "fail") == 0) {
        kn_exec_stream(x, 0, "partial\n");
        kn_exec_fail(x, "MyError", "bad thing %d", 7);
        kn_exec_fail(x, "Other", "ignored");
        kn_exec_fail_line(x, "Hint: do it differently");
        return -1;
    }
    if (strcmp(code, "noreason") == 0)
        return -1;
    if (strcmp(code, "page") == 0) {
        kn_exec_page(x, "some help");
        return 0;
    }
    if (strcmp(code, "result") == 0) {
        kn_exec_result(x, mime(kn_exec_silent(x) ? "silent!" : "shown"), NULL);
        return 0;
    }
    if (strcmp(code, "two results") == 0) {
        kn_exec_result(x, mime("one"), NULL);
        kn_exec_result(x, mime("two"), NULL);
        return 0;
    }
    if (strcmp(code, "bye") == 0) {
        kn_exec_ask_exit(x, 0);
        return 0;
    }
    if (strcmp(code, "input") == 0) {
        char *v = NULL, err[KN_ERR_LEN];
        if (kn_exec_input(x, "name? ", 1, &v, err) < 0) {
            kn_exec_fail(x, "InputError", "%s", err);
            return -1;
        }
        kn_exec_printf(x, 0, "hello %s\n", v);
        free(v);
        return 0;
    }
    if (strcmp(code, "badutf8") == 0) {
        kn_exec_stream(x, 0, "ok \xff\xfe end\n");
        return 0;
    }
    return 0;
}

static cJSON *fake_language_info(void *self)
{
    cJSON *li = cJSON_CreateObject();
    cJSON_AddStringToObject(li, "name", "fake");
    cJSON_AddStringToObject(li, "file_extension", ".fake");
    return li;
}

static const struct kn_interp fake = {
    .implementation = "fake",
    .implementation_version = "1",
    .banner = "fake kernel",
    .language_info = fake_language_info,
    .execute = fake_execute,
};

/* ---- the kernel thread ---- */

static char conn_path[64], ipc_prefix[64];
static int kernel_rc = -1;

static void *kernel_thread(void *arg)
{
    struct kn_config cfg = {conn_path, NULL, -1};
    kernel_rc = kn_kernel_run(&cfg, &fake);
    return NULL;
}

/* ---- a tiny client ---- */

static struct kn_sess sess;
static void *zctx, *shell, *control, *iopub, *stdin_s;

static void *connect_to(int type, int port)
{
    char ep[128];
    void *s = zmq_socket(zctx, type);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
    if (type == ZMQ_SUB)
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    snprintf(ep, sizeof(ep), "ipc://%s-%d", ipc_prefix, port);
    zmq_connect(s, ep);
    return s;
}

/* Send a request; returns its msg_id in id. */
static void send_req(void *s, const char *type, const char *content,
                     char id[37])
{
    struct kn_out o;
    char err[KN_ERR_LEN];
    TU_EQ_INT(kn_wire_build(&sess, type, NULL, 0, NULL, cJSON_Parse(content),
                            &o, err),
              0);
    memcpy(id, o.msg_id, 37);
    zmq_send(s, KN_DELIM, strlen(KN_DELIM), ZMQ_SNDMORE);
    zmq_send(s, o.sig, o.siglen, ZMQ_SNDMORE);
    for (int i = 0; i < 4; i++)
        zmq_send(s, o.frame[i], o.len[i], i < 3 ? ZMQ_SNDMORE : 0);
    kn_out_free(&o);
}

/* Receive one message within timeout_ms; 1 on success. */
static int recv_msg(void *s, int timeout_ms, struct kn_msg *m)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    zmq_msg_t parts[32];
    struct kn_frame f[32];
    size_t n = 0;
    int more = 1, rc;
    char err[KN_ERR_LEN];

    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return 0;
    while (more && n < 32) {
        zmq_msg_init(&parts[n]);
        zmq_msg_recv(&parts[n], s, 0);
        more = zmq_msg_more(&parts[n]);
        f[n].data = zmq_msg_data(&parts[n]);
        f[n].len = zmq_msg_size(&parts[n]);
        n++;
    }
    rc = kn_wire_parse(f, n, &sess.hmac, m, err) == 0;
    if (!rc)
        fprintf(stderr, "client: bad message: %s\n", err);
    for (size_t i = 0; i < n; i++)
        zmq_msg_close(&parts[i]);
    return rc;
}

static const char *parent_id(const struct kn_msg *m)
{
    const cJSON *p = cJSON_GetObjectItem(m->parent, "msg_id");
    return cJSON_IsString(p) ? p->valuestring : "";
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* All iopub messages for id up to idle, as a JSON array of
 * {type, content}. */
static cJSON *iopub_until_idle(const char *id)
{
    cJSON *out = cJSON_CreateArray();
    struct kn_msg m;
    for (;;) {
        if (!recv_msg(iopub, 20000, &m)) {
            TU_CHECK(!"no idle on iopub");
            return out;
        }
        if (strcmp(parent_id(&m), id) == 0) {
            cJSON *e = cJSON_CreateObject();
            int idle =
                strcmp(m.msg_type, "status") == 0 &&
                strcmp(str_of(m.content, "execution_state"), "idle") == 0;
            cJSON_AddStringToObject(e, "type", m.msg_type);
            cJSON_AddItemToObject(e, "content", cJSON_Duplicate(m.content, 1));
            cJSON_AddItemToArray(out, e);
            if (idle) {
                kn_msg_free(&m);
                return out;
            }
        }
        kn_msg_free(&m);
    }
}

/* The text of the last stream message in msgs (as iopub_until_idle gives
 * them), NULL when there is none. */
static const char *last_stream_text(const cJSON *msgs)
{
    const cJSON *e;
    const char *t = NULL;

    cJSON_ArrayForEach(e, msgs)
    {
        const char *type = str_of(e, "type");
        if (type && strcmp(type, "stream") == 0)
            t = str_of(cJSON_GetObjectItem(e, "content"), "text");
    }
    return t;
}

static cJSON *shell_reply(const char *id)
{
    struct kn_msg m;
    cJSON *c;
    while (recv_msg(shell, 20000, &m)) {
        if (strcmp(parent_id(&m), id) == 0) {
            c = cJSON_Duplicate(m.content, 1);
            kn_msg_free(&m);
            return c;
        }
        kn_msg_free(&m);
    }
    TU_CHECK(!"no shell reply");
    return cJSON_CreateObject();
}

static int count_type(const cJSON *msgs, const char *type)
{
    const cJSON *e;
    int n = 0;
    cJSON_ArrayForEach(e, msgs) n += strcmp(str_of(e, "type"), type) == 0;
    return n;
}

static char *execute(const char *code, int silent, cJSON **reply)
{
    char id[37], content[256];
    cJSON *msgs;
    snprintf(content, sizeof(content),
             "{\"code\": \"%s\", \"silent\": %s, \"store_history\": true, "
             "\"user_expressions\": {}, \"allow_stdin\": true, "
             "\"stop_on_error\": false}",
             code, silent ? "true" : "false");
    send_req(shell, "execute_request", content, id);
    *reply = shell_reply(id);
    msgs = iopub_until_idle(id);
    {
        char *s = cJSON_PrintUnformatted(msgs);
        cJSON_Delete(msgs);
        return s;
    }
}

/* ---- tests ---- */

static void test_stream_batching(void)
{
    cJSON *reply, *msgs, *e;
    char *s = execute("stream 100000", 0, &reply);
    size_t want_len = 0, got_len = 0;
    char *text, *p;
    int nstream = 0, ok = 1, i = 0;

    msgs = cJSON_Parse(s);
    TU_EQ_STR(str_of(reply, "status"), "ok");
    for (int k = 0; k < 100000; k++)
        want_len += (size_t)snprintf(NULL, 0, "line %d\n", k);
    text = malloc(want_len + 1);
    p = text;
    cJSON_ArrayForEach(e, msgs)
    {
        const cJSON *c = cJSON_GetObjectItem(e, "content");
        if (strcmp(str_of(e, "type"), "stream") == 0) {
            const char *t = str_of(c, "text");
            size_t l = strlen(t);
            nstream++;
            TU_EQ_STR(str_of(c, "name"), "stdout");
            if (got_len + l > want_len) {
                ok = 0;
                break;
            }
            memcpy(p, t, l);
            p += l;
            got_len += l;
        }
    }
    *p = '\0';
    TU_EQ_INT(got_len, want_len);
    /* in order, nothing lost */
    p = text;
    for (i = 0; ok && i < 100000; i++) {
        char line[32];
        int l = snprintf(line, sizeof(line), "line %d\n", i);
        if (strncmp(p, line, (size_t)l) != 0)
            ok = 0;
        p += l;
    }
    TU_CHECK(ok);
    TU_CHECK(nstream > 0 && nstream < 5000);
    printf("     100000 lines -> %d stream messages\n", nstream);
    free(text);
    free(s);
    cJSON_Delete(msgs);
    cJSON_Delete(reply);
}

static void test_display_and_order(void)
{
    cJSON *reply, *msgs;
    char *s = execute("display", 0, &reply);
    const cJSON *e;
    const char *order[] = {"status",       "execute_input",       "stream",
                           "display_data", "update_display_data", "stream",
                           "clear_output", "execute_result",      "status"};
    int i = 0;

    msgs = cJSON_Parse(s);
    TU_EQ_INT(cJSON_GetArraySize(msgs), 9);
    cJSON_ArrayForEach(e, msgs)
    {
        const cJSON *c = cJSON_GetObjectItem(e, "content");
        if (i < 9)
            TU_EQ_STR(str_of(e, "type"), order[i]);
        if (i == 3 || i == 4)
            TU_EQ_STR(str_of(cJSON_GetObjectItem(c, "transient"), "display_id"),
                      "disp-1");
        if (i == 4)
            TU_EQ_STR(str_of(cJSON_GetObjectItem(c, "data"), "text/plain"),
                      "second");
        if (i == 5)
            TU_EQ_STR(str_of(c, "name"), "stderr");
        if (i == 6)
            TU_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(c, "wait")));
        if (i == 7)
            TU_EQ_INT(cJSON_GetObjectItem(c, "execution_count")->valueint,
                      cJSON_GetObjectItem(reply, "execution_count")->valueint);
        i++;
    }
    free(s);
    cJSON_Delete(msgs);
    cJSON_Delete(reply);
}

static void test_fail(void)
{
    cJSON *reply, *msgs, *err = NULL, *tb;
    char *s = execute("fail", 0, &reply);
    const cJSON *e;

    msgs = cJSON_Parse(s);
    TU_EQ_INT(count_type(msgs, "error"), 1);
    cJSON_ArrayForEach(e, msgs) if (strcmp(str_of(e, "type"), "error") == 0)
        err = cJSON_GetObjectItem(e, "content");
    TU_EQ_STR(str_of(reply, "status"), "error");
    TU_EQ_STR(str_of(reply, "ename"), "MyError");
    TU_EQ_STR(str_of(reply, "evalue"), "bad thing 7");
    TU_CHECK(err != NULL);
    if (err) {
        TU_EQ_STR(str_of(err, "ename"), "MyError");
        tb = cJSON_GetObjectItem(err, "traceback");
        TU_EQ_INT(cJSON_GetArraySize(tb), 2);
        TU_EQ_STR(cJSON_GetArrayItem(tb, 0)->valuestring,
                  "MyError: bad thing 7");
        TU_EQ_STR(cJSON_GetArrayItem(tb, 1)->valuestring,
                  "Hint: do it differently");
    }
    free(s);
    cJSON_Delete(msgs);
    cJSON_Delete(reply);

    s = execute("noreason", 0, &reply);
    TU_EQ_STR(str_of(reply, "status"), "error");
    TU_EQ_STR(str_of(reply, "ename"), "Error");
    free(s);
    cJSON_Delete(reply);
}

static void test_page_and_silent(void)
{
    cJSON *reply, *msgs, *pl;
    char *s = execute("page", 0, &reply);
    int count;

    pl = cJSON_GetObjectItem(reply, "payload");
    TU_EQ_INT(cJSON_GetArraySize(pl), 1);
    TU_EQ_STR(str_of(cJSON_GetArrayItem(pl, 0), "source"), "page");
    TU_EQ_STR(str_of(cJSON_GetObjectItem(cJSON_GetArrayItem(pl, 0), "data"),
                     "text/plain"),
              "some help");
    count = cJSON_GetObjectItem(reply, "execution_count")->valueint;
    free(s);
    cJSON_Delete(reply);

    s = execute("result", 1, &reply);
    msgs = cJSON_Parse(s);
    TU_EQ_INT(count_type(msgs, "execute_result"), 0);
    TU_EQ_INT(count_type(msgs, "execute_input"), 0);
    TU_EQ_INT(cJSON_GetObjectItem(reply, "execution_count")->valueint, count);
    free(s);
    cJSON_Delete(msgs);
    cJSON_Delete(reply);
}

/* Issue 16: at most one execute_result per request; a second result is
 * display_data.  ask_exit is a payload. */
static void test_one_result_and_ask_exit(void)
{
    cJSON *reply, *msgs, *e, *pl;
    char *s = execute("two results", 0, &reply);
    int i = 0;

    msgs = cJSON_Parse(s);
    TU_EQ_INT(count_type(msgs, "execute_result"), 1);
    TU_EQ_INT(count_type(msgs, "display_data"), 1);
    cJSON_ArrayForEach(e, msgs)
    {
        const char *t = str_of(e, "type");
        const cJSON *d = cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(e, "content"), "data"),
            "text/plain");
        if (strcmp(t, "execute_result") == 0) {
            TU_CHECK(cJSON_IsString(d) && strcmp(d->valuestring, "one") == 0);
            TU_EQ_INT(i, 0);
            i++;
        } else if (strcmp(t, "display_data") == 0) {
            TU_CHECK(cJSON_IsString(d) && strcmp(d->valuestring, "two") == 0);
            TU_EQ_INT(i, 1);
            i++;
        }
    }
    free(s);
    cJSON_Delete(msgs);
    cJSON_Delete(reply);

    s = execute("bye", 0, &reply);
    pl = cJSON_GetObjectItem(reply, "payload");
    TU_EQ_INT(cJSON_GetArraySize(pl), 1);
    TU_EQ_STR(str_of(cJSON_GetArrayItem(pl, 0), "source"), "ask_exit");
    TU_CHECK(cJSON_IsFalse(
        cJSON_GetObjectItem(cJSON_GetArrayItem(pl, 0), "keepkernel")));
    free(s);
    cJSON_Delete(reply);
}

static void test_stdin(void)
{
    char id[37];
    struct kn_msg m;
    cJSON *reply, *msgs;

    send_req(shell, "execute_request",
             "{\"code\": \"input\", \"silent\": false, \"store_history\": "
             "true, \"user_expressions\": {}, \"allow_stdin\": true}",
             id);
    /* the kernel routes input_request by the execute request's identity,
     * which shell and stdin_s share (see main) */
    TU_CHECK(recv_msg(stdin_s, 20000, &m));
    if (m.msg_type) {
        TU_EQ_STR(m.msg_type, "input_request");
        TU_EQ_STR(str_of(m.content, "prompt"), "name? ");
        TU_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(m.content, "password")));
        TU_EQ_STR(parent_id(&m), id);
        kn_msg_free(&m);
    }
    {
        char rid[37];
        send_req(stdin_s, "input_reply", "{\"value\": \"world\"}", rid);
    }
    reply = shell_reply(id);
    TU_EQ_STR(str_of(reply, "status"), "ok");
    msgs = iopub_until_idle(id);
    TU_EQ_STR(last_stream_text(msgs), "hello world\n");
    cJSON_Delete(msgs);
    cJSON_Delete(reply);
}

static void test_invalid_utf8_is_replaced(void)
{
    cJSON *reply, *msgs;
    char *s = execute("badutf8", 0, &reply);
    msgs = cJSON_Parse(s);
    TU_EQ_STR(last_stream_text(msgs), "ok \xef\xbf\xbd\xef\xbf\xbd end\n");
    free(s);
    cJSON_Delete(msgs);
    cJSON_Delete(reply);
}

static void test_kernel_info_control_and_shutdown(pthread_t t)
{
    char id[37];
    struct kn_msg m;
    cJSON *msgs;

    send_req(control, "kernel_info_request", "{}", id);
    TU_CHECK(recv_msg(control, 20000, &m));
    if (m.msg_type) {
        TU_EQ_STR(m.msg_type, "kernel_info_reply");
        TU_EQ_STR(str_of(m.content, "implementation"), "fake");
        TU_EQ_STR(
            str_of(cJSON_GetObjectItem(m.content, "language_info"), "name"),
            "fake");
        kn_msg_free(&m);
    }
    msgs = iopub_until_idle(id);
    TU_EQ_INT(cJSON_GetArraySize(msgs), 2);
    cJSON_Delete(msgs);

    send_req(control, "shutdown_request", "{\"restart\": true}", id);
    TU_CHECK(recv_msg(control, 20000, &m));
    if (m.msg_type) {
        TU_EQ_STR(m.msg_type, "shutdown_reply");
        TU_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(m.content, "restart")));
        kn_msg_free(&m);
    }
    pthread_join(t, NULL);
    TU_EQ_INT(kernel_rc, 0);
    for (int i = 1; i <= 5; i++) {
        char path[96];
        snprintf(path, sizeof(path), "%s-%d", ipc_prefix, i);
        TU_CHECK(access(path, F_OK) != 0); /* socket files removed */
    }
}

int main(void)
{
    char err[KN_ERR_LEN], dir[] = "/tmp/ytk-kt-XXXXXX";
    pthread_t t;
    FILE *f;
    int ident_len;
    const char *ident = "client-1";
    struct timespec ready = {0, 200 * 1000 * 1000};

    if (!mkdtemp(dir))
        return 1;
    snprintf(conn_path, sizeof(conn_path), "%s/conn.json", dir);
    snprintf(ipc_prefix, sizeof(ipc_prefix), "%s/k", dir);
    f = fopen(conn_path, "w");
    fprintf(f,
            "{\"transport\": \"ipc\", \"ip\": \"%s\", \"shell_port\": 1, "
            "\"control_port\": 2, \"stdin_port\": 3, \"iopub_port\": 4, "
            "\"hb_port\": 5, \"key\": \"unit-key\", "
            "\"signature_scheme\": \"hmac-sha256\"}",
            ipc_prefix);
    fclose(f);
    if (kn_sess_init(&sess, (const unsigned char *)"unit-key", 8, "sha256",
                     err) < 0)
        return 1;
    zctx = zmq_ctx_new();
    pthread_create(&t, NULL, kernel_thread, NULL);
    /* shell and stdin share an identity, as in jupyter_client */
    ident_len = (int)strlen(ident);
    shell = zmq_socket(zctx, ZMQ_DEALER);
    stdin_s = zmq_socket(zctx, ZMQ_DEALER);
    zmq_setsockopt(shell, ZMQ_ROUTING_ID, ident, (size_t)ident_len);
    zmq_setsockopt(stdin_s, ZMQ_ROUTING_ID, ident, (size_t)ident_len);
    {
        char ep[128];
        int zero = 0;
        zmq_setsockopt(shell, ZMQ_LINGER, &zero, sizeof(zero));
        zmq_setsockopt(stdin_s, ZMQ_LINGER, &zero, sizeof(zero));
        snprintf(ep, sizeof(ep), "ipc://%s-1", ipc_prefix);
        zmq_connect(shell, ep);
        snprintf(ep, sizeof(ep), "ipc://%s-3", ipc_prefix);
        zmq_connect(stdin_s, ep);
    }
    control = connect_to(ZMQ_DEALER, 2);
    iopub = connect_to(ZMQ_SUB, 4);
    /* wait for the welcome: then the subscription is in place */
    {
        struct kn_msg m;
        int welcomed = 0;
        for (int i = 0; i < 100 && !welcomed; i++) {
            if (recv_msg(iopub, 200, &m)) {
                welcomed = strcmp(m.msg_type, "iopub_welcome") == 0;
                kn_msg_free(&m);
            }
        }
        TU_CHECK(welcomed);
        if (!welcomed)
            return tu_report();
    }
    nanosleep(&ready, NULL);

    TU_RUN(test_display_and_order);
    TU_RUN(test_fail);
    TU_RUN(test_page_and_silent);
    TU_RUN(test_stdin);
    TU_RUN(test_one_result_and_ask_exit);
    TU_RUN(test_invalid_utf8_is_replaced);
    TU_RUN(test_stream_batching);
    {
        int before = tu_failed_checks;
        test_kernel_info_control_and_shutdown(t);
        if (tu_failed_checks == before) {
            tu_passed++;
            printf("ok   test_kernel_info_control_and_shutdown\n");
        } else {
            tu_failed++;
            printf("FAIL test_kernel_info_control_and_shutdown\n");
        }
    }
    zmq_close(shell);
    zmq_close(stdin_s);
    zmq_close(control);
    zmq_close(iopub);
    zmq_ctx_term(zctx);
    kn_sess_free(&sess);
    unlink(conn_path);
    rmdir(dir);
    return tu_report();
}
