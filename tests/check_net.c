/* check_net.c -- networks from a spec (dualact/net.h): the parser's
 * refusals, the plain Dense/activation network against da_netk_network
 * (a second implementation), identities of residual, layernorm, repeat and
 * identity layers, and mixed networks against mpmath references
 * (tests/data/net_refs.csv, written by tests/gen/gen_net_refs.py). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dualact.h"
#include "testutil.h"

static void ball_str(da_ball b, const char *s, mpfr_prec_t p)
{
    da_ball_init2(b, p);
    mpfr_set_str(b->mid, s, 10, MPFR_RNDN);
    mpfr_set_zero(b->rad, 1);
}

/* the rows of spec on (q1, q2, c); returns the status */
static int net_rows(const char *spec, const char *q1s, const char *q2s, const char *cs,
                    long digits, da_net **net, da_net_row **rows)
{
    da_net_opts o;
    da_net_opts_init(&o);
    o.digits = digits;
    int st = da_net_new(net, spec, &o);
    if (st)
        return st;
    long n = da_net_rows(*net);
    *rows = calloc((size_t)n, sizeof **rows);
    ck_assert(*rows);
    for (long i = 0; i < n; i++)
        da_net_row_init(&(*rows)[i]);
    da_ball q1, q2, c;
    ball_str(q1, q1s, 256);
    ball_str(q2, q2s, 256);
    ball_str(c, cs, 256);
    st = da_net_kernel(*rows, *net, q1, q2, c);
    da_ball_clear(q1);
    da_ball_clear(q2);
    da_ball_clear(c);
    return st;
}

static void net_done(da_net *net, da_net_row *rows)
{
    long n = da_net_rows(net);
    for (long i = 0; i < n; i++)
        da_net_row_clear(&rows[i]);
    free(rows);
    da_net_free(net);
}

/* two balls that must enclose the same number intersect */
static int overlap(const da_ball_struct *a, const da_ball_struct *b)
{
    mpfr_t d, r;
    mpfr_init2(d, 512);
    mpfr_init2(r, 64);
    mpfr_sub(d, a->mid, b->mid, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_add(r, a->rad, b->rad, MPFR_RNDU);
    mpfr_mul_d(r, r, 1.0000001, MPFR_RNDU);
    int ok = mpfr_number_p(d) && mpfr_cmp(d, r) <= 0;
    mpfr_clear(d);
    mpfr_clear(r);
    return ok;
}

START_TEST(test_refusals)
{
    static const struct { const char *spec; int col; } bad[] = {
        {"dense(1.5)", 7}, {"dense(1.5,0.1); ; erf", 17}, {"repeat(3){erf", 1},
        {"residual(1,-1){erf}", 12}, {"repeat(2.5){erf}", 8}, {"erf; tanh(x", 5},
        {"layernorm(x)", 11}, {"dense(1,0); nosuchfunction", 13}, {"", 1}, {"erf;", 5},
        {"dense(1,0) erf", 11}, {"residual(1,1)", 14},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        da_net *net = NULL;
        int st = da_net_new(&net, bad[i].spec, NULL);
        ck_assert_msg(st == DA_EINVAL && !net, "'%s' accepted", bad[i].spec);
        ck_assert_msg(strstr(da_errmsg(), "network: at character") != NULL, "%s: %s", bad[i].spec,
                      da_errmsg());
        ck_assert_msg(da_errcol() == bad[i].col, "'%s': column %d, not %d (%s)", bad[i].spec,
                      da_errcol(), bad[i].col, da_errmsg());
    }
    da_net *net = NULL;
    /* blocks nested beyond 64 (the parser recurses per level: a deep
       spec must be refused, not overflow the stack) */
    size_t deep = 20000, len = deep * 11 + 4;
    char *s = malloc(len);
    ck_assert(s);
    size_t o = 0;
    for (size_t i = 0; i < deep; i++)
        o += (size_t)sprintf(s + o, "repeat(1){");
    o += (size_t)sprintf(s + o, "erf");
    for (size_t i = 0; i < deep; i++)
        s[o++] = '}';
    s[o] = 0;
    ck_assert_int_eq(da_net_new(&net, s, NULL), DA_EINVAL);
    ck_assert_msg(strstr(da_errmsg(), "nested more than 64") != NULL, "%s", da_errmsg());
    free(s);
    ck_assert_int_eq(da_net_new(&net, "repeat(1){repeat(1){repeat(1){erf}}}", NULL), DA_OK);
    da_net_free(net);
    ck_assert_int_eq(da_net_new(&net, "repeat(100000){erf; relu}", NULL), DA_EINVAL);
    ck_assert_int_eq(da_net_new(&net, "repeat(100000){repeat(100000){erf}}", NULL), DA_EINVAL);
    ck_assert_int_eq(da_net_new(&net, "repeat(50000){erf; Dense(1,0)}", NULL), DA_OK);
    ck_assert_int_eq(da_net_rows(net), 100001);
    da_net_free(net);
}
END_TEST

/* dense(w,b); repeat(L){ACT; dense(w,b)} is da_netk_network's network:
 * the rows after each dense are its layers */
START_TEST(test_plain_vs_netk)
{
    static const char *acts[] = {"erf", "relu", "tanh", "gelu", "x*exp(-x^2/2)"};
    static const char *ins[][3] = {{"1.3", "0.7", "0.4"}, {"0.5", "2.0", "-0.9"},
                                   {"1", "1", "0.999"}};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++)
        for (size_t t = 0; t < 3; t++) {
            char spec[256];
            snprintf(spec, sizeof spec, "dense(1.5,0.1); repeat(3){%s; dense(1.5,0.1)}", acts[a]);
            da_net *net;
            da_net_row *rows;
            int st = net_rows(spec, ins[t][0], ins[t][1], ins[t][2], 20, &net, &rows);
            ck_assert_msg(st == DA_OK || st == DA_EACCURACY, "%s: %d %s", spec, st, da_errmsg());
            ck_assert_int_eq(da_net_rows(net), 8);
            da_act *act;
            ck_assert_int_eq(da_act_new(&act, acts[a]), DA_OK);
            da_netk_opts o;
            da_netk_opts_init(&o);
            o.digits = 20;
            da_netk *k;
            ck_assert_int_eq(da_netk_new(&k, act, &o), DA_OK);
            da_netk_net n;
            da_netk_net_init(&n);
            n.depth = 3;
            ball_str(&n.sw2, "1.5", 256);
            ball_str(&n.sb2, "0.1", 256);
            da_netk_layer lr[4];
            for (int l = 0; l < 4; l++)
                da_netk_layer_init(&lr[l]);
            da_ball q1, q2, c;
            ball_str(q1, ins[t][0], 256);
            ball_str(q2, ins[t][1], 256);
            ball_str(c, ins[t][2], 256);
            st = da_netk_network(lr, k, &n, q1, q2, c);
            ck_assert(st == DA_OK || st == DA_EACCURACY);
            for (int l = 0; l < 4; l++) {
                const da_net_row *r = &rows[1 + 2 * l];
                ck_assert_str_eq(r->name, "dense(1.5,0.1)");
                ck_assert_msg(overlap(&r->q1, &lr[l].q1) && overlap(&r->q2, &lr[l].q2) &&
                              overlap(&r->nngp, &lr[l].nngp) && overlap(&r->ntk, &lr[l].ntk),
                              "%s on (%s,%s,%s), layer %d", spec, ins[t][0], ins[t][1],
                              ins[t][2], l);
            }
            ck_assert_int_eq(da_net_rigorous(net), da_netk_rigorous(k));
            for (int l = 0; l < 4; l++)
                da_netk_layer_clear(&lr[l]);
            da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c);
            da_ball_clear(&n.sw2); da_ball_clear(&n.sb2);
            da_netk_free(k);
            da_act_free(act);
            net_done(net, rows);
        }
}
END_TEST

/* residual(a,b){identity} = (a + b) x; residual(1,0){...} = nothing;
 * repeat(0){...} and identity add a row that changes nothing; layernorm
 * gives K(x,x) = 1 and the correlation; two routes to the same kernel */
START_TEST(test_identities)
{
    da_net *n1, *n2;
    da_net_row *r1, *r2;
    ck_assert_int_eq(net_rows("dense(2,0.1); residual(0.25,0.5){identity}", "1.3", "0.7", "0.4",
                              25, &n1, &r1), DA_OK);
    ck_assert_int_eq(net_rows("dense(2,0.1); dense(0.75,0)", "1.3", "0.7", "0.4", 25, &n2, &r2),
                     DA_OK);
    /* dense(0.75, 0) also adds K to Theta, residual does not: compare K */
    ck_assert(overlap(&r1[2].nngp, &r2[2].nngp) && overlap(&r1[2].q1, &r2[2].q1));
    net_done(n1, r1);
    net_done(n2, r2);
    ck_assert_int_eq(net_rows("dense(2,0.1); residual(1,0){tanh; dense(3,1)}; repeat(0){erf}; identity",
                              "1.3", "0.7", "0.4", 25, &n1, &r1), DA_OK);
    ck_assert_int_eq(da_net_rows(n1), 4);
    ck_assert(overlap(&r1[1].nngp, &r1[2].nngp) && overlap(&r1[1].ntk, &r1[3].ntk));
    ck_assert_str_eq(r1[3].name, "identity");
    net_done(n1, r1);
    ck_assert_int_eq(net_rows("dense(2,0.1); erf; LayerNorm", "1.3", "0.7", "0.4", 25, &n1, &r1),
                     DA_OK);
    ck_assert(tu_ball_contains_str(&r1[3].q1, "1") && tu_ball_contains_str(&r1[3].q2, "1"));
    /* the correlation of layer 2 */
    da_ball rho, t;
    da_ball_init2(rho, 256);
    da_ball_init2(t, 256);
    da_ball_mul(t, &r1[2].q1, &r1[2].q2);
    da_ball_sqrt(t, t);
    ck_assert_int_eq(da_ball_div(rho, &r1[2].nngp, t), DA_OK);
    ck_assert(overlap(rho, &r1[3].nngp));
    da_ball_clear(rho);
    da_ball_clear(t);
    net_done(n1, r1);
    /* x = x' stays x = x': layernorm gives exactly 1, residual keeps it */
    ck_assert_int_eq(net_rows("dense(1.5,0.1); relu; layernorm; residual(0.5,0.5){erf; dense(2,0)}",
                              "0.8", "0.8", "0.8", 25, &n1, &r1), DA_OK);
    for (long i = 0; i < da_net_rows(n1); i++)
        ck_assert(mpfr_equal_p(r1[i].q1.mid, r1[i].nngp.mid) &&
                  mpfr_equal_p(r1[i].q2.mid, r1[i].nngp.mid));
    ck_assert(tu_ball_contains_str(&r1[3].nngp, "1"));
    net_done(n1, r1);
}
END_TEST

/* mixed networks against mpmath, layer by layer: every ball contains the
 * reference */
START_TEST(test_mpmath_refs)
{
    FILE *f = tu_open_data("net_refs.csv");
    ck_assert_msg(f != NULL, "tests/data/net_refs.csv");
    char line[4096], spec[1024] = "";
    da_net *net = NULL;
    da_net_row *rows = NULL;
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *fld[9], *s = line;
        for (int j = 0; j < 9; j++) {
            fld[j] = s;
            s = strchr(s, '|');
            if (j < 8) {
                ck_assert(s);
                *s++ = 0;
            }
        }
        fld[8][strcspn(fld[8], "\n")] = 0;
        if (strcmp(spec, fld[0])) {
            if (net)
                net_done(net, rows);
            snprintf(spec, sizeof spec, "%s", fld[0]);
            int st = net_rows(spec, fld[1], fld[2], fld[3], 20, &net, &rows);
            ck_assert_msg(st == DA_OK, "%s: %d %s", spec, st, da_errmsg());
        }
        long l = atol(fld[4]);
        ck_assert(l < da_net_rows(net));
        const da_ball_struct *b[4] = {&rows[l].q1, &rows[l].q2, &rows[l].nngp, &rows[l].ntk};
        for (int j = 0; j < 4; j++) {
            /* the reference is good to about 1e-30 (gen_net_refs.py) */
            da_ball w;
            da_ball_init2(w, 256);
            da_ball_set(w, b[j]);
            mpfr_add_d(w->rad, w->rad, 1e-29, MPFR_RNDU);
            ck_assert_msg(tu_ball_contains_str(w, fld[5 + j]), "%s layer %ld column %d: ref %s",
                          spec, l, j, fld[5 + j]);
            da_ball_clear(w);
            ck_assert_msg(da_ball_digits(b[j]) >= 20, "%s layer %ld: %.1f digits", spec, l,
                          da_ball_digits(b[j]));
        }
        checked++;
    }
    fclose(f);
    if (net)
        net_done(net, rows);
    ck_assert_int_ge(checked, 10);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 300, 1);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_identities);
    tcase_add_test(tc, test_plain_vs_netk);
    tcase_add_test(tc, test_mpmath_refs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
