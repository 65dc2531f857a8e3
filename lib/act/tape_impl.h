/* tape_impl.h -- the layout of a compiled tape, shared by its evaluators
 * (expr_tape.c: double and MPFR; expr_tape_arb.c: real and complex balls).
 * Internal to lib/act. */
#ifndef DA_TAPE_IMPL_H
#define DA_TAPE_IMPL_H

#include "act/expr.h"

typedef enum {
    I_MOV, I_NEG, I_ADD, I_SUB, I_MUL, I_DIV, I_POW, I_POWI,
    I_LT, I_LE, I_GT, I_GE, I_EQ, I_NE, I_NOT, I_BOOL,
    I_FN,     /* fn applied to a (, b, c) */
    I_JZ,     /* a == 0: goto b; a NaN: dst = NaN, goto c */
    I_JNZ,    /* a != 0: goto b; a NaN: dst = NaN, goto c */
    I_JMP,    /* goto b */
    I_CONST,  /* dst = constant number n (those not preloaded) */
    I_RDIV    /* a / b with the removable singularity n (rems[n]) */
} iop;

typedef struct {
    iop op;
    da_fn fn;
    int dst, a, b, c;
    long n;   /* I_POWI exponent */
} ins;

typedef enum { C_NUM, C_PI, C_E } ckind;

/* A quotient with a removable singularity at r (expr_removable.c): where
 * the denominator vanishes, the value is gk(x)/hk(x), or in balls
 * hull gk(Z')/hull hk(Z') with Z' the hull of the input and r. */
typedef struct {
    struct da_tape *gk, *hk;
    double r;
} remdef;

typedef struct {
    ckind kind;
    char *text;   /* C_NUM */
} cdef;

struct da_tape {
    ins *code;
    int ncode, capcode;
    int nreg;       /* registers in all: x, constants, temporaries */
    int nconst;     /* constants in all */
    int npre;       /* constants 0 .. npre-1 live in registers 1 .. npre */
    cdef *cdefs;    /* [nconst] */
    double *cval;   /* [nconst] */
    int capconst;
    remdef *rems;   /* [nrem] */
    int nrem, caprem;
    int res;        /* register of the result */
    int reg0, reg1; /* shared constants 0, 1, pi, e (0 until used) */
    int regpi, rege;
    /* compile-time state */
    int *freelist;
    int nfree, capfree;
    int ntemp;
    int failed;
    mpfr_prec_t guard;
};


#endif
