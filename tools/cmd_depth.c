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
    "                     [--sw2 W --sb2 B [--normalized]]\n"
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
    "  --sw2 W, --sb2 B  a network with weight variance W and bias variance B\n"
    "                 (mean-field conventions, sigma as given; defaults 1 and\n"
    "                 0 when only one is given; exact decimals): inputs at the\n"
    "                 fixed point q* of the length map with correlations in\n"
    "                 [-(1-delta), 1-delta]; L* is the least depth at which\n"
    "                 every correlation is within eps (1-c*)/(n-1) of the fixed\n"
    "                 point c*, so lambda_min >= q* (1-c*)(1-eps).  In the\n"
    "                 ordered phase (chi_1 < 1, c* = 1) there is no such depth:\n"
    "                 the row gives the proved rate chi_1 instead (1 - c_L <=\n"
    "                 (2-delta) chi_1^L) and rank_one_depth.  No fixed point\n"
    "                 of the length map: a row saying so, exit 3.  NNGP only\n"
    "  --normalized   with --sw2/--sb2: the normalized sigma (--sw2 1 --sb2 0\n"
    "                 --normalized is the default analysis, q* = 1, c* = 0)\n"
    "  --format F     text (default), csv, json, markdown, latex\n"
    "\n"
    "Columns: kernel,delta,eps,n,depth,bound_potential,bound_two_phase, then\n"
    "bound_majorant, ratio_potential (= depth/bound_potential),\n"
    "ratio_two_phase, mu, value_hi (upper end of k_{L*}(1-delta)), activation.\n"
    "For ntk rows only bound_majorant is given (the project's NTK bound,\n"
    "docs/numerics.md); bounds are empty when mu may be 0.  Then bound:\n"
    "rigorous (L* proved), estimate (L* from estimated inputs, or an\n"
    "undecided depth's candidate, marked '?'), none (nothing decided).\n"
    "With --sw2/--sb2, after bound: c_star,c_star_err,q_star,q_star_err,\n"
    "phase,chi1,chi1_err,lambda_min_lo,rank_one_depth,minimal (the bound and\n"
    "mu columns are then empty).\n"
    "Exit status: 0 success, 2 usage or input error, 3 not decided (the\n"
    "depth printed is then a candidate, marked '?'), 4 a bound below L*\n"
    "(a counterexample to the theory or a bug: reported on stderr).\n";

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


/* The rows of one activation: with --sw2/--sb2 (bias_rows, docs/analysis.md,
   depth with biases) or without (act_rows).  Each returns 0, or an exit
   status for an error already reported. */
typedef struct {
    da_table *t;
    char **ld, **le;
    int nd, ne, nn;
    long *nv;
    da_ball *bd, *be;
    const char *ssw2, *ssb2;
    int undecided, all_rigorous;
    int want_nngp, want_ntk, violated;   /* (the rows without biases) */
} bias_job;

static int bias_rows(bias_job *j, const char *spec, da_depth_bias *bc)
{
    int said_ordered = 0, said_reason = 0;
    for (int i = 0; i < j->nd; i++)
        for (int e = 0; e < j->ne; e++)
            for (int k = 0; k < j->nn; k++) {
                da_depth_bias_result r;
                da_depth_bias_result_init(&r);
                int st = da_depth_bias_find(&r, bc, j->bd[i], j->be[e], j->nv[k]);
                if (st && st != DA_EACCURACY && !(st == DA_EDOM && r.phase == DA_PHASE_UNBOUNDED)) {
                    int rc = cli_lib_error(st, spec);
                    da_depth_bias_result_clear(&r);
                    return rc;
                }
                char nstr[32], dep[32], cs[48], cse[24], qs[48], qse[24], ch[48], che[24],
                    lam[40], r1[32];
                snprintf(nstr, sizeof nstr, "%ld", j->nv[k]);
                dep[0] = cs[0] = cse[0] = qs[0] = qse[0] = ch[0] = che[0] = lam[0] = r1[0] = '\0';
                const char *phase = r.phase >= 0 ? da_meanfield_phase_name(r.phase) : "";
                const char *minimal = "";
                const char *label = cli_bound_kind(r.rigorous);
                if (st == DA_EDOM) {   /* no fixed point of the length map */
                    if (i == 0 && e == 0 && k == 0)
                        fprintf(stderr, "dualact: depth: %s (sw2=%s, sb2=%s): %s%s%s\n", spec,
                                j->ssw2, j->ssb2, da_errmsg(), r.rigorous ? "" : " (",
                                r.rigorous ? "" : "an estimate of the mean-field point)");
                    j->undecided = 1;
                } else {
                    if (cli_ball_finite(&r.q_star))
                        da_ball_get_str(qs, sizeof qs, qse, sizeof qse, &r.q_star, 12, DA_BALL_SCI);
                    if (cli_ball_finite(&r.c_star))
                        da_ball_get_str(cs, sizeof cs, cse, sizeof cse, &r.c_star, 12, DA_BALL_SCI);
                    if (cli_ball_finite(&r.chi1))
                        da_ball_get_str(ch, sizeof ch, che, sizeof che, &r.chi1, 12, DA_BALL_SCI);
                }
                if (st == DA_EACCURACY) {
                    fprintf(stderr, "dualact: depth: %s sw2=%s sb2=%s delta=%s eps=%s n=%ld: %s\n",
                            spec, j->ssw2, j->ssb2, j->ld[i], j->le[e], j->nv[k], da_errmsg());
                    j->undecided = 1;
                    label = "none";
                } else if (st == DA_OK && r.phase == DA_PHASE_ORDERED) {
                    if (r.rank_one_depth >= 0)
                        snprintf(r1, sizeof r1, "%ld", r.rank_one_depth);
                    if (!said_ordered++)
                        fprintf(stderr, "dualact: depth: %s (sw2=%s, sb2=%s): ordered phase: chi_1 = "
                                "%s (+- %s) < 1 and c* = 1: depth drives the kernel matrix "
                                "towards rank one, at the proved rate chi_1 per layer (every "
                                "correlation has 1 - c_L <= (2 - delta) chi_1^L, so lambda_min "
                                "<= q* (2 - delta) chi_1^L; rank_one_depth: where that is <= "
                                "eps q*); no depth makes it well conditioned\n",
                                spec, j->ssw2, j->ssb2, ch, che);
                } else if (st == DA_OK) {
                    snprintf(dep, sizeof dep, "%ld", r.depth);
                    if (isfinite(r.lambda_min_lo)) {
                        mpfr_t x;   /* printed rounded down: still a lower bound */
                        mpfr_init2(x, 64);
                        mpfr_set_d(x, r.lambda_min_lo, MPFR_RNDD);
                        mpfr_snprintf(lam, sizeof lam, "%.6RDe", x);
                        mpfr_clear(x);
                    }
                    minimal = r.minimal ? "yes" : "no";
                    if (!r.minimal)
                        fprintf(stderr, "dualact: depth: %s sw2=%s sb2=%s delta=%s: L = %ld suffices%s, "
                                "but the correlation map was not shown nondecreasing on the "
                                "negative correlations: that no smaller depth does is not "
                                "proved (minimal = no)\n", spec, j->ssw2, j->ssb2, j->ld[i],
                                r.depth, r.rigorous ? " (proved)" : "");
                }
                if (!r.rigorous) {
                    j->all_rigorous = 0;
                    if (!said_reason++ && r.reason[0] && st != DA_EDOM)
                        fprintf(stderr, "dualact: depth: %s: estimate: %s\n", spec, r.reason);
                }
                const char *cells[24] = {"nngp", j->ld[i], j->le[e], nstr, dep, "", "", "", "",
                                         "", "", "", spec, label, cs, cse, qs, qse, phase, ch,
                                         che, lam, r1, minimal};
                da_table_add_row(j->t, cells);
                da_depth_bias_result_clear(&r);
            }
    return 0;
}

/* the rows of one activation without biases: mu, then every kernel and
   (delta, eps, n) with the bounds beside the proved depth; act is freed
   here.  A catalogue entry (not is_explicit) that fails, or whose mu is not
   shown positive, is skipped with a line on stderr. */
static int act_rows(bias_job *j, const char *spec, int is_explicit, da_act *act,
                    const da_depth_opts *dop)
{
    da_depth_ctx *ctx = NULL;
    int st = da_depth_ctx_new(&ctx, act, dop);
    da_ball mu;
    da_ball_init2(mu, 64);
    if (!st)
        st = da_depth_mu(mu, ctx);
    if (st) {
        da_ball_clear(mu);
        da_depth_ctx_free(ctx);
        da_act_free(act);
        char c2[160];
        snprintf(c2, sizeof c2, "%.100s", spec);
        if (is_explicit)
            return cli_lib_error(st, c2);
        fprintf(stderr, "dualact: depth: skipping '%s' (%s)\n", spec, da_errmsg());
        return 0;
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
                "shown positive: the kernel need not decay)\n", spec, mus);
        da_depth_ctx_free(ctx);
        da_act_free(act);
        return 0;
    }
    for (int kern = 0; kern < 2; kern++) {
        if ((kern == DA_DEPTH_NNGP && !j->want_nngp) || (kern == DA_DEPTH_NTK && !j->want_ntk))
            continue;
        for (int i = 0; i < j->nd; i++)
            for (int e = 0; e < j->ne; e++)
                for (int k = 0; k < j->nn; k++) {
                    da_depth_result r;
                    da_depth_result_init(&r);
                    st = da_depth_find(&r, ctx, kern, j->bd[i], j->be[e], j->nv[k]);
                    char dep[40], bp[32], b2[32], bm[32], rp[32], r2[32], vh[40], nstr[32];
                    snprintf(nstr, sizeof nstr, "%ld", j->nv[k]);
                    dep[0] = vh[0] = '\0';
                    if (st == DA_EINFINITE) {
                        if (is_explicit && !j->want_nngp) {
                            cli_lib_error(st, spec);
                            da_depth_result_clear(&r);
                            da_depth_ctx_free(ctx);
                            da_act_free(act);
                            return EXIT_USAGE;
                        }
                        if (i == 0 && e == 0 && k == 0)
                            fprintf(stderr, "dualact: depth: %s: no ntk rows: %s\n",
                                    spec, da_errmsg());
                        da_depth_result_clear(&r);
                        goto next_kernel;
                    } else if (st == DA_EACCURACY) {
                        fprintf(stderr, "dualact: depth: %s %s delta=%s eps=%s n=%ld: %s\n",
                                spec, kern ? "ntk" : "nngp", j->ld[i], j->le[e], j->nv[k],
                                da_errmsg());
                        j->undecided = 1;
                        if (r.depth >= 0)
                            snprintf(dep, sizeof dep, "%ld?", r.depth);
                    } else if (st) {
                        int rc = cli_lib_error(st, spec);
                        da_depth_result_clear(&r);
                        da_depth_ctx_free(ctx);
                        da_act_free(act);
                        return rc;
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
                                        "or a bug ***\n", names[q], bs[q], L, spec,
                                        kern ? "ntk" : "nngp", j->ld[i], j->le[e], j->nv[k]);
                                j->violated = 1;
                            }
                    }
                    int rig = da_depth_rigorous(ctx);
                    if (!rig)
                        j->all_rigorous = 0;
                    /* an undecided depth is not proved, whatever the inputs
                       were: its candidate ('283?') is an estimate, and no
                       candidate at all is nothing (issue 21) */
                    const char *label = st == DA_EACCURACY
                                            ? (r.depth >= 0 ? "estimate" : "none")
                                            : cli_bound_kind(rig);
                    /* --normalized --sw2 1 --sb2 0: q* = 1, c* = 0 exactly */
                    const char *cells[24] = {kern ? "ntk" : "nngp", j->ld[i], j->le[e], nstr, dep,
                                             bp, b2, bm, rp, r2, mus, vh, spec, label,
                                             "0", "0", "1", "0", "chaotic", "", "", "", "",
                                             st == DA_OK ? "yes" : ""};
                    da_table_add_row(j->t, cells);
                    da_depth_result_clear(&r);
                }
    next_kernel:;
    }
    da_depth_ctx_free(ctx);
    da_act_free(act);

    return 0;
}

/* the table's comment (not in CSV): what was proved, for the rows with
   biases (with_bias) or without */
static void set_comment(da_table *t, int with_bias, int all_rigorous, int want_ntk)
{
    if (with_bias)
        da_table_set_comment(t, all_rigorous
                                    ? "minimal depth L* proved by ball arithmetic: inputs at the "
                                      "fixed point q*, every correlation within eps (1-c*)/(n-1) "
                                      "of c* (mean-field network, sigma as given unless "
                                      "--normalized)"
                                    : "minimal depth L* from ball arithmetic over ESTIMATED inputs "
                                      "(rows with bound = estimate are not proved): inputs at q*, "
                                      "correlations within eps (1-c*)/(n-1) of c*");
    else
        da_table_set_comment(t, all_rigorous
                                    ? (want_ntk ? "minimal depth L* proved by ball arithmetic "
                                                  "(normalized activations); bounds for the "
                                                  "top-layer kernel, and the majorant bound "
                                                  "for the NTK"
                                                : "minimal depth L* proved by ball arithmetic "
                                                  "(normalized activations); bounds for the "
                                                  "top-layer kernel only")
                                    : (want_ntk ? "minimal depth L* from ball arithmetic over "
                                                  "ESTIMATED inputs (rows with bound = estimate "
                                                  "are not proved); bounds for the top-layer "
                                                  "kernel, and the majorant bound for the NTK"
                                                : "minimal depth L* from ball arithmetic over "
                                                  "ESTIMATED inputs (rows with bound = estimate "
                                                  "are not proved); bounds for the top-layer "
                                                  "kernel only"));
}

int cmd_depth(int argc, char **argv, FILE *out)
{
    if (cli_has_net(argc, argv))   /* depth --net BLOCK: tools/cmd_depth_net.c */
        return cmd_depth_net(argc, argv, out);
    const char *sd = NULL, *se = NULL, *sn = NULL;
    int kernels = 1, catalog = 0, rc = EXIT_OK;   /* kernels: 1 NNGP, 2 NTK, 3 both */
    const char *ssw2 = NULL, *ssb2 = NULL;
    int normalized = 0, bias = 0, paper = 0;
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
        CLI_OPT("--sw2", CLI_STRING, &ssw2),
        CLI_OPT("--sb2", CLI_STRING, &ssb2),
        CLI_OPT("--normalized", CLI_FLAG, &normalized, .ival = 1),
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
    da_ball bsw2, bsb2;
    da_ball_init2(bsw2, 512);
    da_ball_init2(bsb2, 512);
    cli_depth_items L;
    cli_depth_lists_init(&L);
    da_table *t = NULL;
    if (cli_depth_lists_split(&L, sd, se, sn)) {
        rc = EXIT_USAGE;
        goto done;
    }
    const int nd = L.nd, ne = L.ne, nn = L.nn;
    bias = ssw2 || ssb2 || normalized;
    if (bias) {
        double x;
        if (!ssw2)
            ssw2 = "1";
        if (!ssb2)
            ssb2 = "0";
        if (want_ntk) {
            rc = cli_usage_error("depth: --sw2/--sb2/--normalized are for the top-layer kernel "
                                 "only (the NTK with biases is not implemented): drop --ntk/--both");
            goto done;
        }
        if (cli_parse_double(ssw2, 0, 1e6, &x, "--sw2")) {
            rc = EXIT_USAGE;
            goto done;
        }
        if (!(x > 0)) {
            rc = cli_usage_error("--sw2: %s must be positive", ssw2);
            goto done;
        }
        if (cli_parse_double(ssb2, 0, 1e6, &x, "--sb2")) {
            rc = EXIT_USAGE;
            goto done;
        }
        da_depth_parse_decimal(bsw2, ssw2);
        da_depth_parse_decimal(bsb2, ssb2);
        /* sw2 = 1, sb2 = 0 exactly with the normalized sigma: q* = 1, the
           correlation map is sigma_hat, c* = 0: the default analysis */
        paper = normalized && mpfr_cmp_ui(bsw2->mid, 1) == 0 && mpfr_zero_p(bsw2->rad) &&
                mpfr_zero_p(bsb2->mid) && mpfr_zero_p(bsb2->rad);
    }
    {
        /* one row per activation, kernel and (delta, eps, n): capped
           before any work */
        double rows = cli_depth_lists_rows(&L, (double)nacts * (want_nngp + want_ntk));
        if (rows > CLI_MAX_ROWS) {
            rc = cli_usage_error("depth: %d activation%s x %d kernel%s x %d delta x %d eps x %d n "
                                 "= %.0f rows, above the cap of %d; give shorter lists",
                                 nacts, nacts == 1 ? "" : "s", want_nngp + want_ntk,
                                 want_nngp + want_ntk == 1 ? "" : "s", nd, ne, nn, rows,
                                 CLI_MAX_ROWS);
            goto done;
        }
    }
    rc = cli_depth_lists(&L);
    if (rc)
        goto done;
    char **ld = L.ld, **le = L.le;
    long *nv = L.nv;
    da_ball *bd = L.bd, *be = L.be;
    static const char *head[] = {"kernel", "delta", "eps", "n", "depth", "bound_potential",
                                 "bound_two_phase", "bound_majorant", "ratio_potential",
                                 "ratio_two_phase", "mu", "value_hi", "activation", "bound"};
    static const char *head_bias[] = {
        "kernel", "delta", "eps", "n", "depth", "bound_potential", "bound_two_phase",
        "bound_majorant", "ratio_potential", "ratio_two_phase", "mu", "value_hi", "activation",
        "bound", "c_star", "c_star_err", "q_star", "q_star_err", "phase", "chi1", "chi1_err",
        "lambda_min_lo", "rank_one_depth", "minimal"};
    if (da_table_new(&t, bias ? 24 : 14, bias ? head_bias : head) != DA_OK) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    int undecided = 0, violated = 0, all_rigorous = 1;
    bias_job job = {.t = t, .ld = ld, .le = le, .nd = nd, .ne = ne, .nn = nn, .nv = nv,
                    .bd = bd, .be = be, .ssw2 = ssw2, .ssb2 = ssb2, .all_rigorous = 1,
                    .want_nngp = want_nngp, .want_ntk = want_ntk};
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
        if (bias && !paper) {
            da_depth_bias *bc = NULL;
            st = da_depth_bias_new(&bc, act, bsw2, bsb2, normalized, &dop);
            if (st) {
                da_act_free(act);
                if (is_explicit) {
                    rc = cli_lib_error(st, acts[ia]);
                    goto done;
                }
                fprintf(stderr, "dualact: depth: skipping '%s' (%s)\n", acts[ia], da_errmsg());
                continue;
            }
            int r2 = bias_rows(&job, acts[ia], bc);
            da_depth_bias_free(bc);
            da_act_free(act);
            if (r2) {
                rc = r2;
                goto done;
            }
            continue;
        }
        int r2 = act_rows(&job, acts[ia], is_explicit, act, &dop);
        if (r2) {
            rc = r2;
            goto done;
        }
    }
    if (!job.all_rigorous)
        all_rigorous = 0;
    if (job.undecided)
        undecided = 1;
    if (job.violated)
        violated = 1;
    if (fmt != DA_TABLE_CSV)
        set_comment(t, bias && !paper, all_rigorous, want_ntk);
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
    da_ball_clear(bsw2);
    da_ball_clear(bsb2);
    cli_depth_lists_clear(&L);
    da_table_free(t);
    free(acts);
    return rc;
}
