/* bench_units.c -- the speed figures that the unit tests used to assert
 * (tests/check_expr.c and tests/check_learn.c now check only what the
 * loops compute: a loaded machine must not fail the test suite):
 *   - a million evaluations of x*tanh(softplus(x)) on the double tape
 *     (the former bound: under 1 s),
 *   - the degree spectrum K = 200, L = 100 at 30 digits for sign and
 *     relu_normalized, CPU time including the Hermite coefficients (the
 *     former bound: under 3 s; docs/learn.md records the figures).
 * Built on demand by bench_units.sh, not part of make check. */
#include <math.h>
#include <stdio.h>
#include <time.h>
#include "dualact.h"
#include "core/core.h"
#include "act/expr.h"

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    da_expr *e = NULL;
    if (da_expr_parse(&e, "x*tanh(softplus(x))") != DA_OK) {
        fprintf(stderr, "bench_units: %s\n", da_errmsg());
        return 1;
    }
    da_tape *t = da_tape_new(e);
    double best = INFINITY, s = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = now(CLOCK_MONOTONIC);
        for (int i = 0; i < 1000000; i++)
            s += da_tape_eval_d(t, -8.0 + 16.0 * i / 1e6);
        double dt = now(CLOCK_MONOTONIC) - t0;
        if (dt < best)
            best = dt;
    }
    printf("tape, x*tanh(softplus(x)) in double: 10^6 evaluations in %.3f s, best of 5 (%.1f M/s; sum %.6g)\n",
           best, 1.0 / best, s);
    da_tape_free(t);
    da_expr_unref(e);

    const char *acts[] = {"sign", "relu_normalized"};
    for (int i = 0; i < 2; i++) {
        da_act *a = NULL;
        da_learn_spectrum *sp = NULL;
        double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        if (da_act_new(&a, acts[i]) != DA_OK || da_learn_spectrum_new(&sp, a, 200, 100, 30) != DA_OK) {
            fprintf(stderr, "bench_units: %s: %s\n", acts[i], da_errmsg());
            da_act_free(a);
            return 1;
        }
        double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        printf("learn spectrum %s, K = 200, L = 100, 30 digits: composition %.3f s wall, %.3f s CPU in all\n",
               acts[i], da_learn_seconds(sp), cpu);
        da_learn_spectrum_free(sp);
        da_act_free(a);
    }
    return 0;
}
