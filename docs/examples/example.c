/* example.c -- a first program with libdualact.
 *
 * Build against an installed copy:
 *   cc example.c $(pkg-config --cflags --libs dualact) -o example
 * Run:
 *   ./example            (tanh)
 *   ./example 'x*tanh(softplus(x))'
 *
 * It makes an activation, computes the Hermite coefficients of the
 * normalized activation to 30 digits, prints a_1, mu = 1 - a_1^2 and
 * beta = E[sigma'^2] with their error bounds, and evaluates the dual
 * activation sigma_hat(rho) and its 3-fold composition at rho = 0.5.
 * Every number is a ball: |true value - mid| <= rad. */
#include <dualact.h>
#include <stdio.h>

static void print_ball(const char *name, const da_ball_struct *b)
{
    /* 32 significant digits of the midpoint, and the error bound */
    mpfr_printf("%-16s %.32Re  +- %.2Re\n", name, b->mid, b->rad);
}

int main(int argc, char **argv)
{
    const char *spec = argc > 1 ? argv[1] : "tanh";
    da_act *act = NULL;
    int st = da_act_new(&act, spec);
    if (st != DA_OK) {
        fprintf(stderr, "example: %s: %s\n", spec, da_errmsg());
        return 2;
    }

    /* Hermite coefficients a_0..a_5 of the normalized activation,
       absolute accuracy 1e-30 */
    da_hermite_opts opts;
    da_hermite_opts_init(&opts);
    opts.degree = 5;
    opts.digits = 30;
    da_hermite *h = NULL;
    st = da_hermite_compute(&h, act, &opts);
    if (st != DA_OK && st != DA_EACCURACY) {
        fprintf(stderr, "example: %s: %s\n", spec, da_errmsg());
        da_act_free(act);
        return 2;
    }
    printf("dualact %s: %s (%s), normalized, method %s\n", da_version(), spec,
           da_act_expr(act), h->method);
    print_ball("a_1", &h->a[1]);
    print_ball("mu", &h->mu);
    if (h->beta_infinite)
        printf("%-16s inf\n", "beta");
    else
        print_ball("beta", &h->beta);
    printf("%-16s %.1f\n", "digits reached", h->digits_reached);

    /* the dual activation at rho = 0.5, and its 3-fold composition */
    da_dual_opts dopts;
    da_dual_opts_init(&dopts);
    dopts.digits = 30;
    da_dual *d = NULL;
    if (da_dual_new(&d, act, &dopts) == DA_OK) {
        da_ball rho, r;
        da_ball_init2(rho, 128);
        da_ball_init2(r, 128);
        mpfr_set_d(rho->mid, 0.5, MPFR_RNDN);   /* exact */
        mpfr_set_zero(rho->rad, 1);
        int s1 = da_dual_eval(r, d, rho, 0);
        if (s1 == DA_OK || s1 == DA_EACCURACY)
            print_ball("sigma_hat(0.5)", r);
        for (int l = 1; l < 3 && (s1 == DA_OK || s1 == DA_EACCURACY); l++) {
            da_ball_set(rho, r);
            s1 = da_dual_eval(r, d, rho, 0);
        }
        if (s1 == DA_OK || s1 == DA_EACCURACY)
            print_ball("sigma_hat^3(0.5)", r);
        printf("%-16s %s\n", "dual method", da_dual_method(d));
        da_ball_clear(rho);
        da_ball_clear(r);
        da_dual_free(d);
    } else {
        fprintf(stderr, "example: dual: %s\n", da_errmsg());
    }

    da_hermite_free(h);
    da_act_free(act);
    da_free_cache();
    return st == DA_OK ? 0 : 3;
}
