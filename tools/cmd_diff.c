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
    const cli_opt opts[] = {
        CLI_OPT("--order", CLI_LONG, &order, .lo = 0, .hi = 16),
        CLI_OPT("--latex", CLI_FLAG, &latex, .ival = 1),
        CLI_OPT_END};
    const char *spec;
    int rc = cli_parse_act(&spec, "diff", usage, opts, CLI_ONE_AT_A_TIME, argc, argv, out);
    if (rc || !spec)
        return rc;
    da_act *act = NULL;
    rc = cli_act_new(&act, spec);
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
