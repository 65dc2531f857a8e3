/* spec.c -- a network spec string into layers (dualact/net.h): layers
 * separated by ';' at the outer level (not inside parentheses or braces),
 * keywords dense, layernorm, residual, repeat, identity, and any other
 * item an activation.  Errors name the character position. */
#define _POSIX_C_SOURCE 200809L
#include "net/net_impl.h"
#include "core/core.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void da_net_opts_init(da_net_opts *o)
{
    o->digits = 30;
}

static void seq_free(nl_seq *s);

static void layer_free(nl_layer *l)
{
    free(l->text);
    da_ball_clear(&l->a);
    da_ball_clear(&l->b);
    da_netk_free(l->k);
    da_act_free(l->act);
    if (l->body) {
        seq_free(l->body);
        free(l->body);
    }
}

static void seq_free(nl_seq *s)
{
    for (size_t i = 0; i < s->n; i++)
        layer_free(&s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

void da_net_free(da_net *net)
{
    if (!net)
        return;
    seq_free(&net->top);
    free(net);
}

long da_net_rows(const da_net *net) { return net->rows; }

typedef struct {
    const char *s;           /* the whole spec */
    const da_net *net;
    int depth;               /* residual and repeat blocks open here */
} parser;

/* blocks within blocks, at most (the parser recurses once per level) */
#define NL_MAX_NESTING 64

static int perr(const parser *p, size_t pos, const char *fmt, const char *arg)
{
    (void)p;
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    return da_fail_col(DA_EINVAL, (int)pos + 1, "network: at character %zu: %s", pos + 1, msg);
}

/* [a, b) without surrounding blanks */
static void trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && isspace((unsigned char)s[*a]))
        (*a)++;
    while (*b > *a && isspace((unsigned char)s[*b - 1]))
        (*b)--;
}

/* a decimal in [a, b) as a ball at r's precision (da_ball_set_decimal,
 * as kernel reads its options) */
static int parse_num(const parser *p, size_t a, size_t b, da_ball r, int nonneg, const char *what)
{
    trim(p->s, &a, &b);
    char buf[128], m[200];
    if (b <= a || b - a >= sizeof buf)
        return perr(p, a, "%s: a number is expected", what);
    memcpy(buf, p->s + a, b - a);
    buf[b - a] = 0;
    if (da_ball_set_decimal(r, buf) != DA_OK || !mpfr_number_p(r->mid)) {
        snprintf(m, sizeof m, "%s: '%s' is not a number", what, buf);
        return perr(p, a, "%s", m);
    }
    if (nonneg && mpfr_sgn(r->mid) < 0) {
        snprintf(m, sizeof m, "%s: %s must be non-negative", what, buf);
        return perr(p, a, "%s", m);
    }
    return DA_OK;
}

/* the end of the bracket opened at s[a] ('(' or '{'), balanced over both
 * kinds; 0 when it is not closed */
static size_t closing(const char *s, size_t a, size_t end)
{
    int depth = 0;
    for (size_t i = a; i < end; i++) {
        if (s[i] == '(' || s[i] == '{')
            depth++;
        else if (s[i] == ')' || s[i] == '}') {
            if (--depth == 0)
                return s[i] == (s[a] == '(' ? ')' : '}') ? i : 0;
        }
    }
    return 0;
}

static int parse_seq(const parser *p, size_t a, size_t b, nl_seq *out, long *rows);

/* "(x,y)" at [a, b): the two numbers */
static int two_args(const parser *p, size_t a, size_t b, da_ball x, da_ball y, const char *what,
                    const char *n1, const char *n2)
{
    const char *s = p->s;
    if (a >= b || s[a] != '(')
        return perr(p, a, "%s: '(' expected", what);
    size_t c = closing(s, a, b);
    if (!c)
        return perr(p, a, "%s: unbalanced parentheses", what);
    const char *comma = memchr(s + a + 1, ',', c - a - 1);
    if (!comma)
        return perr(p, a + 1, "%s: two numbers expected, as (a,b)", what);
    size_t m = (size_t)(comma - s);
    int st = parse_num(p, a + 1, m, x, 1, n1);
    if (!st)
        st = parse_num(p, m + 1, c, y, 1, n2);
    return st;
}

/* one layer at [a, b) (trimmed, non-empty) */
static int parse_layer(const parser *p, size_t a, size_t b, nl_layer *l, long *rows)
{
    const char *s = p->s;
    const mpfr_prec_t prec = p->net->prec;
    memset(l, 0, sizeof *l);
    da_ball_init2(&l->a, prec);
    da_ball_init2(&l->b, prec);
    l->text = strndup(s + a, b - a);
    if (!l->text)
        return da_fail(DA_ENOMEM, "network: out of memory");
    size_t w = a;
    while (w < b && (isalpha((unsigned char)s[w]) || s[w] == '_'))
        w++;
    size_t wl = w - a, r = w;
    while (r < b && isspace((unsigned char)s[r]))
        r++;
#define KW(name) (wl == strlen(name) && !strncasecmp(s + a, name, wl))
    if (KW("dense")) {
        l->kind = NL_DENSE;
        int st = two_args(p, r, b, &l->a, &l->b, "dense", "dense: SW2", "dense: SB2");
        if (st)
            return st;
        size_t c = closing(s, r, b);
        if (c + 1 != b)
            return perr(p, c + 1, "dense(SW2,SB2): unexpected text after ')'", NULL);
        *rows = 1;
        return DA_OK;
    }
    if (KW("identity") && r == b) {
        l->kind = NL_IDENTITY;
        *rows = 1;
        return DA_OK;
    }
    if (KW("layernorm")) {
        l->kind = NL_LAYERNORM;
        if (r < b) {
            if (s[r] != '(')
                return perr(p, r, "layernorm: '(' or the end of the layer expected", NULL);
            size_t c = closing(s, r, b);
            if (!c)
                return perr(p, r, "layernorm: unbalanced parentheses", NULL);
            if (c + 1 != b)
                return perr(p, c + 1, "layernorm(EPS): unexpected text after ')'", NULL);
            int st = parse_num(p, r + 1, c, &l->a, 1, "layernorm: EPS");
            if (st)
                return st;
        }
        *rows = 1;
        return DA_OK;
    }
    if (KW("residual") || KW("repeat")) {
        const int res = KW("residual");
        const char *what = res ? "residual(ALPHA,BETA){LAYERS}" : "repeat(L){LAYERS}";
        l->kind = res ? NL_RESIDUAL : NL_REPEAT;
        if (r >= b || s[r] != '(')
            return perr(p, r, "%s: '(' expected", what);
        size_t c = closing(s, r, b);
        if (!c)
            return perr(p, r, "%s: unbalanced parentheses", what);
        int st;
        if (res) {
            st = two_args(p, r, b, &l->a, &l->b, "residual", "residual: ALPHA", "residual: BETA");
        } else {
            size_t x = r + 1, y = c;
            trim(s, &x, &y);
            char *end;
            long v = x < y ? strtol(s + x, &end, 10) : -1;
            if (x >= y || end != s + y || v < 0 || v > DA_NET_MAX_LAYERS)
                return perr(p, x, "repeat: L must be an integer from 0 to 100000", NULL);
            l->count = v;
            st = DA_OK;
        }
        if (st)
            return st;
        size_t o = c + 1;
        while (o < b && isspace((unsigned char)s[o]))
            o++;
        if (o >= b || s[o] != '{')
            return perr(p, o, "%s: '{' expected", what);
        size_t e = closing(s, o, b);
        if (!e)
            return perr(p, o, "%s: unbalanced braces", what);
        if (e + 1 != b)
            return perr(p, e + 1, "%s: unexpected text after '}'", what);
        l->body = calloc(1, sizeof *l->body);
        if (!l->body)
            return da_fail(DA_ENOMEM, "network: out of memory");
        if (p->depth >= NL_MAX_NESTING)
            return perr(p, o, "blocks nested more than 64 deep", NULL);
        long inner = 0;
        ((parser *)p)->depth++;
        st = parse_seq(p, o + 1, e, l->body, &inner);
        ((parser *)p)->depth--;
        if (st)
            return st;
        if (res) {
            *rows = 1;
        } else {
            /* the rows, capped before they could overflow */
            if (l->count > 0 && inner > DA_NET_MAX_LAYERS / l->count)
                *rows = DA_NET_MAX_LAYERS + 1;
            else
                *rows = l->count * inner;
        }
        return DA_OK;
    }
#undef KW
    /* an activation */
    l->kind = NL_ACT;
    int st = da_act_new(&l->act, l->text);
    if (st) {
        char m[400];
        snprintf(m, sizeof m, "'%s': %s", l->text, da_errmsg());
        return perr(p, a, "%s", m);
    }
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = p->net->digits;
    st = da_netk_new(&l->k, l->act, &o);
    if (st) {
        char m[400];
        snprintf(m, sizeof m, "'%s': %s", l->text, da_errmsg());
        return perr(p, a, "%s", m);
    }
    *rows = 1;
    return DA_OK;
}

/* layers separated by ';' at the outer level in [a, b) */
static int parse_seq(const parser *p, size_t a, size_t b, nl_seq *out, long *rows)
{
    const char *s = p->s;
    *rows = 0;
    size_t i = a;
    for (;;) {
        int depth = 0;
        size_t j = i;
        for (; j < b; j++) {
            if (s[j] == '(' || s[j] == '{')
                depth++;
            else if (s[j] == ')' || s[j] == '}') {
                if (--depth < 0)
                    return perr(p, j, "unbalanced '%s'", s[j] == ')' ? ")" : "}");
            } else if (s[j] == ';' && depth == 0)
                break;
        }
        if (depth != 0)
            return perr(p, i, "unbalanced brackets in this layer", NULL);
        size_t x = i, y = j;
        trim(s, &x, &y);
        if (x == y)
            return perr(p, x, "empty layer (two ';' in a row, or a ';' at an end)", NULL);
        nl_layer *v = realloc(out->v, (out->n + 1) * sizeof *v);
        if (!v)
            return da_fail(DA_ENOMEM, "network: out of memory");
        out->v = v;
        long lr = 0;
        int st = parse_layer(p, x, y, &out->v[out->n], &lr);
        out->n++;   /* freed with the rest, parsed or not */
        if (st)
            return st;
        *rows = *rows + lr > DA_NET_MAX_LAYERS ? DA_NET_MAX_LAYERS + 1 : *rows + lr;
        if (j >= b)
            return DA_OK;
        i = j + 1;
    }
}

int da_net_new(da_net **netp, const char *spec, const da_net_opts *o)
{
    *netp = NULL;
    da_net_opts d;
    if (!o) {
        da_net_opts_init(&d);
        o = &d;
    }
    if (o->digits < 1 || o->digits > 100000)
        return da_fail(DA_EINVAL, "network: digits %ld out of range", o->digits);
    if (!spec)
        return da_fail(DA_EINVAL, "network: no spec");
    da_net *net = calloc(1, sizeof *net);
    if (!net)
        return da_fail(DA_ENOMEM, "network: out of memory");
    net->digits = o->digits;
    net->prec = (mpfr_prec_t)((double)o->digits * 3.3219280948873623) + 64;
    net->rigorous = 1;
    parser p = {spec, net, 0};
    long rows = 0;
    int st = parse_seq(&p, 0, strlen(spec), &net->top, &rows);
    if (!st && rows > DA_NET_MAX_LAYERS)
        st = da_fail(DA_EINVAL, "network: more than %ld layers in all (repeat unrolled)",
                     DA_NET_MAX_LAYERS);
    if (st) {
        da_net_free(net);
        return st;
    }
    net->rows = rows + 1;
    *netp = net;
    return DA_OK;
}
