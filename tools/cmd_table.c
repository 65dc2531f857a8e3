/* cmd_table.c -- dualact table: one row per activation, ready for papers. */
#include "cli.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: dualact table [ACT...] [--delta D,...] [--eps E,...] [--n N,...]\n"
    "                     [--digits D] [--columns C,...]\n"
    "                     [--format text|csv|md|latex|json]\n"
    "\n"
    "The paper's conditioning table: one row per activation (a standard set\n"
    "when none is given), normalized as in the paper.  Columns, in order:\n"
    "  activation   the name or formula\n"
    "  a1^2         a_1^2, the linear part of sigma_hat\n"
    "  mu           1 - a_1^2, the degree of non-linearity\n"
    "  beta         sigma_hat'(1) = E[sigma'^2] (inf when sigma jumps)\n"
    "  closed_form  the closed form of sigma_hat used, when one is known\n"
    "  L_nngp       proved minimal depth of the top-layer kernel (one column\n"
    "               per combination: L_nngp_dDELTA_eEPS_nN)\n"
    "  bound        the potential bound ceil(ln[(1-d)(n-1-e)/(d e)]/ln(1+mu))\n"
    "  L_ntk        proved minimal depth of the normalized NTK\n"
    "  W3_L10       W_{<=3}(10): share of a depth-10 random network's variance\n"
    "               that polynomials of degree <= 3 capture\n"
    "  chi1         chi_1 at sigma_w^2 = 1, sigma_b^2 = 0 (the paper's setting,\n"
    "               where q* = 1 and chi_1 = E[sigma'(Z)^2] = beta: the proved\n"
    "               ball of beta, checked against the mean-field quadrature)\n"
    "  bound_kind   rigorous when every number of the row is proved, else\n"
    "               estimate (the reason: dualact coeffs/depth ACT)\n"
    "  bound_ntk    the NTK bound beside L_ntk: the project's majorant of the\n"
    "               normalized NTK (docs/numerics.md 5.1; dualact depth --ntk's\n"
    "               bound_majorant), one per combination after bound_kind\n"
    "Defaults: --delta 0.1 --eps 0.01 --n 1000 (lists make one group of depth\n"
    "columns per combination), --digits 4.  Every number is rounded to at most\n"
    "D decimals and only to as many as its error bound vouches for; depths are\n"
    "proved (L* suffices, L* - 1 does not).  --columns keeps the named columns\n"
    "(base names as above, e.g. activation,mu,L_nngp).\n";

/* the library's warnings (a bug, or a counterexample to the theory) */
static void warn_line(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "dualact: WARNING: %s\n", msg);
}

/* progress on a terminal: the row being computed */
static void progress_row(void *ctx, int row, int nrows, const char *act)
{
    (void)ctx;
    fprintf(stderr, "\rdualact table: %d/%d %-30.30s", row + 1, nrows, act);
}

/* a message of the library's option checks names the field ("delta: ...",
   "columns: ..."): here it names the flag */
static int option_error(void)
{
    const char *m = da_errmsg();
    if (strstr(m, "combinations of delta, eps, n"))
        return cli_usage_error("table: give 1 to 16 combinations of --delta, --eps, --n");
    static const char *fields[] = {"delta:", "eps:", "n:", "columns:", "digits:"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strncmp(m, fields[i], strlen(fields[i])))
            return cli_usage_error("--%s", m);
    return cli_usage_error("%s", m);
}

int cmd_table(int argc, char **argv, FILE *out)
{
    da_paper_table_opts to;
    da_paper_table_opts_init(&to);
    da_table_format fmt = DA_TABLE_TEXT;
    const cli_opt opts[] = {
        CLI_OPT("--digits", CLI_LONG, &to.digits, .lo = 1, .hi = 30),
        CLI_OPT("--format", CLI_TABLE_FORMAT, &fmt),
        CLI_OPT("--delta", CLI_STRING, &to.delta),
        CLI_OPT("--eps", CLI_STRING, &to.eps),
        CLI_OPT("--n", CLI_STRING, &to.n),
        CLI_OPT("--columns", CLI_STRING, &to.columns),
        CLI_OPT_END};
    cli_parser p = {.cmd = "table", .usage = usage, .opts = opts};
    int rc = cli_parse(&p, argc, argv, out);
    if (rc || p.help)
        goto done;
    /* the options, then every activation (with the column of a parse
       error), before any work */
    if (da_paper_table_check(&to)) {
        rc = option_error();
        goto done;
    }
    for (int j = 0; j < p.nargs; j++) {
        da_act *act = NULL;
        rc = cli_act_new(&act, p.args[j]);
        da_act_free(act);
        if (rc)
            goto done;
    }
    int interactive = isatty(2);
    to.warn = warn_line;
    to.progress = interactive ? progress_row : NULL;
    to.work_limit = CLI_WORK_LIMIT;
    da_table *t = NULL;
    int st = da_paper_table(&t, p.nargs ? p.args : NULL, p.nargs, &to);
    if (interactive)
        fprintf(stderr, "\r%60s\r", "");
    if (st && st != DA_EACCURACY) {
        rc = st == DA_EINVAL ? option_error() : cli_lib_error(st, NULL);
        goto done;
    }
    char msg[400];
    snprintf(msg, sizeof msg, "%s", st ? da_errmsg() : "");
    char *s = NULL;
    int sr = da_table_render(&s, t, fmt);
    da_table_free(t);
    if (sr) {
        free(s);
        rc = cli_lib_error(sr, "table");
        goto done;
    }
    fputs(s, out);   /* to memory: main checks it, then every write to stdout */
    free(s);
    if (st == DA_EACCURACY) {
        fprintf(stderr, "dualact: %s\n", msg);
        rc = EXIT_ACCURACY;
    }
done:
    free(p.args);
    return rc;
}
