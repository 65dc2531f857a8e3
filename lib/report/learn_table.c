/* learn_table.c -- the rows of dualact learn --format csv (and of Python's
 * dualact.learn(format=...)): one row per layer with the low-degree mass
 * and, on the sphere, the effective ranks, as a da_table of strings. */
#include "core/core.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VAL 4096
#define ERR 64

/* the column heads: on the line, then on the sphere (the CSV contract:
   columns are added at the end only) */
static const char *const line_head[] = {"layer", "degree", "mass", "err", "bound"};
static const char *const sphere_head[] = {"layer", "degree", "mass", "err", "k",
                                          "r_0", "r_0_err", "R_0", "R_0_err",
                                          "r_k", "r_k_err", "R_k", "R_k_err", "bound"};
#define NLINE ((int)(sizeof line_head / sizeof line_head[0]))
#define NSPHERE ((int)(sizeof sphere_head / sizeof sphere_head[0]))

int da_learn_table(da_table **out, const da_learn_spectrum *s, const da_sphere_spectrum *sp,
                   long degree, long digits)
{
    *out = NULL;
    if (!s)
        return da_fail(DA_EINVAL, "learn: no spectrum");
    if (degree < 0 || digits < 1 || digits > 1000)
        return da_fail(DA_EINVAL, "learn: need degree >= 0 and 1 <= digits <= 1000");
    if (sp && degree > da_sphere_max_degree(sp))
        return da_fail(DA_EINVAL, "learn: degree %ld is above the sphere's max_degree %ld",
                       degree, da_sphere_max_degree(sp));
    if (!sp && degree > da_learn_terms(s))
        return da_fail(DA_EINVAL, "learn: degree %ld is above the spectrum's terms %ld",
                       degree, da_learn_terms(s));
    long depth = da_learn_depth(s);
    int nc = sp ? NSPHERE : NLINE;
    da_table *t = NULL;
    int st = da_table_new(&t, nc, sp ? sphere_head : line_head);
    if (st)
        return st;
    /* the cells: (value, err) pairs for the mass and the four ranks */
    char *buf = da_malloc((size_t)5 * (VAL + ERR) + 64 + 2 * 24);
    da_ball b, q[4];
    da_ball_init2(b, 256);
    for (int j = 0; j < 4; j++)
        da_ball_init2(q[j], 256);
    /* k: the number of eigenvalues of harmonic degree <= degree */
    mpz_t count, m, zero;
    mpz_init_set_ui(count, 0);
    mpz_init(m);
    mpz_init_set_ui(zero, 0);
    char *kstr = NULL;
    if (sp) {
        long dim = da_sphere_dim(sp);
        for (long l = 0; l <= degree; l++) {
            da_sphere_multiplicity(m, dim, l);
            mpz_add(count, count, m);
        }
        kstr = da_malloc(mpz_sizeinbase(count, 10) + 2);
        if (kstr)
            mpz_get_str(kstr, 10, count);
    }
    if (!buf || (sp && !kstr))
        st = da_fail(DA_ENOMEM, "out of memory");
    const char *kind = da_learn_rigorous(s) ? "rigorous" : "estimate";
    for (long L = 0; !st && L <= depth; L++) {
        char *val[5], *err[5], layer[24], deg[24];
        for (int j = 0; j < 5; j++) {
            val[j] = buf + (size_t)j * (VAL + ERR);
            err[j] = val[j] + VAL;
        }
        snprintf(layer, sizeof layer, "%ld", L);
        snprintf(deg, sizeof deg, "%ld", degree);
        if (sp)
            da_sphere_mass(b, sp, L, degree);
        else
            da_learn_mass(b, s, L, degree);
        da_ball_get_str(val[0], VAL, err[0], ERR, b, digits, DA_BALL_SCI);
        const char *cells[NSPHERE];
        int k = 0;
        cells[k++] = layer;
        cells[k++] = deg;
        cells[k++] = val[0];
        cells[k++] = err[0];
        if (sp) {
            /* effective ranks at k = 0 and at k = count */
            da_sphere_effective_ranks(q[0], q[1], sp, L, zero);
            da_sphere_effective_ranks(q[2], q[3], sp, L, count);
            cells[k++] = kstr;
            /* a rank that is undefined (no mass at layer 0 beyond the
               first k) is an empty cell, never a NaN in a rigorous row */
            for (int j = 0; j < 4; j++) {
                int fin = mpfr_number_p(q[j]->mid) && mpfr_number_p(q[j]->rad);
                da_ball_get_str(val[j + 1], VAL, err[j + 1], ERR, q[j], digits, DA_BALL_SCI);
                cells[k++] = fin ? val[j + 1] : NULL;
                cells[k++] = fin ? err[j + 1] : NULL;
            }
        }
        cells[k++] = kind;
        st = da_table_add_row(t, cells);
    }
    free(kstr);
    free(buf);
    mpz_clear(count);
    mpz_clear(m);
    mpz_clear(zero);
    da_ball_clear(b);
    for (int j = 0; j < 4; j++)
        da_ball_clear(q[j]);
    if (st) {
        da_table_free(t);
        return st;
    }
    *out = t;
    return DA_OK;
}
