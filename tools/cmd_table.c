/* cmd_table.c -- dualact table: one row per activation, ready for papers. */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact table [ACT...] [--digits D] [--format text|csv|md|latex|json]\n"
    "\n"
    "One row per activation (a standard set when none is given), normalized\n"
    "as in the paper: a_1^2, mu = 1 - a_1^2 (the degree of non-linearity) and\n"
    "beta = E[sigma'^2] = sigma_hat'(1).  Every number is rounded to at most D\n"
    "decimals (default 6) and only to as many as its error bound vouches for.\n";

static const char *standard[] = {
    "relu", "leaky_relu(0.2)", "abs", "step", "sign", "hardtanh", "tanh", "sigmoid", "erf",
    "gelu", "silu", "softplus", "elu", "selu", "sin", "cos", "gaussian",
};

/* value rounded to the decimals the ball vouches for, at most D */
static void fmt_fixed(char *buf, size_t len, const da_ball_struct *b, long D)
{
    if (mpfr_nan_p(b->mid) || mpfr_inf_p(b->rad)) {
        snprintf(buf, len, "?");
        return;
    }
    if (mpfr_inf_p(b->mid)) {
        snprintf(buf, len, "inf");
        return;
    }
    double rad = mpfr_get_d(b->rad, MPFR_RNDU);
    long d = D;
    /* honest when rad + 0.5 10^-d <= 10^-d */
    while (d > 0 && rad > 0.5 * pow(10.0, (double)-d))
        d--;
    mpfr_snprintf(buf, len, "%.*Rf", (int)d, b->mid);
    if (!strcmp(buf, "-0") || !strncmp(buf, "-0.000", 6)) {
        int allzero = 1;
        for (const char *p = buf + 1; *p; p++)
            if (*p != '0' && *p != '.')
                allzero = 0;
        if (allzero)
            memmove(buf, buf + 1, strlen(buf));
    }
}

int cmd_table(int argc, char **argv, FILE *out)
{
    long digits = 6;
    da_table_format fmt = DA_TABLE_TEXT;
    size_t nstd = sizeof standard / sizeof standard[0];
    const char **acts = calloc((size_t)argc + nstd + 1, sizeof *acts);
    int nacts = 0;
    if (!acts)
        return cli_usage_error("out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, out);
            free(acts);
            return EXIT_OK;
        } else if (!strcmp(a, "--digits") || !strcmp(a, "--format")) {
            if (i + 1 >= argc) {
                free(acts);
                return cli_usage_error("%s needs a value", a);
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--digits")) {
                if (cli_parse_long(v, 1, 60, &digits, "--digits")) {
                    free(acts);
                    return EXIT_USAGE;
                }
            } else if (!strcmp(v, "text")) fmt = DA_TABLE_TEXT;
            else if (!strcmp(v, "csv")) fmt = DA_TABLE_CSV;
            else if (!strcmp(v, "md") || !strcmp(v, "markdown")) fmt = DA_TABLE_MARKDOWN;
            else if (!strcmp(v, "latex")) fmt = DA_TABLE_LATEX;
            else if (!strcmp(v, "json")) fmt = DA_TABLE_JSON;
            else {
                free(acts);
                return cli_usage_error("--format: '%s' is not one of text, csv, md, latex, json", v);
            }
        } else if (a[0] == '-' && a[1] == '-') {
            free(acts);
            return cli_usage_error("table: unknown option '%s' (see dualact table --help)", a);
        } else {
            acts[nacts++] = a;
        }
    }
    if (nacts == 0) {
        for (size_t i = 0; i < nstd; i++)
            acts[nacts++] = standard[i];
    }
    static const char *head[] = {"activation", "a1^2", "mu", "beta"};
    da_table *t = da_table_new(4, head);
    if (!t) {
        free(acts);
        return cli_usage_error("out of memory");
    }
    char prov[160];
    snprintf(prov, sizeof prov, "dualact %s table, normalized activations, at most %ld decimals, every digit vouched for",
             da_version(), digits);
    da_table_set_comment(t, prov);
    int rc = EXIT_OK;
    for (int j = 0; j < nacts; j++) {
        da_act *act = NULL;
        int st = da_act_new(&act, acts[j]);
        if (st) {
            char ctx[128];
            snprintf(ctx, sizeof ctx, "activation '%.100s'", acts[j]);
            rc = cli_lib_error(st, ctx);
            break;
        }
        da_hermite_opts o;
        da_hermite_opts_init(&o);
        o.degree = 1;
        o.digits = digits + 4;
        da_hermite *h = NULL;
        st = da_hermite_compute(&h, act, &o);
        da_act_free(act);
        if (st && !h) {
            rc = cli_lib_error(st, acts[j]);
            break;
        }
        if (st == DA_EACCURACY) {
            cli_lib_error(st, acts[j]);
            rc = EXIT_ACCURACY;
        }
        char c1[64], c2[64], c3[64];
        da_ball a1sq;
        da_ball_init2(a1sq, h->prec);
        da_ball_mul(a1sq, &h->a[1], &h->a[1]);
        fmt_fixed(c1, sizeof c1, a1sq, digits);
        fmt_fixed(c2, sizeof c2, &h->mu, digits);
        if (h->beta_infinite)
            snprintf(c3, sizeof c3, "inf");
        else
            fmt_fixed(c3, sizeof c3, &h->beta, digits);
        da_ball_clear(a1sq);
        const char *cells[] = {acts[j], c1, c2, c3};
        da_table_add_row(t, cells);
        da_hermite_free(h);
    }
    if (rc == EXIT_OK || rc == EXIT_ACCURACY) {
        char *s = NULL;
        if (da_table_render(&s, t, fmt) == DA_OK)
            fputs(s, out);
        free(s);
    }
    da_table_free(t);
    free(acts);
    return rc;
}
