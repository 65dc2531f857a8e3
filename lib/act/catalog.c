/* catalog.c -- the named activations.
 *
 * Every catalogue entry is a formula in x with optional numeric
 * parameters; the expression engine does the rest (derivatives,
 * breakpoints, class, exact pieces).  A parameter is kept as the decimal
 * text the user typed, so that "leaky_relu(0.01)" means exactly 1/100 at
 * any precision.  The SELU constants are taken as exact decimals (the
 * 32-digit values of Klambauer et al. 2017, as commonly used). */
#include "core/core.h"
#include "act/act.h"
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *params;       /* "alpha=0.01" ; "" if none; "c0,c1,..." special */
    const char *templ;        /* formula; $1 .. $3 stand for the parameters */
    int nparams;              /* fixed number of parameters, -1 special */
    const char *defaults[3];
    const char *description;
} entry;

#define SELU_L "1.0507009873554804934193349852946"
#define SELU_A "1.6732632423543772848170429916717"

static const entry table[] = {
    {"identity", "", "x", 0, {0}, "the identity x (linear: mu = 0)"},
    {"relu", "", "max(x,0)", 0, {0}, "rectified linear unit max(x, 0)"},
    {"leaky_relu", "alpha=0.01", "(x>0 ? x : $1*x)", 1, {"0.01"},
     "leaky ReLU: x for x > 0, alpha*x otherwise"},
    {"abs", "", "abs(x)", 0, {0}, "absolute value |x|"},
    {"step", "", "step(x)", 0, {0}, "Heaviside step 1{x > 0}"},
    {"sign", "", "sign(x)", 0, {0}, "sign of x (-1, 0, 1)"},
    {"hardtanh", "", "clip(x,-1,1)", 0, {0}, "x clipped to [-1, 1]"},
    {"relu_pow", "p=2", "max(x,0)^$1", 1, {"2"},
     "max(x, 0)^p, p > 0 (p = 2: squared ReLU)"},
    {"tanh", "", "tanh(x)", 0, {0}, "hyperbolic tangent"},
    {"sigmoid", "", "sigmoid(x)", 0, {0}, "logistic sigmoid 1/(1 + exp(-x))"},
    {"erf", "", "erf(x)", 0, {0}, "error function"},
    {"gelu", "", "x*Phi(x)", 0, {0}, "GELU, exact form x*Phi(x)"},
    {"silu", "", "x*sigmoid(x)", 0, {0}, "SiLU x*sigmoid(x) (swish with beta = 1)"},
    {"swish", "beta=1", "x*sigmoid($1*x)", 1, {"1"}, "swish x*sigmoid(beta*x)"},
    {"softplus", "", "softplus(x)", 0, {0}, "softplus log(1 + exp(x))"},
    {"elu", "alpha=1", "(x>0 ? x : $1*expm1(x))", 1, {"1"},
     "ELU: x for x > 0, alpha*(exp(x) - 1) otherwise"},
    {"selu", "", SELU_L "*(x>0 ? x : " SELU_A "*expm1(x))", 0, {0},
     "SELU with lambda = 1.0507..., alpha = 1.6732... (Klambauer et al. 2017)"},
    {"sin", "", "sin(x)", 0, {0}, "sine"},
    {"cos", "", "cos(x)", 0, {0}, "cosine"},
    {"exp", "", "exp(x)", 0, {0}, "exponential"},
    {"gaussian", "", "exp(-x^2/2)", 0, {0}, "Gaussian bump exp(-x^2/2)"},
    {"hermite", "k=2", NULL, 1, {"2"},
     "probabilists' Hermite polynomial He_k(x), integer 0 <= k <= 200"},
    {"poly", "c0,c1,...", NULL, -1, {0},
     "polynomial c0 + c1 x + c2 x^2 + ... (1 to 64 coefficients)"},
    {"relu_normalized", "",
     "(max(x,0) - 1/sqrt(2*pi))/sqrt(1/2 - 1/(2*pi))", 0, {0},
     "ReLU centred and scaled to mean 0, variance 1 (the paper's)"},
};

#define NTABLE (sizeof table / sizeof table[0])

/* neural-tangents' stax names (Novak et al. 2020), so that a stack can be
 * transcribed layer by layer: accepted wherever a catalogue name is, not
 * listed by da_catalog_get (they duplicate the entries above).  The
 * parameters are neural-tangents' own, in its order and with its defaults. */
static const entry nt_table[] = {
    {"Relu", "", "max(x,0)", 0, {0}, "neural-tangents Relu()"},
    {"Abs", "", "abs(x)", 0, {0}, "neural-tangents Abs()"},
    {"Sign", "", "sign(x)", 0, {0}, "neural-tangents Sign()"},
    {"Gelu", "", "x*Phi(x)", 0, {0}, "neural-tangents Gelu()"},
    {"LeakyRelu", "alpha=0.01", "$1*min(x,0)+max(x,0)", 1, {"0.01"}, "neural-tangents LeakyRelu(alpha)"},
    {"ABRelu", "a=0,b=1", "$1*min(x,0)+$2*max(x,0)", 2, {"0", "1"}, "neural-tangents ABRelu(a, b)"},
    {"Erf", "a=1,b=1,c=0", "$1*erf($2*x)+$3", 3, {"1", "1", "0"}, "neural-tangents Erf(a, b, c)"},
    {"Sigmoid_like", "", "0.5*erf(x/2.4020563531719796)+0.5", 0, {0}, "neural-tangents Sigmoid_like()"},
    {"Sin", "a=1,b=1,c=0", "$1*sin($2*x+$3)", 3, {"1", "1", "0"}, "neural-tangents Sin(a, b, c)"},
    {"Cos", "a=1,b=1,c=0", "$1*cos($2*x+$3)", 3, {"1", "1", "0"}, "neural-tangents Cos(a, b, c)"},
    {"Exp", "a=1,b=1", "$1*exp($2*x)", 2, {"1", "1"}, "neural-tangents Exp(a, b)"},
    {"Gaussian", "a=1,b=-1", "$1*exp($2*x^2)", 2, {"1", "-1"}, "neural-tangents Gaussian(a, b)"},
    {"Rbf", "gamma=1", "sqrt(2)*sin(sqrt(2*$1)*x+pi/4)", 1, {"1"}, "neural-tangents Rbf(gamma)"},
    {"Monomial", "degree=1", "x^$1", 1, {"1"}, "neural-tangents Monomial(degree)"},
    {"RectifiedMonomial", "degree=1", "max(x,0)^$1", 1, {"1"}, "neural-tangents RectifiedMonomial(degree)"},
    /* He_k(x)/sqrt(k!), unit norm under the standard Gaussian; the degree
       is required, as in neural-tangents */
    {"Hermite", "degree", NULL, 1, {NULL}, "neural-tangents Hermite(degree)"},
    /* coef[0] + coef[1] x + ..., numpy's order; Polynomial([c0,c1,...])
       is accepted as well as Polynomial(c0,c1,...) */
    {"Polynomial", "coef", NULL, -1, {0}, "neural-tangents Polynomial(coef)"},
    {"Gabor", "", "exp(-x^2)*sin(x)", 0, {0}, "neural-tangents Gabor()"},
    /* not an elementwise function: refused with an explanation */
    {"ExpNormalized", "gamma=1,shift=-1", NULL, -1, {0}, "neural-tangents ExpNormalized()"},
};
#define NNT (sizeof nt_table / sizeof nt_table[0])
static char nt_default[NNT][256];

/* Filled once (pthread_once), then read-only: safe from any thread. */
static da_catalog_entry pub[NTABLE];
static char default_formula[NTABLE][256];   /* entries with parameters */
static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;

static char *instantiate(const char *templ, char args[][64]);

static void catalog_init(void)
{
    for (size_t i = 0; i < NNT; i++) {
        if (nt_table[i].templ && nt_table[i].nparams > 0) {
            char args[3][64];
            for (int j = 0; j < nt_table[i].nparams; j++)
                snprintf(args[j], sizeof args[j], "%s", nt_table[i].defaults[j]);
            char *f = instantiate(nt_table[i].templ, args);
            if (f) {
                snprintf(nt_default[i], sizeof nt_default[i], "%s", f);
                free(f);
            }
        }
    }
    for (size_t i = 0; i < NTABLE; i++) {
        pub[i].name = table[i].name;
        pub[i].params = table[i].params;
        pub[i].description = table[i].description;
        if (table[i].templ && table[i].nparams > 0) {
            char args[3][64];
            for (int j = 0; j < table[i].nparams; j++)
                snprintf(args[j], sizeof args[j], "%s", table[i].defaults[j]);
            char *s = instantiate(table[i].templ, args);
            if (s) {
                snprintf(default_formula[i], sizeof default_formula[i], "%s", s);
                free(s);
            }
        }
    }
}

size_t da_catalog_size(void) { return NTABLE; }

const da_catalog_entry *da_catalog_get(size_t i)
{
    if (i >= NTABLE)
        return NULL;
    pthread_once(&catalog_once, catalog_init);
    return &pub[i];
}

static const entry *find(const char *name, size_t len)
{
    for (size_t i = 0; i < NTABLE; i++)
        if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
            return &table[i];
    for (size_t i = 0; i < NNT; i++)
        if (strlen(nt_table[i].name) == len && strncmp(nt_table[i].name, name, len) == 0)
            return &nt_table[i];
    return NULL;
}

/* A decimal number as accepted for parameters: [+-]digits[.digits][e[+-]digits].
 * Writes a normalized copy (no '+') into out. */
static int check_number(const char *s, size_t len, char *out, size_t outlen)
{
    size_t i = 0, o = 0, nd = 0;
    if (len == 0 || len >= outlen)
        return 0;
    if (s[i] == '+' || s[i] == '-') {
        if (s[i] == '-')
            out[o++] = '-';
        i++;
    }
    while (i < len && isdigit((unsigned char)s[i])) { out[o++] = s[i++]; nd++; }
    if (i < len && s[i] == '.') {
        out[o++] = s[i++];
        while (i < len && isdigit((unsigned char)s[i])) { out[o++] = s[i++]; nd++; }
    }
    if (nd == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        out[o++] = 'e';
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            if (s[i] == '-')
                out[o++] = '-';
            i++;
        }
        size_t ne = 0;
        while (i < len && isdigit((unsigned char)s[i])) { out[o++] = s[i++]; ne++; }
        if (ne == 0 || ne > 4)
            return 0;
    }
    out[o] = '\0';
    return i == len;
}

/* Integer coefficients of He_k in the monomial basis, as a formula.
 * He_k(x) = sum_j (-1)^j k! / (2^j j! (k-2j)!) x^(k-2j).  The coefficients
 * are exact integers, computed with GMP through mpfr at exact precision. */
static char *hermite_formula(long k)
{
    size_t cap = 64, len = 0;
    char *buf = da_malloc(cap);
    if (!buf)
        return NULL;
    buf[0] = '\0';
    mpz_t c;
    mpz_init(c);
    for (long j = 0; 2 * j <= k; j++) {
        long m = k - 2 * j;
        /* c = k! / (2^j j! m!) */
        mpz_fac_ui(c, (unsigned long)k);
        mpz_t d;
        mpz_init(d);
        mpz_fac_ui(d, (unsigned long)j);
        mpz_divexact(c, c, d);
        mpz_fac_ui(d, (unsigned long)m);
        mpz_divexact(c, c, d);
        mpz_clear(d);
        mpz_fdiv_q_2exp(c, c, (mp_bitcnt_t)j);
        char *num = mpz_get_str(NULL, 10, c);
        size_t need = strlen(num) + 40;
        if (len + need >= cap) {
            while (len + need >= cap)
                cap *= 2;
            char *nb = da_realloc(buf, cap);
            if (!nb) {
                free(num);
                free(buf);
                mpz_clear(c);
                return NULL;
            }
            buf = nb;
        }
        const char *sgn = (j % 2) ? "-" : (j ? "+" : "");
        if (m == 0)
            len += (size_t)sprintf(buf + len, "%s%s", sgn, num);
        else
            len += (size_t)sprintf(buf + len, "%s%s*x^%ld", sgn, num, m);
        free(num);
    }
    mpz_clear(c);
    return buf;
}

static char *poly_formula(char args[][64], int nargs)
{
    size_t cap = (size_t)nargs * 80 + 8;
    char *buf = da_malloc(cap);
    if (!buf)
        return NULL;
    size_t len = 0;
    for (int i = 0; i < nargs; i++)
        len += (size_t)sprintf(buf + len, "%s(%s)*x^%d", i ? "+" : "", args[i], i);
    return buf;
}

/* Substitute $1..$3 in templ. */
static char *instantiate(const char *templ, char args[][64])
{
    size_t cap = strlen(templ) + 3 * 70 + 1;
    char *out = da_malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *p = templ; *p; p++) {
        if (p[0] == '$' && p[1] >= '1' && p[1] <= '3') {
            o += (size_t)sprintf(out + o, "(%s)", args[p[1] - '1']);
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

/* neural-tangents' Hermite(k): He_k(x)/sqrt(k!), the coefficients of He_k
 * exact integers and k! an exact integer under square roots.  A literal
 * must be a finite double, so k! (beyond 170!) is split into products of
 * consecutive integers below 10^300: sqrt(P1)*sqrt(P2)*... */
static char *nt_hermite_formula(long k)
{
    char *he = hermite_formula(k);
    if (!he || k < 2)
        return he;
    size_t cap = strlen(he) + 64;
    char *out = da_malloc(cap);
    if (!out) {
        free(he);
        return NULL;
    }
    size_t len = (size_t)sprintf(out, "(%s)/(", he);
    free(he);
    mpz_t f, lim;
    mpz_init_set_ui(f, 1);
    mpz_init(lim);
    mpz_ui_pow_ui(lim, 10, 300);
    int first = 1;
    for (long i = 2; i <= k; i++) {
        mpz_mul_ui(f, f, (unsigned long)i);
        if (i == k || mpz_cmp(f, lim) > 0) {
            char *fs = mpz_get_str(NULL, 10, f);
            char *nb = fs ? da_realloc(out, len + strlen(fs) + 16) : NULL;
            if (!nb) {
                free(fs);
                free(out);
                mpz_clear(f);
                mpz_clear(lim);
                return NULL;
            }
            out = nb;
            len += (size_t)sprintf(out + len, "%ssqrt(%s)", first ? "" : "*", fs);
            free(fs);
            first = 0;
            mpz_set_ui(f, 1);
        }
    }
    mpz_clear(f);
    mpz_clear(lim);
    sprintf(out + len, ")");
    return out;
}

const char *da_catalog_expr(const char *name)
{
    const entry *e = find(name, strlen(name));
    if (!e || !e->templ)
        return e && strcmp(e->name, "hermite") == 0 ? "x^2-1" : NULL;
    if (e->nparams == 0)
        return e->templ;
    /* entries with parameters, at their defaults (made once) */
    pthread_once(&catalog_once, catalog_init);
    if (e >= nt_table && e < nt_table + NNT) {
        size_t j = (size_t)(e - nt_table);
        return nt_default[j][0] ? nt_default[j] : NULL;
    }
    size_t i = (size_t)(e - table);
    return default_formula[i][0] ? default_formula[i] : NULL;
}

int da_catalog_formula(char **formula, const char *spec)
{
    *formula = NULL;
    while (isspace((unsigned char)*spec))
        spec++;
    size_t n = strcspn(spec, "( \t");
    const entry *e = find(spec, n);
    if (!e)
        return -1; /* not a catalogue spec */
    if (strcmp(e->name, "ExpNormalized") == 0)
        return da_fail(DA_EINVAL, "activation 'ExpNormalized': neural-tangents' ExpNormalized is not an "
                       "elementwise function but a kernel map, sqrt(q1 q2) exp(gamma (c/sqrt(q1 q2) + shift)); "
                       "with unit-variance inputs it is the kernel of 'exp(sqrt(gamma)*x+gamma*(shift-1)/2)' "
                       "(docs/manual.md, neural-tangents' stax layers)");
    const char *rest = spec + n;
    while (isspace((unsigned char)*rest))
        rest++;
    char args[64][64];
    int nargs = 0;
    if (*rest == '(') {
        /* parameters: a comma-separated list of numbers, then ')' and nothing */
        const char *p = rest + 1;
        /* letters other than an exponent's e/E: an expression such as
           relu(2*x), parsed as such (with its own error messages) */
        for (const char *q = p; *q && *q != ')'; q++)
            if (isalpha((unsigned char)*q) && *q != 'e' && *q != 'E')
                return -1;
        const char *close = strchr(p, ')');
        if (!close)
            return da_fail(DA_EINVAL, "activation '%.*s': missing ')' after parameters", (int)n, spec);
        const char *after = close + 1;
        while (isspace((unsigned char)*after))
            after++;
        if (*after)
            return -1; /* e.g. "relu(x)+1": an expression */
        /* Polynomial([c0, c1, ...]): neural-tangents' list, brackets dropped */
        if (e->nparams < 0) {
            const char *a = p, *b = close;
            while (a < b && isspace((unsigned char)*a)) a++;
            while (b > a && isspace((unsigned char)b[-1])) b--;
            if (a < b && *a == '[') {
                if (b - a < 2 || b[-1] != ']')
                    return da_fail(DA_EINVAL, "activation '%s': missing ']' after the coefficients", e->name);
                p = a + 1;
                close = b - 1;
            }
        }
        /* if the argument list mentions x or a letter other than e/E in a
           number, it is an expression such as relu(2*x) */
        for (const char *q = p; q < close; q++)
            if (isalpha((unsigned char)*q) && *q != 'e' && *q != 'E')
                return -1;
        while (p < close) {
            const char *comma = memchr(p, ',', (size_t)(close - p));
            const char *end = comma ? comma : close;
            const char *a = p, *b = end;
            while (a < b && isspace((unsigned char)*a)) a++;
            while (b > a && isspace((unsigned char)b[-1])) b--;
            if (nargs >= 64)
                return da_fail(DA_EINVAL, "activation '%s': too many parameters (at most 64)", e->name);
            if (!check_number(a, (size_t)(b - a), args[nargs], sizeof args[nargs]))
                return da_fail(DA_EINVAL, "activation '%s': parameter %d ('%.*s') is not a number",
                               e->name, nargs + 1, (int)(b - a), a);
            nargs++;
            p = comma ? comma + 1 : close;
            if (comma && p == close)
                return da_fail(DA_EINVAL, "activation '%s': empty parameter after ','", e->name);
        }
    } else if (*rest) {
        return -1;
    }

    if (e->nparams >= 0 && nargs > e->nparams)
        return da_fail(DA_EINVAL, "activation '%s' takes %s", e->name,
                       e->nparams == 0 ? "no parameters" : e->nparams == 1 ? "one parameter"
                       : e->nparams == 2 ? "at most two parameters" : "at most three parameters");
    if (e->nparams < 0 && nargs == 0)
        return da_fail(DA_EINVAL, "activation '%s' needs coefficients: %s(c0,c1,...)", e->name, e->name);
    for (int j = nargs; j < e->nparams; j++) {
        if (!e->defaults[j]) /* a required parameter: only Hermite's degree */
            return da_fail(DA_EINVAL, "activation '%s' needs its %s: %s(k), k an integer from 0 to 200",
                           e->name, e->params, e->name);
        snprintf(args[j], sizeof args[j], "%s", e->defaults[j]);
    }

    int is_hermite = strcmp(e->name, "hermite") == 0, is_nt_hermite = strcmp(e->name, "Hermite") == 0;
    if (is_hermite || is_nt_hermite) {
        char *end;
        long k = strtol(args[0], &end, 10);
        if (*end || k < 0 || k > 200)
            return da_fail(DA_EINVAL, "activation '%s': %s must be an integer from 0 to 200, not '%s'",
                           e->name, is_hermite ? "k" : "degree", args[0]);
        *formula = is_hermite ? hermite_formula(k) : nt_hermite_formula(k);
    } else if (e->nparams < 0) {
        *formula = poly_formula(args, nargs);
    } else {
        if (strcmp(e->name, "relu_pow") == 0 && strtod(args[0], NULL) <= 0)
            return da_fail(DA_EINVAL, "activation 'relu_pow': p must be positive, not '%s'", args[0]);
        if (strcmp(e->name, "relu_pow") == 0 && strtod(args[0], NULL) > 100)
            return da_fail(DA_EINVAL, "activation 'relu_pow': p must be at most 100, not '%s'", args[0]);
        if (strcmp(e->name, "elu") == 0 && strtod(args[0], NULL) < 0)
            return da_fail(DA_EINVAL, "activation 'elu': alpha must be non-negative, not '%s'", args[0]);
        *formula = instantiate(e->templ, args);
    }
    return *formula ? 0 : DA_ENOMEM;
}
