/* testutil.c -- helpers shared by the unit tests. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

FILE *tu_open_data(const char *name)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
#ifdef TOP_SRCDIR
    if (!top)
        top = TOP_SRCDIR;
#endif
    if (!top)
        top = ".";
    snprintf(path, sizeof path, "%s/tests/data/%s", top, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fprintf(stderr, "cannot open %s\n", path);
    return f;
}

int tu_read_kv(FILE *f, char *key, size_t klen, long *k, char *val, size_t vlen)
{
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        char *c2 = strrchr(line, ',');
        if (!c2)
            continue;
        *c2 = '\0';
        char *c1 = strrchr(line, ',');
        if (!c1)
            continue;
        *c1 = '\0';
        char *end;
        long kv = strtol(c1 + 1, &end, 10);
        if (*end)
            continue; /* header */
        snprintf(key, klen, "%s", line);
        /* unquote */
        if (key[0] == '"') {
            size_t m = strlen(key);
            memmove(key, key + 1, m);
            if (m >= 2 && key[m - 2] == '"')
                key[m - 2] = '\0';
        }
        *k = kv;
        snprintf(val, vlen, "%s", c2 + 1);
        return 1;
    }
    return 0;
}

long tu_multiplier(void)
{
    const char *m = getenv("DUALACT_TEST_MULTIPLIER");
    if (m && *m) {
        char *end;
        long v = strtol(m, &end, 10);
        return *end == '\0' && v >= 1 ? (v > 1000 ? 1000 : v) : 1;
    }
    /* the former switch: DUALACT_TEST_HEAVY=1 is DUALACT_TEST_MULTIPLIER=10 */
    const char *h = getenv("DUALACT_TEST_HEAVY");
    return h && *h && strcmp(h, "0") != 0 ? 10 : 1;
}

int tu_heavy(void)
{
    return tu_multiplier() > 1;
}

int tu_timeout(int base)
{
    long m = tu_multiplier();
    return (int)(base * m < 100000 ? base * m : 100000);
}

/* the CPU allowance of each test, seconds (tu_limits; one test case per
   program) */
static long tu_cpu_limit;

static void tu_cpu_setup(void)
{
    struct rusage ru;
    struct rlimit rl;
    if (tu_cpu_limit <= 0 || getrusage(RUSAGE_SELF, &ru) != 0 || getrlimit(RLIMIT_CPU, &rl) != 0)
        return;
    /* the soft limit only: it may be raised again for the next test (the
       hard one could not be, without privileges) */
    rlim_t want = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1 + tu_cpu_limit);
    if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
        want = rl.rlim_max;
    rl.rlim_cur = want;
    setrlimit(RLIMIT_CPU, &rl);
}

void tu_limits(TCase *tc, int base, int threads)
{
    long cpu = (long)tu_timeout(base) * (threads > 1 ? threads : 1);
    tu_cpu_limit = cpu;
    tcase_add_checked_fixture(tc, tu_cpu_setup, NULL);
    long wall = (long)tu_timeout(base) * TU_WALL_FACTOR;
    tcase_set_timeout(tc, (double)(wall < 1000000 ? wall : 1000000));
}

int tu_ball_contains(const da_ball_struct *b, const mpfr_t ref)
{
    mpfr_t d;
    mpfr_init2(d, 800);
    mpfr_sub(d, b->mid, ref, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    int ok = mpfr_cmp(d, b->rad) <= 0;
    mpfr_clear(d);
    return ok;
}

int tu_ball_contains_str(const da_ball_struct *b, const char *ref)
{
    mpfr_t r;
    mpfr_init2(r, 400);
    mpfr_set_str(r, ref, 10, MPFR_RNDN);
    /* the references carry 50 significant digits: widen by 2^-160 of
       their magnitude (about 7e-49 relative) */
    mpfr_t d;
    mpfr_init2(d, 800);
    mpfr_sub(d, b->mid, r, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_t slack;
    mpfr_init2(slack, 64);
    mpfr_abs(slack, r, MPFR_RNDU);
    mpfr_mul_2si(slack, slack, -160, MPFR_RNDU);
    mpfr_add(slack, slack, b->rad, MPFR_RNDU);
    int ok = mpfr_cmp(d, slack) <= 0;
    mpfr_clears(r, d, slack, (mpfr_ptr)0);
    return ok;
}
