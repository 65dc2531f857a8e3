/* learn_report.c -- the report of dualact learn (and of Python's
 * dualact.learn(format=...)): the text report, the JSON document, or the
 * rows of da_learn_table in the table formats, as one string. */
#include "core/core.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void da_learn_report_opts_init(da_learn_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->spec = NULL;
    o->degree = 1;
    o->digits = 30;
    o->threshold = 0.1;
    o->accuracy_reached = 1;
    o->sim = NULL;
}

static void fmt_b(char *v, size_t vl, char *e, size_t el, const da_ball_struct *b, long digits)
{
    da_ball_get_str(v, vl, e, el, b, digits, DA_BALL_SCI);
}

/* a double in JSON: a number, or "nan", "inf", "-inf" as strings */
static void json_double(FILE *f, const char *fmt, double v)
{
    if (isnan(v))
        fputs("\"nan\"", f);
    else if (isinf(v))
        fputs(v > 0 ? "\"inf\"" : "\"-inf\"", f);
    else
        fprintf(f, fmt, v);
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

/* the numbers both reports use */
typedef struct {
    da_ball b, r0, R0, rk, Rk;
    mpz_t count, m;
    long lo_cross, hi_cross;
} work;

static work *work_new(const da_learn_spectrum *s, const da_sphere_spectrum *sp,
                      const da_learn_report_opts *o)
{
    work *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    da_ball_init2(w->b, 256);
    da_ball_init2(w->r0, 256);
    da_ball_init2(w->R0, 256);
    da_ball_init2(w->rk, 256);
    da_ball_init2(w->Rk, 256);
    /* k: the number of eigenvalues of harmonic degree <= degree */
    mpz_init_set_ui(w->count, 0);
    mpz_init(w->m);
    if (sp)
        for (long l = 0; l <= o->degree; l++) {
            da_sphere_multiplicity(w->m, da_sphere_dim(sp), l);
            mpz_add(w->count, w->count, w->m);
        }
    if (sp)
        da_sphere_crossing(&w->lo_cross, &w->hi_cross, sp, o->degree, o->threshold);
    else
        da_learn_crossing(&w->lo_cross, &w->hi_cross, s, o->degree, o->threshold);
    return w;
}

static void work_free(work *w)
{
    da_ball_clear(w->b);
    da_ball_clear(w->r0);
    da_ball_clear(w->R0);
    da_ball_clear(w->rk);
    da_ball_clear(w->Rk);
    mpz_clear(w->count);
    mpz_clear(w->m);
    free(w);
}

#define DECLS                                                                          \
    char v[4096], e[64], v2[4096], e2[64];                                             \
    da_ball_struct *b = w->b, *r0 = w->r0, *R0 = w->R0, *rk = w->rk, *Rk = w->Rk;      \
    mpz_ptr count = w->count, m = w->m;                                                \
    long lo_cross = w->lo_cross, hi_cross = w->hi_cross;                               \
    long depth = da_learn_depth(s), terms = da_learn_terms(s);                         \
    long dim = sp ? da_sphere_dim(sp) : 0;                                             \
    long sim_depth = o->sim ? o->sim->depth : 0;                                       \
    const char *spec = o->spec ? o->spec : da_act_spec(act);                           \
    const char *bk = da_learn_rigorous(s) ? "rigorous" : "estimate";                   \
    (void)v2; (void)e2; (void)bk; (void)terms; (void)sim_depth;
#define MASS(L) (dim ? da_sphere_mass(b, sp, (L), o->degree) : da_learn_mass(b, s, (L), o->degree))

static void json_report(FILE *f, work *w, const da_act *act, const da_learn_spectrum *s,
                        const da_sphere_spectrum *sp, const da_learn_report_opts *o)
{
    DECLS
    fprintf(f, "{\n  \"version\": \"%s\",\n  \"command\": \"learn\",\n  \"activation\": ", da_version());
    da_json_write_str(f, spec);
    fprintf(f, ",\n  \"expression\": ");
    da_json_write_str(f, da_act_expr(act));
    fprintf(f, ",\n  \"degree\": %ld,\n  \"depth\": %ld,\n  \"terms\": %ld,\n  \"digits\": %ld,\n",
            o->degree, depth, terms, o->digits);
    fprintf(f, "  \"accuracy_reached\": %s,\n", o->accuracy_reached ? "true" : "false");
    fprintf(f, "  \"bound\": \"%s\",\n", bk);
    fprintf(f, "  \"composition_seconds\": ");
    json_double(f, "%.3f", da_learn_seconds(s));
    fprintf(f, ",\n");
    if (dim)
        fprintf(f, "  \"dim\": %ld,\n", dim);
    da_learn_offspring(b, s, 1);
    fmt_b(v, sizeof v, e, sizeof e, b, o->digits);
    fprintf(f, "  \"p1\": {\"value\": \"%s\", \"err\": \"%s\"},\n", v, e);
    fprintf(f, "  \"threshold\": %.17g,\n  \"crossing\": {\"lower\": %ld, \"upper\": %ld},\n",
            o->threshold, lo_cross, hi_cross);
    fprintf(f, "  \"layers\": [\n");
    for (long L = 0; L <= depth; L++) {
        MASS(L);
        fmt_b(v, sizeof v, e, sizeof e, b, o->digits);
        fprintf(f, "    {\"layer\": %ld, \"mass\": \"%s\", \"err\": \"%s\"", L, v, e);
        if (L >= 1 && !dim) {
            da_learn_rate(b, NULL, s, o->degree, L);
            fmt_b(v, sizeof v, e, sizeof e, b, o->digits);
            fprintf(f, ", \"ratio\": \"%s\", \"ratio_err\": \"%s\"", v, e);
        }
        if (dim) {
            ranks(r0, R0, rk, Rk, sp, L, count);
            const char *nm[4] = {"r_0", "R_0", "r_k", "R_k"};
            da_ball_struct *q[4] = {r0, R0, rk, Rk};
            gmp_fprintf(f, ", \"k\": \"%Zd\"", count);
            for (int j = 0; j < 4; j++) {
                /* undefined (layer 0 beyond the first k): null, never a NaN */
                if (!mpfr_number_p(q[j]->mid) || !mpfr_number_p(q[j]->rad)) {
                    fprintf(f, ", \"%s\": null, \"%s_err\": null", nm[j], nm[j]);
                    continue;
                }
                fmt_b(v, sizeof v, e, sizeof e, q[j], o->digits);
                fprintf(f, ", \"%s\": \"%s\", \"%s_err\": \"%s\"", nm[j], v, nm[j], e);
            }
            fprintf(f, ", \"eigenvalues\": [");
            for (long l = 0; l <= o->degree; l++) {
                da_sphere_eigenvalue(b, sp, L, l);
                fmt_b(v, sizeof v, e, sizeof e, b, o->digits);
                da_sphere_multiplicity(m, dim, l);
                gmp_fprintf(f, "%s{\"l\": %ld, \"lambda\": \"%s\", \"err\": \"%s\", \"mult\": \"%Zd\"}",
                            l ? ", " : "", l, v, e, m);
            }
            fprintf(f, "]");
        } else {
            fprintf(f, ", \"spectrum\": [");
            for (long k = 0; k <= o->degree; k++) {
                da_learn_coef(b, s, L, k);
                fmt_b(v, sizeof v, e, sizeof e, b, o->digits);
                fprintf(f, "%s{\"k\": %ld, \"b\": \"%s\", \"err\": \"%s\"}", k ? ", " : "", k, v, e);
            }
            fprintf(f, "]");
        }
        fprintf(f, "}%s\n", L < depth ? "," : "");
    }
    fprintf(f, "  ]");
    if (o->sim) {
        fprintf(f, ",\n  \"simulation\": {\"width\": %ld, \"networks\": %ld, \"inputs\": %ld, "
                     "\"seed\": %lu, \"depth\": %ld, \"tests\": [",
                o->sim->width, o->sim->networks, o->sim->inputs, o->sim->seed, sim_depth);
        for (int t = 1; t <= 3; t++) {
            da_sphere_eigenvalue(b, sp, sim_depth, t);
            fmt_b(v, sizeof v, e, sizeof e, b, 12);
            fprintf(f, "%s{\"degree\": %d, \"estimate\": ", t > 1 ? ", " : "", t);
            json_double(f, "%.6g", o->sim_estimate[t - 1]);
            fprintf(f, ", \"stderr\": ");
            json_double(f, "%.3g", o->sim_stderr[t - 1]);
            fprintf(f, ", \"predicted\": \"%s\"}", v);
        }
        fprintf(f, "]}");
    }
    fprintf(f, "\n}\n");
}

static void text_report(FILE *f, work *w, const da_act *act, const da_learn_spectrum *s,
                        const da_sphere_spectrum *sp, const da_learn_report_opts *o)
{
    DECLS
    da_ball mu;
    da_ball_init2(mu, 256);
    fprintf(f, "activation  %s\n", spec);
    fprintf(f, "formula     %s\n", da_act_expr(act));
    fprintf(f, "setting     normalized activation, weights N(0, 1/fan_in), no biases;\n"
                 "            depth-L kernel sigma_hat^{oL}, layer 0 = the identity rho\n");
    if (!strcmp(spec, "sign"))
        fprintf(f, "            sign is already normalized: this is the setting of Das, Gollapudi,\n"
                     "            Kumar & Panigrahy (SODA 2020), deep random sign networks,\n"
                     "            sigma_hat(rho) = (2/pi) arcsin(rho), p_1 = 2/pi\n");
    da_learn_offspring(b, s, 1);
    fmt_b(v, sizeof v, e, sizeof e, b, o->digits);
    fprintf(f, "p_1 = a_1^2 = 1 - mu   %s  +- %s\n", v, e);
    fprintf(f, "spectrum    degrees 0..%ld, layers 0..%ld, coefficients to 10^-%ld%s\n", terms, depth,
            o->digits, o->accuracy_reached ? "" : " (NOT reached: see err)");
    if (dim)
        fprintf(f, "sphere      S^%ld (d = %ld): share of the trace on harmonic degrees <= %ld\n",
                dim - 1, dim, o->degree);
    else
        fprintf(f, "line        W_{<=%ld}(L) = P(Z_L <= %ld), Gaussian inputs\n", o->degree, o->degree);
    fputc('\n', f);
    int wcol = (int)(o->digits + 8 > 40 ? 40 : o->digits + 8);
    fprintf(f, "%6s  %-*s  %-9s", "layer", wcol, "mass", "err");
    if (dim)
        fprintf(f, "  %-14s  %-14s", "r_0", "R_0");
    fputc('\n', f);
    for (long L = 0; L <= depth; L++) {
        MASS(L);
        fmt_b(v, sizeof v, e, sizeof e, b, o->digits);
        fprintf(f, "%6ld  %-*s  %-9s", L, wcol, v, e);
        if (dim) {
            ranks(r0, R0, rk, Rk, sp, L, count);
            fmt_b(v, sizeof v, e, sizeof e, r0, 6);
            fmt_b(v2, sizeof v2, e2, sizeof e2, R0, 6);
            fprintf(f, "  %-14s  %-14s", v, v2);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    if (depth >= 1) {
        da_ball last, fit;
        da_ball_init2(last, 256);
        da_ball_init2(fit, 256);
        if (!dim) {
            da_learn_rate(last, fit, s, o->degree, depth);
            fmt_b(v, sizeof v, e, sizeof e, last, 12);
            fprintf(f, "rate, last layer        W(%ld)/W(%ld) = %s  +- %s\n", depth, depth - 1, v, e);
            fmt_b(v, sizeof v, e, sizeof e, fit, 12);
            fprintf(f, "rate, fitted            (W(%ld)/W(%ld))^(1/%ld) = %s  +- %s\n", depth,
                    depth / 2, depth - depth / 2, v, e);
            da_learn_offspring(b, s, 1);
            fmt_b(v, sizeof v, e, sizeof e, b, 12);
            fprintf(f, "rate, asymptotic        p_1 = 1 - mu = %s\n", v);
        }
        da_ball_clear(last);
        da_ball_clear(fit);
    }
    if (hi_cross >= 0 && hi_cross == lo_cross)
        fprintf(f, "below tau = %g          from layer %ld on\n", o->threshold, hi_cross);
    else if (hi_cross >= 0)
        fprintf(f, "below tau = %g          first at a layer in [%ld, %ld] (bounds overlap tau)\n",
                o->threshold, lo_cross, hi_cross);
    else if (lo_cross >= 0)
        fprintf(f, "below tau = %g          not certain within %ld layers (from layer %ld at the earliest)\n",
                o->threshold, depth, lo_cross);
    else
        fprintf(f, "below tau = %g          not within %ld layers\n", o->threshold, depth);
    if (dim) {
        fprintf(f, "\neigenvalues at layer %ld (lambda_l, multiplicity N(d,l), share of the trace):\n",
                depth);
        for (long l = 0; l <= o->degree; l++) {
            da_sphere_eigenvalue(b, sp, depth, l);
            fmt_b(v, sizeof v, e, sizeof e, b, 12);
            da_sphere_share(mu, sp, depth, l);
            fmt_b(v2, sizeof v2, e2, sizeof e2, mu, 12);
            da_sphere_multiplicity(m, dim, l);
            gmp_fprintf(f, "  l = %-4ld  %-18s +- %-9s  N = %-10Zd  share %s\n", l, v, e, m, v2);
        }
        da_sphere_outside(mu, sp, depth);
        fmt_b(v, sizeof v, e, sizeof e, mu, 12);
        fprintf(f, "  share on degrees > %ld: %s +- %s\n", terms, v, e);
        ranks(r0, R0, rk, Rk, sp, depth, count);
        fmt_b(v, sizeof v, e, sizeof e, rk, 8);
        fmt_b(v2, sizeof v2, e2, sizeof e2, Rk, 8);
        gmp_fprintf(f, "effective ranks at k = %Zd (the eigenvalues of degree <= %ld):\n"
                         "  r_k = %s +- %s,  R_k = %s +- %s\n", count, o->degree, v, e, v2, e2);
    }
    if (o->sim) {
        fprintf(f, "\nsimulation: width %ld, %ld networks x %ld inputs, seed %lu, depth %ld\n",
                o->sim->width, o->sim->networks, o->sim->inputs, o->sim->seed, sim_depth);
        fprintf(f, "  E[(E_x f g)^2] for unit harmonics g of degree 1..3 (exact at depth 1;\n"
                     "  finite-width bias O(1/width) beyond)\n");
        for (int t = 1; t <= 3; t++) {
            da_sphere_eigenvalue(b, sp, sim_depth, t);
            fmt_b(v, sizeof v, e, sizeof e, b, 10);
            double pred = mpfr_get_d(b->mid, MPFR_RNDN);
            double z = o->sim_stderr[t - 1] > 0 ? (o->sim_estimate[t - 1] - pred) / o->sim_stderr[t - 1] : 0;
            fprintf(f, "  degree %d: %.6g +- %.2g (1 s.e.)  predicted lambda_%d = %s  (z = %+.2f)\n", t,
                    o->sim_estimate[t - 1], o->sim_stderr[t - 1], t, v, z);
        }
    }
    da_ball_clear(mu);
}

int da_learn_report(char **out, const da_act *act, const da_learn_spectrum *s,
                    const da_sphere_spectrum *sp, const da_learn_report_opts *o,
                    da_table_format fmt)
{
    *out = NULL;
    if (!act || !s)
        return da_fail(DA_EINVAL, "learn: no activation or spectrum");
    if (o->digits < 1 || o->digits > 1000 || o->degree < 0 ||
        o->degree > (sp ? da_sphere_max_degree(sp) : da_learn_terms(s)))
        return da_fail(DA_EINVAL, "learn: need 1 <= digits <= 1000 and 0 <= degree <= the "
                       "spectrum's terms");
    if (!(o->threshold > 0 && o->threshold <= 1))
        return da_fail(DA_EINVAL, "learn: threshold must lie in (0, 1]");
    if (o->sim && (!sp || o->sim->depth < 1 || o->sim->depth > da_learn_depth(s)))
        return da_fail(DA_EINVAL, "learn: a simulation needs the sphere and 1 <= its depth <= "
                       "the spectrum's");
    if (fmt != DA_TABLE_TEXT && fmt != DA_TABLE_JSON) {
        da_table *t = NULL;
        int st = da_learn_table(&t, s, sp, o->degree, o->digits);
        if (!st)
            st = da_table_render(out, t, fmt);
        da_table_free(t);
        return st;
    }
    work *w = work_new(s, sp, o);
    size_t len = 0;
    FILE *f = w ? open_memstream(out, &len) : NULL;
    if (!f) {
        if (w)
            work_free(w);
        return da_fail(DA_ENOMEM, "out of memory");
    }
    if (fmt == DA_TABLE_JSON)
        json_report(f, w, act, s, sp, o);
    else
        text_report(f, w, act, s, sp, o);
    work_free(w);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || !*out) {
        free(*out);
        *out = NULL;
        return da_fail(DA_ENOMEM, "out of memory");
    }
    return DA_OK;
}

