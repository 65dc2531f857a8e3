/* analyze_poly.c -- affine extraction (e = a x + b) and polynomial expansion in MPFR.
 * Part of the expression analysis: see expr_analyze.c. */
#include "act/analyze_impl.h"
#include "act/envelope.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- affine extraction: e = a*x + b ------------------------------- */

/* 1 if e is affine in x by its structure (x, constants, +, -, negation,
 * products and quotients by constant subtrees); a, b at their precision. */
int an_affine_m(const da_expr *e, mpfr_t a, mpfr_t b)
{
    mpfr_prec_t p = mpfr_get_prec(a);
    if (!da_expr_has_x(e)) {
        mpfr_set_zero(a, 1);
        return an_const_m(b, e) == 0;
    }
    mpfr_t a2, b2, c;
    int ok = 0;
    switch (e->op) {
    case DA_E_X:
        mpfr_set_ui(a, 1, MPFR_RNDN);
        mpfr_set_zero(b, 1);
        return 1;
    case DA_E_NEG:
        if (!an_affine_m(e->a[0], a, b))
            return 0;
        mpfr_neg(a, a, MPFR_RNDN);
        mpfr_neg(b, b, MPFR_RNDN);
        return 1;
    case DA_E_ADD: case DA_E_SUB:
        mpfr_inits2(p, a2, b2, (mpfr_ptr)0);
        ok = an_affine_m(e->a[0], a, b) && an_affine_m(e->a[1], a2, b2);
        if (ok) {
            if (e->op == DA_E_ADD) {
                mpfr_add(a, a, a2, MPFR_RNDN);
                mpfr_add(b, b, b2, MPFR_RNDN);
            } else {
                mpfr_sub(a, a, a2, MPFR_RNDN);
                mpfr_sub(b, b, b2, MPFR_RNDN);
            }
        }
        mpfr_clears(a2, b2, (mpfr_ptr)0);
        return ok;
    case DA_E_MUL: case DA_E_DIV: {
        int k = -1;   /* the constant factor */
        if (!da_expr_has_x(e->a[1]))
            k = 1;
        else if (e->op == DA_E_MUL && !da_expr_has_x(e->a[0]))
            k = 0;
        if (k < 0)
            return 0;
        mpfr_init2(c, p);
        ok = an_const_m(c, e->a[k]) == 0 && an_affine_m(e->a[1 - k], a, b);
        if (ok && e->op == DA_E_DIV) {
            if (mpfr_zero_p(c))
                ok = 0;
            else {
                mpfr_div(a, a, c, MPFR_RNDN);
                mpfr_div(b, b, c, MPFR_RNDN);
            }
        } else if (ok) {
            mpfr_mul(a, a, c, MPFR_RNDN);
            mpfr_mul(b, b, c, MPFR_RNDN);
        }
        mpfr_clear(c);
        return ok;
    }
    default:
        return 0;
    }
}

/* double slope and intercept; 1 if affine */
int an_affine_d(const da_expr *e, double *a, double *b)
{
    mpfr_t ma, mb;
    mpfr_inits2(128, ma, mb, (mpfr_ptr)0);
    int ok = an_affine_m(e, ma, mb);
    if (ok) {
        *a = mpfr_get_d(ma, MPFR_RNDN);
        *b = mpfr_get_d(mb, MPFR_RNDN);
        ok = isfinite(*a) && isfinite(*b);
    }
    mpfr_clears(ma, mb, (mpfr_ptr)0);
    return ok;
}

/* ---- polynomials in MPFR -------------------------------------------- */



static int poly_init(poly *P, int deg, mpfr_prec_t p)
{
    P->c = da_malloc((size_t)(deg + 1) * sizeof *P->c);
    if (!P->c) {
        P->deg = -1;
        return DA_ENOMEM;
    }
    P->deg = deg;
    for (int i = 0; i <= deg; i++) {
        mpfr_init2(P->c[i], p);
        mpfr_set_zero(P->c[i], 1);
    }
    return 0;
}

void an_poly_clear(poly *P)
{
    if (P->c) {
        for (int i = 0; i <= P->deg; i++)
            mpfr_clear(P->c[i]);
        free(P->c);
    }
    P->c = NULL;
    P->deg = -1;
}

void an_poly_trim(poly *P)
{
    while (P->deg > 0 && mpfr_zero_p(P->c[P->deg])) {
        mpfr_clear(P->c[P->deg]);
        P->deg--;
    }
}

/* R = A * B (R distinct from A, B) */
static int poly_mul(poly *R, const poly *A, const poly *B, mpfr_prec_t p)
{
    if (A->deg + B->deg > POLY_MAX_DEG)
        return 1;
    if (poly_init(R, A->deg + B->deg, p))
        return DA_ENOMEM;
    mpfr_t t;
    mpfr_init2(t, p);
    for (int i = 0; i <= A->deg; i++) {
        if (mpfr_zero_p(A->c[i]))
            continue;
        for (int j = 0; j <= B->deg; j++) {
            if (mpfr_zero_p(B->c[j]))
                continue;
            mpfr_mul(t, A->c[i], B->c[j], MPFR_RNDN);
            mpfr_add(R->c[i + j], R->c[i + j], t, MPFR_RNDN);
        }
    }
    mpfr_clear(t);
    an_poly_trim(R);
    return 0;
}

/* A = A +- B */
static int poly_addto(poly *A, const poly *B, int sub, mpfr_prec_t p)
{
    if (B->deg > A->deg) {
        mpfr_t *c = da_realloc(A->c, (size_t)(B->deg + 1) * sizeof *c);
        if (!c)
            return DA_ENOMEM;
        A->c = c;
        for (int i = A->deg + 1; i <= B->deg; i++) {
            mpfr_init2(A->c[i], p);
            mpfr_set_zero(A->c[i], 1);
        }
        A->deg = B->deg;
    }
    for (int i = 0; i <= B->deg; i++) {
        if (sub)
            mpfr_sub(A->c[i], A->c[i], B->c[i], MPFR_RNDN);
        else
            mpfr_add(A->c[i], A->c[i], B->c[i], MPFR_RNDN);
    }
    an_poly_trim(A);
    return 0;
}

/* Expand a branch-free tree into monomial coefficients at precision p.
 * Returns 0, 1 if the tree is not a polynomial (or too large), or
 * DA_ENOMEM (5). */
int an_poly_expand(poly *P, const da_expr *e, mpfr_prec_t p)
{
    P->deg = -1;
    P->c = NULL;
    int st;
    if (!da_expr_has_x(e)) {
        if ((st = poly_init(P, 0, p)))
            return st;
        if (an_const_m(P->c[0], e)) {
            an_poly_clear(P);
            return 1;
        }
        return 0;
    }
    poly A, B;
    switch (e->op) {
    case DA_E_X:
        if ((st = poly_init(P, 1, p)))
            return st;
        mpfr_set_ui(P->c[1], 1, MPFR_RNDN);
        return 0;
    case DA_E_NEG:
        if ((st = an_poly_expand(P, e->a[0], p)))
            return st;
        for (int i = 0; i <= P->deg; i++)
            mpfr_neg(P->c[i], P->c[i], MPFR_RNDN);
        return 0;
    case DA_E_ADD: case DA_E_SUB:
        if ((st = an_poly_expand(P, e->a[0], p)))
            return st;
        if ((st = an_poly_expand(&B, e->a[1], p))) {
            an_poly_clear(P);
            return st;
        }
        st = poly_addto(P, &B, e->op == DA_E_SUB, p);
        an_poly_clear(&B);
        if (st)
            an_poly_clear(P);
        return st;
    case DA_E_MUL:
        if ((st = an_poly_expand(&A, e->a[0], p)))
            return st;
        if ((st = an_poly_expand(&B, e->a[1], p))) {
            an_poly_clear(&A);
            return st;
        }
        st = poly_mul(P, &A, &B, p);
        an_poly_clear(&A);
        an_poly_clear(&B);
        return st;
    case DA_E_DIV: {
        if (da_expr_has_x(e->a[1]))
            return 1;
        mpfr_t c;
        mpfr_init2(c, p);
        if (an_const_m(c, e->a[1]) || mpfr_zero_p(c)) {
            mpfr_clear(c);
            return 1;
        }
        if ((st = an_poly_expand(P, e->a[0], p))) {
            mpfr_clear(c);
            return st;
        }
        for (int i = 0; i <= P->deg; i++)
            mpfr_div(P->c[i], P->c[i], c, MPFR_RNDN);
        mpfr_clear(c);
        return 0;
    }
    case DA_E_POW: {
        if (da_expr_has_x(e->a[1]))
            return 1;
        double v = an_const_d(e->a[1]);
        if (!(v >= 0) || v != floor(v) || v > POLY_MAX_DEG)
            return 1;
        long n = (long)v;
        if ((st = an_poly_expand(&A, e->a[0], p)))
            return st;
        /* a monomial c x^k: c^n x^(kn) directly */
        int nz = 0, k = 0;
        for (int i = 0; i <= A.deg; i++)
            if (!mpfr_zero_p(A.c[i])) {
                nz++;
                k = i;
            }
        if (nz <= 1) {
            if ((long)k * n > POLY_MAX_DEG) {
                an_poly_clear(&A);
                return 1;
            }
            if ((st = poly_init(P, (int)(k * n), p))) {
                an_poly_clear(&A);
                return st;
            }
            mpfr_pow_ui(P->c[k * n], A.c[k], (unsigned long)n, MPFR_RNDN);
            an_poly_clear(&A);
            an_poly_trim(P);
            return 0;
        }
        if ((long)A.deg * n > POLY_MAX_DEG) {
            an_poly_clear(&A);
            return 1;
        }
        /* binary powering */
        if ((st = poly_init(P, 0, p))) {
            an_poly_clear(&A);
            return st;
        }
        mpfr_set_ui(P->c[0], 1, MPFR_RNDN);
        while (n > 0) {
            if (n & 1) {
                st = poly_mul(&B, P, &A, p);
                an_poly_clear(P);
                if (st) {
                    an_poly_clear(&A);
                    return st;
                }
                *P = B;
            }
            n >>= 1;
            if (n > 0) {
                st = poly_mul(&B, &A, &A, p);
                an_poly_clear(&A);
                if (st) {
                    an_poly_clear(P);
                    return st;
                }
                A = B;
            }
        }
        an_poly_clear(&A);
        return 0;
    }
    default:
        return 1;
    }
}
