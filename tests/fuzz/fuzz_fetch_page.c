/* fuzz_fetch_page.c -- libFuzzer target: an API answer through the fetch
 * engine and the recipes, as %yt_fetch handles it.  The first byte picks
 * the fetch (comment threads with reply completion, the uploads recipe's
 * channel lookup and playlist pages feeding video batches, subscriptions
 * --with-channels, a videos id batch) and the HTTP status; the rest is the
 * body of the first answer.  Every later request is answered with an empty
 * page (the fake transport of tu_fake_transport.h, newest request first).
 * In-memory SQLite store.  Asserts:
 *   - the run ends (OK, or FATAL for a non-2xx status / no channel), with
 *     nothing left in flight;
 *   - one request-log row per request sent, and the logged units equal the
 *     engine's count;
 *   - no stored row of the main table lacks its primary key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "tu_fake_transport.h"
#include "tu_sql.h"
#include "yt_fetch.h"
#include "yt_recipe.h"
#include "yt_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 200, 200, 404, 403, 500};
    struct tu_fake fk;
    struct yt_fetch_transport tr;
    struct yt_fetch_config cfg;
    struct yt_recipe_plan p;
    struct yt_recipe_job *j;
    struct yt_fetch *e;
    sqlite3 *db = NULL;
    char err[YTK_ERR_LEN];
    char *ids[2] = {"vid1", "vid2"};
    int which, rc;
    const char *main_table;

    if (size < 1 || size > 65536)
        return 0;
    which = data[0] % 4;
    memset(&fk, 0, sizeof(fk));
    fk.lifo = 1;
    fk.max_sent = 2000;
    fk.first_body = data + 1;
    fk.first_len = size - 1;
    fk.first_status = statuses[(data[0] / 4) % 6];
    fk.empty_items = 1; /* every later answer */
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || yt_store_init(db, err))
        abort();
    memset(&p, 0, sizeof(p));
    p.limit = -1;
    p.comments_table = "comments";
    switch (which) {
    case 0:
        p.m = yt_api_method_find("comment_threads");
        p.params = "part=snippet,replies&videoId=v";
        p.table = "comment_threads";
        break;
    case 1:
        p.recipe = YT_RECIPE_UPLOADS;
        p.m = yt_api_method_find("videos");
        p.params = "part=statistics";
        p.table = "videos";
        p.chan_params = "mine=true";
        break;
    case 2:
        p.recipe = YT_RECIPE_SUBS_CHANNELS;
        p.m = yt_api_method_find("subscriptions");
        p.params = "part=snippet&mine=true";
        p.table = "subscriptions";
        break;
    default:
        p.m = yt_api_method_find("videos");
        p.params = "part=statistics";
        p.table = "videos";
        p.ids = ids;
        p.nids = 2;
        p.ids_param = "id";
        p.ids_batch = 1;
        break;
    }
    main_table = p.table;
    if (yt_store_table_ensure(db, p.table,
                              which == 1 ? YT_KIND_VIDEO : p.m->kind, err) ||
        yt_store_table_ensure(db, "comments", YT_KIND_COMMENT, err))
        abort();
    tu_fake_transport(&fk, &tr);
    memset(&cfg, 0, sizeof(cfg));
    cfg.db = db;
    cfg.transport = &tr;
    cfg.base = "http://127.0.0.1:9/youtube/v3";
    cfg.fetch_id = "fuzz";
    cfg.parallel = 4;
    cfg.max_retries = -1; /* no retries: every request is answered once */
    cfg.backoff_base_ms = 1;
    cfg.backoff_cap_ms = 1;
    cfg.timeout_ms = 1000;
    j = yt_recipe_job_new(db, &p, "2000-01-01T00:00:00.000Z");
    e = yt_fetch_new(&cfg, err);
    if (!j || !e)
        abort();
    rc = yt_recipe_run(j, e, NULL, err);
    if (rc != YT_FETCH_OK && rc != YT_FETCH_E_FATAL)
        abort();
    if (fk.n != 0 || yt_fetch_get_stats(e)->inflight != 0)
        abort();
    if (tu_sql_int(db, "SELECT COUNT(*) FROM _ytk_requests") !=
        yt_fetch_get_stats(e)->requests)
        abort();
    if (tu_sql_int(db,
                   "SELECT COALESCE(SUM(quota_units), 0) FROM _ytk_requests") !=
        yt_fetch_get_stats(e)->units)
        abort();
    {
        char sql[200];
        const struct yt_api_kind_info *ki =
            yt_api_kind_get(which == 1 ? YT_KIND_VIDEO : p.m->kind);
        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM \"%s\" WHERE %s IS NULL OR %s = ''",
                 main_table, ki->cols[0].name, ki->cols[0].name);
        if (tu_sql_int(db, sql) != 0)
            abort();
    }
    yt_fetch_free(e);
    yt_recipe_job_free(j);
    sqlite3_close(db);
    return 0;
}
