/* cmd_depth_net.c -- dualact depth --net BLOCK: the proved minimal depth
 * L* of a network made of a repeated block (da_net_block_depth), with
 * the columns of depth and the block's slopes at 0 and 1 at the end. */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact depth --net BLOCK --delta D[,D..] --eps E[,E..] --n N[,N..]\n"
    "                     [--ntk | --both] [--digits D] [--max-depth L]\n"
    "                     [--format text|csv|json|markdown|latex]\n"
    "\n"
    "The minimal depth L* of the network dense(1,0); repeat(L){BLOCK} (the\n"
    "layers of 'dualact kernel --net'; the input layer dense(1,0) makes\n"
    "Theta^(0) = K^(0)) such that every pair of unit inputs with\n"
    "|<x_i, x_j>| <= 1 - delta has correlation K_ij/K_ii (or normalized NTK,\n"
    "--ntk) at most eps/(n-1) in absolute value after L* blocks, so that the\n"
    "normalized kernel matrix of n such inputs has its eigenvalues in\n"
    "[1 - eps, 1 + eps].  Every layer's map of the covariance is nondecreasing\n"
    "on [0, q] with |C(rho)| <= C(|rho|) (dense and residual weights are\n"
    "non-negative), so the worst pair is rho = 1 - delta; L* is PROVED as by\n"
    "'dualact depth ACT' (ball arithmetic, every l < L* shown above the\n"
    "threshold).  'relu_normalized; dense(1,0)' is the network of 'dualact\n"
    "depth relu'.\n"
    "\n"
    "  --net BLOCK    the block's layers (dualact kernel --help: dense(W,B), ACT,\n"
    "                 layernorm, residual(A,B){..}, repeat(L){..}, identity)\n"
    "  --delta, --eps, --n, --ntk, --both, --digits, --max-depth, --format\n"
    "                 as for 'dualact depth ACT'\n"
    "\n"
    "Columns: those of depth ACT (kernel,delta,eps,n,depth,bound_potential,\n"
    "bound_two_phase,bound_majorant,ratio_potential,ratio_two_phase,mu,value_hi,\n"
    "activation,bound), the bound_* and ratio_* columns and activation empty\n"
    "(the paper's bounds are for one activation), mu = 1 - slope_at_0, then\n"
    "slope_at_0 and slope_at_1 (the slopes C'(0) and C'(1) of the block's\n"
    "correlation map at q = 1, 6 decimals; a residual block alpha K + beta\n"
    "branch with a normalized branch has alpha + beta a_1^2 and alpha + beta\n"
    "sigma_hat'(1)), corr_at_0 (C(0): 0 unless the block has biases or an\n"
    "activation that is not centred) and net.\n"
    "Exit status: 0 success, 2 usage or input error (a bad BLOCK names the\n"
    "character), 3 not decided or not reached by --max-depth.\n";

int cli_has_net(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--net") || !strncmp(argv[i], "--net=", 6))
            return 1;
    return 0;
}

/* a ball's midpoint with 6 decimals, "" when not finite */
static void fix6(char *b, size_t n, const da_ball_struct *x)
{
    if (!cli_ball_finite(x))
        b[0] = 0;
    else
        da_ball_get_str(b, n, NULL, 0, x, 6, DA_BALL_FIXED);
}

int cmd_depth_net(int argc, char **argv, FILE *out)
{
    const char *spec = NULL, *sd = NULL, *se = NULL, *sn = NULL;
    int kernels = 1, rc = EXIT_OK;
    da_table_format fmt = DA_TABLE_TEXT;
    da_net_depth_opts dop;
    da_net_depth_opts_init(&dop);
    const cli_opt opts[] = {
        CLI_OPT("--net", CLI_STRING, &spec),
        CLI_OPT("--delta", CLI_STRING, &sd),
        CLI_OPT("--eps", CLI_STRING, &se),
        CLI_OPT("--n", CLI_STRING, &sn),
        CLI_OPT("--digits", CLI_LONG, &dop.digits, .lo = 5, .hi = 320),
        CLI_OPT("--max-depth", CLI_LONG, &dop.max_depth, .lo = 1, .hi = 100000),
        CLI_OPT("--format", CLI_TABLE_FORMAT, &fmt),
        CLI_OPT("--ntk", CLI_FLAG, &kernels, .ival = 2),
        CLI_OPT("--both", CLI_FLAG, &kernels, .ival = 3),
        CLI_OPT("--catalog", CLI_REFUSE, NULL,
                .text = "depth --net: --catalog is for activations; give one BLOCK"),
        CLI_OPT("--raw", CLI_REFUSE, NULL,
                .text = "depth --net: --raw is refused: the block's layers say what is computed"),
        CLI_OPT_END};
    cli_parser p = {.cmd = "depth", .usage = usage, .opts = opts};
    rc = cli_parse(&p, argc, argv, out);
    if (rc || p.help) {
        free(p.args);
        return rc;
    }
    int nargs = p.nargs;
    free(p.args);
    if (nargs > 0)
        return cli_usage_error("depth --net: the block holds the activations; give no ACT");
    if (!spec || !*spec)
        return cli_usage_error("depth --net: the block spec is empty");
    if (!sd || !se || !sn)
        return cli_usage_error("depth: --delta, --eps and --n are required");
    int want[2] = {kernels & 1, (kernels & 2) != 0};
    cli_depth_items L;
    cli_depth_lists_init(&L);
    da_table *t = NULL;
    da_net *net = NULL;
    da_net_block_rates rates;
    da_net_block_rates_init(&rates);
    if (cli_depth_lists_split(&L, sd, se, sn)) {
        rc = EXIT_USAGE;
        goto done;
    }
    double rows = cli_depth_lists_rows(&L, want[0] + want[1]);
    if (rows > CLI_MAX_ROWS) {
        rc = cli_usage_error("depth --net: %.0f rows, above the cap of %d; give shorter lists",
                             rows, CLI_MAX_ROWS);
        goto done;
    }
    rc = cli_depth_lists(&L);
    if (rc)
        goto done;
    const int nd = L.nd, ne = L.ne, nn = L.nn;
    char **ld = L.ld, **le = L.le;
    long *nv = L.nv;
    /* the block, parsed once for its errors and its rates at q = 1 */
    da_net_opts no;
    da_net_opts_init(&no);
    int st = da_net_new(&net, spec, &no);
    if (st) {
        rc = cli_lib_error(st, NULL);
        goto done;
    }
    char s0[40] = "", s1[40] = "", c0[40] = "", mus[40] = "";
    {
        da_ball one;
        da_ball_init2(one, 64);
        mpfr_set_ui(one->mid, 1, MPFR_RNDN);
        st = da_net_block_rates_compute(&rates, net, one);
        da_ball_clear(one);
        if (st == DA_OK || st == DA_EACCURACY) {
            fix6(s0, sizeof s0, &rates.slope0);
            fix6(s1, sizeof s1, &rates.slope1);
            fix6(c0, sizeof c0, &rates.rho0);
            if (cli_ball_finite(&rates.slope0)) {
                da_ball m;
                da_ball_init2(m, 128);
                mpfr_set_ui(m->mid, 1, MPFR_RNDN);
                da_ball_sub(m, m, &rates.slope0);
                fix6(mus, sizeof mus, m);
                da_ball_clear(m);
            }
        } else if (st != DA_EINFINITE) {
            rc = cli_lib_error(st, "depth --net");
            goto done;
        }
    }
    static const char *head[] = {"kernel", "delta", "eps", "n", "depth", "bound_potential",
                                 "bound_two_phase", "bound_majorant", "ratio_potential",
                                 "ratio_two_phase", "mu", "value_hi", "activation", "bound",
                                 "slope_at_0", "slope_at_1", "corr_at_0", "net"};
    if (da_table_new(&t, 18, head) != DA_OK) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    int undecided = 0, all_rigorous = 1;
    for (int kern = 0; kern < 2; kern++) {
        if (!want[kern])
            continue;
        for (int i = 0; i < nd; i++)
            for (int j = 0; j < ne; j++)
                for (int k = 0; k < nn; k++) {
                    da_net_depth_result r;
                    da_net_depth_result_init(&r);
                    st = da_net_block_depth(&r, spec, kern, L.bd[i], L.be[j], nv[k], &dop);
                    char dep[40] = "", vh[40] = "", nstr[32];
                    snprintf(nstr, sizeof nstr, "%ld", nv[k]);
                    if (st == DA_EINFINITE) {
                        da_net_depth_result_clear(&r);
                        if (!want[0]) {
                            rc = cli_lib_error(st, "depth --net");
                            goto done;
                        }
                        if (i == 0 && j == 0 && k == 0)
                            fprintf(stderr, "dualact: depth --net: no ntk rows: %s\n",
                                    da_errmsg());
                        goto next_kernel;
                    } else if (st == DA_EACCURACY) {
                        fprintf(stderr, "dualact: depth --net: %s delta=%s eps=%s n=%ld: %s\n",
                                kern ? "ntk" : "nngp", ld[i], le[j], nv[k], da_errmsg());
                        undecided = 1;
                        if (r.depth >= 0)
                            snprintf(dep, sizeof dep, "%ld?", r.depth);
                    } else if (st) {
                        da_net_depth_result_clear(&r);
                        rc = cli_lib_error(st, "depth --net");
                        goto done;
                    } else {
                        snprintf(dep, sizeof dep, "%ld", r.depth);
                        da_ball_get_upper_str(vh, sizeof vh, &r.value, 6);
                    }
                    if (!r.rigorous)
                        all_rigorous = 0;
                    const char *label = st == DA_EACCURACY
                                            ? (r.depth >= 0 ? "estimate" : "none")
                                            : cli_bound_kind(r.rigorous);
                    const char *cells[18] = {kern ? "ntk" : "nngp", ld[i], le[j], nstr, dep,
                                             "", "", "", "", "", mus, vh, "", label, s0, s1, c0,
                                             spec};
                    da_table_add_row(t, cells);
                    da_net_depth_result_clear(&r);
                }
    next_kernel:;
    }
    if (fmt != DA_TABLE_CSV)
        da_table_set_comment(t, all_rigorous
                                    ? "minimal depth L* of dense(1,0); repeat(L){BLOCK} proved by "
                                      "ball arithmetic (unit inputs); slopes of the block's "
                                      "correlation map at q = 1"
                                    : "minimal depth L* of dense(1,0); repeat(L){BLOCK} from ball "
                                      "arithmetic over ESTIMATED kernels (rows with bound = "
                                      "estimate are not proved)");
    char *s = NULL;
    st = da_table_render(&s, t, fmt);
    if (st) {
        rc = cli_lib_error(st, "depth --net");
        goto done;
    }
    fputs(s, out);
    free(s);
    if (undecided)
        rc = EXIT_ACCURACY;
done:
    cli_depth_lists_clear(&L);
    da_table_free(t);
    da_net_block_rates_clear(&rates);
    da_net_free(net);
    return rc;
}
