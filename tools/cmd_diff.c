/* cmd_diff.c -- dualact diff ACT [--order k] [--latex]: symbolic derivatives. */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact diff ACT [--order K] [--latex]\n"
    "\n"
    "The K-th derivative (default 1; 0 gives the formula itself) of an\n"
    "activation, simplified, as a formula in x that dualact accepts back, or\n"
    "as LaTeX with --latex.  Derivatives of step, sign, floor, ceil and of\n"
    "comparisons are 0 away from their jumps (the jumps are breakpoints).\n";

int cmd_diff(int argc, char **argv, FILE *out)
{
    long order = 1;
    int latex = 0;
    const char *spec = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, out);
            return EXIT_OK;
        } else if (!strcmp(a, "--order")) {
            if (i + 1 >= argc)
                return cli_usage_error("--order needs a value");
            if (cli_parse_long(argv[++i], 0, 16, &order, "--order"))
                return EXIT_USAGE;
        } else if (!strcmp(a, "--latex")) {
            latex = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_usage_error("diff: unknown option '%s' (see dualact diff --help)", a);
        } else if (spec) {
            return cli_usage_error("diff: one activation at a time ('%s' and '%s')", spec, a);
        } else {
            spec = a;
        }
    }
    if (!spec)
        return cli_usage_error("diff: no activation given (see dualact diff --help)");
    da_act *act = NULL;
    int rc = cli_act_new(&act, spec);
    if (rc)
        return rc;
    char *s = NULL;
    int st = da_act_diff_text(&s, act, (int)order, latex);
    da_act_free(act);
    if (st)
        return cli_lib_error(st, spec);
    fprintf(out, "%s\n", s);
    free(s);
    return EXIT_OK;
}
