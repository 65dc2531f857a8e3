/* plot.c -- figures: a small plotting model rendered to SVG (drawn here,
 * no run-time dependency), to pgfplots code and to a gnuplot script.
 * The renderers return a malloc'd string: the library never prints.
 * See plot.h for the label markup and docs/plot.md for the pictures. */
#include "core/core.h"
#include "report/plot.h"
#include "report/escape.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;   /* UTF-8 with ^{} _{} markup, or NULL */
    char *tex;    /* LaTeX form, or NULL */
} label;

typedef struct {
    label name;
    double *x, *y;
    size_t n;
    int style;     /* palette index, or DA_PLOT_STYLE_REF */
    int markers;
} series;

typedef struct {
    double x, y;
    label text;
} note;

struct da_plot {
    label title, xlabel, ylabel;
    char *comment;
    char *gp_output;
    double xlo, xhi, ylo, yhi;
    int ylog;
    int legend;
    int width, height;
    series *s;
    int ns, scap;
    note *notes;
    int nn, ncap;
};

/* ------------------------------------------------------------------ */
/* palette: Okabe-Ito colours (distinguishable by colour-blind readers)
 * with distinct dash patterns and marker shapes, for print in grey too */

typedef struct {
    unsigned char r, g, b;
    const char *svg_dash;    /* stroke-dasharray at width 2, or NULL */
    const char *pgf_dash;
    const char *gp_dash;
    int marker;              /* 0 circle 1 square 2 triangle 3 diamond 4 cross */
} pen;

static const pen palette[] = {
    {0x00, 0x72, 0xB2, NULL, "solid", "1", 0},
    {0xD5, 0x5E, 0x00, "8,4", "dash pattern=on 4pt off 2pt", "(8,4)", 1},
    {0x00, 0x9E, 0x73, "2,3", "dash pattern=on 1pt off 1.5pt", "(2,3)", 2},
    {0xCC, 0x79, 0xA7, "10,3,2,3", "dash pattern=on 5pt off 1.5pt on 1pt off 1.5pt", "(10,3,2,3)", 3},
    {0xE6, 0x9F, 0x00, "14,5", "dash pattern=on 7pt off 2.5pt", "(14,5)", 4},
    {0x00, 0x00, 0x00, "5,2,1,2,1,2", "dash pattern=on 2.5pt off 1pt on 0.5pt off 1pt on 0.5pt off 1pt", "(5,2,1,2,1,2)", 0},
    {0x56, 0xB4, 0xE9, "4,4", "dash pattern=on 2pt off 2pt", "(4,4)", 1},
    {0x88, 0x44, 0x00, "12,3,4,3", "dash pattern=on 6pt off 1.5pt on 2pt off 1.5pt", "(12,3,4,3)", 2},
};
#define NPENS ((int)(sizeof palette / sizeof palette[0]))

static const pen *pen_of(int style)
{
    if (style < 0)
        style = 0;
    return &palette[style % NPENS];
}

/* ------------------------------------------------------------------ */
/* the model */

static void label_free(label *l)
{
    free(l->text);
    free(l->tex);
    l->text = l->tex = NULL;
}

static int label_set(label *l, const char *text, const char *tex)
{
    char *a = text ? da_text_clean(text) : NULL;
    char *b = tex ? da_text_clean(tex) : NULL;
    if ((text && !a) || (tex && !b)) {
        free(a);
        free(b);
        return DA_ENOMEM;
    }
    label_free(l);
    l->text = a;
    l->tex = b;
    return DA_OK;
}

int da_plot_new(da_plot **out)
{
    if (!out)
        return da_fail(DA_EINVAL, "plot: no output pointer");
    *out = NULL;
    da_plot *p = da_calloc(1, sizeof *p);
    if (!p)
        return DA_ENOMEM;
    p->xlo = p->xhi = p->ylo = p->yhi = NAN;
    p->width = 640;
    p->height = 440;
    p->legend = DA_PLOT_LEGEND_AUTO;
    *out = p;
    return DA_OK;
}

void da_plot_free(da_plot *p)
{
    if (!p)
        return;
    label_free(&p->title);
    label_free(&p->xlabel);
    label_free(&p->ylabel);
    free(p->comment);
    free(p->gp_output);
    for (int i = 0; i < p->ns; i++) {
        label_free(&p->s[i].name);
        free(p->s[i].x);
        free(p->s[i].y);
    }
    free(p->s);
    for (int i = 0; i < p->nn; i++)
        label_free(&p->notes[i].text);
    free(p->notes);
    free(p);
}

int da_plot_set_title(da_plot *p, const char *text, const char *tex)
{
    return label_set(&p->title, text, tex);
}

int da_plot_set_xlabel(da_plot *p, const char *text, const char *tex)
{
    return label_set(&p->xlabel, text, tex);
}

int da_plot_set_ylabel(da_plot *p, const char *text, const char *tex)
{
    return label_set(&p->ylabel, text, tex);
}

int da_plot_set_comment(da_plot *p, const char *comment)
{
    char *c = comment ? da_text_clean(comment) : NULL;
    if (comment && !c)
        return DA_ENOMEM;
    free(p->comment);
    p->comment = c;
    return DA_OK;
}

int da_plot_set_gnuplot_output(da_plot *p, const char *file)
{
    char *c = file ? da_text_clean(file) : NULL;
    if (file && !c)
        return DA_ENOMEM;
    free(p->gp_output);
    p->gp_output = c;
    return DA_OK;
}

static int check_range(double lo, double hi, const char *axis)
{
    if (isnan(lo) || isnan(hi))
        return DA_OK;
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return da_fail(DA_EINVAL, "plot: the %s range [%g, %g] is empty or not finite", axis, lo, hi);
    return DA_OK;
}

int da_plot_set_xrange(da_plot *p, double lo, double hi)
{
    int st = check_range(lo, hi, "x");
    if (st)
        return st;
    p->xlo = lo;
    p->xhi = hi;
    return DA_OK;
}

int da_plot_set_yrange(da_plot *p, double lo, double hi)
{
    int st = check_range(lo, hi, "y");
    if (st)
        return st;
    if (p->ylog && !isnan(lo) && lo <= 0)
        return da_fail(DA_EINVAL, "plot: a log-scale y range must be positive (got %g)", lo);
    p->ylo = lo;
    p->yhi = hi;
    return DA_OK;
}

int da_plot_set_ylog(da_plot *p, int on)
{
    if (on && !isnan(p->ylo) && p->ylo <= 0)
        return da_fail(DA_EINVAL, "plot: the fixed y range is not positive; no log scale");
    p->ylog = on ? 1 : 0;
    return DA_OK;
}

int da_plot_set_legend(da_plot *p, int pos)
{
    if (pos < DA_PLOT_LEGEND_AUTO || pos > DA_PLOT_LEGEND_NONE)
        return da_fail(DA_EINVAL, "plot: unknown legend position %d", pos);
    p->legend = pos;
    return DA_OK;
}

int da_plot_set_size(da_plot *p, int width, int height)
{
    if (width < 200 || width > 4000 || height < 150 || height > 4000)
        return da_fail(DA_EINVAL, "plot: size %dx%d out of range (200..4000 x 150..4000)", width, height);
    p->width = width;
    p->height = height;
    return DA_OK;
}

int da_plot_add_series(da_plot *p, const char *text, const char *tex,
                       const double *x, const double *y, size_t n)
{
    if (n > 10000000)
        return da_fail(DA_EINVAL, "plot: too many points (%zu)", n);
    if (p->ns == p->scap) {
        int nc = p->scap ? 2 * p->scap : 8;
        series *ns = da_realloc(p->s, (size_t)nc * sizeof *ns);
        if (!ns)
            return DA_ENOMEM;
        p->s = ns;
        p->scap = nc;
    }
    series *s = &p->s[p->ns];
    memset(s, 0, sizeof *s);
    s->x = da_malloc((n ? n : 1) * sizeof(double));
    s->y = da_malloc((n ? n : 1) * sizeof(double));
    if (!s->x || !s->y || label_set(&s->name, text, tex)) {
        free(s->x);
        free(s->y);
        label_free(&s->name);
        return da_fail(DA_ENOMEM, "out of memory");
    }
    if (n) {
        memcpy(s->x, x, n * sizeof(double));
        memcpy(s->y, y, n * sizeof(double));
    }
    s->n = n;
    /* the palette index counts the series that use it */
    int k = 0;
    for (int i = 0; i < p->ns; i++)
        if (p->s[i].style != DA_PLOT_STYLE_REF)
            k++;
    s->style = k;
    p->ns++;
    return DA_OK;
}

int da_plot_series_style(da_plot *p, int index, int style, int markers)
{
    if (index < 0 || index >= p->ns)
        return da_fail(DA_EINVAL, "plot: no series %d", index);
    if (style < DA_PLOT_STYLE_REF)
        return da_fail(DA_EINVAL, "plot: unknown style %d", style);
    if (style >= 0)
        p->s[index].style = style;
    else if (style == DA_PLOT_STYLE_REF)
        p->s[index].style = DA_PLOT_STYLE_REF;
    p->s[index].markers = markers ? 1 : 0;
    return DA_OK;
}

int da_plot_add_note(da_plot *p, double x, double y, const char *text, const char *tex)
{
    if (!isfinite(x) || !isfinite(y) || !text)
        return da_fail(DA_EINVAL, "plot: a note needs finite coordinates and a text");
    if (p->nn == p->ncap) {
        int nc = p->ncap ? 2 * p->ncap : 4;
        note *nn = da_realloc(p->notes, (size_t)nc * sizeof *nn);
        if (!nn)
            return DA_ENOMEM;
        p->notes = nn;
        p->ncap = nc;
    }
    note *t = &p->notes[p->nn];
    memset(t, 0, sizeof *t);
    t->x = x;
    t->y = y;
    if (label_set(&t->text, text, tex))
        return da_fail(DA_ENOMEM, "out of memory");
    p->nn++;
    return DA_OK;
}

int da_plot_series_count(const da_plot *p)
{
    return p->ns;
}

/* ------------------------------------------------------------------ */
/* text measurement */

/* next code point of UTF-8 text (invalid bytes count as one) */
static unsigned long utf8_next(const char **s)
{
    const unsigned char *u = (const unsigned char *)*s;
    unsigned long c = u[0];
    int len = 1;
    if (c >= 0xF0 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80 && (u[3] & 0xC0) == 0x80) {
        c = ((c & 0x07) << 18) | ((u[1] & 0x3Ful) << 12) | ((u[2] & 0x3Ful) << 6) | (u[3] & 0x3Ful);
        len = 4;
    } else if (c >= 0xE0 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
        c = ((c & 0x0F) << 12) | ((u[1] & 0x3Ful) << 6) | (u[2] & 0x3Ful);
        len = 3;
    } else if (c >= 0xC0 && (u[1] & 0xC0) == 0x80) {
        c = ((c & 0x1F) << 6) | (u[1] & 0x3Ful);
        len = 2;
    }
    *s += len;
    return c;
}

static double char_em(unsigned long c)
{
    if (c >= 0x300 && c <= 0x36F)
        return 0;                        /* combining marks */
    if (c == ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == 'i' ||
        c == 'l' || c == 'j' || c == '\'' || c == '|' || c == '!' || c == '(' ||
        c == ')' || c == '[' || c == ']' || c == 'f' || c == 't' || c == 'r')
        return 0.36;
    if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == 0x2212)
        return 0.86;
    if (c >= 'A' && c <= 'Z')
        return 0.70;
    if (c == '=' || c == '+' || c == '<' || c == '>' || c == 0x2264 || c == 0x2265)
        return 0.84;
    return 0.60;
}

double da_plot_text_width(const char *text, double px)
{
    if (!text)
        return 0;
    double w = 0, scale = 1;
    const char *s = text;
    while (*s) {
        if ((*s == '^' || *s == '_') && s[1] == '{' && scale == 1) {
            scale = 0.7;
            s += 2;
            continue;
        }
        if (*s == '}' && scale != 1) {
            scale = 1;
            s++;
            continue;
        }
        w += char_em(utf8_next(&s)) * px * scale;
    }
    return w;
}

/* ------------------------------------------------------------------ */
/* ticks */

static double nicenum(double x, int round)
{
    double e = floor(log10(x));
    double f = x / pow(10, e);
    double nf;
    if (round)
        nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * pow(10, e);
}

int da_plot_nice_ticks(double *ticks, int max, int *count, double *lo, double *hi, int target,
                       int expand)
{
    if (!ticks || !count || !lo || !hi || !isfinite(*lo) || !isfinite(*hi) || max < 2 ||
        target < 2)
        return da_fail(DA_EINVAL, "plot: bad tick request (finite lo and hi, max >= 2 and "
                       "target >= 2 needed)");
    double a = *lo, b = *hi;
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    if (b - a <= 1e-12 * fmax(1, fmax(fabs(a), fabs(b)))) {
        double d = a == 0 ? 1 : fabs(a) * 0.1;
        a -= d;
        b += d;
        expand = 1;
    }
    double range = nicenum(b - a, 0);
    double step = nicenum(range / (target - 1), 1);
    for (;;) {
        double t0 = expand ? floor(a / step + 1e-9) * step : ceil(a / step - 1e-9) * step;
        double t1 = expand ? ceil(b / step - 1e-9) * step : floor(b / step + 1e-9) * step;
        long n = lround((t1 - t0) / step) + 1;
        if (n <= max) {
            if (expand) {
                /* the outer ticks, or the data when it pokes out of them
                   by a rounding error */
                a = fmin(t0, a);
                b = fmax(t1, b);
            }
            for (long i = 0; i < n; i++) {
                double v = t0 + (double)i * step;
                if (fabs(v) < 1e-9 * step)
                    v = 0;
                ticks[i] = v;
            }
            *lo = a;
            *hi = b;
            *count = (int)n;
            return DA_OK;
        }
        step = nicenum(step * 1.5, 1);
    }
}

void da_plot_tick_label(char *buf, size_t n, double v, double step)
{
    if (fabs(v) < 1e-9 * step)
        v = 0;
    double m = fmax(fabs(v), step);
    int dec = 0;
    double l = log10(step);
    if (l < 0)
        dec = (int)ceil(-l - 1e-9);
    /* a step like 0.25 needs two decimals */
    for (; dec < 12; dec++) {
        double sc = pow(10, dec);
        if (fabs(step * sc - nearbyint(step * sc)) < 1e-6 * step * sc)
            break;
    }
    if (m >= 1e6 || dec > 6) {
        /* scientific, with the significant digits the step resolves */
        if (v == 0) {
            snprintf(buf, n, "0");
            return;
        }
        int p = (int)(floor(log10(fabs(v)) + 1e-9) - floor(l + 1e-9));
        if (p < 0)
            p = 0;
        snprintf(buf, n, "%.*e", p > 15 ? 15 : p, v);
        /* 2.50e-07 -> 2.5e-07 is not wanted: keep the digits the step needs */
        return;
    }
    snprintf(buf, n, "%.*f", dec, v);
    if (!strcmp(buf, "-0") || (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))) {
        memmove(buf, buf + 1, strlen(buf));
    }
}

int da_plot_axis_layout(da_plot_axis *ax, double dlo, double dhi, double flo,
                        double fhi, int log)
{
    memset(ax, 0, sizeof *ax);
    ax->log = log;
    if (!log) {
        double lo = isnan(flo) ? dlo : flo, hi = isnan(fhi) ? dhi : fhi;
        if (isnan(lo) && isnan(hi)) {
            lo = 0;
            hi = 1;
        } else if (isnan(lo)) {
            lo = hi - 1;
        } else if (isnan(hi)) {
            hi = lo + 1;
        }
        int fixed = !isnan(flo) && !isnan(fhi);
        if (fixed) {
            /* ticks inside the range given, the range kept */
            double a = lo, b = hi;
            int n = 0, st = da_plot_nice_ticks(ax->ticks, 64, &n, &a, &b, 6, 0);
            if (st)
                return st;
            ax->nticks = n;
        } else {
            int n = 0, st = da_plot_nice_ticks(ax->ticks, 64, &n, &lo, &hi, 6, 1);
            if (st)
                return st;
            /* keep a fixed end where it was given */
            if (!isnan(flo))
                lo = flo;
            if (!isnan(fhi))
                hi = fhi;
            int k = 0;
            for (int i = 0; i < n; i++)
                if (ax->ticks[i] >= lo - 1e-9 * (hi - lo) && ax->ticks[i] <= hi + 1e-9 * (hi - lo))
                    ax->ticks[k++] = ax->ticks[i];
            ax->nticks = k;
        }
        ax->lo = lo;
        ax->hi = hi;
        ax->step = ax->nticks > 1 ? ax->ticks[1] - ax->ticks[0] : (hi - lo);
        return DA_OK;
    }
    double lo, hi;
    if (!isnan(flo)) {
        lo = flo;
    } else if (!isnan(dlo) && dlo > 0) {
        lo = pow(10, floor(log10(dlo) + 1e-9));
    } else {
        lo = NAN;
    }
    if (!isnan(fhi)) {
        hi = fhi;
    } else if (!isnan(dhi) && dhi > 0) {
        hi = pow(10, ceil(log10(dhi) - 1e-9));
    } else {
        hi = NAN;
    }
    if (isnan(lo) && isnan(hi)) {
        lo = 1;
        hi = 10;
    } else if (isnan(lo)) {
        lo = hi / 10;
    } else if (isnan(hi)) {
        hi = lo * 10;
    }
    if (!(lo > 0) || !(hi > lo) || !isfinite(hi) || lo < 1e-300)
        return da_fail(DA_EINVAL, "plot: log-scale range [%g, %g] is not usable", lo, hi);
    if (hi / lo < 10 && isnan(flo) && isnan(fhi))
        hi = lo * 10;
    double k0 = ceil(log10(lo) - 1e-9), k1 = floor(log10(hi) + 1e-9);
    double nd = k1 - k0;
    double step = nd > 8 ? ceil(nd / 8) : 1;
    int n = 0;
    for (double k = ceil(k0 / step) * step; k <= k1 + 1e-9 && n < 64; k += step)
        ax->ticks[n++] = pow(10, k);
    ax->nticks = n;
    ax->lo = lo;
    ax->hi = hi;
    ax->step = step;
    return DA_OK;
}

/* ------------------------------------------------------------------ */
/* layout shared by the renderers */

enum { TICK_PX = 12, LABEL_PX = 14, TITLE_PX = 15, LEGEND_PX = 12, NOTE_PX = 13 };

typedef struct {
    da_plot_axis x, y;
    double W, H;
    double pl, pr, pt, pb;        /* plot area */
    int legend;                   /* resolved position */
    double lx, ly, lw, lh;        /* legend box */
    double row_h;
    int nlegend;
} layout;

static int point_ok(const da_plot *p, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!p->ylog || y > 0);
}

static double map_x(const layout *L, double x)
{
    return L->pl + (x - L->x.lo) / (L->x.hi - L->x.lo) * (L->pr - L->pl);
}

static double map_y(const layout *L, double y)
{
    double t;
    if (L->y.log)
        t = (log10(y) - log10(L->y.lo)) / (log10(L->y.hi) - log10(L->y.lo));
    else
        t = (y - L->y.lo) / (L->y.hi - L->y.lo);
    double v = L->pb - t * (L->pb - L->pt);
    return fmax(-1e5, fmin(1e5, v));
}

static void log_tick_label(char *buf, size_t n, double v)
{
    long k = lround(log10(v));
    snprintf(buf, n, "10^{%ld}", k);
}

static void tick_text(char *buf, size_t n, const da_plot_axis *ax, double v)
{
    if (ax->log)
        log_tick_label(buf, n, v);
    else
        da_plot_tick_label(buf, n, v, ax->step);
}

static int in_legend(const series *s)
{
    return s->name.text && *s->name.text;
}

/* how much of the drawing a legend box at (x, y, w, h) would hide */
static double legend_cost(const da_plot *p, const layout *L, double x, double y, double w, double h)
{
    double cost = 0, m = 4, halo = 16;
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        double px0 = 0, py0 = 0;
        int have = 0;
        for (size_t j = 0; j < s->n; j++) {
            if (!point_ok(p, s->x[j], s->y[j])) {
                have = 0;
                continue;
            }
            double px = map_x(L, s->x[j]), py = map_y(L, s->y[j]);
            int steps = 1;
            if (have) {
                double d = hypot(px - px0, py - py0);
                steps = (int)fmin(200, ceil(d / 3));
                if (steps < 1)
                    steps = 1;
            }
            for (int t = have ? 1 : 0; t <= steps; t++) {
                double u = have ? (double)t / steps : 1;
                double qx = have ? px0 + u * (px - px0) : px, qy = have ? py0 + u * (py - py0) : py;
                if (qx >= x - m && qx <= x + w + m && qy >= y - m && qy <= y + h + m)
                    cost += s->style == DA_PLOT_STYLE_REF ? 0.3 : 1;
                else if (qx >= x - halo && qx <= x + w + halo && qy >= y - halo && qy <= y + h + halo)
                    cost += 1e-4;   /* a near miss: prefer more room */
                if (!have)
                    break;
            }
            px0 = px;
            py0 = py;
            have = 1;
        }
    }
    for (int i = 0; i < p->nn; i++) {
        double nx = map_x(L, p->notes[i].x), ny = map_y(L, p->notes[i].y);
        double nw = da_plot_text_width(p->notes[i].text.text, NOTE_PX);
        if (nx + nw / 2 >= x && nx - nw / 2 <= x + w && ny >= y && ny - NOTE_PX <= y + h)
            cost += 1000;
    }
    return cost;
}

static int make_layout(layout *L, const da_plot *p)
{
    memset(L, 0, sizeof *L);
    double xlo = NAN, xhi = NAN, ylo = NAN, yhi = NAN;
    for (int i = 0; i < p->ns; i++)
        for (size_t j = 0; j < p->s[i].n; j++) {
            double x = p->s[i].x[j], y = p->s[i].y[j];
            if (!point_ok(p, x, y))
                continue;
            if (isnan(xlo) || x < xlo) xlo = x;
            if (isnan(xhi) || x > xhi) xhi = x;
            if (isnan(ylo) || y < ylo) ylo = y;
            if (isnan(yhi) || y > yhi) yhi = y;
        }
    int st = da_plot_axis_layout(&L->x, xlo, xhi, p->xlo, p->xhi, 0);
    if (!st)
        st = da_plot_axis_layout(&L->y, ylo, yhi, p->ylo, p->yhi, p->ylog);
    if (st)
        return st;

    /* margins from the widest tick label and the labels present */
    double tw = 0;
    char buf[64];
    for (int i = 0; i < L->y.nticks; i++) {
        tick_text(buf, sizeof buf, &L->y, L->y.ticks[i]);
        double w = da_plot_text_width(buf, TICK_PX);
        if (w > tw)
            tw = w;
    }
    double lastx = 0;
    if (L->x.nticks) {
        tick_text(buf, sizeof buf, &L->x, L->x.ticks[L->x.nticks - 1]);
        lastx = da_plot_text_width(buf, TICK_PX);
    }
    L->W = p->width;
    L->H = p->height;
    L->pl = 14 + (p->ylabel.text ? LABEL_PX + 10 : 0) + tw + 10;
    L->pr = L->W - fmax(18, lastx / 2 + 6);
    L->pt = p->title.text ? 16 + TITLE_PX + 14 : 16;
    L->pb = L->H - (8 + TICK_PX + 10 + (p->xlabel.text ? LABEL_PX + 12 : 0));

    /* the legend */
    L->nlegend = 0;
    double lw = 0;
    for (int i = 0; i < p->ns; i++)
        if (in_legend(&p->s[i])) {
            L->nlegend++;
            double w = da_plot_text_width(p->s[i].name.text, LEGEND_PX);
            if (w > lw)
                lw = w;
        }
    L->row_h = LEGEND_PX + 7;
    L->lw = 10 + 30 + 8 + lw + 10;
    L->lh = 8 + L->nlegend * L->row_h + 4;
    L->legend = p->legend;
    if (L->nlegend == 0)
        L->legend = DA_PLOT_LEGEND_NONE;
    if (L->legend == DA_PLOT_LEGEND_AUTO) {
        int order[4] = {DA_PLOT_LEGEND_NE, DA_PLOT_LEGEND_NW, DA_PLOT_LEGEND_SE, DA_PLOT_LEGEND_SW};
        double best = INFINITY;
        for (int c = 0; c < 4; c++) {
            double x = (order[c] == DA_PLOT_LEGEND_NE || order[c] == DA_PLOT_LEGEND_SE)
                           ? L->pr - 8 - L->lw : L->pl + 8;
            double y = (order[c] == DA_PLOT_LEGEND_NE || order[c] == DA_PLOT_LEGEND_NW)
                           ? L->pt + 8 : L->pb - 8 - L->lh;
            double cost = (L->lw > (L->pr - L->pl) * 0.6 || L->lh > (L->pb - L->pt) * 0.8)
                              ? INFINITY : legend_cost(p, L, x, y, L->lw, L->lh);
            if (cost < best) {
                best = cost;
                L->legend = order[c];
            }
        }
        if (best >= 0.25)
            L->legend = DA_PLOT_LEGEND_OUTSIDE;
    }
    switch (L->legend) {
    case DA_PLOT_LEGEND_NE: L->lx = L->pr - 8 - L->lw; L->ly = L->pt + 8; break;
    case DA_PLOT_LEGEND_NW: L->lx = L->pl + 8; L->ly = L->pt + 8; break;
    case DA_PLOT_LEGEND_SE: L->lx = L->pr - 8 - L->lw; L->ly = L->pb - 8 - L->lh; break;
    case DA_PLOT_LEGEND_SW: L->lx = L->pl + 8; L->ly = L->pb - 8 - L->lh; break;
    case DA_PLOT_LEGEND_OUTSIDE:
        L->lx = L->W - fmax(18, lastx / 2 + 6) + 16;
        L->ly = L->pt;
        L->W = L->lx + L->lw + 12;
        break;
    default:
        break;
    }
    return DA_OK;
}

/* ------------------------------------------------------------------ */
/* SVG */

static void svg_esc_char(FILE *f, unsigned char c)
{
    switch (c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    default:
        if (c < 0x20 && c != '\t')
            fputc(' ', f);   /* control characters are not XML */
        else
            fputc(c, f);
    }
}

static void svg_esc(FILE *f, const char *s)
{
    for (; s && *s; s++)
        svg_esc_char(f, (unsigned char)*s);
}

/* text with the ^{} _{} markup as tspans; a leading '-' of a number
 * becomes a true minus sign */
static void svg_text(FILE *f, const char *s, double px, int minus)
{
    int in = 0, restore_open = 0;
    double shift = 0;
    if (minus && s[0] == '-' && (s[1] >= '0' && s[1] <= '9')) {
        fputs("\xE2\x88\x92", f);
        s++;
    }
    while (*s) {
        if (!in && (*s == '^' || *s == '_') && s[1] == '{') {
            shift = *s == '^' ? -0.38 * px : 0.22 * px;
            fprintf(f, "<tspan dy=\"%.1f\" font-size=\"%.1f\">", shift, 0.7 * px);
            in = 1;
            s += 2;
            continue;
        }
        if (in && *s == '}') {
            fputs("</tspan>", f);
            in = 0;
            s++;
            if (*s) {
                fprintf(f, "<tspan dy=\"%.1f\">", -shift);
                restore_open++;
            }
            continue;
        }
        svg_esc_char(f, (unsigned char)*s);
        s++;
    }
    if (in)
        fputs("</tspan>", f);
    while (restore_open--)
        fputs("</tspan>", f);
}

static void svg_comment(FILE *f, const char *c)
{
    fputs("<!-- ", f);
    for (; *c; c++) {
        if (*c == '-' && c[1] == '-') {
            fputs("- ", f);
            continue;
        }
        fputc(*c, f);
    }
    fputs(" -->\n", f);
}

static void svg_marker(FILE *f, int shape, double x, double y, const pen *pn)
{
    char col[16];
    snprintf(col, sizeof col, "#%02X%02X%02X", pn->r, pn->g, pn->b);
    double r = 3.2;
    switch (shape) {
    case 1:
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
                x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r, col);
        break;
    case 2:
        fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\"/>\n", x, y - 1.25 * r,
                x + 1.15 * r, y + 0.85 * r, x - 1.15 * r, y + 0.85 * r, col);
        break;
    case 3:
        fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\"/>\n", x,
                y - 1.3 * r, x + r, y, x, y + 1.3 * r, x - r, y, col);
        break;
    case 4:
        fprintf(f, "<path d=\"M%.2f %.2fL%.2f %.2fM%.2f %.2fL%.2f %.2f\" stroke=\"%s\" "
                   "stroke-width=\"1.8\" fill=\"none\"/>\n",
                x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r, col);
        break;
    default:
        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\" fill=\"%s\"/>\n", x, y, r, col);
    }
}

static void svg_stroke(FILE *f, const series *s)
{
    if (s->style == DA_PLOT_STYLE_REF) {
        fputs("stroke=\"#8C8C8C\" stroke-width=\"1.2\" stroke-dasharray=\"4,3\"", f);
        return;
    }
    const pen *pn = pen_of(s->style);
    fprintf(f, "stroke=\"#%02X%02X%02X\" stroke-width=\"2\"", pn->r, pn->g, pn->b);
    if (pn->svg_dash)
        fprintf(f, " stroke-dasharray=\"%s\"", pn->svg_dash);
}

/* The parts of render_svg, in drawing order. */

/* the XML header, the comment, the <svg> element, the title, the white
   background and the clip path of the plot area */
static void svg_head(FILE *f, const da_plot *p, const layout *L)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    if (p->comment)
        svg_comment(f, p->comment);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" xml:space=\"preserve\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
            L->W, L->H, L->W, L->H);
    if (p->title.text) {
        fputs("<title>", f);
        svg_esc(f, p->title.text);
        fputs("</title>\n", f);
    }
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#FFFFFF\"/>\n", L->W, L->H);
    fprintf(f, "<defs><clipPath id=\"da-plot-area\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
               "height=\"%.2f\"/></clipPath></defs>\n",
            L->pl, L->pt, L->pr - L->pl, L->pb - L->pt);
}

/* the grid lines at the ticks */
static void svg_grid(FILE *f, const layout *L)
{
    /* grid */
    fputs("<g stroke=\"#E3E3E3\" stroke-width=\"1\">\n", f);
    for (int i = 0; i < L->x.nticks; i++) {
        double x = map_x(L, L->x.ticks[i]);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x, L->pt, x, L->pb);
    }
    for (int i = 0; i < L->y.nticks; i++) {
        double y = map_y(L, L->y.ticks[i]);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", L->pl, y, L->pr, y);
    }
    fputs("</g>\n", f);
}

/* the series (reference lines first, then the data in order), each a
   path broken where a point cannot be drawn, with its markers */
static void svg_series(FILE *f, const da_plot *p, const layout *L)
{
    /* series: reference lines first, then the data in order */
    fputs("<g clip-path=\"url(#da-plot-area)\" fill=\"none\" stroke-linejoin=\"round\">\n", f);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < p->ns; i++) {
            const series *s = &p->s[i];
            if ((s->style == DA_PLOT_STYLE_REF) != (pass == 0))
                continue;
            fputs("<path ", f);
            svg_stroke(f, s);
            fputs(" d=\"", f);
            int pen_down = 0;
            for (size_t j = 0; j < s->n; j++) {
                if (!point_ok(p, s->x[j], s->y[j])) {
                    pen_down = 0;
                    continue;
                }
                fprintf(f, "%s%.2f %.2f", pen_down ? "L" : "M", map_x(L, s->x[j]), map_y(L, s->y[j]));
                pen_down = 1;
            }
            fputs("\"/>\n", f);
            if (s->markers && s->style != DA_PLOT_STYLE_REF)
                for (size_t j = 0; j < s->n; j++)
                    if (point_ok(p, s->x[j], s->y[j]))
                        svg_marker(f, pen_of(s->style)->marker, map_x(L, s->x[j]), map_y(L, s->y[j]),
                                   pen_of(s->style));
        }
    fputs("</g>\n", f);
}

/* the frame, the ticks (minor ticks on a log y axis of few decades) and
   the tick labels */
static void svg_frame(FILE *f, const layout *L)
{
    /* frame, ticks, tick labels */
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
               "stroke=\"#333333\" stroke-width=\"1\"/>\n",
            L->pl, L->pt, L->pr - L->pl, L->pb - L->pt);
    fputs("<g stroke=\"#333333\" stroke-width=\"1\">\n", f);
    for (int i = 0; i < L->x.nticks; i++) {
        double x = map_x(L, L->x.ticks[i]);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x, L->pb, x, L->pb + 5);
    }
    for (int i = 0; i < L->y.nticks; i++) {
        double y = map_y(L, L->y.ticks[i]);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", L->pl - 5, y, L->pl, y);
    }
    if (L->y.log && L->y.step == 1 && log10(L->y.hi / L->y.lo) <= 8) {
        /* minor ticks 2..9 on each decade */
        for (double d = pow(10, floor(log10(L->y.lo))); d < L->y.hi; d *= 10)
            for (int m = 2; m <= 9; m++) {
                double v = m * d;
                if (v <= L->y.lo || v >= L->y.hi)
                    continue;
                double y = map_y(L, v);
                fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", L->pl - 3, y, L->pl, y);
            }
    }
    fputs("</g>\n", f);
    char buf[64];
    fprintf(f, "<g font-size=\"%d\" fill=\"#222222\">\n", TICK_PX);
    for (int i = 0; i < L->x.nticks; i++) {
        tick_text(buf, sizeof buf, &L->x, L->x.ticks[i]);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", map_x(L, L->x.ticks[i]),
                L->pb + 8 + TICK_PX);
        svg_text(f, buf, TICK_PX, 1);
        fputs("</text>\n", f);
    }
    for (int i = 0; i < L->y.nticks; i++) {
        tick_text(buf, sizeof buf, &L->y, L->y.ticks[i]);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">", L->pl - 8,
                map_y(L, L->y.ticks[i]) + TICK_PX * 0.35);
        svg_text(f, buf, TICK_PX, 1);
        fputs("</text>\n", f);
    }
    fputs("</g>\n", f);
}

/* the axis labels, the title and the notes */
static void svg_labels(FILE *f, const da_plot *p, const layout *L)
{
    /* axis labels and title */
    if (p->xlabel.text) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%d\" text-anchor=\"middle\" fill=\"#000000\">",
                (L->pl + L->pr) / 2, L->pb + 8 + TICK_PX + 12 + LABEL_PX, LABEL_PX);
        svg_text(f, p->xlabel.text, LABEL_PX, 0);
        fputs("</text>\n", f);
    }
    if (p->ylabel.text) {
        double x = 14 + LABEL_PX * 0.8, y = (L->pt + L->pb) / 2;
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%d\" text-anchor=\"middle\" fill=\"#000000\" "
                   "transform=\"rotate(-90 %.2f %.2f)\">",
                x, y, LABEL_PX, x, y);
        svg_text(f, p->ylabel.text, LABEL_PX, 0);
        fputs("</text>\n", f);
    }
    if (p->title.text) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%d\" font-weight=\"bold\" "
                   "text-anchor=\"middle\" fill=\"#000000\">",
                (L->pl + L->pr) / 2, 16.0 + TITLE_PX, TITLE_PX);
        svg_text(f, p->title.text, TITLE_PX, 0);
        fputs("</text>\n", f);
    }
    for (int i = 0; i < p->nn; i++) {
        const note *t = &p->notes[i];
        if (!point_ok(p, t->x, t->y))
            continue;
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%d\" font-style=\"italic\" "
                   "text-anchor=\"middle\" fill=\"#444444\">",
                map_x(L, t->x), map_y(L, t->y), NOTE_PX);
        svg_text(f, t->text.text, NOTE_PX, 0);
        fputs("</text>\n", f);
    }
}

/* the legend box: a sample of each series' line and marker, its name */
static void svg_legend(FILE *f, const da_plot *p, const layout *L)
{
    /* legend */
    if (L->legend != DA_PLOT_LEGEND_NONE && L->nlegend > 0) {
        fprintf(f, "<g font-size=\"%d\">\n", LEGEND_PX);
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#FFFFFF\" "
                   "fill-opacity=\"0.92\" stroke=\"#999999\" stroke-width=\"1\" rx=\"2\"/>\n",
                L->lx, L->ly, L->lw, L->lh);
        int row = 0;
        for (int i = 0; i < p->ns; i++) {
            const series *s = &p->s[i];
            if (!in_legend(s))
                continue;
            double y = L->ly + 8 + row * L->row_h + L->row_h / 2 - 1;
            fprintf(f, "<path fill=\"none\" ");
            svg_stroke(f, s);
            fprintf(f, " d=\"M%.2f %.2fL%.2f %.2f\"/>\n", L->lx + 10, y, L->lx + 40, y);
            if (s->markers && s->style != DA_PLOT_STYLE_REF)
                svg_marker(f, pen_of(s->style)->marker, L->lx + 25, y, pen_of(s->style));
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" fill=\"#000000\">", L->lx + 48, y + LEGEND_PX * 0.36);
            svg_text(f, s->name.text, LEGEND_PX, 0);
            fputs("</text>\n", f);
            row++;
        }
        fputs("</g>\n", f);
    }
}

static void render_svg(FILE *f, const da_plot *p, const layout *L)
{
    svg_head(f, p, L);
    svg_grid(f, L);
    svg_series(f, p, L);
    svg_frame(f, L);
    svg_labels(f, p, L);
    svg_legend(f, p, L);
    fputs("</svg>\n", f);
}

/* ------------------------------------------------------------------ */
/* pgfplots */

static void tex_esc(FILE *f, const char *s)
{
    int in = 0;
    for (; *s; s++) {
        if (!in && (*s == '^' || *s == '_') && s[1] == '{') {
            fputs(*s == '^' ? "\\textsuperscript{" : "\\textsubscript{", f);
            in = 1;
            s++;
            continue;
        }
        if (in && *s == '}') {
            fputc('}', f);
            in = 0;
            continue;
        }
        const char *r = da_tex_escape_char(*s, DA_TEX_NEWLINE);
        if (r)
            fputs(r, f);
        else
            fputc(*s, f);
    }
    if (in)
        fputc('}', f);
}

static void tex_label(FILE *f, const label *l)
{
    if (l->tex)
        fputs(l->tex, f);
    else if (l->text)
        tex_esc(f, l->text);
}

static void tex_num(FILE *f, double v)
{
    if (!isfinite(v))
        fputs("nan", f);
    else
        fprintf(f, "%.7g", v);
}

static void render_pgf(FILE *f, const da_plot *p, const layout *L)
{
    if (p->comment)
        fprintf(f, "%% %s\n", p->comment);
    fputs("% pgfplots code: \\input this file; the preamble needs\n"
          "%   \\usepackage{pgfplots} \\pgfplotsset{compat=1.16}\n", f);
    fputs("\\begin{tikzpicture}\n", f);
    for (int i = 0; i < NPENS; i++)
        fprintf(f, "\\definecolor{dacolor%d}{RGB}{%d,%d,%d}\n", i, palette[i].r, palette[i].g,
                palette[i].b);
    fputs("\\begin{axis}[\n", f);
    fprintf(f, "  width=%.1fcm, height=%.1fcm,\n", p->width / 64.0, p->height / 64.0);
    if (p->title.text || p->title.tex) {
        fputs("  title={", f);
        tex_label(f, &p->title);
        fputs("},\n", f);
    }
    if (p->xlabel.text || p->xlabel.tex) {
        fputs("  xlabel={", f);
        tex_label(f, &p->xlabel);
        fputs("},\n", f);
    }
    if (p->ylabel.text || p->ylabel.tex) {
        fputs("  ylabel={", f);
        tex_label(f, &p->ylabel);
        fputs("},\n", f);
    }
    fputs("  xmin=", f); tex_num(f, L->x.lo);
    fputs(", xmax=", f); tex_num(f, L->x.hi);
    fputs(", ymin=", f); tex_num(f, L->y.lo);
    fputs(", ymax=", f); tex_num(f, L->y.hi);
    fputs(",\n", f);
    fputs("  xtick={", f);
    for (int i = 0; i < L->x.nticks; i++) {
        if (i)
            fputc(',', f);
        tex_num(f, L->x.ticks[i]);
    }
    fputs("},\n", f);
    if (L->y.log) {
        fputs("  ymode=log, log basis y=10,\n", f);
    } else {
        fputs("  ytick={", f);
        for (int i = 0; i < L->y.nticks; i++) {
            if (i)
                fputc(',', f);
            tex_num(f, L->y.ticks[i]);
        }
        fputs("},\n", f);
    }
    fputs("  grid=major, unbounded coords=jump, legend cell align=left,\n", f);
    fputs("  tick label style={font=\\small}, legend style={font=\\small},\n", f);
    switch (L->legend) {
    case DA_PLOT_LEGEND_NE: fputs("  legend pos=north east,\n", f); break;
    case DA_PLOT_LEGEND_NW: fputs("  legend pos=north west,\n", f); break;
    case DA_PLOT_LEGEND_SE: fputs("  legend pos=south east,\n", f); break;
    case DA_PLOT_LEGEND_SW: fputs("  legend pos=south west,\n", f); break;
    case DA_PLOT_LEGEND_OUTSIDE: fputs("  legend pos=outer north east,\n", f); break;
    default: break;
    }
    fputs("]\n", f);
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        if (s->style == DA_PLOT_STYLE_REF) {
            fputs("\\addplot[gray, thin, dashed, mark=none", f);
        } else {
            const pen *pn = pen_of(s->style);
            fprintf(f, "\\addplot[dacolor%d, thick, %s, ", (int)(pn - palette), pn->pgf_dash);
            if (s->markers) {
                static const char *mk[] = {"*", "square*", "triangle*", "diamond*", "x"};
                fprintf(f, "mark=%s, mark size=1.6pt, mark options={solid}", mk[pn->marker]);
            } else {
                fputs("mark=none", f);
            }
        }
        if (!in_legend(s))
            fputs(", forget plot", f);
        fputs("] coordinates {\n", f);
        int col = 0;
        for (size_t j = 0; j < s->n; j++) {
            fputc('(', f);
            tex_num(f, s->x[j]);
            fputc(',', f);
            if (point_ok(p, s->x[j], s->y[j]))
                tex_num(f, s->y[j]);
            else
                fputs("nan", f);
            fputc(')', f);
            if (++col == 6 || j + 1 == s->n) {
                fputc('\n', f);
                col = 0;
            } else {
                fputc(' ', f);
            }
        }
        fputs("};\n", f);
        if (in_legend(s)) {
            fputs("\\addlegendentry{", f);
            tex_label(f, &s->name);
            fputs("}\n", f);
        }
    }
    for (int i = 0; i < p->nn; i++) {
        fputs("\\node[font=\\small\\itshape, text=darkgray] at (axis cs:", f);
        tex_num(f, p->notes[i].x);
        fputc(',', f);
        tex_num(f, p->notes[i].y);
        fputs(") {", f);
        tex_label(f, &p->notes[i].text);
        fputs("};\n", f);
    }
    fputs("\\end{axis}\n\\end{tikzpicture}\n", f);
}

/* ------------------------------------------------------------------ */
/* gnuplot */

/* a single-quoted gnuplot string in enhanced mode, markup kept */
static void gp_str(FILE *f, const char *s)
{
    int in = 0;
    fputc('\'', f);
    for (; s && *s; s++) {
        if (!in && (*s == '^' || *s == '_') && s[1] == '{') {
            fputc(*s, f);
            fputc('{', f);
            in = 1;
            s++;
            continue;
        }
        if (in && *s == '}') {
            fputc('}', f);
            in = 0;
            continue;
        }
        switch (*s) {
        case '\'': fputs("''", f); break;
        case '_': case '^': case '@': case '&': case '~': case '{': case '}':
            fputc('\\', f);
            fputc(*s, f);
            break;
        case '\n': fputc(' ', f); break;
        default: fputc(*s, f);
        }
    }
    if (in)
        fputc('}', f);
    fputc('\'', f);
}

static void render_gnuplot(FILE *f, const da_plot *p, const layout *L)
{
    const char *outname = p->gp_output ? p->gp_output : "dualact-plot.svg";
    fputs("# gnuplot script with its data (gnuplot 5 or later): run\n", f);
    fputs("#   gnuplot THIS_FILE                         (writes the file named in outfile below)\n", f);
    fputs("#   gnuplot -e \"outfile='fig.png'\" THIS_FILE  (.svg, .png or .pdf)\n", f);
    if (p->comment)
        fprintf(f, "# %s\n", p->comment);
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        fprintf(f, "$s%d << EOD\n", i + 1);
        int gap = 0;
        for (size_t j = 0; j < s->n; j++) {
            if (!point_ok(p, s->x[j], s->y[j])) {
                if (!gap && j)
                    fputc('\n', f);
                gap = 1;
                continue;
            }
            gap = 0;
            fprintf(f, "%.10g %.10g\n", s->x[j], s->y[j]);
        }
        fputs("EOD\n", f);
    }
    fputs("if (!exists(\"outfile\")) outfile = ", f);
    /* a file name, not enhanced text: only the quote is doubled */
    fputc('\'', f);
    for (const char *c = outname; *c; c++)
        fputs(*c == '\'' ? "''" : (char[]){*c, 0}, f);
    fputc('\'', f);
    fputc('\n', f);
    fputs("ext = strlen(outfile) > 4 ? outfile[strlen(outfile)-3:] : ''\n", f);
    fprintf(f, "if (ext eq '.png') {\n  set terminal pngcairo enhanced size %.0f,%.0f font 'sans,10'\n",
            L->W, L->H);
    fprintf(f, "} else { if (ext eq '.pdf') {\n  set terminal pdfcairo enhanced size %.2fin,%.2fin font 'sans,9'\n",
            L->W / 100.0, L->H / 100.0);
    fprintf(f, "} else {\n  set terminal svg enhanced size %.0f,%.0f font 'sans,12' background '#ffffff'\n} }\n",
            L->W, L->H);
    fputs("set output outfile\n", f);
    if (p->title.text) {
        fputs("set title ", f);
        gp_str(f, p->title.text);
        fputc('\n', f);
    }
    if (p->xlabel.text) {
        fputs("set xlabel ", f);
        gp_str(f, p->xlabel.text);
        fputc('\n', f);
    }
    if (p->ylabel.text) {
        fputs("set ylabel ", f);
        gp_str(f, p->ylabel.text);
        fputc('\n', f);
    }
    fprintf(f, "set xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n", L->x.lo, L->x.hi, L->y.lo, L->y.hi);
    if (L->x.nticks > 1)
        fprintf(f, "set xtics %.10g, %.10g, %.10g\n", L->x.ticks[0], L->x.step,
                L->x.ticks[L->x.nticks - 1]);
    if (L->y.log) {
        fputs("set logscale y 10\nset format y '10^{%T}'\n", f);
        if (L->y.step > 1)
            fprintf(f, "set ytics %.10g\n", pow(10, L->y.step));
    } else if (L->y.nticks > 1) {
        fprintf(f, "set ytics %.10g, %.10g, %.10g\n", L->y.ticks[0], L->y.step,
                L->y.ticks[L->y.nticks - 1]);
    }
    fputs("set grid lc rgb '#e3e3e3' lt 1\nset border lc rgb '#333333'\n", f);
    switch (L->legend) {
    case DA_PLOT_LEGEND_NE: fputs("set key top right box opaque reverse Left\n", f); break;
    case DA_PLOT_LEGEND_NW: fputs("set key top left box opaque reverse Left\n", f); break;
    case DA_PLOT_LEGEND_SE: fputs("set key bottom right box opaque reverse Left\n", f); break;
    case DA_PLOT_LEGEND_SW: fputs("set key bottom left box opaque reverse Left\n", f); break;
    case DA_PLOT_LEGEND_OUTSIDE: fputs("set key outside right top box\n", f); break;
    default: fputs("unset key\n", f);
    }
    for (int i = 0; i < p->nn; i++) {
        fputs("set label ", f);
        gp_str(f, p->notes[i].text.text);
        fprintf(f, " at %.10g, %.10g center font ',11' tc rgb '#444444'\n", p->notes[i].x,
                p->notes[i].y);
    }
    fputs("plot \\\n", f);
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        fprintf(f, "  $s%d using 1:2 with %s ", i + 1, s->markers ? "linespoints" : "lines");
        if (s->style == DA_PLOT_STYLE_REF) {
            fputs("lc rgb '#8c8c8c' lw 1 dt (4,3)", f);
        } else {
            const pen *pn = pen_of(s->style);
            static const int pt[] = {7, 5, 9, 13, 2};
            fprintf(f, "lc rgb '#%02x%02x%02x' lw 2 dt %s", pn->r, pn->g, pn->b, pn->gp_dash);
            if (s->markers)
                fprintf(f, " pt %d ps 0.7", pt[pn->marker]);
        }
        if (in_legend(s)) {
            fputs(" title ", f);
            gp_str(f, s->name.text);
        } else {
            fputs(" notitle", f);
        }
        fputs(i + 1 < p->ns ? ", \\\n" : "\n", f);
    }
    if (p->ns == 0)
        fputs("  NaN notitle\n", f);
    fputs("set output\n", f);
}

/* ------------------------------------------------------------------ */

int da_plot_render(char **out, const da_plot *p, da_plot_format fmt)
{
    *out = NULL;
    if (fmt != DA_PLOT_SVG && fmt != DA_PLOT_PGF && fmt != DA_PLOT_GNUPLOT)
        return da_fail(DA_EINVAL, "plot: unknown format %d", (int)fmt);
    layout L;
    int st = make_layout(&L, p);
    if (st)
        return st;
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    if (!f)
        return da_fail(DA_ENOMEM, "out of memory");
    switch (fmt) {
    case DA_PLOT_SVG: render_svg(f, p, &L); break;
    case DA_PLOT_PGF: render_pgf(f, p, &L); break;
    default: render_gnuplot(f, p, &L); break;
    }
    if (fclose(f) != 0 || !*out) {
        free(*out);
        *out = NULL;
        return da_fail(DA_ENOMEM, "out of memory");
    }
    return DA_OK;
}
