/* dualact.c -- the command-line tool: dispatch to the commands. */
#include "cli.h"
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: dualact COMMAND [ARGS...] [--digits D] [--raw] [--format text|csv|json]\n"
    "\n"
    "Hermite expansions and dual activations of neural-network activations,\n"
    "with an error bound on every number.\n"
    "\n"
    "commands:\n"
    "  list      the catalogue of named activations\n"
    "  coeffs    Hermite coefficients, mean, variance, mu, beta\n"
    "  table     one row per activation, for papers (LaTeX, Markdown, CSV, JSON)\n"
    "  diff      symbolic derivatives of an activation (--latex: as LaTeX)\n"
    "  learn     low-degree mass of deep random networks over depth (line, sphere)\n"
    "  dual      dual activation sigma_hat(rho), derivatives, depth-L maps, NTK\n"
    "  iterate   correlation map and NTK layer by layer, fixed points, rates\n"
    "  meanfield mean-field signal propagation: q*, c*, chi_1, depth scales, phase\n"
    "  kernel    NNGP and NTK of a network Dense(sw2, sb2), (act, Dense) x L\n"
    "  plot      figures (SVG, pgfplots, gnuplot): dual, iterate, mass, lambda, phase\n"
    "  depth     proved minimal depth for a well-conditioned kernel, and bounds\n"
    "  gram      kernel matrix of a data set over depth: eigenvalues, effective ranks\n"
    "  simulate  finite-width random networks beside the infinite-width kernel\n"
    "  shape     kernel shaping (TAT, DKS): transformed activation, proved parameters\n"
    "\n"
    "An activation is a catalogue name ('relu', 'elu(0.5)') or a formula in x\n"
    "('x*tanh(softplus(x))').  'dualact COMMAND --help' describes a command.\n"
    "Exit status: 0 success, 2 usage or input error, 3 accuracy not reached.\n";

/* Write len bytes to stdout and close it, checking every step: a write
   that fails (a full disk, /dev/full, a closed pipe) is an error, never
   a silent truncation.  Returns 0, or 2 with one line on stderr. */
static int finish_stdout(const char *buf, size_t len)
{
    int bad = 0, e = 0;
    if (len && fwrite(buf, 1, len, stdout) != len) {
        bad = 1;
        e = errno;
    }
    if (!bad && fflush(stdout) != 0) {
        bad = 1;
        e = errno;
    }
    if (!bad && ferror(stdout))
        bad = 1;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        return cli_usage_error("cannot write the output: %s", strerror(e ? e : EIO));
    return 0;
}

typedef struct {
    const char *name;
    int (*fn)(int, char **, FILE *);
} command;

static const command commands[] = {
    {"list", cmd_list},
    {"coeffs", cmd_coeffs},
    {"table", cmd_table},
    {"diff", cmd_diff},
    {"learn", cmd_learn},
    {"dual", cmd_dual},
    {"iterate", cmd_iterate},
    {"meanfield", cmd_meanfield},
    {"kernel", cmd_kernel},
    {"plot", cmd_plot},
    {"depth", cmd_depth},
    {"gram", cmd_gram},
    {"simulate", cmd_simulate},
    {"shape", cmd_shape},
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("no command given (try dualact --help)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        return finish_stdout(usage, strlen(usage));
    }
    if (!strcmp(argv[1], "--version")) {
        char v[128];
        int n = snprintf(v, sizeof v, "dualact %s\n", da_version());
        return finish_stdout(v, n > 0 && (size_t)n < sizeof v ? (size_t)n : 0);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        cli_progress_install();
        /* one minute of proved quadrature for the whole command (the
           engine's budget is per computation; table and depth run many):
           beyond it, proved but wider results and exit 3 */
        da_set_time_limit(CLI_WORK_LIMIT);
        /* output goes to memory first; stdout sees it only on success */
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (!mem)
            return cli_usage_error("cannot allocate the output buffer");
        int rc = commands[i].fn(argc - 1, argv + 1, mem);
        /* a buffer that could not grow lost part of the output */
        int lost = ferror(mem);
        if (fclose(mem) != 0)
            lost = 1;
        if ((rc == EXIT_OK || rc == EXIT_ACCURACY) && lost)
            rc = cli_usage_error("out of memory for the output");
        if ((rc == EXIT_OK || rc == EXIT_ACCURACY) && finish_stdout(buf, len))
            rc = EXIT_USAGE;
        free(buf);
        da_free_cache();
        return rc;
    }
    return cli_usage_error("unknown command '%s' (try dualact --help)", argv[1]);
}
