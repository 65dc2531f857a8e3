/* cmd_learn.c -- dualact learn ACT : low-degree mass of deep random
 * networks over depth, on the line (Hermite) or on the sphere. */
#include "cli.h"
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact learn ACT [--degree k] [--depth L] [--dim d] [--threshold tau]\n"
    "                     [--terms K] [--digits D] [--format text|csv|json]\n"
    "                     [--simulate [--width W] [--networks N] [--inputs n] [--seed S]]\n"
    "\n"
    "Degree spectrum of the depth-L kernel sigma_hat^{oL} of the normalized\n"
    "activation (b_k^(L) = P(Z_L = k) for the Galton-Watson process with\n"
    "offspring law a_k^2) and the low-degree mass W_{<=k}(L) = sum_{j<=k} b_j^(L)\n"
    "for layers 0..L (layer 0 is the identity map rho), with error bounds; its\n"
    "per-layer decay rate and the depth at which it falls below tau.\n"
    "With --dim d: inputs uniform on the sphere S^{d-1}; the mass is then the\n"
    "share of the kernel's trace on spherical harmonics of degree <= k, with\n"
    "the Mercer eigenvalues, multiplicities and effective ranks.\n"
    "\n"
    "  --degree k     degree of the low-degree part (default 1, at most 5000)\n"
    "  --depth L      layers 0..L (default 20, at most 100000)\n"
    "  --dim d        sphere S^{d-1}, 2 <= d <= 1e9 (default: the line)\n"
    "  --threshold t  report the first depth with mass < t (default 0.1)\n"
    "  --terms K      degrees kept in the spectrum (default k on the line, where\n"
    "                 the truncation is exact; max(k, 200) on the sphere, where\n"
    "                 the monomials beyond K are bounded, not dropped)\n"
    "  --digits D     accuracy of the Hermite coefficients, 10^-D (default 30)\n"
    "  --format F     text (default), csv (header layer,degree,mass,err,bound; with\n"
    "                 --dim also k,r_0,r_0_err,R_0,R_0_err,r_k,r_k_err,R_k,R_k_err),\n"
    "                 or json\n"
    "  --simulate     with --dim: Monte Carlo check with finite-width networks of\n"
    "                 the eigenvalues of degrees 1..3 at depth min(L, 3) (text, json)\n"
    "  --width W, --networks N, --inputs n, --seed S   simulation settings\n"
    "                 (defaults 128, 300, 100, 1)\n"
    "\n"
    "--raw is refused: the spectrum needs the normalized activation (p_0 = 0).\n"
    "Exit status: 0 success, 2 usage or input error, 3 accuracy not reached.\n";

typedef struct {
    long degree, depth, dim, terms, digits;
    double tau;
    int fmt, simulate;
    da_sim_opts sim;
} learn_opts;

/* --threshold: a number in (0, 1] */
static int parse_threshold(const cli_opt *opt, const char *v)
{
    double *tau = opt->ptr;
    if (cli_parse_double(v, 0, 1, tau, opt->name))
        return EXIT_USAGE;
    if (!(*tau > 0))
        return cli_usage_error("--threshold: must be > 0");
    return EXIT_OK;
}

int cmd_learn(int argc, char **argv, FILE *out)
{
    learn_opts o = {1, 20, 0, -1, 30, 0.1, FMT_TEXT, 0, {0}};
    da_sim_opts_init(&o.sim);
    const cli_opt opts[] = {
        CLI_OPT("--raw", CLI_REFUSE, NULL,
                .text = "learn: --raw is not supported: the degree spectrum is that of the "
                        "normalized activation (p_0 = a_0^2 = 0, sum p_k = 1)"),
        CLI_OPT("--simulate", CLI_FLAG, &o.simulate, .ival = 1),
        CLI_OPT("--degree", CLI_LONG, &o.degree, .lo = 0, .hi = 5000),
        CLI_OPT("--depth", CLI_LONG, &o.depth, .lo = 0, .hi = 100000),
        CLI_OPT("--dim", CLI_LONG, &o.dim, .lo = 2, .hi = 1000000000L),
        CLI_OPT("--threshold", CLI_CALL, &o.tau, .call = parse_threshold),
        CLI_OPT("--terms", CLI_LONG, &o.terms, .lo = 1, .hi = 5000),
        CLI_OPT("--digits", CLI_LONG, &o.digits, .lo = 1, .hi = 1000),
        CLI_OPT("--format", CLI_FORMAT, &o.fmt),
        CLI_OPT("--width", CLI_LONG, &o.sim.width, .lo = 1, .hi = 100000),
        CLI_OPT("--networks", CLI_LONG, &o.sim.networks, .lo = 2, .hi = 100000000L),
        CLI_OPT("--inputs", CLI_LONG, &o.sim.inputs, .lo = 2, .hi = 100000000L),
        CLI_OPT("--seed", CLI_ULONG, &o.sim.seed, .lo = 0, .hi = 2147483647L),
        CLI_OPT_END};
    const char *spec;
    int prc = cli_parse_act(&spec, "learn", usage, opts, CLI_ONE_AT_A_TIME, argc, argv, out);
    if (prc || !spec)
        return prc;
    if (o.simulate && !o.dim)
        return cli_usage_error("learn: --simulate needs --dim (the simulation samples the sphere)");
    if (o.terms < 0)
        o.terms = o.dim ? (o.degree > 200 ? o.degree : 200) : (o.degree > 1 ? o.degree : 1);
    if (o.dim && o.terms < o.degree)
        return cli_usage_error("learn: --terms %ld is below --degree %ld", o.terms, o.degree);
    if ((double)(o.terms + 1) * (double)(o.depth + 1) > 5e7)
        return cli_usage_error("learn: (terms + 1) * (depth + 1) = %.3g is over the limit 5e7",
                               (double)(o.terms + 1) * (double)(o.depth + 1));
    /* the work, refused up front (issue 22: --depth 20000 --dim 10 ran
       for minutes): the Hermite coefficients under coeffs' cap, then the
       composition and the sphere's shares (da_learn_cost), the effective
       ranks of each layer on the sphere (about 1e-6 s per degree), and
       the JSON output's balls per layer (about 4e-6 s each) */
    if ((double)(o.terms + 1) * (double)o.digits > CLI_MAX_DEGREE_DIGITS)
        return cli_usage_error("learn: --terms %ld with --digits %ld: (terms + 1) x digits = %.0f "
                               "is above the cap of %.0f (minutes of work for the Hermite "
                               "coefficients); lower one of them", o.terms, o.digits,
                               (double)(o.terms + 1) * (double)o.digits, CLI_MAX_DEGREE_DIGITS);
    {
        double bytes = 0;
        double t_est = da_learn_cost(o.terms, o.depth, o.digits, o.dim, &bytes);
        if (o.dim)
            t_est += (double)(o.depth + 1) * (double)(o.terms + 1) * 1e-6;
        if (o.fmt == FMT_JSON)
            t_est += (double)(o.depth + 1) * (double)(o.degree + 2) * 4e-6;
        char what[160];
        snprintf(what, sizeof what, "learn (terms %ld, depth %ld%s%.0ld, %ld digits)", o.terms,
                 o.depth, o.dim ? ", dim " : "", o.dim, o.digits);
        int rc0 = cli_check_memory(bytes, what, "lower --depth or --terms");
        if (!rc0)
            rc0 = cli_check_time(t_est, what, "lower --depth, --terms or --digits");
        if (rc0)
            return rc0;
    }

    da_act *act = NULL;
    int rc = cli_act_new(&act, spec);
    if (rc)
        return rc;
    da_learn_spectrum *s = NULL;
    da_sphere_spectrum *sp = NULL;
    int st = da_learn_spectrum_new(&s, act, o.terms, o.depth, o.digits);
    int spec_status = st;
    if (st == DA_EACCURACY) {
        rc = cli_lib_error(st, spec);
    } else if (st) {
        rc = cli_lib_error(st, spec);
        da_act_free(act);
        return rc;
    }
    if (o.dim) {
        st = da_sphere_new(&sp, s, o.dim, o.terms);
        if (st) {
            rc = cli_lib_error(st, spec);
            da_learn_spectrum_free(s);
            da_act_free(act);
            return rc;
        }
    }
    /* the simulation, before any output (its errors are input errors) */
    double est[3] = {0}, se[3] = {0};
    long sim_depth = o.depth < 3 ? o.depth : 3;
    if (o.simulate) {
        if (sim_depth < 1) {
            rc = cli_usage_error("learn: --simulate needs --depth >= 1");
            goto done;
        }
        /* refused up front: the memory and time of da_sim_cost */
        da_sim_opts sc = o.sim;
        sc.depth = sim_depth;
        sc.dim = o.dim;
        double bytes = 0;
        double t_est = 3 * da_sim_cost(&sc, &bytes);   /* 3 test functions */
        char what[128];
        snprintf(what, sizeof what, "learn --simulate (width %ld, dimension %ld, %ld networks, "
                 "%ld inputs)", o.sim.width, o.dim, o.sim.networks, o.sim.inputs);
        rc = cli_check_memory(bytes, what, "lower --width or --dim");
        if (!rc)
            rc = cli_check_time(t_est, what, "lower --width, --networks or --inputs");
        if (rc)
            goto done;
        for (int t = 1; t <= 3; t++) {
            da_sim_opts so = o.sim;
            so.depth = sim_depth;
            so.dim = o.dim;
            so.test = t;
            /* progress, on a terminal only, when the run takes seconds */
            int show = cli_progress_wanted() && t_est > 2;
            if (show) {
                fprintf(stderr, "\rdualact learn: simulation %d/3 (about %.0f s in all)", t,
                        t_est);
                fflush(stderr);
            }
            st = da_learn_simulate(&est[t - 1], &se[t - 1], act, &so);
            if (show && (t == 3 || st)) {
                fprintf(stderr, "\r%60s\r", "");
                fflush(stderr);
            }
            if (st) {
                rc = cli_lib_error(st, "simulate");
                goto done;
            }
        }
    }

    /* the report, written by the library (as Python's learn(format=...)) */
    {
        da_learn_report_opts ro;
        da_learn_report_opts_init(&ro);
        ro.spec = spec;
        ro.degree = o.degree;
        ro.digits = o.digits;
        ro.threshold = o.tau;
        ro.accuracy_reached = spec_status != DA_EACCURACY;
        da_sim_opts so = o.sim;
        so.depth = sim_depth;
        so.dim = o.dim;
        if (o.simulate) {
            ro.sim = &so;
            for (int t = 0; t < 3; t++) {
                ro.sim_estimate[t] = est[t];
                ro.sim_stderr[t] = se[t];
            }
        }
        da_table_format tf = o.fmt == FMT_CSV ? DA_TABLE_CSV
                             : o.fmt == FMT_JSON ? DA_TABLE_JSON : DA_TABLE_TEXT;
        char *txt = NULL;
        int sr = da_learn_report(&txt, act, s, sp, &ro, tf);
        if (sr)
            rc = cli_lib_error(sr, spec);
        else
            fputs(txt, out);   /* to memory: main checks it, then every write to stdout */
        free(txt);
    }
done:
    da_sphere_free(sp);
    da_learn_spectrum_free(s);
    da_act_free(act);
    return rc;
}
