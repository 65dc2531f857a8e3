/* cmd_iterate.c -- dualact iterate ACT --rho R --depth L [--ntk]: the
 * correlation map (and the NTK) layer by layer, with fixed points and
 * rates. */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact iterate ACT --rho R [--depth L] [--ntk] [--digits D] [--raw]\n"
    "                       [--method auto|series|closed] [--degree N]\n"
    "                       [--format text|csv|json]\n"
    "       dualact iterate --net BLOCK ...   (a repeated block: dualact iterate --net B --help)\n"
    "\n"
    "Iterate the correlation map rho_l = sigma_hat(rho_{l-1}) from rho_0 = R for\n"
    "L layers (default 10), with the NTK Theta_l = Theta_{l-1} sigma_hat'(rho_{l-1})\n"
    "+ rho_l normalized by Theta_l(1) (--ntk).  Every value carries an absolute\n"
    "error bound propagated through the layers.\n"
    "\n"
    "CSV columns: layer,rho,ntk,err,ntk_err,ratio,bound\n"
    "  rho, err       rho_l and its error bound\n"
    "  ntk, ntk_err   the normalized NTK and its bound (empty without --ntk)\n"
    "  ratio          the measured per-layer rate (rho_l - r*)/(rho_{l-1} - r*),\n"
    "                 r* the stable fixed point nearest rho_L (empty at layer 0\n"
    "                 and where the bounds cannot separate rho from r*; JSON\n"
    "                 null, text -), 6 digits at most\n"
    "The text and json formats add the fixed points of the map with their\n"
    "stability, the rates kappa'(0) and kappa'(1) of kappa = sigma_hat/sigma_hat(1)\n"
    "and the Joudaki-Hofmann class.\n"
    "--raw is refused for L > 1: iterating the raw dual is not a network's\n"
    "kernel; 'dualact kernel ACT --depth L' gives the NNGP and NTK of sigma as written.\n"
    "Exit status: 0 success, 2 usage or input error, 3 accuracy not reached.\n";

int cmd_iterate(int argc, char **argv, FILE *out)
{
    if (cli_has_net(argc, argv))   /* iterate --net BLOCK: tools/cmd_iterate_net.c */
        return cmd_iterate_net(argc, argv, out);
    cli_map_opts m;
    int prc = cli_map_opts_parse(&m, argc, argv, "iterate", usage, 10, 0, out);
    if (prc || m.help)
        return prc;
    long digits = m.digits, depth = m.depth;
    int raw = m.raw, ntk = m.ntk, ff = m.fmt;
    const char *rhos = m.rhos, *spec = m.spec;
    if (strchr(rhos, ','))
        return cli_usage_error("iterate: --rho takes one value (dualact dual takes a list)");
    mpfr_prec_t prec = m.prec;
    da_ball rho0;
    char text[64];
    if (cli_parse_rho(rhos, strlen(rhos), rho0, prec, text, sizeof text))
        return EXIT_USAGE;
    int rc = EXIT_OK;
    da_act *act = NULL;
    da_dual *d = NULL;
    da_kmap *km = NULL;
    da_fixed_point *fp = NULL;
    size_t nfp = 0;
    da_kmap_rates rates;
    int have_rates = 0;
    rc = cli_act_new(&act, spec);
    if (rc)
        goto done;
    rc = cli_map_dual(&d, act, &m, ntk ? 1.0 : fabs(mpfr_get_d(rho0->mid, MPFR_RNDU)));
    if (rc)
        goto done;
    rc = cli_map_iterate(&km, d, rho0, 1, &m);
    if (rc)
        goto done;
    long worst = -1;
    double wd = INFINITY;
    for (long l = 0; l <= depth; l++) {
        double dg = da_ball_digits(&km->rho[l]);
        if (ntk && da_ball_digits(&km->ntk[l]) < dg)
            dg = da_ball_digits(&km->ntk[l]);
        if (dg < wd) {
            wd = dg;
            worst = l;
        }
    }
    if (wd < (double)digits) {
        rc = EXIT_ACCURACY;
        fprintf(stderr, "dualact: %s: requested %ld digits, reached %.1f (layer %ld)\n", spec, digits,
                wd, worst);
    }
    if (ff != FMT_CSV) {
        da_kmap_fixed_points(&fp, &nfp, d);
        da_kmap_rates_init(&rates);
        /* DA_EACCURACY: balls wider than the digits asked, still
           enclosures (printed with their err); any other status: none */
        int rst = da_kmap_rates_compute(&rates, d);
        have_rates = rst == DA_OK || rst == DA_EACCURACY ? 1 : -1;
    }
    char v[4200], e[64], nv[4200], ne[64], rv[64], re[64];
    int w = (int)(digits + 8 > 50 ? 50 : digits + 8);
    const char *bk0 = cli_bound_kind(da_dual_rigorous(d));
    /* a layer whose rho or NTK is not enclosed is labelled none */
    int all_fin = 1;
    for (long l = 0; l <= depth; l++)
        if (!cli_ball_finite(&km->rho[l]) || (ntk && !cli_ball_finite(&km->ntk[l])))
            all_fin = 0;
    if (!all_fin)
        rc = EXIT_ACCURACY;
    if (ff == FMT_CSV)
        fprintf(out, "layer,rho,ntk,err,ntk_err,ratio,bound\n");
    else if (ff == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"iterate\",\n  \"activation\": ", da_version());
        da_json_write_str(out, spec);
        fprintf(out, ",\n  \"normalized\": %s,\n  \"rho0\": \"%s\",\n  \"depth\": %ld,\n  \"digits\": %ld,\n  \"method\": ",
                raw ? "false" : "true", text, depth, digits);
        cli_map_json_method(out, d, rc == EXIT_OK, all_fin);
        fprintf(out, "  \"layers\": [\n");
    } else {
        fprintf(out, "activation  %s\n", spec);
        fprintf(out, "map         sigma_hat of the %s activation\n", raw ? "raw" : "normalized");
        fprintf(out, "method      %s\n", da_dual_method(d));
        cli_print_bound_fin(out, da_dual_rigorous(d), da_dual_bound_reason(d), all_fin);
        fprintf(out, "absolute accuracy 10^-%ld%s\n\n", digits, rc == EXIT_OK ? "" : " (NOT reached: see err)");
        fprintf(out, "%6s  %-*s  %-9s", "layer", w, "rho", "err");
        if (ntk)
            fprintf(out, "  %-*s  %-9s", w, "ntk", "ntk_err");
        fprintf(out, "  %s\n", "ratio");
    }
    for (long l = 0; l <= depth; l++) {
        const char *bk = (!cli_ball_finite(&km->rho[l]) || (ntk && !cli_ball_finite(&km->ntk[l])))
                         ? "none" : bk0;
        da_ball_get_str(v, sizeof v, e, sizeof e, &km->rho[l], digits, DA_BALL_SCI);
        nv[0] = ne[0] = '\0';
        if (ntk)
            da_ball_get_str(nv, sizeof nv, ne, sizeof ne, &km->ntk[l], digits, DA_BALL_SCI);
        /* the ratio is undefined at layer 0, and where its ball is not
           finite: an empty cell (JSON null, text "-"), never a NaN */
        rv[0] = re[0] = '\0';
        if (l > 0 && cli_ball_finite(&km->ratio[l]))
            da_ball_get_str(rv, sizeof rv, re, sizeof re, &km->ratio[l], digits < 6 ? digits : 6, DA_BALL_SCI);
        if (ff == FMT_CSV)
            fprintf(out, "%ld,%s,%s,%s,%s,%s,%s\n", l, v, nv, e, ne, rv, bk);
        else if (ff == FMT_JSON)
            fprintf(out, "    {\"layer\": %ld, \"rho\": \"%s\", \"err\": \"%s\", \"ntk\": \"%s\", \"ntk_err\": \"%s\", \"ratio\": %s%s%s, \"bound\": \"%s\"}%s\n",
                    l, v, e, nv, ne, *rv ? "\"" : "", *rv ? rv : "null", *rv ? "\"" : "", bk,
                    l < depth ? "," : "");
        else {
            fprintf(out, "%6ld  %-*s  %-9s", l, w, v, e);
            if (ntk)
                fprintf(out, "  %-*s  %-9s", w, nv, ne);
            fprintf(out, "  %s\n", *rv ? rv : "-");
        }
    }
    if (ff == FMT_CSV)
        goto done;
    static const char *stab[] = {"stable", "unstable", "marginal"};
    if (ff == FMT_JSON) {
        fprintf(out, "  ],\n  \"fixed_points\": [\n");
        for (size_t j = 0; j < nfp; j++) {
            da_ball_get_str(v, sizeof v, e, sizeof e, &fp[j].rho, digits, DA_BALL_SCI);
            da_ball_get_str(nv, sizeof nv, ne, sizeof ne, &fp[j].slope, digits, DA_BALL_SCI);
            fprintf(out, "    {\"rho\": \"%s\", \"err\": \"%s\", \"slope\": \"%s\", \"slope_err\": \"%s\", \"stability\": \"%s\"}%s\n",
                    v, e, mpfr_inf_p(fp[j].slope.mid) ? "inf" : nv, ne, stab[fp[j].stability],
                    j + 1 < nfp ? "," : "");
        }
        fprintf(out, "  ]");
        if (have_rates > 0) {
            da_ball_get_str(v, sizeof v, e, sizeof e, &rates.kappa0, digits, DA_BALL_SCI);
            fprintf(out, ",\n  \"kappa0\": {\"value\": \"%s\", \"err\": \"%s\"}", v, e);
            da_ball_get_str(v, sizeof v, e, sizeof e, &rates.rate0, digits, DA_BALL_SCI);
            fprintf(out, ",\n  \"rate0\": {\"value\": \"%s\", \"err\": \"%s\"}", v, e);
            if (rates.rate1_infinite)
                fprintf(out, ",\n  \"rate1\": {\"value\": \"inf\", \"err\": \"0\"}");
            else {
                da_ball_get_str(v, sizeof v, e, sizeof e, &rates.rate1, digits, DA_BALL_SCI);
                fprintf(out, ",\n  \"rate1\": {\"value\": \"%s\", \"err\": \"%s\"}", v, e);
            }
            fprintf(out, ",\n  \"class\": ");
            da_json_write_str(out, da_kmap_jh_text(rates.jh_case));
        }
        fprintf(out, "\n}\n");
    } else {
        fprintf(out, "\nfixed points of sigma_hat in [-1, 1]:\n");
        for (size_t j = 0; j < nfp; j++) {
            da_ball_get_str(v, sizeof v, e, sizeof e, &fp[j].rho, digits < 20 ? digits : 20, DA_BALL_SCI);
            da_ball_get_str(nv, sizeof nv, ne, sizeof ne, &fp[j].slope, digits < 20 ? digits : 20, DA_BALL_SCI);
            fprintf(out, "  rho* = %s +- %s   slope %s%s%s   %s\n", v, e,
                    mpfr_inf_p(fp[j].slope.mid) ? "inf" : nv, mpfr_inf_p(fp[j].slope.mid) ? "" : " +- ",
                    mpfr_inf_p(fp[j].slope.mid) ? "" : ne, stab[fp[j].stability]);
        }
        if (have_rates > 0) {
            da_ball_get_str(v, sizeof v, e, sizeof e, &rates.kappa0, digits < 20 ? digits : 20, DA_BALL_SCI);
            fprintf(out, "\nthe kernel map kappa = sigma_hat/sigma_hat(1) (the correlation map of\n"
                         "unit inputs, kappa(1) = 1; %s):\n",
                    raw ? "for --raw it differs from the sigma_hat iterated above, "
                          "which keeps the raw variance" : "the same map as above for a normalized sigma");
            fprintf(out, "  kappa(0) = %s +- %s\n", v, e);
            da_ball_get_str(v, sizeof v, e, sizeof e, &rates.rate0, digits < 20 ? digits : 20, DA_BALL_SCI);
            fprintf(out, "  rate near 0, kappa'(0) = %s +- %s\n", v, e);
            if (rates.rate1_infinite)
                fprintf(out, "  rate near 1, kappa'(1) = inf\n");
            else {
                da_ball_get_str(v, sizeof v, e, sizeof e, &rates.rate1, digits < 20 ? digits : 20, DA_BALL_SCI);
                fprintf(out, "  rate near 1, kappa'(1) = %s +- %s\n", v, e);
            }
            fprintf(out, "  class of kappa (Joudaki & Hofmann): %s\n", da_kmap_jh_text(rates.jh_case));
        }
    }
done:
    if (have_rates)   /* 1 computed, -1 initialised only */
        da_kmap_rates_clear(&rates);
    da_kmap_fixed_points_free(fp, nfp);
    da_kmap_free(km);
    da_dual_free(d);
    da_act_free(act);
    da_ball_clear(rho0);
    return rc;
}
