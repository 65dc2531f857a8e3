/* analyze_impl.h -- what the files of the expression analysis share.
 * Internal to lib/act (expr_analyze.c and analyze_*.c; see expr_analyze.c
 * for the overview). */
#ifndef DA_ANALYZE_IMPL_H
#define DA_ANALYZE_IMPL_H

#include "core/core.h"
#include "act/expr.h"

#include <complex.h>

#define GRID_N 8000            /* grid step 0.01 on [-40, 40] */
#define GRID_X(i) ((long double)((i) - GRID_N / 2) / 100.0L)
#define MAX_CAND 100000        /* cap on breakpoints (floor(1000*x) ...) */
#define JUMP_PREC 256
#define CONSERVATIVE_SD 0.1    /* singularity distance when we cannot tell */
#define DA_PI 3.14159265358979323846
#define DA_LN2 0.69314718055994530942
#define POLY_MAX_DEG 20000

typedef struct {
    int deg;        /* -1: not yet initialised */
    mpfr_t *c;
} poly;

typedef struct {
    da_expr *s;     /* switching argument (owned) */
    int integer;    /* 1: floor/ceil -- breaks where s crosses an integer */
} sw;

typedef struct {
    sw *v;
    int n, cap;
} swlist;

typedef struct {
    double x;       /* double approximation */
    int sw;         /* index of the switch */
    long k;         /* integer crossed (floor/ceil switches) */
    int affine;     /* exact solve */
    double glo, ghi;/* bracket (non-affine) */
} cand;

typedef struct {
    cand *v;
    int n, cap;
} candlist;

typedef struct {
    double lo, hi;   /* the piece's interval (may be infinite) */
} ivl;

typedef struct {
    int poly;      /* no non-polynomial operation */
    int entire;    /* no singularity at finite distance */
    double sd;
} pinfo;

typedef struct {
    da_growth g;
    double p;
    int sure;
    const da_expr *bad;   /* the subtree that grows too fast */
} grow;

/* analyze_eval.c: tree predicates, evaluation through the tape */
double an_const_d(const da_expr *e);
int an_const_m(mpfr_t r, const da_expr *e);
long double an_ev_ld(const da_expr *e, long double x);
int an_ev_m(mpfr_t r, const da_expr *e, const mpfr_t x, const char **why);
void an_evc_begin(void);
void an_evc_end(void);
int an_is_cmp(da_op op);
int an_is_entire_fn(da_fn f);

/* analyze_poly.c: affine extraction, polynomials in MPFR */
int an_affine_d(const da_expr *e, double *a, double *b);
int an_affine_m(const da_expr *e, mpfr_t a, mpfr_t b);
void an_poly_clear(poly *P);
int an_poly_expand(poly *P, const da_expr *e, mpfr_prec_t p);
void an_poly_trim(poly *P);

/* analyze_switch.c: switches, candidate breakpoints, specialisation */
double an_bisect_ld(const da_expr *s, long k, long double lo, long double hi);
int an_find_candidates(const da_expr *e, swlist *L, candlist *C);
da_expr *an_ref(const da_expr *e);
void an_refine_cand(mpfr_t out, const cand *c, const swlist *L, mpfr_prec_t prec);
da_expr *an_spec(const da_expr *e, const mpfr_t x);
void an_swlist_free(swlist *L);

/* analyze_sing.c: singularity distance of a branch-free piece */
void an_piece_walk(const da_expr *e, const ivl *iv, pinfo *pi);

/* analyze_growth.c: growth at +-infinity */
grow an_gr_max(grow a, grow b);
grow an_gr_numeric(const da_expr *e, int side);
grow an_gr_poly(double d);
grow an_growth_rec(const da_expr *e, int side);
int an_is_poly_tree(const da_expr *e);

/* analyze_domain.c: domain */
int an_check_domain(const da_expr *e, const candlist *C);

#endif
