/* cli.h -- the command-line layer over libdualact (not installed).
 * Every command writes into a memory buffer; the buffer reaches stdout
 * only when the command succeeded (exit 0) or reached less accuracy than
 * asked (exit 3), so an input error never leaves half a table behind. */
#ifndef DA_CLI_H
#define DA_CLI_H

#include <stdio.h>
#include "dualact.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_ACCURACY = 3, EXIT_INTERNAL = 4 };

typedef enum { FMT_TEXT, FMT_CSV, FMT_JSON } out_format;

/* Extra decimal digits asked of multi-layer computations, so that the
 * radii, which grow from layer to layer, still meet the digits asked. */
#define GUARD_DIGITS 6

/* Options common to every command. */
typedef struct {
    long digits;        /* --digits */
    int raw;            /* --raw */
    out_format format;  /* --format */
    const char **acts;  /* positional arguments */
    int nacts;
} common_opts;

/* Report a usage or input error on stderr (one line) and return 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a library error (status, da_errmsg) and return the exit code. */
int cli_lib_error(int status, const char *context);

/* da_act_new, reporting a failure (with a caret under the column of a
 * parse error) on stderr; returns 0 or the exit code. */
int cli_act_new(da_act **act, const char *spec);
/* --format text|csv|json; returns 0 or exit code 2 (message printed). */
int cli_parse_format(const char *v, int *fmt);

/* --format for commands that print a da_table: text, csv, json,
 * markdown (or md), latex; returns 0 or exit code 2 (message printed). */
int cli_parse_table_format(const char *v, da_table_format *fmt);

/* Strict number parsing: the whole string, in range. */
int cli_parse_long(const char *s, long lo, long hi, long *out, const char *what);
int cli_parse_double(const char *s, double lo, double hi, double *out, const char *what);

/* Write a ball as "value" with the absolute resolution it vouches for
 * (at most 10^-(digits+1)), and its error bound rounded upwards, which
 * includes the rounding of the printed value.  Returns nothing: both
 * strings are written into val and err (truncated to vlen, elen). */
void cli_fmt_ball(char *val, size_t vlen, char *err, size_t elen,
                  const da_ball_struct *b, long digits);

/* Caps checked before any work (docs/manual.md, "Limits"): memory at most
 * half the physical memory and at most CLI_MEMORY_CAP bytes (and within
 * RLIMIT_AS); estimated run time at most CLI_TIME_CAP seconds; lists of
 * combinations at most CLI_MAX_ROWS rows. */
#define CLI_MEMORY_CAP 8e9
#define CLI_TIME_CAP 100.0
#define CLI_MAX_ROWS 1000
/* the Hermite engine: --digits and --degree, and their product (coeffs
 * tanh: 1000 digits about 70 s, degree 20000 about 30 s, degree 2000 at
 * 500 digits about 130 s on a 2-core machine) */
/* a data file (--data) is read up to this many bytes */
#define CLI_MAX_DATA_BYTES ((size_t)512 << 20)
#define CLI_MAX_DIGITS 1000
#define CLI_MAX_DEGREE 20000
#define CLI_MAX_DEGREE_DIGITS 600000.0
/* the limit in bytes (the smallest of the three) */
double cli_memory_limit(void);
/* 0, or exit code 2 with "WHAT needs about X GB of memory, above ..."
 * (hint, when not NULL, appended after "; ") */
int cli_check_memory(double bytes, const char *what, const char *hint);
/* 0, or exit code 2 with "WHAT would take about X s (estimated), ..." */
int cli_check_time(double seconds, const char *what, const char *hint);
/* progress lines on stderr are for terminals only */
int cli_progress_wanted(void);

/* JSON string escaping. */
void cli_json_str(FILE *f, const char *s);
/* "rigorous" or "estimate": the value of the bound fields and columns */
const char *cli_bound_kind(int rigorous);
/* the text line "bound       rigorous (...)" or "bound       estimate (reason)" */
void cli_print_bound(FILE *f, int rigorous, const char *reason);

/* The options of the commands that evaluate the dual map (mapopts.c). */
typedef struct {
    long digits, depth, deriv, degree;
    int raw, ntk, fmt, have_depth, have_deriv, help;
    const char *rhos, *spec, *method;
} cli_map_opts;
void cli_map_opts_init(cli_map_opts *m, long depth);
/* --rho --depth --digits --format --method --degree [--derivative] --raw
 * --ntk and one activation; --rho and the activation are required.
 * Returns 0 (m->help set after --help) or the exit code. */
int cli_map_opts_parse(cli_map_opts *m, int argc, char **argv, const char *cmd,
                       const char *usage, int allow_derivative, FILE *out);
/* The dual the options ask for (guard digits over several layers). */
int cli_map_dual(da_dual **d, const da_act *act, const cli_map_opts *m, double rho_max);

int cmd_coeffs(int argc, char **argv, FILE *out);
int cmd_list(int argc, char **argv, FILE *out);
int cmd_table(int argc, char **argv, FILE *out);
int cmd_diff(int argc, char **argv, FILE *out);
int cmd_learn(int argc, char **argv, FILE *out);
int cmd_dual(int argc, char **argv, FILE *out);
int cmd_iterate(int argc, char **argv, FILE *out);
int cmd_meanfield(int argc, char **argv, FILE *out);
int cmd_kernel(int argc, char **argv, FILE *out);
int cmd_plot(int argc, char **argv, FILE *out);
int cmd_depth(int argc, char **argv, FILE *out);
int cmd_gram(int argc, char **argv, FILE *out);
int cmd_simulate(int argc, char **argv, FILE *out);
/* one --rho value (a decimal in [-1, 1]) into a ball at precision prec
 * (initialized here); text gets a copy.  Returns 0 or 2 (usage error). */
int cli_parse_rho(const char *s, size_t len, da_ball b, mpfr_prec_t prec, char *text, size_t tl);

#endif
