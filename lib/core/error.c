/* error.c -- the single error path of libdualact. */
#include "core.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void *da_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        da_fail(DA_ENOMEM, "out of memory (%zu bytes)", n);
    return p;
}

void *da_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        da_fail(DA_ENOMEM, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *da_realloc(void *q, size_t n)
{
    void *p = realloc(q, n ? n : 1);
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
