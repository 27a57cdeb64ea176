/* yt_recipe.c -- the Data API fetches of %yt_fetch on the engine.  See
 * yt_recipe.h. */
#include "yt_recipe.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_buf.h"
#include "yt_err.h"
#include "yt_http.h"
#include "yt_store.h"
#include "yt_time.h"

#define MAX_PAGES_PER_QUERY 20000
#define FEED_AHEAD 32 /* id queries queued ahead of the window */
#define MAX_COUNTS 8

/* One query's own data (the engine's query arg). */
struct rq {
    struct yt_recipe_job *j;
    const struct yt_api_method *m;
    char *table;
    char *fill_video_id; /* video_id for comments lacking one */
    char **batch_ids;    /* ids of an id batch (done set) */
    int nbatch;
    char *listing_id; /* per-id listing: id marked done when it ends */
    char *token;      /* page token of the request in flight */
    long limit, got;
    int paginate, is_main, from_plan, is_channel_lookup;
    int mine; /* channels.list mine=true */
};

struct yt_recipe_job {
    sqlite3 *db;
    struct yt_fetch *e;
    struct yt_recipe_plan p;
    char started_at[32];
    char *phase;
    long resumed_pages, resumed_items;
    long items, missing, total_results, est_pages;
    int search_capped;
    struct yt_recipe_count counts[MAX_COUNTS];
    char *count_names[MAX_COUNTS];
    int ncounts;
    long ids_pos; /* plan ids handed to the engine so far */
    /* pipelining: ids of stored rows waiting for a batch of 50 */
    char *pend[YT_RECIPE_BATCH];
    int npend;
    const struct yt_api_method *feed_m;
    const char *feed_params, *feed_table, *feed_col;
    enum yt_api_kind feed_kind;
    char *uploads; /* uploads recipe: the playlist id */
    long video_count;
};

/* ------------------------------------------------------------ helpers */

static void count_rows(struct yt_recipe_job *j, const char *table, long n)
{
    int i;

    for (i = 0; i < j->ncounts; i++)
        if (strcmp(j->count_names[i], table) == 0) {
            j->counts[i].rows += n;
            return;
        }
    if (j->ncounts < MAX_COUNTS) {
        j->count_names[j->ncounts] = strdup(table);
        if (!j->count_names[j->ncounts])
            return;
        j->counts[j->ncounts].table = j->count_names[j->ncounts];
        j->counts[j->ncounts].rows = n;
        j->ncounts++;
    }
}

static int set_phase(struct yt_recipe_job *j, const char *phase)
{
    char *p = strdup(phase);

    if (!p)
        return -1;
    free(j->phase);
    j->phase = p;
    return 0;
}

/* Pages of the whole fetch (the stopped runs' and this one's) once the
 * page being stored, if any, is committed: the engine counts a page after
 * its callback returns. */
static long state_pages(const struct yt_recipe_job *j, int in_page)
{
    return j->resumed_pages + (j->e ? yt_fetch_get_stats(j->e)->pages : 0) +
           (in_page ? 1 : 0);
}

static int save_state(struct yt_recipe_job *j, const char *page_token,
                      int in_page, char err[YTK_ERR_LEN])
{
    struct yt_store_state st;

    if (!j->p.key)
        return 0;
    memset(&st, 0, sizeof st);
    st.fetch_key = (char *)j->p.key;
    st.page_token = (char *)page_token;
    st.started_at = j->started_at;
    st.phase = j->phase;
    st.pages = state_pages(j, in_page);
    st.items = j->resumed_items + j->items;
    return yt_store_state_put(j->db, &st, j->p.desc, err);
}

static void rq_free(void *arg)
{
    struct rq *r = arg;
    int i;

    if (!r)
        return;
    free(r->table);
    free(r->fill_video_id);
    for (i = 0; i < r->nbatch; i++)
        free(r->batch_ids[i]);
    free(r->batch_ids);
    free(r->listing_id);
    free(r->token);
    free(r);
}

/* The cursor of r's next request: maxResults (what --limit still wants)
 * and the page token. */
static char *cursor_for(const struct rq *r, const char *token)
{
    struct yt_buf b;
    long mr = r->m->max_results;

    yt_buf_init(&b, 1u << 16);
    if (mr > 0 && !r->nbatch) {
        if (r->limit >= 0 && r->limit - r->got < mr && r->limit - r->got > 0)
            mr = r->limit - r->got;
        if (yt_buf_addf(&b, "maxResults=%ld", mr) < 0)
            return NULL;
    }
    if (token && yt_http_query_add(&b, "pageToken", token) < 0)
        return NULL;
    return yt_buf_take(&b);
}

static const struct yt_fetch_query_ops rq_ops;

/* Hand r to the engine as a query. */
static int add_query(struct yt_recipe_job *j, struct rq *r, const char *params,
                     const char *label, int priority, int single,
                     char err[YTK_ERR_LEN])
{
    struct yt_fetch_query_spec s;
    char *cursor = cursor_for(r, r->token);
    int rc;

    if (!cursor) {
        rq_free(r);
        yt_errf(err, "out of memory");
        return -1;
    }
    r->mine = r->m->kind == YT_KIND_CHANNEL && strstr(params, "mine=true");
    memset(&s, 0, sizeof s);
    s.method = r->m->path;
    s.params = params;
    s.cursor = *cursor ? cursor : NULL;
    s.cost = r->m->cost;
    s.label = label;
    s.priority = priority;
    s.single_target = single;
    s.ops = &rq_ops;
    s.arg = r;
    rc = yt_fetch_add(j->e, &s, err);
    free(cursor);
    return rc;
}

static struct rq *rq_new(struct yt_recipe_job *j, const struct yt_api_method *m,
                         const char *table)
{
    struct rq *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->j = j;
    r->m = m;
    r->limit = -1;
    r->table = strdup(table);
    if (!r->table) {
        free(r);
        return NULL;
    }
    return r;
}

/* One batch of up to 50 ids (batch) or one listing for ids[0]. */
static int add_ids(struct yt_recipe_job *j, const struct yt_api_method *m,
                   const char *params, const char *table, const char *ids_param,
                   int batch, char *const *ids, int n, int from_plan,
                   char err[YTK_ERR_LEN])
{
    struct rq *r = rq_new(j, m, table);
    struct yt_buf p, list;
    char *label = NULL;
    int i, rc = -1;

    yt_buf_init(&p, 1u << 20);
    yt_buf_init(&list, 1u << 20);
    if (!r)
        goto nomem;
    r->from_plan = from_plan;
    r->batch_ids = calloc((size_t)n, sizeof(char *));
    if (!r->batch_ids)
        goto nomem;
    for (i = 0; i < n; i++) {
        if (yt_buf_addf(&list, "%s%s", i ? "," : "", ids[i]) < 0)
            goto nomem;
        r->batch_ids[i] = strdup(ids[i]);
        if (!r->batch_ids[i])
            goto nomem;
        r->nbatch++;
    }
    if (yt_buf_adds(&p, params) < 0 ||
        yt_http_query_add(&p, ids_param, yt_buf_str(&list)) < 0)
        goto nomem;
    if (batch) {
        if (asprintf(&label, "%s batch of %d ids starting %s", m->path, n,
                     ids[0]) < 0)
            label = NULL;
    } else {
        /* per-id listings are done when the whole listing is */
        if (asprintf(&label, "%s %s=%s", m->path, ids_param, ids[0]) < 0)
            label = NULL;
        r->listing_id = r->batch_ids[0];
        r->nbatch = 0;
        free(r->batch_ids);
        r->batch_ids = NULL;
        r->paginate = 1;
        r->limit = j->p.limit;
    }
    rc = add_query(j, r, yt_buf_str(&p), label, YT_FETCH_PRIO_LOW, 0, err);
    r = NULL; /* the engine owns it now */
    goto out;
nomem:
    yt_errf(err, "out of memory");
out:
    rq_free(r);
    free(label);
    yt_buf_free(&p);
    yt_buf_free(&list);
    return rc;
}

/* Hand up to k more of the plan's ids to the engine, skipping those the
 * stopped run finished. */
static int feed_plan(struct yt_recipe_job *j, int k, char err[])
{
    int per = j->p.ids_batch ? YT_RECIPE_BATCH : 1;

    while (k-- > 0 && j->ids_pos < j->p.nids) {
        char *todo[YT_RECIPE_BATCH];
        int n = 0;

        while (n < per && j->ids_pos < j->p.nids) {
            char *id = j->p.ids[j->ids_pos++];
            if (!yt_store_done_has(j->db, j->p.key, id))
                todo[n++] = id;
        }
        if (n && add_ids(j, j->p.m, j->p.params, j->p.table, j->p.ids_param,
                         j->p.ids_batch, todo, n, 1, err) < 0)
            return -1;
    }
    return 0;
}

/* Send the pending ids as one batch. */
static int flush_pend(struct yt_recipe_job *j, char err[])
{
    int i, rc = 0;

    if (!j->npend)
        return 0;
    rc = add_ids(j, j->feed_m, j->feed_params, j->feed_table, "id", 1, j->pend,
                 j->npend, 0, err);
    for (i = 0; i < j->npend; i++)
        free(j->pend[i]);
    j->npend = 0;
    return rc;
}

static int pend_add(struct yt_recipe_job *j, const char *id, char err[])
{
    j->pend[j->npend] = strdup(id);
    if (!j->pend[j->npend]) {
        yt_errf(err, "out of memory");
        return -1;
    }
    if (++j->npend == YT_RECIPE_BATCH)
        return flush_pend(j, err);
    return 0;
}

/* The feed column of each stored item goes to the pending batch. */
static int feed_items(struct yt_recipe_job *j, const cJSON *items, char err[])
{
    int col = yt_api_col_index(j->feed_kind, j->feed_col);
    const cJSON *it;

    if (col < 0)
        return 0;
    cJSON_ArrayForEach(it, items)
    {
        struct yt_api_row row;
        char ferr[YTK_ERR_LEN];
        int rc = 0;

        if (yt_api_flatten(j->feed_kind, it, &row, ferr) < 0)
            continue;
        if (row.vals[col].type == YT_V_TEXT && row.vals[col].s[0])
            rc = pend_add(j, row.vals[col].s, err);
        yt_api_row_free(&row);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ pages */

static int add_completion(struct yt_recipe_job *j, const char *thread_id,
                          const char *video_id, char err[])
{
    struct rq *r =
        rq_new(j, yt_api_method_find("comments"), j->p.comments_table);
    struct yt_buf p;
    char *label = NULL;
    int rc = -1;

    yt_buf_init(&p, 1u << 16);
    if (!r || !r->m)
        goto nomem;
    if (yt_http_query_add(&p, "part", "snippet") < 0 ||
        yt_http_query_add(&p, "parentId", thread_id) < 0)
        goto nomem;
    r->paginate = 1;
    r->listing_id = strdup(thread_id); /* done when all replies are in */
    if (!r->listing_id)
        goto nomem;
    if (video_id) {
        r->fill_video_id = strdup(video_id);
        if (!r->fill_video_id)
            goto nomem;
    }
    if (asprintf(&label, "replies of thread %s", thread_id) < 0)
        label = NULL;
    rc = add_query(j, r, yt_buf_str(&p), label, YT_FETCH_PRIO_LOW, 0, err);
    r = NULL;
    goto out;
nomem:
    yt_errf(err, "out of memory");
out:
    rq_free(r);
    free(label);
    yt_buf_free(&p);
    return rc;
}

/* Store a commentThreads page's comments (top level + embedded replies)
 * and queue completions for threads with more replies than embedded. */
static int store_threads_extra(struct yt_recipe_job *j, const cJSON *items,
                               const char *fetched_at, char err[])
{
    const cJSON *t;

    cJSON_ArrayForEach(t, items)
    {
        const cJSON *sn = cJSON_GetObjectItemCaseSensitive(t, "snippet");
        const cJSON *top =
            cJSON_GetObjectItemCaseSensitive(sn, "topLevelComment");
        const cJSON *vid = cJSON_GetObjectItemCaseSensitive(sn, "videoId");
        const cJSON *total =
            cJSON_GetObjectItemCaseSensitive(sn, "totalReplyCount");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "id");
        const cJSON *reps = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(t, "replies"), "comments");
        const char *video = cJSON_IsString(vid) ? vid->valuestring : NULL;
        const char *fill[3] = {"video_id", video, NULL};
        cJSON *arr = cJSON_CreateArray();
        const cJSON *r;
        int stored = 0, bad = 0, embedded = 0;

        if (!arr) {
            yt_errf(err, "out of memory");
            return -1;
        }
        if (cJSON_IsObject(top))
            cJSON_AddItemReferenceToArray(arr, (cJSON *)top);
        cJSON_ArrayForEach(r, reps)
        {
            cJSON_AddItemReferenceToArray(arr, (cJSON *)r);
            embedded++;
        }
        if (cJSON_GetArraySize(arr) > 0 &&
            yt_store_upsert_items(j->db, j->p.comments_table, YT_KIND_COMMENT,
                                  arr, fetched_at, video ? fill : NULL, &stored,
                                  &bad, err) < 0) {
            cJSON_Delete(arr);
            return -1;
        }
        cJSON_Delete(arr);
        count_rows(j, j->p.comments_table, stored);
        if (cJSON_IsNumber(total) && total->valuedouble > embedded &&
            cJSON_IsString(id) &&
            add_completion(j, id->valuestring, video, err) < 0)
            return -1;
    }
    return 0;
}

/* uploads: what the channel lookup tells (playlist id, video count). */
static int read_channel(struct yt_recipe_job *j, const cJSON *items)
{
    const cJSON *it = cJSON_GetArrayItem(items, 0);
    const cJSON *cd = cJSON_GetObjectItemCaseSensitive(it, "contentDetails");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cd, "relatedPlaylists"), "uploads");
    const cJSON *vc = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(it, "statistics"), "videoCount");

    if (cJSON_IsString(up) && up->valuestring[0]) {
        free(j->uploads);
        j->uploads = strdup(up->valuestring);
    }
    if (cJSON_IsString(vc))
        j->video_count = strtol(vc->valuestring, NULL, 10);
    else if (cJSON_IsNumber(vc))
        j->video_count = (long)vc->valuedouble;
    return 0;
}

static int on_page(struct yt_fetch *e, struct yt_fetch_query *q,
                   const cJSON *root, void *arg, char err[YTK_ERR_LEN])
{
    struct rq *r = arg;
    struct yt_recipe_job *j = r->j;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "nextPageToken");
    const char *fill[3] = {"video_id", r->fill_video_id, NULL};
    char fetched_at[32];
    int stored = 0, bad = 0, n, more, rc = -1;
    cJSON *cut = NULL;

    yt_time_iso_now(fetched_at);
    n = cJSON_GetArraySize(items);
    if (r->is_main) {
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(root, "pageInfo"), "totalResults");
        /* Google caps totalResults at 1,000,000; clamp before converting
         * so a hostile value cannot overflow the long. */
        if (cJSON_IsNumber(tr) && tr->valuedouble > j->total_results)
            j->total_results =
                tr->valuedouble > 1e9 ? 1000000000L : (long)tr->valuedouble;
    }
    /* --limit: keep only what is still wanted. */
    if (r->limit >= 0 && r->got + n > r->limit && cJSON_IsArray(items)) {
        long keep = r->limit - r->got, i;
        cut = cJSON_CreateArray();
        if (!cut)
            goto nomem;
        for (i = 0; i < keep && i < n; i++)
            cJSON_AddItemReferenceToArray(cut,
                                          cJSON_GetArrayItem(items, (int)i));
        items = cut;
    }
    if (yt_store_upsert_items(j->db, r->table, r->m->kind, items, fetched_at,
                              r->fill_video_id ? fill : NULL, &stored, &bad,
                              err) < 0)
        goto out;
    if (r->m->kind == YT_KIND_COMMENT_THREAD &&
        store_threads_extra(j, items, fetched_at, err) < 0)
        goto out;
    more = r->paginate && cJSON_IsString(next) && next->valuestring[0] &&
           (r->limit < 0 || r->got + stored + bad < r->limit) &&
           yt_fetch_query_pages(q) + 1 < MAX_PAGES_PER_QUERY &&
           !(r->token && strcmp(r->token, next->valuestring) == 0);
    if (r->nbatch &&
        yt_store_done_mark(j->db, j->p.key, r->batch_ids, r->nbatch, err) < 0)
        goto out;
    /* remember which channel is the signed-in user's (dry-run estimates) */
    if (r->m->kind == YT_KIND_CHANNEL && stored == 1 && r->mine) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(items, 0), "id");
        if (cJSON_IsString(id) &&
            yt_store_meta_set(j->db, "my_channel_id", id->valuestring, err) < 0)
            goto out;
    }
    if (r->is_channel_lookup)
        read_channel(j, items);
    if (!more && r->listing_id &&
        yt_store_done_mark(j->db, j->p.key, &r->listing_id, 1, err) < 0)
        goto out;
    if (j->feed_m && r->is_main) {
        if (feed_items(j, items, err) < 0)
            goto out;
        if (!more && flush_pend(j, err) < 0)
            goto out;
    }
    count_rows(j, r->table, stored);
    r->got += stored + bad;
    if (r->is_main || r->m->kind != YT_KIND_COMMENT)
        j->items += stored;
    if (r->nbatch && stored < r->nbatch)
        j->missing += r->nbatch - stored;
    if (r->is_main) {
        if (!more && j->feed_m &&
            set_phase(j, j->p.recipe == YT_RECIPE_UPLOADS ? "videos"
                                                          : "channels") < 0)
            goto nomem;
        if (save_state(j, more ? next->valuestring : NULL, 1, err) < 0)
            goto out;
    } else if (j->p.key &&
               yt_store_state_counts(j->db, j->p.key, state_pages(j, 1),
                                     j->resumed_items + j->items, err) < 0) {
        goto out;
    }
    free(r->token);
    r->token = NULL;
    if (more) {
        char *c;
        r->token = strdup(next->valuestring);
        c = r->token ? cursor_for(r, r->token) : NULL;
        if (!c || yt_fetch_query_set_cursor(q, c) < 0) {
            free(c);
            goto nomem;
        }
        free(c);
    } else if (r->is_main && r->m->kind == YT_KIND_SEARCH &&
               !cJSON_IsString(next) && r->limit < 0 &&
               j->total_results > r->got) {
        j->search_capped = 1;
    }
    if (!more && r->from_plan && feed_plan(j, 1, err) < 0)
        goto out;
    rc = more ? YT_FETCH_PAGE_MORE : YT_FETCH_PAGE_DONE;
    goto out;
nomem:
    yt_errf(err, "out of memory");
out:
    cJSON_Delete(cut);
    (void)e;
    return rc;
}

/* The next request's cursor, before on_page stores anything: the same
 * `more` rule and cursor as on_page (the items kept under --limit are the
 * ones on_page stores or counts as bad), so a listing is never asked for a
 * page it would not have asked for. */
static int on_next(struct yt_fetch *e, struct yt_fetch_query *q,
                   const cJSON *root, void *arg, char **cursor)
{
    const struct rq *r = arg;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "nextPageToken");
    struct rq after;
    long kept = cJSON_IsArray(items) ? cJSON_GetArraySize(items) : 0;

    (void)e;
    *cursor = NULL;
    if (r->limit >= 0 && r->got + kept > r->limit)
        kept = r->limit - r->got > 0 ? r->limit - r->got : 0;
    if (!(r->paginate && cJSON_IsString(next) && next->valuestring[0] &&
          (r->limit < 0 || r->got + kept < r->limit) &&
          yt_fetch_query_pages(q) + 1 < MAX_PAGES_PER_QUERY &&
          !(r->token && strcmp(r->token, next->valuestring) == 0)))
        return 0;
    after = *r;
    after.got += kept;
    *cursor = cursor_for(&after, next->valuestring);
    return *cursor ? 1 : -1;
}

static int on_skip(struct yt_fetch *e, struct yt_fetch_query *q,
                   const struct yt_api_error *ae, void *arg,
                   char err[YTK_ERR_LEN])
{
    struct rq *r = arg;
    struct yt_recipe_job *j = r->j;

    (void)e;
    (void)q;
    (void)ae;
    if (r->nbatch &&
        yt_store_done_mark(j->db, j->p.key, r->batch_ids, r->nbatch, err) < 0)
        return -1;
    if (r->listing_id &&
        yt_store_done_mark(j->db, j->p.key, &r->listing_id, 1, err) < 0)
        return -1;
    if (r->from_plan && feed_plan(j, 1, err) < 0)
        return -1;
    return 0;
}

static const struct yt_fetch_query_ops rq_ops = {
    .page = on_page,
    .skip = on_skip,
    .release = rq_free,
    .next_cursor = on_next,
};

/* ------------------------------------------------------------ phases */

/* Ids in column `col` of `table` for rows fetched since the job started,
 * that are not done, into the pending batches (a resumed recipe's
 * unfinished work). */
static int catch_up(struct yt_recipe_job *j, const char *table, const char *col,
                    const char *where_extra, char err[])
{
    char *sql = NULL, **ids = NULL;
    long n, i;
    int rc = 0;

    if (asprintf(&sql,
                 "SELECT %s FROM \"%s\" WHERE fetched_at >= '%s' AND %s IS "
                 "NOT NULL %s ORDER BY rowid",
                 col, table, j->started_at, col,
                 where_extra ? where_extra : "") < 0) {
        yt_errf(err, "out of memory");
        return -1;
    }
    n = yt_store_ids_resolve(j->db, sql, &ids, err);
    free(sql);
    if (n < 0)
        return -1;
    for (i = 0; i < n && rc == 0; i++)
        if (!yt_store_done_has(j->db, j->p.key, ids[i]))
            rc = pend_add(j, ids[i], err);
    yt_store_ids_free(ids, n);
    if (rc == 0)
        rc = flush_pend(j, err);
    return rc;
}

/* A resumed comment-threads fetch: threads stored by the stopped run whose
 * replies beyond the embedded ones were not all fetched. */
static int catch_up_replies(struct yt_recipe_job *j, char err[])
{
    char *sql = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 0, step;

    if (asprintf(&sql,
                 "SELECT thread_id, video_id FROM \"%s\" WHERE fetched_at >= "
                 "?1 AND total_reply_count > COALESCE(json_array_length(raw, "
                 "'$.replies.comments'), 0) ORDER BY rowid",
                 j->p.table) < 0) {
        yt_errf(err, "out of memory");
        return -1;
    }
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
        yt_errf(err, "cannot read the stored threads: %s",
                sqlite3_errmsg(j->db));
        free(sql);
        return -1;
    }
    sqlite3_bind_text(st, 1, j->started_at, -1, SQLITE_TRANSIENT);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *tid = (const char *)sqlite3_column_text(st, 0);
        const char *vid = (const char *)sqlite3_column_text(st, 1);
        if (tid && !yt_store_done_has(j->db, j->p.key, tid))
            rc = add_completion(j, tid, vid, err);
    }
    sqlite3_finalize(st);
    free(sql);
    return rc;
}

/* Rows of `table` fetched since the job started (restores --limit). */
static long rows_since(struct yt_recipe_job *j, const char *table,
                       const char *where_extra)
{
    char *sql = NULL;
    sqlite3_stmt *st = NULL;
    long n = 0;

    if (asprintf(&sql, "SELECT COUNT(*) FROM \"%s\" WHERE fetched_at >= ?1 %s",
                 table, where_extra ? where_extra : "") < 0)
        return 0;
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, j->started_at, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    free(sql);
    return n;
}

/* The main paginated listing (the chain). */
static int add_main(struct yt_recipe_job *j, const struct yt_api_method *m,
                    const char *params, const char *table, const char *label,
                    const char *token, long got, char err[])
{
    struct rq *r = rq_new(j, m, table);

    if (!r) {
        yt_errf(err, "out of memory");
        return -1;
    }
    r->limit = j->p.limit;
    r->got = got;
    r->paginate = m->max_results > 0;
    r->is_main = 1;
    if (token) {
        r->token = strdup(token);
        if (!r->token) {
            rq_free(r);
            yt_errf(err, "out of memory");
            return -1;
        }
    }
    return add_query(j, r, params, label, YT_FETCH_PRIO_CHAIN, 1, err);
}

static int run_uploads(struct yt_recipe_job *j, struct yt_fetch *e,
                       const struct yt_store_state *st, char msg[])
{
    const struct yt_api_method *cm = yt_api_method_find("channels");
    const struct yt_api_method *pm = yt_api_method_find("playlist_items");
    struct yt_buf cp, pp;
    struct rq *r;
    char *where = NULL;
    const char *w;
    int rc;

    yt_buf_init(&cp, 1u << 16);
    yt_buf_init(&pp, 1u << 16);
    if (yt_store_table_ensure(j->db, "channels", YT_KIND_CHANNEL, msg) < 0 ||
        yt_store_table_ensure(j->db, "playlist_items", YT_KIND_PLAYLIST_ITEM,
                              msg) < 0) {
        rc = YT_FETCH_E_FATAL;
        goto out;
    }
    /* 1. the channel (1 unit): its uploads playlist.  No state is saved
     * here: a resumed fetch keeps its playlist page token. */
    r = rq_new(j, cm, "channels");
    if (!r || yt_buf_addf(&cp, "part=snippet,contentDetails,statistics&%s",
                          j->p.chan_params) < 0) {
        rq_free(r);
        yt_errf(msg, "out of memory");
        rc = YT_FETCH_E_FATAL;
        goto out;
    }
    r->is_channel_lookup = 1;
    if (add_query(j, r, yt_buf_str(&cp), "the channel", YT_FETCH_PRIO_CHAIN, 1,
                  msg) < 0) {
        rc = YT_FETCH_E_FATAL;
        goto out;
    }
    rc = yt_fetch_run(e);
    if (rc != YT_FETCH_OK)
        goto out;
    if (!j->uploads) {
        yt_errf(msg,
                "channels.list returned no channel (or no uploads playlist) "
                "for %s",
                j->p.chan_params);
        rc = YT_FETCH_E_FATAL;
        goto out;
    }
    if (j->video_count >= 0) {
        long vc = j->video_count;
        if (j->p.limit > 0 && j->p.limit < vc)
            vc = j->p.limit;
        j->est_pages = 1 + (vc + 49) / 50 * 2;
    }
    /* Quoted into SQL: playlist ids are [A-Za-z0-9_-]. */
    for (w = j->uploads; *w; w++)
        if (!(isalnum((unsigned char)*w) || *w == '_' || *w == '-'))
            break;
    if (asprintf(&where, "AND playlist_id = '%s'", *w ? "" : j->uploads) < 0)
        where = NULL;
    j->feed_m = yt_api_method_find("videos");
    j->feed_params = j->p.params;
    j->feed_table = j->p.table;
    j->feed_col = "video_id";
    j->feed_kind = YT_KIND_PLAYLIST_ITEM;
    /* 2. a resumed run's playlist items whose videos were not fetched */
    if (st && catch_up(j, "playlist_items", "video_id", where, msg) < 0) {
        rc = YT_FETCH_E_FATAL;
        goto out;
    }
    /* 3. the playlist, feeding videos.list batches as it pages */
    if (!(st && j->phase && strcmp(j->phase, "videos") == 0)) {
        long got = st ? rows_since(j, "playlist_items", where) : 0;
        if (yt_http_query_add(&pp, "part", "snippet,contentDetails") < 0 ||
            yt_http_query_add(&pp, "playlistId", j->uploads) < 0 ||
            set_phase(j, "playlist") < 0) {
            yt_errf(msg, "out of memory");
            rc = YT_FETCH_E_FATAL;
            goto out;
        }
        if (j->p.limit >= 0 && got >= j->p.limit) {
            /* the stopped run already had its --limit of items */
            if (set_phase(j, "videos") < 0)
                goto out;
        } else if (add_main(j, pm, yt_buf_str(&pp), "playlist_items",
                            "the uploads playlist", st ? st->page_token : NULL,
                            got, msg) < 0) {
            rc = YT_FETCH_E_FATAL;
            goto out;
        }
    }
    msg[0] = '\0';
    rc = yt_fetch_run(e);
out:
    free(where);
    yt_buf_free(&cp);
    yt_buf_free(&pp);
    return rc;
}

int yt_recipe_run(struct yt_recipe_job *j, struct yt_fetch *e,
                  const struct yt_store_state *st, char msg[YTK_ERR_LEN])
{
    const struct yt_recipe_plan *p = &j->p;
    int rc;

    msg[0] = '\0';
    j->e = e;
    if (st) {
        j->resumed_pages = st->pages;
        j->resumed_items = st->items;
        if (set_phase(j, st->phase ? st->phase : "main") < 0)
            goto nomem;
    }
    if (p->recipe == YT_RECIPE_UPLOADS)
        return run_uploads(j, e, st, msg);
    count_rows(j, p->table, 0);
    if (st && p->m->kind == YT_KIND_COMMENT_THREAD &&
        catch_up_replies(j, msg) < 0)
        return YT_FETCH_E_FATAL;
    if (p->nids > 0) {
        if (p->ids_batch)
            j->est_pages = (p->nids + YT_RECIPE_BATCH - 1) / YT_RECIPE_BATCH;
        if (set_phase(j, "ids") < 0)
            goto nomem;
        if (save_state(j, NULL, 0, msg) < 0)
            return YT_FETCH_E_FATAL;
        if (feed_plan(j, FEED_AHEAD, msg) < 0)
            return YT_FETCH_E_FATAL;
        return yt_fetch_run(e);
    }
    if (p->recipe == YT_RECIPE_SUBS_CHANNELS) {
        if (yt_store_table_ensure(j->db, "channels", YT_KIND_CHANNEL, msg) < 0)
            return YT_FETCH_E_FATAL;
        j->feed_m = yt_api_method_find("channels");
        j->feed_params = "part=snippet%2Cstatistics%2CcontentDetails";
        j->feed_table = "channels";
        j->feed_col = "channel_id";
        j->feed_kind = YT_KIND_SUBSCRIPTION;
        if (st && catch_up(j, p->table, "channel_id", NULL, msg) < 0)
            return YT_FETCH_E_FATAL;
        if (st && j->phase && strcmp(j->phase, "channels") == 0)
            return yt_fetch_run(e);
    }
    if (!st && set_phase(j, "main") < 0)
        goto nomem;
    if (p->limit > 0 && p->m->max_results > 0)
        j->est_pages = (p->limit + p->m->max_results - 1) / p->m->max_results;
    else if (strstr(p->params, "chart=mostPopular"))
        j->est_pages = 4;
    else if (p->m->max_results == 0)
        j->est_pages = 1;
    rc =
        add_main(j, p->m, p->params, p->table, NULL, st ? st->page_token : NULL,
                 st && st->page_token ? st->items : 0, msg);
    if (rc < 0)
        return YT_FETCH_E_FATAL;
    return yt_fetch_run(e);
nomem:
    yt_errf(msg, "out of memory");
    return YT_FETCH_E_FATAL;
}

/* ------------------------------------------------------------ dry run */

static int dry_line(struct yt_buf *t, const char *path, const char *params,
                    int cost, const char *calls)
{
    return yt_buf_addf(t, "GET %s?%s\n    %d unit%s per call · %s\n", path,
                       params, cost, cost == 1 ? "" : "s", calls);
}

int yt_recipe_estimate(const struct yt_recipe_plan *p, long video_count,
                       int parallel, struct yt_buf *t, long *total_out,
                       int *known_out)
{
    char calls[200];
    long total = 0;
    int known = 1, rc = 0;
    const struct yt_api_method *m = p->m;

    if (p->recipe == YT_RECIPE_UPLOADS) {
        struct yt_buf pp;
        yt_buf_init(&pp, 4096);
        rc |= yt_buf_addf(&pp, "part=snippet,contentDetails,statistics&%s",
                          p->chan_params);
        rc |= dry_line(t, "channels", yt_buf_str(&pp), 1,
                       "1 call (finds the uploads playlist)");
        yt_buf_free(&pp);
        total += 1;
        long vc = video_count;
        if (p->limit > 0 && (vc < 0 || p->limit < vc))
            vc = p->limit;
        if (vc >= 0) {
            long pages = vc ? (vc + 49) / 50 : 1;
            snprintf(calls, sizeof(calls),
                     "1 unit per page, %ld page%s estimated (%s %ld videos)",
                     pages, pages == 1 ? "" : "s",
                     p->limit > 0 && vc == p->limit ? "--limit"
                                                    : "videoCount in the "
                                                      "store:",
                     vc);
            total += 2 * pages;
        } else {
            snprintf(calls, sizeof(calls),
                     "1 unit per page of 50 videos; pages = ceil(videoCount "
                     "/ 50), known after the first call");
            known = 0;
        }
        rc |=
            dry_line(t, "playlistItems",
                     "part=snippet,contentDetails&playlistId=UU…&maxResults=50",
                     1, calls);
        rc |= dry_line(t, "videos", p->params, 1,
                       p->limit > 0 ? "one call per 50 videos (same count as "
                                      "playlist pages)"
                                    : "one call per 50 videos (as many as "
                                      "playlist pages), beside the playlist");
    } else if (p->nids > 0) {
        long ncalls = p->ids_batch
                          ? (p->nids + YT_RECIPE_BATCH - 1) / YT_RECIPE_BATCH
                          : p->nids;
        struct yt_buf pp;
        yt_buf_init(&pp, 1u << 16);
        rc |= yt_buf_addf(&pp, "%s&%s=…", p->params, p->ids_param);
        if (p->ids_batch)
            snprintf(calls, sizeof(calls),
                     "%ld call%s for %ld ids (50 per call, %d at a time)",
                     ncalls, ncalls == 1 ? "" : "s", p->nids, parallel);
        else {
            snprintf(calls, sizeof(calls),
                     "at least %ld call%s (one listing per id, 1 unit per "
                     "page)",
                     ncalls, ncalls == 1 ? "" : "s");
            known = 0;
        }
        rc |= dry_line(t, m->path, yt_buf_str(&pp), m->cost, calls);
        yt_buf_free(&pp);
        total += ncalls * m->cost;
    } else {
        long pages = -1;
        struct yt_buf pp;
        yt_buf_init(&pp, 1u << 16);
        rc |= yt_buf_adds(&pp, p->params);
        if (m->max_results > 0)
            rc |= yt_buf_addf(&pp, "&maxResults=%d", m->max_results);
        if (m->max_results == 0)
            pages = 1;
        else if (p->limit > 0)
            pages = (p->limit + m->max_results - 1) / m->max_results;
        else if (strstr(p->params, "chart=mostPopular"))
            pages = 4; /* the chart holds about 200 videos */
        else if (strcmp(m->name, "search") == 0)
            pages = 10; /* ~500 results cap */
        if (pages > 0) {
            snprintf(calls, sizeof(calls),
                     "%d unit%s per page, %ld page%s "
                     "estimated%s",
                     m->cost, m->cost == 1 ? "" : "s", pages,
                     pages == 1 ? "" : "s",
                     strcmp(m->name, "search") == 0 && p->limit <= 0
                         ? " (at most; search stops near 500 results)"
                     : p->limit > 0        ? " (--limit)"
                     : m->max_results == 0 ? ""
                                           : " (the chart holds ~200 videos)");
            total += pages * m->cost;
        } else {
            snprintf(calls, sizeof(calls),
                     "%d unit%s per page of %d; number of pages unknown "
                     "until the first answer",
                     m->cost, m->cost == 1 ? "" : "s", m->max_results);
            known = 0;
        }
        rc |= dry_line(t, m->path, yt_buf_str(&pp), m->cost, calls);
        yt_buf_free(&pp);
        if (strcmp(m->name, "comment_threads") == 0)
            rc |=
                yt_buf_adds(t, "  + comments.list (1 unit per page of 100) for "
                               "each thread with more than 5 replies\n");
    }
    if (p->recipe == YT_RECIPE_SUBS_CHANNELS)
        rc |=
            yt_buf_adds(t, "  + channels.list part=snippet,statistics: 1 unit "
                           "per 50 subscriptions\n");
    *total_out = total;
    *known_out = known;
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ job */

struct yt_recipe_job *yt_recipe_job_new(sqlite3 *db,
                                        const struct yt_recipe_plan *p,
                                        const char *started_at)
{
    struct yt_recipe_job *j = calloc(1, sizeof *j);

    if (!j)
        return NULL;
    j->db = db;
    j->p = *p;
    j->est_pages = -1;
    j->video_count = -1;
    snprintf(j->started_at, sizeof j->started_at, "%s", started_at);
    return j;
}

void yt_recipe_job_free(struct yt_recipe_job *j)
{
    int i;

    if (!j)
        return;
    for (i = 0; i < j->npend; i++)
        free(j->pend[i]);
    for (i = 0; i < j->ncounts; i++)
        free(j->count_names[i]);
    free(j->phase);
    free(j->uploads);
    free(j);
}

long yt_recipe_items(const struct yt_recipe_job *j)
{
    return j->items;
}

long yt_recipe_missing(const struct yt_recipe_job *j)
{
    return j->missing;
}

long yt_recipe_total_results(const struct yt_recipe_job *j)
{
    return j->total_results;
}

int yt_recipe_search_capped(const struct yt_recipe_job *j)
{
    return j->search_capped;
}

long yt_recipe_est_pages(const struct yt_recipe_job *j)
{
    return j->est_pages;
}

const char *yt_recipe_phase(const struct yt_recipe_job *j)
{
    return j->phase ? j->phase : "main";
}

const struct yt_recipe_count *yt_recipe_counts(const struct yt_recipe_job *j,
                                               int *n)
{
    *n = j->ncounts;
    return j->counts;
}
