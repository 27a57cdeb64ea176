/* ch_ticks.c -- nice, log and calendar ticks; number and date labels.
 * See ch_ticks.h.  Linear ticks follow d3-array `ticks` (tickSpec) so that
 * values are exact decimals; log ticks follow d3-scale `log.ticks`; time
 * ticks follow d3-time's interval table (UTC). */
#include "ch_ticks.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_time.h"

#define MINUS "\xE2\x88\x92" /* U+2212 */

/* ---- linear ---- */

struct spec {
    double i1, i2, inc; /* inc < 0: ticks are i / -inc (exact decimals) */
};

static int tick_spec(double start, double stop, double count, struct spec *s)
{
    const double e10 = sqrt(50), e5 = sqrt(10), e2 = sqrt(2);
    double step, error, factor, power;

    if (!(count > 0) || !isfinite(start) || !isfinite(stop) || !(stop > start))
        return -1;
    step = (stop - start) / count;
    power = floor(log10(step));
    error = step / pow(10, power);
    factor = error >= e10 ? 10 : error >= e5 ? 5 : error >= e2 ? 2 : 1;
    if (power < 0) {
        double inc = pow(10, -power) / factor;

        s->i1 = round(start * inc);
        s->i2 = round(stop * inc);
        if (s->i1 / inc < start)
            s->i1++;
        if (s->i2 / inc > stop)
            s->i2--;
        s->inc = -inc;
    } else {
        double inc = pow(10, power) * factor;

        s->i1 = round(start / inc);
        s->i2 = round(stop / inc);
        if (s->i1 * inc < start)
            s->i1++;
        if (s->i2 * inc > stop)
            s->i2--;
        s->inc = inc;
    }
    if (s->i2 < s->i1 && count >= 0.5 && count < 2)
        return tick_spec(start, stop, count * 2, s);
    return 0;
}

static double spec_step(const struct spec *s)
{
    return s->inc < 0 ? 1.0 / -s->inc : s->inc;
}

double ch_tick_step(double lo, double hi, int count)
{
    struct spec s;

    if (tick_spec(lo, hi, count, &s) < 0)
        return 0;
    return spec_step(&s);
}

static int decimals_for(double step)
{
    int d;

    if (!(step > 0))
        return 0;
    d = (int)-floor(log10(step) + 1e-9);
    return d < 0 ? 0 : d > 12 ? 12 : d;
}

/* Digits of |v| with `dec` decimals; thousands separators from five digits
 * on (1500 and 2019 stay as they are, 12,500 gets one). */
static void plain_digits(double a, int dec, char *out, size_t outlen)
{
    char tmp[64], *dot;
    size_t intlen, i, o = 0;

    snprintf(tmp, sizeof(tmp), "%.*f", dec, a);
    dot = strchr(tmp, '.');
    intlen = dot ? (size_t)(dot - tmp) : strlen(tmp);
    for (i = 0; tmp[i] && o + 1 < outlen; i++) {
        if (intlen > 4 && i > 0 && i < intlen && (intlen - i) % 3 == 0 &&
            o + 2 < outlen)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
}

static void with_sign(double v, const char *digits, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s%s", v < 0 ? MINUS : "", digits);
}

void ch_format_tick(double v, double step, double maxabs, char *out,
                    size_t outlen)
{
    static const char *suffix[] = {"", "K", "M", "B", "T"};
    char digits[64];
    int dec;

    if (v == 0 || fabs(v) < step * 1e-9) {
        snprintf(out, outlen, "0");
        return;
    }
    if (isfinite(maxabs) && maxabs > 0 &&
        (maxabs >= 1e15 || (maxabs < 1e-3 && decimals_for(step) > 5))) {
        /* beyond the suffixes, or tiny: scientific, one exponent for the
         * axis ("1.2e−9") */
        int e = (int)floor(log10(maxabs));
        double unit = pow(10, e);
        char num[48];

        dec = decimals_for(step / unit);
        if (dec > 6)
            dec = 6;
        snprintf(num, sizeof(num), "%.*fe%s%d", dec, fabs(v) / unit,
                 e < 0 ? MINUS : "", abs(e));
        with_sign(v, num, out, outlen);
        return;
    }
    if (maxabs >= 1e4 && isfinite(maxabs)) {
        int u = maxabs >= 1e12 ? 4 : maxabs >= 1e9 ? 3 : maxabs >= 1e6 ? 2 : 1;

        for (; u >= 1; u--) {
            double unit = pow(1000, u);

            dec = decimals_for(step / unit);
            if (dec <= (u >= 2 ? 2 : 1)) {
                char num[48];

                snprintf(num, sizeof(num), "%.*f%s", dec, fabs(v) / unit,
                         suffix[u]);
                with_sign(v, num, out, outlen);
                return;
            }
        }
    }
    dec = decimals_for(step);
    plain_digits(fabs(v), dec, digits, sizeof(digits));
    with_sign(v, digits, out, outlen);
}

static void trim_zeros(char *s)
{
    char *dot = strchr(s, '.'), *end;

    if (!dot)
        return;
    end = s + strlen(s) - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot)
        *end = '\0';
}

void ch_format_compact(double v, char *out, size_t outlen)
{
    static const char *suffix[] = {"", "K", "M", "B", "T"};
    double a = fabs(v);
    char num[48];
    int u = 0;

    if (!isfinite(v)) {
        snprintf(out, outlen, "%s", isnan(v) ? "NaN" : v > 0 ? "∞" : MINUS "∞");
        return;
    }
    if (a >= 999.5e12) {
        /* beyond the suffixes: "2.5e15", as the axis writes them */
        int e = (int)floor(log10(a));
        double x = a / pow(10, e);

        if (x >= 9.95) {
            x /= 10;
            e++;
        }
        snprintf(num, sizeof(num), "%.1f", x);
        trim_zeros(num);
        snprintf(num + strlen(num), sizeof(num) - strlen(num), "e%d", e);
    } else if (a >= 999.5) {
        double x;

        u = a >= 999.5e9 ? 4 : a >= 999.5e6 ? 3 : a >= 999.5e3 ? 2 : 1;
        x = a / pow(1000, u);
        if (x < 9.95)
            snprintf(num, sizeof(num), "%.1f", x);
        else
            snprintf(num, sizeof(num), "%.0f", x);
        trim_zeros(num);
        strncat(num, suffix[u], sizeof(num) - strlen(num) - 1);
    } else if (a == floor(a)) {
        snprintf(num, sizeof(num), "%.0f", a);
    } else if (a >= 1) {
        snprintf(num, sizeof(num), "%.*f", a >= 100 ? 0 : a >= 10 ? 1 : 2, a);
        trim_zeros(num);
    } else {
        snprintf(num, sizeof(num), "%.2g", a);
        if (strchr(num, 'e'))
            snprintf(num, sizeof(num), "%.1e", a);
    }
    with_sign(v, num, out, outlen);
}

static void set_tick(struct ch_ticks *t, double v, const char *label)
{
    if (t->n >= CH_MAX_TICKS)
        return;
    t->v[t->n] = v;
    snprintf(t->label[t->n], CH_LABEL_LEN, "%s", label);
    t->n++;
}

void ch_ticks_linear(double lo, double hi, int count, int nice,
                     struct ch_ticks *t)
{
    struct spec s;
    double i, maxabs, step;
    int iter;

    memset(t, 0, sizeof(*t));
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi < lo) {
        double tmp = lo;
        lo = hi;
        hi = tmp;
    }
    if (count < 2)
        count = 2;
    if (hi - lo <= fabs(hi) * 1e-12) { /* degenerate: widen around value */
        double d = lo == 0 ? 1 : fabs(lo) * 0.1;

        if (lo == 0) { /* all zero: show 0..1 */
            hi = 1;
        } else {
            lo -= d;
            hi += d;
        }
    }
    if (nice) {
        double prestep = 0;

        for (iter = 0; iter < 10; iter++) {
            if (tick_spec(lo, hi, count, &s) < 0)
                break;
            step = s.inc;
            if (step == prestep)
                break;
            if (step > 0) {
                lo = floor(lo / step) * step;
                hi = ceil(hi / step) * step;
            } else {
                lo = ceil(lo * step) / step;
                hi = floor(hi * step) / step;
            }
            prestep = step;
        }
    }
    t->lo = lo;
    t->hi = hi;
    if (tick_spec(lo, hi, count, &s) < 0)
        return;
    t->step = spec_step(&s);
    maxabs = 0;
    for (i = s.i1; i <= s.i2 && t->n < CH_MAX_TICKS; i++) {
        double v = s.inc < 0 ? i / -s.inc : i * s.inc;

        t->v[t->n++] = v;
        if (fabs(v) > maxabs)
            maxabs = fabs(v);
    }
    for (iter = 0; iter < t->n; iter++)
        ch_format_tick(t->v[iter], t->step, maxabs, t->label[iter],
                       CH_LABEL_LEN);
}

/* ---- log ---- */

void ch_ticks_log(double lo, double hi, int count, struct ch_ticks *t)
{
    double i, j, k;
    char label[CH_LABEL_LEN];
    int m;

    memset(t, 0, sizeof(*t));
    if (!(lo > 0) || !isfinite(lo))
        lo = 1;
    if (!(hi > 0) || !isfinite(hi))
        hi = lo * 10;
    if (hi < lo) {
        double tmp = lo;
        lo = hi;
        hi = tmp;
    }
    i = floor(log10(lo) + 1e-12);
    j = ceil(log10(hi) - 1e-12);
    if (j <= i)
        j = i + 1;
    t->lo = lo = pow(10, i);
    t->hi = hi = pow(10, j);
    if (count < 2)
        count = 2;
    if (j - i < count) {
        double klimit;

        for (; i <= j; i++) {
            for (k = 1; k < 10; k++) {
                double v = i < 0 ? k / pow(10, -i) : k * pow(10, i);

                if (v < lo * (1 - 1e-12))
                    continue;
                if (v > hi * (1 + 1e-12))
                    break;
                set_tick(t, v, "");
            }
        }
        /* Label a subset, like d3's log tickFormat(count). */
        klimit = 10.0 * count / (t->n ? t->n : 1);
        if (klimit < 1)
            klimit = 1;
        for (m = 0; m < t->n; m++) {
            double mant = t->v[m] / pow(10, round(log10(t->v[m])));

            if (mant * 10 < 10 - 0.5)
                mant *= 10;
            if (mant <= klimit + 1e-9) {
                ch_format_compact(t->v[m], label, sizeof(label));
                snprintf(t->label[m], CH_LABEL_LEN, "%s", label);
            }
        }
    } else {
        struct spec s;
        double e;

        if (tick_spec(i, j, (j - i) < count ? (j - i) : count, &s) < 0)
            return;
        for (e = s.i1; e <= s.i2; e++) {
            double ex = s.inc < 0 ? e / -s.inc : e * s.inc;

            if (ex != floor(ex))
                continue;
            ch_format_compact(pow(10, ex), label, sizeof(label));
            set_tick(t, pow(10, ex), label);
        }
    }
}

/* ---- time ---- */

/* Days since 1970-01-01 of a civil date (one implementation: yt_time). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    return (long)yt_time_days_from_civil(y, m, d);
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    *y = (long)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y += *m <= 2;
}

struct tm_utc {
    long year;
    unsigned mon, mday; /* 1-based */
    long sec_of_day;
};

static void split_time(double secs, struct tm_utc *tm)
{
    double days = floor(secs / 86400.0);

    civil_from_days((long)days, &tm->year, &tm->mon, &tm->mday);
    tm->sec_of_day = (long)floor(secs - days * 86400.0);
}

static const char *const month_abbr[12] = {"Jan", "Feb", "Mar", "Apr",
                                           "May", "Jun", "Jul", "Aug",
                                           "Sep", "Oct", "Nov", "Dec"};

/* Label of a tick by the coarsest boundary it sits on. */
static void time_label(double secs, char *out, size_t outlen)
{
    struct tm_utc tm;
    long h, mi, s;

    split_time(secs, &tm);
    h = tm.sec_of_day / 3600;
    mi = tm.sec_of_day / 60 % 60;
    s = tm.sec_of_day % 60;
    if (s != 0)
        snprintf(out, outlen, "%02ld:%02ld:%02ld", h, mi, s);
    else if (tm.sec_of_day != 0)
        snprintf(out, outlen, "%02ld:%02ld", h, mi);
    else if (tm.mday != 1)
        snprintf(out, outlen, "%s %u", month_abbr[tm.mon - 1], tm.mday);
    else if (tm.mon != 1)
        snprintf(out, outlen, "%s", month_abbr[tm.mon - 1]);
    else
        snprintf(out, outlen, "%ld", tm.year);
}

enum tunit { T_SEC, T_MIN, T_HOUR, T_DAY, T_WEEK, T_MONTH, T_YEAR };

static const struct {
    enum tunit unit;
    int step;
    double dur;
} intervals[] = {
    {T_SEC, 1, 1},         {T_SEC, 5, 5},         {T_SEC, 15, 15},
    {T_SEC, 30, 30},       {T_MIN, 1, 60},        {T_MIN, 5, 300},
    {T_MIN, 15, 900},      {T_MIN, 30, 1800},     {T_HOUR, 1, 3600},
    {T_HOUR, 3, 10800},    {T_HOUR, 6, 21600},    {T_HOUR, 12, 43200},
    {T_DAY, 1, 86400},     {T_DAY, 2, 172800},    {T_WEEK, 1, 604800},
    {T_MONTH, 1, 2592000}, {T_MONTH, 3, 7776000}, {T_YEAR, 1, 31536000},
};
#define NINTERVALS (sizeof(intervals) / sizeof(intervals[0]))

void ch_ticks_time(double lo, double hi, int count, struct ch_ticks *t)
{
    double target, span;
    size_t i;
    enum tunit unit;
    long step, y, d, d0, d1;
    unsigned m, md;
    int has_year = 0, idx;

    memset(t, 0, sizeof(*t));
    if (!isfinite(lo) || !isfinite(hi))
        return;
    if (hi < lo) {
        double tmp = lo;
        lo = hi;
        hi = tmp;
    }
    if (hi == lo) {
        lo -= 43200;
        hi += 43200;
    }
    t->lo = lo;
    t->hi = hi;
    if (count < 2)
        count = 2;
    if (fabs(lo) > 1e13 || fabs(hi) > 1e13) {
        /* beyond +-300,000 years: no calendar, plain numbers */
        ch_ticks_linear(lo, hi, count, 0, t);
        return;
    }
    span = hi - lo;
    target = span / count;
    for (i = 0; i < NINTERVALS && intervals[i].dur <= target; i++)
        ;
    if (i == NINTERVALS) {
        double ys = ch_tick_step(lo / 31536000.0, hi / 31536000.0, count);

        unit = T_YEAR;
        step = ys < 1 ? 1 : (long)ys;
    } else if (i == 0) {
        unit = T_SEC;
        step = 1;
    } else {
        if (target / intervals[i - 1].dur < intervals[i].dur / target)
            i--;
        unit = intervals[i].unit;
        step = intervals[i].step;
    }

    switch (unit) {
    case T_SEC:
    case T_MIN:
    case T_HOUR: {
        double s = step * (unit == T_SEC ? 1 : unit == T_MIN ? 60 : 3600);
        double v;

        for (v = ceil(lo / s) * s; v <= hi && t->n < CH_MAX_TICKS; v += s)
            set_tick(t, v, "");
        break;
    }
    case T_DAY:
    case T_WEEK:
        d0 = (long)ceil(lo / 86400.0);
        d1 = (long)floor(hi / 86400.0);
        for (d = d0; d <= d1 && t->n < CH_MAX_TICKS; d++) {
            civil_from_days(d, &y, &m, &md);
            if (unit == T_WEEK && ((d + 3) % 7 + 7) % 7 != 0)
                continue; /* Mondays only (1970-01-05 was a Monday) */
            if (unit == T_DAY && (md - 1) % step != 0)
                continue;
            set_tick(t, d * 86400.0, "");
        }
        break;
    case T_MONTH: {
        struct tm_utc tm;

        split_time(lo, &tm);
        y = tm.year;
        m = tm.mon;
        for (;;) {
            double v = days_from_civil(y, m, 1) * 86400.0;

            if (v > hi || t->n >= CH_MAX_TICKS)
                break;
            if (v >= lo && (m - 1) % step == 0)
                set_tick(t, v, "");
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        break;
    }
    case T_YEAR: {
        struct tm_utc tm;

        split_time(lo, &tm);
        /* first multiple of the step at or before lo's year */
        y = tm.year - ((tm.year % step) + step) % step;
        for (; t->n < CH_MAX_TICKS; y += step) {
            double v = days_from_civil(y, 1, 1) * 86400.0;

            if (v > hi)
                break;
            if (v >= lo)
                set_tick(t, v, "");
        }
        break;
    }
    }
    for (idx = 0; idx < t->n; idx++) {
        time_label(t->v[idx], t->label[idx], CH_LABEL_LEN);
        if (isdigit((unsigned char)t->label[idx][0]) &&
            !strchr(t->label[idx], ':'))
            has_year = 1;
    }
    /* Sub-day ticks: give the first label its day when it shows a time. */
    if (t->n && strchr(t->label[0], ':')) {
        struct tm_utc tm;
        char buf[CH_LABEL_LEN + 32];

        split_time(t->v[0], &tm);
        snprintf(buf, sizeof(buf), "%s %u %s", month_abbr[tm.mon - 1], tm.mday,
                 t->label[0]);
        snprintf(t->label[0], CH_LABEL_LEN, "%.*s", CH_LABEL_LEN - 1, buf);
    }
    /* Give the first label its year when no tick names one. */
    if (t->n && !has_year && unit != T_SEC && unit != T_MIN && unit != T_HOUR) {
        struct tm_utc tm;
        char buf[CH_LABEL_LEN + 32];

        split_time(t->v[0], &tm);
        snprintf(buf, sizeof(buf), "%s %ld", t->label[0], tm.year);
        snprintf(t->label[0], CH_LABEL_LEN, "%.*s", CH_LABEL_LEN - 1, buf);
    }
}

/* ---- ISO-8601 ---- */

static int digits(const char **p, int n, long *out)
{
    long v = 0;
    int i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int ch_parse_time(const char *s, double *secs, int *has_time)
{
    const char *p = s;
    long y, mo, d = 1, h = 0, mi = 0, sec = 0, oh, om = 0;
    double frac = 0, offset = 0;
    int clock = 0;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};

    while (*p == ' ')
        p++;
    if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0)
        return -1;
    if (mo < 1 || mo > 12)
        return -1;
    if (*p == '-') {
        p++;
        if (digits(&p, 2, &d) < 0)
            return -1;
        if (d < 1 || d > mdays[mo - 1] ||
            (mo == 2 && d == 29 &&
             !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
            return -1;
        if ((*p == 'T' || *p == 't' || *p == ' ') &&
            isdigit((unsigned char)p[1])) {
            p++;
            if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
                return -1;
            if (*p == ':') {
                p++;
                if (digits(&p, 2, &sec) < 0)
                    return -1;
                if (*p == '.' || *p == ',') {
                    double scale = 0.1;

                    p++;
                    if (!isdigit((unsigned char)*p))
                        return -1;
                    while (isdigit((unsigned char)*p)) {
                        frac += (*p++ - '0') * scale;
                        scale /= 10;
                    }
                }
            }
            if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec)))
                return -1;
            clock = 1;
            if (*p == 'Z' || *p == 'z') {
                p++;
            } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1;

                if (digits(&p, 2, &oh) < 0)
                    return -1;
                if (*p == ':')
                    p++;
                if (isdigit((unsigned char)*p) && digits(&p, 2, &om) < 0)
                    return -1;
                if (oh > 23 || om > 59)
                    return -1;
                offset = sign * (oh * 3600 + om * 60);
            }
        }
    }
    while (*p == ' ')
        p++;
    if (*p)
        return -1;
    *secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400.0 + h * 3600 +
            mi * 60 + sec + frac - offset;
    if (has_time)
        *has_time = clock;
    return 0;
}

void ch_format_time(double secs, int has_time, char *out, size_t outlen)
{
    struct tm_utc tm;

    if (!isfinite(secs) || fabs(secs) > 1e13) {
        snprintf(out, outlen, "?");
        return;
    }
    split_time(secs, &tm);
    if (has_time)
        snprintf(out, outlen, "%04ld-%02u-%02u %02ld:%02ld", tm.year, tm.mon,
                 tm.mday, tm.sec_of_day / 3600, tm.sec_of_day / 60 % 60);
    else
        snprintf(out, outlen, "%04ld-%02u-%02u", tm.year, tm.mon, tm.mday);
}
