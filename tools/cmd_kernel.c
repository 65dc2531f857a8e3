/* cmd_kernel.c -- dualact kernel ACT --depth L: the NNGP and NTK of the
 * network Dense(sw2, sb2), then L blocks (ACT, Dense(sw2, sb2)), on two
 * inputs given by their input kernel, layer by layer (da_netk_network). */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact kernel ACT [--depth L] [--sw2 W] [--sb2 B]\n"
    "                      [--q1 Q1 --q2 Q2 --cov C | --rho R]\n"
    "                      [--param ntk|standard [--dim D --width N] [--no-bias]]\n"
    "                      [--digits D] [--normalized] [--method auto|series|closed]\n"
    "                      [--format text|csv|json]\n"
    "       dualact kernel --net SPEC [--q1 Q1 --q2 Q2 --cov C | --rho R]\n"
    "                      [--digits D] [--format text|csv|json]\n"
    "\n"
    "The network kernels of Dense(sw2, sb2), then L blocks (ACT, Dense(sw2, sb2)),\n"
    "the way neural-tangents writes stax.serial(Dense(W_std, b_std), Act(), ...)\n"
    "with sw2 = W_std^2, sb2 = b_std^2, on two inputs x, x' given by their input\n"
    "kernel q1 = x.x/d, q2 = x'.x'/d, cov = x.x'/d.  One row per layer l = 0..L\n"
    "(layer 0 is after the first Dense): K(x,x), K(x',x'), the NNGP K(x,x') and\n"
    "the NTK Theta(x,x'), each with an absolute error bound.  ACT is a catalogue\n"
    "name, a formula in x, or a neural-tangents stax name with its parameters\n"
    "(Relu, Erf(a,b,c), Gelu, Sin(a,b,c), Exp(a,b), Gaussian(a,b), Rbf(gamma),\n"
    "ABRelu(a,b), LeakyRelu(alpha), Sigmoid_like, Monomial(k), ...).\n"
    "\n"
    "  --depth L       number of (ACT, Dense) blocks (default 1)\n"
    "  --sw2 W         weight variance sigma_w^2 (default 1)\n"
    "  --sb2 B         bias variance sigma_b^2 (default 0)\n"
    "  --q1, --q2, --cov   the input kernel (all three together)\n"
    "  --rho R         shorthand for q1 = q2 = 1, cov = R (default 0)\n"
    "  --param P       ntk (default: neural-tangents' default) or standard\n"
    "                  (neural-tangents' parameterization=\"standard\", which needs\n"
    "                  --dim, the input dimension, and --width, the hidden width)\n"
    "  --no-bias       standard parameterisation without bias parameters\n"
    "                  (neural-tangents' b_std=None; needs --sb2 0)\n"
    "  --digits D      absolute accuracy 10^-D (default 30, 1 to 1000)\n"
    "  --normalized    ACT normalized as in the paper (E s = 0, E s^2 = 1);\n"
    "                  default: ACT as written\n"
    "  --method M      auto (closed form when known), series, closed\n"
    "  --net SPEC      any network instead of ACT and the options above: layers\n"
    "                  separated by ';': dense(SW2,SB2), an activation, layernorm,\n"
    "                  layernorm(EPS), residual(ALPHA,BETA){LAYERS},\n"
    "                  repeat(L){LAYERS}, identity (neural-tangents' conventions,\n"
    "                  NTK parameterisation); one row per layer (a residual block\n"
    "                  is one), row 0 the input, the layer's name as a last column\n"
    "  --format F      text (default), csv (header\n"
    "                  layer,q1,q1_err,q2,q2_err,nngp,nngp_err,ntk,ntk_err,bound), json\n"
    "\n"
    "bound: rigorous when every radius is a proof (the closed forms; the series\n"
    "with the proved bound of the variances' radii), otherwise estimate, with the\n"
    "reason (text: the bound line; json: bound_reason).\n"
    "\n"
    "Exit status: 0 success, 2 usage or input error, 3 accuracy not reached (the\n"
    "printed digits are still correct; the err columns say what was proved).\n";

static int parse_dec(da_ball b, const char *s, const char *what, mpfr_prec_t prec, int positive)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return cli_usage_error("%s: '%s' is not a number", what, s);
    if (positive > 0 && !(v > 0))
        return cli_usage_error("%s: %s must be positive", what, s);
    if (positive == 0 && v < 0)
        return cli_usage_error("%s: %s must be non-negative", what, s);
    /* the ball of the decimal itself (strtod's hexadecimal forms are not decimals) */
    mpfr_set_prec(b->mid, prec);   /* the ball at the precision asked for */
    if (da_depth_parse_decimal(b, s))
        return cli_usage_error("%s: '%s' is not a number", what, s);
    return 0;
}

int kernel_net(const char *spec, const char *q1s, const char *q2s, const char *covs,
               const char *rhos, long digits, int fmt, FILE *out);

int cli_kernel_inputs_check(const char *q1s, const char *q2s, const char *covs, const char *rhos)
{
    int have_q = q1s || q2s || covs;
    if (have_q && !(q1s && q2s && covs))
        return cli_usage_error("kernel: --q1, --q2 and --cov go together");
    if (have_q && rhos)
        return cli_usage_error("kernel: give either --q1 --q2 --cov or --rho, not both");
    return 0;
}

int cli_kernel_inputs(da_ball q1, da_ball q2, da_ball c, const char *q1s, const char *q2s,
                      const char *covs, const char *rhos, mpfr_prec_t prec)
{
    if (q1s) {
        if (parse_dec(q1, q1s, "--q1", prec, 1) || parse_dec(q2, q2s, "--q2", prec, 1) ||
            parse_dec(c, covs, "--cov", prec, -1))
            return EXIT_USAGE;
        double a = strtod(q1s, NULL), b = strtod(q2s, NULL), cc = strtod(covs, NULL);
        if (cc * cc > a * b * (1 + 1e-15))
            return cli_usage_error("kernel: --cov %s exceeds sqrt(q1 q2): not an input kernel", covs);
        return 0;
    }
    char text[64];
    da_ball_clear(c);
    if (cli_parse_rho(rhos ? rhos : "0", strlen(rhos ? rhos : "0"), c, prec, text, sizeof text)) {
        da_ball_init2(c, prec);
        return EXIT_USAGE;
    }
    mpfr_set_prec(q1->mid, prec);
    mpfr_set_prec(q2->mid, prec);
    mpfr_set_ui(q1->mid, 1, MPFR_RNDN);
    mpfr_set_zero(q1->rad, 1);
    mpfr_set_ui(q2->mid, 1, MPFR_RNDN);
    mpfr_set_zero(q2->rad, 1);
    return 0;
}

/* ---- the rows of kernel and kernel --net ---------------------------------- */

int kernel_rows_judge(const da_ball_struct *const *b, long nrows, long digits, const char *what,
                      int *all_fin)
{
    double reached = INFINITY;
    *all_fin = 1;
    for (long i = 0; i < 4 * nrows; i++) {
        reached = fmin(reached, da_ball_digits(b[i]));
        *all_fin &= cli_ball_finite(b[i]);
    }
    if (!*all_fin) {
        fprintf(stderr, "dualact: %s: some values are not enclosed (nan, or err inf: nothing is "
                "proved there; see the rows labelled none)\n", what);
        return EXIT_ACCURACY;
    }
    if (reached < (double)digits) {
        fprintf(stderr, "dualact: %s: requested %ld digits, proved %.1f (see the err columns)\n",
                what, digits, reached);
        return EXIT_ACCURACY;
    }
    return EXIT_OK;
}

static int kernel_col_width(long digits)
{
    return (int)(digits + 8 > 60 ? 60 : digits + 8);
}

/* the header line of CSV and text (JSON's rows are objects) */
void kernel_rows_head(FILE *out, int fmt, long digits, int named)
{
    int w = kernel_col_width(digits);
    if (fmt == FMT_CSV)
        fprintf(out, "layer,q1,q1_err,q2,q2_err,nngp,nngp_err,ntk,ntk_err,bound%s\n",
                named ? ",name" : "");
    else if (fmt == FMT_TEXT && named)
        fprintf(out, "%-5s  %-*s  %-*s  %-*s  %-*s  %-8s  %s\n", "layer", w, "K(x,x)", w,
                "K(x',x')", w, "NNGP K(x,x')", w, "NTK Theta(x,x')", "max err", "name");
    else if (fmt == FMT_TEXT)
        fprintf(out, "%-5s  %-*s  %-*s  %-*s  %-*s  %s\n", "layer", w, "K(x,x)", w, "K(x',x')", w,
                "NNGP K(x,x')", w, "NTK Theta(x,x')", "max err");
}

/* a CSV field (RFC 4180): quoted, quotes doubled, when it holds a comma,
 * a quote or a line break (layer names such as dense(1.5,0.1) do) */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* one row: layer 0 (the inputs, exact arithmetic) is rigorous, the others
 * when rig; a value that is not enclosed proves nothing (none) */
void kernel_row_write(FILE *out, int fmt, long layer, const da_ball_struct *const b[4],
                      const char *name, int rig, long digits, int last)
{
    char v[4][1200], e[4][64];
    double emax = 0;
    const char *bk = cli_bound_kind(rig || layer == 0);
    for (int j = 0; j < 4; j++) {
        da_ball_get_str(v[j], sizeof v[j], e[j], sizeof e[j], b[j], digits, DA_BALL_SCI);
        double ej = strtod(e[j], NULL);
        if (ej > emax || !isfinite(ej))
            emax = ej;
        if (!cli_ball_finite(b[j]))
            bk = "none";
    }
    if (fmt == FMT_CSV) {
        fprintf(out, "%ld,%s,%s,%s,%s,%s,%s,%s,%s,%s", layer, v[0], e[0], v[1], e[1], v[2], e[2],
                v[3], e[3], bk);
        if (name) {
            fputc(',', out);
            csv_field(out, name);
        }
        fputc('\n', out);
    } else if (fmt == FMT_JSON) {
        fprintf(out, "    {\"layer\": %ld, \"q1\": \"%s\", \"q1_err\": \"%s\", \"q2\": \"%s\", "
                "\"q2_err\": \"%s\", \"nngp\": \"%s\", \"nngp_err\": \"%s\", \"ntk\": \"%s\", "
                "\"ntk_err\": \"%s\", \"bound\": \"%s\"", layer, v[0], e[0], v[1], e[1], v[2],
                e[2], v[3], e[3], bk);
        if (name) {
            fprintf(out, ", \"name\": ");
            da_json_write_str(out, name);
        }
        fprintf(out, "}%s\n", last ? "" : ",");
    } else {
        int w = kernel_col_width(digits);
        fprintf(out, "%-5ld  %-*s  %-*s  %-*s  %-*s  %.2e", layer, w, v[0], w, v[1], w, v[2], w,
                v[3], emax);
        if (name)
            fprintf(out, "  %s", name);
        fputc('\n', out);
    }
}

int cmd_kernel(int argc, char **argv, FILE *out)
{
    static const char *const param_names[] = {"ntk", "standard", NULL};
    static const char *const method_names[] = {"auto", "series", "closed", NULL};
    const char *sw2s = "1", *sb2s = "0", *q1s = NULL, *q2s = NULL, *covs = NULL, *rhos = NULL;
    long depth = 1, digits = 30, width = 0, dim = 0;
    const char *nets = NULL;
    int fmt = FMT_TEXT, normalized = 0, nobias = 0, have_sb2 = 0, param_i = 0, method_i = 0,
        raw = 0, have_depth = 0, have_sw2 = 0;
    const cli_opt opts[] = {
        CLI_OPT("--normalized", CLI_FLAG, &normalized, .ival = 1),
        CLI_OPT("--no-bias", CLI_FLAG, &nobias, .ival = 1),
        /* the default here; accepted for symmetry with dual */
        CLI_OPT("--raw", CLI_FLAG, &raw, .ival = 1),
        CLI_OPT("--depth", CLI_LONG, &depth, .lo = 0, .hi = 100000, .seen = &have_depth),
        CLI_OPT("--digits", CLI_LONG, &digits, .lo = 1, .hi = 1000),
        CLI_OPT("--width", CLI_LONG, &width, .lo = 1, .hi = 1000000000L),
        CLI_OPT("--dim", CLI_LONG, &dim, .lo = 1, .hi = 1000000000L),
        CLI_OPT("--sw2", CLI_STRING, &sw2s, .seen = &have_sw2),
        CLI_OPT("--net", CLI_STRING, &nets),
        CLI_OPT("--sb2", CLI_STRING, &sb2s, .seen = &have_sb2),
        CLI_OPT("--q1", CLI_STRING, &q1s),
        CLI_OPT("--q2", CLI_STRING, &q2s),
        CLI_OPT("--cov", CLI_STRING, &covs),
        CLI_OPT("--rho", CLI_STRING, &rhos),
        CLI_OPT("--param", CLI_CHOICE, &param_i, .choices = param_names),
        CLI_OPT("--method", CLI_CHOICE, &method_i, .choices = method_names),
        CLI_OPT("--format", CLI_FORMAT, &fmt),
        CLI_OPT_END};
    cli_parser cp = {.cmd = "kernel", .usage = usage, .opts = opts, .one = CLI_ONE_EXTRA};
    int prc = cli_parse(&cp, argc, argv, out);
    if (prc || cp.help)
        return prc;
    const char *spec = cp.arg1;
    if (nets) {
        if (spec)
            return cli_usage_error("kernel: give an activation or --net, not both");
        if (have_depth || have_sw2 || have_sb2 || param_i || method_i || normalized || nobias ||
            width || dim)
            return cli_usage_error("kernel --net: the network spec holds the layers; --depth, "
                                   "--sw2, --sb2, --param, --method, --normalized, --dim, "
                                   "--width and --no-bias do not apply");
        return kernel_net(nets, q1s, q2s, covs, rhos, digits, fmt, out);
    }
    if (!spec)
        return cli_no_activation("kernel");
    const char *param = param_names[param_i];
    if (cli_kernel_inputs_check(q1s, q2s, covs, rhos))
        return EXIT_USAGE;
    int have_q = q1s != NULL;
    int standard = !strcmp(param, "standard");
    if (standard && (width <= 0 || dim <= 0))
        return cli_usage_error("kernel: --param standard needs --dim (input dimension) and "
                               "--width (hidden width), as neural-tangents' kernel depends on them");
    if (!standard && (width || dim || nobias))
        return cli_usage_error("kernel: --dim, --width and --no-bias apply to --param standard");

    long work = digits + GUARD_DIGITS + 4;
    mpfr_prec_t prec = (mpfr_prec_t)ceil((double)work * 3.3219280948873623) + 64;
    da_ball q1, q2, c, sw2, sb2;
    da_ball_init2(q1, prec);
    da_ball_init2(q2, prec);
    da_ball_init2(c, prec);
    da_ball_init2(sw2, prec);
    da_ball_init2(sb2, prec);
    int rc = EXIT_OK;
    da_act *act = NULL;
    da_netk *k = NULL;
    da_netk_layer *rows = NULL;
    if (parse_dec(sw2, sw2s, "--sw2", prec, 0) || parse_dec(sb2, sb2s, "--sb2", prec, 0)) {
        rc = EXIT_USAGE;
        goto done;
    }
    if (nobias && mpfr_sgn(sb2->mid) != 0) {
        rc = cli_usage_error("kernel: --no-bias needs --sb2 0");
        goto done;
    }
    (void)have_sb2;
    rc = cli_kernel_inputs(q1, q2, c, q1s, q2s, covs, rhos, prec);
    if (rc)
        goto done;
    rc = cli_act_new(&act, spec);
    if (rc)
        goto done;
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = work;
    o.normalized = normalized;
    o.method = method_i == 1 ? DA_DUAL_SERIES : method_i == 2 ? DA_DUAL_CLOSED : DA_DUAL_AUTO;
    int st = da_netk_new(&k, act, &o);
    if (st) {
        rc = cli_lib_error(st, spec);
        goto done;
    }
    da_netk_net net;
    da_netk_net_init(&net);
    net.depth = depth;
    net.param = standard ? DA_NETK_PARAM_STANDARD : DA_NETK_PARAM_NTK;
    net.width = width;
    net.dim = dim;
    net.bias = !nobias;
    /* the same decimal three times: the two inputs are one point */
    net.identical = have_q && !strcmp(q1s, q2s) && !strcmp(q1s, covs);
    da_ball_init2(&net.sw2, prec);
    da_ball_init2(&net.sb2, prec);
    da_ball_set(&net.sw2, sw2);
    da_ball_set(&net.sb2, sb2);
    rows = calloc((size_t)depth + 1, sizeof *rows);
    if (!rows) {
        da_ball_clear(&net.sw2);
        da_ball_clear(&net.sb2);
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (long l = 0; l <= depth; l++)
        da_netk_layer_init(&rows[l]);
    st = da_netk_network(rows, k, &net, q1, q2, c);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    if (st && st != DA_EACCURACY) {
        rc = cli_lib_error(st, spec);
        goto done;
    }
    /* judge against the digits asked */
    const da_ball_struct **jb = malloc((size_t)(depth + 1) * 4 * sizeof *jb);
    if (!jb) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (long l = 0; l <= depth; l++) {
        jb[4 * l] = &rows[l].q1;
        jb[4 * l + 1] = &rows[l].q2;
        jb[4 * l + 2] = &rows[l].nngp;
        jb[4 * l + 3] = &rows[l].ntk;
    }
    int all_fin;
    rc = kernel_rows_judge(jb, depth + 1, digits, spec, &all_fin);
    free(jb);
    /* layer 0 is exact arithmetic on the inputs; the later layers are
       proved when every evaluation was (the closed forms always; the
       series over rigorous coefficients with the proved bound of the
       variances' radii, docs/dual.md), otherwise estimates with the
       library's reason */
    int rig = da_netk_rigorous(k);
    const char *why_est = da_netk_bound_reason(k);
    if (fmt == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"kernel\",\n  \"activation\": ",
                da_version());
        da_json_write_str(out, spec);
        fprintf(out, ",\n  \"normalized\": %s,\n  \"method\": ", normalized ? "true" : "false");
        da_json_write_str(out, da_netk_method(k));
        fprintf(out, ",\n  \"sw2\": \"%s\",\n  \"sb2\": \"%s\",\n  \"parameterization\": \"%s\",\n"
                "  \"depth\": %ld,\n  \"digits\": %ld,\n  \"accuracy_reached\": %s,\n",
                sw2s, sb2s, param, depth, digits, rc == EXIT_OK ? "true" : "false");
        fprintf(out, "  \"bound\": \"%s\",\n", all_fin ? cli_bound_kind(rig || depth == 0) : "none");
        if (!(rig || depth == 0)) {
            fprintf(out, "  \"bound_reason\": ");
            da_json_write_str(out, why_est);
            fprintf(out, ",\n");
        }
        fprintf(out, "  \"layers\": [\n");
    } else if (fmt == FMT_TEXT) {
        fprintf(out, "activation  %s%s\n", spec, normalized ? " (normalized)" : " (as given)");
        fprintf(out, "network     Dense(sw2=%s, sb2=%s), then %ld x (activation, Dense); %s "
                "parameterisation\n", sw2s, sb2s, depth, standard ? "standard" : "NTK");
        if (standard)
            fprintf(out, "            input dimension %ld, hidden width %ld%s\n", dim, width,
                    nobias ? ", no biases" : "");
        if (have_q)
            fprintf(out, "inputs      q1 = %s, q2 = %s, cov = %s\n", q1s, q2s, covs);
        else
            fprintf(out, "inputs      q1 = q2 = 1, cov = %s\n", rhos ? rhos : "0");
        fprintf(out, "method      %s\n", da_netk_method(k));
        cli_print_bound_fin(out, rig || depth == 0, why_est, all_fin);
        fprintf(out, "absolute accuracy 10^-%ld%s\n\n", digits, rc == EXIT_OK ? "" : " (NOT reached: see err)");
    }
    kernel_rows_head(out, fmt, digits, 0);
    for (long l = 0; l <= depth; l++) {
        const da_ball_struct *b[4] = {&rows[l].q1, &rows[l].q2, &rows[l].nngp, &rows[l].ntk};
        kernel_row_write(out, fmt, l, b, NULL, rig, digits, l == depth);
    }
    if (fmt == FMT_JSON)
        fprintf(out, "  ]\n}\n");
done:
    if (rows) {
        for (long l = 0; l <= depth; l++)
            da_netk_layer_clear(&rows[l]);
        free(rows);
    }
    da_netk_free(k);
    da_act_free(act);
    da_ball_clear(q1);
    da_ball_clear(q2);
    da_ball_clear(c);
    da_ball_clear(sw2);
    da_ball_clear(sb2);
    return rc;
}
