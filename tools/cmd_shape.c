/* cmd_shape.c -- dualact shape ACT --depth L [--target tat|dks]
 * [--eta E] [--zeta Z]: kernel shaping (TAT for leaky ReLU, DKS for
 * ReLU and tanh), the parameters proved by a Krawczyk step
 * (da_shape_solve). */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact shape ACT [--depth L] [--target tat|dks] [--eta E] [--zeta Z]\n"
    "                     [--digits D] [--format text|csv|json]\n"
    "\n"
    "Kernel shaping: the transformed activation gamma (sigma(alpha x + beta) + delta)\n"
    "for which the correlation map C of a network of L layers Dense(1, 0) + the\n"
    "transformed activation (E[sigma~(Z)^2] = 1, so q stays 1) meets the target:\n"
    "  tat  (ACT = leaky_relu; Zhang et al. 2022) the negative slope s with\n"
    "       C(0) = eta, output scale gamma = sqrt(2/(1 + s^2)); C'(1) = 1\n"
    "       (s in [0, 1), as deepmind/dks; C(0) decreases in s from the ReLU\n"
    "       network's value, so an eta not below it is refused, exit 2)\n"
    "  dks  (ACT = relu or tanh; Martens et al. 2021) delta = -E sigma(alpha Z +\n"
    "       beta), gamma = 1/sd: C(0) = 0, Q(1) = 1, and C'(1) = zeta (per layer\n"
    "       c'(1) = zeta^(1/L)); relu: input shift beta = 1 (-1 when\n"
    "       zeta^(1/L) > pi/(pi - 1)), unknown alpha; tanh: unknowns alpha and\n"
    "       beta > 0 with also Q'(1) = 1 (as deepmind/dks)\n"
    "The unknowns are solved in floating point, then proved by a Krawczyk step\n"
    "in Arb ball arithmetic (a unique root in the printed balls).  The formula\n"
    "rounds the parameters to D significant digits and is accepted by the other\n"
    "commands (dualact dual 'FORMULA' --raw); C(0) and C'(1) are those of the\n"
    "printed formula, each layer at q = 1 as DKS defines C (its proved dual,\n"
    "dualact dual --raw, composed L times); the network itself (dualact iterate\n"
    "--net 'FORMULA; dense(1,0)') carries q, which the rounding moves from 1 by\n"
    "about L 10^-D.\n"
    "\n"
    "  --depth L      layers, 1 to 10000 (default 10)\n"
    "  --target T     tat or dks (default: tat for leaky_relu, dks for relu, tanh)\n"
    "  --eta E        TAT's C(0) target, in (0, 1) (default 0.9)\n"
    "  --zeta Z       DKS's C'(1) target, above 1 (default 1.5)\n"
    "  --digits D     radius goal 10^-D of the parameters and significant digits\n"
    "                 of the formula's (default 20, 1 to 100)\n"
    "  --format F     text (default), csv, json\n"
    "\n"
    "CSV columns: activation,target,depth,goal,slope,slope_err,alpha,alpha_err,\n"
    "beta,beta_err,gamma,gamma_err,delta,delta_err,c0,c0_err,c1prime,\n"
    "c1prime_err,formula,bound (slope: TAT's negative slope, empty for DKS; goal:\n"
    "eta or zeta as given).\n"
    "Exit status: 0 success, 2 usage or input error (a target proved out of\n"
    "reach), 3 accuracy not reached, root not proved (what was proved is\n"
    "printed) or reachability not decided.\n";

static const char *const targets[] = {"tat", "dks", NULL};

/* a ball as value and err text (nan/inf for what encloses nothing) */
static void fb(char *v, size_t vl, char *e, size_t el, const da_ball_struct *b, long digits)
{
    if (!cli_ball_finite(b)) {
        snprintf(v, vl, "nan");
        snprintf(e, el, "inf");
        return;
    }
    da_ball_get_str(v, vl, e, el, b, digits, DA_BALL_SCI);
}

int cmd_shape(int argc, char **argv, FILE *out)
{
    long depth = 10, digits = 20;
    int target = -1, fmt = FMT_TEXT;
    const char *eta_s = "0.9", *zeta_s = "1.5";
    int have_eta = 0, have_zeta = 0;
    const cli_opt opts[] = {
        CLI_OPT("--depth", CLI_LONG, &depth, .lo = 1, .hi = 10000),
        CLI_OPT("--target", CLI_CHOICE, &target, .choices = targets),
        CLI_OPT("--eta", CLI_STRING, &eta_s, .seen = &have_eta),
        CLI_OPT("--zeta", CLI_STRING, &zeta_s, .seen = &have_zeta),
        CLI_OPT("--digits", CLI_LONG, &digits, .lo = 1, .hi = 100),
        CLI_OPT("--format", CLI_FORMAT, &fmt),
        CLI_OPT_END};
    const char *act = NULL;
    int rc = cli_parse_act(&act, "shape", usage, opts, CLI_ONE_AT_A_TIME, argc, argv, out);
    if (rc || !act)
        return rc;
    if (target < 0) {
        if (!strcmp(act, "leaky_relu"))
            target = DA_SHAPE_TAT;
        else if (!strcmp(act, "relu") || !strcmp(act, "tanh"))
            target = DA_SHAPE_DKS;
        else
            return cli_usage_error("shape: '%s' is not shaped: tat shapes leaky_relu, dks "
                                   "shapes relu and tanh", act);
    }
    if (target == DA_SHAPE_TAT && have_zeta)
        return cli_usage_error("shape: --zeta is the DKS target (with --target tat use --eta)");
    if (target == DA_SHAPE_DKS && have_eta)
        return cli_usage_error("shape: --eta is the TAT target (with --target dks use --zeta)");
    const char *gs = target == DA_SHAPE_TAT ? eta_s : zeta_s;
    da_ball goal;
    da_ball_init2(goal, (mpfr_prec_t)(digits * 3.33) + 128);
    if (da_depth_parse_decimal(goal, gs) != DA_OK) {
        da_ball_clear(goal);
        return cli_usage_error("shape: %s '%s' is not a number",
                               target == DA_SHAPE_TAT ? "--eta" : "--zeta", gs);
    }
    da_shape_opts so;
    da_shape_opts_init(&so);
    so.depth = depth;
    so.digits = digits;
    da_shape_result r;
    da_shape_result_init(&r);
    int st = da_shape_solve(&r, act, target, goal, &so);
    if (st != DA_OK && st != DA_EACCURACY) {
        rc = cli_lib_error(st, NULL);
        goto done;
    }
    if (!r.formula[0]) {
        /* nothing was solved (an undecided refusal, no estimate found) */
        fprintf(stderr, "dualact: shape: %s\n", r.bound_reason);
        rc = EXIT_ACCURACY;
        goto done;
    }
    /* the values: parameters to their digits, C to the digits too */
    enum { NV = 14 };
    char v[NV][128];
    if (target == DA_SHAPE_TAT)
        fb(v[0], 128, v[1], 128, &r.slope, digits);
    else
        v[0][0] = v[1][0] = '\0';   /* no slope in DKS: an empty cell, not a number */
    fb(v[2], 128, v[3], 128, &r.alpha, digits);
    fb(v[4], 128, v[5], 128, &r.beta, digits);
    fb(v[6], 128, v[7], 128, &r.gamma, digits);
    fb(v[8], 128, v[9], 128, &r.delta, digits);
    fb(v[10], 128, v[11], 128, &r.c0, digits);
    fb(v[12], 128, v[13], 128, &r.c1prime, digits);
    const char *kind = cli_bound_kind(r.rigorous);
    const char *mname = da_shape_method_name(target);
    if (fmt == FMT_CSV) {
        fprintf(out, "activation,target,depth,goal,slope,slope_err,alpha,alpha_err,beta,beta_err,"
                     "gamma,gamma_err,delta,delta_err,c0,c0_err,c1prime,c1prime_err,formula,bound\n");
        fprintf(out, "%s,%s,%ld,%s", act, mname, depth, gs);
        for (int i = 0; i < NV; i++)
            fprintf(out, ",%s", v[i]);
        fprintf(out, ",\"%s\",%s\n", r.formula, kind);
    } else if (fmt == FMT_JSON) {
        static const char *const names[] = {"slope", "alpha", "beta", "gamma",
                                            "delta", "c0", "c1prime"};
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"shape\",\n  \"activation\": ",
                da_version());
        da_json_write_str(out, act);
        fprintf(out, ",\n  \"target\": \"%s\",\n  \"depth\": %ld,\n  \"goal\": ", mname, depth);
        da_json_write_str(out, gs);
        for (int i = 0; i < 7; i++) {
            if (!v[2 * i][0])
                fprintf(out, ",\n  \"%s\": null,\n  \"%s_err\": null", names[i], names[i]);
            else
                fprintf(out, ",\n  \"%s\": \"%s\",\n  \"%s_err\": \"%s\"", names[i], v[2 * i],
                        names[i], v[2 * i + 1]);
        }
        fprintf(out, ",\n  \"formula\": ");
        da_json_write_str(out, r.formula);
        fprintf(out, ",\n  \"bound\": \"%s\"", kind);
        if (!r.rigorous) {
            fprintf(out, ",\n  \"bound_reason\": ");
            da_json_write_str(out, r.bound_reason);
        }
        fprintf(out, "\n}\n");
    } else {
        fprintf(out, "activation  %s\n", act);
        if (target == DA_SHAPE_TAT)
            fprintf(out, "target      tat: C(0) = eta = %s at depth %ld (Zhang et al. 2022)\n", gs,
                    depth);
        else
            fprintf(out, "target      dks: C(0) = 0, C'(1) = zeta = %s at depth %ld "
                         "(Martens et al. 2021)\n", gs, depth);
        if (!strcmp(act, "tanh"))
            fprintf(out, "method      2x2 Krawczyk step in Arb ball arithmetic (Gaussian moments "
                         "of tanh by acb_calc_integrate)\n");
        else
            fprintf(out, "method      Krawczyk step in Arb ball arithmetic (closed-form local "
                         "map)\n");
        cli_print_bound(out, r.rigorous, r.bound_reason);
        fprintf(out, "formula     %s\n\n", r.formula);
        static const char *const lab[] = {"slope", "alpha", "beta", "gamma",
                                          "delta", "C(0)", "C'(1)"};
        fprintf(out, "%-10s %-32s %s\n", "quantity", "value", "err");
        for (int i = 0; i < 7; i++) {
            if (i == 0 && target != DA_SHAPE_TAT)
                continue;
            fprintf(out, "%-10s %-32s %s\n", lab[i], v[2 * i], v[2 * i + 1]);
        }
    }
    if (st == DA_EACCURACY) {
        rc = EXIT_ACCURACY;
        fprintf(stderr, "dualact: shape: %s (see the err columns and the bound)\n",
                r.rigorous ? "accuracy 10^-D not reached" : r.bound_reason);
    }
done:
    da_shape_result_clear(&r);
    da_ball_clear(goal);
    return rc;
}
