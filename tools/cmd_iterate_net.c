/* cmd_iterate_net.c -- dualact iterate --net BLOCK --rho R: the
 * correlation map of a repeated block (da_net_block_iterate), layer by
 * layer, with iterate's columns and the variance and slope at the end. */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact iterate --net BLOCK --rho R [--depth L] [--q Q] [--ntk]\n"
    "                       [--digits D] [--format text|csv|json]\n"
    "\n"
    "The network dense(1,0); repeat(L){BLOCK} (the layers of 'dualact kernel\n"
    "--net'; the input layer makes Theta^(0) = K^(0)) on two inputs of equal\n"
    "variance Q (default 1) and correlation R, after each block l = 0..L\n"
    "(default 10): the correlation rho_l = K_l(x,x')/K_l(x,x) and, with --ntk,\n"
    "the normalized NTK Theta_l(x,x')/Theta_l(x,x).  The variance q_l is\n"
    "carried along, not assumed fixed.  Every value carries an absolute error\n"
    "bound propagated through the layers in ball arithmetic.\n"
    "\n"
    "CSV columns: layer,rho,ntk,err,ntk_err,ratio,bound,q,q_err,slope,slope_err\n"
    "  rho, err       rho_l and its error bound\n"
    "  ntk, ntk_err   the normalized NTK and its bound (empty without --ntk)\n"
    "  ratio          rho_l / rho_{l-1}, the rate towards the fixed point 0\n"
    "                 (empty at layer 0 and where rho_{l-1}'s ball holds 0;\n"
    "                 JSON null, text -), 6 digits at most\n"
    "  q, q_err       the variance K_l(x,x) and its bound\n"
    "  slope          d rho_l / d rho_0, the slope of the depth-l map at R\n"
    "The text and json formats add the block's rates at variance Q: C(0) (0\n"
    "for a block without biases whose activations are centred), C'(0) and\n"
    "C'(1) of its correlation map C (a residual block alpha K + beta branch\n"
    "with a normalized branch: alpha + beta a_1^2 and alpha + beta\n"
    "sigma_hat'(1)).\n"
    "Exit status: 0 success, 2 usage or input error (a bad BLOCK names the\n"
    "character), 3 accuracy not reached.\n";

int cmd_iterate_net(int argc, char **argv, FILE *out)
{
    const char *spec = NULL, *rhos = NULL, *qs = "1";
    long depth = 10, digits = 30;
    int ntk = 0, fmt = FMT_TEXT;
    const cli_opt opts[] = {
        CLI_OPT("--net", CLI_STRING, &spec),
        CLI_OPT("--rho", CLI_STRING, &rhos),
        CLI_OPT("--q", CLI_STRING, &qs),
        CLI_OPT("--depth", CLI_LONG, &depth, .lo = 0, .hi = 100000),
        CLI_OPT("--digits", CLI_LONG, &digits, .lo = 1, .hi = CLI_MAX_DIGITS),
        CLI_OPT("--ntk", CLI_FLAG, &ntk, .ival = 1),
        CLI_OPT("--format", CLI_FORMAT, &fmt),
        CLI_OPT("--raw", CLI_REFUSE, NULL,
                .text = "iterate --net: --raw is refused: the block's layers say what is "
                        "computed"),
        CLI_OPT_END};
    cli_parser p = {.cmd = "iterate", .usage = usage, .opts = opts};
    int rc = cli_parse(&p, argc, argv, out);
    if (rc || p.help) {
        free(p.args);
        return rc;
    }
    int nargs = p.nargs;
    free(p.args);
    if (nargs > 0)
        return cli_usage_error("iterate --net: the block holds the activations; give no ACT");
    if (!spec || !*spec)
        return cli_usage_error("iterate --net: the block spec is empty");
    if (!rhos)
        return cli_usage_error("iterate: --rho is required");
    if (strchr(rhos, ','))
        return cli_usage_error("iterate: --rho takes one value (dualact dual takes a list)");
    long work = digits + GUARD_DIGITS + 4;
    mpfr_prec_t prec = (mpfr_prec_t)ceil((double)work * 3.3219280948873623) + 64;
    da_ball rho0, q;
    char text[64];
    if (cli_parse_rho(rhos, strlen(rhos), rho0, prec, text, sizeof text))
        return EXIT_USAGE;
    da_ball_init2(q, prec);
    {
        double x;
        if (cli_parse_double(qs, 0, 1e300, &x, "--q")) {
            da_ball_clear(rho0);
            da_ball_clear(q);
            return EXIT_USAGE;
        }
        if (!(x > 0)) {
            da_ball_clear(rho0);
            da_ball_clear(q);
            return cli_usage_error("--q: %s must be positive", qs);
        }
        da_depth_parse_decimal(q, qs);
    }
    da_net *net = NULL;
    da_net_block_row *rows = NULL;
    da_net_block_rates rates;
    da_net_block_rates_init(&rates);
    int have_rates = 0;
    da_net_opts o;
    da_net_opts_init(&o);
    o.digits = work;
    int st = da_net_new(&net, spec, &o);
    if (st) {
        rc = cli_lib_error(st, NULL);
        goto done;
    }
    rows = calloc((size_t)depth + 1, sizeof *rows);
    if (!rows) {
        rc = cli_usage_error("iterate --net: out of memory");
        goto done;
    }
    for (long l = 0; l <= depth; l++)
        da_net_block_row_init(&rows[l]);
    st = da_net_block_iterate(rows, net, q, rho0, depth);
    if (st == DA_EINFINITE && ntk) {
        rc = cli_lib_error(st, "iterate --net");
        goto done;
    }
    if (st && st != DA_EACCURACY && st != DA_EINFINITE) {
        rc = cli_lib_error(st, "iterate --net");
        goto done;
    }
    int rig = da_net_rigorous(net);
    const char *reason = da_net_bound_reason(net);
    char reason_copy[512];
    snprintf(reason_copy, sizeof reason_copy, "%s", reason);
    if (fmt != FMT_CSV) {
        int rst = da_net_block_rates_compute(&rates, net, q);
        have_rates = rst == DA_OK;
        if (!da_net_rigorous(net) && rig) {
            rig = 0;
            snprintf(reason_copy, sizeof reason_copy, "%s", da_net_bound_reason(net));
        }
    }
    /* accuracy and finiteness */
    double wd = INFINITY;
    long worst = -1;
    int all_fin = 1;
    for (long l = 0; l <= depth; l++) {
        double dg = fmin(da_ball_digits(&rows[l].rho), da_ball_digits(&rows[l].q));
        if (ntk)
            dg = fmin(dg, da_ball_digits(&rows[l].ntk));
        if (dg < wd) {
            wd = dg;
            worst = l;
        }
        if (!cli_ball_finite(&rows[l].rho) || !cli_ball_finite(&rows[l].q) ||
            (ntk && !cli_ball_finite(&rows[l].ntk)))
            all_fin = 0;
    }
    if (!all_fin) {
        rc = EXIT_ACCURACY;
        fprintf(stderr, "dualact: iterate --net: some values are not enclosed (nan, or err inf: "
                "nothing is proved there; see the rows labelled none)\n");
    } else if (wd < (double)digits) {
        rc = EXIT_ACCURACY;
        fprintf(stderr, "dualact: iterate --net: requested %ld digits, reached %.1f (layer %ld)\n",
                digits, wd, worst);
    }
    int w = (int)(digits + 8 > 50 ? 50 : digits + 8);
    if (fmt == FMT_CSV) {
        fputs("layer,rho,ntk,err,ntk_err,ratio,bound,q,q_err,slope,slope_err\n", out);
    } else if (fmt == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"iterate\",\n  \"network\": ",
                da_version());
        da_json_write_str(out, spec);
        fprintf(out, ",\n  \"rho0\": \"%s\",\n  \"q\": \"%s\",\n  \"depth\": %ld,\n  \"digits\": "
                "%ld,\n  \"accuracy_reached\": %s,\n  \"bound\": \"%s\",\n",
                text, qs, depth, digits, rc == EXIT_OK ? "true" : "false",
                all_fin ? cli_bound_kind(rig) : "none");
        if (!rig) {
            fprintf(out, "  \"bound_reason\": ");
            da_json_write_str(out, reason_copy);
            fprintf(out, ",\n");
        }
        fprintf(out, "  \"layers\": [\n");
    } else {
        fprintf(out, "network     dense(1,0); repeat(L){%s}\n", spec);
        fprintf(out, "inputs      q = %s, rho = %s\n", qs, text);
        cli_print_bound_fin(out, rig, reason_copy, all_fin);
        fprintf(out, "absolute accuracy 10^-%ld%s\n\n", digits,
                rc == EXIT_OK ? "" : " (NOT reached: see err)");
        fprintf(out, "%6s  %-*s  %-9s", "layer", w, "rho", "err");
        if (ntk)
            fprintf(out, "  %-*s  %-9s", w, "ntk", "ntk_err");
        fprintf(out, "  %-12s  %s\n", "ratio", "q");
    }
    char v[4200], e[64], nv[4200], ne[64], rv[64], re[64], qv[4200], qe[64], sv[4200], se[64];
    da_ball ratio;
    da_ball_init2(ratio, prec);
    for (long l = 0; l <= depth; l++) {
        const da_net_block_row *r = &rows[l];
        const char *bk = (!cli_ball_finite(&r->rho) || !cli_ball_finite(&r->q) ||
                          (ntk && !cli_ball_finite(&r->ntk)))
                             ? "none"
                             : cli_bound_kind(rig);
        da_ball_get_str(v, sizeof v, e, sizeof e, &r->rho, digits, DA_BALL_SCI);
        da_ball_get_str(qv, sizeof qv, qe, sizeof qe, &r->q, digits, DA_BALL_SCI);
        da_ball_get_str(sv, sizeof sv, se, sizeof se, &r->slope, digits, DA_BALL_SCI);
        nv[0] = ne[0] = '\0';
        if (ntk)
            da_ball_get_str(nv, sizeof nv, ne, sizeof ne, &r->ntk, digits, DA_BALL_SCI);
        /* undefined (layer 0, or a ratio not enclosed): an empty cell
           (JSON null, text "-"), never a NaN */
        rv[0] = '\0';
        if (l > 0 && cli_ball_finite(&rows[l - 1].rho) && cli_ball_finite(&r->rho) &&
            da_ball_div(ratio, &r->rho, &rows[l - 1].rho) == DA_OK && cli_ball_finite(ratio))
            da_ball_get_str(rv, sizeof rv, re, sizeof re, ratio, digits < 6 ? digits : 6,
                            DA_BALL_SCI);
        if (fmt == FMT_CSV)
            fprintf(out, "%ld,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", l, v, nv, e, ne, rv, bk, qv, qe,
                    sv, se);
        else if (fmt == FMT_JSON)
            fprintf(out, "    {\"layer\": %ld, \"rho\": \"%s\", \"err\": \"%s\", \"ntk\": \"%s\", "
                    "\"ntk_err\": \"%s\", \"ratio\": %s%s%s, \"bound\": \"%s\", \"q\": \"%s\", "
                    "\"q_err\": \"%s\", \"slope\": \"%s\", \"slope_err\": \"%s\"}%s\n",
                    l, v, e, nv, ne, *rv ? "\"" : "", *rv ? rv : "null", *rv ? "\"" : "", bk, qv,
                    qe, sv, se, l < depth ? "," : "");
        else {
            fprintf(out, "%6ld  %-*s  %-9s", l, w, v, e);
            if (ntk)
                fprintf(out, "  %-*s  %-9s", w, nv, ne);
            da_ball_get_str(qv, sizeof qv, NULL, 0, &r->q, digits < 6 ? digits : 6, DA_BALL_SCI);
            fprintf(out, "  %-12s  %s\n", *rv ? rv : "-", qv);
        }
    }
    da_ball_clear(ratio);
    if (fmt == FMT_CSV)
        goto done;
    const da_ball_struct *rb[4] = {&rates.q_out, &rates.rho0, &rates.slope0, &rates.slope1};
    static const char *rn[4] = {"q_out", "corr_at_0", "slope_at_0", "slope_at_1"};
    long rd = digits < 20 ? digits : 20;
    if (fmt == FMT_JSON) {
        fprintf(out, "  ]");
        if (have_rates)
            for (int j = 0; j < 4; j++) {
                da_ball_get_str(v, sizeof v, e, sizeof e, rb[j], rd, DA_BALL_SCI);
                fprintf(out, ",\n  \"%s\": {\"value\": \"%s\", \"err\": \"%s\"}", rn[j], v, e);
            }
        fprintf(out, "\n}\n");
    } else if (have_rates) {
        fprintf(out, "\none block at variance q = %s (C its correlation map):\n", qs);
        static const char *label[4] = {"variance after it  q_1   ", "orthogonal inputs  C(0)  ",
                                       "rate near 0        C'(0) ", "rate near 1        C'(1) "};
        for (int j = 0; j < 4; j++) {
            da_ball_get_str(v, sizeof v, e, sizeof e, rb[j], rd, DA_BALL_SCI);
            fprintf(out, "  %s= %s +- %s\n", label[j], v, e);
        }
    }
done:
    if (rows) {
        for (long l = 0; l <= depth; l++)
            da_net_block_row_clear(&rows[l]);
        free(rows);
    }
    da_net_block_rates_clear(&rates);
    da_net_free(net);
    da_ball_clear(rho0);
    da_ball_clear(q);
    return rc;
}
