/* cmd_table.c -- dualact table: one row per activation, ready for papers. */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: dualact table [ACT...] [--delta D,...] [--eps E,...] [--n N,...]\n"
    "                     [--digits D] [--columns C,...]\n"
    "                     [--format text|csv|md|latex|json]\n"
    "\n"
    "The paper's conditioning table: one row per activation (a standard set\n"
    "when none is given), normalized as in the paper.  Columns, in order:\n"
    "  activation   the name or formula\n"
    "  a1^2         a_1^2, the linear part of sigma_hat\n"
    "  mu           1 - a_1^2, the degree of non-linearity\n"
    "  beta         sigma_hat'(1) = E[sigma'^2] (inf when sigma jumps)\n"
    "  closed_form  the closed form of sigma_hat used, when one is known\n"
    "  L_nngp       proved minimal depth of the top-layer kernel (one column\n"
    "               per combination: L_nngp_dDELTA_eEPS_nN)\n"
    "  bound        the potential bound ceil(ln[(1-d)(n-1-e)/(d e)]/ln(1+mu))\n"
    "  L_ntk        proved minimal depth of the normalized NTK\n"
    "  W3_L10       W_{<=3}(10): share of a depth-10 random network's variance\n"
    "               that polynomials of degree <= 3 capture\n"
    "  chi1         chi_1 at sigma_w^2 = 1, sigma_b^2 = 0 (the paper's setting,\n"
    "               where q* = 1 and chi_1 = E[sigma'(Z)^2] = beta: the proved\n"
    "               ball of beta, checked against the mean-field quadrature)\n"
    "  bound_kind   rigorous when every number of the row is proved, else\n"
    "               estimate (the reason: dualact coeffs/depth ACT)\n"
    "Defaults: --delta 0.1 --eps 0.01 --n 1000 (lists make one group of depth\n"
    "columns per combination), --digits 4.  Every number is rounded to at most\n"
    "D decimals and only to as many as its error bound vouches for; depths are\n"
    "proved (L* suffices, L* - 1 does not).  --columns keeps the named columns\n"
    "(base names as above, e.g. activation,mu,L_nngp).\n";

static const char *standard[] = {
    "relu", "leaky_relu(0.2)", "abs", "step", "sign", "hardtanh", "tanh", "sigmoid", "erf",
    "gelu", "silu", "softplus", "elu", "selu", "sin", "gaussian",
};

/* split a comma list into at most max items (pointers into a copy) */
static int split_list(char *s, char **items, int max)
{
    int n = 0;
    for (char *p = strtok(s, ","); p && n < max; p = strtok(NULL, ","))
        items[n++] = p;
    return n;
}

typedef struct {
    char name[96];   /* full column name */
    char base[24];   /* base name for --columns */
} column;

/* CPU seconds of one evaluation of the activation at 128 bits, measured
   on 64 points of [-3, 3]: what the proved quadrature of a row spends per
   node scales with it (a formula of 60 nested tanh costs 36 times tanh) */
static double eval_seconds(const da_act *act)
{
    mpfr_t x, y;
    mpfr_init2(x, 128);
    mpfr_init2(y, 128);
    struct timespec t0, t1;
    /* a first pass warms the caches (MPFR's constants, the tape), then the
       faster of two timed passes: the estimate must not refuse an
       ordinary table because of one slow first call */
    double best = INFINITY;
    for (int pass = 0; pass < 3; pass++) {
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        for (int i = 0; i < 64; i++) {
            mpfr_set_d(x, -3 + 6.0 * i / 63, MPFR_RNDN);
            da_act_eval(y, act, x);
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        double s = ((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec)) / 64;
        if (pass > 0 && s < best)
            best = s;
    }
    mpfr_clear(x);
    mpfr_clear(y);
    return best;
}

/* LaTeX headers by base name */
static const char *tex_head(const char *base)
{
    static const char *map[][2] = {
        {"activation", "activation"}, {"a1^2", "$a_1^2$"}, {"mu", "$\\mu$"},
        {"beta", "$\\beta$"}, {"closed_form", "closed form of $\\hat\\sigma$"},
        {"L_nngp", "$L^*_{\\mathrm{NNGP}}$"}, {"bound", "bound"},
        {"L_ntk", "$L^*_{\\mathrm{NTK}}$"}, {"W3_L10", "$W_{\\le 3}(10)$"},
        {"chi1", "$\\chi_1$"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(base, map[i][0]))
            return map[i][1];
    return NULL;
}

int cmd_table(int argc, char **argv, FILE *out)
{
    long digits = 4;
    da_table_format fmt = DA_TABLE_TEXT;
    size_t nstd = sizeof standard / sizeof standard[0];
    const char *sdelta = "0.1", *seps = "0.01", *sn = "1000", *scols = NULL;
    char *ldelta = NULL, *leps = NULL, *ln = NULL, *lcols = NULL;
    const cli_opt opts[] = {
        CLI_OPT("--digits", CLI_LONG, &digits, .lo = 1, .hi = 30),
        CLI_OPT("--format", CLI_TABLE_FORMAT, &fmt),
        CLI_OPT("--delta", CLI_STRING, &sdelta),
        CLI_OPT("--eps", CLI_STRING, &seps),
        CLI_OPT("--n", CLI_STRING, &sn),
        CLI_OPT("--columns", CLI_STRING, &scols),
        CLI_OPT_END};
    cli_parser p = {.cmd = "table", .usage = usage, .opts = opts, .extra_room = (int)nstd};
    int rc = cli_parse(&p, argc, argv, out);
    const char **acts = p.args;
    int nacts = p.nargs;
    if (rc || p.help)
        goto done;
    if (nacts == 0)
        for (size_t i = 0; i < nstd; i++)
            acts[nacts++] = standard[i];

    /* the (delta, eps, n) combinations, validated before any work */
    char *dl[16], *el[16], *nl[16];
    ldelta = strdup(sdelta);
    leps = strdup(seps);
    ln = strdup(sn);
    lcols = scols ? strdup(scols) : NULL;
    if (!ldelta || !leps || !ln) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    int nd = split_list(ldelta, dl, 16), ne = split_list(leps, el, 16), nn = split_list(ln, nl, 16);
    if (nd == 0 || ne == 0 || nn == 0 || nd * ne * nn > 16) {
        rc = cli_usage_error("table: give 1 to 16 combinations of --delta, --eps, --n");
        goto done;
    }
    double dv[16], ev[16];
    long nv[16];
    for (int i = 0; i < nd; i++)
        if (cli_parse_double(dl[i], 1e-12, 1, &dv[i], "--delta")) {
            rc = EXIT_USAGE;
            goto done;
        }
    for (int i = 0; i < nn; i++)
        if (cli_parse_long(nl[i], 2, 1000000000L, &nv[i], "--n")) {
            rc = EXIT_USAGE;
            goto done;
        }
    for (int i = 0; i < ne; i++) {
        if (cli_parse_double(el[i], 1e-12, 1e12, &ev[i], "--eps")) {
            rc = EXIT_USAGE;
            goto done;
        }
        for (int j = 0; j < nn; j++)
            if (!(ev[i] < (double)(nv[j] - 1))) {
                rc = cli_usage_error("--eps: %s must be below n - 1 = %ld", el[i], nv[j] - 1);
                goto done;
            }
    }
    int ncombo = nd * ne * nn;

    /* the columns */
    column cols[8 + 3 * 16];
    int ncols = 0;
#define COL(b, fmtname, ...) do { \
        snprintf(cols[ncols].base, sizeof cols[ncols].base, "%s", b); \
        snprintf(cols[ncols].name, sizeof cols[ncols].name, fmtname, __VA_ARGS__); \
        ncols++; } while (0)
    COL("activation", "%s", "activation");
    COL("a1^2", "%s", "a1^2");
    COL("mu", "%s", "mu");
    COL("beta", "%s", "beta");
    COL("closed_form", "%s", "closed_form");
    for (int c = 0; c < ncombo; c++) {
        const char *d = dl[c / (ne * nn)], *e = el[(c / nn) % ne], *n = nl[c % nn];
        if (ncombo == 1) {
            COL("L_nngp", "%s", "L_nngp");
            COL("bound", "%s", "bound");
            COL("L_ntk", "%s", "L_ntk");
        } else {
            COL("L_nngp", "L_nngp_d%s_e%s_n%s", d, e, n);
            COL("bound", "bound_d%s_e%s_n%s", d, e, n);
            COL("L_ntk", "L_ntk_d%s_e%s_n%s", d, e, n);
        }
    }
    COL("W3_L10", "%s", "W3_L10");
    COL("chi1", "%s", "chi1");
    COL("bound_kind", "%s", "bound_kind");
#undef COL
    int keep[8 + 3 * 16];
    for (int i = 0; i < ncols; i++)
        keep[i] = 1;
    if (lcols) {
        char *items[64];
        int ni = split_list(lcols, items, 64);
        for (int i = 0; i < ncols; i++)
            keep[i] = 0;
        for (int k = 0; k < ni; k++) {
            int found = 0;
            for (int i = 0; i < ncols; i++)
                if (!strcmp(items[k], cols[i].base) || !strcmp(items[k], cols[i].name))
                    keep[i] = found = 1;
            if (!found) {
                rc = cli_usage_error("--columns: no column '%s' (see dualact table --help)", items[k]);
                goto done;
            }
        }
    }
    const char *head[8 + 3 * 16];
    int nkept = 0;
    for (int i = 0; i < ncols; i++)
        if (keep[i])
            head[nkept++] = cols[i].name;

    /* every activation must parse before any work is done; and the work
       is estimated (issue 22: 60 nested tanh took 70 s and printed '?'):
       a row's proved quadratures (coefficients, the depth search's dual
       activations, the spectrum) cost about 8e5 evaluations of the
       activation at 128 bits (measured: 2e5 to 6.5e5 for tanh nested 5
       to 60 times).  An activation whose row alone would exceed the
       command's work limit of CLI_WORK_LIMIT s of proved quadrature could
       only end as '?': refused.  The sum over the rows is not the test:
       8e5 is the count of a formula that needs every quadrature, while
       catalogue activations with closed forms or exact coefficients need
       few or none (the default table's 16 rows take about 15 s; a loaded
       machine's timing made their sum look like 78 s and refused
       ./quickstart's main job), and a table that runs out of its limit
       prints '?' rows, labelled, rather than wrong ones */
    double t_est = 0, worst = 0;
    int jworst = 0;
    for (int j = 0; j < nacts; j++) {
        da_act *act = NULL;
        rc = cli_act_new(&act, acts[j]);
        if (rc)
            goto done;
        double ev = eval_seconds(act);
        if (ev > worst) {
            worst = ev;
            jworst = j;
        }
        t_est += 8e5 * ev;
        da_act_free(act);
    }
    (void)t_est;
    if (8e5 * worst > CLI_WORK_LIMIT) {
        rc = cli_usage_error("table: '%.40s%s' would take about %.2g s (estimated: 8e5 "
                             "evaluations, %.3g ms each), above the work limit of %.0f s of "
                             "proved quadrature; use a simpler activation",
                             acts[jworst], strlen(acts[jworst]) > 40 ? "..." : "", 8e5 * worst,
                             1e3 * worst, CLI_WORK_LIMIT);
        goto done;
    }

    da_table *t = NULL;
    if (da_table_new(&t, nkept, head) != DA_OK) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (int i = 0, k = 0; i < ncols; i++) {
        if (!keep[i])
            continue;
        const char *tx = tex_head(cols[i].base);
        if (tx && (ncombo == 1 || strcmp(cols[i].name, cols[i].base) == 0)) {
            da_table_set_head_tex(t, k, tx);
        } else if (tx) {
            /* several (delta, eps, n): say which in the header */
            const char *c = cols[i].name + strlen(cols[i].base);
            char buf[192];
            double dd, ee;
            long nnv;
            if (sscanf(c, "_d%lf_e%lf_n%ld", &dd, &ee, &nnv) == 3)
                snprintf(buf, sizeof buf, "%s ($\\delta=%g$, $\\epsilon=%g$, $n=%ld$)", tx, dd, ee, nnv);
            else
                snprintf(buf, sizeof buf, "%s", tx);
            da_table_set_head_tex(t, k, buf);
        }
        k++;
    }
    char prov[256];
    snprintf(prov, sizeof prov,
             "dualact %s table: normalized activations; at most %ld decimals, each vouched for by its "
             "error bound; depths found with ball arithmetic, proved in the rows whose bound_kind is "
             "rigorous",
             da_version(), digits);
    da_table_set_comment(t, prov);
    int interactive = isatty(2);
    for (int j = 0; j < nacts && (rc == EXIT_OK || rc == EXIT_ACCURACY); j++) {
        if (interactive)
            fprintf(stderr, "\rdualact table: %d/%d %-30.30s", j + 1, nacts, acts[j]);
        char cell[8 + 3 * 16][96];
        for (int i = 0; i < ncols; i++)
            snprintf(cell[i], sizeof cell[i], "-");
        snprintf(cell[0], sizeof cell[0], "%s", acts[j]);
        da_act *act = NULL;
        da_act_new(&act, acts[j]);
        /* coefficients: a_1^2, mu, beta */
        da_hermite_opts o;
        da_hermite_opts_init(&o);
        o.degree = 1;
        o.digits = digits + 4;
        da_hermite *h = NULL;
        int st = da_hermite_compute(&h, act, &o);
        if (st && !h) {
            rc = cli_lib_error(st, acts[j]);
            da_act_free(act);
            break;
        }
        if (st == DA_EACCURACY)
            rc = EXIT_ACCURACY;
        da_ball a1sq;
        da_ball_init2(a1sq, h->prec);
        da_ball_mul(a1sq, &h->a[1], &h->a[1]);
        da_ball_get_str(cell[1], sizeof cell[1], NULL, 0, a1sq, digits, DA_BALL_FIXED);
        da_ball_get_str(cell[2], sizeof cell[2], NULL, 0, &h->mu, digits, DA_BALL_FIXED);
        if (h->beta_infinite)
            snprintf(cell[3], sizeof cell[3], "inf");
        else
            da_ball_get_str(cell[3], sizeof cell[3], NULL, 0, &h->beta, digits, DA_BALL_FIXED);
        int mu_positive = mpfr_cmp(h->mu.mid, h->mu.rad) > 0;
        int row_rigorous = h->rigorous;
        /* inputs that are not finite decide nothing and are no numbers:
           '?' (exit 3); a_1^2 and mu decide the depths */
        int row_finite = cli_ball_finite(a1sq) && cli_ball_finite(&h->mu);
        if (!cli_ball_finite(a1sq))
            snprintf(cell[1], sizeof cell[1], "?");
        if (!cli_ball_finite(&h->mu))
            snprintf(cell[2], sizeof cell[2], "?");
        if (!h->beta_infinite && !cli_ball_finite(&h->beta)) {
            snprintf(cell[3], sizeof cell[3], "?");
            rc = EXIT_ACCURACY;
        }
        if (!row_finite) {
            mu_positive = 0;
            rc = EXIT_ACCURACY;
        }
        int beta_inf = h->beta_infinite;
        da_ball beta;
        da_ball_init2(beta, h->prec);
        da_ball_set(beta, &h->beta);
        da_ball_clear(a1sq);
        da_hermite_free(h);
        /* closed form of sigma_hat */
        da_dual_opts dopt;
        da_dual_opts_init(&dopt);
        dopt.digits = 20;
        dopt.method = DA_DUAL_CLOSED;
        da_dual *d = NULL;
        if (da_dual_new(&d, act, &dopt) == DA_OK) {
            snprintf(cell[4], sizeof cell[4], "%s", da_dual_closed_form(d));
            da_dual_free(d);
        }
        /* proved minimal depths */
        da_depth_opts dpo;
        da_depth_opts_init(&dpo);
        da_depth_ctx *ctx = NULL;
        if (!row_finite)
            for (int c = 0; c < ncombo; c++)   /* not decided: said so */
                for (int kern = 0; kern < 2; kern++)
                    snprintf(cell[5 + 3 * c + (kern ? 2 : 0)], 96, "?");
        if (mu_positive && da_depth_ctx_new(&ctx, act, &dpo) == DA_OK) {
            for (int c = 0; c < ncombo; c++) {
                const char *ds = dl[c / (ne * nn)], *es = el[(c / nn) % ne];
                long n = nv[c % nn];
                da_ball db, eb;
                da_ball_init2(db, 512);
                da_ball_init2(eb, 512);
                da_depth_parse_decimal(db, ds);
                da_depth_parse_decimal(eb, es);
                for (int kern = 0; kern < 2; kern++) {
                    da_depth_result r;
                    da_depth_result_init(&r);
                    int s2 = da_depth_find(&r, ctx, kern ? DA_DEPTH_NTK : DA_DEPTH_NNGP, db, eb, n);
                    char *dst = cell[5 + 3 * c + (kern ? 2 : 0)];
                    if (s2 == DA_OK)
                        snprintf(dst, 96, "%ld", r.depth);
                    else if (s2 == DA_EINFINITE)
                        snprintf(dst, 96, "inf");
                    else {
                        /* not decided (whatever the reason): printed as
                           such, and the command ends with status 3 */
                        snprintf(dst, 96, "?");
                        rc = EXIT_ACCURACY;
                    }
                    if (!kern && r.bound_potential >= 0)
                        snprintf(cell[5 + 3 * c + 1], 96, "%ld", r.bound_potential);
                    if (!kern && s2 == DA_OK && r.bound_potential >= 0 && r.bound_potential < r.depth)
                        fprintf(stderr, "dualact: WARNING: %s: the potential bound %ld is below the proved "
                                "depth %ld (a counterexample to the theory, or a bug)\n",
                                acts[j], r.bound_potential, r.depth);
                    da_depth_result_clear(&r);
                }
                da_ball_clear(db);
                da_ball_clear(eb);
            }
            if (!da_depth_rigorous(ctx))
                row_rigorous = 0;
            da_depth_ctx_free(ctx);
        }
        /* W_{<=3}(10) */
        int cw = 5 + 3 * ncombo;
        da_learn_spectrum *sp = NULL;
        int sl = da_learn_spectrum_new(&sp, act, 12, 10, digits + 6);
        if (sp) {
            if (!da_learn_rigorous(sp))
                row_rigorous = 0;
            da_ball m;
            da_ball_init2(m, 128);
            if (da_learn_mass(m, sp, 10, 3) == DA_OK)
                da_ball_get_str(cell[cw], sizeof cell[cw], NULL, 0, m, digits, DA_BALL_FIXED);
            da_ball_clear(m);
            da_learn_spectrum_free(sp);
        } else if (sl == DA_EACCURACY) {
            snprintf(cell[cw], sizeof cell[cw], "?");
            rc = EXIT_ACCURACY;
        }
        /* chi_1 at the paper's initialization: sigma_w^2 = 1, sigma_b^2 = 0
           and unit inputs keep q = 1 at every layer for a normalized sigma,
           so chi_1 = E[sigma'(Z)^2] = beta (Stein).  The column prints the
           proved ball of beta; the mean-field module's own double-precision
           quadrature checks it independently, and a disagreement is
           reported on stderr */
        if (beta_inf)
            snprintf(cell[cw + 1], sizeof cell[cw + 1], "inf");
        else if (cli_ball_finite(beta))
            da_ball_get_str(cell[cw + 1], sizeof cell[cw + 1], NULL, 0, beta, digits, DA_BALL_FIXED);
        else
            snprintf(cell[cw + 1], sizeof cell[cw + 1], "?");
        da_meanfield *mf = NULL;
        if (!beta_inf && mpfr_number_p(beta->rad) && da_meanfield_new(&mf, act, 1) == DA_OK) {
            double v = NAN, e = INFINITY;
            int sm = da_meanfield_kernel(&v, &e, mf, 1.0, 1.0, 1.0, 1);
            double b = mpfr_get_d(beta->mid, MPFR_RNDN), br = mpfr_get_d(beta->rad, MPFR_RNDU);
            if (sm == DA_OK && isfinite(v) && fabs(v - b) > e + br + 1e-12 * fabs(b))
                fprintf(stderr, "dualact: WARNING: %s: chi_1 by the mean-field quadrature %.12g "
                        "disagrees with beta %.12g (a bug)\n", acts[j], v, b);
            da_meanfield_free(mf);
        }
        da_ball_clear(beta);
        snprintf(cell[cw + 2], sizeof cell[cw + 2], "%s", cli_bound_kind(row_rigorous));
        da_act_free(act);
        const char *row[8 + 3 * 16];
        int k = 0;
        for (int i = 0; i < ncols; i++)
            if (keep[i])
                row[k++] = cell[i];
        da_table_add_row(t, row);
    }
    if (interactive)
        fprintf(stderr, "\r%60s\r", "");
    if (rc == EXIT_OK || rc == EXIT_ACCURACY) {
        char *s = NULL;
        if (da_table_render(&s, t, fmt) == DA_OK)
            fputs(s, out);
        free(s);
        if (rc == EXIT_ACCURACY)
            fprintf(stderr, "dualact: table: some entries did not reach the accuracy asked for "
                            "(shown with fewer decimals or as '?')\n");
    }
    da_table_free(t);
done:
    free(ldelta);
    free(leps);
    free(ln);
    free(lcols);
    free(acts);
    return rc;
}
