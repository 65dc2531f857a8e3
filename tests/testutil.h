/* testutil.h -- helpers shared by the unit tests. */
#ifndef DA_TESTUTIL_H
#define DA_TESTUTIL_H

#include <stdio.h>
#include <check.h>
#include "dualact.h"

/* Open tests/data/NAME (under $top_srcdir, or TOP_SRCDIR). */
FILE *tu_open_data(const char *name);

/* Read the next CSV record of a reference file (lines starting with '#'
 * and the header are skipped by the caller).  Splits at the last two
 * commas: key (which may contain commas), k, value.  Returns 1 on a
 * record, 0 at the end. */
int tu_read_kv(FILE *f, char *key, size_t klen, long *k, char *val, size_t vlen);

/* The iteration multiplier, as in Arb's tests: DUALACT_TEST_MULTIPLIER=N
 * (an integer >= 1, at most 1000; default 1) scales the randomized and
 * sampled cases and the per-case timeouts; DUALACT_TEST_HEAVY=1 (the former
 * switch) means 10. */
long tu_multiplier(void);
/* 1 when the multiplier is above 1: the heavier cases run too. */
int tu_heavy(void);
/* A per-case timeout of base seconds at multiplier 1, scaled by it. */
int tu_timeout(int base);
/* The time limits of a test case, for a loaded machine: each test may use
 * tu_timeout(base) seconds of CPU time per thread it runs (threads >= 1),
 * enforced by RLIMIT_CPU in the process that runs the test (a checked
 * fixture: the forked child, or the test runner under CK_FORK=no, counted
 * from the CPU time already used), so a test that computes too long dies
 * of SIGXCPU however busy the machine is; Check's own timeout, which is
 * wall-clock time, only catches a test that hangs without computing: it
 * is TU_WALL_FACTOR times the CPU allowance. */
#define TU_WALL_FACTOR 5
void tu_limits(TCase *tc, int base, int threads);

/* |x - ref| <= rad (the ball contains ref), ref given as decimal text,
 * compared at 400 bits. */
int tu_ball_contains_str(const da_ball_struct *b, const char *ref);
/* Same, with an exact mpfr reference. */
int tu_ball_contains(const da_ball_struct *b, const mpfr_t ref);

#endif
