/* cmd_gram.c -- dualact gram ACT : the kernel matrix of a data set over
 * depth: extreme eigenvalues, condition number, Gershgorin, effective
 * ranks.  Also the data-set options shared with dualact simulate. */
#include "cli.h"
#include <errno.h>
#include <stdint.h>
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: dualact gram ACT (--data FILE | --sphere N,d | --separated N,d,delta)\n"
    "                    --depth L [--ntk] [--rank-k K] [--spectrum] [--seed S]\n"
    "                    [--columns LIST] [--header] [--tol T] [--format text|csv|json|markdown|latex]\n"
    "       dualact gram ACT (DATA) --depth L --sw2 S --sb2 B [--param ntk|standard]\n"
    "                    [--width W] [--prove-max N] [--threads N] [--format F]\n"
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
    "  --header       the first line is a header whatever it holds (without it,\n"
    "                 a first line is a header only when every selected field\n"
    "                 is a name: 'x1', 'petal_length', not '150' or 'nan')\n"
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
    "[rK,RK,] entry_err,lambda_err,method,steps,bound.  Double precision:\n"
    "entry_err bounds the error of every entry (libm assumed within 4 ulp);\n"
    "lambda_err estimates that of the eigenvalues; bound is 'estimate'\n"
    "(docs/analysis.md).  A '#' line says how the data were read.\n"
    "\n"
    "  --sw2 S, --sb2 B  the network Dense(S, B), (ACT, Dense(S, B)) x L of\n"
    "                 dualact kernel (sigma as given, input kernel x.x'/d of the\n"
    "                 unit rows): the NNGP and NTK Gram matrices instead\n"
    "  --param P      ntk (default) or standard (neural-tangents' conventions)\n"
    "  --width W      hidden width for --param standard (default 1)\n"
    "  --prove-max N  prove the eigenvalue bounds up to N points (default 40;\n"
    "                 above: estimate)\n"
    "  --threads N    threads of the kernel-matrix engine (default: all cores;\n"
    "                 the results do not depend on it)\n"
    "  Columns then: layer,lambda_min,lambda_max,cond (of the NNGP, double,\n"
    "  estimates),entry_err,ntk_lambda_min,ntk_lambda_max,ntk_cond,\n"
    "  cond_lo,cond_hi,ntk_cond_lo,ntk_cond_hi (proved enclosures of kappa when\n"
    "  bound is rigorous),bound.\n"
    "Exit status: 0 success, 2 usage or input error, 3 Lanczos did not converge.\n";

/* Read all of f into *buf; 0, or -1 (read error), -2 (out of memory) or
   -3 (more than CLI_MAX_DATA_BYTES). */
static int read_all(FILE *f, char **buf, size_t *len)
{
    size_t cap = 1 << 16;
    *len = 0;
    *buf = malloc(cap);
    if (!*buf)
        return -2;
    for (;;) {
        if (*len >= CLI_MAX_DATA_BYTES)
            return -3;
        if (*len == cap) {
            char *t = cap <= SIZE_MAX / 2 ? realloc(*buf, cap * 2) : NULL;
            if (!t)
                return -2;
            cap *= 2;
            *buf = t;
        }
        size_t r = fread(*buf + *len, 1, cap - *len, f);
        *len += r;
        if (r == 0)
            break;
    }
    return ferror(f) ? -1 : 0;
}

/* --header: the first line that is not empty and not a '#' comment is a
   header whatever it holds ("150,4,setosa,versicolor,virginica" in
   scikit-learn's files): it becomes a comment.  Returns whether there was
   one. */
static int drop_first_line(char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        i = 3;
    while (i < len) {
        size_t j = i;
        while (j < len && (buf[j] == ' ' || buf[j] == '\t'))
            j++;
        if (j < len && buf[j] != '\n' && buf[j] != '\r' && buf[j] != '#') {
            buf[j] = '#';
            return 1;
        }
        while (j < len && buf[j] != '\n' && buf[j] != '\r')
            j++;
        i = j + 1;
    }
    return 0;
}

/* shared with cmd_simulate.c: build the data set from the options */
int gram_cli_data(da_gram_data **data, const cli_data_opts *opt)
{
    const char *file = opt->file, *sphere = opt->sphere, *separated = opt->separated,
               *columns = opt->columns;
    int header = opt->header;
    unsigned long seed = (unsigned long)opt->seed;
    int nsrc = (file != NULL) + (sphere != NULL) + (separated != NULL);
    if (nsrc != 1)
        return cli_usage_error("give exactly one of --data, --sphere, --separated");
    if (columns && !file)
        return cli_usage_error("--columns applies to --data only");
    if (header && !file)
        return cli_usage_error("--header applies to --data only");
    int st;
    if (file) {
        int in = !strcmp(file, "-");
        const char *base = in ? "stdin" : strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        FILE *f = in ? stdin : fopen(file, "rb");
        if (!f)
            return cli_usage_error("cannot open '%s': %s", file, strerror(errno));
        char *buf = NULL;
        size_t len = 0;
        int r = read_all(f, &buf, &len);
        int e = errno;
        if (!in)
            fclose(f);
        if (r) {
            free(buf);
            if (r == -2)
                return cli_usage_error("%s: out of memory after reading %.0f MB", base,
                                       (double)len / 1e6);
            if (r == -3)
                return cli_usage_error("%s: more than %zu MB of data, the limit for --data",
                                       base, CLI_MAX_DATA_BYTES >> 20);
            return cli_usage_error("cannot read '%s': %s", in ? "stdin" : file, strerror(e));
        }
        int dropped = header && drop_first_line(buf, len);
        st = da_gram_data_parse(data, buf, len, base, columns);
        free(buf);
        if (!st && dropped)
            (*data)->had_header = 1;
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

/* a proved bound v printed with 9 significant digits, rounded down (up = 0)
   or up, so the printed number is still a bound */
static void gdir(char *b, size_t n, double v, int up)
{
    if (!isfinite(v) || v == 0) {
        g9(b, n, v);
        return;
    }
    double step = pow(10, floor(log10(fabs(v))) - 8);
    double x = up ? ceil(v / step) * step : floor(v / step) * step;
    for (int i = 0; i < 4; i++) {
        snprintf(b, n, "%.9g", x);
        double p = strtod(b, NULL);
        if (up ? p >= v : p <= v)
            return;
        x += up ? step : -step;
    }
    snprintf(b, n, "%.17g", v);
}

/* --sw2 --sb2: the network's NNGP and NTK Gram matrices (lib/analysis/gram_net.c) */
static int gram_network(FILE *out, const da_act *act, const char *act_s, const da_gram_data *data,
                        long depth, double sw2, double sb2, int param, long width,
                        size_t prove_max, int threads, da_table_format fmt)
{
    da_netk_net net;
    da_netk_net_init(&net);
    net.depth = depth;
    net.param = param;
    net.width = width;
    da_ball_init2(&net.sw2, 64);
    da_ball_init2(&net.sb2, 64);
    mpfr_set_d(net.sw2.mid, sw2, MPFR_RNDN);
    mpfr_set_zero(net.sw2.rad, 1);
    mpfr_set_d(net.sb2.mid, sb2, MPFR_RNDN);
    mpfr_set_zero(net.sb2.rad, 1);
    da_gram_net_opts go;
    da_gram_net_opts_init(&go);
    go.prove_max = prove_max;
    go.threads = threads;
    da_gram_net_layer *rows = calloc((size_t)depth + 1, sizeof *rows);
    int rc = 0;
    double n = (double)data->n;
    /* per layer: the engine's matrices and spectra, and (n <= prove_max)
       each of the n (n + 1) / 2 pairs of points again as balls through
       da_netk_network: about 1.3e-4 s per pair and layer with a closed
       form (relu, 40 points: 10 s for 100 layers), 5e-3 s on the series
       path (tanh, 10 points: 5 s for 20 layers), on a 2-core machine */
    double per_pair = 0;
    if (data->n <= prove_max) {
        da_netk *k = NULL;
        per_pair = da_netk_new(&k, act, NULL) == DA_OK && da_netk_closed(k) ? 1.5e-4 : 6e-3;
        da_netk_free(k);
    }
    rc = cli_check_time((double)(depth + 1) * (n * n * 1e-6 + n * n * n * 1e-8 +
                                               0.5 * n * (n + 1) * per_pair),
                        "gram --sw2", "use fewer points or layers");
    int st = rc || !rows ? DA_ENOMEM : da_gram_network(rows, act, data, &net, &go);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    if (rc || st) {
        free(rows);
        return rc ? rc : cli_lib_error(st, act_s);
    }
    const char *head[] = {"layer", "lambda_min", "lambda_max", "cond", "entry_err",
                          "ntk_lambda_min", "ntk_lambda_max", "ntk_cond", "cond_lo", "cond_hi",
                          "ntk_cond_lo", "ntk_cond_hi", "bound"};
    int nc = (int)(sizeof head / sizeof *head);
    da_table *t = NULL;
    da_table_new(&t, nc, head);   /* a failure shows at the render */
    int all = 1;
    char reason[300] = "";
    for (long l = 0; l <= depth; l++) {
        da_gram_net_layer *g = &rows[l];
        char c[13][40];
        const char *cells[13];
        snprintf(c[0], 40, "%ld", g->layer);
        g9(c[1], 40, g->nngp.lambda_min);
        g9(c[2], 40, g->nngp.lambda_max);
        g9(c[3], 40, g->nngp.cond);
        snprintf(c[4], 40, "%.2e", g->entry_err);
        g9(c[5], 40, g->ntk.lambda_min);
        g9(c[6], 40, g->ntk.lambda_max);
        g9(c[7], 40, g->ntk.cond);
        gdir(c[8], 40, g->nngp.cond_lo, 0);
        gdir(c[9], 40, g->nngp.cond_hi, 1);
        gdir(c[10], 40, g->ntk.cond_lo, 0);
        gdir(c[11], 40, g->ntk.cond_hi, 1);
        snprintf(c[12], 40, "%s", cli_bound_kind(g->proved));
        for (int q = 0; q < nc; q++)
            cells[q] = c[q];
        da_table_add_row(t, cells);
        if (!g->proved) {
            if (all)
                snprintf(reason, sizeof reason, "layer %ld: %s", l, g->bound_reason);
            all = 0;
        }
    }
    char desc[600], comment[1200];
    gram_cli_describe(desc, sizeof desc, data);
    snprintf(comment, sizeof comment,
             "%s network Gram matrices (sw2 %g, sb2 %g, %s parameterisation) of %s; "
             "lambda_*, cond: double, estimates; cond_lo..cond_hi proved (rounded outwards) when bound = rigorous",
             act_s, sw2, sb2, param == DA_NETK_PARAM_NTK ? "NTK" : "standard", desc);
    da_table_set_comment(t, comment);
    char *s = NULL;
    st = da_table_render(&s, t, fmt);
    da_table_free(t);
    free(rows);
    if (st)
        return cli_lib_error(st, "gram");
    fputs(s, out);
    free(s);
    if (fmt == DA_TABLE_TEXT)
        cli_print_bound(out, all, reason);
    return 0;
}

/* --param ntk|standard */
static int parse_param(const cli_opt *opt, const char *v)
{
    if (!strcmp(v, "ntk"))
        *(int *)opt->ptr = DA_NETK_PARAM_NTK;
    else if (!strcmp(v, "standard"))
        *(int *)opt->ptr = DA_NETK_PARAM_STANDARD;
    else
        return cli_usage_error("--param: ntk or standard, not '%s'", v);
    return EXIT_OK;
}

int cmd_gram(int argc, char **argv, FILE *out)
{
    cli_data_opts dop = {.seed = 1};
    long depth = -1, width = 1, prove_max = 40, threads = 0;
    int param = DA_NETK_PARAM_NTK, have_sw2 = 0, have_sb2 = 0, have_param = 0;
    double sw2 = 1, sb2 = 0;
    da_gram_opts o;
    da_gram_opts_init(&o);
    da_table_format fmt = DA_TABLE_TEXT;
    const cli_opt opts[] = {
        CLI_DATA_OPTS(&dop),
        CLI_OPT("--depth", CLI_LONG, &depth, .lo = 0, .hi = 100000),
        CLI_OPT("--rank-k", CLI_LONG, &o.rank_k, .lo = 0, .hi = 100000),
        CLI_OPT("--tol", CLI_DOUBLE, &o.lanczos_tol, .lo = 1e-15, .hi = 0.1),
        CLI_OPT("--format", CLI_TABLE_FORMAT, &fmt),
        CLI_OPT("--sw2", CLI_DOUBLE, &sw2, .lo = 0, .hi = 1e6, .seen = &have_sw2),
        CLI_OPT("--sb2", CLI_DOUBLE, &sb2, .lo = 0, .hi = 1e6, .seen = &have_sb2),
        CLI_OPT("--param", CLI_CALL, &param, .call = parse_param, .seen = &have_param),
        CLI_OPT("--width", CLI_LONG, &width, .lo = 1, .hi = 1000000000L),
        CLI_OPT("--prove-max", CLI_LONG, &prove_max, .lo = 0, .hi = 2000),
        CLI_OPT("--threads", CLI_LONG, &threads, .lo = 1, .hi = 1024),
        CLI_OPT("--ntk", CLI_FLAG, &o.ntk, .ival = 1),
        CLI_OPT("--spectrum", CLI_FLAG, &o.spectrum, .ival = 1),
        CLI_OPT("--raw", CLI_REFUSE, NULL,
                .text = "gram: --raw is refused: the analysis is for the normalized activation"),
        CLI_OPT_END};
    const char *act_s;
    int prc = cli_parse_act(&act_s, "gram", usage, opts, CLI_ONE_GOT, argc, argv, out);
    if (prc || !act_s)
        return prc;
    if (depth < 0)
        return cli_usage_error("gram: --depth L is required");
    o.depth = depth;
    if (have_sw2 != have_sb2)
        return cli_usage_error("gram: --sw2 and --sb2 go together");
    if (have_param && !have_sw2)
        return cli_usage_error("gram: --param needs --sw2 and --sb2");
    if (threads && !have_sw2)
        return cli_usage_error("gram: --threads applies with --sw2 and --sb2");
    da_act *act = NULL;
    int st = cli_act_new(&act, act_s);
    if (st)
        return st;
    da_gram_data *data = NULL;
    int rc = gram_cli_data(&data, &dop);
    if (rc) {
        da_act_free(act);
        return rc;
    }
    if (have_sw2) {
        if (o.ntk || o.rank_k || o.spectrum)
            rc = cli_usage_error("gram: --ntk, --rank-k, --spectrum do not apply with --sw2 "
                                 "(both kernels are shown)");
        else if (data->n > 2000)
            rc = cli_usage_error("gram --sw2: at most 2000 points (full spectrum)");
        else
            rc = gram_network(out, act, act_s, data, depth, sw2, sb2, param, width,
                              (size_t)prove_max, (int)threads, fmt);
        goto done;
    }
    if (o.rank_k >= (long)data->n) {
        rc = cli_usage_error("--rank-k: %ld must be below the number of points %zu", o.rank_k,
                             data->n);
        goto done;
    }
    {
        /* memory: the n x n kernel, the NTK's, the copy the full
           eigensolver destroys, the Lanczos basis (up to 1000 vectors) */
        double n = (double)data->n;
        int full = o.spectrum == 1 || data->n <= 400;
        double lz = full ? 0 : (n < 1000 ? n : 1000) + 1;
        double bytes = 8 * (n * n * (1 + o.ntk + full) + lz * n + n * (double)data->dim + 8 * n);
        char what[96];
        snprintf(what, sizeof what, "gram: the kernel matrix of %zu points", data->n);
        rc = cli_check_memory(bytes, what, "use fewer points");
        /* time, from rates measured on a 2-core machine: the full spectrum
           about 3e-10 n^3 s per layer; the entries and a few Lanczos steps
           1e-7 n^2 s per layer (twice with --ntk), plus 5e-7 n^2 s for the
           layers where Lanczos needs hundreds of steps */
        if (!rc && full)
            rc = cli_check_time((double)(depth + 1) * n * n * n * 3e-10, what,
                                "leave out --spectrum (Lanczos)");
        else if (!rc)
            rc = cli_check_time((double)(depth + 1) * n * n * 1e-7 * (1 + o.ntk) + n * n * 5e-7,
                                what, "use fewer points or layers");
        if (rc)
            goto done;
    }
    da_gram_layer *rows = calloc((size_t)depth + 1, sizeof *rows);
    if (!rows) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (cli_progress_wanted() && data->n >= 500)
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
    head[nc++] = "bound";   /* later columns go after this one (the CSV contract) */
    da_table *t = NULL;
    da_table_new(&t, nc, head);   /* a failure shows at the render */
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
        /* double-precision entries (libm assumed within 4 ulp) and the
           solver's error estimates: not proofs (--sw2 proves small n) */
        snprintf(c[k], 40, "estimate"), k++;
        for (int q = 0; q < k; q++)
            cells[q] = c[q];
        da_table_add_row(t, cells);
        if (!g->converged)
            unconverged = 1;
    }
    char desc[600], comment[900];
    gram_cli_describe(desc, sizeof desc, data);
    snprintf(comment, sizeof comment,
             "%s %s kernel of %s; bound estimate (double precision, libm assumed within 4 ulp; "
             "eigenvalue errors estimated); %.2f s", act_s,
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
