/* check_threads.c -- two tests.  test_shared: 8 threads share one
 * activation, its dual, a network kernel on the series path and a mean
 * field, and call the entry points that read them (Hermite coefficients,
 * derivatives, diff texts, evaluations, duals, kernel maps, network
 * kernels) at once; every result must agree with a single-threaded
 * reference within the two error bounds.  Before the reference counts of
 * expressions were atomic and the network kernel's coefficient cache was
 * locked, this crashed or was reported by TSan and ASan (issue 22).
 * test_four_threads: the library from 4 threads at once: activations,
 * Hermite coefficients (MPFR and double), duals, fixed points, the
 * learnability spectrum, data sets and Gram matrices, simulation, tables,
 * plots and error messages; every thread's results must equal those of a
 * single-threaded reference run.  Between rounds the main thread calls
 * da_free_cache(), as its contract allows (no other thread inside the
 * library), and the next round must give the same numbers.  Threads exit
 * after each round, so LeakSanitizer sees whether their MPFR caches are
 * released (tests/sanitize.sh; the TSan pass there runs this program). */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "testutil.h"

#define NTHREADS 4

typedef struct {
    double a3, a3d, mu, dual_half, fp_count, mass, lam_min, sim_mean;
    size_t table_len, plot_len;
    int err_ok;
} result;

static const char *const acts[NTHREADS] = {"tanh", "gelu", "x*tanh(softplus(x))", "elu(0.5)"};

static void work(result *r, const char *spec)
{
    memset(r, 0, sizeof *r);
    da_act *a = NULL;
    if (da_act_new(&a, spec) != DA_OK)
        return;
    da_hermite_opts ho;
    da_hermite_opts_init(&ho);
    ho.degree = 6;
    ho.digits = 25;
    da_hermite *h = NULL;
    if (da_hermite_compute(&h, a, &ho) == DA_OK) {
        r->a3 = mpfr_get_d(h->a[3].mid, MPFR_RNDN);
        r->mu = mpfr_get_d(h->mu.mid, MPFR_RNDN);
    }
    da_hermite_free(h);
    double ad[7], ed[7];
    if (da_hermite_compute_d(ad, ed, 6, a, 0) == DA_OK)
        r->a3d = ad[3];
    da_dual_opts dop;
    da_dual_opts_init(&dop);
    dop.digits = 20;
    da_dual *d = NULL;
    if (da_dual_new(&d, a, &dop) == DA_OK) {
        da_dual_eval_d(&r->dual_half, NULL, d, 0.5, 0);
        da_fixed_point *fp = NULL;
        size_t n = 0;
        if (da_kmap_fixed_points(&fp, &n, d) == DA_OK)
            r->fp_count = (double)n;
        da_kmap_fixed_points_free(fp, n);
        da_gram_data *g = NULL;
        if (da_gram_data_sphere(&g, 30, 4, 7) == DA_OK) {
            da_gram_opts go;
            da_gram_opts_init(&go);
            go.depth = 3;
            da_gram_layer rows[4];
            if (da_gram_analyze(rows, a, g, &go) == DA_OK)
                r->lam_min = rows[3].lambda_min;
        }
        da_gram_data_free(g);
        da_dual_free(d);
    }
    da_learn_spectrum *s = NULL;
    if (da_learn_spectrum_new(&s, a, 20, 20, 20) == DA_OK) {
        da_ball b;
        da_ball_init2(b, 128);
        if (da_learn_mass(b, s, 3, 1) == DA_OK)
            r->mass = mpfr_get_d(b->mid, MPFR_RNDN);
        da_ball_clear(b);
    }
    da_learn_spectrum_free(s);
    da_sim_pair_opts so;
    da_sim_pair_opts_init(&so);
    so.width = 50;
    so.depth = 2;
    so.trials = 5;
    so.seed = 3;
    da_sim_layer sl[3];
    if (da_sim_pair(sl, a, 0.5, &so) == DA_OK)
        r->sim_mean = sl[2].mean;
    const char *head[] = {"act", "mu"};
    da_table *t = NULL;
    da_table_new(&t, 2, head);
    char mu[32];
    snprintf(mu, sizeof mu, "%.6f", r->mu);
    const char *row[] = {spec, mu};
    da_table_add_row(t, row);
    da_table_set_comment(t, "threads");
    char *txt = NULL;
    if (da_table_render(&txt, t, DA_TABLE_JSON) == DA_OK)
        r->table_len = strlen(txt);
    free(txt);
    da_table_free(t);
    da_plot *p = NULL;
    da_plot_new(&p);
    double x[3] = {0, 0.5, 1}, y[3] = {0, r->dual_half, 1};
    da_plot_add_series(p, spec, NULL, x, y, 3);
    da_plot_set_title(p, spec, NULL);
    txt = NULL;
    if (da_plot_render(&txt, p, DA_PLOT_SVG) == DA_OK)
        r->plot_len = strlen(txt);
    free(txt);
    da_plot_free(p);
    /* error messages are per thread */
    da_act *bad = NULL;
    int st = da_act_new(&bad, spec[0] == 't' ? "tanh(" : "nosuchfn(x)");
    r->err_ok = st != DA_OK && da_errmsg()[0] != '\0';
    da_act_free(a);
}

typedef struct {
    int i;
    result r;
} job;

/* ---- 8 threads on shared objects ------------------------------------- */

#define NSHARED 8
#define SH_ROUNDS 2
#define SH_REPS 10

typedef struct {
    const da_act *act;
    const da_dual *dual;
    da_netk *netk;
    const da_meanfield *mf;
} shared_objs;

typedef struct {
    double a3, a3d, dact, dual, dualb, dualb_rad, iter, nk, nk_err, nkd, nkd_err, mfk, mfk_err;
    size_t diff_len, dlen;
    int ok;
} sh_result;

typedef struct {
    const shared_objs *o;
    int i;
    sh_result r;
} sh_job;

/* thread i's arguments (the netk cache sees 8 variance pairs at once) */
static void sh_args(int i, double *q1, double *q2, double *c)
{
    *q1 = 0.5 + 0.125 * i;
    *q2 = 1.25 - 0.0625 * i;
    *c = 0.3 * sqrt(*q1 * *q2);
}

static int sh_work(sh_result *r, const shared_objs *o, int i)
{
    memset(r, 0, sizeof *r);
    int bad = 0;
    da_hermite_opts ho;
    da_hermite_opts_init(&ho);
    ho.degree = 6;
    ho.digits = 20;
    da_hermite *h = NULL;
    if (da_hermite_compute(&h, o->act, &ho) == DA_OK)
        r->a3 = mpfr_get_d(h->a[3].mid, MPFR_RNDN);
    else
        bad++;
    da_hermite_free(h);
    double ad[7], ed[7];
    bad += da_hermite_compute_d(ad, ed, 6, o->act, 0) != DA_OK;
    r->a3d = ad[3];
    /* the derivative as an activation, and its value; and the derivative
       texts: many times, since they take and drop references to the
       shared tree all the time (the count races of issue 22) */
    for (int rep = 0; rep < SH_REPS; rep++) {
        da_act *d = NULL;
        if (da_act_derivative(&d, o->act) == DA_OK) {
            bad += da_act_eval_d(&r->dact, d, 0.3) != DA_OK;
            r->dlen = strlen(da_act_expr(d));
        } else {
            bad++;
        }
        da_act_free(d);
        char *txt = NULL;
        if (da_act_diff_text(&txt, o->act, 2 + (i + rep) % 2, i % 3 == 0) == DA_OK)
            r->diff_len = strlen(txt);
        else
            bad++;
        free(txt);
    }
    mpfr_t x, y;
    mpfr_inits2(80, x, y, (mpfr_ptr)0);
    mpfr_set_d(x, 0.7, MPFR_RNDN);
    bad += da_act_eval(y, o->act, x) != DA_OK;
    mpfr_clears(x, y, (mpfr_ptr)0);
    bad += da_dual_eval_d(&r->dual, NULL, o->dual, 0.5, 0) != DA_OK;
    da_ball rho, v;
    da_ball_init2(rho, 96);
    da_ball_init2(v, 96);
    mpfr_set_d(rho->mid, 0.25, MPFR_RNDN);
    mpfr_set_zero(rho->rad, 1);
    bad += da_dual_eval(v, o->dual, rho, 1) != DA_OK;
    r->dualb = mpfr_get_d(v->mid, MPFR_RNDN);
    r->dualb_rad = mpfr_get_d(v->rad, MPFR_RNDU);
    da_ball_clear(rho);
    da_ball_clear(v);
    double it[6];
    bad += da_kmap_iterate_d(it, NULL, o->dual, 0.9, 5) != DA_OK;
    r->iter = it[5];
    double q1, q2, c;
    sh_args(i, &q1, &q2, &c);
    int st = da_netk_eval_d(&r->nk, &r->nk_err, o->netk, q1, q2, c, i % 2);
    bad += st != DA_OK && st != DA_EACCURACY;
    st = da_netk_eval_d(&r->nkd, &r->nkd_err, o->netk, q1, q1, q1, 0);
    bad += st != DA_OK && st != DA_EACCURACY;
    bad += da_meanfield_kernel(&r->mfk, &r->mfk_err, o->mf, q1, q2, c, 0) != DA_OK;
    bad += da_netk_rigorous(o->netk) != 1 || da_netk_bound_reason(o->netk)[0] != '\0';
    r->ok = !bad;
    return bad;
}

static void *sh_main(void *arg)
{
    sh_job *j = arg;
    sh_work(&j->r, j->o, j->i);
    return NULL;
}

static int close_to(double a, double ea, double b, double eb)
{
    return fabs(a - b) <= ea + eb + 1e-15 * fabs(b);
}

START_TEST(test_shared)
{
    da_act *act = NULL;
    ck_assert_int_eq(da_act_new(&act, "tanh"), DA_OK);
    da_dual_opts dop;
    da_dual_opts_init(&dop);
    dop.digits = 15;
    da_dual *dual = NULL;
    ck_assert_int_eq(da_dual_new(&dual, act, &dop), DA_OK);
    da_netk_opts nop;
    da_netk_opts_init(&nop);
    nop.digits = 12;
    /* the reference on a kernel of its own, so that the shared one starts
       with an empty cache */
    da_netk *nk_ref = NULL, *nk = NULL;
    ck_assert_int_eq(da_netk_new(&nk_ref, act, &nop), DA_OK);
    ck_assert_int_eq(da_netk_new(&nk, act, &nop), DA_OK);
    ck_assert(!da_netk_closed(nk));
    da_meanfield *mf = NULL;
    ck_assert_int_eq(da_meanfield_new(&mf, act, 0), DA_OK);
    shared_objs ref_o = {act, dual, nk_ref, mf}, o = {act, dual, nk, mf};
    sh_result ref[NSHARED];
    for (int i = 0; i < NSHARED; i++)
        ck_assert_msg(sh_work(&ref[i], &ref_o, i) == 0, "reference %d: %s", i, da_errmsg());
    for (int round = 0; round < SH_ROUNDS; round++) {
        pthread_t th[NSHARED];
        sh_job jobs[NSHARED];
        for (int i = 0; i < NSHARED; i++) {
            jobs[i].o = &o;
            jobs[i].i = i;
            ck_assert_int_eq(pthread_create(&th[i], NULL, sh_main, &jobs[i]), 0);
        }
        for (int i = 0; i < NSHARED; i++)
            ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        for (int i = 0; i < NSHARED; i++) {
            const sh_result *a = &jobs[i].r, *b = &ref[i];
            ck_assert_msg(a->ok, "thread %d round %d: a call failed", i, round);
            ck_assert_msg(a->a3 == b->a3 && a->a3d == b->a3d && a->dact == b->dact,
                          "thread %d round %d: coefficients or derivative differ", i, round);
            ck_assert_msg(a->diff_len == b->diff_len && a->dlen == b->dlen,
                          "thread %d round %d: derivative texts differ", i, round);
            ck_assert_msg(a->dual == b->dual && a->dualb == b->dualb && a->iter == b->iter,
                          "thread %d round %d: duals differ", i, round);
            ck_assert_msg(close_to(a->nk, a->nk_err, b->nk, b->nk_err) &&
                          close_to(a->nkd, a->nkd_err, b->nkd, b->nkd_err),
                          "thread %d round %d: network kernels differ: %.17g +- %.2g against %.17g +- %.2g",
                          i, round, a->nk, a->nk_err, b->nk, b->nk_err);
            ck_assert_msg(close_to(a->mfk, a->mfk_err, b->mfk, b->mfk_err),
                          "thread %d round %d: mean-field kernels differ", i, round);
        }
    }
    da_meanfield_free(mf);
    da_netk_free(nk);
    da_netk_free(nk_ref);
    da_dual_free(dual);
    da_act_free(act);
}
END_TEST

static void *thread_main(void *arg)
{
    job *j = arg;
    work(&j->r, acts[j->i]);
    return NULL;
}

static void same(const result *a, const result *b, const char *spec, int round)
{
    ck_assert_msg(a->a3 == b->a3 && a->a3d == b->a3d && a->mu == b->mu, "%s round %d: coefficients differ", spec, round);
    ck_assert_msg(a->dual_half == b->dual_half && a->fp_count == b->fp_count, "%s round %d: dual differs", spec, round);
    ck_assert_msg(a->mass == b->mass && a->lam_min == b->lam_min && a->sim_mean == b->sim_mean,
                  "%s round %d: mass, Gram or simulation differ", spec, round);
    ck_assert_msg(a->table_len == b->table_len && a->plot_len == b->plot_len, "%s round %d: reports differ", spec, round);
    ck_assert(a->err_ok && b->err_ok);
}

START_TEST(test_four_threads)
{
    result ref[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        work(&ref[i], acts[i]);
        ck_assert_msg(ref[i].a3 != 0 && ref[i].table_len > 0 && ref[i].plot_len > 0 &&
                      ref[i].fp_count >= 1 && isfinite(ref[i].lam_min), "reference %s", acts[i]);
    }
    da_free_cache();
    for (int round = 0; round < 2; round++) {
        pthread_t th[NTHREADS];
        job jobs[NTHREADS];
        for (int i = 0; i < NTHREADS; i++) {
            jobs[i].i = i;
            ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
        }
        for (int i = 0; i < NTHREADS; i++)
            ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        for (int i = 0; i < NTHREADS; i++)
            same(&jobs[i].r, &ref[i], acts[i], round);
        /* the contract: no other thread is inside the library */
        da_free_cache();
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tu_limits(tc, 300, 4);
    tcase_add_test(tc, test_shared);
    tcase_add_test(tc, test_four_threads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
