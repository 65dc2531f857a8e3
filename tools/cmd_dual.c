/* cmd_dual.c -- dualact dual ACT --rho R1,R2,... : the dual activation
 * sigma_hat (or its derivatives, its L-fold composition, or the normalized
 * NTK at depth L) at given correlations. */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact dual ACT --rho R1,R2,... [--depth L] [--ntk] [--derivative K]\n"
    "                    [--digits D] [--raw] [--method auto|series|closed]\n"
    "                    [--degree N] [--format text|csv|json]\n"
    "\n"
    "The dual activation sigma_hat(rho) = E[s(X) s(Y)], corr(X, Y) = rho, of the\n"
    "normalized activation (E s = 0, E s^2 = 1; --raw: of sigma itself), with an\n"
    "absolute error bound on every value.\n"
    "\n"
    "  --rho LIST      correlations in [-1, 1], comma separated (required)\n"
    "  --depth L       the L-fold composition sigma_hat^(oL)(rho) (default 1)\n"
    "  --ntk           the normalized NTK Theta_L(rho)/Theta_L(1) at depth L\n"
    "  --derivative K  the K-th derivative of sigma_hat, K = 0, 1, 2 (depth 1)\n"
    "  --digits D      absolute accuracy 10^-D (default 30, 1 to 1000)\n"
    "  --raw           the dual of sigma itself, not of the normalized sigma\n"
    "                  (depth 1 only: for networks of sigma as written, see\n"
    "                  'dualact kernel')\n"
    "  --method M      auto (closed form when known), series, closed\n"
    "  --degree N      Hermite series degree (default: automatic)\n"
    "  --format F      text (default), csv (header rho,value,err,bound), json\n"
    "\n"
    "A value that is infinite (sigma_hat' of step or sign at rho = +-1) is\n"
    "printed as inf.  Exit status: 0 success, 2 usage or input error, 3\n"
    "accuracy not reached (the printed digits are still correct).\n";

/* one decimal number, strictly, into a ball at precision prec; the range
   check reads MPFR's rounding direction, so that 1 + 10^-40 is refused and
   1 - 10^-40 accepted whatever prec is */
int cli_parse_rho(const char *s, size_t len, da_ball b, mpfr_prec_t prec, char *text, size_t tl)
{
    if (len == 0 || len >= tl)
        return cli_usage_error("--rho: empty or too long value");
    memcpy(text, s, len);
    text[len] = '\0';
    char *end;
    double v = strtod(text, &end);
    if (*end || !isfinite(v) || end == text)
        return cli_usage_error("--rho: '%s' is not a number", text);
    da_ball_init2(b, prec);
    int t = mpfr_strtofr(b->mid, text, &end, 10, MPFR_RNDN);
    if (*end) {
        da_ball_clear(b);
        return cli_usage_error("--rho: '%s' is not a number", text);
    }
    /* t < 0: mid was rounded down from the true value, t > 0: up */
    if (mpfr_cmp_si(b->mid, -1) < 0 || mpfr_cmp_ui(b->mid, 1) > 0 ||
        (mpfr_cmp_ui(b->mid, 1) == 0 && t < 0) || (mpfr_cmp_si(b->mid, -1) == 0 && t > 0)) {
        da_ball_clear(b);
        return cli_usage_error("--rho: %s lies outside [-1, 1]", text);
    }
    /* the ball: the library's decimal parser (an ulp when inexact) */
    da_depth_parse_decimal(b, text);
    return 0;
}

/* a value and its error bound as text: "inf" (err 0) where infinite */
static void value_str(char *v, size_t vl, char *e, size_t el, const da_ball_struct *b, int inf,
                      long digits)
{
    if (inf) {
        snprintf(v, vl, "%s", mpfr_sgn(b->mid) < 0 ? "-inf" : "inf");
        snprintf(e, el, "0");
    } else {
        da_ball_get_str(v, vl, e, el, b, digits, DA_BALL_SCI);
    }
}

int cmd_dual(int argc, char **argv, FILE *out)
{
    cli_map_opts m;
    int prc = cli_map_opts_parse(&m, argc, argv, "dual", usage, 1, 1, out);
    if (prc || m.help)
        return prc;
    long digits = m.digits, depth = m.depth, deriv = m.deriv;
    int raw = m.raw, ntk = m.ntk, fmt = m.fmt, st;
    const char *rhos = m.rhos, *spec = m.spec;
    if (m.have_deriv && deriv > 0 && (ntk || (m.have_depth && depth != 1)))
        return cli_usage_error("dual: --derivative applies to sigma_hat itself (depth 1, no --ntk)");

    mpfr_prec_t prec = m.prec;
    /* parse the list */
    size_t n = 1;
    for (const char *p = rhos; *p; p++)
        n += *p == ',';
    da_ball_struct *rho = calloc(n, sizeof *rho);
    char (*text)[64] = calloc(n, sizeof *text);
    if (!rho || !text) {
        free(rho);
        free(text);
        return cli_usage_error("out of memory");
    }
    size_t got = 0;
    int rc = EXIT_OK;
    double rmax = 0;
    for (const char *p = rhos;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (cli_parse_rho(p, len, &rho[got], prec, text[got], sizeof text[got])) {
            rc = EXIT_USAGE;
            break;
        }
        double v = fabs(mpfr_get_d(rho[got].mid, MPFR_RNDU));
        if (v > rmax)
            rmax = v;
        got++;
        if (!c)
            break;
        p = c + 1;
    }
    da_act *act = NULL;
    da_dual *d = NULL;
    da_kmap *km = NULL;
    da_ball_struct *val = NULL;
    int *inf = NULL;
    if (rc)
        goto done;
    rc = cli_act_new(&act, spec);
    if (rc)
        goto done;
    rc = cli_map_dual(&d, act, &m, (depth == 1 && !ntk) ? rmax : 1.0);
    if (rc)
        goto done;
    val = calloc(got, sizeof *val);
    inf = calloc(got, sizeof *inf);
    if (!val || !inf) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (size_t i = 0; i < got; i++)
        da_ball_init2(&val[i], prec);
    if (depth == 0) {
        for (size_t i = 0; i < got; i++)
            da_ball_set(&val[i], &rho[i]);
    } else if (depth == 1 && !ntk) {
        for (size_t i = 0; i < got; i++) {
            st = da_dual_eval(&val[i], d, &rho[i], (int)deriv);
            if (st == DA_EINFINITE) {
                inf[i] = 1;
            } else if (st == DA_EACCURACY) {
                rc = EXIT_ACCURACY;
            } else if (st) {
                rc = cli_lib_error(st, spec);
                goto done;
            }
        }
    } else {
        rc = cli_map_iterate(&km, d, rho, got, &m);
        if (rc)
            goto done;
        for (size_t i = 0; i < got; i++) {
            da_ball_set(&val[i], ntk ? &km->ntk[(size_t)depth * got + i] : &km->rho[(size_t)depth * got + i]);
            if (da_ball_digits(&val[i]) < (double)digits)
                rc = EXIT_ACCURACY;
        }
    }
    if (rc == EXIT_ACCURACY) {
        for (size_t i = 0; i < got; i++)
            if (!inf[i] && da_ball_digits(&val[i]) < (double)digits) {
                if (!cli_ball_finite(&val[i]))
                    fprintf(stderr, "dualact: %s: the value at rho = %s is not enclosed (nan, or "
                            "an infinite error bound: nothing is proved there)\n", spec, text[i]);
                else
                    fprintf(stderr, "dualact: %s: requested %ld digits, reached %.1f at rho = %s\n",
                            spec, digits, da_ball_digits(&val[i]), text[i]);
                break;
            }
    }
    const char *what = ntk ? "normalized NTK" : deriv == 1 ? "sigma_hat'" : deriv == 2 ? "sigma_hat''" : "sigma_hat";
    char v[4200], e[64];
#define VALUE(i) value_str(v, sizeof v, e, sizeof e, &val[i], inf[i], digits)
    const char *bk0 = cli_bound_kind(da_dual_rigorous(d));
    /* a value that is not enclosed (NaN, or an infinite radius) is
       labelled none; a proved infinity (inf[i]) keeps the label */
    int all_fin = 1;
    for (size_t i = 0; i < got; i++)
        if (!inf[i] && !cli_ball_finite(&val[i]))
            all_fin = 0;
#define BK(i) ((inf[i] || cli_ball_finite(&val[i])) ? bk0 : "none")
    if (!all_fin)
        rc = EXIT_ACCURACY;
    if (fmt == FMT_CSV) {
        fprintf(out, "rho,value,err,bound\n");
        for (size_t i = 0; i < got; i++) {
            VALUE(i);
            fprintf(out, "%s,%s,%s,%s\n", text[i], v, e, BK(i));
        }
    } else if (fmt == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"dual\",\n  \"activation\": ", da_version());
        da_json_write_str(out, spec);
        fprintf(out, ",\n  \"normalized\": %s,\n  \"quantity\": ", raw ? "false" : "true");
        da_json_write_str(out, what);
        fprintf(out, ",\n  \"depth\": %ld,\n  \"derivative\": %ld,\n  \"digits\": %ld,\n  \"method\": ",
                depth, deriv, digits);
        cli_map_json_method(out, d, rc == EXIT_OK, all_fin);
        fprintf(out, "  \"values\": [\n");
        for (size_t i = 0; i < got; i++) {
            VALUE(i);
            fprintf(out, "    {\"rho\": \"%s\", \"value\": \"%s\", \"err\": \"%s\", \"bound\": \"%s\"}%s\n", text[i], v, e, BK(i),
                    i + 1 < got ? "," : "");
        }
        fprintf(out, "  ]\n}\n");
    } else {
        fprintf(out, "activation  %s\n", spec);
        fprintf(out, "quantity    %s%s", what, raw ? " (raw sigma)" : " (normalized sigma)");
        if (depth != 1 || ntk)
            fprintf(out, " at depth %ld", depth);
        fprintf(out, "\nmethod      %s\n", da_dual_method(d));
        cli_print_bound_fin(out, da_dual_rigorous(d), da_dual_bound_reason(d), all_fin);
        fprintf(out, "absolute accuracy 10^-%ld%s\n\n", digits, rc == EXIT_OK ? "" : " (NOT reached: see err)");
        int w = (int)(digits + 8 > 60 ? 60 : digits + 8);
        fprintf(out, "%-22s  %-*s  %s\n", "rho", w, "value", "err");
        for (size_t i = 0; i < got; i++) {
            VALUE(i);
            fprintf(out, "%-22s  %-*s  %s\n", text[i], w, v, e);
        }
    }
#undef VALUE
#undef BK
done:
    if (val)
        for (size_t i = 0; i < got; i++)
            da_ball_clear(&val[i]);
    free(val);
    free(inf);
    da_kmap_free(km);
    da_dual_free(d);
    da_act_free(act);
    for (size_t i = 0; i < got; i++)
        da_ball_clear(&rho[i]);
    free(rho);
    free(text);
    return rc;
}
