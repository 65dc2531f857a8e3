/* progress.c -- the progress hook of long computations (da_progress_set).
 *
 * Per thread: a computation reports through a da_prog it starts; the hook
 * hears of it only once the computation has run for a second, then at
 * most twice a second, and once more (count = -1) when it ends.  Nothing
 * here prints: the command-line tool's hook writes to a terminal.
 *
 * Also per thread: a time limit for all the proved computations that
 * follow (da_set_time_limit); the engines take the smaller of their own
 * budget and what is left (da_time_left). */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"

#include <math.h>
#include <time.h>

static _Thread_local double deadline;   /* da_work_clock seconds; 0: none */
static _Thread_local da_progress_fn hook;
static _Thread_local double first_after = 1.0, every = 0.5;   /* seconds */
static _Thread_local void *hook_ctx;

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

void da_prog_start(da_prog *p)
{
    p->t0 = p->last = now();
    p->shown = 0;
}

void da_prog_tick(da_prog *p, const char *what, long count)
{
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
    if (deadline == 0)
        return INFINITY;
    double left = deadline - da_work_clock();
    return left > 0 ? left : 0;
}
