/* check_sizes.c -- every public function that takes a size, a count or a
 * depth, called with SIZE_MAX-sized (or LONG_MAX) arguments: each must
 * return an error status (DA_EINVAL, DA_ENOMEM, ...) before it allocates,
 * reads or writes anything of that size; a crash fails the test (check
 * forks each test; issue 22: da_netk_matrix_d with n1 = SIZE_MAX overflowed
 * its stack).  The arrays passed are small and valid: a function that
 * trusted the size and went ahead would read or write past them, which
 * ASan reports in tests/sanitize.sh. */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "testutil.h"

/* a byte count of doubles that cannot exist */
#define HUGE_N (SIZE_MAX / sizeof(double) + 1)

static double small[64];

static da_act *tanh_act(void)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "tanh"), DA_OK);
    return a;
}

static void net_init(da_netk_net *n, long depth)
{
    da_netk_net_init(n);
    n->depth = depth;
    da_ball_init2(&n->sw2, 64);
    da_ball_init2(&n->sb2, 64);
    mpfr_set_ui(n->sw2.mid, 2, MPFR_RNDN);
    mpfr_set_zero(n->sw2.rad, 1);
    mpfr_set_zero(n->sb2.mid, 1);
    mpfr_set_zero(n->sb2.rad, 1);
}

static void net_clear(da_netk_net *n)
{
    da_ball_clear(&n->sw2);
    da_ball_clear(&n->sb2);
}

START_TEST(test_gram_data)
{
    da_gram_data *g = NULL;
    ck_assert_int_ne(da_gram_data_sphere(&g, SIZE_MAX, 3, 1), DA_OK);
    ck_assert_ptr_null(g);
    ck_assert_int_ne(da_gram_data_sphere(&g, 3, SIZE_MAX, 1), DA_OK);
    ck_assert_int_ne(da_gram_data_sphere(&g, (size_t)1 << 32, (size_t)1 << 32, 1), DA_OK);
    ck_assert_int_ne(da_gram_data_separated(&g, SIZE_MAX, 3, 0.1, 1), DA_OK);
    ck_assert_int_ne(da_gram_data_separated(&g, 3, SIZE_MAX, 0.1, 1), DA_OK);
    ck_assert_int_ne(da_gram_data_separated(&g, (size_t)1 << 32, (size_t)1 << 32, 0.1, 1), DA_OK);
    ck_assert_ptr_null(g);
}
END_TEST

START_TEST(test_kmap)
{
    da_act *a = tanh_act();
    da_dual *d = NULL;
    ck_assert_int_eq(da_dual_new(&d, a, NULL), DA_OK);
    da_ball_struct rho[2];
    da_ball_init2(&rho[0], 64);
    da_ball_init2(&rho[1], 64);
    mpfr_set_d(rho[0].mid, 0.5, MPFR_RNDN);
    mpfr_set_zero(rho[0].rad, 1);
    mpfr_set_d(rho[1].mid, 0.25, MPFR_RNDN);
    mpfr_set_zero(rho[1].rad, 1);
    da_kmap *k = NULL;
    ck_assert_int_ne(da_kmap_iterate(&k, d, rho, SIZE_MAX, 3, 0), DA_OK);
    ck_assert_ptr_null(k);
    ck_assert_int_ne(da_kmap_iterate(&k, d, rho, 2, LONG_MAX, 0), DA_OK);
    ck_assert_int_ne(da_kmap_iterate(&k, d, rho, SIZE_MAX / 4, LONG_MAX / 4, 1), DA_OK);
    ck_assert_ptr_null(k);
    ck_assert_int_ne(da_kmap_iterate_d(small, NULL, d, 0.5, LONG_MAX), DA_OK);
    ck_assert_int_ne(da_kmap_iterate_d(small, NULL, d, 0.5, -1), DA_OK);
    da_ball_clear(&rho[0]);
    da_ball_clear(&rho[1]);
    da_dual_free(d);
    da_act_free(a);
}
END_TEST

START_TEST(test_hermite)
{
    da_act *a = tanh_act();
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = LONG_MAX;
    da_hermite *h = NULL;
    ck_assert_int_ne(da_hermite_compute(&h, a, &o), DA_OK);
    ck_assert_ptr_null(h);
    o.degree = 3;
    o.digits = LONG_MAX;
    ck_assert_int_ne(da_hermite_compute(&h, a, &o), DA_OK);
    ck_assert_int_ne(da_hermite_compute_d(small, small, LONG_MAX, a, 0), DA_OK);
    const mpfr_t *x = NULL, *w = NULL;
    ck_assert_int_ne(da_gh_rule(&x, &w, LONG_MAX, 64), DA_OK);
    ck_assert_int_ne(da_gh_rule_d(small, small, LONG_MAX), DA_OK);
    da_act_free(a);
}
END_TEST

START_TEST(test_netk_matrix_d)
{
    da_act *a = tanh_act();
    da_netk *k = NULL;
    ck_assert_int_eq(da_netk_new(&k, a, NULL), DA_OK);
    da_netk_net n;
    net_init(&n, 1);
    /* n1 = SIZE_MAX: (n1 + 1) * sizeof and n1 * n2 overflow */
    ck_assert_int_ne(da_netk_matrix_d(small, small, small, k, &n, small, SIZE_MAX, small, 1, 1),
                     DA_OK);
    ck_assert_int_ne(da_netk_matrix_d(small, small, small, k, &n, small, 1, small, SIZE_MAX, 1),
                     DA_OK);
    ck_assert_int_ne(da_netk_matrix_d(small, small, small, k, &n, small, (size_t)1 << 32, small,
                                      (size_t)1 << 32, 1), DA_OK);
    ck_assert_int_ne(da_netk_matrix_d(small, small, small, k, &n, small, 1, small, 1, SIZE_MAX),
                     DA_OK);
    net_clear(&n);
    da_netk_free(k);
    da_act_free(a);
}
END_TEST

START_TEST(test_netk_matrix)
{
    da_act *a = tanh_act();
    da_netk *k = NULL;
    ck_assert_int_eq(da_netk_new(&k, a, NULL), DA_OK);
    da_netk_net n;
    net_init(&n, 1);
    ck_assert_int_ne(da_netk_matrix(small, NULL, small, NULL, NULL, k, &n, small, SIZE_MAX, small,
                                    1, 1, NULL), DA_OK);
    ck_assert_int_ne(da_netk_matrix(small, NULL, small, NULL, NULL, k, &n, small, (size_t)1 << 32,
                                    small, (size_t)1 << 32, 1, NULL), DA_OK);
    ck_assert_int_ne(da_netk_matrix(small, NULL, small, NULL, NULL, k, &n, small, 1, small, 1,
                                    SIZE_MAX, NULL), DA_OK);
    net_clear(&n);
    da_netk_free(k);
    da_act_free(a);
}
END_TEST

START_TEST(test_netk_network)
{
    da_act *a = tanh_act();
    da_netk *k = NULL;
    ck_assert_int_eq(da_netk_new(&k, a, NULL), DA_OK);
    da_netk_net n;
    net_init(&n, LONG_MAX);
    da_netk_layer rows[2];
    da_netk_layer_init(&rows[0]);
    da_netk_layer_init(&rows[1]);
    da_ball q;
    da_ball_init2(q, 64);
    mpfr_set_ui(q->mid, 1, MPFR_RNDN);
    mpfr_set_zero(q->rad, 1);
    ck_assert_int_ne(da_netk_network(rows, k, &n, q, q, q), DA_OK);
    da_ball_clear(q);
    da_netk_layer_clear(&rows[0]);
    da_netk_layer_clear(&rows[1]);
    net_clear(&n);
    da_netk_free(k);
    da_act_free(a);
}
END_TEST

START_TEST(test_gram)
{
    da_act *a = tanh_act();
    /* a data set that claims 2^32 rows: n^2 overflows */
    da_gram_data g;
    memset(&g, 0, sizeof g);
    g.n = (size_t)1 << 32;
    g.dim = 1;
    g.x = small;
    da_gram_opts o;
    da_gram_opts_init(&o);
    o.depth = 1;
    da_gram_layer rows[2];
    ck_assert_int_ne(da_gram_analyze(rows, a, &g, &o), DA_OK);
    g.n = 2;
    o.depth = LONG_MAX;
    ck_assert_int_ne(da_gram_analyze(rows, a, &g, &o), DA_OK);
    g.n = (size_t)1 << 32;
    da_netk_net n;
    net_init(&n, 1);
    da_gram_net_opts no;
    da_gram_net_opts_init(&no);
    da_gram_net_layer nrows[2];
    ck_assert_int_ne(da_gram_network(nrows, a, &g, &n, &no), DA_OK);
    g.n = 2;
    n.depth = LONG_MAX;
    ck_assert_int_ne(da_gram_network(nrows, a, &g, &n, &no), DA_OK);
    net_clear(&n);
    double r, R;
    ck_assert_int_ne(da_effrank(&r, &R, small, 4, SIZE_MAX), DA_OK);
    ck_assert_int_ne(da_effrank(&r, &R, small, HUGE_N, 1), DA_OK);
    ck_assert_int_ne(da_effrank_partial(&r, &R, 1, 1, small, SIZE_MAX), DA_OK);
    da_act_free(a);
}
END_TEST

START_TEST(test_simulate)
{
    da_act *a = tanh_act();
    da_sim_pair_opts o;
    da_sim_pair_opts_init(&o);
    da_sim_layer rows[2];
    o.width = LONG_MAX;
    o.depth = 1;
    ck_assert_int_ne(da_sim_pair(rows, a, 0.5, &o), DA_OK);
    o.width = 10;
    o.depth = LONG_MAX;
    ck_assert_int_ne(da_sim_pair(rows, a, 0.5, &o), DA_OK);
    o.depth = 1;
    o.trials = LONG_MAX;
    o.dim = LONG_MAX;
    ck_assert_int_ne(da_sim_pair(rows, a, 0.5, &o), DA_OK);
    da_sim_opts so;
    da_sim_opts_init(&so);
    so.width = LONG_MAX;
    double e, se;
    ck_assert_int_ne(da_learn_simulate(&e, &se, a, &so), DA_OK);
    da_sim_opts_init(&so);
    so.networks = LONG_MAX;
    so.inputs = LONG_MAX;
    ck_assert_int_ne(da_learn_simulate(&e, &se, a, &so), DA_OK);
    da_act_free(a);
}
END_TEST

START_TEST(test_learn)
{
    da_act *a = tanh_act();
    da_learn_spectrum *s = NULL;
    ck_assert_int_ne(da_learn_spectrum_new(&s, a, LONG_MAX, 3, 20), DA_OK);
    ck_assert_ptr_null(s);
    ck_assert_int_ne(da_learn_spectrum_new(&s, a, 10, LONG_MAX, 20), DA_OK);
    ck_assert_ptr_null(s);
    da_act_free(a);
}
END_TEST

START_TEST(test_report)
{
    da_plot *p = NULL;
    ck_assert_int_eq(da_plot_new(&p), DA_OK);
    ck_assert_int_ne(da_plot_add_series(p, "s", NULL, small, small, HUGE_N), DA_OK);
    ck_assert_int_ne(da_plot_add_series(p, "s", NULL, small, small, SIZE_MAX), DA_OK);
    ck_assert_int_eq(da_plot_series_count(p), 0);
    da_plot_free(p);
    double ticks[4];
    int count = 0;
    double lo = 0, hi = 1;
    ck_assert_int_eq(da_plot_nice_ticks(ticks, 4, &count, &lo, &hi, INT_MAX, 0), DA_OK);
    ck_assert_int_le(count, 4);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sizes");
    TCase *tc = tcase_create("sizes");
    tu_limits(tc, 60, 1);
    tcase_add_test(tc, test_gram_data);
    tcase_add_test(tc, test_kmap);
    tcase_add_test(tc, test_hermite);
    tcase_add_test(tc, test_netk_matrix_d);
    tcase_add_test(tc, test_netk_matrix);
    tcase_add_test(tc, test_netk_network);
    tcase_add_test(tc, test_gram);
    tcase_add_test(tc, test_simulate);
    tcase_add_test(tc, test_learn);
    tcase_add_test(tc, test_report);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
