/* error.c -- the single error path of libdualact. */
#include "core.h"
#include "core/arbinc.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <mpfr.h>

static _Thread_local char err_msg[512];
static _Thread_local int err_col;

const char *da_strerror(int status)
{
    switch (status) {
    case DA_OK: return "success";
    case DA_EINVAL: return "invalid argument";
    case DA_EPARSE: return "parse error";
    case DA_EDOM: return "activation undefined or not square integrable";
    case DA_EACCURACY: return "requested accuracy not reached";
    case DA_ENOMEM: return "out of memory";
    case DA_EINFINITE: return "the quantity is infinite";
    case DA_EIO: return "write failed";
    case DA_EINTR: return "interrupted";
    default: return "unknown error";
    }
}

const char *da_errmsg(void) { return err_msg; }
int da_errcol(void) { return err_col; }

void da_clear_error(void)
{
    err_msg[0] = '\0';
    err_col = 0;
}

static void set_msg(const char *fmt, va_list ap)
{
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    /* one line: cut at the first newline */
    char *nl = strchr(err_msg, '\n');
    if (nl)
        *nl = '\0';
}

int da_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msg(fmt, ap);
    va_end(ap);
    err_col = 0;
    return code;
}

int da_fail_col(int code, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msg(fmt, ap);
    va_end(ap);
    err_col = column;
    return code;
}

/* fault injection for the tests: the n-th da_malloc/da_calloc/da_realloc
   of this thread from now fails (0: none) */
static _Thread_local long alloc_countdown;

long dai_test_fail_alloc(long n)
{
    long left = alloc_countdown;
    alloc_countdown = n;
    return left;
}

/* MPFR keeps per-thread caches (pi, log 2, ...) that only
   mpfr_free_cache() releases, and so do Arb (flint_cleanup) and the
   per-thread caches registered with DA_CLEANUP_THREAD: a thread that uses the library gets a
   thread-exit destructor that releases them (about 7 KB per thread for
   MPFR alone otherwise leaked).  Registered on the thread's first allocation, which every
   computation makes. */
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;
static _Thread_local int exit_registered;

/* the registered cleanups (da_register_cleanup) */
#define DA_MAX_CLEANUPS 16
static struct {
    void (*fn)(void);
    int flags;
} cleanups[DA_MAX_CLEANUPS];
static int ncleanups;
static pthread_mutex_t cleanup_lock = PTHREAD_MUTEX_INITIALIZER;

int da_register_cleanup(void (*fn)(void), int flags)
{
    int st = DA_OK;
    pthread_mutex_lock(&cleanup_lock);
    int i = 0;
    while (i < ncleanups && cleanups[i].fn != fn)
        i++;
    if (i == ncleanups) {
        if (ncleanups < DA_MAX_CLEANUPS) {
            cleanups[ncleanups].fn = fn;
            cleanups[ncleanups].flags = flags;
            ncleanups++;
        } else {
            st = DA_ENOMEM;
        }
    }
    pthread_mutex_unlock(&cleanup_lock);
    return st;
}

void da_run_cleanups(int thread_only)
{
    void (*fns[DA_MAX_CLEANUPS])(void);
    int n = 0;
    pthread_mutex_lock(&cleanup_lock);
    for (int i = 0; i < ncleanups; i++)
        if (!thread_only || (cleanups[i].flags & DA_CLEANUP_THREAD))
            fns[n++] = cleanups[i].fn;
    pthread_mutex_unlock(&cleanup_lock);
    for (int i = 0; i < n; i++)
        fns[i]();
}

static void on_thread_exit(void *p)
{
    (void)p;
    /* the thread's own caches (the Gauss-Legendre rules, registered by
       lib/quad), then Arb's and FLINT's (constants such as pi at the
       precisions used), then MPFR's */
    da_run_cleanups(1);
    flint_cleanup();
    mpfr_free_cache();
}

static void exit_key_init(void)
{
    exit_key_ok = pthread_key_create(&exit_key, on_thread_exit) == 0;
}

static void register_thread(void)
{
    if (exit_registered)
        return;
    exit_registered = 1;
    pthread_once(&exit_once, exit_key_init);
    if (exit_key_ok)
        pthread_setspecific(exit_key, &exit_registered);
}

static int injected_failure(void)
{
    register_thread();
    return alloc_countdown > 0 && --alloc_countdown == 0;
}

void *da_malloc(size_t n)
{
    void *p = injected_failure() ? NULL : malloc(n ? n : 1);
    if (!p)
        da_fail(DA_ENOMEM, "out of memory (%zu bytes)", n);
    return p;
}

void *da_calloc(size_t n, size_t size)
{
    void *p = injected_failure() ? NULL : calloc(n ? n : 1, size ? size : 1);
    if (!p)
        da_fail(DA_ENOMEM, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *da_realloc(void *q, size_t n)
{
    void *p = injected_failure() ? NULL : realloc(q, n ? n : 1);
    if (!p)
        da_fail(DA_ENOMEM, "out of memory (%zu bytes)", n);
    return p;
}

char *da_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = da_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

size_t da_utf8_seq(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80)
        return u[0] ? 1 : 0;
    size_t n;
    unsigned long cp;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        n = 2;
        cp = u[0] & 0x1F;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        n = 3;
        cp = u[0] & 0x0F;
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        n = 4;
        cp = u[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    /* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp > 0x10FFFF)
        return 0;
    return n;
}

char *da_text_clean(const char *s)
{
    size_t n = strlen(s);
    char *p = da_malloc(n + 2);
    if (!p)
        return NULL;
    size_t k = 0;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t q = da_utf8_seq(s);
        if (q == 0) {
            p[k++] = '?';
            s++;
        } else if (q == 1) {
            p[k++] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
            s++;
        } else {
            memcpy(p + k, s, q);
            k += q;
            s += q;
        }
    }
    /* a trailing backslash would continue a gnuplot comment line */
    if (k && p[k - 1] == '\\')
        p[k++] = ' ';
    p[k] = '\0';
    return p;
}

/* GSL's default error handler aborts the program (a failed gsl_*_alloc
   included); the library checks every GSL status and return value itself,
   so the handler is turned off, once, before the first GSL call. */
static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_quiet_init(void)
{
    gsl_set_error_handler_off();
}

void da_gsl_quiet(void)
{
    pthread_once(&gsl_once, gsl_quiet_init);
}

gsl_rng *da_rng_new(unsigned long seed)
{
    da_gsl_quiet();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r)
        gsl_rng_set(r, seed);
    return r;
}

double da_lgamma(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}
