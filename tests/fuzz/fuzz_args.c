/* fuzz_args.c -- libFuzzer target for the magic-line tokenizer, the option
 * parser and the cell splitter.  Checks: no crash or leak, every parsed
 * option is one of the spec, its value can be read back, positional words
 * and parts are well formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_args.h"
#include "mg_interp.h"

static const struct mg_opt spec[] = {
    {"limit", 'n', 1, "rows"},
    {"stderr", 'e', 0, "flag"},
    {"max_results", 0, 1, "value"},
    {"v", 'v', 0, "flag"},
    {0},
};

static int in_spec(const char *name)
{
    int i;

    for (i = 0; spec[i].name; i++)
        if (strcmp(spec[i].name, name) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), err[YTK_ERR_LEN];
    char **argv = NULL;
    struct mg_args a;
    struct mg_part *parts = NULL;
    int argc = 0, i, n;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    if (mg_args_split(s, &argc, &argv, err) == 0) {
        for (i = 0; i < argc; i++)
            if (!argv[i])
                abort();
        if (argv[argc] != NULL)
            abort();
        mg_args_free_words(argv);
    } else if (!err[0]) {
        abort(); /* an error always says why */
    }

    if (mg_args_parse(s, spec, &a, err) == 0) {
        for (i = 0; i < a.nopt; i++) {
            const char *v;

            if (!in_spec(a.optname[i]))
                abort();
            v = mg_args_get(&a, a.optname[i]);
            if (!v || strcmp(v, a.optval[i]) != 0)
                abort();
        }
        for (i = 0; i < a.npos; i++)
            if (!mg_args_pos(&a, i))
                abort();
        if (mg_args_pos(&a, a.npos) != NULL)
            abort();
        {
            long l = 0;

            mg_args_get_long(&a, "limit", -5, 5, &l, err);
            if (l < -5 || l > 5)
                abort();
        }
        mg_args_free(&a);
    } else if (!err[0]) {
        abort();
    }

    n = mg_cell_split(s, &parts, err);
    for (i = 0; i < n; i++) {
        if (!parts[i].text || parts[i].lineno < 1)
            abort();
        if ((parts[i].kind == MG_PART_CELL) != (parts[i].body != NULL))
            abort();
    }
    if (n >= 0)
        mg_cell_free(parts, n);
    free(s);
    return 0;
}
