/* mapopts.c -- the options shared by the commands that evaluate the dual
 * map (dual, iterate): parsing, and the da_dual they ask for. */
#include "cli.h"
#include <math.h>
#include <string.h>

void cli_map_opts_init(cli_map_opts *m, long depth)
{
    memset(m, 0, sizeof *m);
    m->digits = 30;
    m->depth = depth;
    m->fmt = FMT_TEXT;
    m->method = "auto";
}

int cli_map_opts_parse(cli_map_opts *m, int argc, char **argv, const char *cmd,
                       const char *usage, int allow_derivative, FILE *out)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, out);
            m->help = 1;
            return EXIT_OK;
        } else if (!strcmp(a, "--rho") || !strcmp(a, "--depth") || !strcmp(a, "--digits") ||
                   !strcmp(a, "--format") || !strcmp(a, "--method") || !strcmp(a, "--degree") ||
                   (allow_derivative && !strcmp(a, "--derivative"))) {
            if (i + 1 >= argc)
                return cli_usage_error("%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--rho")) {
                m->rhos = v;
            } else if (!strcmp(a, "--depth")) {
                if (cli_parse_long(v, 0, 100000, &m->depth, "--depth"))
                    return EXIT_USAGE;
                m->have_depth = 1;
            } else if (!strcmp(a, "--digits")) {
                if (cli_parse_long(v, 1, CLI_MAX_DIGITS, &m->digits, "--digits"))
                    return EXIT_USAGE;
            } else if (!strcmp(a, "--derivative")) {
                if (cli_parse_long(v, 0, 2, &m->deriv, "--derivative"))
                    return EXIT_USAGE;
                m->have_deriv = 1;
            } else if (!strcmp(a, "--degree")) {
                if (cli_parse_long(v, 1, CLI_MAX_DEGREE, &m->degree, "--degree"))
                    return EXIT_USAGE;
            } else if (!strcmp(a, "--method")) {
                if (strcmp(v, "auto") && strcmp(v, "series") && strcmp(v, "closed"))
                    return cli_usage_error("--method: '%s' is not one of auto, series, closed", v);
                m->method = v;
            } else if (cli_parse_format(v, &m->fmt)) {
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--raw")) {
            m->raw = 1;
        } else if (!strcmp(a, "--ntk")) {
            m->ntk = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_usage_error("%s: unknown option '%s' (see dualact %s --help)", cmd, a, cmd);
        } else if (!m->spec) {
            m->spec = a;
        } else {
            return cli_usage_error("%s: one activation only ('%s' is extra)", cmd, a);
        }
    }
    if (!m->spec)
        return cli_usage_error("%s: no activation given (see dualact %s --help)", cmd, cmd);
    if (!m->rhos)
        return cli_usage_error("%s: --rho is required", cmd);
    /* iterating the raw dual treats the covariance E[sigma(X) sigma(Y)] as
       if it were the next layer's correlation: not the kernel of any
       network unless E sigma(X)^2 = 1.  The network kernel of sigma as
       written is what 'kernel' computes. */
    if (m->raw && m->depth > 1)
        return cli_usage_error("%s: --raw with --depth %ld would iterate sigma_hat as if a covariance "
                               "were a correlation; for the network kernel of the activation as written "
                               "use 'dualact kernel %s --depth %ld --rho R' (NNGP and NTK at general "
                               "variances)", cmd, m->depth, m->spec, m->depth);
    return EXIT_OK;
}

int cli_map_dual(da_dual **d, const da_act *act, const cli_map_opts *m, double rho_max)
{
    da_dual_opts o;
    da_dual_opts_init(&o);
    /* over several layers the radii grow: ask the map for guard digits,
       and let the commands judge the printed values against the digits
       asked for */
    o.digits = (m->depth > 1 || m->ntk) ? m->digits + GUARD_DIGITS : m->digits;
    o.raw = m->raw;
    o.degree = m->degree;
    o.method = !strcmp(m->method, "series") ? DA_DUAL_SERIES
             : !strcmp(m->method, "closed") ? DA_DUAL_CLOSED : DA_DUAL_AUTO;
    o.rho_max = rho_max;
    int st = da_dual_new(d, act, &o);
    return st ? cli_lib_error(st, m->spec) : EXIT_OK;
}
