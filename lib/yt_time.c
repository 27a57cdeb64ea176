/* yt_time.c -- civil dates, the Pacific quota day, ISO-8601 now.  See
 * yt_time.h. */
#include "yt_time.h"

#include <stdio.h>
#include <sys/time.h>

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
long long yt_time_days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* Weekday of a day number: 0 = Sunday. */
static int weekday(long long days)
{
    return (int)(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

/* Day number of the n-th (1-based) Sunday of month m of year y. */
static long long nth_sunday(long long y, unsigned m, int n)
{
    long long first = yt_time_days_from_civil(y, m, 1);
    int wd = weekday(first);
    long long sunday = first + (7 - wd) % 7;

    return sunday + 7LL * (n - 1);
}

void yt_time_pacific_day(time_t t, char out[11])
{
    struct tm tm_utc;
    long long y, start, end;
    time_t local;

    gmtime_r(&t, &tm_utc);
    y = (long long)tm_utc.tm_year + 1900;
    /* DST starts 2:00 PST (10:00 UTC) on the 2nd Sunday of March and ends
     * 2:00 PDT (09:00 UTC) on the 1st Sunday of November. */
    start = nth_sunday(y, 3, 2) * 86400 + 10 * 3600;
    end = nth_sunday(y, 11, 1) * 86400 + 9 * 3600;
    if ((long long)t >= start && (long long)t < end)
        local = t - 7 * 3600;
    else
        local = t - 8 * 3600;
    gmtime_r(&local, &tm_utc);
    strftime(out, 11, "%Y-%m-%d", &tm_utc);
}

void yt_time_iso_now(char out[32])
{
    struct timeval tv;
    struct tm tm_utc;
    time_t s;

    gettimeofday(&tv, NULL);
    s = tv.tv_sec;
    gmtime_r(&s, &tm_utc);
    {
        char base[24];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm_utc);
        snprintf(out, 32, "%.19s.%03dZ", base, (int)(tv.tv_usec / 1000) % 1000);
    }
}

double yt_time_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
