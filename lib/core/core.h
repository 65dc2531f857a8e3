/* core.h -- internal helpers shared by every stage of libdualact.
 * Not installed. */
#ifndef DA_CORE_H
#define DA_CORE_H

#include "dualact.h"
#include <stdarg.h>
#include <gsl/gsl_rng.h>

/* Record a one-line error message for da_errmsg() and return code.
 * The single error path of the library: every failure goes through here. */
int da_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same, also recording the column of a parse error. */
int da_fail_col(int code, int column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void da_clear_error(void);

/* Caches of the later stages, released without core knowing them (the
 * arrows point one way: core calls none of the stages).  A stage
 * registers its cache's clear function once (idempotent, thread-safe):
 * da_free_cache calls every registered function; with DA_CLEANUP_THREAD
 * the function clears the calling thread's cache, and a thread that used
 * the library calls it when it exits.  Returns DA_OK, DA_ENOMEM when the
 * table of 16 is full (the cache is then released by nothing). */
enum { DA_CLEANUP_THREAD = 1 };
int da_register_cleanup(void (*fn)(void), int flags);
/* Calls the registered functions: all (da_free_cache) or only the
 * per-thread ones (thread exit). */
void da_run_cleanups(int thread_only);

/* Allocation that records DA_ENOMEM on failure (returns NULL). */
void *da_malloc(size_t n);
void *da_calloc(size_t n, size_t size);
void *da_realloc(void *p, size_t n);
char *da_strdup(const char *s);
/* Tests only (not exported): the n-th allocation through da_malloc,
   da_calloc or da_realloc of the calling thread from now fails; 0 turns
   the injection off.  Returns the countdown left from the previous call
   (> 0: the failure was never reached). */
long dai_test_fail_alloc(long n);
/* Turn GSL's aborting default error handler off (once, thread-safely);
   called by every function that calls GSL. */
void da_gsl_quiet(void);
/* A GSL mt19937 generator seeded with seed (GSL quietened first), the one
   every simulation and sampled data set draws from; NULL when out of
   memory.  gsl_rng_free frees it. */
gsl_rng *da_rng_new(unsigned long seed);
/* The length (1..4) of the valid UTF-8 sequence at s, 0 at the end of the
   string or for an invalid one (overlong, surrogate, stray byte). */
size_t da_utf8_seq(const char *s);
/* A copy of s that is safe as one line of text in any generated file:
   control characters (and DEL) become spaces, bytes that are not valid
   UTF-8 become '?', a trailing backslash gets a space after it.  Labels,
   titles and comments pass through it: they are data, never code. */
char *da_text_clean(const char *s);

/* Ball helpers. rad arithmetic rounds upwards. */
void da_ball_set_exact_mid(da_ball b, const mpfr_t mid); /* rad = 0 */
void da_rad_add(mpfr_t rad, const mpfr_t x);           /* rad += |x| (RNDU) */
void da_rad_add_d(mpfr_t rad, double x);               /* rad += |x| (RNDU) */

/* rad += one ulp of mid: the rounding of a midpoint just computed
   (nothing for 0 or a non-number). */
void da_ball_add_ulp(da_ball b);
/* A decimal string into b at the precision of b->mid, rounded to nearest;
   rad is one ulp when the decimal is not exact (the least positive number
   when it underflowed to 0).  DA_EINVAL when s is not a number. */
int da_ball_set_decimal(da_ball b, const char *s);
/* The upper and lower ends of a ball as doubles, rounded outwards. */
double da_ball_hi_d(const da_ball b);
double da_ball_lo_d(const da_ball b);


/* log Gamma(x) without the global sign variable of lgamma(): safe from
   any thread (lgamma_r). */
double da_lgamma(double x);

/* Progress of one computation (progress.c): start it, tick it as work
   is done (the hook hears of it only after a second, twice a second at
   most), end it. */
typedef struct {
    double t0, last;
    int shown;
} da_prog;
void da_prog_start(da_prog *p);
void da_prog_tick(da_prog *p, const char *what, long count);
void da_prog_end(da_prog *p, const char *what);
/* When the hook first hears of a computation (default 1 s) and how often
   after that (0.5 s), for the calling thread; the tests set 0, 0. */
void da_progress_timing(double first, double interval);
/* The calling thread's poll function (da_poll_set), called at most every
   50 ms of wall time: 1 once it has asked to stop (and from then on until
   da_poll_set is called again), else 0.  Long loops call it where they
   check their budget. */
int da_poll_check(void);
/* Seconds left before the calling thread's time limit (INFINITY: none;
   0 once the poll function asked to stop). */
double da_time_left(void);
/* The clock of the work budgets: CPU seconds of the calling thread, so
   that a budget measures work, not the machine's load (progress reports
   keep to the wall clock). */
double da_work_clock(void);

/* Bits needed for d decimal digits. */
mpfr_prec_t da_digits_to_bits(long digits);

#endif
