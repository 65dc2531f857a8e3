/* bench_dual.c -- speed of the dual activation in double after setup, and
 * of one MPFR evaluation at 100 digits.  Built on demand by bench_dual.sh,
 * not part of make check (machines are noisy). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "dualact.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void bench_d(const char *spec, da_dual_method_t m, double rmax)
{
    da_act *a = NULL;
    da_dual *d = NULL;
    da_dual_opts o;
    da_dual_opts_init(&o);
    o.digits = 17;
    o.method = m;
    o.rho_max = rmax;
    if (da_act_new(&a, spec) || da_dual_new(&d, a, &o)) {
        printf("%-18s setup failed: %s\n", spec, da_errmsg());
        return;
    }
    const long n = 20000000;
    double s = 0, e = 0, t0 = now();
    for (long i = 0; i < n; i++) {
        double r = -rmax + 2 * rmax * (double)(i & 1023) / 1023.0;
        double v;
        da_dual_eval_d(&v, NULL, d, r, 0);
        s += v;
    }
    double t1 = now();
    for (long i = 0; i < n / 4; i++) {
        double r = -rmax + 2 * rmax * (double)(i & 1023) / 1023.0, err;
        double v;
        da_dual_eval_d(&v, &err, d, r, 0);
        s += v;
        e = err > e ? err : e;
    }
    double t2 = now();
    printf("%-18s %-44s %6.1f M evals/s (%5.1f M/s with error bound, max err %.1e on |rho| <= %g)  [%g]\n",
           spec, da_dual_method(d), n / (t1 - t0) / 1e6, n / 4 / (t2 - t1) / 1e6, e, rmax, s * 0);
    da_dual_free(d);
    da_act_free(a);
}

int main(void)
{
    printf("double path, after setup, one core:\n");
    bench_d("relu_normalized", DA_DUAL_AUTO, 1);
    bench_d("erf", DA_DUAL_AUTO, 1);
    bench_d("tanh", DA_DUAL_AUTO, 0.9);
    bench_d("gelu", DA_DUAL_AUTO, 0.9);
    bench_d("relu", DA_DUAL_SERIES, 0.9);
    da_free_cache();
    return 0;
}
