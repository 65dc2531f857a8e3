/* check_threads.c -- the library from 4 threads at once: activations,
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
    tcase_add_test(tc, test_four_threads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
