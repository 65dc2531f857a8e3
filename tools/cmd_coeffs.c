/* cmd_coeffs.c -- dualact coeffs ACT... : Hermite coefficients. */
#include "cli.h"
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact coeffs ACT... [--degree N] [--digits D] [--raw] [--double]\n"
    "                      [--format text|csv|json]\n"
    "\n"
    "Hermite coefficients a_0..a_N of each activation (a catalogue name, see\n"
    "'dualact list', or a formula in x), with an absolute error bound on each.\n"
    "Normalized (E sigma = 0, E sigma^2 = 1) unless --raw.\n"
    "\n"
    "  --degree N   highest degree (default 10, at most 20000)\n"
    "  --digits D   absolute accuracy 10^-D of every number printed (default\n"
    "               30, 1 to 1000; (N + 1) x D at most 600000)\n"
    "  --raw        coefficients of sigma itself, not of the normalized sigma\n"
    "  --double     the fast double-precision path (about 15 digits)\n"
    "  --format F   text (default), csv (header k,a_k,err,bound; with several\n"
    "               activations k,a_k,err,act,bound), or json\n"
    "\n"
    "Exit status: 0 success, 2 usage or input error, 3 accuracy not reached\n"
    "(the numbers printed are then those that could be vouched for).\n";

typedef struct {
    const char *spec;
    da_act *act;
    da_hermite *h;
    int status;
    /* double path */
    double *ad, *ed;
} item;

static void fmt_d(char *v, size_t vl, char *e, size_t el, double a, double err, long digits)
{
    /* the same rule (da_ball_get_str) for doubles */
    da_ball b;
    da_ball_init2(b, 64);
    mpfr_set_d(b->mid, a, MPFR_RNDN);
    mpfr_set_d(b->rad, err, MPFR_RNDU);
    da_ball_get_str(v, vl, e, el, b, digits, DA_BALL_SCI);
    da_ball_clear(b);
}

/* every value printed for it is finite (a ball that is not proves nothing:
   its label is "none", never "rigorous") */
static int all_finite(const item *t, long degree)
{
    for (long k = 0; k <= degree; k++)
        if (t->h ? !cli_ball_finite(&t->h->a[k]) : !(isfinite(t->ad[k]) && isfinite(t->ed[k])))
            return 0;
    if (t->h) {
        const da_ball_struct *q[] = {&t->h->mean, &t->h->var, &t->h->mu, &t->h->tail};
        for (size_t m = 0; m < sizeof q / sizeof q[0]; m++)
            if (!cli_ball_finite(q[m]))
                return 0;
        if (!t->h->beta_infinite && !cli_ball_finite(&t->h->beta))
            return 0;
    }
    return 1;
}

int cmd_coeffs(int argc, char **argv, FILE *out)
{
    long degree = 10, digits = 30;
    int raw = 0, dbl = 0, fmt = FMT_TEXT;
    const cli_opt opts[] = {
        CLI_OPT("--degree", CLI_LONG, &degree, .lo = 0, .hi = CLI_MAX_DEGREE),
        CLI_OPT("--digits", CLI_LONG, &digits, .lo = 1, .hi = CLI_MAX_DIGITS),
        CLI_OPT("--format", CLI_FORMAT, &fmt),
        CLI_OPT("--raw", CLI_FLAG, &raw, .ival = 1),
        CLI_OPT("--double", CLI_FLAG, &dbl, .ival = 1),
        CLI_OPT_END};
    cli_parser p = {.cmd = "coeffs", .usage = usage, .opts = opts, .required = 1};
    int rc = cli_parse(&p, argc, argv, out);
    const char **acts = p.args;
    int nacts = p.nargs;
    if (rc || p.help) {
        free(acts);
        return rc;
    }
    if (dbl && digits > 15)
        digits = 15;
    if (!dbl && (double)(degree + 1) * (double)digits > CLI_MAX_DEGREE_DIGITS) {
        free(acts);
        return cli_usage_error("coeffs: --degree %ld with --digits %ld: (degree + 1) x digits = "
                               "%.0f is above the cap of %.0f (minutes of work); lower one of them",
                               degree, digits, (double)(degree + 1) * (double)digits,
                               CLI_MAX_DEGREE_DIGITS);
    }

    item *it = calloc((size_t)nacts, sizeof *it);
    if (!it) {
        free(acts);
        return cli_usage_error("out of memory");
    }
    /* parse every activation first: an input error prints nothing */
    for (int j = 0; j < nacts; j++) {
        it[j].spec = acts[j];
        rc = cli_act_new(&it[j].act, acts[j]);
        if (rc)
            goto done;
    }
    for (int j = 0; j < nacts; j++) {
        if (dbl) {
            it[j].ad = malloc((size_t)(degree + 1) * sizeof(double));
            it[j].ed = malloc((size_t)(degree + 1) * sizeof(double));
            if (!it[j].ad || !it[j].ed) {
                rc = cli_usage_error("out of memory");
                goto done;
            }
            it[j].status = da_hermite_compute_d(it[j].ad, it[j].ed, degree, it[j].act, raw);
        } else {
            da_hermite_opts o;
            da_hermite_opts_init(&o);
            o.degree = degree;
            o.digits = digits;
            o.raw = raw;
            o.no_beta = fmt == FMT_CSV;   /* the CSV carries only a_k */
            it[j].status = da_hermite_compute(&it[j].h, it[j].act, &o);
        }
        if (it[j].status == DA_EACCURACY) {
            char ctx[160];
            snprintf(ctx, sizeof ctx, "%.100s", acts[j]);
            cli_lib_error(it[j].status, ctx);
            rc = EXIT_ACCURACY;
        } else if (it[j].status) {
            char ctx[160];
            snprintf(ctx, sizeof ctx, "%.100s", acts[j]);
            rc = cli_lib_error(it[j].status, ctx);
            goto done;
        }
    }

    char v[12000], e[64];
    if (fmt == FMT_CSV) {
        fprintf(out, "k,a_k,err%s,bound\n", nacts > 1 ? ",act" : "");
        for (int j = 0; j < nacts; j++)
            for (long k = 0; k <= degree; k++) {
                if (dbl)
                    fmt_d(v, sizeof v, e, sizeof e, it[j].ad[k], it[j].ed[k], digits);
                else
                    da_ball_get_str(v, sizeof v, e, sizeof e, &it[j].h->a[k], digits, DA_BALL_SCI);
                fprintf(out, "%ld,%s,%s", k, v, e);
                if (nacts > 1) {
                    fputc(',', out);
                    /* quote the activation: formulas contain commas */
                    fputc('"', out);
                    for (const char *p = acts[j]; *p; p++) {
                        if (*p == '"')
                            fputc('"', out);
                        fputc(*p, out);
                    }
                    fputc('"', out);
                }
                fprintf(out, ",%s\n", dbl ? (isfinite(it[j].ad[k]) && isfinite(it[j].ed[k]) ? "estimate" : "none")
                                           : cli_ball_kind(it[j].h->rigorous, &it[j].h->a[k]));
            }
    } else if (fmt == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"coeffs\",\n", da_version());
        fprintf(out, "  \"normalized\": %s,\n  \"digits\": %ld,\n  \"degree\": %ld,\n",
                raw ? "false" : "true", digits, degree);
        fprintf(out, "  \"activations\": [\n");
        for (int j = 0; j < nacts; j++) {
            da_hermite *h = it[j].h;
            fprintf(out, "    {\n      \"activation\": ");
            da_json_write_str(out, acts[j]);
            fprintf(out, ",\n      \"expression\": ");
            da_json_write_str(out, da_act_expr(it[j].act));
            fprintf(out, ",\n      \"class\": ");
            da_json_write_str(out, da_act_class_name(da_act_class(it[j].act)));
            if (h) {
                fprintf(out, ",\n      \"method\": ");
                da_json_write_str(out, h->method);
                fprintf(out, ",\n      \"working_precision_bits\": %ld,\n      \"nodes\": %ld",
                        (long)h->prec, h->nodes);
                fprintf(out, ",\n      \"digits_reached\": ");
                cli_json_double(out, "%.1f", h->digits_reached);
            } else {
                fprintf(out, ",\n      \"method\": \"double precision\"");
            }
            fprintf(out, ",\n      \"accuracy_reached\": %s",
                    it[j].status == DA_OK ? "true" : "false");
            const char *bk = (h && h->rigorous) ? "rigorous" : "estimate";
            fprintf(out, ",\n      \"bound\": \"%s\"", all_finite(&it[j], degree) ? bk : "none");
            if (!h || !h->rigorous) {
                fprintf(out, ",\n      \"bound_reason\": ");
                da_json_write_str(out, h ? h->bound_reason : "double-precision path: the error is estimated");
            }
            fprintf(out, ",\n      \"coefficients\": [\n");
            for (long k = 0; k <= degree; k++) {
                if (dbl)
                    fmt_d(v, sizeof v, e, sizeof e, it[j].ad[k], it[j].ed[k], digits);
                else
                    da_ball_get_str(v, sizeof v, e, sizeof e, &h->a[k], digits, DA_BALL_SCI);
                fprintf(out, "        {\"k\": %ld, \"a_k\": \"%s\", \"err\": \"%s\", \"bound\": \"%s\"}%s\n",
                        k, v, e, dbl ? (isfinite(it[j].ad[k]) && isfinite(it[j].ed[k]) ? bk : "none")
                                     : cli_ball_kind(h->rigorous, &h->a[k]), k < degree ? "," : "");
            }
            fprintf(out, "      ]");
            if (h) {
                struct { const char *name; const da_ball_struct *b; } q[] = {
                    {"mean", &h->mean}, {"variance", &h->var}, {"mu", &h->mu},
                    {"beta", &h->beta}, {"tail", &h->tail}};
                for (size_t m = 0; m < sizeof q / sizeof q[0]; m++) {
                    if (q[m].b == &h->beta && h->beta_infinite) {
                        fprintf(out, ",\n      \"beta\": {\"value\": \"inf\", \"err\": \"0\", \"bound\": \"%s\"}", bk);
                        continue;
                    }
                    da_ball_get_str(v, sizeof v, e, sizeof e, q[m].b, digits, DA_BALL_SCI);
                    fprintf(out, ",\n      \"%s\": {\"value\": \"%s\", \"err\": \"%s\", \"bound\": \"%s\"}",
                            q[m].name, v, e, cli_ball_kind(h->rigorous, q[m].b));
                }
            }
            fprintf(out, "\n    }%s\n", j + 1 < nacts ? "," : "");
        }
        fprintf(out, "  ]\n}\n");
    } else {
        for (int j = 0; j < nacts; j++) {
            da_hermite *h = it[j].h;
            if (j)
                fputc('\n', out);
            fprintf(out, "activation  %s\n", acts[j]);
            fprintf(out, "formula     %s\n", da_act_expr(it[j].act));
            fprintf(out, "class       %s\n", da_act_class_name(da_act_class(it[j].act)));
            if (h)
                fprintf(out, "method      %s (%ld bits%s)\n", h->method, (long)h->prec,
                        h->nodes ? ", quadrature" : "");
            else
                fprintf(out, "method      double precision\n");
            cli_print_bound_fin(out, h && h->rigorous,
                                h ? h->bound_reason : "double-precision path: the error is estimated",
                                all_finite(&it[j], degree));
            fprintf(out, "%s coefficients, absolute accuracy 10^-%ld%s\n\n",
                    raw ? "raw" : "normalized", digits,
                    it[j].status == DA_OK ? "" : " (NOT reached: see err)");
            fprintf(out, "%5s  %-*s  %s\n", "k", (int)(digits + 8 > 60 ? 60 : digits + 8), "a_k", "err");
            for (long k = 0; k <= degree; k++) {
                if (dbl)
                    fmt_d(v, sizeof v, e, sizeof e, it[j].ad[k], it[j].ed[k], digits);
                else
                    da_ball_get_str(v, sizeof v, e, sizeof e, &h->a[k], digits, DA_BALL_SCI);
                fprintf(out, "%5ld  %-*s  %s\n", k, (int)(digits + 8 > 60 ? 60 : digits + 8), v, e);
            }
            if (h) {
                fputc('\n', out);
                struct { const char *name; const da_ball_struct *b; } q[] = {
                    {"mean (raw)", &h->mean}, {"variance (raw)", &h->var},
                    {"mu = 1 - a_1^2", &h->mu}, {"beta = E[s'^2]", &h->beta},
                    {"tail 1 - sum a_k^2", &h->tail}};
                if (raw)
                    q[4].name = "tail E s^2 - sum a_k^2";
                for (size_t m = 0; m < sizeof q / sizeof q[0]; m++) {
                    if (q[m].b == &h->beta && h->beta_infinite) {
                        fprintf(out, "%-24s  inf (the activation jumps)\n", q[m].name);
                        continue;
                    }
                    da_ball_get_str(v, sizeof v, e, sizeof e, q[m].b, digits, DA_BALL_SCI);
                    fprintf(out, "%-24s  %s  +- %s\n", q[m].name, v, e);
                }
            }
        }
    }
done:
    for (int j = 0; j < nacts; j++) {
        da_act_free(it[j].act);
        da_hermite_free(it[j].h);
        free(it[j].ad);
        free(it[j].ed);
    }
    free(it);
    free(acts);
    return rc;
}
