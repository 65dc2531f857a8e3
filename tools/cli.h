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

/* ---- options (opts.c): a table of cli_opt, one loop for every command ---- */
typedef enum {
    CLI_FLAG,         /* no value: *(int *)ptr = ival */
    CLI_LONG,         /* *(long *)ptr, an integer in [lo, hi] */
    CLI_ULONG,        /* *(unsigned long *)ptr, an integer in [lo, hi] */
    CLI_DOUBLE,       /* *(double *)ptr, a number in [lo, hi] */
    CLI_STRING,       /* *(const char **)ptr = the value as given */
    CLI_CHOICE,       /* *(int *)ptr = the index of the value in choices */
    CLI_FORMAT,       /* *(int *)ptr: text, csv, json (cli_parse_format) */
    CLI_TABLE_FORMAT, /* *(da_table_format *)ptr (cli_parse_table_format) */
    CLI_REFUSE,       /* no value: text is the usage error */
    CLI_CALL          /* call(o, value): 0 or the exit code (message printed) */
} cli_opt_kind;

typedef struct cli_opt cli_opt;
struct cli_opt {
    const char *name;             /* "--digits"; a table ends with name NULL */
    cli_opt_kind kind;
    void *ptr;
    double lo, hi;                /* the range of LONG, ULONG and DOUBLE */
    int *seen;                    /* set to 1 once the option was read (or NULL) */
    int ival;                     /* FLAG: the value stored */
    const char *const *choices;   /* CHOICE: NULL-terminated */
    const char *text;             /* REFUSE: the message */
    int (*call)(const cli_opt *o, const char *v);
    const char *alias;            /* another spelling ("-o" for "--output") */
};

/* one entry of a table: CLI_OPT("--digits", CLI_LONG, &digits, .lo = 1, .hi = 1000),
   designated fields after the first three; a table ends with CLI_OPT_END */
#define CLI_OPT(n, k, p, ...) {.name = (n), .kind = (k), .ptr = (p), __VA_ARGS__}
#define CLI_OPT_END {0}

/* what a second positional argument is told (the commands of one activation) */
enum { CLI_ARGS_LIST = 0, CLI_ONE_EXTRA, CLI_ONE_AT_A_TIME, CLI_ONE_GOT };

typedef struct {
    const char *cmd;       /* the command's name, in the messages */
    const char *usage;     /* printed on --help or -h */
    const cli_opt *opts;
    int one;               /* CLI_ARGS_LIST, or one activation (the message for a second) */
    int required;          /* no positional argument: "CMD: no activation given" */
    int extra_room;        /* room in args beyond the positional arguments */
    int (*arg)(void *ctx, const char *a);  /* positional arguments to a hook instead */
    void *ctx;
    const char *arg1;      /* out: the first positional argument (NULL: none) */
    const char **args;     /* out, CLI_ARGS_LIST: all of them (free() it) */
    int nargs;
    int help;              /* out: --help was given (usage printed, nothing else to do) */
} cli_parser;

/* Read argv[1..argc-1]: "--name value" and "--name=value", flags, and
 * the positional arguments (a word that does not start with "--",
 * such as a formula "-x").  Errors are reported as the commands always
 * did ("--digits needs a value", "CMD: unknown option '--x' (see dualact
 * CMD --help)", the ranges of cli_parse_long); returns 0 or exit code 2. */
int cli_parse(cli_parser *p, int argc, char **argv, FILE *out);
/* cli_parse for the commands of one activation (one: the message for a
 * second), which is required: *act gets it, or NULL after --help (usage
 * printed, nothing else to do).  Returns 0 or the exit code. */
int cli_parse_act(const char **act, const char *cmd, const char *usage, const cli_opt *opts,
                  int one, int argc, char **argv, FILE *out);
/* "CMD: no activation given (see dualact CMD --help)"; returns 2 */
int cli_no_activation(const char *cmd);

/* The data-set options of gram and simulate. */
typedef struct {
    const char *file, *sphere, *separated, *columns;   /* --data --sphere --separated --columns */
    int header;                                         /* --header */
    long seed;                                          /* --seed (default 1) */
} cli_data_opts;
#define CLI_DATA_OPTS(d)                                                                     \
    CLI_OPT("--data", CLI_STRING, &(d)->file), CLI_OPT("--sphere", CLI_STRING, &(d)->sphere), \
    CLI_OPT("--separated", CLI_STRING, &(d)->separated),                                     \
    CLI_OPT("--columns", CLI_STRING, &(d)->columns),                                         \
    CLI_OPT("--header", CLI_FLAG, &(d)->header, .ival = 1),                                  \
    CLI_OPT("--seed", CLI_LONG, &(d)->seed, .lo = 0, .hi = 4294967295.0)
/* the data set the options ask for (cmd_gram.c); returns 0 or the exit code */
int gram_cli_data(da_gram_data **data, const cli_data_opts *d);
/* one line that names the data set */
void gram_cli_describe(char *buf, size_t len, const da_gram_data *d);

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
/* seconds of proved quadrature a command may spend in all (da_set_time_limit) */
#define CLI_WORK_LIMIT 60.0
/* show the library's progress reports on stderr when it is a terminal */
void cli_progress_install(void);

/* "rigorous" or "estimate": the value of the bound fields and columns */
const char *cli_bound_kind(int rigorous);
/* the text line "bound       rigorous (...)" or "bound       estimate (reason)" */
void cli_print_bound(FILE *f, int rigorous, const char *reason);
/* A ball whose midpoint is NaN or infinite, or whose radius is infinite,
 * encloses nothing: it is never labelled rigorous (nor estimate).  1 when
 * b is finite (midpoint and radius). */
int cli_ball_finite(const da_ball_struct *b);
/* the label of one printed value: cli_bound_kind(rigorous) for a finite
 * ball, "none" (nothing is proved or estimated) for one that is not */
const char *cli_ball_kind(int rigorous, const da_ball_struct *b);
/* as cli_print_bound, for a result of which some values are not finite
 * (all_finite == 0): the line says that those values prove nothing */
void cli_print_bound_fin(FILE *f, int rigorous, const char *reason, int all_finite);
/* a double in JSON: the number, or the string "inf", "-inf" or "nan"
 * (JSON has no non-finite numbers); fmt is a printf format for one double */
void cli_json_double(FILE *f, const char *fmt, double v);

/* The options of the commands that evaluate the dual map (mapopts.c). */
typedef struct {
    long digits, depth, deriv, degree;
    int raw, ntk, fmt, have_depth, have_deriv, help;
    int method;         /* --method: 0 auto, 1 series, 2 closed */
    const char *rhos, *spec;
    mpfr_prec_t prec;   /* for the correlations: the digits asked and 33 guard bits */
} cli_map_opts;
/* --rho --depth (default depth) --digits --format --method --degree
 * [--derivative] --raw --ntk and one activation; --rho and the activation
 * are required.  Returns 0 (m->help set after --help) or the exit code. */
int cli_map_opts_parse(cli_map_opts *m, int argc, char **argv, const char *cmd,
                       const char *usage, long depth, int allow_derivative, FILE *out);
/* The depth-L map (and NTK) of n correlations (da_kmap_iterate): 0, also
 * when the digits were not reached (the caller judges them), or the exit
 * code (message printed). */
int cli_map_iterate(da_kmap **km, const da_dual *d, const da_ball_struct *rho, size_t n,
                    const cli_map_opts *m);
/* The JSON fields after "method": of a dual: the method, "accuracy_reached",
 * "bound" and, for an estimate, "bound_reason" (each line ends with ","). */
void cli_map_json_method(FILE *out, const da_dual *d, int reached, int all_finite);
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
/* kernel's input kernel: --q1 --q2 --cov together, or --rho (default 0:
 * q1 = q2 = 1, c = rho); the balls at prec (initialised by the caller).
 * Return 0 or exit code 2 (message printed). */
int cli_kernel_inputs_check(const char *q1s, const char *q2s, const char *covs, const char *rhos);
int cli_kernel_inputs(da_ball q1, da_ball q2, da_ball c, const char *q1s, const char *q2s,
                      const char *covs, const char *rhos, mpfr_prec_t prec);
/* The rows of kernel and kernel --net (cmd_kernel.c), one writer for both:
 * layer, q1, q2, nngp, ntk with their errors, bound, and the layer's name
 * when name is not NULL (--net).  kernel_rows_judge: the exit status
 * against the digits asked (EXIT_ACCURACY, with one line on stderr naming
 * what, when a value is not enclosed or not to `digits`), *all_fin 1 when
 * every value is enclosed; b[4 l + j] the balls of row l. */
int kernel_rows_judge(const da_ball_struct *const *b, long nrows, long digits, const char *what,
                      int *all_fin);
void kernel_rows_head(FILE *out, int fmt, long digits, int named);
void kernel_row_write(FILE *out, int fmt, long layer, const da_ball_struct *const b[4],
                      const char *name, int rig, long digits, int last);
/* kernel --net SPEC (cmd_kernel_net.c) */
int kernel_net(const char *spec, const char *q1s, const char *q2s, const char *covs,
               const char *rhos, long digits, int fmt, FILE *out);
int cmd_plot(int argc, char **argv, FILE *out);
int cmd_depth(int argc, char **argv, FILE *out);
/* 1 when argv has --net (or --net=...): depth and iterate over a network
 * (cmd_depth_net.c, cmd_iterate_net.c) */
int cli_has_net(int argc, char **argv);
int cmd_depth_net(int argc, char **argv, FILE *out);
int cmd_iterate_net(int argc, char **argv, FILE *out);
int cmd_gram(int argc, char **argv, FILE *out);
/* The (delta, eps, n) lists of depth and depth --net: the items as given,
 * n as longs, delta and eps as exact decimals in balls (512 bits). */
typedef struct {
    char **ld, **le, **ln;
    int nd, ne, nn;
    long *nv;
    da_ball *bd, *be;
} cli_depth_items;
void cli_depth_lists_init(cli_depth_items *L);
/* split the three comma lists; an empty item is refused ("empty item
 * in"), as every list option does.  Returns 0 or 2 (reported). */
int cli_depth_lists_split(cli_depth_items *L, const char *sd, const char *se, const char *sn);
/* the rows asked: per rows for each (delta, eps, n), to hold against
 * CLI_MAX_ROWS before any work */
double cli_depth_lists_rows(const cli_depth_items *L, double per);
/* the split items read and checked (n >= 2, delta in (0, 1], eps in
 * (0, n - 1)) into nv, bd, be.  Returns 0 or 2 (reported). */
int cli_depth_lists(cli_depth_items *L);
void cli_depth_lists_clear(cli_depth_items *L);
int cmd_simulate(int argc, char **argv, FILE *out);
int cmd_shape(int argc, char **argv, FILE *out);
/* one --rho value (a decimal in [-1, 1]) into a ball at precision prec
 * (initialized here); text gets a copy.  Returns 0 or 2 (usage error). */
int cli_parse_rho(const char *s, size_t len, da_ball b, mpfr_prec_t prec, char *text, size_t tl);

#endif
