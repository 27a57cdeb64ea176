/* mg_version.c -- %version: ytkernel and library versions as a small table
 * (text/plain + text/html). */
#include "mg_interp.h"
#include "mg_table.h"

#include <cairo.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    char zv[32] = "?"; /* filled below, once the arguments are checked */
    const char *rows[][2] = {
        {"ytkernel", YTK_VERSION},
        {"protocol", "5.5"},
        {"SQLite", sqlite3_libversion()},
        {"libcurl", cv ? cv->version : "?"},
        {"libzmq", zv},
        {"cairo", cairo_version_string()},
        {"cJSON", cJSON_Version()},
    };
    struct yt_buf html, text;
    cJSON *data = NULL;
    int maj, min, pat, rc = -1;
    size_t i;

    if (mg_usage_max_words(c, a, "version", 0) < 0)
        return -1;
    zmq_version(&maj, &min, &pat);
    snprintf(zv, sizeof zv, "%d.%d.%d", maj, min, pat);

    yt_buf_init(&html, 1u << 16);
    yt_buf_init(&text, 1u << 16);
    if (yt_buf_adds(&html, "<div class=\"tex2jax_ignore mathjax_ignore\">"
                           "<table border=\"1\" class=\"dataframe\"><thead>"
                           "<tr style=\"text-align: right;\"><th>component"
                           "</th><th>version</th></tr></thead><tbody>") < 0)
        goto oom;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (yt_buf_addf(&text, "%-10s %s\n", rows[i][0], rows[i][1]) < 0 ||
            yt_buf_adds(&html, "<tr><td style=\"text-align:left\">") < 0 ||
            mg_html_escape(&html, rows[i][0], -1) < 0 ||
            yt_buf_adds(&html, "</td><td style=\"text-align:left\">") < 0 ||
            mg_html_escape(&html, rows[i][1], -1) < 0 ||
            yt_buf_adds(&html, "</td></tr>") < 0)
            goto oom;
    }
    if (yt_buf_adds(&html, "</tbody></table>") < 0 ||
        yt_buf_adds(&html, "<p>OpenSSL: ") < 0 ||
        mg_html_escape(&html, OpenSSL_version(OPENSSL_VERSION), -1) < 0 ||
        yt_buf_adds(&html, "</p></div>") < 0 ||
        yt_buf_addf(&text, "%-10s %s", "OpenSSL",
                    OpenSSL_version(OPENSSL_VERSION)) < 0)
        goto oom;
    data = cJSON_CreateObject();
    if (!data ||
        !cJSON_AddStringToObject(data, "text/plain", yt_buf_str(&text)) ||
        !cJSON_AddStringToObject(data, "text/html", yt_buf_str(&html)))
        goto oom;
    kn_exec_display(c->x, data, NULL, NULL);
    data = NULL;
    rc = 0;
    goto out;
oom:
    kn_exec_fail(c->x, "MemoryError", "out of memory");
out:
    cJSON_Delete(data);
    yt_buf_free(&html);
    yt_buf_free(&text);
    return rc;
}

const struct mg_magic mg_version_magic = {
    .name = "version",
    .summary = "Show the versions of ytkernel and its libraries",
    .help = "Usage: %version\n"
            "\n"
            "Shows the versions of ytkernel, the Jupyter protocol it speaks,\n"
            "SQLite, libcurl, libzmq, cairo, cJSON and OpenSSL.\n",
    .line = run_line,
};
