/* test_conn.c -- connection file parsing and endpoints (kernel/kn_conn). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kn_conn.h"
#include "tu.h"

#define PORTS                                                                  \
    "\"shell_port\": 5001, \"control_port\": 5002, \"stdin_port\": 5003, "     \
    "\"iopub_port\": 5004, \"hb_port\": 5005"

static int parse(const char *text, struct kn_conn *c, char *err)
{
    return kn_conn_parse(text, strlen(text), c, err);
}

static void test_tcp_ipv4(void)
{
    struct kn_conn c;
    char err[KN_ERR_LEN], ep[128];
    const char *t = "{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", " PORTS
                    ", \"key\": \"s3cret\", \"signature_scheme\": "
                    "\"hmac-sha256\", \"kernel_name\": \"ytkernel\"}";
    TU_EQ_INT(parse(t, &c, err), 0);
    TU_EQ_INT(c.transport, KN_TCP);
    TU_EQ_INT(c.ipv6, 0);
    TU_EQ_INT(c.port[KN_SHELL], 5001);
    TU_EQ_INT(c.port[KN_CONTROL], 5002);
    TU_EQ_INT(c.port[KN_STDIN], 5003);
    TU_EQ_INT(c.port[KN_IOPUB], 5004);
    TU_EQ_INT(c.port[KN_HB], 5005);
    TU_EQ_INT(c.key_len, 6);
    TU_CHECK(memcmp(c.key, "s3cret", 6) == 0);
    TU_EQ_STR(c.scheme, "sha256");
    TU_EQ_INT(kn_conn_endpoint(&c, KN_IOPUB, ep, sizeof(ep), err), 0);
    TU_EQ_STR(ep, "tcp://127.0.0.1:5004");
    kn_conn_free(&c);
}

static void test_tcp_ipv6(void)
{
    struct kn_conn c;
    char err[KN_ERR_LEN], ep[128];
    const char *t = "{\"ip\": \"::1\", " PORTS ", \"key\": \"\"}";
    TU_EQ_INT(parse(t, &c, err), 0);
    TU_EQ_INT(c.ipv6, 1);
    TU_EQ_INT(c.key_len, 0); /* empty key: unsigned */
    TU_EQ_INT(kn_conn_endpoint(&c, KN_SHELL, ep, sizeof(ep), err), 0);
    TU_EQ_STR(ep, "tcp://[::1]:5001");
    kn_conn_free(&c);
    /* an already bracketed address is accepted too */
    t = "{\"ip\": \"[fe80::1]\", " PORTS ", \"key\": \"k\"}";
    TU_EQ_INT(parse(t, &c, err), 0);
    TU_EQ_INT(kn_conn_endpoint(&c, KN_HB, ep, sizeof(ep), err), 0);
    TU_EQ_STR(ep, "tcp://[fe80::1]:5005");
    kn_conn_free(&c);
}

static void test_ipc(void)
{
    struct kn_conn c;
    char err[KN_ERR_LEN], ep[256], path[256], longp[200];
    const char *t = "{\"transport\": \"ipc\", \"ip\": \"/tmp/ytk-test\", "
                    "\"shell_port\": 1, \"control_port\": 2, \"stdin_port\": "
                    "3, \"iopub_port\": 4, \"hb_port\": 5, \"key\": \"k\"}";
    char buf[512];
    TU_EQ_INT(parse(t, &c, err), 0);
    TU_EQ_INT(c.transport, KN_IPC);
    TU_EQ_INT(kn_conn_endpoint(&c, KN_CONTROL, ep, sizeof(ep), err), 0);
    TU_EQ_STR(ep, "ipc:///tmp/ytk-test-2");
    TU_EQ_INT(kn_conn_ipc_path(&c, KN_HB, path, sizeof(path)), 0);
    TU_EQ_STR(path, "/tmp/ytk-test-5");
    kn_conn_free(&c);

    /* a path that cannot fit in sun_path is refused with a clear error */
    memset(longp, 'a', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    snprintf(buf, sizeof(buf),
             "{\"transport\": \"ipc\", \"ip\": \"%s\", \"shell_port\": 1, "
             "\"control_port\": 2, \"stdin_port\": 3, \"iopub_port\": 4, "
             "\"hb_port\": 5, \"key\": \"k\"}",
             longp);
    TU_EQ_INT(parse(buf, &c, err), -1);
    TU_CHECK(strstr(err, "too long") != NULL);
}

static void expect_error(const char *text, const char *needle)
{
    struct kn_conn c;
    char err[KN_ERR_LEN] = "";
    TU_EQ_INT(parse(text, &c, err), -1);
    if (!strstr(err, needle)) {
        fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, needle);
        TU_CHECK(0);
    }
    TU_CHECK(c.key == NULL && c.ip == NULL); /* nothing left to free */
}

static void test_bad_files(void)
{
    expect_error("", "not a JSON object");
    expect_error("[1,2]", "not a JSON object");
    expect_error("{\"ip\": \"127.0.0.1\", \"key\": \"k\"}", "shell_port");
    expect_error("{\"ip\": \"127.0.0.1\", \"shell_port\": \"5001\"}",
                 "shell_port");
    expect_error("{\"shell_port\": 5001, \"control_port\": 5002, "
                 "\"stdin_port\": 5003, \"iopub_port\": 5004, "
                 "\"hb_port\": 70000}",
                 "hb_port");
    expect_error("{\"shell_port\": 0, \"control_port\": 5002, "
                 "\"stdin_port\": 5003, \"iopub_port\": 5004, "
                 "\"hb_port\": 5005}",
                 "shell_port");
    expect_error("{\"shell_port\": 5001.5, \"control_port\": 5002, "
                 "\"stdin_port\": 5003, \"iopub_port\": 5004, "
                 "\"hb_port\": 5005}",
                 "integer");
    expect_error("{" PORTS ", \"transport\": \"udp\"}", "transport");
    expect_error("{" PORTS ", \"ip\": 3}", "\"ip\"");
    expect_error("{" PORTS ", \"ip\": \"\"}", "\"ip\"");
    expect_error("{" PORTS ", \"key\": 12}", "\"key\"");
    expect_error("{" PORTS ", \"key\": \"k\", \"signature_scheme\": "
                 "\"sha256\"}",
                 "signature_scheme");
    expect_error("{\"shell_port\": 5001, \"control_port\": 5001, "
                 "\"stdin_port\": 5003, \"iopub_port\": 5004, "
                 "\"hb_port\": 5005}",
                 "both 5001");
    expect_error("{" PORTS ", \"curve_secretkey\": \"x\"}", "Curve");
}

static void test_error_never_shows_key(void)
{
    struct kn_conn c;
    char err[KN_ERR_LEN] = "";
    const char *t = "{" PORTS ", \"key\": \"TOPSECRETKEY\", "
                    "\"signature_scheme\": \"hmac-nope\", \"ip\": 5}";
    TU_EQ_INT(parse(t, &c, err), -1);
    TU_CHECK(strstr(err, "TOPSECRETKEY") == NULL);
}

static void test_load_file(void)
{
    struct kn_conn c;
    char err[KN_ERR_LEN], path[] = "/tmp/ytk-conn-XXXXXX";
    int fd = mkstemp(path);
    const char *t = "{\"ip\": \"127.0.0.1\", " PORTS ", \"key\": \"abc\"}";
    TU_CHECK(fd >= 0);
    TU_EQ_INT(write(fd, t, strlen(t)), (long long)strlen(t));
    close(fd);
    TU_EQ_INT(kn_conn_load(path, &c, err), 0);
    TU_EQ_INT(c.port[KN_HB], 5005);
    kn_conn_free(&c);
    unlink(path);
    TU_EQ_INT(kn_conn_load("/nonexistent/ytk.json", &c, err), -1);
    TU_CHECK(strstr(err, "/nonexistent/ytk.json") != NULL);
}

int main(void)
{
    TU_RUN(test_tcp_ipv4);
    TU_RUN(test_tcp_ipv6);
    TU_RUN(test_ipc);
    TU_RUN(test_bad_files);
    TU_RUN(test_error_never_shows_key);
    TU_RUN(test_load_file);
    return tu_report();
}
