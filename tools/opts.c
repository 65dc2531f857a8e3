/* opts.c -- one option loop for every command: a table of cli_opt
 * (name, kind, where the value goes, range) read by cli_parse. */
#include "cli.h"
#include <stdlib.h>
#include <string.h>

int cli_parse_act(const char **act, const char *cmd, const char *usage, const cli_opt *opts,
                  int one, int argc, char **argv, FILE *out)
{
    cli_parser p = {.cmd = cmd, .usage = usage, .opts = opts, .one = one, .required = 1};
    int rc = cli_parse(&p, argc, argv, out);
    *act = rc || p.help ? NULL : p.arg1;
    return rc;
}

int cli_no_activation(const char *cmd)
{
    return cli_usage_error("%s: no activation given (see dualact %s --help)", cmd, cmd);
}

static const cli_opt *find_opt(const cli_opt *opts, const char *a, size_t len)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if ((strlen(o->name) == len && !strncmp(o->name, a, len)) ||
            (o->alias && strlen(o->alias) == len && !strncmp(o->alias, a, len)))
            return o;
    return NULL;
}

/* "a, b, c" from a NULL-terminated list, for the error message */
static void join_choices(char *buf, size_t size, const char *const *choices)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int k = 0; choices[k] && o < size; k++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? ", " : "", choices[k]);
}

/* the value v of option o (typed as name) */
static int set_value(const cli_opt *o, const char *v)
{
    long l;
    switch (o->kind) {
    case CLI_LONG:
        return cli_parse_long(v, (long)o->lo, (long)o->hi, (long *)o->ptr, o->name) ? EXIT_USAGE : 0;
    case CLI_ULONG:
        if (cli_parse_long(v, (long)o->lo, (long)o->hi, &l, o->name))
            return EXIT_USAGE;
        *(unsigned long *)o->ptr = (unsigned long)l;
        return 0;
    case CLI_DOUBLE:
        return cli_parse_double(v, o->lo, o->hi, (double *)o->ptr, o->name) ? EXIT_USAGE : 0;
    case CLI_STRING:
        *(const char **)o->ptr = v;
        return 0;
    case CLI_CHOICE:
        for (int k = 0; o->choices[k]; k++)
            if (!strcmp(v, o->choices[k])) {
                *(int *)o->ptr = k;
                return 0;
            }
        {
            char list[256];
            join_choices(list, sizeof list, o->choices);
            return cli_usage_error("%s: '%s' is not one of %s", o->name, v, list);
        }
    case CLI_FORMAT:
        return cli_parse_format(v, (int *)o->ptr);
    case CLI_TABLE_FORMAT:
        return cli_parse_table_format(v, (da_table_format *)o->ptr);
    case CLI_CALL:
        return o->call(o, v);
    default:
        return EXIT_INTERNAL;
    }
}

static int takes_value(const cli_opt *o)
{
    return o->kind != CLI_FLAG && o->kind != CLI_REFUSE;
}

/* a positional argument: the hook's, a list's, or the one activation */
static int positional(cli_parser *p, const char *a)
{
    if (p->arg)
        return p->arg(p->ctx, a);
    if (!p->nargs)
        p->arg1 = a;
    if (p->one == CLI_ARGS_LIST) {
        p->args[p->nargs++] = a;
        return 0;
    }
    if (!p->nargs++)
        return 0;
    if (p->one == CLI_ONE_EXTRA)
        return cli_usage_error("%s: one activation only ('%s' is extra)", p->cmd, a);
    if (p->one == CLI_ONE_AT_A_TIME)
        return cli_usage_error("%s: one activation at a time ('%s' and '%s')", p->cmd, p->arg1, a);
    return cli_usage_error("%s: one activation only (got '%s' and '%s')", p->cmd, p->arg1, a);
}

int cli_parse(cli_parser *p, int argc, char **argv, FILE *out)
{
    p->nargs = 0;
    p->help = 0;
    p->arg1 = NULL;
    p->args = NULL;
    /* a list of positional arguments gets room for every word */
    if (p->one == CLI_ARGS_LIST && !p->arg) {
        p->args = calloc((size_t)argc + (size_t)p->extra_room + 1, sizeof *p->args);
        if (!p->args)
            return cli_usage_error("out of memory");
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(p->usage, out);
            p->help = 1;
            return EXIT_OK;
        }
        /* --name=value, for the options that take a value */
        const char *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
        const cli_opt *o = find_opt(p->opts, a, eq ? (size_t)(eq - a) : strlen(a));
        if (o && eq && !takes_value(o))
            return cli_usage_error("%.*s takes no value", (int)(eq - a), a);
        if (!o) {
            if (a[0] == '-' && a[1] == '-')
                return cli_usage_error("%s: unknown option '%s' (see dualact %s --help)", p->cmd, a,
                                       p->cmd);
            int rc = positional(p, a);
            if (rc)
                return rc;
            continue;
        }
        int rc;
        if (o->kind == CLI_FLAG) {
            *(int *)o->ptr = o->ival;
            rc = 0;
        } else if (o->kind == CLI_REFUSE) {
            rc = cli_usage_error("%s", o->text);
        } else if (eq) {
            rc = set_value(o, eq + 1);
        } else if (i + 1 >= argc) {
            rc = cli_usage_error("%s needs a value", a);
        } else {
            rc = set_value(o, argv[++i]);
        }
        if (rc)
            return rc;
        if (o->seen)
            *o->seen = 1;
    }
    if (p->required && !p->nargs && !p->arg)
        return cli_no_activation(p->cmd);
    return EXIT_OK;
}
