/* fuzz_cli.c -- a command-line fuzzer for dualact.
 *
 *     fuzz_cli DUALACT [SECONDS [SEED [MAX_RUNS]]]
 *
 * Builds random and mutated argument vectors (every command and option,
 * numbers at the edges of double's range, long strings, invalid UTF-8,
 * control characters), runs DUALACT on each in a scratch directory with
 * stdin from /dev/null and a time limit, and checks the contract:
 *   - no death by a signal, no sanitizer report, exit status 0, 2 or 3;
 *   - with --format json and exit 0 or 3: stdout is one valid JSON
 *     document (RFC 8259, checked by a strict parser below: no NaN, inf
 *     or Infinity tokens; non-finite values are strings);
 *   - exit 2: nothing on stdout and exactly one line "dualact: ..." on
 *     stderr (a parse error may add the formula and a caret, indented);
 *   - done within FUZZ_CLI_TIMEOUT seconds of CPU time (default 60;
 *     RLIMIT_CPU, so a loaded machine does not make a finding of a slow
 *     run); a run that hangs without computing is stopped after 10 times
 *     as long in wall-clock time.
 * Each finding is printed with its argument vector (shell-quoted); the
 * summary gives runs, seconds and findings.  Exit 1 when there was one.
 * FUZZ_CLI_SAFE=1 keeps to inputs whose failures are known and left to
 * the numerical engine (huge scales inside formulas), for make check. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

static uint64_t st;
static uint64_t rnd(void)
{
    uint64_t z = (st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
#define PICK(a) (a[rnd() % (sizeof a / sizeof a[0])])

static const char *const commands[] = {
    "list", "coeffs", "table", "diff", "learn", "dual", "iterate", "meanfield", "plot",
    "depth", "gram", "simulate", "coeffs", "dual", "gram", "plot",
};
static const char *const options[] = {
    "--degree", "--digits", "--format", "--raw", "--double", "--rho", "--depth",
    "--derivative", "--method", "--ntk", "--delta", "--eps", "--n", "--columns", "--catalog",
    "--both", "--max-depth", "--sphere", "--separated", "--data", "--seed", "--rank-k",
    "--spectrum", "--tol", "--width", "--trials", "--dim", "--level", "--header", "--title",
    "--size", "--legend", "-o", "--k", "--logy", "--linear", "--normalized", "--bound-only",
    "--sb2-max", "--sw2-max", "--threshold", "--terms", "--simulate", "--networks", "--inputs",
    "--order", "--latex", "--help", "--grid", "--sw2", "--sb2", "--version", "-h", "--",
    "--digits=5", "-", "--nope",
};
static const char *const numbers[] = {
    "0", "-0", "1", "-1", "2", "3", "5", "10", "0.5", "0.99", "-0.5", "1e-300", "1e308",
    "-1e308", "1e309", "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
    "nan", "inf", "-inf", "NaN", "0x1p-1074", "0x10", "9223372036854775807",
    "9223372036854775808", "-9223372036854775808", "2147483648", "4294967296", "1,2,3",
    "0.1,0.2", "0.1,,0.2", ",", "", " ", "1e5", "100000", "1000", "20000", "0.01", "1e-15",
    "3,2", "10,3", "5,3,0.5", "200x100", "0x0", "1-2", "2-1", "1-4,7", "00001", "+1", "1.",
    ".5", "1e", "e1", "--", "1 2",
};
static const char *const acts_safe[] = {
    "relu", "tanh", "gelu", "sin", "erf", "step", "sign", "elu(0.5)", "x", "x^2", "abs(x)",
    "x*tanh(softplus(x))", "hermite(3)", "poly(0,1,2)", "floor(x)", "x>0 ? x : 0.1*x",
    "exp(-x^2)", "1/(1+x^2)", "relu_pow(2)", "identity", "x*0", "log(x)", "sqrt(x)",
    "tanh(tanh(tanh(x)))", "1e100*x", "max(x,0)", "hermite(200)",
};
static const char *const acts_wild[] = {
    "1e160*tanh(x)", "elu(1e308)", "exp(-x^2)*1e200", "1e300", "hermite(171)",
    "1e15*tanh(x)", "floor(3000*x)", "x^1e10", "exp(exp(x))", "1/x", "0/0",
};
static const char *const words[] = {
    "svg", "pgf", "gnuplot", "text", "csv", "json", "markdown", "latex", "md", "auto",
    "series", "closed", "ne", "outside", "none", "dual", "iterate", "mass", "lambda", "phase",
    "out.svg", "out.gp", "out.tex", "/dev/null", "/dev/full", "sub/x.svg", "data.csv",
    "nofile.csv", "dir", "-", "x\ny", "\xff\xfe", "\xc3\x28", "caf\xc3\xa9", "\t", "\x1b[31m",
    "$(touch pwned)", "'", "\"", "\\", "%s%n", "a,b", "#",
};

/* valid command lines (from the test suite) to mutate */
static const char *const templates[] = {
    "coeffs relu --degree 8 --digits 20 --format csv",
    "coeffs tanh --raw --degree 6 --digits 25 --format json",
    "coeffs gelu --double --degree 50",
    "table relu tanh --delta 0.1,0.01 --format latex",
    "diff gelu --latex --order 2",
    "learn relu --depth 5 --dim 10 --format csv",
    "learn tanh --dim 10 --simulate --width 32 --networks 20 --inputs 10 --depth 2",
    "dual tanh --rho 0.1,0.5 --format json --ntk",
    "dual relu --rho 0.5 --depth 3 --derivative 1",
    "iterate relu --rho 0.5 --depth 10",
    "meanfield tanh --format csv",
    "plot dual relu -o out.svg",
    "plot iterate relu --format gnuplot --title T",
    "plot mass relu --k 1,2 --depth 5 --format pgf",
    "plot lambda relu --n 30 --dim 5 --depth 5",
    "depth relu --delta 0.1 --eps 0.01 --n 100 --both",
    "gram relu --sphere 20,3 --depth 3 --format json",
    "gram tanh --data data.csv --depth 2 --columns 1-2",
    "gram relu --separated 10,5,0.5 --depth 2 --ntk --rank-k 2",
    "simulate relu --rho 0.5 --width 20 --depth 2 --trials 5",
    "simulate tanh --sphere 5,3 --width 20 --depth 2 --trials 4",
};

static char longbuf[3][6000];

static const char *value(int safe)
{
    switch (rnd() % 10) {
    case 0: case 1: case 2: case 3: return PICK(numbers);
    case 4: case 5: return PICK(words);
    case 6: return safe ? PICK(acts_safe) : (rnd() % 3 ? PICK(acts_safe) : PICK(acts_wild));
    case 7: return longbuf[rnd() % 3];
    default: {
        static char b[8][64];
        static int k;
        char *p = b[k++ % 8];
        switch (rnd() % 4) {
        case 0: snprintf(p, 64, "%ld", (long)(rnd() % 200000) - 1000); break;
        case 1: snprintf(p, 64, "%.17g", ldexp((double)(rnd() % 1000) / 1000, (int)(rnd() % 2100) - 1075)); break;
        case 2: snprintf(p, 64, "%g,%g", (double)(rnd() % 2000) / 1000 - 1, (double)(rnd() % 100)); break;
        default: snprintf(p, 64, "%ld,%ld", (long)(rnd() % 300), (long)(rnd() % 60)); break;
        }
        return p;
    }
    }
}

/* shell-quote a for the report */
static void quote(FILE *f, const char *a)
{
    fputc('\'', f);
    for (const unsigned char *c = (const unsigned char *)a; *c; c++) {
        if (*c == '\'')
            fputs("'\\''", f);
        else if (*c < 0x20 || *c >= 0x7f)
            fprintf(f, "'$'\\x%02x''", *c);
        else
            fputc(*c, f);
    }
    fputc('\'', f);
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
    return n;
}

/* ---- a strict JSON checker (RFC 8259) ---------------------------------- */

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return p + 1;
}

static const char *js_number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p;
}

static const char *js_value(const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    p = js_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = js_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = js_string(js_ws(p));
                if (!p)
                    return NULL;
                p = js_ws(p);
                if (*p != ':')
                    return NULL;
                p++;
            }
            p = js_value(p, depth + 1);
            if (!p)
                return NULL;
            p = js_ws(p);
            if (*p == close)
                return p + 1;
            if (*p != ',')
                return NULL;
            p++;
        }
    }
    if (*p == '"')
        return js_string(p);
    if (!strncmp(p, "true", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    if (!strncmp(p, "null", 4))
        return p + 4;
    return js_number(p);
}

/* 1 when buf (NUL-terminated) is exactly one JSON value, with white space */
static int json_valid(const char *buf)
{
    const char *p = js_value(buf, 0);
    return p && !*js_ws(p);
}

static int wants_json(char *const *av)
{
    for (int i = 1; av[i]; i++)
        if ((!strcmp(av[i], "--format") && av[i + 1] && !strcmp(av[i + 1], "json"))
            || !strcmp(av[i], "--format=json"))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_cli DUALACT [SECONDS [SEED [MAX_RUNS]]]\n");
        return 2;
    }
    const char *exe = argv[1];
    double secs = argc > 2 ? atof(argv[2]) : 60;
    st = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    long maxruns = argc > 4 ? atol(argv[4]) : -1;
    int safe = getenv("FUZZ_CLI_SAFE") && *getenv("FUZZ_CLI_SAFE") == '1';
    int tmo = getenv("FUZZ_CLI_TIMEOUT") ? atoi(getenv("FUZZ_CLI_TIMEOUT")) : 60;
    char absexe[4096];
    if (!realpath(exe, absexe)) {
        fprintf(stderr, "fuzz_cli: %s: %s\n", exe, strerror(errno));
        return 2;
    }
    char dir[] = "/tmp/dualact-fuzzcli-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror("fuzz_cli: scratch directory");
        return 2;
    }
    mkdir("dir", 0755);
    mkdir("sub", 0755);
    FILE *df = fopen("data.csv", "w");
    if (df) {
        fputs("x,y,z\n1,2,3\n0,1,0\n3,1,4\n1,5,9\n2,6,5\n", df);
        fclose(df);
    }
    memset(longbuf[0], 'x', 5000);
    memset(longbuf[1], '9', 5000);
    for (int i = 0; i < 5000; i++)
        longbuf[2][i] = (char)(0x80 + rnd() % 0x80);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);   /* wall clock: the run budget, never asserted */
    long runs = 0, findings = 0, exits[5] = {0};
    static char out[1 << 16], err[1 << 16];
    char *av[40];
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t1);   /* wall clock: the run budget, never asserted */
        double el = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (el >= secs || (maxruns >= 0 && runs >= maxruns))
            break;
        int n = 0;
        av[n++] = absexe;
        static char tbuf[512];
        if (rnd() % 2) {
            /* a valid command line with zero to two tokens mutated */
            snprintf(tbuf, sizeof tbuf, "%s", PICK(templates));
            for (char *tok = strtok(tbuf, " "); tok && n < 30; tok = strtok(NULL, " "))
                av[n++] = tok;
            int muts = (int)(rnd() % 3);
            for (int m = 0; m < muts; m++) {
                int k = 1 + (int)(rnd() % (unsigned)(n - 1));
                switch (rnd() % 4) {
                case 0: av[k] = (char *)value(safe); break;
                case 1: if (n < 34) { av[n++] = (char *)PICK(options); av[n++] = (char *)value(safe); } break;
                case 2: if (n > 2) { memmove(&av[k], &av[k + 1], (size_t)(n - k - 1) * sizeof *av); n--; } break;
                default: av[k] = (char *)PICK(options); break;
                }
            }
            av[n] = NULL;
            goto run;
        }
        if (rnd() % 40 == 0)
            av[n++] = (char *)value(safe);
        else
            av[n++] = (char *)PICK(commands);
        if (!strcmp(av[1], "plot") && rnd() % 4)
            av[n++] = (char *)PICK(((const char *const[]){"dual", "iterate", "mass", "lambda", "phase"}));
        int nact = (int)(rnd() % 3);
        for (int i = 0; i < nact; i++)
            av[n++] = (char *)(safe ? PICK(acts_safe) : (rnd() % 4 ? PICK(acts_safe) : PICK(acts_wild)));
        int nopt = (int)(rnd() % 6);
        for (int i = 0; i < nopt && n < 36; i++) {
            av[n++] = (char *)PICK(options);
            if (rnd() % 6)
                av[n++] = (char *)value(safe);
        }
        av[n] = NULL;
    run:;
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            break;
        }
        if (pid == 0) {
            int in = open("/dev/null", O_RDONLY);
            int o = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int e = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(in, 0);
            dup2(o, 1);
            dup2(e, 2);
            setpgid(0, 0);
            /* SIGXCPU ends a run past its CPU time, SIGALRM one that
               hangs without computing */
            struct rlimit rl;
            if (getrlimit(RLIMIT_CPU, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && (rlim_t)tmo > rl.rlim_max ? rl.rlim_max : (rlim_t)tmo;
                setrlimit(RLIMIT_CPU, &rl);
            }
            alarm((unsigned)tmo * 10);
            execv(absexe, av);
            _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        kill(-pid, SIGKILL);   /* anything it left behind */
        runs++;
        size_t no = slurp("out.txt", out, sizeof out);
        slurp("err.txt", err, sizeof err);
        const char *why = NULL;
        int code = -1;
        if (WIFSIGNALED(status))
            why = WTERMSIG(status) == SIGXCPU ? "timeout (CPU time)"
                  : WTERMSIG(status) == SIGALRM ? "timeout (hung)" : "killed by a signal";
        else {
            code = WEXITSTATUS(status);
            if (code <= 4)
                exits[code]++;
            if (strstr(err, "Sanitizer") || strstr(err, "runtime error:"))
                why = "sanitizer report";
            else if (code != 0 && code != 2 && code != 3)
                why = "exit status not 0, 2 or 3";
            else if ((code == 0 || code == 3) && no + 1 < sizeof out && wants_json(av) && !json_valid(out))
                why = "invalid JSON on stdout";
            else if (code == 2) {
                int lines = 0;
                for (const char *p = err; *p; p++)
                    if ((p == err || p[-1] == '\n') && !strncmp(p, "dualact: ", 9))
                        lines++;
                int other = 0;
                for (const char *p = err; *p; p++)
                    if ((p == err || p[-1] == '\n') && *p && strncmp(p, "dualact: ", 9) && strncmp(p, "  ", 2))
                        other++;
                if (no)
                    why = "exit 2 with output on stdout";
                else if (lines != 1 || other)
                    why = "exit 2 without exactly one message line";
            }
        }
        if (why) {
            findings++;
            printf("FINDING (%s, status %d, signal %d):", why, code,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
            for (int i = 1; av[i]; i++) {
                fputc(' ', stdout);
                quote(stdout, av[i]);
            }
            printf("\n  stderr: %.300s\n", err);
            fflush(stdout);
        }
        /* keep the scratch directory small */
        unlink("out.svg");
        unlink("out.gp");
        unlink("out.tex");
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);   /* wall clock: printed, never asserted */
    double el = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("fuzz_cli: %ld runs in %.1f s (seed %s%s): exit 0: %ld, 2: %ld, 3: %ld, 4: %ld; "
           "%ld finding%s\n", runs, el, argc > 3 ? argv[3] : "1", safe ? ", safe inputs" : "",
           exits[0], exits[2], exits[3], exits[4], findings, findings == 1 ? "" : "s");
    if (chdir("/tmp") == 0) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            /* the scratch directory stays */
        }
    }
    return findings ? 1 : 0;
}
