/* mapopts.c -- the options shared by the commands that evaluate the dual
 * map (dual, iterate): parsing, and the da_dual they ask for. */
#include "cli.h"
#include <math.h>
#include <string.h>

static void map_opts_init(cli_map_opts *m, long depth)
{
    memset(m, 0, sizeof *m);
    m->digits = 30;
    m->depth = depth;
    m->fmt = FMT_TEXT;
    m->method = 0;
}

static const char *const method_names[] = {"auto", "series", "closed", NULL};

int cli_map_opts_parse(cli_map_opts *m, int argc, char **argv, const char *cmd,
                       const char *usage, long depth, int allow_derivative, FILE *out)
{
    map_opts_init(m, depth);
    const cli_opt opts[] = {
        CLI_OPT("--rho", CLI_STRING, &m->rhos),
        CLI_OPT("--depth", CLI_LONG, &m->depth, .lo = 0, .hi = 100000, .seen = &m->have_depth),
        CLI_OPT("--digits", CLI_LONG, &m->digits, .lo = 1, .hi = CLI_MAX_DIGITS),
        CLI_OPT("--format", CLI_FORMAT, &m->fmt),
        CLI_OPT("--method", CLI_CHOICE, &m->method, .choices = method_names),
        CLI_OPT("--degree", CLI_LONG, &m->degree, .lo = 1, .hi = CLI_MAX_DEGREE),
        CLI_OPT("--raw", CLI_FLAG, &m->raw, .ival = 1),
        CLI_OPT("--ntk", CLI_FLAG, &m->ntk, .ival = 1),
        /* last: without it (iterate) the table ends here */
        CLI_OPT(allow_derivative ? "--derivative" : NULL, CLI_LONG, &m->deriv, .lo = 0, .hi = 2,
                .seen = &m->have_deriv),
        CLI_OPT_END};
    int rc = cli_parse_act(&m->spec, cmd, usage, opts, CLI_ONE_EXTRA, argc, argv, out);
    m->help = !rc && !m->spec;
    if (rc || m->help)
        return rc;
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
    m->prec = (mpfr_prec_t)ceil((double)m->digits * 3.3219280948873623) + 33;
    return EXIT_OK;
}

int cli_map_iterate(da_kmap **km, const da_dual *d, const da_ball_struct *rho, size_t n,
                    const cli_map_opts *m)
{
    int st = da_kmap_iterate(km, d, rho, n, m->depth, m->ntk);
    /* an infinite NTK (step, sign) is outside the map's domain for the user */
    if (st == DA_EINFINITE)
        return cli_lib_error(DA_EDOM, m->spec);
    if (st && st != DA_EACCURACY)
        return cli_lib_error(st, m->spec);
    return EXIT_OK;
}

void cli_map_json_method(FILE *out, const da_dual *d, int reached, int all_finite)
{
    da_json_write_str(out, da_dual_method(d));
    fprintf(out, ",\n  \"accuracy_reached\": %s,\n  \"bound\": \"%s\",\n", reached ? "true" : "false",
            all_finite ? cli_bound_kind(da_dual_rigorous(d)) : "none");
    if (!da_dual_rigorous(d)) {
        fprintf(out, "  \"bound_reason\": ");
        da_json_write_str(out, da_dual_bound_reason(d));
        fprintf(out, ",\n");
    }
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
    o.method = m->method == 1 ? DA_DUAL_SERIES : m->method == 2 ? DA_DUAL_CLOSED : DA_DUAL_AUTO;
    o.rho_max = rho_max;
    int st = da_dual_new(d, act, &o);
    return st ? cli_lib_error(st, m->spec) : EXIT_OK;
}
