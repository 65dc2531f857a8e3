/* cmd_list.c -- dualact list: the catalogue. */
#include "cli.h"
#include <string.h>

int cmd_list(int argc, char **argv, FILE *out)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs("usage: dualact list\n\nThe catalogue of named activations, one per line:\n"
                  "name, parameters with defaults, description.  Any formula in x is\n"
                  "accepted wherever a name is (see the manual, 'Expressions').\n", out);
            return EXIT_OK;
        }
        return cli_usage_error("list: unexpected argument '%s'", argv[i]);
    }
    for (size_t i = 0; i < da_catalog_size(); i++) {
        const da_catalog_entry *e = da_catalog_get(i);
        char head[64];
        if (e->params[0])
            snprintf(head, sizeof head, "%s(%s)", e->name, e->params);
        else
            snprintf(head, sizeof head, "%s", e->name);
        fprintf(out, "%-22s %s\n", head, e->description);
    }
    return EXIT_OK;
}
