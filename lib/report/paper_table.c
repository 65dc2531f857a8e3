/* paper_table.c -- the paper's conditioning table (dualact table, Python's
 * dualact.table): one row per activation, as a da_table of strings.
 *
 * The last stage: it calls the coefficients (hermite), the dual's closed
 * form and the mean-field check (dual), the depth search (analysis) and
 * the degree spectrum (learn), and reports through da_table.
 *
 * Columns are described once, in col_def: a column's base name, its
 * LaTeX head, whether it repeats per (delta, eps, n) combination, and the
 * cell of the row it shows.  A consecutive run of per-combination
 * columns repeats as a group, combination by combination.  A new column
 * (the CSV contract: at the end) is one line of col_def, one member of
 * row_cells and the code that fills it. */
#include "core/core.h"
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXC 16          /* combinations of (delta, eps, n) */
#define CELL 96

/* the cells of one row */
typedef struct {
    char act[CELL], a1sq[CELL], mu[CELL], beta[CELL], closed[CELL];
    char nngp[MAXC][CELL], bound[MAXC][CELL], ntk[MAXC][CELL];
    char w3[CELL], chi1[CELL], kind[CELL];
    char bntk[MAXC][CELL];
} row_cells;

static const struct {
    const char *base, *tex;
    int combo;          /* one per (delta, eps, n) */
    size_t off;         /* the cell in row_cells (of combination 0) */
} col_def[] = {
    {"activation", "activation", 0, offsetof(row_cells, act)},
    {"a1^2", "$a_1^2$", 0, offsetof(row_cells, a1sq)},
    {"mu", "$\\mu$", 0, offsetof(row_cells, mu)},
    {"beta", "$\\beta$", 0, offsetof(row_cells, beta)},
    {"closed_form", "closed form of $\\hat\\sigma$", 0, offsetof(row_cells, closed)},
    {"L_nngp", "$L^*_{\\mathrm{NNGP}}$", 1, offsetof(row_cells, nngp)},
    {"bound", "bound", 1, offsetof(row_cells, bound)},
    {"L_ntk", "$L^*_{\\mathrm{NTK}}$", 1, offsetof(row_cells, ntk)},
    {"W3_L10", "$W_{\\le 3}(10)$", 0, offsetof(row_cells, w3)},
    {"chi1", "$\\chi_1$", 0, offsetof(row_cells, chi1)},
    {"bound_kind", NULL, 0, offsetof(row_cells, kind)},
    {"bound_ntk", "bound$_{\\mathrm{NTK}}$", 1, offsetof(row_cells, bntk)},
};
#define NDEF ((int)(sizeof col_def / sizeof col_def[0]))
#define MAXCOL (NDEF * MAXC)

static const char *const standard[] = {
    "relu", "leaky_relu(0.2)", "abs", "step", "sign", "hardtanh", "tanh", "sigmoid", "erf",
    "gelu", "silu", "softplus", "elu", "selu", "sin", "gaussian", NULL,
};

void da_paper_table_opts_init(da_paper_table_opts *o)
{
    memset(o, 0, sizeof *o);
    o->digits = 4;
    o->delta = "0.1";
    o->eps = "0.01";
    o->n = "1000";
    o->columns = NULL;
    o->work_limit = 60;
}

/* the parsed options */
typedef struct {
    char *buf[3];
    char *dl[MAXC], *el[MAXC], *nl[MAXC];
    int nd, ne, nn, ncombo;
    long nv[MAXC];
    int ncols;
    struct { int def, combo; char name[CELL]; int keep; } col[MAXCOL];
    int nkept;
} parsed;

static void parsed_clear(parsed *p)
{
    for (int i = 0; i < 3; i++)
        free(p->buf[i]);
}

/* split a comma list into at most max items; -1 when there are more */
static int split(char *s, char **items, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return -1;
        items[n++] = t;
    }
    return n;
}

static int parse_number(const char *s, double lo, double hi, const char *what)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return da_fail(DA_EINVAL, "%s: '%s' is not a number", what, s);
    if (v < lo || v > hi)
        return da_fail(DA_EINVAL, "%s: %g is out of range [%g, %g]", what, v, lo, hi);
    return DA_OK;
}

static int parse_opts(parsed *p, const da_paper_table_opts *o)
{
    memset(p, 0, sizeof *p);
    if (o->digits < 1 || o->digits > 30)
        return da_fail(DA_EINVAL, "digits: %ld is out of range [1, 30]", o->digits);
    const char *src[3] = {o->delta, o->eps, o->n};
    for (int i = 0; i < 3; i++)
        if (!src[i] || !(p->buf[i] = strdup(src[i])))
            return src[i] ? da_fail(DA_ENOMEM, "out of memory")
                          : da_fail(DA_EINVAL, "table: delta, eps and n must be given");
    p->nd = split(p->buf[0], p->dl, MAXC);
    p->ne = split(p->buf[1], p->el, MAXC);
    p->nn = split(p->buf[2], p->nl, MAXC);
    if (p->nd <= 0 || p->ne <= 0 || p->nn <= 0 || p->nd * p->ne * p->nn > MAXC)
        return da_fail(DA_EINVAL, "table: give 1 to 16 combinations of delta, eps, n");
    p->ncombo = p->nd * p->ne * p->nn;
    for (int i = 0; i < p->nd; i++)
        if (parse_number(p->dl[i], 1e-12, 1, "delta"))
            return DA_EINVAL;
    for (int i = 0; i < p->nn; i++) {
        char *end;
        errno = 0;
        long v = strtol(p->nl[i], &end, 10);
        if (end == p->nl[i] || *end || errno)
            return da_fail(DA_EINVAL, "n: '%s' is not an integer", p->nl[i]);
        if (v < 2 || v > 1000000000L)
            return da_fail(DA_EINVAL, "n: %ld is out of range [2, 1000000000]", v);
        p->nv[i] = v;
    }
    for (int i = 0; i < p->ne; i++) {
        if (parse_number(p->el[i], 1e-12, 1e12, "eps"))
            return DA_EINVAL;
        double e = strtod(p->el[i], NULL);
        for (int j = 0; j < p->nn; j++)
            if (!(e < (double)(p->nv[j] - 1)))
                return da_fail(DA_EINVAL, "eps: %s must be below n - 1 = %ld", p->el[i],
                               p->nv[j] - 1);
    }
    /* the columns, in order: a run of per-combination columns repeats
       per combination */
    for (int d = 0; d < NDEF;) {
        if (!col_def[d].combo) {
            p->col[p->ncols].def = d;
            snprintf(p->col[p->ncols].name, CELL, "%s", col_def[d].base);
            p->ncols++;
            d++;
            continue;
        }
        int end = d;
        while (end < NDEF && col_def[end].combo)
            end++;
        for (int c = 0; c < p->ncombo; c++)
            for (int g = d; g < end; g++) {
                p->col[p->ncols].def = g;
                p->col[p->ncols].combo = c;
                if (p->ncombo == 1)
                    snprintf(p->col[p->ncols].name, CELL, "%s", col_def[g].base);
                else
                    snprintf(p->col[p->ncols].name, CELL, "%s_d%s_e%s_n%s", col_def[g].base,
                             p->dl[c / (p->ne * p->nn)], p->el[(c / p->nn) % p->ne],
                             p->nl[c % p->nn]);
                p->ncols++;
            }
        d = end;
    }
    for (int i = 0; i < p->ncols; i++)
        p->col[i].keep = o->columns == NULL;
    if (o->columns) {
        char *cs = strdup(o->columns), *save = NULL;
        if (!cs)
            return da_fail(DA_ENOMEM, "out of memory");
        for (char *t = strtok_r(cs, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int found = 0;
            for (int i = 0; i < p->ncols; i++)
                if (!strcmp(t, col_def[p->col[i].def].base) || !strcmp(t, p->col[i].name))
                    p->col[i].keep = found = 1;
            if (!found) {
                int st = da_fail(DA_EINVAL, "columns: no column '%s' (see dualact table --help)", t);
                free(cs);
                return st;
            }
        }
        free(cs);
    }
    for (int i = 0; i < p->ncols; i++)
        p->nkept += p->col[i].keep;
    if (p->nkept == 0)
        return da_fail(DA_EINVAL, "columns: no column named");
    return DA_OK;
}

int da_paper_table_check(const da_paper_table_opts *o)
{
    parsed p;
    int st = parse_opts(&p, o);
    parsed_clear(&p);
    return st;
}

/* CPU seconds of one evaluation of the activation at 128 bits, measured
   on 64 points of [-3, 3]: what the proved quadrature of a row spends per
   node scales with it (a formula of 60 nested tanh costs 36 times tanh).
   A first pass warms the caches (MPFR's constants, the tape), then the
   faster of two timed passes: the estimate must not refuse an ordinary
   table because of one slow first call. */
static double eval_seconds(const da_act *act)
{
    mpfr_t x, y;
    mpfr_init2(x, 128);
    mpfr_init2(y, 128);
    struct timespec t0, t1;
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

/* a row's proved quadratures (coefficients, the depth search's duals,
   the spectrum) cost about 8e5 evaluations of the activation at 128 bits
   (measured: 2e5 to 6.5e5 for tanh nested 5 to 60 times) */
#define ROW_EVALS 8e5

double da_paper_table_cost(const da_act *act)
{
    return ROW_EVALS * eval_seconds(act);
}

static int ball_finite(const da_ball_struct *b)
{
    return mpfr_number_p(b->mid) && mpfr_number_p(b->rad);
}

static void warn(const da_paper_table_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(const da_paper_table_opts *o, const char *fmt, ...)
{
    if (!o->warn)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->warn(o->ctx, msg);
}

/* fill_row's depths: the proved minimal depths of each (delta, eps, n)
   for the NNGP and the NTK with the potential and majorant bounds (a
   bound below the proved depth is warned of); '?' and *rc DA_EACCURACY
   where not decided; *row_rigorous 0 when the depths are estimates;
   nothing when mu is not shown positive */
static void row_depths(row_cells *r, const char *spec, const da_act *act, const parsed *p,
                       const da_paper_table_opts *o, int mu_positive, int *rc,
                       int *row_rigorous)
{
    da_depth_opts dpo;
    da_depth_opts_init(&dpo);
    da_depth_ctx *ctx = NULL;
    if (mu_positive && da_depth_ctx_new(&ctx, act, &dpo) == DA_OK) {
        for (int c = 0; c < p->ncombo; c++) {
            const char *ds = p->dl[c / (p->ne * p->nn)], *es = p->el[(c / p->nn) % p->ne];
            long n = p->nv[c % p->nn];
            da_ball db, eb;
            da_ball_init2(db, 512);
            da_ball_init2(eb, 512);
            da_depth_parse_decimal(db, ds);
            da_depth_parse_decimal(eb, es);
            for (int kern = 0; kern < 2; kern++) {
                da_depth_result dr;
                da_depth_result_init(&dr);
                int s2 = da_depth_find(&dr, ctx, kern ? DA_DEPTH_NTK : DA_DEPTH_NNGP, db, eb, n);
                char *dst = kern ? r->ntk[c] : r->nngp[c];
                if (s2 == DA_OK)
                    snprintf(dst, CELL, "%ld", dr.depth);
                else if (s2 == DA_EINFINITE)
                    snprintf(dst, CELL, "inf");
                else {
                    /* not decided (whatever the reason): said so */
                    snprintf(dst, CELL, "?");
                    *rc = DA_EACCURACY;
                }
                if (!kern && dr.bound_potential >= 0)
                    snprintf(r->bound[c], CELL, "%ld", dr.bound_potential);
                /* the NTK rows' bound: the project's majorant (da_depth_ntk_bound) */
                if (kern && dr.bound_majorant >= 0)
                    snprintf(r->bntk[c], CELL, "%ld", dr.bound_majorant);
                if (kern && s2 == DA_OK && dr.bound_majorant >= 0 && dr.bound_majorant < dr.depth)
                    warn(o, "%s: the NTK bound %ld is below the proved NTK depth %ld (a bug)",
                         spec, dr.bound_majorant, dr.depth);
                if (!kern && s2 == DA_OK && dr.bound_potential >= 0 && dr.bound_potential < dr.depth)
                    warn(o, "%s: the potential bound %ld is below the proved depth %ld (a "
                         "counterexample to the theory, or a bug)", spec, dr.bound_potential,
                         dr.depth);
                da_depth_result_clear(&dr);
            }
            da_ball_clear(db);
            da_ball_clear(eb);
        }
        if (!da_depth_rigorous(ctx))
            *row_rigorous = 0;
        da_depth_ctx_free(ctx);
    }
}

/* fill_row's W_{<=3}(10): the mass of degrees <= 3 at depth 10 ('?' and
   *rc DA_EACCURACY when not reached; *row_rigorous 0 for an estimate) */
static void row_mass(row_cells *r, const da_act *act, long digits, int *rc, int *row_rigorous)
{
    /* W_{<=3}(10) */
    da_learn_spectrum *sp = NULL;
    int sl = da_learn_spectrum_new(&sp, act, 12, 10, digits + 6);
    if (sp) {
        if (!da_learn_rigorous(sp))
            *row_rigorous = 0;
        da_ball m;
        da_ball_init2(m, 128);
        if (da_learn_mass(m, sp, 10, 3) == DA_OK)
            da_ball_get_str(r->w3, CELL, NULL, 0, m, digits, DA_BALL_FIXED);
        da_ball_clear(m);
        da_learn_spectrum_free(sp);
    } else if (sl == DA_EACCURACY) {
        snprintf(r->w3, CELL, "?");
        *rc = DA_EACCURACY;
    }
}

/* fill_row's chi_1 = beta, checked against the mean-field quadrature */
static void row_chi1(row_cells *r, const char *spec, const da_act *act, const da_ball beta,
                     int beta_inf, long digits, const da_paper_table_opts *o)
{
    /* chi_1 at the paper's initialization: sigma_w^2 = 1, sigma_b^2 = 0
       and unit inputs keep q = 1 at every layer for a normalized sigma,
       so chi_1 = E[sigma'(Z)^2] = beta (Stein).  The column shows the
       proved ball of beta; the mean-field module's own double-precision
       quadrature checks it independently, a disagreement is warned of */
    if (beta_inf)
        snprintf(r->chi1, CELL, "inf");
    else if (ball_finite(beta))
        da_ball_get_str(r->chi1, CELL, NULL, 0, beta, digits, DA_BALL_FIXED);
    else
        snprintf(r->chi1, CELL, "?");
    da_meanfield *mf = NULL;
    if (!beta_inf && mpfr_number_p(beta->rad) && da_meanfield_new(&mf, act, 1) == DA_OK) {
        double v = NAN, e = INFINITY;
        int sm = da_meanfield_kernel(&v, &e, mf, 1.0, 1.0, 1.0, 1);
        double b = mpfr_get_d(beta->mid, MPFR_RNDN), br = mpfr_get_d(beta->rad, MPFR_RNDU);
        if (sm == DA_OK && isfinite(v) && fabs(v - b) > e + br + 1e-12 * fabs(b))
            warn(o, "%s: chi_1 by the mean-field quadrature %.12g disagrees with beta %.12g "
                 "(a bug)", spec, v, b);
        da_meanfield_free(mf);
    }
}

/* the cells of one activation's row; DA_OK, DA_EACCURACY (cells '?' or
   with fewer decimals), or an error of the coefficients.  In steps: the
   coefficients (a_1^2, mu, beta), the closed form, the depths
   (row_depths), W_{<=3}(10) (row_mass), chi_1 (row_chi1). */
static int fill_row(row_cells *r, const char *spec, const da_act *act, const parsed *p,
                    const da_paper_table_opts *o)
{
    long digits = o->digits;
    int rc = DA_OK;
    char *all = (char *)r;
    for (size_t i = 0; i < sizeof *r / CELL; i++)
        snprintf(all + i * CELL, CELL, "-");
    snprintf(r->act, CELL, "%s", spec);
    /* coefficients: a_1^2, mu, beta */
    da_hermite_opts ho;
    da_hermite_opts_init(&ho);
    ho.degree = 1;
    ho.digits = digits + 4;
    da_hermite *h = NULL;
    int st = da_hermite_compute(&h, act, &ho);
    if (st && !h)
        return st;
    if (st == DA_EACCURACY)
        rc = DA_EACCURACY;
    da_ball a1sq;
    da_ball_init2(a1sq, h->prec);
    da_ball_mul(a1sq, &h->a[1], &h->a[1]);
    da_ball_get_str(r->a1sq, CELL, NULL, 0, a1sq, digits, DA_BALL_FIXED);
    da_ball_get_str(r->mu, CELL, NULL, 0, &h->mu, digits, DA_BALL_FIXED);
    if (h->beta_infinite)
        snprintf(r->beta, CELL, "inf");
    else
        da_ball_get_str(r->beta, CELL, NULL, 0, &h->beta, digits, DA_BALL_FIXED);
    int mu_positive = mpfr_cmp(h->mu.mid, h->mu.rad) > 0;
    int row_rigorous = h->rigorous;
    /* inputs that are not finite decide nothing and are no numbers: '?'
       (DA_EACCURACY); a_1^2 and mu decide the depths */
    int row_finite = ball_finite(a1sq) && ball_finite(&h->mu);
    if (!ball_finite(a1sq))
        snprintf(r->a1sq, CELL, "?");
    if (!ball_finite(&h->mu))
        snprintf(r->mu, CELL, "?");
    if (!h->beta_infinite && !ball_finite(&h->beta)) {
        snprintf(r->beta, CELL, "?");
        rc = DA_EACCURACY;
    }
    if (!row_finite) {
        mu_positive = 0;
        rc = DA_EACCURACY;
    }
    int beta_inf = h->beta_infinite;
    da_ball beta;
    da_ball_init2(beta, h->prec);
    da_ball_set(beta, &h->beta);
    da_ball_clear(a1sq);
    da_hermite_free(h);
    /* the closed form of sigma_hat */
    da_dual_opts dopt;
    da_dual_opts_init(&dopt);
    dopt.digits = 20;
    dopt.method = DA_DUAL_CLOSED;
    da_dual *d = NULL;
    if (da_dual_new(&d, act, &dopt) == DA_OK) {
        snprintf(r->closed, CELL, "%s", da_dual_closed_form(d));
        da_dual_free(d);
    }
    /* the proved minimal depths */
    if (!row_finite)
        for (int c = 0; c < p->ncombo; c++) {   /* not decided: said so */
            snprintf(r->nngp[c], CELL, "?");
            snprintf(r->ntk[c], CELL, "?");
        }
    row_depths(r, spec, act, p, o, mu_positive, &rc, &row_rigorous);
    row_mass(r, act, digits, &rc, &row_rigorous);
    row_chi1(r, spec, act, beta, beta_inf, digits, o);
    da_ball_clear(beta);
    snprintf(r->kind, CELL, "%s", row_rigorous ? "rigorous" : "estimate");
    return rc;
}

int da_paper_table(da_table **out, const char *const *acts, int nacts,
                   const da_paper_table_opts *o)
{
    *out = NULL;
    da_clear_error();
    if (!acts) {
        acts = standard;
        for (nacts = 0; acts[nacts]; nacts++)
            ;
    }
    if (nacts < 1)
        return da_fail(DA_EINVAL, "table: no activation");
    parsed p;
    int st = parse_opts(&p, o);
    da_act **a = NULL;
    row_cells *row = NULL;
    da_table *t = NULL;
    if (st)
        goto done;
    a = da_calloc((size_t)nacts, sizeof *a);
    row = da_calloc(1, sizeof *row);
    if (!a || !row) {
        st = da_fail(DA_ENOMEM, "out of memory");
        goto done;
    }
    /* every activation parses before any work is done; and an activation
       whose row alone would exceed the work limit of proved quadrature
       could only end as '?': refused (issue 22: 60 nested tanh took 70 s
       and printed '?').  The sum over the rows is not the test: 8e5 is the
       count of a formula that needs every quadrature, while catalogue
       activations with closed forms or exact coefficients need few or
       none, and a table that runs out of its limit shows '?' rows,
       labelled, rather than wrong ones */
    double worst = 0;
    int jworst = 0;
    for (int j = 0; j < nacts; j++) {
        st = da_act_new(&a[j], acts[j]);
        if (st)
            goto done;
        double c = o->work_limit > 0 ? da_paper_table_cost(a[j]) : 0;
        if (c > worst) {
            worst = c;
            jworst = j;
        }
    }
    if (o->work_limit > 0 && worst > o->work_limit) {
        st = da_fail(DA_EINVAL, "table: '%.40s%s' would take about %.2g s (estimated: 8e5 "
                     "evaluations, %.3g ms each), above the work limit of %.0f s of proved "
                     "quadrature; use a simpler activation", acts[jworst],
                     strlen(acts[jworst]) > 40 ? "..." : "", worst,
                     1e3 * worst / ROW_EVALS, o->work_limit);
        goto done;
    }
    const char *head[MAXCOL];
    for (int i = 0, k = 0; i < p.ncols; i++)
        if (p.col[i].keep)
            head[k++] = p.col[i].name;
    st = da_table_new(&t, p.nkept, head);
    if (st)
        goto done;
    for (int i = 0, k = 0; i < p.ncols; i++) {
        if (!p.col[i].keep)
            continue;
        const char *tx = col_def[p.col[i].def].tex;
        if (tx && p.ncombo > 1 && col_def[p.col[i].def].combo) {
            /* several (delta, eps, n): say which in the header */
            int c = p.col[i].combo;
            char buf[192];
            snprintf(buf, sizeof buf, "%s ($\\delta=%g$, $\\epsilon=%g$, $n=%ld$)", tx,
                     strtod(p.dl[c / (p.ne * p.nn)], NULL), strtod(p.el[(c / p.nn) % p.ne], NULL),
                     p.nv[c % p.nn]);
            st = da_table_set_head_tex(t, k, buf);
        } else if (tx) {
            st = da_table_set_head_tex(t, k, tx);
        }
        if (st)
            goto done;
        k++;
    }
    char prov[256];
    snprintf(prov, sizeof prov,
             "dualact %s table: normalized activations; at most %ld decimals, each vouched for by its "
             "error bound; depths found with ball arithmetic, proved in the rows whose bound_kind is "
             "rigorous",
             da_version(), o->digits);
    st = da_table_set_comment(t, prov);
    if (st)
        goto done;
    int acc = DA_OK;
    for (int j = 0; j < nacts; j++) {
        if (o->progress)
            o->progress(o->ctx, j, nacts, acts[j]);
        int sr = fill_row(row, acts[j], a[j], &p, o);
        if (sr == DA_EACCURACY)
            acc = DA_EACCURACY;
        else if (sr) {
            /* the coefficients failed: the activation named */
            char msg[400];
            snprintf(msg, sizeof msg, "%s", da_errmsg());
            st = da_fail(sr, "%s: %s", acts[j], msg);
            goto done;
        }
        const char *cells[MAXCOL];
        for (int i = 0, k = 0; i < p.ncols; i++)
            if (p.col[i].keep)
                cells[k++] = (const char *)row + col_def[p.col[i].def].off +
                             (size_t)p.col[i].combo * CELL;
        st = da_table_add_row(t, cells);
        if (st)
            goto done;
    }
    if (acc)
        st = da_fail(DA_EACCURACY, "table: some entries did not reach the accuracy asked for "
                                   "(shown with fewer decimals or as '?')");
done:
    if (st && st != DA_EACCURACY) {
        da_table_free(t);
        t = NULL;
    }
    *out = t;
    for (int j = 0; a && j < nacts; j++)
        da_act_free(a[j]);
    free(a);
    free(row);
    parsed_clear(&p);
    return st;
}
