/* bench_gh.c -- time one Gauss-Hermite rule (n nodes, prec bits), cold. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "dualact.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    long prec = argc > 2 ? atol(argv[2]) : 333;
    const mpfr_t *x, *w;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (da_gh_rule(&x, &w, n, (mpfr_prec_t)prec) != DA_OK)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.4f\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    da_free_cache();
    return 0;
}
