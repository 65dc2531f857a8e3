/* data.c -- data sets for the Gram analyses: files of numbers (CSV or
 * white space), random points on the sphere, delta-separated points.
 * Every row is scaled to unit norm. */
#include "core/core.h"
#include "analysis/analysis.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

void da_gram_data_free(da_gram_data *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->norm);
    free(d);
}

static da_gram_data *data_new(size_t n, size_t dim, int norms)
{
    da_gram_data *d = da_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->n = n;
    d->dim = dim;
    d->x = da_malloc(n * dim * sizeof(double) + 1);
    if (norms)
        d->norm = da_malloc(n * sizeof(double) + 1);
    if (!d->x || (norms && !d->norm)) {
        da_gram_data_free(d);
        return NULL;
    }
    return d;
}

/* scale x[0..dim-1] to unit norm; returns the norm (0 when zero) */
static double unitize(double *x, size_t dim)
{
    double m = 0;
    for (size_t j = 0; j < dim; j++)
        if (fabs(x[j]) > m)
            m = fabs(x[j]);
    if (m == 0 || !isfinite(m))
        return m == 0 ? 0 : NAN;
    long double s = 0;
    for (size_t j = 0; j < dim; j++) {
        double t = x[j] / m;
        s += (long double)t * t;
    }
    double nrm = m * (double)sqrtl(s);
    double inv = 1.0 / ((double)sqrtl(s));
    for (size_t j = 0; j < dim; j++)
        x[j] = x[j] / m * inv;
    return nrm;
}

/* ---- columns "1-4,7" -------------------------------------------------- */

typedef struct {
    long *col;     /* 0-based field indices, in order */
    size_t n;
} colsel;

static int parse_columns(colsel *cs, const char *spec)
{
    cs->col = NULL;
    cs->n = 0;
    if (!spec)
        return DA_OK;
    size_t cap = 16;
    cs->col = da_malloc(cap * sizeof(long));
    if (!cs->col)
        return DA_ENOMEM;
    const char *p = spec;
    while (*p) {
        char *end;
        errno = 0;
        long a = strtol(p, &end, 10);
        if (end == p || errno || a < 1)
            return da_fail(DA_EINVAL, "columns: '%s' is not a list of columns like 1-4,7 "
                           "(1-based)", spec);
        long b = a;
        p = end;
        if (*p == '-') {
            p++;
            errno = 0;
            b = strtol(p, &end, 10);
            if (end == p || errno || b < a)
                return da_fail(DA_EINVAL, "columns: bad range in '%s'", spec);
            p = end;
        }
        if (b - a > 10000000)
            return da_fail(DA_EINVAL, "columns: range too long in '%s'", spec);
        for (long c = a; c <= b; c++) {
            if (cs->n == cap) {
                cap *= 2;
                long *t = da_realloc(cs->col, cap * sizeof(long));
                if (!t)
                    return DA_ENOMEM;
                cs->col = t;
            }
            cs->col[cs->n++] = c - 1;
        }
        if (*p == ',')
            p++;
        else if (*p)
            return da_fail(DA_EINVAL, "columns: unexpected '%c' in '%s'", *p, spec);
    }
    if (cs->n == 0)
        return da_fail(DA_EINVAL, "columns: empty list");
    return DA_OK;
}

/* ---- parsing ---------------------------------------------------------- */

/* Split line (modified in place) into fields; returns their number. */
static size_t split(char *line, char ***fields, size_t *cap)
{
    size_t n = 0;
    int comma = strchr(line, ',') != NULL;
    char *p = line;
    for (;;) {
        char *start, *end;
        if (comma) {
            start = p;
            char *c = strchr(p, ',');
            end = c ? c : p + strlen(p);
            p = c ? c + 1 : NULL;
        } else {
            while (*p && isspace((unsigned char)*p))
                p++;
            if (!*p)
                break;
            start = p;
            while (*p && !isspace((unsigned char)*p))
                p++;
            end = p;
            if (*p)
                p++;
            else
                p = NULL;
        }
        /* trim, strip quotes */
        while (start < end && isspace((unsigned char)*start))
            start++;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        if (end - start >= 2 && *start == '"' && end[-1] == '"') {
            start++;
            end--;
        }
        *end = '\0';
        if (n == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            char **t = realloc(*fields, nc * sizeof *t);
            if (!t)
                return (size_t)-1;
            *fields = t;
            *cap = nc;
        }
        (*fields)[n++] = start;
        if (!p)
            break;
    }
    return n;
}

static int is_number(const char *s, double *v)
{
    if (!*s)
        return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || !isfinite(x))
        return 0;
    *v = x;
    return 1;
}

/* A field that strtod reads whole, finite or not ("nan", "inf", "1e309"). */
static int looks_numeric(const char *s)
{
    char *end;
    errno = 0;
    (void)strtod(s, &end);
    return end != s && !*end;
}

/* A column name: it begins with a letter, '_' or a non-ASCII byte (a UTF-8
   letter), and is not a number strtod would read ("nan", "inf").  "1.5.2",
   "3 # c" and "" are not names: a row holding them is data, and its error
   names the line and the column. */
static int is_name(const char *s)
{
    unsigned char c = (unsigned char)*s;
    if (!(isalpha(c) || c == '_' || c >= 0x80))
        return 0;
    return !looks_numeric(s);
}

/* the message for a field that is not a usable number */
static int bad_field(const char *name, long lineno, long col, const char *f, int first)
{
    /* the first row, with a name in it: say why it was not a header */
    const char *hint = first ? " (not a header: a header has a name in every selected "
                               "column)" : "";
    if (!*f)
        return da_fail(DA_EINVAL, "%s:%ld: column %ld: empty field", name, lineno, col);
    char shown[48];
    snprintf(shown, sizeof shown, "%.40s%s", f, strlen(f) > 40 ? "..." : "");
    /* no control bytes in a one-line message */
    for (char *c = shown; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    if (looks_numeric(f)) {
        char *end;
        errno = 0;
        double x = strtod(f, &end);
        if (isnan(x))
            return da_fail(DA_EINVAL, "%s:%ld: column %ld: '%s' is not a number (NaN)",
                           name, lineno, col, shown);
        if (errno == ERANGE)
            return da_fail(DA_EINVAL, "%s:%ld: column %ld: '%s' is out of the range of "
                           "double (magnitude above 1.8e308)", name, lineno, col, shown);
        return da_fail(DA_EINVAL, "%s:%ld: column %ld: '%s' is not a number (infinite)",
                       name, lineno, col, shown);
    }
    return da_fail(DA_EINVAL, "%s:%ld: column %ld: '%s' is not a number%s", name, lineno, col,
                   shown, hint);
}

static int parse_text(da_gram_data **out, char *text, const char *name, const char *columns)
{
    colsel cs;
    int st = parse_columns(&cs, columns);
    if (st) {
        free(cs.col);
        return st;
    }
    char **fields = NULL;
    size_t fcap = 0;
    double *rows = NULL, *norms = NULL;
    size_t nrows = 0, rcap = 0, dim = 0, nfields = 0;
    long first_line = 0;
    int had_header = 0, seen = 0;
    long lineno = 0;
    char *p = text;
    /* a UTF-8 byte order mark is not data */
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3;
    while (p && *p) {
        /* a line ends at LF, CR LF or a lone CR (old Mac files) */
        char *nl = strpbrk(p, "\r\n");
        char *line = p;
        if (nl) {
            p = nl + (nl[0] == '\r' && nl[1] == '\n' ? 2 : 1);
            *nl = '\0';
        } else {
            p = NULL;
        }
        lineno++;
        const char *q = line;
        while (*q && isspace((unsigned char)*q))
            q++;
        if (!*q || *q == '#')
            continue;
        size_t nf = split(line, &fields, &fcap);
        if (nf == (size_t)-1) {
            st = da_fail(DA_ENOMEM, "out of memory");
            goto fail;
        }
        if (!seen) {
            /* a header: every selected field is a name (is_name); a first
               row with any other field is data, checked like every row */
            size_t nsel = cs.n ? cs.n : nf;
            int header = nsel > 0;
            for (size_t k = 0; k < nsel && header; k++) {
                long c = cs.n ? cs.col[k] : (long)k;
                if (c >= (long)nf || !is_name(fields[c]))
                    header = 0;
            }
            seen = 1;
            if (header) {
                had_header = 1;
                continue;
            }
        }
        if (nfields == 0) {
            nfields = nf;
            first_line = lineno;
            if (cs.n) {
                for (size_t k = 0; k < cs.n; k++)
                    if (cs.col[k] >= (long)nf) {
                        st = da_fail(DA_EINVAL, "%s:%ld: column %ld does not exist "
                                     "(the rows have %zu fields)", name, lineno,
                                     cs.col[k] + 1, nf);
                        goto fail;
                    }
                dim = cs.n;
            } else {
                dim = nf;
            }
        } else if (nf != nfields) {
            st = da_fail(DA_EINVAL, "%s:%ld: %zu fields, expected %zu as on line %ld",
                         name, lineno, nf, nfields, first_line);
            goto fail;
        }
        if (nrows == rcap) {
            size_t nc = rcap ? 2 * rcap : 64;
            double *t = da_realloc(rows, nc * dim * sizeof(double));
            if (!t) {
                st = DA_ENOMEM;
                goto fail;
            }
            rows = t;
            t = da_realloc(norms, nc * sizeof(double));
            if (!t) {
                st = DA_ENOMEM;
                goto fail;
            }
            norms = t;
            rcap = nc;
        }
        double *x = rows + nrows * dim;
        for (size_t k = 0; k < dim; k++) {
            long c = cs.n ? cs.col[k] : (long)k;
            if (!is_number(fields[c], &x[k])) {
                int named = 0;
                for (size_t k2 = 0; k2 < dim && nrows == 0 && !had_header; k2++)
                    named |= is_name(fields[cs.n ? cs.col[k2] : (long)k2]);
                st = bad_field(name, lineno, c + 1, fields[c], named);
                goto fail;
            }
        }
        double nrm = unitize(x, dim);
        if (nrm == 0) {
            st = da_fail(DA_EINVAL, "%s:%ld: the row is zero%s and cannot be scaled to unit norm",
                         name, lineno, cs.n ? " (in the selected columns)" : "");
            goto fail;
        }
        if (!isfinite(nrm)) {
            st = da_fail(DA_EINVAL, "%s:%ld: the row's norm overflows", name, lineno);
            goto fail;
        }
        norms[nrows] = nrm;
        nrows++;
    }
    if (nrows == 0) {
        st = da_fail(DA_EINVAL, "%s: no data rows", name);
        goto fail;
    }
    da_gram_data *d = da_calloc(1, sizeof *d);
    if (!d) {
        st = DA_ENOMEM;
        goto fail;
    }
    d->n = nrows;
    d->dim = dim;
    d->x = rows;
    d->norm = norms;
    d->had_header = had_header;
    snprintf(d->source, sizeof d->source, "%s", name);
    free(fields);
    free(cs.col);
    *out = d;
    return DA_OK;
fail:
    free(fields);
    free(rows);
    free(norms);
    free(cs.col);
    return st;
}

int da_gram_data_parse(da_gram_data **out, const char *text, size_t len, const char *name,
                       const char *columns)
{
    *out = NULL;
    char *buf = da_malloc(len + 1);
    if (!buf)
        return DA_ENOMEM;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        free(buf);
        return da_fail(DA_EINVAL, "%s: the file contains a NUL byte (not text)", name);
    }
    int st = parse_text(out, buf, name ? name : "data", columns);
    free(buf);
    return st;
}

int da_gram_data_load(da_gram_data **out, const char *path, const char *columns)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return da_fail(DA_EINVAL, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = da_malloc(cap);
    if (!buf) {
        fclose(f);
        return DA_ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            cap *= 2;
            char *t = da_realloc(buf, cap);
            if (!t) {
                free(buf);
                fclose(f);
                return DA_ENOMEM;
            }
            buf = t;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return da_fail(DA_EINVAL, "cannot read '%s'", path);
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    int st = da_gram_data_parse(out, buf, len, base, columns);
    free(buf);
    return st;
}

/* ---- generated points ------------------------------------------------- */

static void random_unit(double *x, size_t dim, gsl_rng *r)
{
    double nrm;
    do {
        for (size_t j = 0; j < dim; j++)
            x[j] = gsl_ran_gaussian_ziggurat(r, 1.0);
        nrm = unitize(x, dim);
    } while (nrm == 0);
}

/* a data set of n points in dimension dim to be drawn, and its generator */
static int sampled_new(da_gram_data **d, gsl_rng **r, const char *what, size_t n, size_t dim,
                       unsigned long seed)
{
    if (n > 100000 || dim > 1000000 || n * dim > 200000000)
        return da_fail(DA_EINVAL, "%s: %zu points in dimension %zu is too large", what, n, dim);
    *d = data_new(n, dim, 0);
    if (!*d)
        return DA_ENOMEM;
    *r = da_rng_new(seed);
    if (!*r) {
        da_gram_data_free(*d);
        return da_fail(DA_ENOMEM, "out of memory");
    }
    return DA_OK;
}

int da_gram_data_sphere(da_gram_data **out, size_t n, size_t dim, unsigned long seed)
{
    *out = NULL;
    if (n < 1 || dim < 1)
        return da_fail(DA_EINVAL, "sphere: need n >= 1 points and dimension d >= 1");
    da_gram_data *d;
    gsl_rng *r;
    int st = sampled_new(&d, &r, "sphere", n, dim, seed);
    if (st)
        return st;
    for (size_t i = 0; i < n; i++)
        random_unit(d->x + i * dim, dim, r);
    gsl_rng_free(r);
    snprintf(d->source, sizeof d->source, "sphere(n=%zu, d=%zu, seed=%lu)", n, dim, seed);
    *out = d;
    return DA_OK;
}

static double dot(const double *a, const double *b, size_t dim)
{
    double s = 0;
    for (size_t j = 0; j < dim; j++)
        s += a[j] * b[j];
    return s;
}

int da_gram_data_separated(da_gram_data **out, size_t n, size_t dim, double delta,
                           unsigned long seed)
{
    *out = NULL;
    if (n < 2 || dim < 2)
        return da_fail(DA_EINVAL, "separated: need n >= 2 points and dimension d >= 2");
    if (!(delta > 0 && delta <= 1))
        return da_fail(DA_EINVAL, "separated: delta must lie in (0, 1]");
    da_gram_data *d;
    gsl_rng *r;
    int st = sampled_new(&d, &r, "separated", n, dim, seed);
    if (st)
        return st;
    double c = 1 - delta, s = sqrt(delta * (2 - delta));
    double *x1 = d->x, *x2 = d->x + dim;
    random_unit(x1, dim, r);
    /* x2 = c x1 + s u, u a unit vector orthogonal to x1 */
    double *u = x2;
    double nrm;
    do {
        random_unit(u, dim, r);
        double t = dot(u, x1, dim);
        for (size_t j = 0; j < dim; j++)
            u[j] -= t * x1[j];
        nrm = unitize(u, dim);
    } while (!(nrm > 1e-3));
    for (size_t j = 0; j < dim; j++)
        x2[j] = c * x1[j] + s * u[j];
    unitize(x2, dim);
    long fails = 0;
    for (size_t i = 2; i < n;) {
        double *x = d->x + i * dim;
        random_unit(x, dim, r);
        int ok = 1;
        for (size_t j = 0; j < i && ok; j++)
            if (fabs(dot(x, d->x + j * dim, dim)) > c)
                ok = 0;
        if (ok) {
            i++;
            fails = 0;
        } else if (++fails > 100000) {
            gsl_rng_free(r);
            da_gram_data_free(d);
            return da_fail(DA_EDOM, "separated: could not place point %zu of %zu with "
                           "|<x_i, x_j>| <= 1 - delta = %g in dimension %zu (100000 draws "
                           "failed); lower n or delta, or raise d", i + 1, n, c, dim);
        }
    }
    gsl_rng_free(r);
    snprintf(d->source, sizeof d->source, "separated(n=%zu, d=%zu, delta=%g, seed=%lu)", n,
             dim, delta, seed);
    *out = d;
    return DA_OK;
}
