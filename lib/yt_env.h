/* yt_env.h -- settings read from the environment, one way for the whole
 * tree: a variable that is unset, empty, not a whole number or outside its
 * range gives the default (settings are tuning knobs; a typo must not stop a
 * fetch).  Nothing to free.
 */
#ifndef YT_ENV_H
#define YT_ENV_H

/* The integer value of environment variable `name` when it is a decimal
 * number in lo..hi, else def. */
long yt_env_long(const char *name, long def, long lo, long hi);

#endif /* YT_ENV_H */
