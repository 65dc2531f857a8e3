/* common.c -- error reporting, number parsing and ball formatting. */
#include "cli.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* one line on stderr: "dualact: " and the message, its control
   characters (a newline in a file name) shown as '?' */
static void put_line(const char *msg)
{
    fputs("dualact: ", stderr);
    for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
        fputc(*c < 0x20 || *c == 0x7F ? '?' : *c, stderr);
    fputc('\n', stderr);
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    put_line(n >= 0 && msg ? msg : fmt);
    free(n >= 0 ? msg : NULL);
    return EXIT_USAGE;
}

/* The library names its parameters (da_hermite_opts.raw, rank_k); the
   user of the tool knows the flags: the phrases a library message may use
   for a parameter, and the flag that sets it. */
static const char *const param_flag[][2] = {
    {"(set raw = 1 to use sigma itself)", "(use --raw)"},
    {"rank_k", "--rank-k"},
};

/* msg with the parameter phrases of param_flag replaced by their flags,
   into buf (truncated to size). */
static const char *flag_words(const char *msg, char *buf, size_t size)
{
    size_t o = 0;
    while (*msg && o + 1 < size) {
        size_t k, nk = sizeof param_flag / sizeof param_flag[0];
        for (k = 0; k < nk; k++) {
            size_t l = strlen(param_flag[k][0]);
            if (strncmp(msg, param_flag[k][0], l) == 0) {
                for (const char *f = param_flag[k][1]; *f && o + 1 < size; f++)
                    buf[o++] = *f;
                msg += l;
                break;
            }
        }
        if (k == nk)
            buf[o++] = *msg++;
    }
    buf[o] = '\0';
    return buf;
}

int cli_lib_error(int status, const char *context)
{
    const char *msg = da_errmsg();
    if (!msg || !*msg)
        msg = da_strerror(status);
    char flagged[1024];
    msg = flag_words(msg, flagged, sizeof flagged);
    char where[48] = "";
    if (status == DA_EPARSE && da_errcol() > 0)
        snprintf(where, sizeof where, "parse error at column %d: ", da_errcol());
    char *line = NULL;
    int n = context ? asprintf(&line, "%s: %s%s", context, where, msg)
                    : asprintf(&line, "%s%s", where, msg);
    put_line(n >= 0 && line ? line : msg);
    free(n >= 0 ? line : NULL);
    switch (status) {
    case DA_EINVAL:
    case DA_EPARSE:
    case DA_EDOM:
    case DA_EINFINITE:  /* the quantity asked for is infinite: a refusal */
        return EXIT_USAGE;
    case DA_EACCURACY:
        return EXIT_ACCURACY;
    default:
        return EXIT_INTERNAL;
    }
}

int cli_act_new(da_act **act, const char *spec)
{
    int st = da_act_new(act, spec);
    if (st == DA_OK)
        return EXIT_OK;
    char ctx[160];
    snprintf(ctx, sizeof ctx, "activation '%.100s'", spec);
    /* messages that already name the activation need no context */
    int rc = cli_lib_error(st, strncmp(da_errmsg(), "activation '", 12) ? ctx : NULL);
    if (st == DA_EPARSE && da_errcol() > 0 && strlen(spec) < 200) {
        /* the formula under the message, its control characters as '?'
           (one byte each, so the caret stays under its column) */
        fputs("  ", stderr);
        for (const unsigned char *c = (const unsigned char *)spec; *c; c++)
            fputc(*c < 0x20 || *c == 0x7F ? '?' : *c, stderr);
        fprintf(stderr, "\n  %*s^\n", da_errcol() - 1, "");
    }
    return rc;
}

int cli_parse_format(const char *v, int *fmt)
{
    if (!strcmp(v, "text"))
        *fmt = FMT_TEXT;
    else if (!strcmp(v, "csv"))
        *fmt = FMT_CSV;
    else if (!strcmp(v, "json"))
        *fmt = FMT_JSON;
    else
        return cli_usage_error("--format: '%s' is not one of text, csv, json", v);
    return EXIT_OK;
}

int cli_parse_table_format(const char *v, da_table_format *fmt)
{
    if (!strcmp(v, "text"))
        *fmt = DA_TABLE_TEXT;
    else if (!strcmp(v, "csv"))
        *fmt = DA_TABLE_CSV;
    else if (!strcmp(v, "json"))
        *fmt = DA_TABLE_JSON;
    else if (!strcmp(v, "markdown") || !strcmp(v, "md"))
        *fmt = DA_TABLE_MARKDOWN;
    else if (!strcmp(v, "latex"))
        *fmt = DA_TABLE_LATEX;
    else
        return cli_usage_error("--format: '%s' is not one of text, csv, json, markdown, latex", v);
    return EXIT_OK;
}

int cli_parse_long(const char *s, long lo, long hi, long *out, const char *what)
{
    if (!s || !*s)
        return cli_usage_error("%s: missing value", what);
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || errno)
        return cli_usage_error("%s: '%s' is not an integer", what, s);
    if (v < lo || v > hi)
        return cli_usage_error("%s: %ld is out of range [%ld, %ld]", what, v, lo, hi);
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double lo, double hi, double *out, const char *what)
{
    if (!s || !*s)
        return cli_usage_error("%s: missing value", what);
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v))
        return cli_usage_error("%s: '%s' is not a number", what, s);
    if (v < lo || v > hi)
        return cli_usage_error("%s: %g is out of range [%g, %g]", what, v, lo, hi);
    *out = v;
    return 0;
}

const char *cli_bound_kind(int rigorous)
{
    return rigorous ? "rigorous" : "estimate";
}

void cli_print_bound(FILE *f, int rigorous, const char *reason)
{
    if (rigorous)
        fprintf(f, "bound       rigorous (every radius is proved)\n");
    else
        fprintf(f, "bound       estimate (%s)\n", reason && *reason ? reason : "no proof");
}

int cli_ball_finite(const da_ball_struct *b)
{
    return mpfr_number_p(b->mid) && mpfr_number_p(b->rad);
}

const char *cli_ball_kind(int rigorous, const da_ball_struct *b)
{
    return cli_ball_finite(b) ? cli_bound_kind(rigorous) : "none";
}

void cli_print_bound_fin(FILE *f, int rigorous, const char *reason, int all_finite)
{
    if (all_finite)
        cli_print_bound(f, rigorous, reason);
    else if (rigorous)
        fprintf(f, "bound       rigorous where err is finite; none (nothing is proved) where a value "
                   "is nan or its err inf\n");
    else
        fprintf(f, "bound       estimate (%s) where err is finite; none where a value is nan or its "
                   "err inf\n", reason && *reason ? reason : "no proof");
}

void cli_json_double(FILE *f, const char *fmt, double v)
{
    if (isnan(v))
        fputs("\"nan\"", f);
    else if (isinf(v))
        fputs(v > 0 ? "\"inf\"" : "\"-inf\"", f);
    else
        fprintf(f, fmt, v);
}

/* ---- caps on work and memory, checked before any work ------------------ */

double cli_memory_limit(void)
{
    double lim = CLI_MEMORY_CAP;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0 && (double)pages * (double)psize / 2 < lim)
        lim = (double)pages * (double)psize / 2;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (double)rl.rlim_cur < lim)
        lim = (double)rl.rlim_cur;
    return lim;
}

int cli_check_memory(double bytes, const char *what, const char *hint)
{
    double lim = cli_memory_limit();
    if (bytes <= lim)
        return 0;
    return cli_usage_error("%s needs about %.3g GB of memory, above the limit of %.3g GB (half "
                           "the physical memory, at most %.0f GB)%s%s", what, bytes / 1e9,
                           lim / 1e9, CLI_MEMORY_CAP / 1e9, hint ? "; " : "", hint ? hint : "");
}

int cli_check_time(double seconds, const char *what, const char *hint)
{
    if (seconds <= CLI_TIME_CAP)
        return 0;
    return cli_usage_error("%s would take about %.2g s (estimated), above the cap of %.0f s%s%s",
                           what, seconds, CLI_TIME_CAP, hint ? "; " : "", hint ? hint : "");
}

int cli_progress_wanted(void)
{
    return isatty(2);
}

/* the library's progress hook (da_progress_set): one line on stderr,
   rewritten in place, erased at the end */
static void progress_line(void *ctx, const char *what, long count, double seconds)
{
    (void)ctx;
    if (count < 0)
        fprintf(stderr, "\r%60s\r", "");
    else
        fprintf(stderr, "\rdualact: %.30s: %ld (%.0f s)   ", what, count, seconds);
    fflush(stderr);
}

void cli_progress_install(void)
{
    if (cli_progress_wanted())
        da_progress_set(progress_line, NULL);
}

/* The (delta, eps, n) lists of depth and depth --net */

void cli_depth_lists_init(cli_depth_items *L)
{
    memset(L, 0, sizeof *L);
}

/* "a,b,c" into an array of copies, an empty item refused */
static int split_strict(char ***out, int *n, const char *s, const char *what)
{
    *out = NULL;
    *n = 0;
    if (!s || !*s)
        return cli_usage_error("%s: missing value", what);
    int cap = 2;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    char **v = calloc((size_t)cap, sizeof *v);
    if (!v)
        return cli_usage_error("out of memory");
    int k = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) {
            for (int i = 0; i < k; i++)
                free(v[i]);
            free(v);
            return cli_usage_error("%s: empty item in '%s'", what, s);
        }
        v[k] = malloc(len + 1);
        if (!v[k]) {
            for (int i = 0; i < k; i++)
                free(v[i]);
            free(v);
            return cli_usage_error("out of memory");
        }
        memcpy(v[k], p, len);
        v[k][len] = 0;
        k++;
        if (!e)
            break;
        p = e + 1;
    }
    *out = v;
    *n = k;
    return 0;
}

int cli_depth_lists_split(cli_depth_items *L, const char *sd, const char *se, const char *sn)
{
    if (split_strict(&L->ld, &L->nd, sd, "--delta") || split_strict(&L->le, &L->ne, se, "--eps") ||
        split_strict(&L->ln, &L->nn, sn, "--n"))
        return EXIT_USAGE;
    return 0;
}

double cli_depth_lists_rows(const cli_depth_items *L, double per)
{
    return per * L->nd * L->ne * L->nn;
}

int cli_depth_lists(cli_depth_items *L)
{
    L->nv = calloc((size_t)L->nn, sizeof *L->nv);
    L->bd = calloc((size_t)L->nd, sizeof *L->bd);
    L->be = calloc((size_t)L->ne, sizeof *L->be);
    if (!L->nv || !L->bd || !L->be) {
        free(L->bd);
        free(L->be);
        L->bd = L->be = NULL;
        return cli_usage_error("out of memory");
    }
    for (int i = 0; i < L->nd; i++)
        da_ball_init2(L->bd[i], 512);
    for (int i = 0; i < L->ne; i++)
        da_ball_init2(L->be[i], 512);
    for (int i = 0; i < L->nn; i++)
        if (cli_parse_long(L->ln[i], 2, 1000000000000L, &L->nv[i], "--n"))
            return EXIT_USAGE;
    for (int i = 0; i < L->nd; i++) {
        double x;
        if (cli_parse_double(L->ld[i], 0, 1, &x, "--delta"))
            return EXIT_USAGE;
        if (!(x > 0))
            return cli_usage_error("--delta: %s must be positive", L->ld[i]);
    }
    for (int i = 0; i < L->ne; i++) {
        double x;
        if (cli_parse_double(L->le[i], 0, 1e300, &x, "--eps"))
            return EXIT_USAGE;
        if (!(x > 0))
            return cli_usage_error("--eps: %s must be positive", L->le[i]);
        for (int j = 0; j < L->nn; j++)
            if (x >= (double)(L->nv[j] - 1))
                return cli_usage_error("--eps: %s must be below n - 1 = %ld", L->le[i],
                                       L->nv[j] - 1);
    }
    /* exact decimals as balls */
    for (int i = 0; i < L->nd; i++)
        da_depth_parse_decimal(L->bd[i], L->ld[i]);
    for (int i = 0; i < L->ne; i++)
        da_depth_parse_decimal(L->be[i], L->le[i]);
    return 0;
}

static void free_items(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void cli_depth_lists_clear(cli_depth_items *L)
{
    if (L->bd)
        for (int i = 0; i < L->nd; i++)
            da_ball_clear(L->bd[i]);
    if (L->be)
        for (int i = 0; i < L->ne; i++)
            da_ball_clear(L->be[i]);
    free(L->bd);
    free(L->be);
    free(L->nv);
    free_items(L->ld, L->nd);
    free_items(L->le, L->ne);
    free_items(L->ln, L->nn);
    memset(L, 0, sizeof *L);
}
