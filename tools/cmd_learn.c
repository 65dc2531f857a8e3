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

static void fmt_b(char *v, size_t vl, char *e, size_t el, const da_ball_struct *b, long digits)
{
    da_ball_get_str(v, vl, e, el, b, digits, DA_BALL_SCI);
}

/* effective ranks at layer L for k = 0 and k = count */
static void ranks(da_ball r0, da_ball R0, da_ball rk, da_ball Rk, const da_sphere_spectrum *sp,
                  long L, const mpz_t count)
{
    mpz_t z;
    mpz_init_set_ui(z, 0);
    da_sphere_effective_ranks(r0, R0, sp, L, z);
    da_sphere_effective_ranks(rk, Rk, sp, L, count);
    mpz_clear(z);
}

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

    char v[4096], e[64], v2[4096], e2[64];
    da_ball b, r0, R0, rk, Rk;
    da_ball_init2(b, 256);
    da_ball_init2(r0, 256);
    da_ball_init2(R0, 256);
    da_ball_init2(rk, 256);
    da_ball_init2(Rk, 256);
    /* k: the number of eigenvalues of harmonic degree <= degree */
    mpz_t count, m;
    mpz_init_set_ui(count, 0);
    mpz_init(m);
    if (o.dim)
        for (long l = 0; l <= o.degree; l++) {
            da_sphere_multiplicity(m, o.dim, l);
            mpz_add(count, count, m);
        }
#define MASS(L) (o.dim ? da_sphere_mass(b, sp, (L), o.degree) : da_learn_mass(b, s, (L), o.degree))
    long lo_cross, hi_cross;
    if (o.dim)
        da_sphere_crossing(&lo_cross, &hi_cross, sp, o.degree, o.tau);
    else
        da_learn_crossing(&lo_cross, &hi_cross, s, o.degree, o.tau);

    const char *bk = cli_bound_kind(da_learn_rigorous(s));
    if (o.fmt == FMT_CSV) {
        /* the rows, built by the library (as Python's learn(format='csv')) */
        da_table *t = NULL;
        char *txt = NULL;
        st = da_learn_table(&t, s, sp, o.degree, o.digits);
        if (!st)
            st = da_table_render(&txt, t, DA_TABLE_CSV);
        da_table_free(t);
        if (st)
            rc = cli_lib_error(st, spec);
        else
            fputs(txt, out);   /* to memory: main checks it, then every write to stdout */
        free(txt);
    } else if (o.fmt == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"learn\",\n  \"activation\": ", da_version());
        da_json_write_str(out, spec);
        fprintf(out, ",\n  \"expression\": ");
        da_json_write_str(out, da_act_expr(act));
        fprintf(out, ",\n  \"degree\": %ld,\n  \"depth\": %ld,\n  \"terms\": %ld,\n  \"digits\": %ld,\n",
                o.degree, o.depth, o.terms, o.digits);
        fprintf(out, "  \"accuracy_reached\": %s,\n", spec_status == DA_EACCURACY ? "false" : "true");
        fprintf(out, "  \"bound\": \"%s\",\n", bk);
        fprintf(out, "  \"composition_seconds\": ");
        cli_json_double(out, "%.3f", da_learn_seconds(s));
        fprintf(out, ",\n");
        if (o.dim)
            fprintf(out, "  \"dim\": %ld,\n", o.dim);
        da_learn_offspring(b, s, 1);
        fmt_b(v, sizeof v, e, sizeof e, b, o.digits);
        fprintf(out, "  \"p1\": {\"value\": \"%s\", \"err\": \"%s\"},\n", v, e);
        fprintf(out, "  \"threshold\": %.17g,\n  \"crossing\": {\"lower\": %ld, \"upper\": %ld},\n",
                o.tau, lo_cross, hi_cross);
        fprintf(out, "  \"layers\": [\n");
        for (long L = 0; L <= o.depth; L++) {
            MASS(L);
            fmt_b(v, sizeof v, e, sizeof e, b, o.digits);
            fprintf(out, "    {\"layer\": %ld, \"mass\": \"%s\", \"err\": \"%s\"", L, v, e);
            if (L >= 1 && !o.dim) {
                da_learn_rate(b, NULL, s, o.degree, L);
                fmt_b(v, sizeof v, e, sizeof e, b, o.digits);
                fprintf(out, ", \"ratio\": \"%s\", \"ratio_err\": \"%s\"", v, e);
            }
            if (o.dim) {
                ranks(r0, R0, rk, Rk, sp, L, count);
                const char *nm[4] = {"r_0", "R_0", "r_k", "R_k"};
                da_ball_struct *q[4] = {r0, R0, rk, Rk};
                gmp_fprintf(out, ", \"k\": \"%Zd\"", count);
                for (int j = 0; j < 4; j++) {
                    fmt_b(v, sizeof v, e, sizeof e, q[j], o.digits);
                    fprintf(out, ", \"%s\": \"%s\", \"%s_err\": \"%s\"", nm[j], v, nm[j], e);
                }
                fprintf(out, ", \"eigenvalues\": [");
                for (long l = 0; l <= o.degree; l++) {
                    da_sphere_eigenvalue(b, sp, L, l);
                    fmt_b(v, sizeof v, e, sizeof e, b, o.digits);
                    da_sphere_multiplicity(m, o.dim, l);
                    gmp_fprintf(out, "%s{\"l\": %ld, \"lambda\": \"%s\", \"err\": \"%s\", \"mult\": \"%Zd\"}",
                                l ? ", " : "", l, v, e, m);
                }
                fprintf(out, "]");
            } else {
                fprintf(out, ", \"spectrum\": [");
                for (long k = 0; k <= o.degree; k++) {
                    da_learn_coef(b, s, L, k);
                    fmt_b(v, sizeof v, e, sizeof e, b, o.digits);
                    fprintf(out, "%s{\"k\": %ld, \"b\": \"%s\", \"err\": \"%s\"}", k ? ", " : "", k, v, e);
                }
                fprintf(out, "]");
            }
            fprintf(out, "}%s\n", L < o.depth ? "," : "");
        }
        fprintf(out, "  ]");
        if (o.simulate) {
            fprintf(out, ",\n  \"simulation\": {\"width\": %ld, \"networks\": %ld, \"inputs\": %ld, "
                         "\"seed\": %lu, \"depth\": %ld, \"tests\": [",
                    o.sim.width, o.sim.networks, o.sim.inputs, o.sim.seed, sim_depth);
            for (int t = 1; t <= 3; t++) {
                da_sphere_eigenvalue(b, sp, sim_depth, t);
                fmt_b(v, sizeof v, e, sizeof e, b, 12);
                fprintf(out, "%s{\"degree\": %d, \"estimate\": ", t > 1 ? ", " : "", t);
                cli_json_double(out, "%.6g", est[t - 1]);
                fprintf(out, ", \"stderr\": ");
                cli_json_double(out, "%.3g", se[t - 1]);
                fprintf(out, ", \"predicted\": \"%s\"}", v);
            }
            fprintf(out, "]}");
        }
        fprintf(out, "\n}\n");
    } else {
        da_ball mu;
        da_ball_init2(mu, 256);
        fprintf(out, "activation  %s\n", spec);
        fprintf(out, "formula     %s\n", da_act_expr(act));
        fprintf(out, "setting     normalized activation, weights N(0, 1/fan_in), no biases;\n"
                     "            depth-L kernel sigma_hat^{oL}, layer 0 = the identity rho\n");
        if (!strcmp(spec, "sign"))
            fprintf(out, "            sign is already normalized: this is the setting of Das, Gollapudi,\n"
                         "            Kumar & Panigrahy (SODA 2020), deep random sign networks,\n"
                         "            sigma_hat(rho) = (2/pi) arcsin(rho), p_1 = 2/pi\n");
        da_learn_offspring(b, s, 1);
        fmt_b(v, sizeof v, e, sizeof e, b, o.digits);
        fprintf(out, "p_1 = a_1^2 = 1 - mu   %s  +- %s\n", v, e);
        fprintf(out, "spectrum    degrees 0..%ld, layers 0..%ld, coefficients to 10^-%ld%s\n", o.terms, o.depth,
                o.digits, spec_status == DA_EACCURACY ? " (NOT reached: see err)" : "");
        if (o.dim)
            fprintf(out, "sphere      S^%ld (d = %ld): share of the trace on harmonic degrees <= %ld\n",
                    o.dim - 1, o.dim, o.degree);
        else
            fprintf(out, "line        W_{<=%ld}(L) = P(Z_L <= %ld), Gaussian inputs\n", o.degree, o.degree);
        fputc('\n', out);
        int wcol = (int)(o.digits + 8 > 40 ? 40 : o.digits + 8);
        fprintf(out, "%6s  %-*s  %-9s", "layer", wcol, "mass", "err");
        if (o.dim)
            fprintf(out, "  %-14s  %-14s", "r_0", "R_0");
        fputc('\n', out);
        for (long L = 0; L <= o.depth; L++) {
            MASS(L);
            fmt_b(v, sizeof v, e, sizeof e, b, o.digits);
            fprintf(out, "%6ld  %-*s  %-9s", L, wcol, v, e);
            if (o.dim) {
                ranks(r0, R0, rk, Rk, sp, L, count);
                fmt_b(v, sizeof v, e, sizeof e, r0, 6);
                fmt_b(v2, sizeof v2, e2, sizeof e2, R0, 6);
                fprintf(out, "  %-14s  %-14s", v, v2);
            }
            fputc('\n', out);
        }
        fputc('\n', out);
        if (o.depth >= 1) {
            da_ball last, fit;
            da_ball_init2(last, 256);
            da_ball_init2(fit, 256);
            if (!o.dim) {
                da_learn_rate(last, fit, s, o.degree, o.depth);
                fmt_b(v, sizeof v, e, sizeof e, last, 12);
                fprintf(out, "rate, last layer        W(%ld)/W(%ld) = %s  +- %s\n", o.depth, o.depth - 1, v, e);
                fmt_b(v, sizeof v, e, sizeof e, fit, 12);
                fprintf(out, "rate, fitted            (W(%ld)/W(%ld))^(1/%ld) = %s  +- %s\n", o.depth,
                        o.depth / 2, o.depth - o.depth / 2, v, e);
                da_learn_offspring(b, s, 1);
                fmt_b(v, sizeof v, e, sizeof e, b, 12);
                fprintf(out, "rate, asymptotic        p_1 = 1 - mu = %s\n", v);
            }
            da_ball_clear(last);
            da_ball_clear(fit);
        }
        if (hi_cross >= 0 && hi_cross == lo_cross)
            fprintf(out, "below tau = %g          from layer %ld on\n", o.tau, hi_cross);
        else if (hi_cross >= 0)
            fprintf(out, "below tau = %g          first at a layer in [%ld, %ld] (bounds overlap tau)\n",
                    o.tau, lo_cross, hi_cross);
        else if (lo_cross >= 0)
            fprintf(out, "below tau = %g          not certain within %ld layers (from layer %ld at the earliest)\n",
                    o.tau, o.depth, lo_cross);
        else
            fprintf(out, "below tau = %g          not within %ld layers\n", o.tau, o.depth);
        if (o.dim) {
            fprintf(out, "\neigenvalues at layer %ld (lambda_l, multiplicity N(d,l), share of the trace):\n",
                    o.depth);
            for (long l = 0; l <= o.degree; l++) {
                da_sphere_eigenvalue(b, sp, o.depth, l);
                fmt_b(v, sizeof v, e, sizeof e, b, 12);
                da_sphere_share(mu, sp, o.depth, l);
                fmt_b(v2, sizeof v2, e2, sizeof e2, mu, 12);
                da_sphere_multiplicity(m, o.dim, l);
                gmp_fprintf(out, "  l = %-4ld  %-18s +- %-9s  N = %-10Zd  share %s\n", l, v, e, m, v2);
            }
            da_sphere_outside(mu, sp, o.depth);
            fmt_b(v, sizeof v, e, sizeof e, mu, 12);
            fprintf(out, "  share on degrees > %ld: %s +- %s\n", o.terms, v, e);
            ranks(r0, R0, rk, Rk, sp, o.depth, count);
            fmt_b(v, sizeof v, e, sizeof e, rk, 8);
            fmt_b(v2, sizeof v2, e2, sizeof e2, Rk, 8);
            gmp_fprintf(out, "effective ranks at k = %Zd (the eigenvalues of degree <= %ld):\n"
                             "  r_k = %s +- %s,  R_k = %s +- %s\n", count, o.degree, v, e, v2, e2);
        }
        if (o.simulate) {
            fprintf(out, "\nsimulation: width %ld, %ld networks x %ld inputs, seed %lu, depth %ld\n",
                    o.sim.width, o.sim.networks, o.sim.inputs, o.sim.seed, sim_depth);
            fprintf(out, "  E[(E_x f g)^2] for unit harmonics g of degree 1..3 (exact at depth 1;\n"
                         "  finite-width bias O(1/width) beyond)\n");
            for (int t = 1; t <= 3; t++) {
                da_sphere_eigenvalue(b, sp, sim_depth, t);
                fmt_b(v, sizeof v, e, sizeof e, b, 10);
                double pred = mpfr_get_d(b->mid, MPFR_RNDN);
                double z = se[t - 1] > 0 ? (est[t - 1] - pred) / se[t - 1] : 0;
                fprintf(out, "  degree %d: %.6g +- %.2g (1 s.e.)  predicted lambda_%d = %s  (z = %+.2f)\n", t,
                        est[t - 1], se[t - 1], t, v, z);
            }
        }
        da_ball_clear(mu);
    }
#undef MASS
    mpz_clear(count);
    mpz_clear(m);
    da_ball_clear(b);
    da_ball_clear(r0);
    da_ball_clear(R0);
    da_ball_clear(rk);
    da_ball_clear(Rk);
done:
    da_sphere_free(sp);
    da_learn_spectrum_free(s);
    da_act_free(act);
    return rc;
}
