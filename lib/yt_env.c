/* yt_env.c -- see yt_env.h. */
#include <stdlib.h>

#include "yt_env.h"

long yt_env_long(const char *name, long def, long lo, long hi)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (!v || !*v)
        return def;
    n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi)
        return def;
    return n;
}
