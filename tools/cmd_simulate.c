/* cmd_simulate.c -- dualact simulate ACT : finite-width random networks
 * beside the infinite-width kernel. */
#include "cli.h"
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact simulate ACT --width W --depth L (--rho R | --data FILE |\n"
    "                        --sphere N,d | --separated N,d,delta) [--trials T]\n"
    "                        [--seed S] [--dim D] [--level P] [--columns LIST]\n"
    "                        [--format text|csv|json|markdown|latex]\n"
    "\n"
    "Random fully connected networks of width W (weights N(0, 1/fan_in), no\n"
    "biases, GSL mt19937 seeded: reproducible) with the normalized activation.\n"
    "With --rho: two unit inputs with correlation R; per layer the mean over\n"
    "trials of the cosine of the two representations with a normal-\n"
    "approximation confidence interval, beside sigma_hat^{ol}(R).\n"
    "With a data set: the empirical Gram matrix (cosines) averaged over\n"
    "trials beside the infinite-width matrix K^(l).\n"
    "\n"
    "  --width W      hidden width (required, 1..100000)\n"
    "  --depth L      layers 1..L (required)\n"
    "  --trials T     independent networks (default 100)\n"
    "  --seed S       default 1\n"
    "  --dim D        input dimension for --rho (default W)\n"
    "  --level P      confidence level (default 0.99)\n"
    "  --data/--sphere/--separated/--columns   as for dualact gram (at most 2000\n"
    "                 points; the input dimension is the data's)\n"
    "\n"
    "Columns with --rho: layer,theory,theory_err,mean,ci_low,ci_high,sd,inside.\n"
    "With data: layer,max_abs_dev,rms_dev,max_z,inside_share (over the pairs\n"
    "i < j; max_z is the largest |mean - theory| / standard error).\n"
    "The cosine has a finite-width bias of order 1/W: the intervals are\n"
    "statistical, not proofs.  Exit status: 0 success (also when the theory\n"
    "falls outside an interval: reported on stderr), 2 usage or input error.\n";

/* a row of n (at most 8) cells */
static void add_cells(da_table *t, char (*c)[40], int n)
{
    const char *cells[8];
    for (int q = 0; q < n; q++)
        cells[q] = c[q];
    da_table_add_row(t, cells);
}

int cmd_simulate(int argc, char **argv, FILE *out)
{
    cli_data_opts dop = {.seed = 1};
    const char *rho_s = NULL;
    long width = -1, depth = -1;
    da_sim_pair_opts o;
    da_sim_pair_opts_init(&o);
    da_table_format fmt = DA_TABLE_TEXT;
    const cli_opt opts[] = {
        CLI_DATA_OPTS(&dop),
        CLI_OPT("--rho", CLI_STRING, &rho_s),
        CLI_OPT("--depth", CLI_LONG, &depth, .lo = 1, .hi = 10000),
        CLI_OPT("--width", CLI_LONG, &width, .lo = 1, .hi = 100000),
        CLI_OPT("--trials", CLI_LONG, &o.trials, .lo = 2, .hi = 100000000),
        CLI_OPT("--dim", CLI_LONG, &o.dim, .lo = 2, .hi = 1000000),
        CLI_OPT("--level", CLI_DOUBLE, &o.level, .lo = 0.5, .hi = 0.999999),
        CLI_OPT("--format", CLI_TABLE_FORMAT, &fmt),
        CLI_OPT("--raw", CLI_REFUSE, NULL,
                .text = "simulate: --raw is refused: the networks use the normalized activation"),
        CLI_OPT_END};
    const char *act_s;
    int prc = cli_parse_act(&act_s, "simulate", usage, opts, CLI_ONE_GOT, argc, argv, out);
    if (prc || !act_s)
        return prc;
    long seed = dop.seed;
    if (width < 0 || depth < 0)
        return cli_usage_error("simulate: --width and --depth are required");
    int have_data = dop.file || dop.sphere || dop.separated;
    if (!!rho_s + have_data != 1)
        return cli_usage_error("simulate: give --rho R, or a data set (--data, --sphere, "
                               "--separated)");
    if (o.dim && !rho_s)
        return cli_usage_error("simulate: --dim applies to --rho only");
    double rho = 0;
    if (rho_s && cli_parse_double(rho_s, -1, 1, &rho, "--rho"))
        return EXIT_USAGE;
    o.width = width;
    o.depth = depth;
    o.seed = (unsigned long)seed;
    da_act *act = NULL;
    int st = cli_act_new(&act, act_s);
    if (st)
        return st;
    int rc = EXIT_OK;
    da_gram_data *data = NULL;
    da_table *t = NULL;
    char comment[900];
    /* the work, refused up front when it would take minutes: per trial and
       layer W * fan_in Gaussian draws (about 1e8 per second) and, for each
       of the m inputs, W * fan_in multiply-adds (about 1e9 per second);
       with data also the m(m-1)/2 cosines of length W per layer */
    if (rho_s) {
        double W = (double)width, dim = (double)(o.dim ? o.dim : width);
        double draws = (double)o.trials * W * (dim + (double)(depth - 1) * W);
        double t_est = draws * (1e-8 + 2 * 1e-9);
        char what[96];
        snprintf(what, sizeof what, "simulate: %ld trials of width %ld and depth %ld", o.trials,
                 width, depth);
        rc = cli_check_time(t_est, what, "lower --trials, --width or --depth");
        if (!rc)
            rc = cli_check_memory(8 * (5 * (W > dim ? W : dim) + 3 * (double)depth), what, NULL);
        if (rc)
            goto done;
    }
    if (rho_s) {
        da_sim_layer *rows = calloc((size_t)depth + 1, sizeof *rows);
        if (!rows) {
            rc = cli_usage_error("out of memory");
            goto done;
        }
        st = da_sim_pair(rows, act, rho, &o);
        if (st) {
            free(rows);
            rc = cli_lib_error(st, act_s);
            goto done;
        }
        static const char *head[] = {"layer", "theory", "theory_err", "mean", "ci_low",
                                     "ci_high", "sd", "inside"};
        da_table_new(&t, 8, head);   /* a failure shows at the render */
        for (long l = 0; l <= depth; l++) {
            da_sim_layer *g = &rows[l];
            char c[8][40];
            snprintf(c[0], 40, "%ld", l);
            snprintf(c[1], 40, "%.10f", g->theory);
            snprintf(c[2], 40, "%.1e", g->theory_err);
            snprintf(c[3], 40, "%.6f", g->mean);
            snprintf(c[4], 40, "%.6f", g->ci_lo);
            snprintf(c[5], 40, "%.6f", g->ci_hi);
            snprintf(c[6], 40, "%.6f", g->sd);
            snprintf(c[7], 40, "%s", g->inside ? "yes" : "NO");
            add_cells(t, c, 8);
            if (!g->inside)
                fprintf(stderr, "dualact: simulate: layer %ld: the theory %.6f lies outside "
                        "the %g%% interval [%.6f, %.6f] (expected for about %g%% of the "
                        "layers; persistent misses mean finite-width bias: raise --width)\n",
                        l, g->theory, 100 * o.level, g->ci_lo, g->ci_hi, 100 * (1 - o.level));
        }
        free(rows);
        snprintf(comment, sizeof comment, "%s, width %ld, %ld trials, seed %ld, input "
                 "dimension %ld, rho = %s; cosine of the representations, %g%% intervals",
                 act_s, width, o.trials, seed, o.dim ? o.dim : width, rho_s, 100 * o.level);
    } else {
        rc = gram_cli_data(&data, &dop);
        if (rc)
            goto done;
        {
            double W = (double)width, m = (double)data->n, dim = (double)data->dim;
            double draws = (double)o.trials * W * (dim + (double)(depth - 1) * W);
            double t_est = draws * (1e-8 + m * 1e-9) +
                           (double)o.trials * (double)depth * m * (m - 1) / 2 * W * 1e-9;
            char what[128];
            snprintf(what, sizeof what, "simulate: %ld trials of width %ld and depth %ld on %zu "
                     "points", o.trials, width, depth, data->n);
            double fanmax = W > dim ? W : dim;
            rc = cli_check_time(t_est, what, "lower --trials, --width, --depth or the points");
            if (!rc)
                rc = cli_check_memory(8 * (2 * m * fanmax + fanmax + m * (m - 1) / 2 *
                                           ((double)depth + 1) * 3), what, NULL);
            if (rc)
                goto done;
        }
        da_sim_gram_layer *rows = calloc((size_t)depth + 1, sizeof *rows);
        if (!rows) {
            rc = cli_usage_error("out of memory");
            goto done;
        }
        st = da_sim_gram(rows, act, data, &o);
        if (st) {
            free(rows);
            rc = cli_lib_error(st, act_s);
            goto done;
        }
        static const char *head[] = {"layer", "max_abs_dev", "rms_dev", "max_z", "inside_share"};
        da_table_new(&t, 5, head);
        for (long l = 0; l <= depth; l++) {
            da_sim_gram_layer *g = &rows[l];
            char c[5][40];
            snprintf(c[0], 40, "%ld", l);
            snprintf(c[1], 40, "%.3e", g->max_abs_dev);
            snprintf(c[2], 40, "%.3e", g->rms_dev);
            snprintf(c[3], 40, "%.3f", g->max_z);
            snprintf(c[4], 40, "%.4f", g->inside_share);
            add_cells(t, c, 5);
        }
        free(rows);
        char desc[600];
        gram_cli_describe(desc, sizeof desc, data);
        snprintf(comment, sizeof comment, "%s, width %ld, %ld trials, seed %ld; %s; empirical "
                 "cosine Gram matrix vs the infinite-width K^(l), %g%% intervals", act_s, width,
                 o.trials, seed, desc, 100 * o.level);
    }
    da_table_set_comment(t, comment);
    char *s = NULL;
    st = da_table_render(&s, t, fmt);
    if (st) {
        rc = cli_lib_error(st, "simulate");
        goto done;
    }
    fputs(s, out);
    free(s);
done:
    da_table_free(t);
    da_gram_data_free(data);
    da_act_free(act);
    return rc;
}
