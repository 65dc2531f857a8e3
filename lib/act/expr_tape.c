/* expr_tape.c -- expressions compiled to a flat instruction array, and its
 * evaluation in double and in MPFR.
 *
 * Registers are numbered: 0 holds x, 1 .. nconst the constants (loaded
 * once: in double when the tape is built, in MPFR when a workspace is
 * made), the rest are temporaries reused as soon as their value is dead.
 * Every instruction writes a temporary that is distinct from its operands.
 *
 * The conditional a ? b : c and the operators && and || compile to
 * conditional jumps, so that the branch not taken is never evaluated (a
 * NaN there cannot leak into the result).  A NaN condition gives NaN.
 * Comparisons and logical operators give 0 or 1, and NaN when an operand
 * they evaluate is NaN; max, min, clip and relu propagate NaN as well.
 *
 * A quotient marked by expr_removable.c (sin(x)/x) compiles to I_RDIV,
 * which carries two small tapes of its own, the k-th derivatives of
 * numerator and denominator: where the denominator is exactly 0 the value
 * is their quotient (the limit).
 *
 * Evaluation allocates nothing: double registers live in a variable
 * length array on the stack (their number is the register count, which
 * the reuse keeps near the depth of the tree), MPFR registers in the
 * workspace.
 *
 * MPFR accuracy.  Each instruction is correctly rounded (or a short fixed
 * sequence of correctly rounded steps) at the working precision
 * w = prec + guard with guard = 16 + 2 ceil(log2(n + 1)) bits for n
 * instructions; the guard bits absorb the accumulation of the rounding
 * errors of well-conditioned formulas.  Phi and phi, whose condition
 * grows like x^2, form their argument (x/sqrt 2, x^2/2) with 64 more bits.
 */
#include "core/core.h"
#include "act/expr.h"
#include "act/expr_fn.h"
#include "act/tape_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI_D 3.14159265358979323846264338327950288
#define E_D 2.71828182845904523536028747135266250

struct da_tape_ws {
    const da_tape *t;
    mpfr_prec_t wprec;
    int nreg;
    mpfr_t *r;        /* [nreg]; r[0] unused (x is read in place) */
    mpfr_t *c;        /* [nconst - npre]: the constants not preloaded */
    int nc;
    mpfr_ptr *p;      /* [nreg]; p[i] = r[i], p[0] = x during evaluation */
    mpfr_t s1, s2;    /* scratch at wprec */
    mpfr_t h1;        /* scratch at wprec + 64 */
    mpfr_t sqrt2;     /* at wprec + 64 */
    mpfr_t sqrt2pi;   /* at wprec */
    da_fn_mpfr k;     /* the five above, lent to the table's evaluators */
    da_tape_ws **sub; /* [2 nrem]: workspaces of the removable quotients */
};

/* ---- compilation ---------------------------------------------------- */

static int grow(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 1;
    int c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = da_realloc(*p, (size_t)c * size);
    if (!q)
        return 0;
    *p = q;
    *cap = c;
    return 1;
}

static int emit(da_tape *t, iop op, da_fn fn, int dst, int a, int b, int c,
                long n)
{
    if (t->failed)
        return -1;
    if (!grow((void **)&t->code, &t->capcode, t->ncode + 1, sizeof(ins))) {
        t->failed = 1;
        return -1;
    }
    ins *i = &t->code[t->ncode];
    i->op = op;
    i->fn = fn;
    i->dst = dst;
    i->a = a;
    i->b = b;
    i->c = c;
    i->n = n;
    return t->ncode++;
}

/* Registers: temporaries are numbered from 0 during compilation and
 * shifted after 1 + npre once the constants are known; x and the
 * preloaded constants are encoded as negative numbers meanwhile: x = -1,
 * constant k = -2 - k.  Only the first MAX_PRE constants are preloaded
 * (so that the double registers stay few enough for the stack); the
 * others are copied into a temporary by I_CONST where they are used. */
#define X_REG (-1)
#define CONST_REG(k) (-2 - (k))
#define MAX_PRE 64

static int temp_new(da_tape *t);

static int add_const(da_tape *t, ckind kind, const char *text, double val)
{
    if (t->failed)
        return X_REG;
    /* cval has the capacity of cdefs: reallocated only when cdefs grows
       (a realloc per constant copied the array each time under ASan,
       quadratic in the number of constants) */
    int oldcap = t->capconst;
    if (!grow((void **)&t->cdefs, &t->capconst, t->nconst + 1, sizeof(cdef))) {
        t->failed = 1;
        return X_REG;
    }
    if (t->capconst != oldcap || !t->cval) {
        void *q = da_realloc(t->cval, (size_t)t->capconst * sizeof(double));
        if (!q) {
            t->failed = 1;
            return X_REG;
        }
        t->cval = q;
    }
    cdef *c = &t->cdefs[t->nconst];
    c->kind = kind;
    c->text = NULL;
    if (text) {
        c->text = da_strdup(text);
        if (!c->text) {
            t->failed = 1;
            return X_REG;
        }
    }
    t->cval[t->nconst] = val;
    int k = t->nconst++;
    if (k < MAX_PRE) {
        t->npre = k + 1;
        return CONST_REG(k);
    }
    int dst = temp_new(t);
    emit(t, I_CONST, DA_F_COUNT, dst, X_REG, X_REG, X_REG, k);
    return dst;
}

/* A preloaded constant (pi, e, 0, 1) used more than once: one register.
 * *slot is 0 until then (0 is never a preloaded constant's code). */
static int const_shared(da_tape *t, int *slot, ckind kind, const char *text,
                        double val)
{
    if (*slot != 0)
        return *slot;
    int r = add_const(t, kind, text, val);
    if (r < X_REG)
        *slot = r;
    return r;
}

static int temp_new(da_tape *t)
{
    if (t->nfree > 0)
        return t->freelist[--t->nfree];
    return t->ntemp++;
}

static void temp_free(da_tape *t, int r)
{
    if (r < 0 || t->failed)
        return;
    if (!grow((void **)&t->freelist, &t->capfree, t->nfree + 1, sizeof(int))) {
        t->failed = 1;
        return;
    }
    t->freelist[t->nfree++] = r;
}

/* Is e an integer constant that fits a long?  Sets *n. */
static int int_const(const da_expr *e, long *n)
{
    int neg = 0;
    if (e->op == DA_E_NEG) {
        neg = 1;
        e = e->a[0];
    }
    if (e->op != DA_E_NUM || !isfinite(e->val) || fabs(e->val) > 1e15
        || e->val != floor(e->val))
        return 0;
    /* the double is an integer; is the decimal text exactly that integer? */
    size_t len = strlen(e->num);
    mpfr_t t;
    mpfr_init2(t, (mpfr_prec_t)(8 * len + 64));
    int ok = mpfr_set_str(t, e->num, 10, MPFR_RNDN) == 0 && mpfr_integer_p(t)
          && mpfr_cmp_d(t, e->val) == 0;
    mpfr_clear(t);
    if (!ok)
        return 0;
    *n = (long)e->val;
    if (neg)
        *n = -*n;
    return 1;
}

static int compile(da_tape *t, const da_expr *e);

static int compile_args(da_tape *t, const da_expr *e, int *r)
{
    for (int i = 0; i < e->nargs; i++)
        r[i] = compile(t, e->a[i]);
    return t->failed ? -1 : 0;
}

static void patch(da_tape *t, int at, int b, int c)
{
    if (t->failed || at < 0)
        return;
    if (b >= 0)
        t->code[at].b = b;
    if (c >= 0)
        t->code[at].c = c;
}

static int compile(da_tape *t, const da_expr *e)
{
    if (t->failed)
        return X_REG;
    int r[3] = {X_REG, X_REG, X_REG};
    int dst;
    iop op;
    switch (e->op) {
    case DA_E_X:
        return X_REG;
    case DA_E_NUM:
        return add_const(t, C_NUM, e->num, e->val);
    case DA_E_PI:
        return const_shared(t, &t->regpi, C_PI, NULL, PI_D);
    case DA_E_E:
        return const_shared(t, &t->rege, C_E, NULL, E_D);
    case DA_E_COND: {
        int rc = compile(t, e->a[0]);
        dst = temp_new(t);
        int j = emit(t, I_JZ, DA_F_COUNT, dst, rc, -1, -1, 0);
        temp_free(t, rc);
        int ra = compile(t, e->a[1]);
        emit(t, I_MOV, DA_F_COUNT, dst, ra, X_REG, X_REG, 0);
        temp_free(t, ra);
        int jend = emit(t, I_JMP, DA_F_COUNT, dst, X_REG, -1, 0, 0);
        patch(t, j, t->ncode, -1);
        int rb = compile(t, e->a[2]);
        emit(t, I_MOV, DA_F_COUNT, dst, rb, X_REG, X_REG, 0);
        temp_free(t, rb);
        patch(t, j, -1, t->ncode);
        patch(t, jend, t->ncode, -1);
        return dst;
    }
    case DA_E_AND:
    case DA_E_OR: {
        int and = e->op == DA_E_AND;
        int ra = compile(t, e->a[0]);
        dst = temp_new(t);
        int j = emit(t, and ? I_JZ : I_JNZ, DA_F_COUNT, dst, ra, -1, -1, 0);
        temp_free(t, ra);
        int rb = compile(t, e->a[1]);
        emit(t, I_BOOL, DA_F_COUNT, dst, rb, X_REG, X_REG, 0);
        temp_free(t, rb);
        int jend = emit(t, I_JMP, DA_F_COUNT, dst, X_REG, -1, 0, 0);
        patch(t, j, t->ncode, -1);
        /* the value when short-circuited: 0 for &&, 1 for || */
        int k = and ? const_shared(t, &t->reg0, C_NUM, "0", 0.0)
                    : const_shared(t, &t->reg1, C_NUM, "1", 1.0);
        emit(t, I_MOV, DA_F_COUNT, dst, k, X_REG, X_REG, 0);
        temp_free(t, k);
        patch(t, j, -1, t->ncode);
        patch(t, jend, t->ncode, -1);
        return dst;
    }
    case DA_E_POW: {
        long n;
        if (int_const(e->a[1], &n)) {
            if (n == 1)
                return compile(t, e->a[0]);
            r[0] = compile(t, e->a[0]);
            dst = temp_new(t);
            emit(t, I_POWI, DA_F_COUNT, dst, r[0], X_REG, X_REG, n);
            temp_free(t, r[0]);
            return dst;
        }
        op = I_POW;
        break;
    }
    case DA_E_NEG: op = I_NEG; break;
    case DA_E_NOT: op = I_NOT; break;
    case DA_E_ADD: op = I_ADD; break;
    case DA_E_SUB: op = I_SUB; break;
    case DA_E_MUL: op = I_MUL; break;
    case DA_E_DIV:
        if (e->rem) {
            if (!grow((void **)&t->rems, &t->caprem, t->nrem + 1, sizeof *t->rems)) {
                t->failed = 1;
                return X_REG;
            }
            remdef *rd = &t->rems[t->nrem];
            rd->gk = da_tape_new(e->rem->a[0]);
            rd->hk = rd->gk ? da_tape_new(e->rem->a[1]) : NULL;
            rd->r = e->rem_at;
            if (!rd->hk) {
                da_tape_free(rd->gk);
                t->failed = 1;
                return X_REG;
            }
            t->nrem++;
            if (compile_args(t, e, r) < 0)
                return X_REG;
            dst = temp_new(t);
            emit(t, I_RDIV, DA_F_COUNT, dst, r[0], r[1], X_REG, t->nrem - 1);
            temp_free(t, r[0]);
            temp_free(t, r[1]);
            return dst;
        }
        op = I_DIV;
        break;
    case DA_E_LT: op = I_LT; break;
    case DA_E_LE: op = I_LE; break;
    case DA_E_GT: op = I_GT; break;
    case DA_E_GE: op = I_GE; break;
    case DA_E_EQ: op = I_EQ; break;
    case DA_E_NE: op = I_NE; break;
    case DA_E_FN: op = I_FN; break;
    default:
        t->failed = 1;
        return X_REG;
    }
    if (compile_args(t, e, r) < 0)
        return X_REG;
    dst = temp_new(t);
    emit(t, op, e->op == DA_E_FN ? e->fn : DA_F_COUNT, dst, r[0], r[1], r[2],
         0);
    for (int i = 0; i < e->nargs; i++)
        temp_free(t, r[i]);
    return dst;
}

/* final register numbering: x = 0, constants 1 .. npre, temporaries */
static int renum(const da_tape *t, int r)
{
    if (r == X_REG)
        return 0;
    if (r < 0)
        return 1 + (-2 - r);
    return 1 + t->npre + r;
}

void da_tape_free(da_tape *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nconst; i++)
        free(t->cdefs[i].text);
    free(t->cdefs);
    free(t->cval);
    for (int i = 0; i < t->nrem; i++) {
        da_tape_free(t->rems[i].gk);
        da_tape_free(t->rems[i].hk);
    }
    free(t->rems);
    free(t->code);
    free(t->freelist);
    free(t);
}

da_tape *da_tape_new(const da_expr *e)
{
    if (!e) {
        da_fail(DA_EINVAL, "da_tape_new: no expression");
        return NULL;
    }
    da_tape *t = da_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    int res = compile(t, e);
    if (t->failed) {
        da_tape_free(t);
        return NULL;
    }
    for (int i = 0; i < t->ncode; i++) {
        ins *in = &t->code[i];
        int jump = in->op == I_JZ || in->op == I_JNZ || in->op == I_JMP;
        in->dst = renum(t, in->dst);
        in->a = renum(t, in->a);
        if (!jump) {
            in->b = renum(t, in->b);
            in->c = renum(t, in->c);
        }
    }
    t->res = renum(t, res);
    t->nreg = 1 + t->npre + t->ntemp;
    free(t->freelist);
    t->freelist = NULL;
    /* guard = 16 + 2 ceil(log2(n + 1)), plus the binary magnitude of the
       largest constant: in (x + 1e200) - 1e200 the value of x survives only
       if the working precision spans both magnitudes; without these bits
       the evaluations at two precisions could agree on a wrong 0 */
    int lg = 0;
    while ((1L << lg) < (long)t->ncode + 1)
        lg++;
    t->guard = 16 + 2 * lg;
    double big = 0;
    for (int i = 0; i < t->nconst; i++)
        if (isfinite(t->cval[i]) && fabs(t->cval[i]) > big)
            big = fabs(t->cval[i]);
    if (big > 1)
        t->guard += (mpfr_prec_t)ceil(log2(big));
    return t;
}

/* ---- double evaluation ------------------------------------------------- */

static double cmp_d(iop op, double a, double b)
{
    if (isnan(a) || isnan(b))
        return NAN;
    switch (op) {
    case I_LT: return a < b;
    case I_LE: return a <= b;
    case I_GT: return a > b;
    case I_GE: return a >= b;
    case I_EQ: return a == b;
    default: return a != b;
    }
}

static double powi_d(double a, long n)
{
    if (n == 2)
        return a * a;
    return pow(a, (double)n);
}

double da_tape_eval_d(const da_tape *t, double x)
{
    double r[t->nreg];
    r[0] = x;
    if (t->npre)
        memcpy(r + 1, t->cval, (size_t)t->npre * sizeof(double));
    const ins *code = t->code;
    int n = t->ncode;
    for (int pc = 0; pc < n; pc++) {
        const ins *i = &code[pc];
        double a = r[i->a];
        switch (i->op) {
        case I_MOV: r[i->dst] = a; break;
        case I_NEG: r[i->dst] = -a; break;
        case I_ADD: r[i->dst] = a + r[i->b]; break;
        case I_SUB: r[i->dst] = a - r[i->b]; break;
        case I_MUL: r[i->dst] = a * r[i->b]; break;
        case I_DIV: r[i->dst] = a / r[i->b]; break;
        case I_RDIV:
            if (r[i->b] == 0) {
                const remdef *rd = &t->rems[i->n];
                r[i->dst] = da_tape_eval_d(rd->gk, x) / da_tape_eval_d(rd->hk, x);
            } else {
                r[i->dst] = a / r[i->b];
            }
            break;
        case I_POW: r[i->dst] = pow(a, r[i->b]); break;
        case I_POWI: r[i->dst] = powi_d(a, i->n); break;
        case I_LT: case I_LE: case I_GT: case I_GE: case I_EQ: case I_NE:
            r[i->dst] = cmp_d(i->op, a, r[i->b]);
            break;
        case I_NOT: r[i->dst] = isnan(a) ? a : (double)(a == 0); break;
        case I_BOOL: r[i->dst] = isnan(a) ? a : (double)(a != 0); break;
        case I_FN:
            r[i->dst] = da_fn_get(i->fn)->d(a, r[i->b], r[i->c]);
            break;
        case I_JZ:
        case I_JNZ:
            if (isnan(a)) {
                r[i->dst] = a;
                pc = i->c - 1;
            } else if ((a == 0) == (i->op == I_JZ)) {
                pc = i->b - 1;
            }
            break;
        case I_JMP:
            pc = i->b - 1;
            break;
        case I_CONST:
            r[i->dst] = t->cval[i->n];
            break;
        }
    }
    return r[t->res];
}

/* ---- MPFR evaluation ------------------------------------------------------ */

void da_tape_ws_free(da_tape_ws *w)
{
    if (!w)
        return;
    if (w->r) {
        for (int i = 1; i < w->nreg; i++)
            mpfr_clear(w->r[i]);
        free(w->r);
        for (int i = 0; i < w->nc; i++)
            mpfr_clear(w->c[i]);
        free(w->c);
        mpfr_clear(w->s1);
        mpfr_clear(w->s2);
        mpfr_clear(w->h1);
        mpfr_clear(w->sqrt2);
        mpfr_clear(w->sqrt2pi);
    }
    if (w->sub) {
        for (int i = 0; i < 2 * w->t->nrem; i++)
            da_tape_ws_free(w->sub[i]);
        free(w->sub);
    }
    free(w->p);
    free(w);
}

da_tape_ws *da_tape_ws_new(const da_tape *t, mpfr_prec_t prec)
{
    if (!t) {
        da_fail(DA_EINVAL, "da_tape_ws_new: no tape");
        return NULL;
    }
    if (prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX - t->guard - 64) {
        da_fail(DA_EINVAL, "da_tape_ws_new: precision %ld out of range",
                (long)prec);
        return NULL;
    }
    da_tape_ws *w = da_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->t = t;
    w->wprec = prec + t->guard;
    w->p = da_calloc((size_t)t->nreg, sizeof(mpfr_ptr));
    w->r = da_calloc((size_t)t->nreg, sizeof(mpfr_t));
    w->c = da_calloc((size_t)(t->nconst - t->npre), sizeof(mpfr_t));
    if (!w->p || !w->r || !w->c) {
        free(w->r);
        free(w->c);
        w->r = NULL;
        w->c = NULL;
        da_tape_ws_free(w);
        return NULL;
    }
    w->nreg = t->nreg;
    w->nc = t->nconst - t->npre;
    for (int i = 0; i < w->nc; i++)
        mpfr_init2(w->c[i], w->wprec);
    mpfr_prec_t wp = w->wprec;
    for (int i = 1; i < t->nreg; i++) {
        mpfr_init2(w->r[i], wp);
        w->p[i] = w->r[i];
    }
    mpfr_init2(w->s1, wp);
    mpfr_init2(w->s2, wp);
    mpfr_init2(w->h1, wp + 64);
    mpfr_init2(w->sqrt2, wp + 64);
    mpfr_init2(w->sqrt2pi, wp);
    mpfr_sqrt_ui(w->sqrt2, 2, MPFR_RNDN);
    w->k = (da_fn_mpfr){w->s1, w->s2, w->h1, w->sqrt2, w->sqrt2pi};
    {
        mpfr_t tp;
        mpfr_init2(tp, wp + 64);
        mpfr_const_pi(tp, MPFR_RNDN);
        mpfr_mul_2ui(tp, tp, 1, MPFR_RNDN);
        mpfr_sqrt(w->sqrt2pi, tp, MPFR_RNDN);
        mpfr_clear(tp);
    }
    for (int k = 0; k < t->nconst; k++) {
        mpfr_ptr c = k < t->npre ? w->r[1 + k] : w->c[k - t->npre];
        switch (t->cdefs[k].kind) {
        case C_NUM:
            if (mpfr_set_str(c, t->cdefs[k].text, 10, MPFR_RNDN) != 0)
                mpfr_set_nan(c);
            break;
        case C_PI:
            mpfr_const_pi(c, MPFR_RNDN);
            break;
        case C_E:
            mpfr_set_ui(c, 1, MPFR_RNDN);
            mpfr_exp(c, c, MPFR_RNDN);
            break;
        }
    }
    if (t->nrem) {
        w->sub = da_calloc((size_t)(2 * t->nrem), sizeof *w->sub);
        if (!w->sub) {
            da_tape_ws_free(w);
            return NULL;
        }
        for (int i = 0; i < t->nrem; i++) {
            w->sub[2 * i] = da_tape_ws_new(t->rems[i].gk, w->wprec);
            w->sub[2 * i + 1] = da_tape_ws_new(t->rems[i].hk, w->wprec);
            if (!w->sub[2 * i] || !w->sub[2 * i + 1]) {
                da_tape_ws_free(w);
                return NULL;
            }
        }
    }
    return w;
}

/* Why instruction i made a non-number d from numbers. */
static const char *why_ins(const ins *i, mpfr_srcptr a, mpfr_srcptr b)
{
    switch (i->op) {
    case I_DIV: case I_RDIV:
        return mpfr_zero_p(b) ? "division by zero" : "not finite";
    case I_POW:
        if (mpfr_sgn(a) < 0 && !mpfr_integer_p(b))
            return "power of a negative number";
        if (mpfr_zero_p(a) && mpfr_sgn(b) < 0)
            return "division by zero";
        return "not finite";
    case I_POWI:
        return mpfr_zero_p(a) && i->n < 0 ? "division by zero" : "not finite";
    case I_FN: {
        const char *(*why)(mpfr_srcptr) = da_fn_get(i->fn)->why;
        const char *r = why ? why(a) : NULL;
        return r ? r : "not finite";
    }
    default:
        return "not finite";
    }
}

static int eval_m(const da_tape *t, da_tape_ws *w, mpfr_t y, const mpfr_t x, const char **why);

int da_tape_eval_m(const da_tape *t, da_tape_ws *w, mpfr_t y, const mpfr_t x)
{
    return eval_m(t, w, y, x, NULL);
}

int da_tape_eval_m_why(const da_tape *t, da_tape_ws *w, mpfr_t y, const mpfr_t x,
                       const char **why)
{
    *why = NULL;
    int bad = eval_m(t, w, y, x, why);
    if (bad && !*why)
        *why = "not finite";
    if (!bad)
        *why = NULL;
    return bad;
}

static int eval_m(const da_tape *t, da_tape_ws *w, mpfr_t y, const mpfr_t x, const char **why)
{
    const mpfr_rnd_t R = MPFR_RNDN;
    if (w->t != t) { /* a workspace of another tape */
        mpfr_set_nan(y);
        return 1;
    }
    mpfr_ptr *r = w->p;
    r[0] = (mpfr_ptr)x; /* read only: no instruction writes register 0 */
    const ins *code = t->code;
    int n = t->ncode;
    for (int pc = 0; pc < n; pc++) {
        const ins *i = &code[pc];
        mpfr_ptr d = r[i->dst];
        mpfr_srcptr a = r[i->a];
        switch (i->op) {
        case I_MOV: mpfr_set(d, a, R); break;
        case I_NEG: mpfr_neg(d, a, R); break;
        case I_ADD: mpfr_add(d, a, r[i->b], R); break;
        case I_SUB: mpfr_sub(d, a, r[i->b], R); break;
        case I_MUL: mpfr_mul(d, a, r[i->b], R); break;
        case I_DIV: mpfr_div(d, a, r[i->b], R); break;
        case I_RDIV:
            if (mpfr_zero_p(r[i->b])) {
                const remdef *rd = &t->rems[i->n];
                if (da_tape_eval_m(rd->gk, w->sub[2 * i->n], w->s1, x)
                    || da_tape_eval_m(rd->hk, w->sub[2 * i->n + 1], w->s2, x))
                    mpfr_set_nan(d);
                else
                    mpfr_div(d, w->s1, w->s2, R);
            } else {
                mpfr_div(d, a, r[i->b], R);
            }
            break;
        case I_POW: mpfr_pow(d, a, r[i->b], R); break;
        case I_POWI: mpfr_pow_si(d, a, i->n, R); break;
        case I_LT: case I_LE: case I_GT: case I_GE: case I_EQ: case I_NE: {
            mpfr_srcptr b = r[i->b];
            if (mpfr_nan_p(a) || mpfr_nan_p(b)) {
                mpfr_set_nan(d);
                break;
            }
            int v;
            switch (i->op) {
            case I_LT: v = mpfr_less_p(a, b); break;
            case I_LE: v = mpfr_lessequal_p(a, b); break;
            case I_GT: v = mpfr_greater_p(a, b); break;
            case I_GE: v = mpfr_greaterequal_p(a, b); break;
            case I_EQ: v = mpfr_equal_p(a, b); break;
            default: v = !mpfr_equal_p(a, b); break;
            }
            mpfr_set_ui(d, v != 0, R);
            break;
        }
        case I_NOT:
        case I_BOOL:
            if (mpfr_nan_p(a))
                mpfr_set_nan(d);
            else
                mpfr_set_ui(d, (mpfr_zero_p(a) != 0) == (i->op == I_NOT), R);
            break;
        case I_FN:
            da_fn_get(i->fn)->m(d, a, r[i->b], r[i->c], &w->k);
            break;
        case I_JZ:
        case I_JNZ:
            if (mpfr_nan_p(a)) {
                mpfr_set_nan(d);
                pc = i->c - 1;
            } else if ((mpfr_zero_p(a) != 0) == (i->op == I_JZ)) {
                pc = i->b - 1;
            }
            break;
        case I_JMP:
            pc = i->b - 1;
            break;
        case I_CONST:
            mpfr_set(d, w->c[i->n - t->npre], R);
            break;
        }
        /* the first instruction that made a non-number from numbers */
        if (why && !*why && i->op != I_JZ && i->op != I_JNZ && i->op != I_JMP
            && !mpfr_number_p(d) && mpfr_number_p(a)
            && (i->op != I_DIV && i->op != I_RDIV && i->op != I_POW
                ? 1 : mpfr_number_p(r[i->b])))
            *why = why_ins(i, a, r[i->b]);
    }
    mpfr_set(y, r[t->res], R);
    r[0] = NULL;
    return mpfr_number_p(y) ? 0 : 1;
}
