/* cmd_depth.c -- dualact depth ACT : the proved minimal depth L* at which
 * the kernel of delta-separated data is eps/(n-1)-close to the identity,
 * beside the theoretical bounds. */
#include "cli.h"
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact depth ACT... --delta D[,D..] --eps E[,E..] --n N[,N..]\n"
    "                     [--ntk | --both] [--catalog] [--digits D] [--max-depth L]\n"
    "                     [--format text|csv|json|markdown|latex]\n"
    "       dualact depth --net BLOCK ...   (a repeated block: dualact depth --net B --help)\n"
    "\n"
    "The minimal depth L* such that every pair of unit inputs with\n"
    "|<x_i, x_j>| <= 1 - delta has |K^(L*)_ij| <= eps/(n-1), so that\n"
    "1 - eps <= lambda_min <= lambda_max <= 1 + eps (Gershgorin), for the\n"
    "normalized activation.  The worst pair is rho = 1 - delta.  L* is PROVED:\n"
    "ball arithmetic shows k_{L*}(1-delta) <= eps/(n-1) and k_l(1-delta) >\n"
    "eps/(n-1) for every l < L*; the working precision is raised when the\n"
    "enclosures cannot decide.  Beside it, the upper bounds for the top-layer\n"
    "kernel: potential ceil(ln[(1-delta)(n-1-eps)/(delta eps)]/ln(1+mu)),\n"
    "two-phase, and the majorant iteration (docs/analysis.md).\n"
    "\n"
    "  --delta, --eps, --n   values or comma lists (one row per combination);\n"
    "                 delta in (0, 1], eps in (0, n-1), n >= 2; decimals are\n"
    "                 taken exactly (0.01 means 1/100)\n"
    "  (default)      the top-layer kernel sigma_hat^{oL} (nngp rows)\n"
    "  --ntk          the normalized NTK Theta^(L)(rho)/Theta^(L)(1) instead\n"
    "  --both         nngp and ntk rows\n"
    "  --catalog      every catalogue activation with mu > 0 (besides any ACT)\n"
    "  --digits D     first working accuracy (default 20; doubled up to 320)\n"
    "  --max-depth L  give up beyond L layers (default 100000)\n"
    "  --format F     text (default), csv, json, markdown, latex\n"
    "\n"
    "Columns: kernel,delta,eps,n,depth,bound_potential,bound_two_phase, then\n"
    "bound_majorant, ratio_potential (= depth/bound_potential),\n"
    "ratio_two_phase, mu, value_hi (upper end of k_{L*}(1-delta)), activation.\n"
    "Bounds are empty for ntk rows and when mu may be 0.  The last column,\n"
    "bound: rigorous (L* proved), estimate (L* from estimated inputs, or an\n"
    "undecided depth's candidate, marked '?'), none (nothing decided).\n"
    "Exit status: 0 success, 2 usage or input error, 3 not decided (the\n"
    "depth printed is then a candidate, marked '?'), 4 a bound below L*\n"
    "(a counterexample to the theory or a bug: reported on stderr).\n";

static int split_list(char ***out, int *n, const char *s, const char *what)
{
    *out = NULL;
    *n = 0;
    if (!s || !*s)
        return cli_usage_error("%s: missing value", what);
    char *copy = strdup(s);
    if (!copy)
        return cli_usage_error("out of memory");
    int cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    char **v = calloc((size_t)cap + 1, sizeof *v);
    if (!v) {
        free(copy);
        return cli_usage_error("out of memory");
    }
    int k = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        v[k++] = strdup(t);
    free(copy);
    if (k == 0) {
        free(v);
        return cli_usage_error("%s: empty list", what);
    }
    *out = v;
    *n = k;
    return 0;
}

static void free_list(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void fmt_long(char *b, size_t n, long v)
{
    if (v < 0)
        b[0] = '\0';
    else
        snprintf(b, n, "%ld", v);
}

static void fmt_ratio(char *b, size_t n, long num, long den)
{
    if (num < 0 || den <= 0)
        b[0] = '\0';
    else
        snprintf(b, n, "%.3f", (double)num / (double)den);
}

int cmd_depth(int argc, char **argv, FILE *out)
{
    if (cli_has_net(argc, argv))   /* depth --net BLOCK: tools/cmd_depth_net.c */
        return cmd_depth_net(argc, argv, out);
    const char *sd = NULL, *se = NULL, *sn = NULL;
    int kernels = 1, catalog = 0, rc = EXIT_OK;   /* kernels: 1 NNGP, 2 NTK, 3 both */
    da_table_format fmt = DA_TABLE_TEXT;
    da_depth_opts dop;
    da_depth_opts_init(&dop);
    const cli_opt opts[] = {
        CLI_OPT("--delta", CLI_STRING, &sd),
        CLI_OPT("--eps", CLI_STRING, &se),
        CLI_OPT("--n", CLI_STRING, &sn),
        CLI_OPT("--digits", CLI_LONG, &dop.digits, .lo = 5, .hi = 320),
        CLI_OPT("--max-depth", CLI_LONG, &dop.max_depth, .lo = 1, .hi = 100000000),
        CLI_OPT("--format", CLI_TABLE_FORMAT, &fmt),
        CLI_OPT("--ntk", CLI_FLAG, &kernels, .ival = 2),
        CLI_OPT("--both", CLI_FLAG, &kernels, .ival = 3),
        CLI_OPT("--catalog", CLI_FLAG, &catalog, .ival = 1),
        CLI_OPT("--raw", CLI_REFUSE, NULL,
                .text = "depth: --raw is refused: the analysis is for the normalized activation"),
        CLI_OPT_END};
    cli_parser p = {.cmd = "depth", .usage = usage, .opts = opts, .extra_room = 63};
    rc = cli_parse(&p, argc, argv, out);
    const char **acts = p.args;
    int nacts = p.nargs, explicit_acts;
    int want_nngp = kernels & 1, want_ntk = (kernels & 2) != 0;
    if (rc || p.help) {
        free(acts);
        return rc;
    }
    explicit_acts = nacts;
    if (catalog) {
        /* the entries with their default parameters spelled out, so that
           the activation column says what was computed: leaky_relu(0.01) */
        static char specs[64][64];
        for (size_t k = 0; k < da_catalog_size() && k < 64 && nacts < argc + 63; k++) {
            const da_catalog_entry *e = da_catalog_get(k);
            const char *eq = strchr(e->params, '=');
            if (eq)
                snprintf(specs[k], sizeof specs[k], "%s(%s)", e->name, eq + 1);
            else
                snprintf(specs[k], sizeof specs[k], "%s", e->name);
            acts[nacts++] = specs[k];
        }
    }
    if (nacts == 0) {
        free(acts);
        return cli_no_activation("depth");
    }
    if (!sd || !se || !sn) {
        free(acts);
        return cli_usage_error("depth: --delta, --eps and --n are required");
    }
    char **ld = NULL, **le = NULL, **ln = NULL;
    int nd = 0, ne = 0, nn = 0;
    long *nv = NULL;
    da_ball *bd = NULL, *be = NULL;
    da_table *t = NULL;
    if (split_list(&ld, &nd, sd, "--delta") || split_list(&le, &ne, se, "--eps") ||
        split_list(&ln, &nn, sn, "--n")) {
        rc = EXIT_USAGE;
        goto done;
    }
    {
        /* one row per activation, kernel and (delta, eps, n): capped
           before any work */
        double rows = (double)nacts * (want_nngp + want_ntk) * nd * ne * nn;
        if (rows > CLI_MAX_ROWS) {
            rc = cli_usage_error("depth: %d activation%s x %d kernel%s x %d delta x %d eps x %d n "
                                 "= %.0f rows, above the cap of %d; give shorter lists",
                                 nacts, nacts == 1 ? "" : "s", want_nngp + want_ntk,
                                 want_nngp + want_ntk == 1 ? "" : "s", nd, ne, nn, rows,
                                 CLI_MAX_ROWS);
            goto done;
        }
    }
    nv = calloc((size_t)nn, sizeof *nv);
    bd = calloc((size_t)nd, sizeof *bd);
    be = calloc((size_t)ne, sizeof *be);
    if (!nv || !bd || !be) {
        free(bd);
        free(be);
        bd = be = NULL;
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (int i = 0; i < nd; i++)
        da_ball_init2(bd[i], 512);
    for (int i = 0; i < ne; i++)
        da_ball_init2(be[i], 512);
    for (int i = 0; i < nn; i++)
        if (cli_parse_long(ln[i], 2, 1000000000000L, &nv[i], "--n")) {
            rc = EXIT_USAGE;
            goto done;
        }
    for (int i = 0; i < nd; i++) {
        double x;
        if (cli_parse_double(ld[i], 0, 1, &x, "--delta")) {
            rc = EXIT_USAGE;
            goto done;
        }
        if (!(x > 0)) {
            rc = cli_usage_error("--delta: %s must be positive", ld[i]);
            goto done;
        }
    }
    for (int i = 0; i < ne; i++) {
        double x;
        if (cli_parse_double(le[i], 0, 1e300, &x, "--eps")) {
            rc = EXIT_USAGE;
            goto done;
        }
        if (!(x > 0)) {
            rc = cli_usage_error("--eps: %s must be positive", le[i]);
            goto done;
        }
        for (int j = 0; j < nn; j++)
            if (x >= (double)(nv[j] - 1)) {
                rc = cli_usage_error("--eps: %s must be below n - 1 = %ld", le[i], nv[j] - 1);
                goto done;
            }
    }
    /* exact decimals as balls */
    for (int i = 0; i < nd; i++)
        da_depth_parse_decimal(bd[i], ld[i]);
    for (int i = 0; i < ne; i++)
        da_depth_parse_decimal(be[i], le[i]);
    static const char *head[] = {"kernel", "delta", "eps", "n", "depth", "bound_potential",
                                 "bound_two_phase", "bound_majorant", "ratio_potential",
                                 "ratio_two_phase", "mu", "value_hi", "activation", "bound"};
    if (da_table_new(&t, 14, head) != DA_OK) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    int undecided = 0, violated = 0, all_rigorous = 1;
    for (int ia = 0; ia < nacts; ia++) {
        int is_explicit = ia < explicit_acts;
        da_act *act = NULL;
        int st = da_act_new(&act, acts[ia]);
        if (st) {
            if (is_explicit) {
                char ctx[160];
                snprintf(ctx, sizeof ctx, "activation '%.100s'", acts[ia]);
                rc = cli_lib_error(st, ctx);
                goto done;
            }
            fprintf(stderr, "dualact: depth: skipping catalogue entry '%s' (%s)\n", acts[ia],
                    da_errmsg());
            continue;
        }
        da_depth_ctx *ctx = NULL;
        st = da_depth_ctx_new(&ctx, act, &dop);
        da_ball mu;
        da_ball_init2(mu, 64);
        if (!st)
            st = da_depth_mu(mu, ctx);
        if (st) {
            da_ball_clear(mu);
            da_depth_ctx_free(ctx);
            da_act_free(act);
            char c2[160];
            snprintf(c2, sizeof c2, "%.100s", acts[ia]);
            if (is_explicit) {
                rc = cli_lib_error(st, c2);
                goto done;
            }
            fprintf(stderr, "dualact: depth: skipping '%s' (%s)\n", acts[ia], da_errmsg());
            continue;
        }
        mpfr_t mlo;
        mpfr_init2(mlo, 64);
        mpfr_sub(mlo, mu->mid, mu->rad, MPFR_RNDD);
        int mupos = mpfr_sgn(mlo) > 0;
        char mus[40];   /* 6 decimals (mu is computed to 30 digits) */
        da_ball_get_str(mus, sizeof mus, NULL, 0, mu, 6, DA_BALL_FIXED);
        mpfr_clear(mlo);
        da_ball_clear(mu);
        if (!mupos && !is_explicit) {
            fprintf(stderr, "dualact: depth: skipping catalogue entry '%s' (mu = %s is not "
                    "shown positive: the kernel need not decay)\n", acts[ia], mus);
            da_depth_ctx_free(ctx);
            da_act_free(act);
            continue;
        }
        for (int kern = 0; kern < 2; kern++) {
            if ((kern == DA_DEPTH_NNGP && !want_nngp) || (kern == DA_DEPTH_NTK && !want_ntk))
                continue;
            for (int i = 0; i < nd; i++)
                for (int j = 0; j < ne; j++)
                    for (int k = 0; k < nn; k++) {
                        da_depth_result r;
                        da_depth_result_init(&r);
                        st = da_depth_find(&r, ctx, kern, bd[i], be[j], nv[k]);
                        char dep[40], bp[32], b2[32], bm[32], rp[32], r2[32], vh[40], nstr[32];
                        snprintf(nstr, sizeof nstr, "%ld", nv[k]);
                        dep[0] = vh[0] = '\0';
                        if (st == DA_EINFINITE) {
                            if (is_explicit && !want_nngp) {
                                cli_lib_error(st, acts[ia]);
                                rc = EXIT_USAGE;
                                da_depth_result_clear(&r);
                                da_depth_ctx_free(ctx);
                                da_act_free(act);
                                goto done;
                            }
                            if (i == 0 && j == 0 && k == 0)
                                fprintf(stderr, "dualact: depth: %s: no ntk rows: %s\n",
                                        acts[ia], da_errmsg());
                            da_depth_result_clear(&r);
                            goto next_kernel;
                        } else if (st == DA_EACCURACY) {
                            fprintf(stderr, "dualact: depth: %s %s delta=%s eps=%s n=%ld: %s\n",
                                    acts[ia], kern ? "ntk" : "nngp", ld[i], le[j], nv[k],
                                    da_errmsg());
                            undecided = 1;
                            if (r.depth >= 0)
                                snprintf(dep, sizeof dep, "%ld?", r.depth);
                        } else if (st) {
                            rc = cli_lib_error(st, acts[ia]);
                            da_depth_result_clear(&r);
                            da_depth_ctx_free(ctx);
                            da_act_free(act);
                            goto done;
                        } else {
                            snprintf(dep, sizeof dep, "%ld", r.depth);
                            da_ball_get_upper_str(vh, sizeof vh, &r.value, 6);
                        }
                        fmt_long(bp, sizeof bp, r.bound_potential);
                        fmt_long(b2, sizeof b2, r.bound_two_phase);
                        fmt_long(bm, sizeof bm, r.bound_majorant);
                        long L = st == DA_OK ? r.depth : -1;
                        fmt_ratio(rp, sizeof rp, L, r.bound_potential);
                        fmt_ratio(r2, sizeof r2, L, r.bound_two_phase);
                        if (st == DA_OK) {
                            const char *names[] = {"bound_potential", "bound_two_phase",
                                                   "bound_majorant"};
                            long bs[] = {r.bound_potential, r.bound_two_phase, r.bound_majorant};
                            for (int q = 0; q < 3; q++)
                                if (bs[q] >= 0 && bs[q] < L) {
                                    fprintf(stderr, "dualact: depth: *** %s = %ld is BELOW the "
                                            "proved minimal depth %ld for %s (%s, delta=%s, "
                                            "eps=%s, n=%ld): a counterexample to the theory "
                                            "or a bug ***\n", names[q], bs[q], L, acts[ia],
                                            kern ? "ntk" : "nngp", ld[i], le[j], nv[k]);
                                    violated = 1;
                                }
                        }
                        int rig = da_depth_rigorous(ctx);
                        if (!rig)
                            all_rigorous = 0;
                        /* an undecided depth is not proved, whatever the inputs
                           were: its candidate ('283?') is an estimate, and no
                           candidate at all is nothing (issue 21) */
                        const char *label = st == DA_EACCURACY
                                                ? (r.depth >= 0 ? "estimate" : "none")
                                                : cli_bound_kind(rig);
                        const char *cells[14] = {kern ? "ntk" : "nngp", ld[i], le[j], nstr, dep,
                                                 bp, b2, bm, rp, r2, mus, vh, acts[ia], label};
                        da_table_add_row(t, cells);
                        da_depth_result_clear(&r);
                    }
        next_kernel:;
        }
        da_depth_ctx_free(ctx);
        da_act_free(act);
    }
    if (fmt != DA_TABLE_CSV)
        da_table_set_comment(t, all_rigorous
                                    ? "minimal depth L* proved by ball arithmetic (normalized "
                                      "activations); bounds for the top-layer kernel only"
                                    : "minimal depth L* from ball arithmetic over ESTIMATED inputs "
                                      "(rows with bound = estimate are not proved); bounds for "
                                      "the top-layer kernel only");
    char *s = NULL;
    int st = da_table_render(&s, t, fmt);
    if (st) {
        rc = cli_lib_error(st, "depth");
        goto done;
    }
    fputs(s, out);
    free(s);
    if (violated)
        rc = EXIT_INTERNAL;
    else if (undecided)
        rc = EXIT_ACCURACY;
done:
    if (bd)
        for (int i = 0; i < nd; i++)
            da_ball_clear(bd[i]);
    if (be)
        for (int i = 0; i < ne; i++)
            da_ball_clear(be[i]);
    free(bd);
    free(be);
    free(nv);
    free_list(ld, nd);
    free_list(le, ne);
    free_list(ln, nn);
    da_table_free(t);
    free(acts);
    return rc;
}
