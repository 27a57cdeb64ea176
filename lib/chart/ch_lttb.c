/* ch_lttb.c -- Largest-Triangle-Three-Buckets.  See ch_lttb.h. */
#include "ch_lttb.h"

#include <math.h>

#define X(i) xy[(i)*stride]
#define Y(i) xy[(i)*stride + 1]

size_t ch_lttb(const double *xy, size_t stride, size_t n, size_t threshold,
               size_t *out)
{
    double every;
    size_t a = 0, b, k = 0, i;

    if (threshold >= n || threshold < 3) {
        for (i = 0; i < n; i++)
            out[i] = i;
        return n;
    }
    every = (double)(n - 2) / (double)(threshold - 2);
    out[k++] = 0;
    for (b = 0; b < threshold - 2; b++) {
        /* Average of the next bucket (the last point for the last bucket). */
        size_t avg_start = (size_t)floor((double)(b + 1) * every) + 1;
        size_t avg_end = (size_t)floor((double)(b + 2) * every) + 1;
        size_t start = (size_t)floor((double)b * every) + 1;
        size_t end = avg_start, best;
        double ax = 0, ay = 0, best_area = -1;

        if (avg_end > n)
            avg_end = n;
        if (avg_start >= avg_end) { /* last bucket: next is the final point */
            avg_start = n - 1;
            avg_end = n;
        }
        for (i = avg_start; i < avg_end; i++) {
            ax += X(i);
            ay += Y(i);
        }
        ax /= (double)(avg_end - avg_start);
        ay /= (double)(avg_end - avg_start);
        if (end > n - 1)
            end = n - 1;
        best = start;
        for (i = start; i < end; i++) {
            double area =
                fabs((X(a) - ax) * (Y(i) - Y(a)) - (X(a) - X(i)) * (ay - Y(a)));

            if (area > best_area) {
                best_area = area;
                best = i;
            }
        }
        out[k++] = best;
        a = best;
    }
    out[k++] = n - 1;
    return k;
}
