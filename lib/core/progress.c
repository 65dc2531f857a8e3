/* progress.c -- the progress hook of long computations (da_progress_set).
 *
 * Per thread: a computation reports through a da_prog it starts; the hook
 * hears of it only once the computation has run for a second, then at
 * most twice a second, and once more (count = -1) when it ends.  Nothing
 * here prints: the command-line tool's hook writes to a terminal.
 *
 * Also per thread: a time limit for all the proved computations that
 * follow (da_set_time_limit); the engines take the smaller of their own
 * budget and what is left (da_time_left).  And a poll function
 * (da_poll_set), called from da_prog_tick, da_time_left and the engines'
 * budget checks at most every POLL_EVERY seconds: once it asks to stop,
 * the time left is 0 and the engines stop as at their budget. */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"

#include <math.h>
#include <time.h>

static _Thread_local double deadline;   /* da_work_clock seconds; 0: none */
static _Thread_local da_progress_fn hook;
static _Thread_local double first_after = 1.0, every = 0.5;   /* seconds */
static _Thread_local void *hook_ctx;
/* the poll function (da_poll_set): when it was last called, and whether it
   asked to stop */
static _Thread_local da_poll_fn poll_fn;
static _Thread_local void *poll_ctx;
static _Thread_local double poll_last;
static _Thread_local int poll_stop;
#define POLL_EVERY 0.05   /* seconds of wall time */

void da_progress_set(da_progress_fn fn, void *ctx)
{
    hook = fn;
    hook_ctx = ctx;
}

void da_progress_timing(double first, double interval)
{
    first_after = first >= 0 ? first : 1.0;
    every = interval >= 0 ? interval : 0.5;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double da_work_clock(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void da_poll_set(da_poll_fn fn, void *ctx)
{
    poll_fn = fn;
    poll_ctx = ctx;
    poll_last = 0;
    poll_stop = 0;
}

int da_poll_check(void)
{
    if (poll_stop || !poll_fn)
        return poll_stop;
    double t = now();
    if (t - poll_last < POLL_EVERY)
        return 0;
    poll_last = t;
    if (poll_fn(poll_ctx))
        poll_stop = 1;
    return poll_stop;
}

void da_prog_start(da_prog *p)
{
    p->t0 = p->last = now();
    p->shown = 0;
}

void da_prog_tick(da_prog *p, const char *what, long count)
{
    da_poll_check();
    if (!hook)
        return;
    double t = now();
    if (t - p->t0 < first_after || t - p->last < every)
        return;
    p->last = t;
    p->shown = 1;
    hook(hook_ctx, what, count, t - p->t0);
}

void da_prog_end(da_prog *p, const char *what)
{
    if (hook && p->shown)
        hook(hook_ctx, what, -1, now() - p->t0);
    p->shown = 0;
}

void da_set_time_limit(double seconds)
{
    deadline = seconds > 0 ? da_work_clock() + seconds : 0;
}

double da_time_left(void)
{
    if (da_poll_check())
        return 0;
    if (deadline == 0)
        return INFINITY;
    double left = deadline - da_work_clock();
    return left > 0 ? left : 0;
}
