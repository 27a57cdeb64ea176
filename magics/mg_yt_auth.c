/* mg_yt_auth.c -- %yt_auth: OAuth 2.0 sign-in for the YouTube Data API.
 *
 *   %yt_auth login   authorization code + PKCE through a loopback listener
 *                    ($BROWSER opened when set), or --manual (paste through
 *                    stdin) or --no-wait (finish with %yt_auth code URL)
 *   %yt_auth code    finish a pending login with the redirected URL / code
 *   %yt_auth device  device flow (user code + verification URL)
 *   %yt_auth key     save an API key for public data
 *   %yt_auth status | refresh | revoke | logout
 *
 * Tokens, secrets and keys are never shown: not in outputs, errors or
 * logs.  The pending login of --no-wait / --manual lives in this module's
 * memory (one at a time) and is wiped once used or replaced.
 * Invariants (YTK_ASSERT): a login is parked only where no other is
 * pending, and a pasted code is exchanged only for an active pending one.
 */
#include "mg_registry.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "yt_analytics.h"
#include "yt_buf.h"
#include "yt_cred.h"
#include "yt_err.h"
#include "yt_http.h"
#include "yt_listener.h"
#include "yt_oauth.h"
#include "yt_token.h"
#include "mg_table.h"

#define AUTH_TIMEOUT_DEFAULT 300
#define PENDING_LIFETIME 900 /* seconds a --no-wait login stays usable */
#define HINT_LOGIN "Hint: run %yt_auth login to sign in again."

extern char **environ;

static const struct mg_opt auth_opts[] = {
    {"scopes", 0, 1,
     "scopes to request, short names allowed (youtube.readonly, "
     "youtube.force-ssl, yt-analytics.readonly), space or comma separated"},
    {"client-secrets", 0, 1,
     "client_secret.json (default $YTK_CLIENT_SECRETS or "
     "$YTK_HOME/client_secret.json)"},
    {"client-id", 0, 1, "OAuth client id (with --client-secret)"},
    {"client-secret", 0, 1, "OAuth client secret (with --client-id)"},
    {"token-file", 0, 1, "token file (default $YTK_HOME/token.json)"},
    {"manual", 0, 0,
     "paste the redirected URL through the input box instead of waiting "
     "for the browser"},
    {"no-wait", 0, 0,
     "show the sign-in link and return; finish with %yt_auth code URL"},
    {"no-browser", 0, 0, "do not open $BROWSER"},
    {"port", 0, 1, "loopback port for the redirect (default: a free one)"},
    {"timeout", 0, 1, "seconds to wait for the browser (default 300)"},
    {NULL, 0, 0, NULL},
};

static const char *const auth_subcommands[] = {"login",  "code",   "device",
                                               "key",    "status", "refresh",
                                               "revoke", "logout", NULL};

/* ---- the pending login (for `code`) ----------------------------------- */

static struct {
    int active;
    long long created;
    char verifier[YT_PKCE_VERIFIER_LEN + 1];
    char state[YT_STATE_LEN + 1];
    char *redirect_uri;
    char *scopes;
    char *token_path;
    struct yt_client client;
    char display_id[37];
} pending;

static void pending_clear(void)
{
    explicit_bzero(pending.verifier, sizeof pending.verifier);
    explicit_bzero(pending.state, sizeof pending.state);
    free(pending.redirect_uri);
    free(pending.scopes);
    free(pending.token_path);
    yt_client_free(&pending.client);
    memset(&pending, 0, sizeof pending);
}

/* ---- browser processes we started (reaped without blocking) ----------- */

#define MAX_CHILDREN 16
static pid_t children[MAX_CHILDREN];

static void reap_children(void)
{
    int i;

    for (i = 0; i < MAX_CHILDREN; i++)
        if (children[i] > 0 && waitpid(children[i], NULL, WNOHANG) != 0)
            children[i] = 0;
}

static void remember_child(pid_t pid)
{
    int i;

    reap_children();
    for (i = 0; i < MAX_CHILDREN; i++)
        if (children[i] <= 0) {
            children[i] = pid;
            return;
        }
}

/* Replace every "%s" in word with url. */
static char *subst_url(const char *word, const char *url, int *used)
{
    struct yt_buf b;
    const char *p = word, *hit;

    yt_buf_init(&b, 1024 * 1024);
    while ((hit = strstr(p, "%s")) != NULL) {
        if (yt_buf_add(&b, p, (size_t)(hit - p)) || yt_buf_adds(&b, url))
            return NULL;
        *used = 1;
        p = hit + 2;
    }
    if (yt_buf_adds(&b, p))
        return NULL;
    return yt_buf_take(&b);
}

/* Start one $BROWSER entry (no shell, own session, stdio to /dev/null).
 * Returns 0 when started. */
static int spawn_browser(const char *entry, const char *url, char *why,
                         size_t whysz)
{
    char **words = NULL, **argv = NULL;
    char err[YTK_ERR_LEN];
    int argc = 0, i, n = 0, used = 0, rc = -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, defs;
    pid_t pid;

    if (mg_args_split(entry, &argc, &words, err) != 0 || argc == 0) {
        snprintf(why, whysz, "cannot parse $BROWSER entry");
        mg_args_free_words(words);
        return -1;
    }
    /* A trailing "&" (webbrowser's "run in the background") is implied:
     * the browser always runs detached. */
    if (argc > 1 && strcmp(words[argc - 1], "&") == 0)
        argc--;
    argv = calloc((size_t)argc + 2, sizeof *argv);
    if (!argv)
        goto nomem;
    for (i = 0; i < argc; i++) {
        argv[n] = i == 0 ? strdup(words[i]) : subst_url(words[i], url, &used);
        if (!argv[n++])
            goto nomem;
    }
    if (!used) {
        argv[n] = strdup(url);
        if (!argv[n++])
            goto nomem;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigemptyset(&defs);
    sigaddset(&defs, SIGINT);
    sigaddset(&defs, SIGTERM);
    sigaddset(&defs, SIGPIPE);
    sigaddset(&defs, SIGCHLD);
    sigaddset(&defs, SIGHUP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defs);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSID);
    i = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (i != 0) {
        snprintf(why, whysz, "cannot start %s: %s", argv[0], strerror(i));
        goto out;
    }
    remember_child(pid);
    rc = 0;
    goto out;
nomem:
    snprintf(why, whysz, "out of memory preparing the $BROWSER command");
out:
    if (argv) {
        for (i = 0; i < n; i++)
            free(argv[i]);
        free(argv);
    }
    mg_args_free_words(words);
    return rc;
}

/* Open url with $BROWSER (Python webbrowser convention: entries separated
 * by ':', "%s" replaced by the URL, else the URL appended).  Returns 1 when
 * a browser was started, 0 when $BROWSER is unset, -1 on failure (why). */
static int open_browser(const char *url, char *why, size_t whysz)
{
    const char *env = getenv("BROWSER");
    char *copy, *save = NULL, *entry;
    int rc = -1;

    if (!env || !*env)
        return 0;
    copy = strdup(env);
    if (!copy) {
        snprintf(why, whysz, "out of memory");
        return -1;
    }
    snprintf(why, whysz, "$BROWSER is empty");
    for (entry = strtok_r(copy, ":", &save); entry;
         entry = strtok_r(NULL, ":", &save)) {
        if (!*entry)
            continue;
        if (spawn_browser(entry, url, why, whysz) == 0) {
            rc = 1;
            break;
        }
    }
    free(copy);
    return rc;
}

/* ---- small helpers ----------------------------------------------------- */

static int interrupted_cb(void *arg)
{
    return kn_exec_interrupted(arg);
}

static struct yt_http *new_http(struct kn_exec *x)
{
    struct yt_http *h = yt_http_new();

    if (h)
        yt_http_set_abort(h, interrupted_cb, x);
    else
        kn_exec_fail(x, "AuthError", "cannot initialise the HTTP client");
    return h;
}

static int auth_fail(struct kn_exec *x, const char *hint, const char *msg)
{
    kn_exec_fail(x, "AuthError", "%s", msg);
    kn_exec_fail_line(x, hint ? hint
                              : "Hint: %yt_auth? shows every subcommand and "
                                "option; %yt_auth status shows what is saved.");
    return -1;
}

/* Scope list for people: the short names.  Returns 0 or the yt_buf code. */
static int short_scopes(const char *scopes, struct yt_buf *b)
{
    const char *p = scopes ? scopes : "";
    size_t plen = strlen(YT_SCOPE_PREFIX);
    int first = 1, bad = 0;

    while (*p) {
        size_t n;

        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (!n)
            break;
        if (!first)
            bad |= yt_buf_adds(b, ", ");
        first = 0;
        if (n > plen && strncmp(p, YT_SCOPE_PREFIX, plen) == 0)
            bad |= yt_buf_add(b, p + plen, n - plen);
        else
            bad |= yt_buf_add(b, p, n);
        p += n;
    }
    if (first)
        bad |= yt_buf_adds(b, "(none reported)");
    return bad;
}

/* "2026-11-22 19:12:03 UTC (in 59 min)".  Returns 0 or the yt_buf code. */
static int fmt_expiry(long long expiry, struct yt_buf *b)
{
    char when[32];
    long long d = expiry - (long long)time(NULL);
    long long a = d < 0 ? -d : d;
    int bad;

    if (expiry <= 0)
        return yt_buf_adds(b, "unknown");
    yt_token_format_time(expiry, when);
    when[10] = ' ';
    when[19] = '\0';
    bad = yt_buf_addf(b, "%s UTC ", when);
    if (a < 120)
        bad |=
            yt_buf_addf(b, d >= 0 ? "(in %lld s)" : "(expired %lld s ago)", a);
    else if (a < 7200)
        bad |= yt_buf_addf(
            b, d >= 0 ? "(in %lld min)" : "(expired %lld min ago)", a / 60);
    else
        bad |= yt_buf_addf(b, d >= 0 ? "(in %lld h)" : "(expired %lld h ago)",
                           a / 3600);
    return bad;
}

/* Publish (or update) a text/plain + text/html bundle. */
static void show(struct kn_exec *x, const char *id, int update,
                 const char *text, const char *html)
{
    cJSON *data = cJSON_CreateObject();

    if (!data)
        return;
    cJSON_AddStringToObject(data, "text/plain", text);
    if (html) /* NULL when it could not be built: the text alone */
        cJSON_AddStringToObject(data, "text/html", html);
    if (update)
        kn_exec_update_display(x, data, NULL, id);
    else
        kn_exec_display(x, data, NULL, id);
}

/* Show a one-paragraph status message (text escaped for HTML). */
static void show_msg(struct kn_exec *x, const char *id, int update,
                     const char *text)
{
    struct yt_buf h;
    int bad;

    yt_buf_init(&h, 1024 * 1024);
    bad = yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\">"
                          "<pre style=\"white-space: pre-wrap\">");
    bad |= mg_html_escape(&h, text, -1);
    bad |= yt_buf_adds(&h, "</pre></div>");
    show(x, id, update, text, bad ? NULL : yt_buf_str(&h));
    yt_buf_free(&h);
}

/* The text built in t, or `instead` when building it failed (bad != 0). */
static const char *built(int bad, const struct yt_buf *t, const char *instead)
{
    return bad || yt_buf_failed(t) ? instead : yt_buf_str(t);
}

static char *token_path_for(const struct mg_ctx *c, const struct mg_args *a)
{
    const char *f = mg_args_get(a, "token-file");

    return f && *f ? strdup(f) : yt_token_default_path(c->home);
}

/* Client from --client-id/--client-secret or a client secrets file. */
static int load_client(const struct mg_ctx *c, const struct mg_args *a,
                       struct yt_client *out)
{
    const char *id = mg_args_get(a, "client-id");
    const char *secret = mg_args_get(a, "client-secret");
    const char *file = mg_args_get(a, "client-secrets");
    char err[YTK_ERR_LEN];
    char *path;
    int rc;

    if (id || secret) {
        if (file)
            return auth_fail(c->x, NULL,
                             "give either --client-secrets or --client-id "
                             "with --client-secret, not both");
        if (!id || !secret)
            return auth_fail(c->x,
                             "Hint: pass both --client-id and "
                             "--client-secret, or a client_secret.json.",
                             "--client-id and --client-secret go together");
        if (yt_client_from_values(id, secret, out, err) != YTK_OK)
            return auth_fail(c->x, NULL, err);
        return 0;
    }
    path = file && *file ? strdup(file) : yt_client_default_path(c->home);
    if (!path)
        return auth_fail(c->x, NULL, "out of memory");
    rc = yt_client_load(path, out, err);
    free(path);
    if (rc != YTK_OK)
        return auth_fail(c->x,
                         "Hint: create a Desktop OAuth client in Google Cloud "
                         "Console > APIs & Services > Credentials, download "
                         "its JSON to $YTK_HOME/client_secret.json (or pass "
                         "--client-secrets FILE).",
                         err);
    return 0;
}

/* Scopes from --scopes plus the extra positional words of login.  NULL
 * after failing the cell with a UsageError (none usable, or an unknown
 * short name: Google would show an error page and never come back). */
static char *scopes_for(struct kn_exec *x, const struct mg_args *a,
                        int first_extra, const char *dflt)
{
    const char *s = mg_args_get(a, "scopes");
    const char *const *known = yt_oauth_short_scopes();
    struct yt_buf b, k;
    char bad[256];
    char *out = NULL;
    int i, ok, kbad = 0;

    if (!s) {
        out = strdup(dflt);
        if (!out)
            auth_fail(x, NULL, "out of memory");
        return out;
    }
    yt_buf_init(&b, 64 * 1024);
    ok = yt_buf_adds(&b, s) == 0;
    for (i = first_extra; ok && i < a->npos; i++)
        ok = yt_buf_adds(&b, " ") == 0 && yt_buf_adds(&b, a->pos[i]) == 0;
    if (ok && yt_oauth_check_scopes(yt_buf_str(&b), bad, sizeof bad) != 0) {
        yt_buf_init(&k, 4096);
        for (i = 0; known[i]; i++)
            kbad |= yt_buf_addf(&k, "%s%s", i ? ", " : "", known[i]);
        kn_exec_fail(x, "UsageError",
                     "unknown scope '%s' (Google would refuse the sign-in); "
                     "short names: %s, openid, email, profile; or give a "
                     "full https://www.googleapis.com/auth/... URL",
                     bad,
                     kbad ? "youtube.readonly, youtube.force-ssl, ..."
                          : yt_buf_str(&k));
        yt_buf_free(&k);
        yt_buf_free(&b);
        return NULL;
    }
    /* a list too long to hold is refused whole, never cut short */
    out = ok ? yt_oauth_expand_scopes(yt_buf_str(&b)) : NULL;
    yt_buf_free(&b);
    if (!out)
        kn_exec_fail(x, "UsageError", "--scopes lists no usable scope");
    return out;
}

/* Scopes asked for but not granted (space separated; caller frees).  NULL
 * when all were granted, or when out of memory (the note is left out). */
static char *missing_scopes(const char *asked, const char *granted)
{
    struct yt_buf b;
    const char *p = asked;
    int bad = 0;

    yt_buf_init(&b, 64 * 1024);
    if (!granted)
        return NULL; /* Google did not say: assume all */
    while (*p) {
        size_t n;
        const char *g;
        int found = 0;

        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (!n)
            break;
        for (g = granted; *g;) {
            size_t m;

            while (*g == ' ')
                g++;
            m = strcspn(g, " ");
            if (m == n && strncmp(g, p, n) == 0)
                found = 1;
            g += m;
        }
        if (!found) {
            if (b.len)
                bad |= yt_buf_adds(&b, " ");
            bad |= yt_buf_add(&b, p, n);
        }
        p += n;
    }
    if (bad || !b.len) {
        yt_buf_free(&b);
        return NULL;
    }
    return yt_buf_take(&b);
}

/* After a successful exchange or device poll: save, look the account up,
 * and say so (never the token).  Returns 0 or -1 after failing. */
static int finish_login(struct kn_exec *x, struct yt_http *h,
                        const char *display_id, struct yt_token *tok,
                        const char *asked, const char *path)
{
    char err[YTK_ERR_LEN];
    struct yt_tokeninfo ti;
    struct yt_buf t;
    char *missing;
    int bad = 0;

    if (yt_token_save(path, tok, err) != YTK_OK) {
        show_msg(x, display_id, 1, "Signed in, but the token was not saved.");
        return auth_fail(x,
                         "Hint: check that the directory exists and is "
                         "writable, or pass --token-file.",
                         err);
    }
    yt_buf_init(&t, 64 * 1024);
    memset(&ti, 0, sizeof ti);
    bad |= yt_buf_adds(&t, "Authenticated");
    if (yt_oauth_tokeninfo(h, tok->token, &ti, err) == YTK_OK) {
        if (ti.email)
            bad |= yt_buf_addf(&t, " as %s", ti.email);
        else if (ti.sub)
            bad |= yt_buf_addf(&t, " (Google account id %s)", ti.sub);
    }
    bad |= yt_buf_adds(&t, ".\nScopes: ");
    bad |= short_scopes(tok->scopes ? tok->scopes : asked, &t);
    bad |= yt_buf_adds(&t, "\nAccess token expires: ");
    bad |= fmt_expiry(tok->expiry, &t);
    bad |= yt_buf_addf(&t, "\nRefresh token: %s",
                       tok->refresh_token
                           ? "saved (refreshed automatically)"
                           : "none (sign in again when it expires)");
    if (tok->refresh_token && tok->refresh_expiry > 0) {
        bad |= yt_buf_adds(&t, "; it stops working ");
        bad |= fmt_expiry(tok->refresh_expiry, &t);
        bad |= yt_buf_adds(
            &t, " -- a time-limited grant, as for apps in \"Testing\" "
                "mode (7 days)");
    }
    bad |= yt_buf_addf(&t, "\nToken saved to %s (mode 0600)", path);
    missing = missing_scopes(asked, tok->scopes);
    if (missing) {
        bad |= yt_buf_adds(&t, "\nNote: not granted: ");
        bad |= short_scopes(missing, &t);
        bad |= yt_buf_adds(
            &t, " (some fetches may fail with insufficientPermissions)");
        free(missing);
    }
    show_msg(x, display_id, 1,
             bad ? "Authenticated; the token was saved." : yt_buf_str(&t));
    yt_buf_free(&t);
    yt_tokeninfo_free(&ti);
    return 0;
}

/* The browser came back with error=... instead of a code. */
static int redirect_error(struct kn_exec *x, const char *error)
{
    return auth_fail(x, "Hint: run %yt_auth login again and allow access.",
                     strcmp(error, "access_denied") == 0
                         ? "sign-in was declined in the browser "
                           "(access_denied); nothing was saved"
                         : "Google reported an error for this sign-in; "
                           "nothing was saved");
}

/* Explain a failed code exchange. */
static int exchange_failed(struct kn_exec *x, const char *display_id, int rc,
                           const char *err)
{
    const char *hint = "Hint: run %yt_auth login again.";

    if (display_id)
        show_msg(x, display_id, 1, "Sign-in failed; nothing was saved.");
    if (rc == YTK_E_ABORTED) {
        kn_exec_fail(x, "KeyboardInterrupt",
                     "sign-in interrupted; nothing "
                     "was saved");
        return -1;
    }
    if (rc == YTK_E_INVALID_GRANT)
        hint = "Hint: the authorization code expired or was already used "
               "(codes are single-use and last minutes); run %yt_auth login "
               "again.";
    else if (rc == YTK_E_CLIENT)
        hint = "Hint: Google does not accept this OAuth client; check "
               "client_secret.json (a Desktop client is needed).";
    else if (rc == YTK_E_NET)
        hint = "Hint: check the network (or YTK_GOOGLE_BASE) and retry.";
    return auth_fail(x, hint, err);
}

/* Split "http://127.0.0.1:8765/cb" into port and path ("/cb"). */
static int redirect_port_path(const char *uri, int *port, char **path)
{
    const char *p = strstr(uri, "://"), *colon, *slash;

    if (!p)
        return -1;
    p += 3;
    if (*p == '[') {
        p = strchr(p, ']');
        if (!p)
            return -1;
        p++;
    }
    colon = strchr(p, ':');
    slash = strchr(p, '/');
    if (!colon || (slash && slash < colon))
        return -1;
    {
        char *end;
        long v = strtol(colon + 1, &end, 10);

        if (end == colon + 1 || (*end && *end != '/') || v <= 0 || v > 65535)
            return -1;
        *port = (int)v;
    }
    *path = strdup(slash ? slash : "/");
    if (*path) {
        char *q = strchr(*path, '?');

        if (q)
            *q = '\0';
    }
    return *path ? 0 : -1;
}

/* ---- login -------------------------------------------------------------- */

static int sleep_interruptible(struct kn_exec *x, long ms)
{
    while (ms > 0) {
        struct timespec ts = {0, 100 * 1000000L};

        if (kn_exec_interrupted(x))
            return -1;
        if (ms < 100)
            ts.tv_nsec = ms * 1000000L;
        nanosleep(&ts, NULL);
        ms -= 100;
    }
    return kn_exec_interrupted(x) ? -1 : 0;
}

/* Build the sign-in prompt bundle. */
struct buf_pair {
    struct yt_buf t, h;
};

/* Returns 0, or the yt_buf / escaper code when out of memory. */
static int login_prompt(struct buf_pair *o, const char *url, const char *scopes,
                        const char *waiting, const char *note)
{
    int bad = 0;

    bad |= yt_buf_adds(&o->t, "Sign in with Google to let ytkernel read your "
                              "YouTube data (scopes: ");
    bad |= short_scopes(scopes, &o->t);
    bad |= yt_buf_addf(&o->t, "):\n%s\n", url);
    if (note)
        bad |= yt_buf_addf(&o->t, "%s\n", note);
    bad |= yt_buf_adds(&o->t, waiting);

    bad |= yt_buf_adds(&o->h, "<div class=\"tex2jax_ignore mathjax_ignore\"><p>"
                              "Sign in with Google to let ytkernel read your "
                              "YouTube data (scopes: <code>");
    {
        struct yt_buf s;

        yt_buf_init(&s, 64 * 1024);
        bad |= short_scopes(scopes, &s);
        bad |= mg_html_escape(&o->h, yt_buf_str(&s), -1);
        yt_buf_free(&s);
    }
    bad |= yt_buf_adds(&o->h, "</code>): <a href=\"");
    bad |= mg_html_escape(&o->h, url, -1);
    bad |=
        yt_buf_adds(&o->h, "\" target=\"_blank\" rel=\"noopener noreferrer\">"
                           "open the Google sign-in page</a></p>");
    if (note) {
        bad |= yt_buf_adds(&o->h, "<p>");
        bad |= mg_html_escape(&o->h, note, -1);
        bad |= yt_buf_adds(&o->h, "</p>");
    }
    bad |= yt_buf_adds(&o->h, "<p>");
    bad |= mg_html_escape(&o->h, waiting, -1);
    bad |= yt_buf_adds(&o->h, "</p></div>");
    return bad;
}

/* The pasted URL or code (from stdin or `code`): check state when present
 * and exchange.  Uses and then clears `pending`. */
static int finish_pending(struct kn_exec *x, const char *pasted,
                          const char *display_id)
{
    struct yt_redirect r;
    struct yt_token tok;
    struct yt_http *h = NULL;
    char err[YTK_ERR_LEN];
    int rc;

    YTK_ASSERT(pending.active);
    memset(&tok, 0, sizeof tok);
    if (yt_redirect_parse(pasted, &r, err) != 0)
        return auth_fail(x,
                         "Hint: paste the whole address of the page your "
                         "browser was sent to after allowing access (it "
                         "starts with http://127.0.0.1), or just its code.",
                         err);
    if (r.state && strcmp(r.state, pending.state) != 0) {
        yt_redirect_free(&r);
        return auth_fail(x,
                         "Hint: paste the URL of the most recent sign-in "
                         "(run %yt_auth login again if unsure).",
                         "the pasted URL belongs to another sign-in (its "
                         "state parameter does not match); nothing was "
                         "saved");
    }
    if (r.error) {
        rc = redirect_error(x, r.error);
        yt_redirect_free(&r);
        pending_clear();
        return rc;
    }
    h = new_http(x);
    if (!h) {
        yt_redirect_free(&r);
        return -1;
    }
    rc = yt_oauth_exchange(h, &pending.client, r.code, pending.verifier,
                           pending.redirect_uri, &tok, err);
    yt_redirect_free(&r);
    if (rc != YTK_OK) {
        if (rc != YTK_E_NET && rc != YTK_E_ABORTED)
            pending_clear(); /* a code is single-use: start again */
        rc = exchange_failed(x, display_id, rc, err);
        goto out;
    }
    rc = finish_login(x, h, display_id, &tok, pending.scopes,
                      pending.token_path);
    pending_clear();
out:
    yt_token_free(&tok);
    yt_http_free(h);
    return rc;
}

/* One login in progress: what do_login prepares and each flow uses.  The
 * strings are owned here until login_park() hands them to `pending`. */
struct login {
    struct yt_listener *l; /* open only for the loopback flow */
    struct yt_client client;
    char verifier[YT_PKCE_VERIFIER_LEN + 1];
    char state[YT_STATE_LEN + 1];
    char display_id[37];
    char *scopes, *path, *redirect_uri, *lpath, *url;
    long timeout;
};

static void login_free(struct login *lg)
{
    explicit_bzero(lg->verifier, sizeof lg->verifier);
    explicit_bzero(lg->state, sizeof lg->state);
    yt_listener_close(lg->l);
    yt_client_free(&lg->client);
    free(lg->scopes);
    free(lg->path);
    free(lg->redirect_uri);
    free(lg->lpath);
    free(lg->url);
    memset(lg, 0, sizeof *lg);
}

/* Check the options, load the client, make the PKCE verifier and state,
 * pick the redirect URI (opening the loopback listener to get a port) and
 * build the sign-in URL.  Returns 0, or -1 after failing the cell. */
static int login_prepare(struct mg_ctx *c, const struct mg_args *a, int manual,
                         int nowait, struct login *lg)
{
    struct kn_exec *x = c->x;
    char challenge[YT_PKCE_CHALLENGE_LEN + 1];
    char err[YTK_ERR_LEN], mgerr[YTK_ERR_LEN];
    long port = 0;

    lg->timeout = AUTH_TIMEOUT_DEFAULT;
    if (mg_args_get_long(a, "port", 1, 65535, &port, mgerr) != 0 ||
        mg_args_get_long(a, "timeout", 1, 86400, &lg->timeout, mgerr) != 0) {
        kn_exec_fail(x, "UsageError", "%s", mgerr);
        return -1;
    }
    if (manual && nowait) {
        kn_exec_fail(x, "UsageError",
                     "--manual and --no-wait do not go "
                     "together");
        return -1;
    }
    if (a->npos > 1 && !mg_args_get(a, "scopes")) {
        kn_exec_fail(x, "UsageError",
                     "unexpected argument '%s' (scopes go after --scopes)",
                     a->pos[1]);
        return -1;
    }
    lg->scopes = scopes_for(x, a, 1, YT_SCOPES_DEFAULT);
    if (!lg->scopes)
        return -1;
    lg->path = token_path_for(c, a);
    if (!lg->path || load_client(c, a, &lg->client) != 0)
        return -1;
    if (yt_oauth_pkce_verifier(lg->verifier, err) != YTK_OK ||
        yt_oauth_random_state(lg->state, err) != YTK_OK)
        return auth_fail(x, NULL, err);
    yt_oauth_pkce_challenge(lg->verifier, challenge);

    /* Where Google sends the browser back. */
    if (lg->client.redirect_uri) {
        int rport;

        if (redirect_port_path(lg->client.redirect_uri, &rport, &lg->lpath) !=
            0)
            return auth_fail(x, NULL,
                             "the client's redirect URI is not usable");
        if (port && port != rport) {
            kn_exec_fail(x, "UsageError",
                         "--port %ld differs from the port of the client's "
                         "registered redirect URI (%d)",
                         port, rport);
            return -1;
        }
        port = rport;
        lg->redirect_uri = strdup(lg->client.redirect_uri);
    }
    if (yt_listener_open_uri(&lg->l, (int)port, lg->redirect_uri, err) != 0)
        return auth_fail(x,
                         "Hint: choose another --port, or leave it out "
                         "to use a free one.",
                         err);
    if (!lg->redirect_uri) {
        char uri[64];

        snprintf(uri, sizeof uri, "http://127.0.0.1:%d/",
                 yt_listener_port(lg->l));
        lg->redirect_uri = strdup(uri);
        lg->lpath = strdup("/");
    }
    if (manual || nowait) {
        /* Nobody will accept on it: only the port was needed. */
        yt_listener_close(lg->l);
        lg->l = NULL;
    }
    if (!lg->redirect_uri || !lg->lpath)
        return auth_fail(x, NULL, "out of memory");
    lg->url = yt_oauth_auth_url(lg->client.client_id, lg->redirect_uri,
                                lg->scopes, challenge, lg->state);
    if (!lg->url)
        return auth_fail(x, NULL, "out of memory");
    return 0;
}

/* Show the sign-in link with what happens next (opening $BROWSER first for
 * the loopback flow).  Returns 0, or -1 after failing the cell. */
static int login_show_prompt(struct kn_exec *x, const struct mg_args *a,
                             int manual, int nowait, struct login *lg)
{
    struct buf_pair bp;
    char note[512], waiting[512];
    int rc = 0;

    note[0] = '\0';
    if (manual || nowait) {
        snprintf(waiting, sizeof waiting,
                 manual ? "After allowing access your browser lands on a "
                          "page at %s that may not load: copy its whole "
                          "address and paste it into the input box."
                        : "After allowing access your browser lands on a "
                          "page at %s that may not load: copy its whole "
                          "address and run %%yt_auth code \"ADDRESS\".",
                 lg->redirect_uri);
    } else {
        char why[256];
        int brc = mg_args_has(a, "no-browser")
                      ? 0
                      : open_browser(lg->url, why, sizeof why);

        if (brc == 1)
            snprintf(note, sizeof note, "Opened the page with $BROWSER.");
        else if (brc < 0)
            snprintf(note, sizeof note,
                     "Could not open $BROWSER (%.200s): open the link "
                     "yourself.",
                     why);
        snprintf(waiting, sizeof waiting,
                 "Waiting for the browser to come back to %s (timeout %ld s; "
                 "interrupt the kernel to cancel).",
                 lg->redirect_uri, lg->timeout);
    }
    yt_buf_init(&bp.t, 1024 * 1024);
    yt_buf_init(&bp.h, 1024 * 1024);
    kn_exec_new_id(lg->display_id);
    if (login_prompt(&bp, lg->url, lg->scopes, waiting,
                     note[0] ? note : NULL) != 0)
        rc = auth_fail(x, NULL, "out of memory showing the sign-in link");
    else
        show(x, lg->display_id, 0, yt_buf_str(&bp.t), yt_buf_str(&bp.h));
    yt_buf_free(&bp.t);
    yt_buf_free(&bp.h);
    return rc;
}

/* Hand the login to `pending` (for --manual's input or a later `code`). */
static void login_park(struct login *lg)
{
    pending_clear();
    YTK_ASSERT(!pending.active && !pending.scopes && !pending.redirect_uri);
    pending.active = 1;
    pending.created = (long long)time(NULL);
    memcpy(pending.verifier, lg->verifier, sizeof lg->verifier);
    memcpy(pending.state, lg->state, sizeof lg->state);
    pending.redirect_uri = lg->redirect_uri;
    pending.scopes = lg->scopes;
    pending.token_path = lg->path;
    pending.client = lg->client;
    memcpy(pending.display_id, lg->display_id, sizeof lg->display_id);
    lg->redirect_uri = lg->scopes = lg->path = NULL;
    memset(&lg->client, 0, sizeof lg->client);
}

/* --manual: ask for the redirected address and exchange its code. */
static int login_manual(struct kn_exec *x, struct login *lg)
{
    char *pasted = NULL;
    char kerr[KN_ERR_LEN];
    int rc;

    login_park(lg);
    if (kn_exec_input(x, "Paste the address your browser was sent to: ", 1,
                      &pasted, kerr) != 0) {
        if (kn_exec_interrupted(x)) {
            kn_exec_fail(x, "KeyboardInterrupt",
                         "sign-in interrupted; nothing was saved");
            return -1;
        }
        return auth_fail(x,
                         "Hint: this frontend has no input box: run "
                         "%yt_auth code \"ADDRESS\" in another cell to "
                         "finish this sign-in.",
                         kerr);
    }
    rc = finish_pending(x, pasted, lg->display_id);
    yt_wipe_free(pasted);
    return rc;
}

/* Loopback: wait for the browser on the listener, then exchange. */
static int login_loopback(struct kn_exec *x, struct login *lg)
{
    struct yt_redirect r;
    struct yt_token tok;
    struct yt_http *h = NULL;
    char err[YTK_ERR_LEN];
    int rc = -1, lrc;

    memset(&r, 0, sizeof r);
    memset(&tok, 0, sizeof tok);
    lrc = yt_listener_wait(lg->l, lg->lpath, lg->state, lg->timeout * 1000L,
                           interrupted_cb, x, &r, err);
    yt_listener_close(lg->l);
    lg->l = NULL;
    reap_children();
    if (lrc == YTK_E_ABORTED) {
        show_msg(x, lg->display_id, 1, "Sign-in cancelled; nothing was saved.");
        kn_exec_fail(x, "KeyboardInterrupt",
                     "sign-in interrupted; nothing was saved");
        goto out;
    }
    if (lrc != YTK_OK) {
        show_msg(x, lg->display_id, 1, "Sign-in failed; nothing was saved.");
        auth_fail(x,
                  lrc == YTK_E_TIMEOUT
                      ? "Hint: if the browser runs on another machine, use "
                        "%yt_auth login --manual (or --no-wait, then "
                        "%yt_auth code ADDRESS)."
                      : HINT_LOGIN,
                  err);
        goto out;
    }
    if (r.error) {
        show_msg(x, lg->display_id, 1,
                 "Sign-in not completed; nothing was saved.");
        redirect_error(x, r.error);
        goto out;
    }
    if (!r.code || !*r.code) {
        show_msg(x, lg->display_id, 1, "Sign-in failed; nothing was saved.");
        auth_fail(x, HINT_LOGIN, "the redirect carried no authorization code");
        goto out;
    }
    h = new_http(x);
    if (!h)
        goto out;
    lrc = yt_oauth_exchange(h, &lg->client, r.code, lg->verifier,
                            lg->redirect_uri, &tok, err);
    if (lrc != YTK_OK) {
        exchange_failed(x, lg->display_id, lrc, err);
        goto out;
    }
    rc = finish_login(x, h, lg->display_id, &tok, lg->scopes, lg->path);
out:
    yt_redirect_free(&r);
    yt_token_free(&tok);
    yt_http_free(h);
    return rc;
}

/* %yt_auth login: prepare, show the link, then one of three flows. */
static int do_login(struct mg_ctx *c, const struct mg_args *a)
{
    struct login lg;
    int manual = mg_args_has(a, "manual"), nowait = mg_args_has(a, "no-wait");
    int rc = -1;

    memset(&lg, 0, sizeof lg);
    if (login_prepare(c, a, manual, nowait, &lg) != 0 ||
        login_show_prompt(c->x, a, manual, nowait, &lg) != 0)
        goto out;
    if (nowait) {
        login_park(&lg); /* finished by %yt_auth code */
        rc = 0;
    } else if (manual) {
        rc = login_manual(c->x, &lg);
    } else {
        rc = login_loopback(c->x, &lg);
    }
out:
    login_free(&lg);
    return rc;
}

static int do_code(struct mg_ctx *c, const struct mg_args *a)
{
    const char *arg = mg_args_pos(a, 1);
    char display_id[37];

    if (!arg) {
        kn_exec_fail(c->x, "UsageError",
                     "%%yt_auth code needs the redirected URL or the code");
        kn_exec_fail_line(c->x, "Usage: %yt_auth code \"http://127.0.0.1:"
                                "PORT/?state=...&code=...\"");
        return -1;
    }
    if (a->npos > 2) {
        kn_exec_fail(c->x, "UsageError",
                     "%%yt_auth code takes one argument; quote the URL");
        return -1;
    }
    if (!pending.active ||
        (long long)time(NULL) - pending.created > PENDING_LIFETIME) {
        pending_clear();
        return auth_fail(c->x,
                         "Hint: run %yt_auth login --no-wait, open the link, "
                         "then %yt_auth code with the address you land on.",
                         "no sign-in is waiting for a code in this kernel "
                         "session (or it is older than 15 minutes)");
    }
    kn_exec_new_id(display_id);
    show_msg(c->x, display_id, 0, "Exchanging the authorization code...");
    {
        char old[37];
        int rc;

        memcpy(old, pending.display_id, sizeof old);
        rc = finish_pending(c->x, arg, display_id);
        if (rc == 0 && old[0])
            show_msg(c->x, old, 1,
                     "Sign-in completed by %yt_auth code in a later cell.");
        return rc;
    }
}

/* ---- device flow ----------------------------------------------------------
 */

static int do_device(struct mg_ctx *c, const struct mg_args *a)
{
    struct kn_exec *x = c->x;
    struct yt_client client;
    struct yt_device d;
    struct yt_token tok;
    struct yt_http *h = NULL;
    struct yt_buf t, hb;
    char err[YTK_ERR_LEN], display_id[37];
    char *scopes = NULL, *path = NULL;
    long long deadline;
    long interval;
    int rc = -1, prc, bad = 0;

    memset(&client, 0, sizeof client);
    memset(&d, 0, sizeof d);
    memset(&tok, 0, sizeof tok);
    yt_buf_init(&t, 64 * 1024);
    yt_buf_init(&hb, 64 * 1024);
    if (a->npos > 1 && !mg_args_get(a, "scopes")) {
        kn_exec_fail(x, "UsageError", "unexpected argument '%s'", a->pos[1]);
        goto out;
    }
    scopes = scopes_for(x, a, 1, YT_SCOPES_DEVICE);
    if (!scopes)
        goto out;
    path = token_path_for(c, a);
    if (!path) {
        auth_fail(x, NULL, "out of memory");
        goto out;
    }
    if (load_client(c, a, &client) != 0)
        goto out;
    h = new_http(x);
    if (!h)
        goto out;
    prc = yt_oauth_device_start(h, &client, scopes, &d, err);
    if (prc != YTK_OK) {
        if (prc == YTK_E_ABORTED)
            kn_exec_fail(x, "KeyboardInterrupt", "device sign-in interrupted");
        else
            auth_fail(x,
                      "Hint: the device flow needs an OAuth client of "
                      "type \"TVs and Limited Input devices\" and allows "
                      "only youtube.readonly / youtube scopes.",
                      err);
        goto out;
    }
    bad |= yt_buf_addf(&t,
                       "To sign in, open %s on any device and enter the code: "
                       "%s\nScopes: ",
                       d.verification_url, d.user_code);
    bad |= short_scopes(scopes, &t);
    bad |= yt_buf_addf(&t,
                       "\nWaiting for approval (the code expires in %ld min; "
                       "interrupt the kernel to cancel).",
                       (d.expires_in + 59) / 60);
    bad |=
        yt_buf_adds(&hb, "<div class=\"tex2jax_ignore mathjax_ignore\"><p>To "
                         "sign in, open <a href=\"");
    bad |= mg_html_escape(&hb, d.verification_url, -1);
    bad |=
        yt_buf_adds(&hb, "\" target=\"_blank\" rel=\"noopener noreferrer\">");
    bad |= mg_html_escape(&hb, d.verification_url, -1);
    bad |= yt_buf_adds(&hb, "</a> on any device and enter the code <code "
                            "style=\"font-size: 1.3em\">");
    bad |= mg_html_escape(&hb, d.user_code, -1);
    bad |= yt_buf_addf(&hb,
                       "</code></p><p>Waiting for approval (the code expires "
                       "in %ld min; interrupt the kernel to cancel).</p></div>",
                       (d.expires_in + 59) / 60);
    if (bad) {
        auth_fail(x, NULL, "out of memory showing the device code");
        goto out;
    }
    kn_exec_new_id(display_id);
    show(x, display_id, 0, yt_buf_str(&t), yt_buf_str(&hb));

    interval = d.interval;
    deadline = (long long)time(NULL) + d.expires_in;
    for (;;) {
        if (sleep_interruptible(x, interval * 1000L) != 0) {
            show_msg(x, display_id, 1, "Device sign-in cancelled.");
            kn_exec_fail(x, "KeyboardInterrupt",
                         "device sign-in interrupted; nothing was saved");
            goto out;
        }
        prc = yt_oauth_device_poll(h, &client, d.device_code, &tok, err);
        if (prc == YTK_OK)
            break;
        if (prc == YTK_E_PENDING)
            ;
        else if (prc == YTK_E_SLOW_DOWN)
            interval += 5;
        else {
            show_msg(x, display_id, 1,
                     "Device sign-in failed; nothing was saved.");
            if (prc == YTK_E_ABORTED)
                kn_exec_fail(x, "KeyboardInterrupt",
                             "device sign-in interrupted");
            else if (prc == YTK_E_DENIED)
                auth_fail(x,
                          "Hint: run %yt_auth device again and allow "
                          "access.",
                          "sign-in was declined (access_denied); nothing "
                          "was saved");
            else if (prc == YTK_E_EXPIRED)
                auth_fail(x, "Hint: run %yt_auth device again.",
                          "the device code expired before it was approved");
            else
                auth_fail(x, HINT_LOGIN, err);
            goto out;
        }
        if ((long long)time(NULL) + interval > deadline) {
            show_msg(x, display_id, 1, "The device code expired.");
            auth_fail(x, "Hint: run %yt_auth device again.",
                      "the device code expired before it was approved");
            goto out;
        }
    }
    rc = finish_login(x, h, display_id, &tok, scopes, path);
out:
    yt_device_free(&d);
    yt_token_free(&tok);
    yt_client_free(&client);
    yt_http_free(h);
    yt_buf_free(&t);
    yt_buf_free(&hb);
    free(scopes);
    free(path);
    return rc;
}

/* ---- key ------------------------------------------------------------------
 */

static int do_key(struct mg_ctx *c, const struct mg_args *a)
{
    struct kn_exec *x = c->x;
    const char *arg = mg_args_pos(a, 1);
    char *key = NULL, *path = NULL, *line = NULL;
    char err[YTK_ERR_LEN], kerr[KN_ERR_LEN], fp[64];
    struct yt_buf t;
    int rc = -1, bad = 0;

    yt_buf_init(&t, 64 * 1024);
    if (a->npos > 2) {
        kn_exec_fail(x, "UsageError", "%%yt_auth key takes one argument");
        goto out;
    }
    if (arg) {
        key = strdup(arg);
    } else if (kn_exec_input(x, "YouTube Data API key: ", 1, &key, kerr) != 0) {
        if (kn_exec_interrupted(x))
            kn_exec_fail(x, "KeyboardInterrupt", "interrupted");
        else
            auth_fail(x,
                      "Hint: run %yt_auth key from a frontend that "
                      "allows input (it asks for the key in a hidden "
                      "prompt), or set YTK_API_KEY.",
                      kerr);
        goto out;
    }
    if (!key || !yt_api_key_valid(key)) {
        auth_fail(x,
                  "Hint: copy the key from Google Cloud Console > APIs & "
                  "Services > Credentials.",
                  "that does not look like an API key (10-256 printable "
                  "characters, no blanks)");
        goto out;
    }
    path = yt_api_key_path(c->home);
    bad |= yt_buf_addf(&t, "%s\n", key);
    line = yt_buf_take(&t);
    if (!path || !line) {
        auth_fail(x, NULL, "out of memory");
        goto out;
    }
    if (yt_file_write_private(path, line, strlen(line), err) != 0) {
        auth_fail(x, NULL, err);
        goto out;
    }
    yt_api_key_fingerprint(key, fp);
    bad |= yt_buf_addf(
        &t,
        "API key %s saved to %s (mode 0600).\nIt is used for public "
        "data only, when no OAuth token is saved.",
        fp, path);
    if (getenv("YTK_API_KEY") && *getenv("YTK_API_KEY"))
        bad |=
            yt_buf_adds(&t, "\nNote: $YTK_API_KEY is set and takes precedence "
                            "over this file.");
    show_msg(x, NULL, 0, built(bad, &t, "API key saved."));
    rc = 0;
out:
    yt_wipe_free(key);
    yt_wipe_free(line);
    free(path);
    yt_buf_free(&t);
    return rc;
}

/* ---- status / refresh / revoke / logout -----------------------------------
 */

static int do_status(struct mg_ctx *c, const struct mg_args *a)
{
    struct kn_exec *x = c->x;
    struct yt_token tok;
    struct yt_tokeninfo ti;
    struct yt_buf t;
    char err[YTK_ERR_LEN], fp[64];
    char *path = token_path_for(c, a), *key = NULL;
    int trc, krc, irc, rc = -1, bad = 0;

    memset(&ti, 0, sizeof ti);
    memset(&tok, 0, sizeof tok);
    yt_buf_init(&t, 64 * 1024);
    if (!path) {
        auth_fail(x, NULL, "out of memory");
        goto out;
    }
    trc = yt_token_load(path, &tok, err);
    if (trc == YTK_E_NOENT) {
        bad |= yt_buf_addf(&t, "No OAuth token saved (%s).", path);
    } else if (trc != YTK_OK) {
        bad |= yt_buf_addf(&t,
                           "Token file %s is unusable: %s\n(run %%yt_auth "
                           "login to replace it)",
                           path, err);
    } else {
        bad |= yt_buf_addf(&t, "Token file: %s", path);
        if (tok.token && tok.expiry > (long long)time(NULL)) {
            struct yt_http *h = new_http(x);

            if (!h)
                goto out;
            irc = yt_oauth_tokeninfo(h, tok.token, &ti, err);
            if (irc == YTK_OK && (ti.email || ti.sub))
                bad |= yt_buf_addf(&t, "\nAccount: %s%s",
                                   ti.email ? "" : "Google account id ",
                                   ti.email ? ti.email : ti.sub);
            else if (irc == YTK_OK)
                bad |= yt_buf_adds(&t, "\nAccount: (tokeninfo names none)");
            else if (irc == YTK_E_NET)
                bad |= yt_buf_addf(&t,
                                   "\nAccount: (tokeninfo not reachable: "
                                   "%s)",
                                   err);
            else
                bad |= yt_buf_adds(
                    &t, "\nAccount: unknown: Google did not accept the saved "
                        "access token (revoked, or ended before its expiry); "
                        "%yt_auth refresh gets a new one (%yt_auth login if "
                        "that fails)");
            yt_http_free(h);
        }
        bad |= yt_buf_adds(&t, "\nScopes: ");
        bad |= short_scopes(tok.scopes, &t);
        bad |= yt_buf_adds(&t, yt_an_scopes_allow(tok.scopes)
                                   ? "\nYouTube Analytics reports: allowed"
                                   : "\nYouTube Analytics reports: not allowed "
                                     "(log in again with --scopes "
                                     "youtube.readonly,youtube.force-ssl,"
                                     "yt-analytics.readonly)") < 0;
        bad |= yt_buf_adds(&t, "\nAccess token: ");
        if (tok.token) {
            bad |= yt_buf_adds(&t, "present (redacted), expires ");
            bad |= fmt_expiry(tok.expiry, &t);
        } else {
            bad |= yt_buf_adds(&t, "none");
        }
        bad |= yt_buf_addf(&t, "\nRefresh token: %s",
                           tok.refresh_token ? "present (redacted)" : "none");
        if (tok.refresh_token && tok.refresh_expiry > 0) {
            bad |= yt_buf_adds(&t, ", expires ");
            bad |= fmt_expiry(tok.refresh_expiry, &t);
            bad |=
                yt_buf_adds(&t, " (time-limited grant, e.g. \"Testing\" mode)");
        }
        if (tok.client_id)
            bad |= yt_buf_addf(&t, "\nOAuth client: %s", tok.client_id);
        {
            struct stat st;

            if (stat(path, &st) == 0 && (st.st_mode & 077))
                bad |= yt_buf_addf(
                    &t,
                    "\nWarning: the token file is readable by "
                    "others (mode %03o); run chmod 600 on it, or "
                    "%%yt_auth refresh to rewrite it with mode 0600.",
                    (unsigned)(st.st_mode & 0777));
        }
    }
    krc = yt_api_key_load(c->home, &key, err);
    if (krc == 0) {
        yt_api_key_fingerprint(key, fp);
        bad |= yt_buf_addf(&t, "\nAPI key: %s (%s)", fp,
                           getenv("YTK_API_KEY") && *getenv("YTK_API_KEY")
                               ? "$YTK_API_KEY"
                               : "saved by %yt_auth key");
        yt_wipe_free(key);
    } else if (krc == YTK_E_NOENT) {
        bad |= yt_buf_adds(&t, "\nAPI key: none");
    } else {
        bad |= yt_buf_addf(&t, "\nAPI key: unusable (%s)", err);
    }
    if (trc == YTK_E_NOENT && krc != 0)
        bad |= yt_buf_adds(&t, "\nRun %yt_auth login to sign in.");
    if (bad) {
        auth_fail(x, NULL, "out of memory building the status");
        goto out;
    }
    show_msg(x, NULL, 0, yt_buf_str(&t));
    rc = 0;
out:
    yt_token_free(&tok);
    yt_tokeninfo_free(&ti);
    yt_buf_free(&t);
    free(path);
    return rc;
}

static int do_refresh(struct mg_ctx *c, const struct mg_args *a)
{
    struct kn_exec *x = c->x;
    struct yt_cred cred;
    struct yt_http *h;
    struct yt_buf t;
    char err[YTK_ERR_LEN];
    int rc, bad;

    memset(&cred, 0, sizeof cred);
    cred.token_path = token_path_for(c, a);
    if (!cred.token_path)
        return auth_fail(x, NULL, "out of memory");
    h = new_http(x);
    if (!h) {
        yt_cred_free(&cred);
        return -1;
    }
    rc = yt_cred_refresh(h, &cred, err);
    yt_http_free(h);
    if (rc != YTK_OK) {
        yt_cred_free(&cred);
        if (kn_exec_interrupted(x)) {
            kn_exec_fail(x, "KeyboardInterrupt", "refresh interrupted");
            return -1;
        }
        return auth_fail(x,
                         rc == YTK_E_NET ? "Hint: check the network and retry."
                                         : HINT_LOGIN,
                         err);
    }
    yt_buf_init(&t, 64 * 1024);
    bad = yt_buf_adds(&t, "Access token refreshed; expires ");
    bad |= fmt_expiry(cred.expiry, &t);
    bad |= yt_buf_addf(&t, ".\nToken saved to %s", cred.token_path);
    show_msg(x, NULL, 0, built(bad, &t, "Access token refreshed."));
    yt_buf_free(&t);
    yt_cred_free(&cred);
    return 0;
}

static int do_revoke(struct mg_ctx *c, const struct mg_args *a)
{
    struct kn_exec *x = c->x;
    struct yt_token tok;
    struct yt_http *h = NULL;
    struct yt_buf t;
    char err[YTK_ERR_LEN];
    char *path = token_path_for(c, a);
    int rc = -1, trc, bad = 0;

    yt_buf_init(&t, 64 * 1024);
    memset(&tok, 0, sizeof tok);
    if (!path)
        return auth_fail(x, NULL, "out of memory");
    trc = yt_token_load(path, &tok, err);
    if (trc == YTK_E_NOENT) {
        bad |=
            yt_buf_addf(&t, "No token saved at %s: nothing to revoke.", path);
        show_msg(x, NULL, 0,
                 built(bad, &t, "No token saved: nothing to revoke."));
        rc = 0;
        goto out;
    }
    if (trc != YTK_OK) {
        auth_fail(x,
                  "Hint: %yt_auth logout deletes the file without "
                  "revoking.",
                  err);
        goto out;
    }
    h = new_http(x);
    if (!h)
        goto out;
    trc = yt_oauth_revoke(h, tok.refresh_token ? tok.refresh_token : tok.token,
                          err);
    if (trc == YTK_E_ABORTED) {
        kn_exec_fail(x, "KeyboardInterrupt",
                     "revoke interrupted; the token "
                     "file was kept");
        goto out;
    }
    if (trc != YTK_OK && trc != YTK_E_INVALID_GRANT) {
        bad |= yt_buf_addf(&t,
                           "could not revoke the token at Google (%s); the "
                           "token file was kept",
                           err);
        auth_fail(x,
                  "Hint: retry, or %yt_auth logout to delete only the "
                  "local file.",
                  built(bad, &t,
                        "could not revoke the token at Google; the "
                        "token file was kept"));
        goto out;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        bad |= yt_buf_addf(&t, "revoked at Google, but could not delete %s: %s",
                           path, strerror(errno));
        auth_fail(x, NULL,
                  built(bad, &t,
                        "revoked at Google, but could not "
                        "delete the token file"));
        goto out;
    }
    bad |= yt_buf_addf(
        &t, "%s; deleted %s.",
        trc == YTK_OK ? "Access revoked at Google"
                      : "Google no longer knew this token (already revoked or "
                        "expired)",
        path);
    show_msg(x, NULL, 0, built(bad, &t, "Access revoked; token file deleted."));
    rc = 0;
out:
    yt_token_free(&tok);
    yt_http_free(h);
    yt_buf_free(&t);
    free(path);
    return rc;
}

/* After a logout: an API key still in use for public data is named, with
 * how to stop using it (logout leaves it alone).  0 or the yt_buf code. */
static int key_still_used(const struct mg_ctx *c, struct yt_buf *t)
{
    char err[YTK_ERR_LEN], *key = NULL, *kpath;
    const char *env = getenv("YTK_API_KEY");
    int bad;

    if (yt_api_key_load(c->home, &key, err) != 0)
        return 0;
    yt_wipe_free(key);
    if (env && *env)
        return yt_buf_adds(t, "\nAn API key is still set ($YTK_API_KEY): "
                              "%yt_fetch uses it for public data until it "
                              "is unset.");
    kpath = yt_api_key_path(c->home);
    bad = yt_buf_addf(t,
                      "\nAn API key is still saved (%s): %%yt_fetch uses it "
                      "for public data; delete that file to stop.",
                      kpath ? kpath : "$YTK_HOME/api_key");
    free(kpath);
    return bad;
}

static int do_logout(struct mg_ctx *c, const struct mg_args *a)
{
    struct yt_buf t;
    char *path = token_path_for(c, a);
    int rc = 0, bad = 0;

    if (!path)
        return auth_fail(c->x, NULL, "out of memory");
    yt_buf_init(&t, 64 * 1024);
    if (unlink(path) == 0) {
        bad |= yt_buf_addf(&t,
                           "Deleted %s. Access is not revoked at Google "
                           "(%%yt_auth revoke does that).",
                           path);
        bad |= key_still_used(c, &t);
        show_msg(c->x, NULL, 0, built(bad, &t, "Token file deleted."));
    } else if (errno == ENOENT) {
        bad |= yt_buf_addf(&t, "No token saved at %s.", path);
        bad |= key_still_used(c, &t);
        show_msg(c->x, NULL, 0, built(bad, &t, "No token saved."));
    } else {
        bad |= yt_buf_addf(&t, "cannot delete %s: %s", path, strerror(errno));
        rc = auth_fail(c->x, NULL,
                       built(bad, &t, "cannot delete the token file"));
    }
    pending_clear();
    yt_buf_free(&t);
    free(path);
    return rc;
}

/* A secret typed on the line is in the notebook now: history drops it
 * (mg_redact), the notebook file is the frontend's.  Say so, once a line. */
static void warn_inline_secret(struct kn_exec *x, const struct mg_args *a,
                               const char *sub)
{
    if (sub && strcmp(sub, "key") == 0 && mg_args_pos(a, 1))
        kn_exec_stream(x, 1,
                       "Warning: the API key typed on this line is saved in "
                       "the notebook file (not in the kernel's history). "
                       "Delete it from the cell and run %yt_auth key alone: "
                       "it asks for the key in a hidden prompt.\n");
    else if (mg_args_get(a, "client-secret"))
        kn_exec_stream(x, 1,
                       "Warning: the --client-secret typed on this line is "
                       "saved in the notebook file (not in the kernel's "
                       "history). Delete it from the cell and use "
                       "--client-secrets FILE or $YTK_HOME/client_secret.json "
                       "instead.\n");
}

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    const char *sub = mg_args_pos(a, 0);
    int i, best = -1, bestd = 100;

    reap_children();
    warn_inline_secret(c->x, a, sub);
    if (sub && mg_args_pos(a, 1) &&
        (strcmp(sub, "status") == 0 || strcmp(sub, "refresh") == 0 ||
         strcmp(sub, "revoke") == 0 || strcmp(sub, "logout") == 0)) {
        kn_exec_fail(c->x, "UsageError",
                     "unexpected argument '%s': %%yt_auth %s takes no words "
                     "after it (only options, see %%yt_auth?)",
                     mg_args_pos(a, 1), sub);
        return -1;
    }
    if (!sub || strcmp(sub, "status") == 0)
        return do_status(c, a);
    if (strcmp(sub, "login") == 0)
        return do_login(c, a);
    if (strcmp(sub, "code") == 0)
        return do_code(c, a);
    if (strcmp(sub, "device") == 0)
        return do_device(c, a);
    if (strcmp(sub, "key") == 0)
        return do_key(c, a);
    if (strcmp(sub, "refresh") == 0)
        return do_refresh(c, a);
    if (strcmp(sub, "revoke") == 0)
        return do_revoke(c, a);
    if (strcmp(sub, "logout") == 0)
        return do_logout(c, a);
    for (i = 0; auth_subcommands[i]; i++) {
        int d = mg_args_distance(sub, auth_subcommands[i]);

        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    kn_exec_fail(c->x, "UsageError", "unknown %%yt_auth subcommand '%s'", sub);
    if (best >= 0 && bestd <= 2) {
        char line[96];

        snprintf(line, sizeof line, "Did you mean: %%yt_auth %s?",
                 auth_subcommands[best]);
        kn_exec_fail_line(c->x, line);
    }
    kn_exec_fail_line(c->x, "Subcommands: login, code, device, key, status, "
                            "refresh, revoke, logout (see %yt_auth?)");
    return -1;
}

const struct mg_magic mg_yt_auth_magic = {
    .name = "yt_auth",
    .summary = "sign in to YouTube (OAuth 2.0), save and manage the token",
    .help =
        "%yt_auth login [options]\n"
        "    Sign in with Google (authorization code + PKCE, random state).  "
        "The sign-in\n"
        "    link is shown at once and opened with $BROWSER when set; the "
        "browser comes\n"
        "    back to a one-shot listener on 127.0.0.1 (free port).  "
        "--manual asks for the\n"
        "    redirected address in an input box (browser on another "
        "machine); --no-wait\n"
        "    shows the link and returns.\n"
        "%yt_auth code \"REDIRECTED_URL_OR_CODE\"\n"
        "    Finish a login --no-wait / --manual sign-in without an input "
        "box.\n"
        "%yt_auth device [--client-secrets FILE]\n"
        "    Device flow: shows a code to enter on Google's device page "
        "(needs a \"TVs and\n"
        "    Limited Input devices\" client; youtube.readonly only).\n"
        "%yt_auth key\n"
        "    Save an API key for public data ($YTK_HOME/api_key, mode 0600; "
        "$YTK_API_KEY\n"
        "    also works).  The key is asked for, hidden: a key typed on the "
        "line stays\n"
        "    in the notebook file (history keeps it redacted).\n"
        "%yt_auth status     account, scopes, expiry, files (never the "
        "tokens)\n"
        "%yt_auth refresh    refresh the access token now\n"
        "%yt_auth revoke     revoke access at Google, then delete the token "
        "file\n"
        "%yt_auth logout     delete the local token file\n"
        "\n"
        "Default scopes: youtube.readonly youtube.force-ssl (comments need "
        "force-ssl).\n"
        "YouTube Analytics reports (%yt_fetch analytics): add "
        "yt-analytics.readonly,\n"
        "e.g. %yt_auth login --scopes youtube.readonly,youtube.force-ssl,"
        "yt-analytics.readonly\n"
        "Client: a client_secret.json of a Desktop OAuth client (Google "
        "Cloud Console >\n"
        "Credentials), from the option, else $YTK_CLIENT_SECRETS, else\n"
        "$YTK_HOME/client_secret.json.  The token is saved in Google's "
        "authorized_user\n"
        "JSON format (google-auth reads it), mode 0600, and refreshed "
        "automatically by\n"
        "%yt_fetch; tokens, secrets and keys are never shown.\n",
    .opts = auth_opts,
    .subcommands = auth_subcommands,
    .line = run_line,
};
