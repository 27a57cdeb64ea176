/* tu_sql.h -- SQLite helpers for the C unit tests and fuzz targets.
 *
 * tu_sql_int: the first column of the first row of `sql` on db, as an
 * integer; TU_SQL_NONE (printing the query and SQLite's message) when the
 * query fails or returns no row, so a failed query never equals an
 * expected count.
 */
#ifndef TU_SQL_H
#define TU_SQL_H

#include <limits.h>
#include <stdio.h>
#include <sqlite3.h>

#define TU_SQL_NONE LLONG_MIN

static long long tu_sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = TU_SQL_NONE;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "tu_sql_int(%s): %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

#endif /* TU_SQL_H */
