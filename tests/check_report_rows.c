/* check_report_rows.c -- the rows of dualact table (da_paper_table) and of
 * dualact learn --format csv (da_learn_table), as da_tables.
 *
 * References, computed here independently of the code under test: the
 * normalized ReLU's a_1^2 = 1/(2 - 2/pi), mu = 1 - a_1^2, beta = chi_1 =
 * pi/(pi - 1) (E[relu'^2] = 1/2 over Var relu = 1/2 - 1/(2 pi)); step's
 * a_1^2 = 2/pi; the potential bound from its formula; the proved depths
 * of tests/data/depth_relu_normalized.csv (mpmath, tests/gen/gen_depth.py);
 * the line's mass W_{<=1}(L) = (a_1^2)^L; the multiplicities
 * N(5, l) = 1, 5, 14 of the spherical harmonics on S^4. */
#define _POSIX_C_SOURCE 200809L
#include "dualact.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 64

/* the CSV text split into lines and fields (no quoted commas in these
   tables); a first '# ' line (the provenance) is skipped */
typedef struct {
    char *buf;
    int nrows, ncols;
    char *f[32][MAXF];
} csv_t;

static void csv_parse(csv_t *c, const char *text)
{
    memset(c, 0, sizeof *c);
    c->buf = strdup(text);
    ck_assert_ptr_nonnull(c->buf);
    char *save = NULL;
    for (char *line = strtok_r(c->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "# ", 2))
            continue;
        ck_assert_int_lt(c->nrows, 32);
        int n = 0;
        char *p = line;
        for (;;) {
            ck_assert_int_lt(n, MAXF);
            c->f[c->nrows][n++] = p;
            char *comma = strchr(p, ',');
            if (!comma)
                break;
            *comma = 0;
            p = comma + 1;
        }
        if (c->nrows == 0)
            c->ncols = n;
        else
            ck_assert_int_eq(n, c->ncols);
        c->nrows++;
    }
}

/* the cell of row r (1 = the first data row) in the column named col */
static const char *cell(const csv_t *c, int r, const char *col)
{
    for (int i = 0; i < c->ncols; i++)
        if (!strcmp(c->f[0][i], col))
            return c->f[r][i];
    ck_abort_msg("no column %s", col);
    return NULL;
}

static char *render(const da_table *t, da_table_format fmt)
{
    char *s = NULL;
    ck_assert_int_eq(da_table_render(&s, t, fmt), DA_OK);
    return s;
}

static void fixed4(char *buf, size_t len, double x)
{
    snprintf(buf, len, "%.4f", x);
}

/* the proved depth of tests/data/depth_relu_normalized.csv */
static long ref_depth(const char *kernel, const char *delta, const char *eps, const char *n)
{
    FILE *f = tu_open_data("depth_relu_normalized.csv");
    ck_assert_ptr_nonnull(f);
    char line[256];
    long depth = -1;
    while (fgets(line, sizeof line, f)) {
        char k[16], d[32], e[32], nn[32];
        long v;
        if (line[0] == '#' || sscanf(line, "%15[^,],%31[^,],%31[^,],%31[^,],%ld", k, d, e, nn, &v) != 5)
            continue;
        if (!strcmp(k, kernel) && !strcmp(d, delta) && !strcmp(e, eps) && !strcmp(nn, n))
            depth = v;
    }
    fclose(f);
    ck_assert_msg(depth >= 0, "no reference for %s %s %s %s", kernel, delta, eps, n);
    return depth;
}

START_TEST(table_relu_cells)
{
    da_paper_table_opts o;
    da_paper_table_opts_init(&o);
    const char *acts[] = {"relu", "step"};
    da_table *t = NULL;
    ck_assert_int_eq(da_paper_table(&t, acts, 2, &o), DA_OK);
    char *s = render(t, DA_TABLE_CSV);
    csv_t c;
    csv_parse(&c, s);
    ck_assert_int_eq(c.nrows, 3);
    const char *head[] = {"activation", "a1^2", "mu", "beta", "closed_form", "L_nngp", "bound",
                          "L_ntk", "W3_L10", "chi1", "bound_kind", "bound_ntk"};
    ck_assert_int_eq(c.ncols, 12);
    for (int i = 0; i < 12; i++)
        ck_assert_str_eq(c.f[0][i], head[i]);
    double a1sq = 1 / (2 - 2 / M_PI), mu = 1 - a1sq, beta = M_PI / (M_PI - 1);
    char want[32];
    ck_assert_str_eq(cell(&c, 1, "activation"), "relu");
    fixed4(want, sizeof want, a1sq);
    ck_assert_str_eq(cell(&c, 1, "a1^2"), want);
    fixed4(want, sizeof want, mu);
    ck_assert_str_eq(cell(&c, 1, "mu"), want);
    fixed4(want, sizeof want, beta);
    ck_assert_str_eq(cell(&c, 1, "beta"), want);
    ck_assert_str_eq(cell(&c, 1, "chi1"), want);
    ck_assert_str_eq(cell(&c, 1, "closed_form"), "relu");
    ck_assert_str_eq(cell(&c, 1, "bound_kind"), "rigorous");
    /* the potential bound ceil(ln[(1-d)(n-1-e)/(d e)] / ln(1+mu)) */
    double pb = log((1 - 0.1) * (1000 - 1 - 0.01) / (0.1 * 0.01)) / log(1 + mu);
    ck_assert(fabs(pb - round(pb)) > 1e-6);
    snprintf(want, sizeof want, "%.0f", ceil(pb));
    ck_assert_str_eq(cell(&c, 1, "bound"), want);
    /* the NTK bound beside the NTK depth: 28 >= 25 (tests/data/depth_ntk_bound.csv,
       tests/gen/gen_depth_bias.py: relu at delta 0.1, eps 0.01, n 1000) */
    ck_assert_str_eq(cell(&c, 1, "L_ntk"), "25");
    ck_assert_str_eq(cell(&c, 1, "bound_ntk"), "28");
    /* step jumps: beta, chi_1 and the NTK's depth are infinite */
    fixed4(want, sizeof want, 2 / M_PI);
    ck_assert_str_eq(cell(&c, 2, "a1^2"), want);
    ck_assert_str_eq(cell(&c, 2, "beta"), "inf");
    ck_assert_str_eq(cell(&c, 2, "chi1"), "inf");
    ck_assert_str_eq(cell(&c, 2, "L_ntk"), "inf");
    /* W_{<=3}(10) is a share: in [W_{<=1}(10), 1] = [(a_1^2)^10, 1] */
    double w3 = strtod(cell(&c, 1, "W3_L10"), NULL);
    ck_assert(w3 >= pow(a1sq, 10) - 1e-4 && w3 <= 1);
    /* LaTeX: the heads, and step's infinite cells */
    char *tex = render(t, DA_TABLE_LATEX);
    ck_assert_ptr_nonnull(strstr(tex, "$\\mu$"));
    ck_assert_ptr_nonnull(strstr(tex, "$W_{\\le 3}(10)$"));
    ck_assert_ptr_nonnull(strstr(tex, "$\\infty$"));
    ck_assert_ptr_nonnull(strstr(tex, "% dualact "));
    free(tex);
    free(s);
    free(c.buf);
    da_table_free(t);
}
END_TEST

START_TEST(table_depths_against_mpmath)
{
    da_paper_table_opts o;
    da_paper_table_opts_init(&o);
    o.delta = "0.5,0.1";
    o.eps = "0.1";
    o.n = "100";
    o.columns = "activation,L_nngp,L_ntk";
    const char *acts[] = {"relu"};
    da_table *t = NULL;
    ck_assert_int_eq(da_paper_table(&t, acts, 1, &o), DA_OK);
    char *s = render(t, DA_TABLE_CSV);
    csv_t c;
    csv_parse(&c, s);
    ck_assert_int_eq(c.ncols, 5);
    ck_assert_str_eq(c.f[0][1], "L_nngp_d0.5_e0.1_n100");
    ck_assert_str_eq(c.f[0][2], "L_ntk_d0.5_e0.1_n100");
    ck_assert_str_eq(c.f[0][3], "L_nngp_d0.1_e0.1_n100");
    const char *ds[] = {"0.5", "0.1"};
    for (int i = 0; i < 2; i++) {
        char col[64];
        snprintf(col, sizeof col, "L_nngp_d%s_e0.1_n100", ds[i]);
        ck_assert_int_eq(strtol(cell(&c, 1, col), NULL, 10), ref_depth("nngp", ds[i], "0.1", "100"));
        snprintf(col, sizeof col, "L_ntk_d%s_e0.1_n100", ds[i]);
        ck_assert_int_eq(strtol(cell(&c, 1, col), NULL, 10), ref_depth("ntk", ds[i], "0.1", "100"));
    }
    /* several combinations: the LaTeX head says which */
    char *tex = render(t, DA_TABLE_LATEX);
    ck_assert_ptr_nonnull(strstr(tex, "$L^*_{\\mathrm{NNGP}}$ ($\\delta=0.5$, $\\epsilon=0.1$, $n=100$)"));
    free(tex);
    free(s);
    free(c.buf);
    da_table_free(t);
}
END_TEST

START_TEST(table_refusals)
{
    da_paper_table_opts o;
    da_paper_table_opts_init(&o);
    const char *acts[] = {"relu"}, *bad[] = {"relu", "tanh(("};
    da_table *t = (da_table *)1;
    o.columns = "activation,foo";
    ck_assert_int_eq(da_paper_table_check(&o), DA_EINVAL);
    ck_assert_int_eq(da_paper_table(&t, acts, 1, &o), DA_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(da_errmsg(), "columns: no column 'foo'"));
    da_paper_table_opts_init(&o);
    o.eps = "5";
    o.n = "3";
    ck_assert_int_eq(da_paper_table_check(&o), DA_EINVAL);
    ck_assert_ptr_nonnull(strstr(da_errmsg(), "eps: 5 must be below n - 1 = 2"));
    da_paper_table_opts_init(&o);
    o.delta = "1,2,3,4,5";
    o.eps = "1,2,3,4";
    ck_assert_int_eq(da_paper_table_check(&o), DA_EINVAL);
    da_paper_table_opts_init(&o);
    o.delta = "x";
    ck_assert_int_eq(da_paper_table_check(&o), DA_EINVAL);
    da_paper_table_opts_init(&o);
    ck_assert_int_eq(da_paper_table_check(&o), DA_OK);
    t = (da_table *)1;
    ck_assert_int_ne(da_paper_table(&t, bad, 2, &o), DA_OK);
    ck_assert_ptr_null(t);
    /* the cost of a row grows with the cost of an evaluation */
    da_act *a = NULL, *b = NULL;
    ck_assert_int_eq(da_act_new(&a, "relu"), DA_OK);
    ck_assert_int_eq(da_act_new(&b, "tanh(tanh(tanh(tanh(tanh(tanh(tanh(tanh(x))))))))"), DA_OK);
    double ca = da_paper_table_cost(a), cb = da_paper_table_cost(b);
    ck_assert(ca >= 0 && cb > 0 && isfinite(cb));
    da_act_free(a);
    da_act_free(b);
}
END_TEST

START_TEST(learn_rows_line_and_sphere)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "relu"), DA_OK);
    da_learn_spectrum *s = NULL;
    ck_assert_int_eq(da_learn_spectrum_new(&s, a, 2, 4, 30), DA_OK);
    da_table *t = NULL;
    ck_assert_int_eq(da_learn_table(&t, s, NULL, 1, 20), DA_OK);
    char *txt = render(t, DA_TABLE_CSV);
    csv_t c;
    csv_parse(&c, txt);
    ck_assert_int_eq(c.ncols, 5);
    ck_assert_int_eq(c.nrows, 6);
    ck_assert_str_eq(c.f[0][0], "layer");
    ck_assert_str_eq(c.f[0][4], "bound");
    double a1sq = 1 / (2 - 2 / M_PI);
    for (int L = 0; L <= 4; L++) {
        ck_assert_int_eq(strtol(cell(&c, L + 1, "layer"), NULL, 10), L);
        ck_assert_str_eq(cell(&c, L + 1, "degree"), "1");
        double v = strtod(cell(&c, L + 1, "mass"), NULL), e = strtod(cell(&c, L + 1, "err"), NULL);
        ck_assert_msg(fabs(v - pow(a1sq, L)) <= e + 1e-14, "layer %d: %s", L, cell(&c, L + 1, "mass"));
        ck_assert_str_eq(cell(&c, L + 1, "bound"), "rigorous");
    }
    free(txt);
    free(c.buf);
    da_table_free(t);
    /* a degree above the spectrum's terms */
    t = (da_table *)1;
    ck_assert_int_eq(da_learn_table(&t, s, NULL, 3, 20), DA_EINVAL);
    ck_assert_ptr_null(t);
    /* the sphere S^4: k = N(5,0) + N(5,1) + N(5,2) = 1 + 5 + 14 */
    da_learn_spectrum_free(s);
    ck_assert_int_eq(da_learn_spectrum_new(&s, a, 40, 2, 30), DA_OK);
    da_sphere_spectrum *sp = NULL;
    ck_assert_int_eq(da_sphere_new(&sp, s, 5, 40), DA_OK);
    ck_assert_int_eq(da_learn_table(&t, s, sp, 2, 12), DA_OK);
    txt = render(t, DA_TABLE_CSV);
    csv_parse(&c, txt);
    const char *head[] = {"layer", "degree", "mass", "err", "k", "r_0", "r_0_err", "R_0",
                          "R_0_err", "r_k", "r_k_err", "R_k", "R_k_err", "bound"};
    ck_assert_int_eq(c.ncols, 14);
    for (int i = 0; i < 14; i++)
        ck_assert_str_eq(c.f[0][i], head[i]);
    ck_assert_int_eq(c.nrows, 4);
    for (int L = 0; L <= 2; L++) {
        ck_assert_str_eq(cell(&c, L + 1, "k"), "20");
        double m = strtod(cell(&c, L + 1, "mass"), NULL);
        ck_assert(m > 0 && m <= 1 + 1e-12);
    }
    /* layer 0 is the identity rho: all of the trace on degree 1 */
    ck_assert(fabs(strtod(cell(&c, 1, "mass"), NULL) - 1) <= strtod(cell(&c, 1, "err"), NULL) + 1e-12);
    free(txt);
    free(c.buf);
    da_table_free(t);
    da_sphere_free(sp);
    da_learn_spectrum_free(s);
    da_act_free(a);
}
END_TEST

START_TEST(learn_report_formats)
{
    da_act *a = NULL;
    ck_assert_int_eq(da_act_new(&a, "relu"), DA_OK);
    da_learn_spectrum *s = NULL;
    ck_assert_int_eq(da_learn_spectrum_new(&s, a, 3, 4, 30), DA_OK);
    da_learn_report_opts o;
    da_learn_report_opts_init(&o);
    o.degree = 1;
    /* CSV: the rows of da_learn_table */
    char *rep = NULL, *tab = NULL;
    ck_assert_int_eq(da_learn_report(&rep, a, s, NULL, &o, DA_TABLE_CSV), DA_OK);
    da_table *t = NULL;
    ck_assert_int_eq(da_learn_table(&t, s, NULL, 1, 30), DA_OK);
    tab = render(t, DA_TABLE_CSV);
    ck_assert_str_eq(rep, tab);
    free(rep);
    free(tab);
    da_table_free(t);
    /* text: the activation, p_1 = a_1^2 = 1/(2 - 2/pi) = 0.73347110346... and
       the crossing of tau = 0.5:
       (a_1^2)^L < 0.5 first at L = 3 (0.73^2 = 0.54, 0.73^3 = 0.39) */
    o.threshold = 0.5;
    ck_assert_int_eq(da_learn_report(&rep, a, s, NULL, &o, DA_TABLE_TEXT), DA_OK);
    ck_assert_ptr_nonnull(strstr(rep, "activation  relu\n"));
    ck_assert_ptr_nonnull(strstr(rep, "p_1 = a_1^2 = 1 - mu   7.3347110346"));
    ck_assert_ptr_nonnull(strstr(rep, "below tau = 0.5          from layer 3 on\n"));
    free(rep);
    /* JSON: one document with the layers */
    ck_assert_int_eq(da_learn_report(&rep, a, s, NULL, &o, DA_TABLE_JSON), DA_OK);
    ck_assert_ptr_nonnull(strstr(rep, "\"command\": \"learn\""));
    ck_assert_ptr_nonnull(strstr(rep, "\"crossing\": {\"lower\": 3, \"upper\": 3}"));
    ck_assert(rep[strlen(rep) - 2] == '}');
    free(rep);
    /* refused: a simulation without the sphere, a degree above the terms */
    da_sim_opts sim;
    da_sim_opts_init(&sim);
    sim.depth = 1;
    o.sim = &sim;
    rep = (char *)1;
    ck_assert_int_eq(da_learn_report(&rep, a, s, NULL, &o, DA_TABLE_TEXT), DA_EINVAL);
    ck_assert_ptr_null(rep);
    o.sim = NULL;
    o.degree = 4;
    ck_assert_int_eq(da_learn_report(&rep, a, s, NULL, &o, DA_TABLE_TEXT), DA_EINVAL);
    da_learn_spectrum_free(s);
    da_act_free(a);
}
END_TEST

START_TEST(sim_cost_scales)
{
    da_sim_opts o;
    da_sim_opts_init(&o);
    o.width = 128;
    o.dim = 10;
    o.depth = 3;
    o.networks = 300;
    o.inputs = 100;
    double b1 = 0, b2 = 0;
    double t1 = da_sim_cost(&o, &b1);
    o.networks = 600;
    double t2 = da_sim_cost(&o, &b2);
    ck_assert(t1 > 0 && fabs(t2 - 2 * t1) <= 1e-12 * t2);
    /* the memory holds at least the width x width weights in doubles */
    ck_assert(b1 >= 8.0 * 128 * 128 && b1 == b2);
    ck_assert(da_sim_cost(&o, NULL) == t2);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("report_rows");
    TCase *tc = tcase_create("rows");
    tu_limits(tc, 120, 1);
    tcase_add_test(tc, table_relu_cells);
    tcase_add_test(tc, table_depths_against_mpmath);
    tcase_add_test(tc, table_refusals);
    tcase_add_test(tc, learn_rows_line_and_sphere);
    tcase_add_test(tc, learn_report_formats);
    tcase_add_test(tc, sim_cost_scales);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
