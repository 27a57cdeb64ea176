/* mg_registry.c -- the one table of magics.  Adding a magic = one file that
 * defines `const struct mg_magic mg_NAME_magic` plus one line here. */
#include "mg_registry.h"

#include <string.h>

extern const struct mg_magic mg_clear_magic;
extern const struct mg_magic mg_displaylimit_magic;
extern const struct mg_magic mg_help_magic;
extern const struct mg_magic mg_lsmagic_magic;
extern const struct mg_magic mg_print_magic;
extern const struct mg_magic mg_set_magic;
extern const struct mg_magic mg_unset_magic;
extern const struct mg_magic mg_version_magic;
extern const struct mg_magic mg_yt_auth_magic;
extern const struct mg_magic mg_yt_fetch_magic;
extern const struct mg_magic mg_yt_plot_magic;

/* Sorted by name. */
static const struct mg_magic *const registry[] = {
    &mg_clear_magic,    &mg_displaylimit_magic, &mg_help_magic,
    &mg_lsmagic_magic,  &mg_print_magic,        &mg_set_magic,
    &mg_unset_magic,    &mg_version_magic,      &mg_yt_auth_magic,
    &mg_yt_fetch_magic, &mg_yt_plot_magic,      NULL,
};

const struct mg_magic *mg_registry_find(const char *name)
{
    size_t i;

    for (i = 0; registry[i]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const struct mg_magic *const *mg_registry_all(void)
{
    return registry;
}
