/* dualact/core.h -- version, status codes, error messages, balls, caches,
 * progress and time limits: what every stage of libdualact uses.
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_CORE_H
#define DUALACT_CORE_H

#include <stddef.h>
#include <mpfr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Core: version, status codes, errors                                */
/* ------------------------------------------------------------------ */

const char *da_version(void);

enum {
    DA_OK = 0,
    DA_EINVAL = 1,     /* invalid argument or input (bad name, parameter, range) */
    DA_EPARSE = 2,     /* expression does not parse */
    DA_EDOM = 3,       /* activation undefined on the line, non-finite, or not in L2(phi) */
    DA_EACCURACY = 4,  /* requested accuracy not reached: results are valid, bounds wider */
    DA_ENOMEM = 5,
    DA_EINFINITE = 6,  /* the requested quantity is infinite */
    DA_EIO = 7,        /* writing to a stream failed */
    DA_EINTR = 8       /* stopped at the caller's request (a poll function) */
};

/* A short fixed description of a status code. */
const char *da_strerror(int status);

/* The detailed one-line message of the last error raised in this thread
 * ("" when none).  Valid until the next failing call in the same thread. */
const char *da_errmsg(void);

/* The column (1-based) of the last parse error in this thread, 0 if none. */
int da_errcol(void);

/* ------------------------------------------------------------------ */
/* Core: balls                                                        */
/* ------------------------------------------------------------------ */

/* A ball: |true value - mid| <= rad.  rad has DA_RAD_PREC bits and is
 * always rounded upwards. */
#define DA_RAD_PREC 53
typedef struct {
    mpfr_t mid;
    mpfr_t rad;
} da_ball_struct;
typedef da_ball_struct da_ball[1];

void da_ball_init2(da_ball b, mpfr_prec_t prec);
void da_ball_clear(da_ball b);
void da_ball_set(da_ball dst, const da_ball src);
/* -log10(rad): the number of correct decimals the ball vouches for. */
double da_ball_digits(const da_ball b);
/* Ball arithmetic: the result contains every value the inputs allow
 * (midpoint at r's precision, radius rounded upwards). */
void da_ball_add(da_ball r, const da_ball a, const da_ball b);
void da_ball_sub(da_ball r, const da_ball a, const da_ball b);
void da_ball_mul(da_ball r, const da_ball a, const da_ball b);
/* DA_EDOM (r = NaN +- Inf) when b contains 0. */
int da_ball_div(da_ball r, const da_ball a, const da_ball b);
/* The square root of the non-negative part of a. */
void da_ball_sqrt(da_ball r, const da_ball a);
/* b as text, printing only what it vouches for.  val gets the midpoint
 * rounded to at most `digits` decimals after the point (absolute
 * accuracy 10^-digits), fewer when the radius is larger: in scientific
 * notation with DA_BALL_SCI ("9.8040366242e-01", "0" when the ball
 * holds nothing but noise at that accuracy), with the decimals as fixed
 * point with DA_BALL_FIXED ("0.9804", never "-0.0000").  err (unless
 * NULL) gets an upper bound, in three digits ("5.09e-12"), of |printed
 * value - any point of b| with DA_BALL_SCI, of the radius with
 * DA_BALL_FIXED.  Non-numbers print as "nan"
 * (err "inf") and infinite midpoints as "inf" / "-inf".  Outputs are
 * truncated to their lengths (vlen >= 32 keeps every style intact). */
enum { DA_BALL_SCI = 0, DA_BALL_FIXED = 1 };
void da_ball_get_str(char *val, size_t vlen, char *err, size_t elen, const da_ball b,
                     long digits, int style);
/* An upper bound of every point of b as text: mid + rad rounded upwards,
 * in scientific notation with `digits` digits after the point, also
 * rounded upwards ("1.234568e-03" for 6).  Non-numbers print as "nan".
 * Truncated to vlen. */
void da_ball_get_upper_str(char *val, size_t vlen, const da_ball b, long digits);

/* ------------------------------------------------------------------ */
/* Core: caches, progress, time limits                                */
/* ------------------------------------------------------------------ */

/* Release every cache the library holds (rules, constants; MPFR's caches
 * of the calling thread).  Call it only while no other thread is inside a
 * libdualact function (e.g. after joining the workers): it frees rules
 * that a running computation may be reading.  The library may be used
 * again afterwards.  Threads that used the library release their MPFR
 * caches when they exit, without a call. */
void da_free_cache(void);

/* Progress of long computations in the calling thread: once one has run
 * for a second, fn(ctx, what, count, seconds) is called at most twice a
 * second (what names the work, e.g. "quadrature intervals"; count is how
 * much is done; seconds since it started), and once more with count = -1
 * when it ends.  fn = NULL (the default) turns it off.  The library never
 * prints; the command-line tool's fn writes to a terminal. */
typedef void (*da_progress_fn)(void *ctx, const char *what, long count, double seconds);
void da_progress_set(da_progress_fn fn, void *ctx);
/* A time limit for the calling thread: the proved computations that run
 * after this call stop once they have used `seconds` of the thread's CPU
 * time (each also has its own budget of 60 s), returning DA_EACCURACY with
 * proved but wider results.  CPU time, not wall time, so that a loaded
 * machine does not change the answer.  seconds <= 0 removes the limit. */
void da_set_time_limit(double seconds);
/* A poll function for the calling thread (fn = NULL, the default: none),
 * to stop long computations from outside (an interrupt, a cancel
 * button): the proved quadrature, the Hermite coefficients, the
 * kernel-map iteration, the direct quadrature and the Gram analyses call
 * fn(ctx) in the calling thread at most every 50 ms of wall time.  Once
 * it returns nonzero they stop as soon as they can, as at their time
 * limit (DA_EACCURACY with proved but wider results; da_gram_analyze
 * returns DA_EINTR), and so does every later computation of the thread
 * until da_poll_set is called again (which also forgets the request). */
typedef int (*da_poll_fn)(void *ctx);
void da_poll_set(da_poll_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_CORE_H */
