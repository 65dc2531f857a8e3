/* bench_python.c -- the C side of tests/bench/bench_python.sh: the same
 * work as the Python call act.dual(x) for a numpy array x of 10^6 uniform
 * correlations (value and error bound of the normalized dual at every
 * element, into two arrays), best of 7, one core. */
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

int main(int argc, char **argv)
{
    const long n = 1000000;
    double *x = malloc(n * sizeof *x), *v = malloc(n * sizeof *v), *e = malloc(n * sizeof *e);
    if (!x || !v || !e)
        return 1;
    unsigned long s = 12345;
    for (long i = 0; i < n; i++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        x[i] = 2.0 * (double)(s >> 11) / 9007199254740992.0 - 1.0;
    }
    for (int a = 1; a < argc; a++) {
        da_act *act = NULL;
        da_dual *d = NULL;
        da_dual_opts o;
        da_dual_opts_init(&o);
        o.digits = 17;   /* as the Python double path */
        if (da_act_new(&act, argv[a]) || da_dual_new(&d, act, &o)) {
            printf("%s: %s\n", argv[a], da_errmsg());
            return 1;
        }
        double best = 1e30;
        for (int r = 0; r < 7; r++) {
            double t0 = now();
            for (long i = 0; i < n; i++)
                da_dual_eval_d(&v[i], &e[i], d, x[i], 0);
            double t = now() - t0;
            if (t < best)
                best = t;
        }
        printf("%s %.6f %s\n", argv[a], best, da_dual_method(d));
        da_dual_free(d);
        da_act_free(act);
    }
    free(x);
    free(v);
    free(e);
    return 0;
}
