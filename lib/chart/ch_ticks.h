/* ch_ticks.h -- axis ticks and labels: "nice" linear ticks with exact
 * decimals (d3-array ticks / Heckbert), log ticks (d3-scale log), calendar
 * ticks for time axes (d3-time intervals, UTC), compact number labels
 * (12K, 3.4M), and the ISO-8601 parsing/formatting time axes need.
 *
 * Everything is computed into caller-provided structs; nothing to free.
 */
#ifndef CH_TICKS_H
#define CH_TICKS_H

#include <stddef.h>

#define CH_MAX_TICKS 64
#define CH_LABEL_LEN 40

struct ch_ticks {
    int n;                                  /* number of ticks */
    double v[CH_MAX_TICKS];                 /* tick values, ascending */
    char label[CH_MAX_TICKS][CH_LABEL_LEN]; /* "" = minor tick, no label */
    double lo, hi;                          /* domain (extended if nice) */
    double step;                            /* linear step (0 for log) */
};

/* d3's tickIncrement/tickStep: the 1-2-5 step for about `count` ticks over
 * [lo, hi].  Returns 0 when the span is empty or not finite. */
double ch_tick_step(double lo, double hi, int count);

/* Linear ticks over [lo, hi] (lo <= hi) aiming at `count` ticks.  When `nice`
 * is set the domain is first extended outward to multiples of the step so
 * the axis starts and ends on a tick.  A degenerate domain (lo == hi) is
 * widened around the value.  Values are exact decimals (0.3, not
 * 0.30000000000000004); labels share one number of decimals and use compact
 * suffixes for large magnitudes. */
void ch_ticks_linear(double lo, double hi, int count, int nice,
                     struct ch_ticks *t);

/* Log10 ticks for a positive domain; the domain is extended to powers of
 * ten.  Few decades: ticks at k*10^i (k = 1..9) with a labelled subset;
 * many decades: ticks on (a step of) exponents. */
void ch_ticks_log(double lo, double hi, int count, struct ch_ticks *t);

/* Calendar ticks for a time domain in seconds since the epoch (UTC): the
 * interval nearest (hi-lo)/count among 1/5/15/30 s, 1/5/15/30 min,
 * 1/3/6/12 h, 1/2 days, 1 week (Monday), 1/3 months, years.  Labels name
 * the coarsest boundary each tick sits on ("2024", "Mar", "Mar 5", "06:00",
 * "06:30:15"). */
void ch_ticks_time(double lo, double hi, int count, struct ch_ticks *t);

/* Format `v` as an axis label for ticks `step` apart whose largest magnitude
 * is `maxabs`: compact suffixes K/M/B/T when maxabs >= 10,000, otherwise
 * digits with thousands separators; decimals from the step; "0" for zero;
 * a real minus sign (U+2212). */
void ch_format_tick(double v, double step, double maxabs, char *out,
                    size_t outlen);

/* Format `v` compactly with about 3 significant digits ("3.4M", "12K",
 * "999", "0.25", "1,234" is written "1.2K"). */
void ch_format_compact(double v, char *out, size_t outlen);

/* Parse ISO-8601 date or date-time text: YYYY-MM-DD, YYYY-MM, with optional
 * [T or space]HH:MM[:SS[.fff]] and optional Z or +HH:MM / -HHMM, surrounding
 * blanks allowed.  Returns 0 and sets *secs (UTC seconds since the epoch) and
 * *has_time (non-zero when a clock time was given), -1 when `s` is not such
 * a date. */
int ch_parse_time(const char *s, double *secs, int *has_time);

/* Format UTC seconds as "YYYY-MM-DD" or, with has_time, "YYYY-MM-DD HH:MM". */
void ch_format_time(double secs, int has_time, char *out, size_t outlen);

#endif /* CH_TICKS_H */
