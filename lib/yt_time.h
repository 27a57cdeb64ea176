/* yt_time.h -- time helpers shared by the store, the fetch and the charts:
 * days of a civil date (one implementation for the whole tree), the
 * Pacific-time day Google's quota resets on, and "now" as ISO-8601 UTC.
 *
 * Pure functions except yt_time_iso_now (reads the clock); nothing to free.
 */
#ifndef YT_TIME_H
#define YT_TIME_H

#include <time.h>

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12,
 * d 1..31; Howard Hinnant's algorithm, exact for any year). */
long long yt_time_days_from_civil(long long y, unsigned m, unsigned d);

/* The Pacific-time calendar day (US rules: PDT from the second Sunday of
 * March 02:00 to the first Sunday of November 02:00) of unix time t, as
 * "YYYY-MM-DD" in out (11 bytes).  This is the day Google's quota resets on. */
void yt_time_pacific_day(time_t t, char out[11]);

/* Seconds on the monotonic clock (for durations, never for dates). */
double yt_time_mono(void);

/* UTC ISO-8601 with milliseconds: "2026-11-22T18:06:11.123Z" (25 bytes). */
void yt_time_iso_now(char out[32]);

#endif /* YT_TIME_H */
