/* cmd_gram.c -- dualact gram ACT : the kernel matrix of a data set over
 * depth: extreme eigenvalues, condition number, Gershgorin, effective
 * ranks.  Also the data-set options shared with dualact simulate. */
#include "cli.h"
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: dualact gram ACT (--data FILE | --sphere N,d | --separated N,d,delta)\n"
    "                    --depth L [--ntk] [--rank-k K] [--spectrum] [--seed S]\n"
    "                    [--columns LIST] [--tol T] [--format text|csv|json|markdown|latex]\n"
    "\n"
    "The kernel matrix of the data after each depth 0..L (the top-layer kernel\n"
    "K^(l) = sigma_hat(K^(l-1)) entrywise, or with --ntk the normalized NTK\n"
    "Theta^(l)/Theta^(l)(1)) for the normalized activation: extreme eigenvalues,\n"
    "condition number, largest off-diagonal entry, the Gershgorin lower bound\n"
    "1 - max_i sum_{j!=i} |K_ij| on lambda_min, and the effective ranks r_0, R_0\n"
    "(r_k, R_k with --rank-k) of Bartlett et al. 2020.\n"
    "\n"
    "  --data FILE    rows of numbers, comma or white-space separated (a header\n"
    "                 line allowed, '#' lines skipped; '-' reads stdin); every\n"
    "                 row is scaled to unit norm (zero rows are refused)\n"
    "  --columns LIST use only these 1-based columns, e.g. 1-4 (other fields\n"
    "                 may be labels)\n"
    "  --sphere N,d   N points uniform on S^{d-1} (--seed S, default 1)\n"
    "  --separated N,d,delta  N points with |<x_i,x_j>| <= 1 - delta, the first\n"
    "                 pair at exactly 1 - delta\n"
    "  --depth L      layers 0..L (required)\n"
    "  --ntk          the normalized NTK instead of the top-layer kernel\n"
    "  --rank-k K     also r_K and R_K (needs the top K+1 eigenvalues)\n"
    "  --spectrum     full GSL spectrum at every layer (default: only when\n"
    "                 n <= 400; Lanczos otherwise)\n"
    "  --tol T        Lanczos target: error estimate <= T lambda_max (default 1e-9)\n"
    "  --format F     text (default), csv, json, markdown, latex\n"
    "\n"
    "Columns: layer,lambda_min,lambda_max,cond,max_offdiag,gershgorin,r0,R0,\n"
    "[rK,RK,] entry_err,lambda_err,method,steps.  Double precision: entry_err\n"
    "bounds the error of every entry; lambda_err estimates that of the\n"
    "eigenvalues (docs/analysis.md).  A '#' line says how the data were read.\n"
    "Exit status: 0 success, 2 usage or input error, 3 Lanczos did not converge.\n";

static int read_stdin(char **buf, size_t *len)
{
    size_t cap = 1 << 16;
    *len = 0;
    *buf = malloc(cap);
    if (!*buf)
        return -1;
    for (;;) {
        if (*len == cap) {
            cap *= 2;
            char *t = realloc(*buf, cap);
            if (!t)
                return -1;
            *buf = t;
        }
        size_t r = fread(*buf + *len, 1, cap - *len, stdin);
        *len += r;
        if (r == 0)
            break;
    }
    return ferror(stdin) ? -1 : 0;
}

/* shared with cmd_simulate.c: build the data set from the options */
int gram_cli_data(da_gram_data **data, const char *file, const char *sphere,
                  const char *separated, const char *columns, unsigned long seed)
{
    int nsrc = (file != NULL) + (sphere != NULL) + (separated != NULL);
    if (nsrc != 1)
        return cli_usage_error("give exactly one of --data, --sphere, --separated");
    if (columns && !file)
        return cli_usage_error("--columns applies to --data only");
    int st;
    if (file) {
        if (!strcmp(file, "-")) {
            char *buf;
            size_t len;
            if (read_stdin(&buf, &len)) {
                free(buf);
                return cli_usage_error("cannot read stdin");
            }
            st = da_gram_data_parse(data, buf, len, "stdin", columns);
            free(buf);
        } else {
            st = da_gram_data_load(data, file, columns);
        }
    } else if (sphere) {
        long n, d;
        char extra;
        if (sscanf(sphere, "%ld,%ld%c", &n, &d, &extra) != 2 || n < 1 || d < 1)
            return cli_usage_error("--sphere: '%s' is not N,d (N >= 1 points, d >= 1)", sphere);
        st = da_gram_data_sphere(data, (size_t)n, (size_t)d, seed);
    } else {
        long n, d;
        double delta;
        char extra;
        if (sscanf(separated, "%ld,%ld,%lf%c", &n, &d, &delta, &extra) != 3 || n < 2 || d < 2 ||
            !(delta > 0 && delta <= 1))
            return cli_usage_error("--separated: '%s' is not N,d,delta (N >= 2, d >= 2, "
                                   "0 < delta <= 1)", separated);
        st = da_gram_data_separated(data, (size_t)n, (size_t)d, delta, seed);
    }
    if (st)
        return cli_lib_error(st, NULL);
    return 0;
}

void gram_cli_describe(char *buf, size_t len, const da_gram_data *d)
{
    snprintf(buf, len, "%s: %zu points in %zu dimensions, rows scaled to unit norm%s",
             d->source, d->n, d->dim, d->had_header ? " (header line skipped)" : "");
}

static void g9(char *b, size_t n, double v)
{
    if (isnan(v))
        b[0] = '\0';
    else if (isinf(v))
        snprintf(b, n, v > 0 ? "inf" : "-inf");
    else
        snprintf(b, n, "%.9g", v);
}

/* v with at most 9 significant digits and none below its error estimate
   err: a value within err of 0 prints as 0 */
static void gerr(char *b, size_t n, double v, double err)
{
    if (isnan(v) || isinf(v) || !(err > 0) || !isfinite(err)) {
        g9(b, n, v);
        return;
    }
    if (fabs(v) <= err) {
        snprintf(b, n, "0");
        return;
    }
    int sig = (int)floor(log10(fabs(v))) - (int)floor(log10(err)) + 1;
    if (sig > 9)
        sig = 9;
    if (sig < 1)
        sig = 1;
    /* keep trailing zeros: they are vouched digits too */
    snprintf(b, n, "%#.*g", sig, v);
    size_t len = strlen(b);
    if (len && b[len - 1] == '.')
        b[len - 1] = '\0';
}

/* progress on stderr, only when it is a terminal */
static void show_progress(void *ctx, long layer, long depth)
{
    (void)ctx;
    fprintf(stderr, "\rdualact gram: layer %ld/%ld", layer, depth);
    if (layer == depth)
        fprintf(stderr, "\r%40s\r", "");
    fflush(stderr);
}

int cmd_gram(int argc, char **argv, FILE *out)
{
    const char *file = NULL, *sphere = NULL, *separated = NULL, *columns = NULL, *act_s = NULL;
    long depth = -1, seed = 1;
    da_gram_opts o;
    da_gram_opts_init(&o);
    da_table_format fmt = DA_TABLE_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, out);
            return EXIT_OK;
        } else if (!strcmp(a, "--data") || !strcmp(a, "--sphere") ||
                   !strcmp(a, "--separated") || !strcmp(a, "--depth") ||
                   !strcmp(a, "--rank-k") || !strcmp(a, "--seed") || !strcmp(a, "--columns") ||
                   !strcmp(a, "--tol") || !strcmp(a, "--format")) {
            if (i + 1 >= argc)
                return cli_usage_error("%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--data"))
                file = v;
            else if (!strcmp(a, "--sphere"))
                sphere = v;
            else if (!strcmp(a, "--separated"))
                separated = v;
            else if (!strcmp(a, "--columns"))
                columns = v;
            else if (!strcmp(a, "--depth")) {
                if (cli_parse_long(v, 0, 100000, &depth, "--depth"))
                    return EXIT_USAGE;
            } else if (!strcmp(a, "--rank-k")) {
                if (cli_parse_long(v, 0, 100000, &o.rank_k, "--rank-k"))
                    return EXIT_USAGE;
            } else if (!strcmp(a, "--seed")) {
                if (cli_parse_long(v, 0, 4294967295L, &seed, "--seed"))
                    return EXIT_USAGE;
            } else if (!strcmp(a, "--tol")) {
                if (cli_parse_double(v, 1e-15, 0.1, &o.lanczos_tol, "--tol"))
                    return EXIT_USAGE;
            } else {
                if (cli_parse_table_format(v, &fmt))
                    return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--ntk")) {
            o.ntk = 1;
        } else if (!strcmp(a, "--spectrum")) {
            o.spectrum = 1;
        } else if (!strcmp(a, "--raw")) {
            return cli_usage_error("gram: --raw is refused: the analysis is for the normalized "
                                   "activation");
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_usage_error("gram: unknown option '%s' (see dualact gram --help)", a);
        } else if (act_s) {
            return cli_usage_error("gram: one activation only (got '%s' and '%s')", act_s, a);
        } else {
            act_s = a;
        }
    }
    if (!act_s)
        return cli_usage_error("gram: no activation given (see dualact gram --help)");
    if (depth < 0)
        return cli_usage_error("gram: --depth L is required");
    o.depth = depth;
    da_act *act = NULL;
    int st = cli_act_new(&act, act_s);
    if (st)
        return st;
    da_gram_data *data = NULL;
    int rc = gram_cli_data(&data, file, sphere, separated, columns, (unsigned long)seed);
    if (rc) {
        da_act_free(act);
        return rc;
    }
    if (o.rank_k >= (long)data->n) {
        rc = cli_usage_error("--rank-k: %ld must be below the number of points %zu", o.rank_k,
                             data->n);
        goto done;
    }
    da_gram_layer *rows = calloc((size_t)depth + 1, sizeof *rows);
    if (!rows) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (isatty(2) && data->n >= 500)
        o.progress = show_progress;
    st = da_gram_analyze(rows, act, data, &o);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st) {
        free(rows);
        rc = cli_lib_error(st, act_s);
        if (st == DA_EINFINITE)   /* the NTK of an activation that jumps: an input error */
            rc = EXIT_USAGE;
        goto done;
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    const char *head[16];
    int nc = 0;
    char rkname[32], Rkname[32];
    snprintf(rkname, sizeof rkname, "r%ld", o.rank_k);
    snprintf(Rkname, sizeof Rkname, "R%ld", o.rank_k);
    head[nc++] = "layer";
    head[nc++] = "lambda_min";
    head[nc++] = "lambda_max";
    head[nc++] = "cond";
    head[nc++] = "max_offdiag";
    head[nc++] = "gershgorin";
    head[nc++] = "r0";
    head[nc++] = "R0";
    if (o.rank_k > 0) {
        head[nc++] = rkname;
        head[nc++] = Rkname;
    }
    head[nc++] = "entry_err";
    head[nc++] = "lambda_err";
    head[nc++] = "method";
    head[nc++] = "steps";
    da_table *t = da_table_new(nc, head);
    int unconverged = 0;
    for (long l = 0; l <= depth; l++) {
        da_gram_layer *g = &rows[l];
        char c[16][40];
        const char *cells[16];
        int k = 0;
        snprintf(c[k], 40, "%ld", g->layer), k++;
        gerr(c[k], 40, g->lambda_min, g->lambda_err), k++;
        gerr(c[k], 40, g->lambda_max, g->lambda_err), k++;
        gerr(c[k], 40, g->cond, g->lambda_min > g->lambda_err
                                    ? g->cond * g->lambda_err * (1 / (g->lambda_min - g->lambda_err) + 1 / g->lambda_max)
                                    : INFINITY), k++;
        g9(c[k], 40, g->max_offdiag), k++;
        g9(c[k], 40, g->gershgorin), k++;
        g9(c[k], 40, g->r0), k++;
        g9(c[k], 40, g->R0), k++;
        if (o.rank_k > 0) {
            g9(c[k], 40, g->rk), k++;
            g9(c[k], 40, g->Rk), k++;
        }
        snprintf(c[k], 40, "%.2e", g->entry_err), k++;
        snprintf(c[k], 40, "%.2e", g->lambda_err), k++;
        snprintf(c[k], 40, "%s", g->method == DA_GRAM_FULL ? "full" :
                                 g->iterations == 0 ? "gershgorin" :
                                 g->converged ? "lanczos" : "lanczos*"), k++;
        snprintf(c[k], 40, "%ld", g->iterations), k++;
        for (int q = 0; q < k; q++)
            cells[q] = c[q];
        da_table_add_row(t, cells);
        if (!g->converged)
            unconverged = 1;
    }
    char desc[600], comment[900];
    gram_cli_describe(desc, sizeof desc, data);
    snprintf(comment, sizeof comment, "%s %s kernel of %s; %.2f s", act_s,
             o.ntk ? "normalized NTK" : "top-layer (NNGP)", desc, secs);
    da_table_set_comment(t, comment);
    char *s = NULL;
    st = da_table_render(&s, t, fmt);
    da_table_free(t);
    free(rows);
    if (st) {
        rc = cli_lib_error(st, "gram");
        goto done;
    }
    fputs(s, out);
    free(s);
    if (unconverged) {
        fprintf(stderr, "dualact: gram: Lanczos did not reach the tolerance at some layers "
                "(method lanczos*): see lambda_err, or use --spectrum\n");
        rc = EXIT_ACCURACY;
    }
done:
    da_gram_data_free(data);
    da_act_free(act);
    return rc;
}
