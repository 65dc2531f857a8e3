/* cmd_plot.c -- dualact plot KIND ACT... : figures (SVG, pgfplots, gnuplot)
 * of the dual activation and its iterates, the correlation map over depth,
 * the low-degree mass over depth, a lower bound on lambda_min over depth,
 * and the mean-field phase diagram.  The numbers come from the public API
 * in double precision (plots are for the eye); the file is written to a
 * temporary name and renamed, so an error never leaves half a figure. */
#include "cli.h"
#include "report/escape.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: dualact plot KIND ACT... [-o FILE] [--format svg|pgf|gnuplot]\n"
    "                    [--depth L|LIST] [--rho LIST] [--k LIST] [--delta LIST]\n"
    "                    [--n N] [--dim d] [--seed S] [--bound-only] [--ntk]\n"
    "                    [--logy|--linear] [--raw] [--normalized]\n"
    "                    [--sb2-max V] [--sw2-max V] [--title T] [--size WxH]\n"
    "                    [--legend auto|ne|nw|se|sw|outside|none]\n"
    "\n"
    "A figure of one of these KINDs, for each activation ACT (a catalogue\n"
    "name or a formula in x; normalized unless --raw, except for phase):\n"
    "\n"
    "  dual     sigma_hat and its iterates sigma_hat^(oL) on [-1, 1], with the\n"
    "           diagonal; --depth L draws L = 1..L, --depth 1,2,5 a list\n"
    "           (default 1..3 for one activation, 1 for several)\n"
    "  iterate  rho_l against the layer l, l = 0..L (--depth, default 20), one\n"
    "           curve per rho_0 in --rho (default 0.99,0.9,0.5,0.1,-0.5);\n"
    "           --ntk: the normalized NTK Theta_l(rho_0)/Theta_l(1) instead;\n"
    "           --logy: |rho_l| on a log scale\n"
    "  mass     W_{<=k}(L), the share of a random depth-L network's variance on\n"
    "           polynomials of degree <= k, against L = 0..L (--depth, default\n"
    "           20), one curve per k in --k (default 1,2,3); log scale unless\n"
    "           --linear (normalized activations only)\n"
    "  lambda   lambda_min of the depth-L kernel matrix K^(L) of n random\n"
    "           delta-separated unit vectors in R^d (--n, default 200; --dim,\n"
    "           default 50; --seed, default 1), against L = 0..L (--depth,\n"
    "           default 60), beside the worst-pair Gershgorin lower bound\n"
    "           1 - (n-1) sigma_hat^(oL)(1-delta) that holds for every such data\n"
    "           set; one pair of curves per delta in --delta (default 0.1);\n"
    "           --ntk: the normalized NTK too; --bound-only: the bound alone\n"
    "           (any n)\n"
    "  phase    the mean-field order/chaos boundary chi_1 = 1 in the\n"
    "           (sigma_w^2, sigma_b^2) plane, sigma_b^2 in [0, --sb2-max]\n"
    "           (default 2), sigma_w^2 axis up to --sw2-max (default: automatic);\n"
    "           sigma as given, as in 'dualact meanfield' (--normalized: the\n"
    "           normalized sigma)\n"
    "\n"
    "  -o FILE       the output file ('-': standard output, the default)\n"
    "  --format F    svg (drawn by dualact), pgf (a pgfplots tikzpicture to\n"
    "                \\input) or gnuplot (data and script: gnuplot FILE); the\n"
    "                default follows the extension of FILE (.svg, .tex/.pgf,\n"
    "                .gp/.gnuplot/.plt), else svg\n"
    "  --title T     replace the title ('' for none)\n"
    "  --size WxH    the SVG size in pixels (default 640x440)\n"
    "  --legend P    where the legend goes (default auto: an inside corner that\n"
    "                hides no curve, else outside on the right)\n"
    "\n"
    "Values are computed in double precision (sigma_hat by its closed form or\n"
    "the Hermite series of the dual module; W_{<=k} by the learnability\n"
    "module), accurate far beyond the resolution of a figure; a plot carries no\n"
    "error bars.  Exit status: 0 success, 2 usage or input error (no file is\n"
    "written), 3 accuracy not reached (the figure is written).\n";

enum { K_DUAL, K_ITERATE, K_MASS, K_LAMBDA, K_PHASE };

typedef struct {
    double *v;
    int n;
} list;

/* "a,b,c" of doubles in [lo, hi]; on an error the list is empty (NULL) */
static int parse_list(list *l, const char *s, double lo, double hi, const char *what)
{
    l->n = 0;
    l->v = NULL;
    if (!s || !*s)
        return cli_usage_error("%s: missing value", what);
    int cap = 1;
    for (const char *c = s; *c; c++)
        cap += *c == ',';
    l->v = malloc((size_t)cap * sizeof *l->v);
    if (!l->v)
        return cli_usage_error("out of memory");
    char *dup = strdup(s);
    if (!dup) {
        free(l->v);
        l->v = NULL;
        return cli_usage_error("out of memory");
    }
    char *save = NULL;
    int rc = 0;
    char *tok = strtok_r(dup, ",", &save);
    if (!tok)
        rc = cli_usage_error("%s: missing value", what);
    for (; tok && !rc; tok = strtok_r(NULL, ",", &save))
        rc = cli_parse_double(tok, lo, hi, &l->v[l->n++], what);
    /* "1,,2" and a trailing comma are errors too */
    if (!rc && (strstr(s, ",,") || s[0] == ',' || s[strlen(s) - 1] == ','))
        rc = cli_usage_error("%s: empty entry in '%s'", what, s);
    free(dup);
    if (rc) {
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
    return rc;
}

static const char *kind_names[] = {"dual", "iterate", "mass", "lambda", "phase"};

/* a number for a label: %g, short */
static void num(char *b, size_t n, double v)
{
    snprintf(b, n, "%g", v);
}

/* an activation as LaTeX text (the formula characters escaped) */
static void tex_act(char *x, size_t xn, const char *act)
{
    size_t k = 0;
    for (const char *c = act; *c && k + 20 < xn; c++) {
        char one[2] = {*c, 0};
        const char *r = da_tex_escape_char(*c, DA_TEX_BAR);
        if (!r)
            r = one;
        size_t l = strlen(r);
        memcpy(x + k, r, l);
        k += l;
    }
    x[k] = 0;
}

/* the label of curve (activation j, parameter text) */
static void series_label(char *t, size_t tn, char *x, size_t xn, int nacts, const char *act,
                         const char *ptext, const char *ptex)
{
    if (nacts > 1 && ptext) {
        snprintf(t, tn, "%s, %s", act, ptext);
        tex_act(x, xn / 2, act);
        size_t k = strlen(x);
        snprintf(x + k, xn - k, ", %s", ptex ? ptex : ptext);
    } else if (nacts > 1) {
        snprintf(t, tn, "%s", act);
        x[0] = 0;
    } else {
        snprintf(t, tn, "%s", ptext ? ptext : act);
        snprintf(x, xn, "%s", ptex ? ptex : "");
    }
}

/* The temporary file of write_file, removed by the signal handler when
   SIGINT, SIGTERM or SIGHUP arrives while it exists. */
static char *volatile tmp_live;

static void tmp_on_signal(int sig)
{
    char *t = tmp_live;
    if (t)
        unlink(t);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* write all of text[0..len) to fd; 0 or an errno value */
static int write_all(int fd, const char *text, size_t len)
{
    while (len) {
        ssize_t w = write(fd, text, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return EIO;
        text += w;
        len -= (size_t)w;
    }
    return 0;
}

/* A test hook: DUALACT_TEST_WRITE_PAUSE=S holds the temporary file for S
   seconds, so that tests can send a signal while it exists. */
static void test_pause(void)
{
    const char *s = getenv("DUALACT_TEST_WRITE_PAUSE");
    if (s && *s) {
        int n = atoi(s);
        for (int i = 0; i < n * 10 && i < 600; i++)
            usleep(100000);
    }
}

/* Write text to path.
   - A regular file (or a new one) is replaced atomically: a temporary file
     in the same directory, with the mode (and, where allowed, the owner) of
     the file it replaces, renamed on success, removed on failure or on
     SIGINT/SIGTERM/SIGHUP.  A symbolic link is followed: its target is
     replaced, the link stays.
   - A regular file with several hard links is rewritten in place, so that
     every name keeps seeing it; the space is reserved first
     (posix_fallocate), so a full disk leaves the old contents.
   - Other targets (a device such as /dev/null, a FIFO, a socket) are opened
     and written to, never replaced; a directory is refused. */
static int write_file(const char *path, const char *text)
{
    size_t len = strlen(text);
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return cli_usage_error("cannot write '%s': %s", path, strerror(errno));
    if (!exists) {
        struct stat lst;
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            return cli_usage_error("cannot write '%s': a symbolic link to a missing file", path);
    }
    if (exists && S_ISDIR(st.st_mode))
        return cli_usage_error("cannot write '%s': %s", path, strerror(EISDIR));
    if (exists && !S_ISREG(st.st_mode)) {
        /* write through: a device, a FIFO */
        int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return cli_usage_error("cannot write '%s': %s", path, strerror(errno));
        int e = write_all(fd, text, len);
        if (close(fd) != 0 && !e)
            e = errno;
        if (e)
            return cli_usage_error("cannot write '%s': %s", path, strerror(e));
        return 0;
    }
    if (exists && st.st_nlink > 1) {
        /* hard links: in place, space reserved first */
        int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return cli_usage_error("cannot write '%s': %s", path, strerror(errno));
        int e = len ? posix_fallocate(fd, 0, (off_t)len) : 0;
        if (e == EOPNOTSUPP || e == EINVAL)
            e = 0;   /* the file system cannot reserve: write anyway */
        if (!e && lseek(fd, 0, SEEK_SET) != 0)
            e = errno;
        if (!e)
            e = write_all(fd, text, len);
        if (!e && ftruncate(fd, (off_t)len) != 0)
            e = errno;
        if (close(fd) != 0 && !e)
            e = errno;
        if (e)
            return cli_usage_error("cannot write '%s': %s", path, strerror(e));
        return 0;
    }
    /* the real name: a symbolic link is followed, not replaced */
    char *real = NULL;
    if (exists) {
        real = realpath(path, NULL);
        if (!real)
            return cli_usage_error("cannot write '%s': %s", path, strerror(errno));
    } else {
        real = strdup(path);
        if (!real)
            return cli_usage_error("out of memory");
    }
    size_t pl = strlen(real);
    char *tmp = malloc(pl + 16);
    if (!tmp) {
        free(real);
        return cli_usage_error("out of memory");
    }
    snprintf(tmp, pl + 16, "%s.tmpXXXXXX", real);
    struct sigaction sa, old[3];
    const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tmp_on_signal;
    sigemptyset(&sa.sa_mask);
    sigset_t block, prev;
    sigemptyset(&block);
    for (int i = 0; i < 3; i++)
        sigaddset(&block, sigs[i]);
    /* no signal between creating the file and recording its name */
    sigprocmask(SIG_BLOCK, &block, &prev);
    for (int i = 0; i < 3; i++) {
        sigaction(sigs[i], NULL, &old[i]);
        /* a signal ignored by our parent (nohup, a background job) stays so */
        if (old[i].sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    int e = fd < 0 ? errno : 0;
    if (fd >= 0)
        tmp_live = tmp;
    sigprocmask(SIG_SETMASK, &prev, NULL);
    if (!e) {
        mode_t mode;
        if (exists) {
            mode = st.st_mode & 07777;
            if (fchown(fd, st.st_uid, st.st_gid) != 0) {
                /* not ours to give away: the file gets our owner */
            }
        } else {
            mode_t um = umask(0);
            umask(um);
            mode = 0666 & ~um;
        }
        if (fchmod(fd, mode) != 0) {
            /* not fatal: the file keeps mode 0600 */
        }
        e = write_all(fd, text, len);
        test_pause();
        if (close(fd) != 0 && !e)
            e = errno;
        if (!e && rename(tmp, real) != 0)
            e = errno;
        if (e)
            unlink(tmp);
    }
    sigprocmask(SIG_BLOCK, &block, &prev);
    tmp_live = NULL;
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    free(tmp);
    free(real);
    if (e)
        return cli_usage_error("cannot write '%s': %s", path, strerror(e));
    return 0;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

typedef struct {
    int kind;
    const char *outpath;
    int format;           /* -1: from the extension */
    const char *title;
    int has_title;
    const char *depth_s, *rho_s, *k_s, *delta_s;
    long n;
    int ntk, logy, linear, raw, normalized, bound_only;
    long dim;
    unsigned long seed;
    double sb2_max, sw2_max;
    int width, height;
    int legend;
    const char **acts;
    int nacts;
} plot_opts;

/* sigma_hat of activation j in double */
typedef struct {
    da_act *act;
    da_dual *d;
} dual_item;

static double fval(const dual_item *it, double rho, int k)
{
    if (!isfinite(rho) || rho < -1 || rho > 1) {
        /* round-off just past +-1 */
        if (isfinite(rho) && fabs(rho) <= 1 + 1e-12)
            rho = rho > 0 ? 1 : -1;
        else
            return NAN;
    }
    double v;
    da_dual_eval_d(&v, NULL, it->d, rho, k);   /* NaN or Inf on failure */
    return v;
}

static int depth_list(list *l, const char *s, long def_hi, long max)
{
    if (!s) {
        l->n = (int)def_hi;
        l->v = malloc((size_t)def_hi * sizeof *l->v);
        if (!l->v)
            return cli_usage_error("out of memory");
        for (long i = 0; i < def_hi; i++)
            l->v[i] = (double)(i + 1);
        return 0;
    }
    if (!strchr(s, ',')) {
        long L;
        if (cli_parse_long(s, 1, max, &L, "--depth"))
            return EXIT_USAGE;
        return depth_list(l, NULL, L, max);
    }
    if (parse_list(l, s, 1, (double)max, "--depth"))
        return EXIT_USAGE;
    for (int i = 0; i < l->n; i++)
        if (l->v[i] != floor(l->v[i])) {
            cli_usage_error("--depth: '%g' is not an integer", l->v[i]);
            free(l->v);
            l->v = NULL;
            l->n = 0;
            return EXIT_USAGE;
        }
    return 0;
}

/* The size of a figure, checked before any work (docs/manual.md,
 * "Limits"): at most PLOT_MAX_POINTS points in all its series (an SVG
 * takes about 14 bytes a point: 1e6 points are 14 MB, about 2 s), and for
 * plot dual at most PLOT_MAX_EVALS evaluations of the dual (401 points
 * times the sum of the depths; about 3e-8 s each). */
#define PLOT_MAX_POINTS 1000000.0
#define PLOT_MAX_EVALS 1e9

static int plot_size_check(const plot_opts *o)
{
    double points = 0, evals = 0;
    const char *hint = NULL;
    char h[96];
    if (o->kind == K_DUAL) {
        list L = {0};
        if (depth_list(&L, o->depth_s, o->nacts > 1 ? 1 : 3, 1000))
            return EXIT_USAGE;
        double sum = 0;
        for (int m = 0; m < L.n; m++)
            sum += L.v[m];
        points = 401.0 * (1.0 + (double)o->nacts * L.n);
        evals = 401.0 * (double)o->nacts * sum;
        free(L.v);
        hint = "fewer activations or depths";
    } else if (o->kind == K_ITERATE || o->kind == K_MASS || o->kind == K_LAMBDA) {
        /* series over the layers 0..depth: per activation, one for each
           value of the list (--rho; --k; --delta, with the bound and the
           measured values, both kernels with --ntk) */
        long def[3] = {20, 20, 60}, max[3] = {10000, 2000, 10000};
        int w = o->kind - K_ITERATE;
        long depth = def[w];
        if (o->depth_s && cli_parse_long(o->depth_s, 1, max[w], &depth, "--depth"))
            return EXIT_USAGE;
        const char *ls[3] = {o->rho_s, o->k_s, o->delta_s};
        const char *names[3] = {"--rho", "--k", "--delta"};
        double nv = w == 0 ? 5 : w == 1 ? 3 : 1;
        if (ls[w]) {
            nv = 1;
            for (const char *c = ls[w]; *c; c++)
                nv += *c == ',';
        }
        if (w == 2)
            nv *= 2 * (1 + o->ntk);
        points = (double)o->nacts * nv * (double)(depth + 1);
        snprintf(h, sizeof h, "fewer activations or %s values, or a smaller --depth", names[w]);
        hint = h;
    } else {
        return 0;
    }
    if (points > PLOT_MAX_POINTS)
        return cli_usage_error("plot %s: %.3g points in the figure, above the cap of %.0f; use %s",
                               kind_names[o->kind], points, PLOT_MAX_POINTS, hint);
    if (evals > PLOT_MAX_EVALS)
        return cli_usage_error("plot %s: %.3g evaluations of the dual, above the cap of %.0e; use %s",
                               kind_names[o->kind], evals, PLOT_MAX_EVALS, hint);
    return 0;
}

static int plot_dual(da_plot *p, const plot_opts *o, dual_item *it)
{
    list L = {0};
    if (depth_list(&L, o->depth_s, o->nacts > 1 ? 1 : 3, 1000))
        return EXIT_USAGE;
    int rc = 0;
    const int N = 401;
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    if (!x || !y) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (int i = 0; i < N; i++)
        x[i] = -1 + 2.0 * i / (N - 1);
    if (da_plot_add_series(p, "ρ (identity)", "$\\rho$ (identity)", x, x, (size_t)N) ||
        da_plot_series_style(p, da_plot_series_count(p) - 1, DA_PLOT_STYLE_REF, 0)) {
        rc = cli_lib_error(DA_ENOMEM, "plot");
        goto done;
    }
    for (int j = 0; j < o->nacts; j++)
        for (int m = 0; m < L.n; m++) {
            long depth = (long)L.v[m];
            for (int i = 0; i < N; i++) {
                double r = x[i];
                for (long l = 0; l < depth && isfinite(r); l++)
                    r = fval(&it[j], r, 0);
                y[i] = r;
            }
            char pt[64], px[64], t[512], tx[512];
            snprintf(pt, sizeof pt, "L = %ld", depth);
            snprintf(px, sizeof px, "$L = %ld$", depth);
            series_label(t, sizeof t, tx, sizeof tx, o->nacts, o->acts[j],
                         L.n > 1 ? pt : NULL, L.n > 1 ? px : NULL);
            if (da_plot_add_series(p, t, tx[0] ? tx : NULL, x, y, (size_t)N)) {
                rc = cli_lib_error(DA_ENOMEM, "plot");
                goto done;
            }
        }
    da_plot_set_xrange(p, -1, 1);
    da_plot_set_xlabel(p, "ρ", "$\\rho$");
    if (L.n == 1 && L.v[0] == 1) {
        da_plot_set_ylabel(p, "σ̂(ρ)", "$\\hat\\sigma(\\rho)$");
        da_plot_set_title(p, o->raw ? "Dual activation σ̂" : "Dual activation σ̂ (normalized)",
                          o->raw ? "Dual activation $\\hat\\sigma$"
                                 : "Dual activation $\\hat\\sigma$ (normalized)");
    } else {
        da_plot_set_ylabel(p, "σ̂^{∘L}(ρ)", "$\\hat\\sigma^{\\circ L}(\\rho)$");
        da_plot_set_title(p, o->raw ? "Dual activation σ̂ and its iterates σ̂^{∘L}"
                                    : "Normalized dual activation σ̂ and its iterates σ̂^{∘L}",
                          o->raw ? "Dual activation $\\hat\\sigma$ and its iterates"
                                 : "Normalized dual activation $\\hat\\sigma$ and its iterates");
    }
done:
    free(x);
    free(y);
    free(L.v);
    return rc;
}

static int plot_iterate(da_plot *p, const plot_opts *o, dual_item *it)
{
    long depth = 20;
    if (o->depth_s && cli_parse_long(o->depth_s, 1, 10000, &depth, "--depth"))
        return EXIT_USAGE;
    list R = {0};
    if (parse_list(&R, o->rho_s ? o->rho_s : "0.99,0.9,0.5,0.1,-0.5", -1, 1, "--rho"))
        return EXIT_USAGE;
    int rc = 0;
    double *x = malloc((size_t)(depth + 1) * sizeof *x), *y = malloc((size_t)(depth + 1) * sizeof *y);
    if (!x || !y) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (int j = 0; j < o->nacts && !rc; j++) {
        for (int m = 0; m < R.n; m++) {
            /* the iteration is the library's (da_kmap_iterate_d) */
            da_kmap_iterate_d(o->ntk ? NULL : y, o->ntk ? y : NULL, it[j].d, R.v[m], depth);
            for (long l = 0; l <= depth; l++) {
                x[l] = (double)l;
                if (o->logy)
                    y[l] = fabs(y[l]);
            }
            char pt[64], px[64], t[512], tx[512], nb[32];
            num(nb, sizeof nb, R.v[m]);
            snprintf(pt, sizeof pt, "ρ_{0} = %s", nb);
            snprintf(px, sizeof px, "$\\rho_0 = %s$", nb);
            series_label(t, sizeof t, tx, sizeof tx, o->nacts, o->acts[j], pt, px);
            if (da_plot_add_series(p, t, tx[0] ? tx : NULL, x, y, (size_t)depth + 1) ||
                da_plot_series_style(p, da_plot_series_count(p) - 1, DA_PLOT_STYLE_AUTO,
                                     depth <= 40)) {
                rc = cli_lib_error(DA_ENOMEM, "plot");
                goto done;
            }
        }
    }
    da_plot_set_xrange(p, 0, (double)depth);
    da_plot_set_xlabel(p, "layer l", "layer $l$");
    if (o->ntk) {
        da_plot_set_ylabel(p, o->logy ? "|Θ_{l}(ρ_{0})| / Θ_{l}(1)" : "Θ_{l}(ρ_{0}) / Θ_{l}(1)",
                           o->logy ? "$|\\Theta_l(\\rho_0)|/\\Theta_l(1)$"
                                   : "$\\Theta_l(\\rho_0)/\\Theta_l(1)$");
        da_plot_set_title(p, "Normalized NTK over depth", NULL);
    } else {
        da_plot_set_ylabel(p, o->logy ? "|ρ_{l}|" : "ρ_{l}", o->logy ? "$|\\rho_l|$" : "$\\rho_l$");
        da_plot_set_title(p, "Correlation map over depth: ρ_{l} = σ̂(ρ_{l−1})",
                          "Correlation map over depth: $\\rho_l = \\hat\\sigma(\\rho_{l-1})$");
    }
    if (o->logy)
        da_plot_set_ylog(p, 1);
    else if (!o->raw)
        da_plot_set_yrange(p, R.n && R.v[0] >= 0 ? NAN : -1, 1);
done:
    free(x);
    free(y);
    free(R.v);
    return rc;
}

static int plot_mass(da_plot *p, const plot_opts *o, dual_item *it)
{
    long depth = 20;
    if (o->raw)
        return cli_usage_error("plot mass: the degree spectrum is defined for the normalized "
                               "activation only (drop --raw)");
    if (o->depth_s && cli_parse_long(o->depth_s, 1, 2000, &depth, "--depth"))
        return EXIT_USAGE;
    list K = {0};
    if (parse_list(&K, o->k_s ? o->k_s : "1,2,3", 1, 1000, "--k"))
        return EXIT_USAGE;
    long kmax = 1;
    for (int m = 0; m < K.n; m++) {
        if (K.v[m] != floor(K.v[m])) {
            cli_usage_error("--k: '%g' is not an integer", K.v[m]);
            free(K.v);
            return EXIT_USAGE;
        }
        if (K.v[m] > kmax)
            kmax = (long)K.v[m];
    }
    int rc = 0;
    double *x = malloc((size_t)(depth + 1) * sizeof *x), *y = malloc((size_t)(depth + 1) * sizeof *y);
    da_ball b;
    da_ball_init2(b, 64);
    if (!x || !y) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (int j = 0; j < o->nacts; j++) {
        da_learn_spectrum *s = NULL;
        int st = da_learn_spectrum_new(&s, it[j].act, kmax, depth, 16);
        if (st == DA_EACCURACY) {
            cli_lib_error(st, o->acts[j]);
            rc = EXIT_ACCURACY;
        } else if (st) {
            rc = cli_lib_error(st, o->acts[j]);
            goto done;
        }
        for (int m = 0; m < K.n; m++) {
            long k = (long)K.v[m];
            for (long l = 0; l <= depth; l++) {
                x[l] = (double)l;
                if (da_learn_mass(b, s, l, k) || !mpfr_number_p(b->mid))
                    y[l] = NAN;
                else
                    y[l] = mpfr_get_d(b->mid, MPFR_RNDN);
            }
            char pt[64], px[64], t[512], tx[512];
            snprintf(pt, sizeof pt, "W_{≤%ld}", k);
            snprintf(px, sizeof px, "$W_{\\le %ld}$", k);
            series_label(t, sizeof t, tx, sizeof tx, o->nacts, o->acts[j], pt, px);
            if (da_plot_add_series(p, t, tx[0] ? tx : NULL, x, y, (size_t)depth + 1) ||
                da_plot_series_style(p, da_plot_series_count(p) - 1, DA_PLOT_STYLE_AUTO,
                                     depth <= 40)) {
                da_learn_spectrum_free(s);
                rc = cli_lib_error(DA_ENOMEM, "plot");
                goto done;
            }
        }
        da_learn_spectrum_free(s);
    }
    da_plot_set_xrange(p, 0, (double)depth);
    da_plot_set_xlabel(p, "depth L", "depth $L$");
    da_plot_set_ylabel(p, "W_{≤k}(L)", "$W_{\\le k}(L)$");
    da_plot_set_title(p, "Variance on degrees ≤ k of a random depth-L network",
                      "Variance on degrees $\\le k$ of a random depth-$L$ network");
    if (!o->linear) {
        da_plot_set_ylog(p, 1);
        da_plot_set_yrange(p, NAN, 1);
    } else {
        da_plot_set_yrange(p, 0, 1);
    }
done:
    da_ball_clear(b);
    free(x);
    free(y);
    free(K.v);
    return rc;
}

static int plot_lambda(da_plot *p, const plot_opts *o, dual_item *it)
{
    long depth = 60;
    if (o->depth_s && cli_parse_long(o->depth_s, 1, 10000, &depth, "--depth"))
        return EXIT_USAGE;
    list D = {0};
    if (parse_list(&D, o->delta_s ? o->delta_s : "0.1", 1e-12, 1, "--delta"))
        return EXIT_USAGE;
    if (!o->bound_only && o->n > 20000) {
        free(D.v);
        return cli_usage_error("plot lambda: --n %ld is too large for the kernel matrix "
                               "(at most 20000; --bound-only draws the bound alone)", o->n);
    }
    if (!o->bound_only) {
        /* the Gram analyses, one per activation and delta: as dualact gram
           estimates them (memory, and time from measured rates) */
        double n = (double)o->n, runs = (double)o->nacts * D.n;
        char what[96];
        snprintf(what, sizeof what, "plot lambda: %.0f kernel matrices of %ld points", runs, o->n);
        int rc0 = cli_check_memory(8 * n * n * (1 + o->ntk + (o->n <= 400)), what,
                                   "lower --n (--bound-only draws the bound alone)");
        if (!rc0)
            rc0 = cli_check_time(runs * ((double)(depth + 1) * n * n * 1e-7 * (1 + o->ntk) +
                                         n * n * 5e-7 + n * n * (double)o->dim * 2e-9),
                                 what, "lower --n or --depth, or use --bound-only");
        if (rc0) {
            free(D.v);
            return rc0;
        }
    }
    int rc = 0;
    size_t np = (size_t)depth + 1;
    double *x = malloc(np * sizeof *x), *y = malloc(np * sizeof *y);
    double *yn = malloc(np * sizeof *yn);
    da_gram_layer *rows = malloc(np * sizeof *rows);
    if (!x || !y || !yn || !rows) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    double nm1 = (double)(o->n - 1);
    for (int j = 0; j < o->nacts; j++)
        for (int m = 0; m < D.n; m++) {
            char nb[32];
            num(nb, sizeof nb, D.v[m]);
            for (int ntk = 0; ntk <= o->ntk; ntk++) {
                /* the measured lambda_min of n random delta-separated points */
                if (!o->bound_only) {
                    da_gram_data *data = NULL;
                    int st = da_gram_data_separated(&data, (size_t)o->n, (size_t)o->dim, D.v[m],
                                                    o->seed);
                    if (st) {
                        rc = cli_lib_error(st, "plot lambda: data");
                        goto done;
                    }
                    da_gram_opts go;
                    da_gram_opts_init(&go);
                    go.depth = depth;
                    go.ntk = ntk;
                    st = da_gram_analyze(rows, it[j].act, data, &go);
                    da_gram_data_free(data);
                    if (st) {
                        rc = cli_lib_error(st, o->acts[j]);
                        goto done;
                    }
                    for (long l = 0; l <= depth; l++) {
                        x[l] = (double)l;
                        y[l] = rows[l].lambda_min;
                    }
                    char pt[96], px[96], t[512], tx[512];
                    snprintf(pt, sizeof pt, "%sλ_{min}, δ = %s", ntk ? "NTK " : "", nb);
                    snprintf(px, sizeof px, "%s$\\lambda_{\\min}$, $\\delta = %s$", ntk ? "NTK " : "", nb);
                    series_label(t, sizeof t, tx, sizeof tx, o->nacts, o->acts[j], pt, px);
                    if (da_plot_add_series(p, t, tx[0] ? tx : NULL, x, y, np)) {
                        rc = cli_lib_error(DA_ENOMEM, "plot");
                        goto done;
                    }
                }
                /* the worst-pair Gershgorin bound: every off-diagonal entry
                   is at most k_L(1 - delta) in absolute value */
                /* k_L(1 - delta) from the library's iteration */
                da_kmap_iterate_d(ntk ? NULL : y, ntk ? y : NULL, it[j].d, 1 - D.v[m], depth);
                for (long l = 0; l <= depth; l++) {
                    x[l] = (double)l;
                    y[l] = l == 0 ? 1 - nm1 * (1 - D.v[m]) : 1 - nm1 * fabs(y[l]);
                }
                char pt[96], px[96], t[512], tx[512];
                snprintf(pt, sizeof pt, "%sbound, δ = %s", ntk ? "NTK " : "", nb);
                snprintf(px, sizeof px, "%sbound, $\\delta = %s$", ntk ? "NTK " : "", nb);
                series_label(t, sizeof t, tx, sizeof tx, o->nacts, o->acts[j], pt, px);
                if (da_plot_add_series(p, t, tx[0] ? tx : NULL, x, y, np)) {
                    rc = cli_lib_error(DA_ENOMEM, "plot");
                    goto done;
                }
            }
        }
    da_plot_set_xrange(p, 0, (double)depth);
    da_plot_set_yrange(p, 0, 1);
    da_plot_set_xlabel(p, "depth L", "depth $L$");
    da_plot_set_ylabel(p, "λ_{min} of the kernel matrix", "$\\lambda_{\\min}$ of the kernel matrix");
    char tt[200], ttx[240];
    if (o->bound_only) {
        snprintf(tt, sizeof tt, "Gershgorin bound 1 − (n−1)·σ̂^{∘L}(1−δ) on λ_{min}, n = %ld", o->n);
        snprintf(ttx, sizeof ttx, "Gershgorin bound $1-(n-1)\\,\\hat\\sigma^{\\circ L}(1-\\delta)$ "
                                  "on $\\lambda_{\\min}$, $n = %ld$", o->n);
    } else {
        snprintf(tt, sizeof tt, "λ_{min}: %ld random δ-separated points in d = %ld, and the bound",
                 o->n, o->dim);
        snprintf(ttx, sizeof ttx, "$\\lambda_{\\min}$: $%ld$ random $\\delta$-separated points "
                                  "in $d = %ld$, and the bound", o->n, o->dim);
    }
    da_plot_set_title(p, tt, ttx);
done:
    free(x);
    free(y);
    free(yn);
    free(rows);
    free(D.v);
    return rc;
}

static int plot_phase(da_plot *p, const plot_opts *o, dual_item *it)
{
    const int N = 25;
    int rc = 0;
    double x[25], y[25];
    double lo_mid = INFINITY, hi_mid = 0, hi_all = 0;
    for (int j = 0; j < o->nacts; j++) {
        da_meanfield *mf = NULL;
        int st = da_meanfield_new(&mf, it[j].act, o->normalized);
        if (st)
            return cli_lib_error(st, o->acts[j]);
        for (int i = 0; i < N; i++) {
            /* denser near sigma_b^2 = 0, where boundaries bend most */
            double u = (double)i / (N - 1);
            double sb2 = o->sb2_max * u * u, sw2, err;
            y[i] = sb2;
            /* seconds for some activations: progress on a terminal only */
            if (cli_progress_wanted()) {
                fprintf(stderr, "\rdualact plot phase: %d/%d boundary points", j * N + i + 1,
                        o->nacts * N);
                if (j == o->nacts - 1 && i == N - 1)
                    fprintf(stderr, "\r%50s\r", "");
                fflush(stderr);
            }
            st = da_meanfield_critical(&sw2, &err, mf, sb2);
            if (st == DA_OK && isfinite(sw2)) {
                x[i] = sw2;
                if (sw2 > hi_all)
                    hi_all = sw2;
                if (i == (int)(N * 0.7)) {
                    lo_mid = fmin(lo_mid, sw2);
                    hi_mid = fmax(hi_mid, sw2);
                }
            } else if (st == DA_OK || st == DA_EDOM || st == DA_EACCURACY) {
                x[i] = NAN;
            } else {
                da_meanfield_free(mf);
                if (cli_progress_wanted())
                    fprintf(stderr, "\r%50s\r", "");
                return cli_lib_error(st, o->acts[j]);
            }
        }
        da_meanfield_free(mf);
        char t[512], tx[512];
        series_label(t, sizeof t, tx, sizeof tx, 2, o->acts[j], NULL, NULL);
        if (da_plot_add_series(p, t, NULL, x, y, (size_t)N))
            return cli_lib_error(DA_ENOMEM, "plot");
    }
    if (hi_all == 0)
        return cli_usage_error("plot phase: no order-to-chaos transition found for %s "
                               "(sigma_w^2 in [0.001, 1000])",
                               o->nacts > 1 ? "these activations" : o->acts[0]);
    double xmax = o->sw2_max;
    if (!(xmax > 0)) {
        /* room for the chaotic region: 1.6 times the boundary, to a nice tick */
        double t[64], lo = 0, hi = hi_all * 1.6;
        int nt = 0;
        if (da_plot_nice_ticks(t, 64, &nt, &lo, &hi, 6, 1) == DA_OK && nt > 0)
            xmax = hi;
        else
            xmax = hi_all * 1.6;
    }
    da_plot_set_xrange(p, 0, xmax);
    da_plot_set_yrange(p, 0, o->sb2_max);
    if (isfinite(lo_mid)) {
        /* the region names at the height of the sample i = 0.7 N, where
           they fit (a label is about 150 pixels wide in 560) */
        double ymid = o->sb2_max * 0.49, wl = 160.0 / 560.0 * xmax, ws = 75.0 / 560.0 * xmax;
        if (lo_mid > wl)
            da_plot_add_note(p, lo_mid / 2, ymid, "ordered (χ_{1} < 1)", "ordered ($\\chi_1 < 1$)");
        else if (lo_mid > ws)
            da_plot_add_note(p, lo_mid / 2, ymid, "ordered", NULL);
        if (xmax - hi_mid > wl)
            da_plot_add_note(p, (hi_mid + xmax) / 2, ymid, "chaotic (χ_{1} > 1)",
                             "chaotic ($\\chi_1 > 1$)");
        else if (xmax - hi_mid > ws)
            da_plot_add_note(p, (hi_mid + xmax) / 2, ymid, "chaotic", NULL);
    }
    da_plot_set_xlabel(p, "σ_{w}^{2}", "$\\sigma_w^2$");
    da_plot_set_ylabel(p, "σ_{b}^{2}", "$\\sigma_b^2$");
    da_plot_set_title(p, !o->normalized ? "Mean-field phase boundary χ_{1} = 1"
                                        : "Mean-field phase boundary χ_{1} = 1 (normalized σ)",
                      !o->normalized ? "Mean-field phase boundary $\\chi_1 = 1$"
                                     : "Mean-field phase boundary $\\chi_1 = 1$ (normalized $\\sigma$)");
    (void)rc;
    return 0;
}

/* -o FILE, --output FILE */
static int parse_output(const cli_opt *opt, const char *v)
{
    if (!*v)
        return cli_usage_error("-o: empty file name");
    *(const char **)opt->ptr = v;
    return EXIT_OK;
}

/* --format svg|pgf|gnuplot (pgfplots and tikz for pgf) */
static int parse_plot_format(const cli_opt *opt, const char *v)
{
    int *f = opt->ptr;
    if (!strcmp(v, "svg"))
        *f = DA_PLOT_SVG;
    else if (!strcmp(v, "pgf") || !strcmp(v, "pgfplots") || !strcmp(v, "tikz"))
        *f = DA_PLOT_PGF;
    else if (!strcmp(v, "gnuplot"))
        *f = DA_PLOT_GNUPLOT;
    else
        return cli_usage_error("--format: '%s' is not one of svg, pgf, gnuplot", v);
    return EXIT_OK;
}

/* --size WxH */
static int parse_size(const cli_opt *opt, const char *v)
{
    plot_opts *o = opt->ptr;
    int w, h, nch = 0;
    if (sscanf(v, "%dx%d%n", &w, &h, &nch) != 2 || v[nch] || w < 200 || w > 4000 || h < 150 ||
        h > 4000)
        return cli_usage_error("--size: '%s' is not WxH with 200 <= W <= 4000, "
                               "150 <= H <= 4000", v);
    o->width = w;
    o->height = h;
    return EXIT_OK;
}

/* the positional arguments: the kind, then the activations */
static int plot_arg(void *ctx, const char *a)
{
    plot_opts *o = ctx;
    if (o->kind >= 0) {
        o->acts[o->nacts++] = a;
        return EXIT_OK;
    }
    for (int k = 0; k < 5; k++)
        if (!strcmp(a, kind_names[k]))
            o->kind = k;
    if (o->kind < 0)
        return cli_usage_error("plot: unknown kind '%s' (one of dual, iterate, mass, "
                               "lambda, phase)", a);
    return EXIT_OK;
}

int cmd_plot(int argc, char **argv, FILE *out)
{
    plot_opts o;
    memset(&o, 0, sizeof o);
    o.kind = -1;
    o.format = -1;
    o.outpath = "-";
    o.n = 200;
    o.dim = 50;
    o.seed = 1;
    o.sb2_max = 2;
    o.sw2_max = 0;
    o.width = 640;
    o.height = 440;
    o.legend = DA_PLOT_LEGEND_AUTO;
    o.acts = calloc((size_t)argc + 1, sizeof *o.acts);
    if (!o.acts)
        return cli_usage_error("out of memory");
    int rc = EXIT_OK, n_set = 0, dim_set = 0, seed_set = 0;
    dual_item *it = NULL;
    da_plot *p = NULL;
    char *text = NULL;

    static const char *const legend_names[] = {"auto", "ne", "nw", "se", "sw", "outside", "none",
                                               NULL};   /* the order of DA_PLOT_LEGEND_* */
    const cli_opt opts[] = {
        CLI_OPT("--output", CLI_CALL, &o.outpath, .alias = "-o", .call = parse_output),
        CLI_OPT("--format", CLI_CALL, &o.format, .call = parse_plot_format),
        CLI_OPT("--depth", CLI_STRING, &o.depth_s),
        CLI_OPT("--rho", CLI_STRING, &o.rho_s),
        CLI_OPT("--k", CLI_STRING, &o.k_s),
        CLI_OPT("--delta", CLI_STRING, &o.delta_s),
        CLI_OPT("--n", CLI_LONG, &o.n, .lo = 2, .hi = 1000000000L, .seen = &n_set),
        CLI_OPT("--dim", CLI_LONG, &o.dim, .lo = 2, .hi = 100000, .seen = &dim_set),
        CLI_OPT("--seed", CLI_ULONG, &o.seed, .lo = 0, .hi = 2147483647L, .seen = &seed_set),
        CLI_OPT("--sb2-max", CLI_DOUBLE, &o.sb2_max, .lo = 1e-6, .hi = 1e3),
        CLI_OPT("--sw2-max", CLI_DOUBLE, &o.sw2_max, .lo = 1e-3, .hi = 1e3),
        CLI_OPT("--title", CLI_STRING, &o.title, .seen = &o.has_title),
        CLI_OPT("--size", CLI_CALL, &o, .call = parse_size),
        CLI_OPT("--legend", CLI_CHOICE, &o.legend, .choices = legend_names),
        CLI_OPT("--ntk", CLI_FLAG, &o.ntk, .ival = 1),
        CLI_OPT("--logy", CLI_FLAG, &o.logy, .ival = 1),
        CLI_OPT("--linear", CLI_FLAG, &o.linear, .ival = 1),
        CLI_OPT("--raw", CLI_FLAG, &o.raw, .ival = 1),
        CLI_OPT("--normalized", CLI_FLAG, &o.normalized, .ival = 1),
        CLI_OPT("--bound-only", CLI_FLAG, &o.bound_only, .ival = 1),
        CLI_OPT_END};
    cli_parser cp = {.cmd = "plot", .usage = usage, .opts = opts, .arg = plot_arg, .ctx = &o};
    rc = cli_parse(&cp, argc, argv, out);
    if (rc || cp.help)
        goto done;
    if (o.kind < 0) {
        rc = cli_usage_error("plot: no kind given (see dualact plot --help)");
        goto done;
    }
    if (o.nacts == 0) {
        rc = cli_usage_error("plot: no activation given (see dualact plot --help)");
        goto done;
    }
    /* options that the kind does not use are errors, not silently ignored */
    {
        struct { int set; const char *name; unsigned kinds; } use[] = {
            {o.rho_s != NULL, "--rho", 1u << K_ITERATE},
            {o.k_s != NULL, "--k", 1u << K_MASS},
            {o.delta_s != NULL, "--delta", 1u << K_LAMBDA},
            {n_set, "--n", 1u << K_LAMBDA},
            {dim_set, "--dim", 1u << K_LAMBDA},
            {seed_set, "--seed", 1u << K_LAMBDA},
            {o.bound_only, "--bound-only", 1u << K_LAMBDA},
            {o.ntk, "--ntk", (1u << K_ITERATE) | (1u << K_LAMBDA)},
            {o.raw && o.kind == K_LAMBDA, "--raw", 0},
            {o.logy, "--logy", 1u << K_ITERATE},
            {o.linear, "--linear", 1u << K_MASS},
            {o.depth_s != NULL, "--depth", ~(1u << K_PHASE)},
            {o.sb2_max != 2, "--sb2-max", 1u << K_PHASE},
            {o.sw2_max != 0, "--sw2-max", 1u << K_PHASE},
            {o.normalized, "--normalized", 1u << K_PHASE},
        };
        for (size_t q = 0; q < sizeof use / sizeof use[0]; q++)
            if (use[q].set && !(use[q].kinds & (1u << o.kind))) {
                rc = cli_usage_error("plot %s: option %s does not apply (see dualact plot --help)",
                                     kind_names[o.kind], use[q].name);
                goto done;
            }
    }
    if (o.format < 0) {
        const char *f = o.outpath;
        if (ends_with(f, ".tex") || ends_with(f, ".pgf") || ends_with(f, ".tikz"))
            o.format = DA_PLOT_PGF;
        else if (ends_with(f, ".gp") || ends_with(f, ".gnuplot") || ends_with(f, ".plt") ||
                 ends_with(f, ".gnu"))
            o.format = DA_PLOT_GNUPLOT;
        else
            o.format = DA_PLOT_SVG;
    }

    if ((rc = plot_size_check(&o)))
        goto done;
    it = calloc((size_t)o.nacts, sizeof *it);
    if (!it) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (int j = 0; j < o.nacts; j++) {
        char ctx[160];
        snprintf(ctx, sizeof ctx, "activation '%.100s'", o.acts[j]);
        rc = cli_act_new(&it[j].act, o.acts[j]);
        if (rc)
            goto done;
        if (o.kind == K_DUAL || o.kind == K_ITERATE || o.kind == K_LAMBDA) {
            da_dual_opts dop;
            da_dual_opts_init(&dop);
            dop.digits = 12;
            dop.raw = o.raw;
            int st = da_dual_new(&it[j].d, it[j].act, &dop);
            if (st) {
                rc = cli_lib_error(st, ctx);
                goto done;
            }
        }
    }

    if (da_plot_new(&p) != DA_OK) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    int krc = 0;
    switch (o.kind) {
    case K_DUAL: krc = plot_dual(p, &o, it); break;
    case K_ITERATE: krc = plot_iterate(p, &o, it); break;
    case K_MASS: krc = plot_mass(p, &o, it); break;
    case K_LAMBDA: krc = plot_lambda(p, &o, it); break;
    default: krc = plot_phase(p, &o, it); break;
    }
    if (krc && krc != EXIT_ACCURACY) {
        rc = krc;
        goto done;
    }
    if (o.has_title)
        da_plot_set_title(p, *o.title ? o.title : NULL, NULL);
    da_plot_set_legend(p, o.legend);
    da_plot_set_size(p, o.width, o.height);
    {
        /* provenance: the version and the command line */
        size_t cl = 64;
        for (int i = 0; i < argc; i++)
            cl += strlen(argv[i]) + 1;
        char *c = malloc(cl);
        if (!c) {
            rc = cli_usage_error("out of memory");
            goto done;
        }
        int w = snprintf(c, cl, "generated by dualact %s: dualact", da_version());
        for (int i = 0; i < argc && w >= 0 && (size_t)w < cl; i++)
            w += snprintf(c + w, cl - (size_t)w, " %s", argv[i]);
        da_plot_set_comment(p, c);
        free(c);
    }
    if (o.format == DA_PLOT_GNUPLOT && strcmp(o.outpath, "-")) {
        /* the figure the script writes: FILE with .svg for its extension;
           its name goes into the script, so it must be one line of text */
        for (const unsigned char *c = (const unsigned char *)o.outpath; *c; c++)
            if (*c < 0x20 || *c == 0x7F) {
                rc = cli_usage_error("-o: a gnuplot script's file name may not contain "
                                     "control characters");
                goto done;
            }
        size_t l = strlen(o.outpath);
        char *g = malloc(l + 8);
        if (!g) {
            rc = cli_usage_error("out of memory");
            goto done;
        }
        strcpy(g, o.outpath);
        char *dot = strrchr(g, '.'), *slash = strrchr(g, '/');
        if (dot && (!slash || dot > slash))
            *dot = 0;
        strcat(g, ".svg");
        da_plot_set_gnuplot_output(p, g);
        free(g);
    }
    int st = da_plot_render(&text, p, (da_plot_format)o.format);
    if (st) {
        rc = cli_lib_error(st, "plot");
        goto done;
    }
    if (!strcmp(o.outpath, "-")) {
        fputs(text, out);
    } else if (write_file(o.outpath, text)) {
        rc = EXIT_USAGE;
        goto done;
    }
    rc = krc;
done:
    free(text);
    da_plot_free(p);
    if (it)
        for (int j = 0; j < o.nacts; j++) {
            da_dual_free(it[j].d);
            da_act_free(it[j].act);
        }
    free(it);
    free(o.acts);
    return rc;
}
