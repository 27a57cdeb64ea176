/* yt_listener.c -- one-shot loopback listener for the OAuth redirect.
 * See yt_listener.h. */
#include "yt_listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "yt_buf.h"
#include "yt_err.h"

/* How long one connection may take to send its request. */
#define CONN_READ_MS 5000
#define CONN_WRITE_MS 2000
#define SLICE_MS 100

struct yt_listener {
    int fd[2]; /* listening sockets: 127.0.0.1 and/or [::1] */
    int nfd;
    int port;
};

void yt_redirect_free(struct yt_redirect *r)
{
    if (!r)
        return;
    free(r->path);
    yt_wipe_free(r->code);
    free(r->state);
    free(r->error);
    free(r->error_description);
    free(r->scope);
    memset(r, 0, sizeof *r);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) ('+' = space) into a new string.  Control
 * characters after decoding are refused.  NULL when malformed or too long
 * (*nomem set when out of memory). */
static char *pct_decode(const char *s, size_t n, int *nomem)
{
    char *out, *o;
    size_t i;

    if (n > YT_LISTENER_MAX_VALUE * 3)
        return NULL;
    out = malloc(n + 1);
    if (!out) {
        *nomem = 1;
        return NULL;
    }
    o = out;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            int hi, lo;

            if (i + 2 >= n)
                goto bad;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                goto bad;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f)
            goto bad;
        *o++ = (char)c;
    }
    *o = '\0';
    if ((size_t)(o - out) > YT_LISTENER_MAX_VALUE)
        goto bad;
    return out;
bad:
    free(out);
    return NULL;
}

int yt_redirect_parse_query(const char *q, size_t len, struct yt_redirect *out)
{
    size_t pos = 0;
    int nomem = 0;

    while (pos < len) {
        const char *pair = q + pos, *eq;
        size_t plen = 0, klen;
        char **dst = NULL;

        while (pos + plen < len && q[pos + plen] != '&' && q[pos + plen] != ';')
            plen++;
        pos += plen + 1;
        if (plen == 0)
            continue;
        eq = memchr(pair, '=', plen);
        klen = eq ? (size_t)(eq - pair) : plen;
#define KEY(name) (klen == sizeof(name) - 1 && memcmp(pair, name, klen) == 0)
        if (KEY("code"))
            dst = &out->code;
        else if (KEY("state"))
            dst = &out->state;
        else if (KEY("error"))
            dst = &out->error;
        else if (KEY("error_description"))
            dst = &out->error_description;
        else if (KEY("scope"))
            dst = &out->scope;
#undef KEY
        if (!dst)
            continue;
        if (*dst)
            return -1; /* repeated parameter */
        if (eq)
            *dst = pct_decode(eq + 1, plen - klen - 1, &nomem);
        else
            *dst = strdup("");
        if (!*dst)
            return -1;
    }
    return nomem ? -1 : 0;
}

int yt_listener_parse_request(const char *data, size_t len,
                              struct yt_redirect *out)
{
    size_t head = 0, i, line_end, sp1, sp2, tstart, tlen, plen;
    const char *target;
    int rc;

    memset(out, 0, sizeof *out);
    /* End of the head: CRLF CRLF, tolerating bare LF. */
    for (i = 0; i < len; i++) {
        if (data[i] == '\0')
            return YTK_E_FORMAT;
        if (data[i] != '\n')
            continue;
        if (i + 1 < len && data[i + 1] == '\n') {
            head = i + 2;
            break;
        }
        if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n') {
            head = i + 3;
            break;
        }
    }
    if (!head)
        return len >= YT_LISTENER_MAX_REQUEST ? YTK_E_TOOBIG : YT_LREQ_MORE;
    if (head > YT_LISTENER_MAX_REQUEST)
        return YTK_E_TOOBIG;
    /* Request line: METHOD SP TARGET SP HTTP/1.x */
    line_end = 0;
    while (line_end < head && data[line_end] != '\n')
        line_end++;
    if (line_end > 0 && data[line_end - 1] == '\r')
        line_end--;
    for (sp1 = 0; sp1 < line_end && data[sp1] != ' '; sp1++)
        ;
    if (sp1 == line_end)
        return YTK_E_FORMAT;
    if (!(sp1 == 3 && memcmp(data, "GET", 3) == 0))
        return YTK_E_METHOD;
    tstart = sp1 + 1;
    for (sp2 = tstart; sp2 < line_end && data[sp2] != ' '; sp2++)
        ;
    if (sp2 == line_end || sp2 == tstart)
        return YTK_E_FORMAT;
    if (line_end - (sp2 + 1) != 8 || memcmp(data + sp2 + 1, "HTTP/1.", 7) ||
        (data[sp2 + 8] != '0' && data[sp2 + 8] != '1'))
        return YTK_E_FORMAT;
    target = data + tstart;
    tlen = sp2 - tstart;
    for (i = 0; i < tlen; i++) {
        unsigned char c = (unsigned char)target[i];

        if (c <= 0x20 || c >= 0x7f)
            return YTK_E_FORMAT;
    }
    /* absolute-form: http://host[:port]/path?query */
    if (tlen > 7 && memcmp(target, "http://", 7) == 0) {
        size_t s = 7;

        while (s < tlen && target[s] != '/' && target[s] != '?')
            s++;
        target += s;
        tlen -= s;
        if (tlen == 0) {
            target = "/";
            tlen = 1;
        }
    }
    if (target[0] != '/' && target[0] != '?')
        return YTK_E_FORMAT;
    /* Drop a fragment (browsers do not send one, but be safe). */
    {
        const char *hash = memchr(target, '#', tlen);

        if (hash)
            tlen = (size_t)(hash - target);
    }
    for (plen = 0; plen < tlen && target[plen] != '?'; plen++)
        ;
    if (plen == 0)
        out->path = strdup("/");
    else
        out->path = strndup(target, plen);
    if (!out->path)
        return YTK_E_NOMEM;
    if (plen < tlen) {
        rc = yt_redirect_parse_query(target + plen + 1, tlen - plen - 1, out);
        if (rc != 0) {
            yt_redirect_free(out);
            return YTK_E_FORMAT;
        }
    }
    YTK_ASSERT(out->path != NULL);
    return YT_LREQ_OK;
}

int yt_redirect_parse(const char *input, struct yt_redirect *out,
                      char err[YTK_ERR_LEN])
{
    const char *s = input, *q;
    size_t n;
    int nomem = 0;

    memset(out, 0, sizeof *out);
    if (!s)
        s = "";
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '"' ||
           *s == '\'')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                     s[n - 1] == '\n' || s[n - 1] == '"' || s[n - 1] == '\''))
        n--;
    if (n == 0) {
        yt_errf(err, "nothing pasted: give the URL your browser was redirected "
                     "to, or its code");
        return -1;
    }
    if (n > YT_LISTENER_MAX_REQUEST) {
        yt_errf(err, "what was pasted is too long to be a "
                     "redirect URL or code");
        return -1;
    }
    q = memchr(s, '?', n);
    if (q || memchr(s, '=', n)) {
        const char *start = q ? q + 1 : s;
        size_t qlen = n - (size_t)(start - s);
        const char *hash = memchr(start, '#', qlen);

        if (hash)
            qlen = (size_t)(hash - start);
        if (yt_redirect_parse_query(start, qlen, out) != 0) {
            yt_redirect_free(out);
            yt_errf(err, "could not read the pasted URL (malformed or repeated "
                         "query parameters)");
            return -1;
        }
        if (!out->code && !out->error) {
            yt_redirect_free(out);
            yt_errf(err,
                    "the pasted URL has no code= parameter: copy the whole "
                    "address of the page Google redirected you to");
            return -1;
        }
        return 0;
    }
    /* A bare code: printable, no blanks; may be percent-encoded. */
    {
        size_t i;

        for (i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];

            if (c <= 0x20 || c >= 0x7f || c == '&' || c == '#') {
                yt_errf(err, "that does not look like an authorization code or "
                             "a redirect URL");
                return -1;
            }
        }
        out->code = pct_decode(s, n, &nomem);
        if (!out->code) {
            yt_errf(err, nomem
                             ? "out of memory"
                             : "that does not look like an authorization code");
            return -1;
        }
    }
    return 0;
}

/* ---- the socket side ---------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Which loopback addresses the redirect URI asks for: bit 1 = 127.0.0.1,
 * bit 2 = [::1].  "localhost" may resolve to either in the browser. */
#define LB_V4 1
#define LB_V6 2
static int families_for(const char *uri)
{
    const char *h = uri ? strstr(uri, "://") : NULL;
    size_t n;

    if (!h)
        return LB_V4;
    h += 3;
    if (strncmp(h, "[::1]", 5) == 0)
        return LB_V6;
    n = strcspn(h, ":/?#");
    if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
        return LB_V4 | LB_V6;
    return LB_V4;
}

/* One listening socket on the loopback address of `family` at *port (0 =
 * a free one, then *port is set).  Returns the fd or -1 with errno. */
static int listen_on(int family, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, fd, e;

    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;

        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        sa->sin6_family = AF_INET6;
        sa->sin6_addr = in6addr_loopback;
        sa->sin6_port = htons((unsigned short)*port);
        len = sizeof *sa;
    } else {
        struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

        sa->sin_family = AF_INET;
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa->sin_port = htons((unsigned short)*port);
        len = sizeof *sa;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

int yt_listener_open(struct yt_listener **out, int port, char err[YTK_ERR_LEN])
{
    return yt_listener_open_uri(out, port, NULL, err);
}

int yt_listener_open_uri(struct yt_listener **out, int port,
                         const char *redirect_uri, char err[YTK_ERR_LEN])
{
    struct yt_listener *l;
    int fams = families_for(redirect_uri), attempt, p;

    *out = NULL;
    if (port < 0 || port > 65535) {
        yt_errf(err, "port %d is out of range", port);
        return -1;
    }
    l = calloc(1, sizeof *l);
    if (!l) {
        yt_errf(err, "out of memory");
        return -1;
    }
    /* With a free port and both families, the port the first socket got
     * may be taken on the other: try a few times. */
    for (attempt = 0; attempt < 8; attempt++) {
        const char *where = "127.0.0.1";
        int fd;

        p = port;
        l->nfd = 0;
        if (fams & LB_V4) {
            fd = listen_on(AF_INET, &p);
            if (fd < 0)
                goto fail;
            l->fd[l->nfd++] = fd;
        }
        if (fams & LB_V6) {
            where = "[::1]";
            fd = listen_on(AF_INET6, &p);
            if (fd >= 0) {
                l->fd[l->nfd++] = fd;
            } else if (fams & LB_V4 &&
                       (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
                /* localhost without IPv6: 127.0.0.1 alone will do */
            } else if (fams & LB_V4 && !port && errno == EADDRINUSE) {
                close(l->fd[0]);
                continue;
            } else {
                int e = errno;

                if (fams & LB_V4)
                    close(l->fd[0]);
                errno = e;
                goto fail;
            }
        }
        l->port = p;
        *out = l;
        return 0;
    fail:
        yt_errf(err, "cannot listen on %s:%d: %s%s", where, port,
                strerror(errno),
                port ? " (is another program using that port?)" : "");
        free(l);
        return -1;
    }
    yt_errf(err, "cannot find a port free on both 127.0.0.1 and [::1]");
    free(l);
    return -1;
}

int yt_listener_port(const struct yt_listener *l)
{
    return l->port;
}

void yt_listener_close(struct yt_listener *l)
{
    int i;

    if (!l)
        return;
    for (i = 0; i < l->nfd; i++)
        close(l->fd[i]);
    free(l);
}

static void send_all(int fd, const char *p, size_t n)
{
    long long deadline = now_ms() + CONN_WRITE_MS;

    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            long long left = deadline - now_ms();

            if (left <= 0)
                return;
            poll(&pf, 1, (int)left);
            continue;
        }
        return;
    }
}

/* Keep only [A-Za-z0-9_.-] of an error code from the query (it is shown in
 * the browser page; this keeps it inert without an HTML escaper). */
static void safe_code(const char *in, char *out, size_t outsz)
{
    size_t o = 0;

    for (; in && *in && o + 1 < outsz; in++) {
        char c = *in;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
            out[o++] = c;
    }
    out[o] = '\0';
}

static void respond(int fd, int status, const char *title, const char *msg)
{
    struct yt_buf body, all;
    const char *reason = status == 200   ? "OK"
                         : status == 404 ? "Not Found"
                         : status == 405 ? "Method Not Allowed"
                                         : "Bad Request";
    int rc;

    yt_buf_init(&body, 16384);
    yt_buf_init(&all, 32768);
    rc = yt_buf_addf(&body,
                     "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                     "<title>ytkernel: %s</title></head>"
                     "<body style=\"font-family: system-ui, sans-serif; "
                     "max-width: 40em; margin: 4em auto\">"
                     "<h1>%s</h1><p>%s</p></body></html>\n",
                     title, title, msg);
    if (rc == 0 &&
        yt_buf_addf(&all,
                    "HTTP/1.1 %d %s\r\n"
                    "Content-Type: text/html; charset=utf-8\r\n"
                    "Content-Length: %zu\r\n"
                    "Cache-Control: no-store\r\n"
                    "Referrer-Policy: no-referrer\r\n"
                    "Connection: close\r\n\r\n",
                    status, reason, body.len) == 0 &&
        yt_buf_add(&all, yt_buf_str(&body), body.len) == 0)
        send_all(fd, yt_buf_str(&all), all.len);
    yt_buf_free(&body);
    yt_buf_free(&all);
}

static int state_equal(const char *a, const char *b)
{
    size_t n;

    if (!a || !b)
        return 0;
    n = strlen(a);
    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

/* One client connection being read.  Several are served at once, so a
 * browser's idle pre-connection cannot hold up the real redirect. */
struct conn {
    int fd;
    long long deadline;
    size_t len;
    char buf[YT_LISTENER_MAX_REQUEST];
};

#define MAX_CONNS 8

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    explicit_bzero(c->buf, c->len);
    c->fd = -1;
    c->len = 0;
}

/* Answer a parsed request on c.  Returns 0 to keep waiting, 1 when the
 * redirect arrived (*out filled), YTK_E_STATE on a state mismatch. */
static int handle_request(struct conn *c, int prc, struct yt_redirect *r,
                          const char *path, const char *expected_state,
                          struct yt_redirect *out, char err[YTK_ERR_LEN])
{
    if (prc == YTK_E_METHOD) {
        respond(c->fd, 405, "Not allowed",
                "This address only receives Google's sign-in redirect.");
        return 0;
    }
    if (prc != YT_LREQ_OK) {
        respond(c->fd, 400, "Bad request",
                "This address only receives Google's sign-in redirect.");
        return 0;
    }
    if (strcmp(r->path, path ? path : "/") != 0 ||
        (!r->code && !r->error && !r->state)) {
        respond(c->fd, 404, "Waiting for sign-in",
                "This address only receives Google's sign-in redirect.");
        yt_redirect_free(r);
        return 0;
    }
    if (!state_equal(r->state, expected_state)) {
        respond(c->fd, 400, "Sign-in rejected",
                "The state parameter does not match the sign-in started in "
                "the notebook, so this redirect was refused. Run "
                "<code>%yt_auth login</code> again.");
        yt_redirect_free(r);
        yt_errf(err, "the redirect's state parameter did not match this "
                     "login (a forged or stale redirect); nothing was saved");
        return YTK_E_STATE;
    }
    if (r->error) {
        char code[64], msg[256];

        safe_code(r->error, code, sizeof code);
        snprintf(msg, sizeof msg,
                 "Google reported <code>%s</code>: nothing was saved. You "
                 "may close this tab.",
                 code);
        respond(c->fd, 200, "Sign-in not completed", msg);
    } else {
        respond(c->fd, 200, "Authentication complete",
                "ytkernel received the authorization. You may close this "
                "tab and return to the notebook.");
    }
    YTK_ASSERT(state_equal(r->state, expected_state));
    *out = *r;
    memset(r, 0, sizeof *r);
    return 1;
}

int yt_listener_wait(struct yt_listener *l, const char *path,
                     const char *expected_state, long timeout_ms,
                     yt_listener_abort_fn abort, void *arg,
                     struct yt_redirect *out, char err[YTK_ERR_LEN])
{
    long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
    struct conn *conns;
    int i, rc = YTK_E_IO;

    memset(out, 0, sizeof *out);
    conns = calloc(MAX_CONNS, sizeof *conns);
    if (!conns) {
        yt_errf(err, "out of memory");
        return YTK_E_IO;
    }
    for (i = 0; i < MAX_CONNS; i++)
        conns[i].fd = -1;
    for (;;) {
        struct pollfd pf[MAX_CONNS + 2];
        int idx[MAX_CONNS + 2];
        int n = 0, wait = SLICE_MS, pr;
        long long now = now_ms();

        if (abort && abort(arg)) {
            yt_errf(err, "interrupted while waiting for the browser's "
                         "redirect");
            rc = YTK_E_ABORTED;
            goto out;
        }
        if (deadline) {
            if (deadline - now <= 0) {
                yt_errf(err, "no redirect from the browser within %ld s",
                        (timeout_ms + 999) / 1000);
                rc = YTK_E_TIMEOUT;
                goto out;
            }
            if (deadline - now < wait)
                wait = (int)(deadline - now);
        }
        /* Drop connections that took too long to send their request. */
        for (i = 0; i < MAX_CONNS; i++)
            if (conns[i].fd >= 0 && conns[i].deadline <= now)
                conn_close(&conns[i]);
        for (i = 0; i < l->nfd; i++) {
            pf[n].fd = l->fd[i];
            pf[n].events = POLLIN;
            idx[n++] = -1;
        }
        for (i = 0; i < MAX_CONNS; i++) {
            if (conns[i].fd < 0)
                continue;
            pf[n].fd = conns[i].fd;
            pf[n].events = POLLIN;
            idx[n++] = i;
        }
        pr = poll(pf, (nfds_t)n, wait);
        if (pr < 0 && errno != EINTR) {
            yt_errf(err, "waiting for the redirect failed: %s",
                    strerror(errno));
            rc = YTK_E_IO;
            goto out;
        }
        if (pr <= 0)
            continue;
        for (i = l->nfd; i < n; i++) {
            struct conn *c = &conns[idx[i]];
            struct yt_redirect r;
            ssize_t got;
            int prc, hr;

            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            got = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (got <= 0) {
                conn_close(c);
                continue;
            }
            c->len += (size_t)got;
            prc = yt_listener_parse_request(c->buf, c->len, &r);
            if (prc == YT_LREQ_MORE && c->len == sizeof c->buf)
                prc = YTK_E_TOOBIG;
            if (prc == YT_LREQ_MORE)
                continue;
            hr = handle_request(c, prc, &r, path, expected_state, out, err);
            yt_redirect_free(&r);
            conn_close(c);
            if (hr != 0) {
                rc = hr == 1 ? YTK_OK : hr;
                goto out;
            }
        }
        for (int k = 0; k < l->nfd; k++) {
            int cfd, slot = -1;

            if (!(pf[k].revents & POLLIN))
                continue;
            cfd = accept4(l->fd[k], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (cfd < 0)
                continue;
            for (i = 0; i < MAX_CONNS; i++) {
                if (conns[i].fd < 0) {
                    slot = i;
                    break;
                }
                if (slot < 0 || conns[i].deadline < conns[slot].deadline)
                    slot = i;
            }
            conn_close(&conns[slot]); /* all busy: drop the oldest */
            conns[slot].fd = cfd;
            conns[slot].len = 0;
            conns[slot].deadline = now_ms() + CONN_READ_MS;
        }
    }
out:
    for (i = 0; i < MAX_CONNS; i++)
        conn_close(&conns[i]);
    free(conns);
    return rc;
}
