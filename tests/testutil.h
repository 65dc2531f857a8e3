/* testutil.h -- helpers shared by the unit tests. */
#ifndef DA_TESTUTIL_H
#define DA_TESTUTIL_H

#include <stdio.h>
#include "dualact.h"

/* Open tests/data/NAME (under $top_srcdir, or TOP_SRCDIR). */
FILE *tu_open_data(const char *name);

/* Read the next CSV record of a reference file (lines starting with '#'
 * and the header are skipped by the caller).  Splits at the last two
 * commas: key (which may contain commas), k, value.  Returns 1 on a
 * record, 0 at the end. */
int tu_read_kv(FILE *f, char *key, size_t klen, long *k, char *val, size_t vlen);

/* 1 when DUALACT_TEST_HEAVY is set to a non-empty value other than 0. */
int tu_heavy(void);

/* |x - ref| <= rad (the ball contains ref), ref given as decimal text,
 * compared at 400 bits. */
int tu_ball_contains_str(const da_ball_struct *b, const char *ref);
/* Same, with an exact mpfr reference. */
int tu_ball_contains(const da_ball_struct *b, const mpfr_t ref);

#endif
