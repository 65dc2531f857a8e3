/* check_generic.c -- the generic driver (issue 21): every command that
 * prints a bound, over random activations, random parameters and random
 * precisions, in the manner of MPFR's tgeneric.
 *
 * For each command a random activation (a catalogue name, or a formula of
 * a small grammar of smooth and piecewise functions with known-good
 * domains), random parameters and a random precision D (10 to 40 digits)
 * are drawn; the result is computed at D and again by a second
 * computation (D + 20 digits, or an independent route), and
 *
 *   - two proved balls of one quantity intersect (both hold the true
 *     value), and the proved integers (depths) agree;
 *   - a result said rigorous, with a status saying the accuracy was
 *     reached, is finite: no NaN midpoint, no infinite or NaN radius;
 *     a rigorous result that is not enclosed must come with DA_EACCURACY
 *     (the command then labels it none), and is counted;
 *   - an estimate names its reason (the commands print it beside the
 *     word estimate).
 *
 * Commands and what backs them:
 *   dual       da_dual_eval (derivatives 0..2), da_kmap_iterate (depth,
 *              NTK): D against D + 20;
 *   kernel     da_netk_network (both parameterisations, depth 1..5):
 *              D against D + 20;
 *   meanfield  da_meanfield_point against the proved network kernels at
 *              D digits: q* is a fixed point of the length map
 *              sw2 E[s(sqrt(q) Z)^2] + sb2 (the map of the ball of q*
 *              meets it), chi_1 = sw2 E[s'^2] at q*, c* a fixed point of
 *              the correlation map and chi_c its slope there;
 *   depth      da_depth_find at D against D + 20 working digits: the same
 *              L*, the value balls intersect, L* decided by the threshold,
 *              the theoretical bounds above L*;
 *   learn      da_learn_spectrum_new and da_sphere_new (b_k, W_{<=k}, the
 *              tail, the rate, sigma_hat^{oL}(rho), shares, eigenvalues,
 *              effective ranks, crossings): D against D + 20;
 *   table      the command itself (its rows are assembled in
 *              tools/cmd_table.c), run as $DUALACT table ... --format csv
 *              at --digits D and D + 10: the numbers agree within what
 *              their decimals vouch for, the depths agree, a rigorous row
 *              has no nan, the exit status is 0 or 3.
 *
 * Seeded: DUALACT_TEST_SEED (default below) seeds every command's
 * generator, printed at the start of each test and in every failure,
 * with the case as a command line.  DUALACT_TEST_MULTIPLIER multiplies
 * the number of cases.  Each case runs under a CPU time limit of the
 * library (da_set_time_limit), which makes its results wider, never
 * wrong; no assertion is on time.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "dualact.h"
#include "testutil.h"

#define DEFAULT_SEED 20261207UL
/* the library's CPU time limit per case, seconds (da_set_time_limit) */
#define TIME_LIMIT 4.0

/* ---- the generator -------------------------------------------------- */

static unsigned long rng_state;
static unsigned long test_seed;

static unsigned long rnd(void)
{
    /* xorshift64 */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int rndint(int n) { return (int)(rnd() % (unsigned long)n); }
static double urand(void) { return (double)(rnd() >> 11) * 0x1.0p-53; }

/* each command its own stream: a test reproduces alone */
static void seed_for(int command)
{
    const char *s = getenv("DUALACT_TEST_SEED");
    test_seed = s && *s ? strtoul(s, NULL, 10) : DEFAULT_SEED;
    rng_state = (test_seed + 1000003UL * (unsigned long)(command + 1)) * 2654435761UL + 1;
    for (int i = 0; i < 8; i++)
        rnd();
}

static void put(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* formulas: sums, products and compositions of smooth functions and a few
   piecewise ones, defined on the whole line, square integrable against
   the Gaussian */
static void gen(char *buf, size_t len, int depth)
{
    static const char *consts[] = {"0.5", "1.5", "2", "-0.7", "0.3", "3"};
    static const char *fns[] = {"tanh", "erf", "sin", "softplus", "relu", "abs", "sigmoid", "atan"};
    char a[300], b[300];
    int c = depth <= 0 ? rndint(3) : rndint(8);
    switch (c) {
    case 0:
        put(buf, len, "x");
        break;
    case 1:
        put(buf, len, "%s*x", consts[rndint(6)]);
        break;
    case 2:
        put(buf, len, rndint(2) ? "x^2-1" : "x^3-%s*x", consts[rndint(6)]);
        break;
    case 3: case 4:
        gen(a, sizeof a, depth - 1);
        put(buf, len, "%s(%s)", fns[rndint(8)], a);
        break;
    case 5:
        gen(a, sizeof a, depth - 1);
        gen(b, sizeof b, depth - 1);
        put(buf, len, "%s(%s)+%s*(%s)", fns[rndint(8)], a, consts[rndint(6)], b);
        break;
    case 6:
        gen(a, sizeof a, depth - 1);
        gen(b, sizeof b, depth - 1);
        put(buf, len, "%s(%s)*%s(%s)", fns[rndint(4)], a, fns[rndint(4)], b);
        break;
    default:
        gen(a, sizeof a, depth - 1);
        put(buf, len, "exp(-(%s)^2/2)", a);
        break;
    }
}

/* an activation: a catalogue entry or a formula; jumps (step, sign) only
   when allowed */
static void random_act(char *buf, size_t len, int jumps, int max_depth, int formula_odds)
{
    static const char *cat[] = {"tanh", "relu", "erf", "gelu", "silu", "softplus", "sigmoid",
                                "elu", "selu", "sin", "cos", "abs", "leaky_relu(0.2)",
                                "relu_pow(2)", "swish(2)", "gaussian", "hermite(3)",
                                "poly(0.1,1,0.5)", "relu_normalized", "hardtanh",
                                "step", "sign"};
    size_t ncat = sizeof cat / sizeof *cat - (jumps ? 0 : 2);
    if (rndint(formula_odds)) {   /* a formula once in formula_odds */
        put(buf, len, "%s", cat[rndint((int)ncat)]);
        return;
    }
    for (int tries = 0; tries < 20; tries++) {
        gen(buf, len, 1 + rndint(max_depth));
        da_act *a = NULL;
        if (da_act_new(&a, buf) == DA_OK) {
            da_act_free(a);
            return;
        }
    }
    put(buf, len, "tanh(x)+0.5*x");
}

/* a decimal in [lo, hi] with `dec` decimals, as text */
static void rnd_dec(char *buf, size_t len, double lo, double hi, int dec)
{
    put(buf, len, "%.*f", dec, lo + (hi - lo) * urand());
}

static mpfr_prec_t prec_of(long digits)
{
    return (mpfr_prec_t)ceil((double)digits * 3.3219280948873623) + 64;
}

static void dec_ball(da_ball b, const char *s, mpfr_prec_t prec)
{
    da_ball_init2(b, prec);
    ck_assert_msg(da_depth_parse_decimal(b, s) == DA_OK, "'%s' is not a decimal", s);
}

/* ---- ball checks ---------------------------------------------------- */

static int finite_ball(const da_ball_struct *b)
{
    return mpfr_number_p(b->mid) && mpfr_number_p(b->rad);
}

/* a ball as text, for the messages */
static const char *btext(char *buf, size_t len, const da_ball_struct *b)
{
    mpfr_snprintf(buf, len, "%.25Rg +- %.3Rg", b->mid, b->rad);
    return buf;
}

/* both hold the true value: |mid a - mid b| <= rad a + rad b */
static int overlap(const da_ball_struct *a, const da_ball_struct *b)
{
    if (!finite_ball(a) || !finite_ball(b))
        return 1;   /* nothing is claimed (judged by the finiteness check) */
    mpfr_t d, r;
    mpfr_inits2(mpfr_get_prec(a->mid) + mpfr_get_prec(b->mid) + 64, d, r, (mpfr_ptr)0);
    mpfr_sub(d, a->mid, b->mid, MPFR_RNDN);   /* exact at this precision */
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_add(r, a->rad, b->rad, MPFR_RNDU);
    int ok = mpfr_cmp(d, r) <= 0;
    mpfr_clears(d, r, (mpfr_ptr)0);
    return ok;
}

/* the counts of a test, printed at its end */
typedef struct {
    const char *cmd;
    long cases, compared, balls, estimates, refused, not_enclosed, undecided;
} tally;

static void case_flush(void);
static double case_cpu(void);
static void tally_print(const tally *t)
{
    case_flush();
    fprintf(stderr, "check_generic %s: seed %lu, %ld cases, %ld compared at two precisions "
            "(%ld balls), %ld estimates, %ld refused, %ld rigorous but not enclosed "
            "(exit 3, labelled none), %ld undecided\n",
            t->cmd, test_seed, t->cases, t->compared, t->balls, t->estimates, t->refused,
            t->not_enclosed, t->undecided);
}

/* One quantity computed twice (lo at D digits, hi by the second
   computation), with the statuses and bound kinds that came with them.
   what: the quantity; the case is printed as a command line. */
static void check_pair(tally *t, const char *cas, const char *what, const da_ball_struct *lo,
                       int st_lo, int rig_lo, const da_ball_struct *hi, int st_hi, int rig_hi)
{
    /* a rigorous result that claims its accuracy is a finite ball */
    ck_assert_msg(!(rig_lo && st_lo == DA_OK && !finite_ball(lo)),
                  "seed %lu: %s: %s: rigorous, status OK, but not finite (%s)", test_seed, cas,
                  what, mpfr_nan_p(lo->mid) ? "nan midpoint" : "infinite radius");
    ck_assert_msg(!(rig_hi && st_hi == DA_OK && !finite_ball(hi)),
                  "seed %lu: %s: %s: rigorous at the higher precision, status OK, but not finite",
                  test_seed, cas, what);
    if ((rig_lo && !finite_ball(lo)) || (rig_hi && !finite_ball(hi))) {
        /* not enclosed: honest (labelled none) when the case ran into the
           library's time limit (TIME_LIMIT s of CPU time from the start of
           the case), a defect when it did not come near it */
        ck_assert_msg(case_cpu() >= 0.5 * TIME_LIMIT,
                      "seed %lu: %s: %s: rigorous but not enclosed (status %d, %d) after only %.2f s "
                      "of CPU time: not the time limit", test_seed, cas, what, st_lo, st_hi,
                      case_cpu());
        t->not_enclosed++;
        fprintf(stderr, "check_generic: note: %s: %s: rigorous but not enclosed (status %d, %d)\n",
                cas, what, st_lo, st_hi);
    }
    if (rig_lo && rig_hi) {
        t->balls++;
        char t1_[128], t2_[128];
        ck_assert_msg(overlap(lo, hi),
                      "seed %lu: %s: %s: the balls do not intersect: %s and "
                      "(second computation) %s",
                      test_seed, cas, what, btext(t1_, sizeof t1_, lo), btext(t2_, sizeof t2_, hi));
    }
}

static void check_reason(const char *cas, int rig, const char *reason)
{
    ck_assert_msg(rig || (reason && *reason),
                  "seed %lu: %s: an estimate without a reason", test_seed, cas);
    ck_assert_msg(!rig || !reason || !*reason, "seed %lu: %s: rigorous, with a reason '%s'",
                  test_seed, cas, reason);
}

/* CPU time of the process, seconds: for the notes on slow cases (no
   assertion is on time) */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* the case being run: printed when DUALACT_TEST_VERBOSE is set, and
   when it took more than 5 s of CPU time */
static double case_t0;
static char case_prev[1400];
static void case_flush(void)
{
    double dt = cpu_now() - case_t0;
    if (case_prev[0] && dt > 5)
        fprintf(stderr, "check_generic: note: %s took %.1f s of CPU time\n", case_prev, dt);
    case_prev[0] = '\0';
}
static double case_cpu(void)
{
    return cpu_now() - case_t0;
}
static void case_begin(const char *cas)
{
    case_flush();
    const char *v = getenv("DUALACT_TEST_VERBOSE");
    if (v && *v && strcmp(v, "0"))
        fprintf(stderr, "check_generic: %s\n", cas);
    put(case_prev, sizeof case_prev, "%s", cas);
    case_t0 = cpu_now();
}

static long iterations(long base)
{
    return base * tu_multiplier();
}

/* the library's own CPU limit per computation, seconds: results wider, not
   wrong, when it strikes */
static void case_limit(void)
{
    da_set_time_limit(TIME_LIMIT);
}

/* ---- dual ------------------------------------------------------------ */

START_TEST(test_dual)
{
    seed_for(0);
    tally t = {"dual", 0, 0, 0, 0, 0, 0, 0};
    fprintf(stderr, "check_generic dual: seed %lu\n", test_seed);
    long iters = iterations(8);
    for (long it = 0; it < iters; it++) {
        char act_s[400], cas[800];
        random_act(act_s, sizeof act_s, 1, 2, 2);
        long D = 10 + rndint(31);
        int raw = rndint(4) == 0, series = rndint(3) == 0;
        int mode = rndint(3);   /* 0, 1: derivative k at depth 1; 2: depth, NTK */
        int k = mode < 2 ? rndint(3) : 0;
        long depth = mode == 2 ? 1 + rndint(5) : 1;
        int ntk = mode == 2 && rndint(2);
        if (mode == 2)
            raw = 0;
        char rho_s[3][32];
        for (int i = 0; i < 3; i++) {
            int r = rndint(8);
            if (r == 0)
                put(rho_s[i], sizeof rho_s[i], "1");
            else if (r == 1)
                put(rho_s[i], sizeof rho_s[i], "-1");
            else if (r == 2)
                put(rho_s[i], sizeof rho_s[i], "0");
            else
                rnd_dec(rho_s[i], sizeof rho_s[i], -1, 1, 1 + rndint(6));
        }
        put(cas, sizeof cas, "case %ld: dualact dual '%s' --rho %s,%s,%s --digits %ld%s%s", it,
            act_s, rho_s[0], rho_s[1], rho_s[2], D, raw ? " --raw" : "",
            series ? " --method series" : "");
        if (mode == 2)
            put(cas + strlen(cas), sizeof cas - strlen(cas), " --depth %ld%s", depth, ntk ? " --ntk" : "");
        else
            put(cas + strlen(cas), sizeof cas - strlen(cas), " --derivative %d", k);
        t.cases++;
        case_begin(cas);
        da_act *act = NULL;
        ck_assert_msg(da_act_new(&act, act_s) == DA_OK, "%s: %s", cas, da_errmsg());
        da_dual *d[2] = {NULL, NULL};
        int st_new[2];
        case_limit();
        for (int p = 0; p < 2; p++) {
            da_dual_opts o;
            da_dual_opts_init(&o);
            o.digits = D + 20 * p;
            o.raw = raw;
            o.method = series ? DA_DUAL_SERIES : DA_DUAL_AUTO;
            st_new[p] = da_dual_new(&d[p], act, &o);
        }
        ck_assert_msg(st_new[0] == st_new[1], "seed %lu: %s: da_dual_new %d and %d", test_seed, cas,
                      st_new[0], st_new[1]);
        if (st_new[0]) {
            t.refused++;
            da_act_free(act);
            continue;
        }
        mpfr_prec_t prec = prec_of(D + 20);
        da_ball_struct rho[3];
        for (int i = 0; i < 3; i++)
            dec_ball(&rho[i], rho_s[i], prec);
        if (mode < 2) {
            for (int i = 0; i < 3; i++) {
                da_ball v[2];
                int st[2];
                for (int p = 0; p < 2; p++) {
                    da_ball_init2(v[p], prec_of(D + 20 * p));
                    st[p] = da_dual_eval(v[p], d[p], &rho[i], k);
                    ck_assert_msg(st[p] == DA_OK || st[p] == DA_EACCURACY || st[p] == DA_EINFINITE,
                                  "seed %lu: %s: da_dual_eval status %d (%s)", test_seed, cas, st[p],
                                  da_errmsg());
                }
                ck_assert_msg((st[0] == DA_EINFINITE) == (st[1] == DA_EINFINITE),
                              "seed %lu: %s: rho = %s: infinite at one precision only", test_seed,
                              cas, rho_s[i]);
                char what[64];
                put(what, sizeof what, "sigma_hat^(%d)(%s)", k, rho_s[i]);
                if (st[0] == DA_EINFINITE)
                    ck_assert_msg(mpfr_inf_p(v[0]->mid) && mpfr_inf_p(v[1]->mid) &&
                                  mpfr_sgn(v[0]->mid) == mpfr_sgn(v[1]->mid),
                                  "seed %lu: %s: %s: infinities differ", test_seed, cas, what);
                else
                    check_pair(&t, cas, what, v[0], st[0], da_dual_rigorous(d[0]), v[1], st[1],
                               da_dual_rigorous(d[1]));
                da_ball_clear(v[0]);
                da_ball_clear(v[1]);
            }
        } else {
            da_kmap *km[2] = {NULL, NULL};
            int st[2];
            for (int p = 0; p < 2; p++) {
                st[p] = da_kmap_iterate(&km[p], d[p], rho, 3, depth, ntk);
                /* a layer not enclosed at the time limit is fed to the next
                   as its rho, which da_kmap_iterate refuses with DA_EINVAL
                   "rho is not a finite ball" (reported: it should be
                   DA_EACCURACY with NaN +- Inf balls); a defect when the
                   case did not come near the limit */
                if (st[p] == DA_EINVAL && case_cpu() >= 0.5 * TIME_LIMIT) {
                    fprintf(stderr, "check_generic: note: %s: da_kmap_iterate: %s at the time limit\n",
                            cas, da_errmsg());
                    t.not_enclosed++;
                    continue;
                }
                ck_assert_msg(st[p] == DA_OK || st[p] == DA_EACCURACY || st[p] == DA_EINFINITE,
                              "seed %lu: %s: da_kmap_iterate status %d (%s)", test_seed, cas, st[p],
                              da_errmsg());
            }
            ck_assert_msg((st[0] == DA_EINFINITE) == (st[1] == DA_EINFINITE),
                          "seed %lu: %s: infinite NTK at one precision only", test_seed, cas);
            if (st[0] != DA_EINFINITE && st[0] != DA_EINVAL && st[1] != DA_EINVAL) {
                for (long l = 0; l <= depth; l++)
                    for (int i = 0; i < 3; i++) {
                        char what[64];
                        size_t e = (size_t)l * 3 + (size_t)i;
                        put(what, sizeof what, "rho_%ld(%s)", l, rho_s[i]);
                        check_pair(&t, cas, what, &km[0]->rho[e], km[0]->status,
                                   da_dual_rigorous(d[0]), &km[1]->rho[e], km[1]->status,
                                   da_dual_rigorous(d[1]));
                        if (ntk) {
                            put(what, sizeof what, "ntk_%ld(%s)", l, rho_s[i]);
                            check_pair(&t, cas, what, &km[0]->ntk[e], km[0]->status,
                                       da_dual_rigorous(d[0]), &km[1]->ntk[e], km[1]->status,
                                       da_dual_rigorous(d[1]));
                            put(what, sizeof what, "Theta_%ld(%s)", l, rho_s[i]);
                            check_pair(&t, cas, what, &km[0]->theta[e], km[0]->status,
                                       da_dual_rigorous(d[0]), &km[1]->theta[e], km[1]->status,
                                       da_dual_rigorous(d[1]));
                        }
                    }
            }
            da_kmap_free(km[0]);
            da_kmap_free(km[1]);
        }
        for (int p = 0; p < 2; p++)
            check_reason(cas, da_dual_rigorous(d[p]), da_dual_bound_reason(d[p]));
        if (da_dual_rigorous(d[0]) && da_dual_rigorous(d[1]))
            t.compared++;
        else
            t.estimates++;
        for (int i = 0; i < 3; i++)
            da_ball_clear(&rho[i]);
        da_dual_free(d[0]);
        da_dual_free(d[1]);
        da_act_free(act);
    }
    da_set_time_limit(0);
    tally_print(&t);
}
END_TEST

/* ---- kernel ---------------------------------------------------------- */

START_TEST(test_kernel)
{
    seed_for(1);
    tally t = {"kernel", 0, 0, 0, 0, 0, 0, 0};
    fprintf(stderr, "check_generic kernel: seed %lu\n", test_seed);
    long iters = iterations(6);
    for (long it = 0; it < iters; it++) {
        char act_s[400], cas[1000];
        random_act(act_s, sizeof act_s, 1, 2, 2);
        long D = 10 + rndint(31);
        long depth = 1 + rndint(5);
        int normalized = rndint(3) == 0, series = rndint(3) == 0;
        int standard = rndint(3) == 0;
        int bias = !standard || rndint(2);
        long width = 10 + rndint(1000), dim = 1 + rndint(100);
        char sw2_s[32], sb2_s[32], q1_s[32], q2_s[32], c_s[32];
        rnd_dec(sw2_s, sizeof sw2_s, 0.3, 3, 1 + rndint(3));
        if (bias)
            rnd_dec(sb2_s, sizeof sb2_s, 0, 0.6, 1 + rndint(3));
        else
            put(sb2_s, sizeof sb2_s, "0");
        int shape = rndint(4);   /* 0: --rho; 1: identical inputs; else general */
        if (shape == 0) {
            put(q1_s, sizeof q1_s, "1");
            put(q2_s, sizeof q2_s, "1");
            if (rndint(4) == 0)
                put(c_s, sizeof c_s, rndint(2) ? "1" : "-1");
            else
                rnd_dec(c_s, sizeof c_s, -1, 1, 1 + rndint(5));
        } else {
            rnd_dec(q1_s, sizeof q1_s, 0.2, 3, 1 + rndint(4));
            if (shape == 1) {
                put(q2_s, sizeof q2_s, "%s", q1_s);
                put(c_s, sizeof c_s, "%s", q1_s);
            } else {
                rnd_dec(q2_s, sizeof q2_s, 0.2, 3, 1 + rndint(4));
                double lim = sqrt(atof(q1_s) * atof(q2_s));
                /* |c| < sqrt(q1 q2): cut towards 0 at 4 decimals */
                double c = (2 * urand() - 1) * 0.999 * lim;
                put(c_s, sizeof c_s, "%.4f", trunc(c * 1e4) / 1e4);
            }
        }
        put(cas, sizeof cas, "case %ld: dualact kernel '%s' --depth %ld --sw2 %s --sb2 %s ", it, act_s,
            depth, sw2_s, sb2_s);
        if (shape == 0)
            put(cas + strlen(cas), sizeof cas - strlen(cas), "--rho %s", c_s);
        else
            put(cas + strlen(cas), sizeof cas - strlen(cas), "--q1 %s --q2 %s --cov %s", q1_s,
                q2_s, c_s);
        put(cas + strlen(cas), sizeof cas - strlen(cas), " --digits %ld%s%s", D,
            normalized ? " --normalized" : "", series ? " --method series" : "");
        if (standard)
            put(cas + strlen(cas), sizeof cas - strlen(cas), " --param standard --dim %ld --width %ld%s",
                dim, width, bias ? "" : " --no-bias");
        t.cases++;
        case_begin(cas);
        da_act *act = NULL;
        ck_assert_msg(da_act_new(&act, act_s) == DA_OK, "%s: %s", cas, da_errmsg());
        mpfr_prec_t prec = prec_of(D + 20);
        da_ball q1, q2, c;
        dec_ball(q1, q1_s, prec);
        dec_ball(q2, q2_s, prec);
        dec_ball(c, c_s, prec);
        da_netk *k[2] = {NULL, NULL};
        da_netk_layer *rows[2];
        int st[2], st_new[2];
        case_limit();
        for (int p = 0; p < 2; p++) {
            da_netk_opts o;
            da_netk_opts_init(&o);
            o.digits = D + 20 * p;
            o.normalized = normalized;
            o.method = series ? DA_DUAL_SERIES : DA_DUAL_AUTO;
            st_new[p] = da_netk_new(&k[p], act, &o);
        }
        ck_assert_msg(st_new[0] == st_new[1], "seed %lu: %s: da_netk_new %d and %d", test_seed, cas,
                      st_new[0], st_new[1]);
        if (st_new[0]) {
            t.refused++;
            da_ball_clear(q1);
            da_ball_clear(q2);
            da_ball_clear(c);
            da_act_free(act);
            continue;
        }
        for (int p = 0; p < 2; p++) {
            da_netk_net net;
            da_netk_net_init(&net);
            net.depth = depth;
            net.param = standard ? DA_NETK_PARAM_STANDARD : DA_NETK_PARAM_NTK;
            net.width = standard ? width : 0;
            net.dim = standard ? dim : 0;
            net.bias = bias;
            net.identical = shape == 1;
            dec_ball(&net.sw2, sw2_s, prec);
            dec_ball(&net.sb2, sb2_s, prec);
            rows[p] = calloc((size_t)depth + 1, sizeof *rows[p]);
            ck_assert(rows[p] != NULL);
            for (long l = 0; l <= depth; l++)
                da_netk_layer_init(&rows[p][l]);
            st[p] = da_netk_network(rows[p], k[p], &net, q1, q2, c);
            da_ball_clear(&net.sw2);
            da_ball_clear(&net.sb2);
            ck_assert_msg(st[p] == DA_OK || st[p] == DA_EACCURACY || st[p] == DA_EINFINITE ||
                          st[p] == DA_EDOM,
                          "seed %lu: %s: da_netk_network status %d (%s)", test_seed, cas, st[p],
                          da_errmsg());
        }
        ck_assert_msg(st[0] == st[1] || (st[0] <= DA_EACCURACY && st[1] <= DA_EACCURACY &&
                                         st[0] != DA_EDOM && st[1] != DA_EDOM),
                      "seed %lu: %s: statuses %d and %d", test_seed, cas, st[0], st[1]);
        if (st[0] == DA_OK || st[0] == DA_EACCURACY) {
            int rig0 = da_netk_rigorous(k[0]), rig1 = da_netk_rigorous(k[1]);
            for (long l = 0; l <= depth; l++) {
                static const char *names[4] = {"q1", "q2", "nngp", "ntk"};
                const da_ball_struct *b[2][4];
                for (int p = 0; p < 2; p++) {
                    b[p][0] = &rows[p][l].q1;
                    b[p][1] = &rows[p][l].q2;
                    b[p][2] = &rows[p][l].nngp;
                    b[p][3] = &rows[p][l].ntk;
                }
                for (int j = 0; j < 4; j++) {
                    char what[64];
                    put(what, sizeof what, "layer %ld %s", l, names[j]);
                    check_pair(&t, cas, what, b[0][j], st[0], rig0, b[1][j], st[1], rig1);
                }
            }
            for (int p = 0; p < 2; p++)
                check_reason(cas, da_netk_rigorous(k[p]), da_netk_bound_reason(k[p]));
            if (rig0 && rig1)
                t.compared++;
            else
                t.estimates++;
        } else {
            t.refused++;
        }
        for (int p = 0; p < 2; p++) {
            for (long l = 0; l <= depth; l++)
                da_netk_layer_clear(&rows[p][l]);
            free(rows[p]);
            da_netk_free(k[p]);
        }
        da_ball_clear(q1);
        da_ball_clear(q2);
        da_ball_clear(c);
        da_act_free(act);
    }
    da_set_time_limit(0);
    tally_print(&t);
}
END_TEST

/* ---- meanfield ------------------------------------------------------- */

/* a ball from a double and its error */
static void ball_d(da_ball b, double mid, double err, mpfr_prec_t prec)
{
    da_ball_init2(b, prec);
    mpfr_set_d(b->mid, mid, MPFR_RNDN);
    mpfr_set_d(b->rad, err, MPFR_RNDU);
}

START_TEST(test_meanfield)
{
    seed_for(2);
    tally t = {"meanfield", 0, 0, 0, 0, 0, 0, 0};
    fprintf(stderr, "check_generic meanfield: seed %lu\n", test_seed);
    long iters = iterations(10);
    for (long it = 0; it < iters; it++) {
        char act_s[400], cas[800];
        /* formulas of one level only, once in four: da_meanfield_point has
           no time limit, and ran for more than 10 min of CPU time on
           tanh(erf(x))*tanh(x^2-1) at sw2 = 2.75, sb2 = 0, 74 s on
           tanh(x^2-1) at sw2 = 2, sb2 = 0.1875 (reported) */
        random_act(act_s, sizeof act_s, 0, 1, 4);
        /* the proved path covers sigma as given: the normalized sigma now
           and then, for its label; sb2 = 0 now and then (q* = 0 for many
           activations: nothing to check beyond the label) */
        int normalized = rndint(6) == 0;
        double sw2 = 0.25 * (1 + rndint(16));   /* 0.25 .. 4, exact */
        double sb2 = rndint(6) == 0 ? 0 : 0.0625 * (1 + rndint(8));
        long D = 10 + rndint(31);
        put(cas, sizeof cas, "case %ld: dualact meanfield '%s' --sw2 %g --sb2 %g%s (second method: "
            "the network kernels at %ld digits)", it, act_s, sw2, sb2,
            normalized ? " --normalized" : "", D);
        t.cases++;
        case_begin(cas);
        da_act *act = NULL;
        ck_assert_msg(da_act_new(&act, act_s) == DA_OK, "%s: %s", cas, da_errmsg());
        case_limit();
        da_meanfield *mf = NULL;
        int st = da_meanfield_new(&mf, act, normalized);
        if (st) {
            t.refused++;
            da_act_free(act);
            continue;
        }
        da_mf_point r;
        memset(&r, 0, sizeof r);
        st = da_meanfield_point(&r, mf, sw2, sb2);
        ck_assert_msg(st == DA_OK || st == DA_EACCURACY || st == DA_EDOM,
                      "seed %lu: %s: da_meanfield_point status %d (%s)", test_seed, cas, st, da_errmsg());
        if (st == DA_EDOM) {
            t.refused++;
            da_meanfield_free(mf);
            da_act_free(act);
            continue;
        }
        check_reason(cas, r.rigorous, r.bound_reason);
        int bounded = r.phase != DA_PHASE_UNBOUNDED && isfinite(r.q);
        if (r.rigorous && bounded) {
            /* every figure finite, every error finite (xi may be infinite,
               with a proved lower bound) */
            double v[][2] = {{r.q, r.q_err}, {r.c, r.c_err}, {r.chi1, r.chi1_err}, {r.chic, r.chic_err}};
            for (size_t i = 0; i < sizeof v / sizeof *v; i++)
                ck_assert_msg(isfinite(v[i][0]) && isfinite(v[i][1]) && v[i][1] >= 0,
                              "seed %lu: %s: rigorous, figure %zu is %g +- %g", test_seed, cas, i,
                              v[i][0], v[i][1]);
            ck_assert_msg(isfinite(r.xi_q) ? isfinite(r.xi_q_err) : !isnan(r.xi_q_lo),
                          "seed %lu: %s: rigorous xi_q %g +- %g", test_seed, cas, r.xi_q, r.xi_q_err);
            ck_assert_msg(isfinite(r.xi_c) ? isfinite(r.xi_c_err) : !isnan(r.xi_c_lo),
                          "seed %lu: %s: rigorous xi_c %g +- %g", test_seed, cas, r.xi_c, r.xi_c_err);
        }
        if (!r.rigorous || !bounded) {
            if (!r.rigorous)
                t.estimates++;
            else
                t.undecided++;
            da_meanfield_free(mf);
            da_act_free(act);
            continue;
        }
        /* the second method: the proved network kernels at the ball of q* */
        da_netk *k = NULL;
        da_netk_opts o;
        da_netk_opts_init(&o);
        o.digits = D;
        o.normalized = normalized;
        ck_assert_msg(da_netk_new(&k, act, &o) == DA_OK, "seed %lu: %s: da_netk_new: %s", test_seed,
                      cas, da_errmsg());
        mpfr_prec_t prec = prec_of(D);
        da_ball Q, C, W, B, V, F, G, X, Y;
        ball_d(Q, r.q, r.q_err, prec);
        ball_d(C, r.c, r.c_err, prec);
        ball_d(W, sw2, 0, prec);
        ball_d(B, sb2, 0, prec);
        ball_d(X, r.chi1, r.chi1_err, prec);
        ball_d(Y, r.chic, r.chic_err, prec);
        da_ball_init2(V, prec);
        da_ball_init2(F, prec);
        da_ball_init2(G, prec);
        /* q*: F(Q) = sw2 E[s(sqrt(Q) Z)^2] + sb2 meets Q */
        int s1 = da_netk_diag(V, k, Q, 0);
        int proved = da_netk_rigorous(k);
        if ((s1 == DA_OK || s1 == DA_EACCURACY) && proved) {
            da_ball_mul(F, W, V);
            da_ball_add(F, F, B);
            check_pair(&t, cas, "q* = sw2 E[s(sqrt(q*) Z)^2] + sb2", F, s1, 1, Q, DA_OK, 1);
        }
        /* chi_1 = sw2 E[s'(sqrt(q*) Z)^2] */
        int s2 = da_netk_diag(V, k, Q, 1);
        proved = da_netk_rigorous(k);
        if ((s2 == DA_OK || s2 == DA_EACCURACY) && proved) {
            da_ball_mul(F, W, V);
            check_pair(&t, cas, "chi_1", F, s2, 1, X, DA_OK, 1);
        }
        /* c*: (sw2 E[s(u) s(v)] + sb2) / q* = c*, Var u = Var v = q*,
           Cov = c* q*; chi_c = sw2 E[s'(u) s'(v)] there.  A ball of
           c* q* that reaches past q* is outside the map's domain
           (DA_EDOM): then c* = 1 is checked on the diagonal */
        da_ball_mul(G, C, Q);
        int s3 = da_netk_eval(V, k, Q, Q, G, 0);
        if (s3 == DA_EDOM && r.c == 1)
            s3 = da_netk_diag(V, k, Q, 0);
        proved = da_netk_rigorous(k);
        if ((s3 == DA_OK || s3 == DA_EACCURACY) && proved) {
            da_ball_mul(F, W, V);
            da_ball_add(F, F, B);
            da_ball_div(F, F, Q);
            check_pair(&t, cas, "c* = (sw2 E[s(u)s(v)] + sb2)/q*", F, s3, 1, C, DA_OK, 1);
        }
        int s4 = da_netk_eval(V, k, Q, Q, G, 1);
        if (s4 == DA_EDOM && r.c == 1)
            s4 = da_netk_diag(V, k, Q, 1);
        proved = da_netk_rigorous(k);
        if ((s4 == DA_OK || s4 == DA_EACCURACY) && proved) {
            da_ball_mul(F, W, V);
            check_pair(&t, cas, "chi_c = sw2 E[s'(u)s'(v)]", F, s4, 1, Y, DA_OK, 1);
        }
        if (getenv("DUALACT_TEST_VERBOSE"))
            fprintf(stderr, "check_generic: q* %.17g +- %.3g, c* %.17g +- %.3g, phase %d; statuses "
                    "%d %d %d %d, kernels %s\n", r.q, r.q_err, r.c, r.c_err, r.phase, s1, s2, s3, s4,
                    proved ? "proved" : da_netk_bound_reason(k));
        if (proved)
            t.compared++;
        else
            t.estimates++;
        da_ball *all[] = {&Q, &C, &W, &B, &V, &F, &G, &X, &Y};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++)
            da_ball_clear(*all[i]);
        da_netk_free(k);
        da_meanfield_free(mf);
        da_act_free(act);
    }
    da_set_time_limit(0);
    tally_print(&t);
}
END_TEST

/* ---- depth ----------------------------------------------------------- */

START_TEST(test_depth)
{
    seed_for(3);
    tally t = {"depth", 0, 0, 0, 0, 0, 0, 0};
    fprintf(stderr, "check_generic depth: seed %lu\n", test_seed);
    long iters = iterations(6);
    for (long it = 0; it < iters; it++) {
        char act_s[400], cas[800], delta_s[32], eps_s[32];
        random_act(act_s, sizeof act_s, 1, 2, 2);
        long D = 10 + rndint(31);
        int kernel = rndint(3) == 0 ? DA_DEPTH_NTK : DA_DEPTH_NNGP;
        rnd_dec(delta_s, sizeof delta_s, 0.02, 0.6, 2);
        rnd_dec(eps_s, sizeof eps_s, 0.001, 0.2, 3);
        long n = 2 + rndint(3) * 50 + (rndint(2) ? rndint(100000) : rndint(100));
        if (atof(eps_s) >= (double)(n - 1))
            put(eps_s, sizeof eps_s, "0.01");
        put(cas, sizeof cas, "case %ld: dualact depth '%s' --delta %s --eps %s --n %ld --digits %ld%s "
            "--max-depth 3000 (against --digits %ld)", it, act_s, delta_s, eps_s, n, D,
            kernel == DA_DEPTH_NTK ? " --ntk" : "", D + 20);
        t.cases++;
        case_begin(cas);
        da_act *act = NULL;
        ck_assert_msg(da_act_new(&act, act_s) == DA_OK, "%s: %s", cas, da_errmsg());
        case_limit();
        da_depth_ctx *ctx[2] = {NULL, NULL};
        int sn[2];
        for (int p = 0; p < 2; p++) {
            da_depth_opts o;
            da_depth_opts_init(&o);
            o.digits = D + 20 * p;
            o.max_digits = 160;
            o.max_depth = 3000;
            sn[p] = da_depth_ctx_new(&ctx[p], act, &o);
        }
        ck_assert_msg(sn[0] == sn[1], "seed %lu: %s: da_depth_ctx_new %d and %d", test_seed, cas,
                      sn[0], sn[1]);
        if (sn[0]) {
            t.refused++;
            da_act_free(act);
            continue;
        }
        da_ball mu;
        da_ball_init2(mu, 256);
        da_depth_mu(mu, ctx[0]);
        int mu_positive = finite_ball(mu) && mpfr_cmp(mu->mid, mu->rad) > 0;
        da_ball_clear(mu);
        if (!mu_positive) {   /* a linear activation: no finite depth (the commands skip it) */
            t.refused++;
            da_depth_ctx_free(ctx[0]);
            da_depth_ctx_free(ctx[1]);
            da_act_free(act);
            continue;
        }
        da_ball delta, eps;
        dec_ball(delta, delta_s, 512);
        dec_ball(eps, eps_s, 512);
        da_depth_result r[2];
        int st[2];
        for (int p = 0; p < 2; p++) {
            da_depth_result_init(&r[p]);
            st[p] = da_depth_find(&r[p], ctx[p], kernel, delta, eps, n);
            ck_assert_msg(st[p] == DA_OK || st[p] == DA_EACCURACY || st[p] == DA_EINFINITE,
                          "seed %lu: %s: da_depth_find status %d (%s)", test_seed, cas, st[p],
                          da_errmsg());
        }
        ck_assert_msg((st[0] == DA_EINFINITE) == (st[1] == DA_EINFINITE),
                      "seed %lu: %s: infinite at one precision only", test_seed, cas);
        int rig[2] = {da_depth_rigorous(ctx[0]), da_depth_rigorous(ctx[1])};
        for (int p = 0; p < 2; p++) {
            check_reason(cas, rig[p], da_depth_bound_reason(ctx[p]));
            if (st[p] != DA_OK || !rig[p] || r[p].depth < 0)
                continue;
            /* proved: finite, below the threshold at L*, above it before */
            ck_assert_msg(finite_ball(&r[p].value) && finite_ball(&r[p].threshold),
                          "seed %lu: %s: a proved depth %ld with a value that is not finite",
                          test_seed, cas, r[p].depth);
            mpfr_t up, lo;
            mpfr_inits2(1024, up, lo, (mpfr_ptr)0);
            mpfr_add(up, r[p].value.mid, r[p].value.rad, MPFR_RNDU);
            mpfr_add(lo, r[p].threshold.mid, r[p].threshold.rad, MPFR_RNDU);
            char t1_[128], t2_[128];
            ck_assert_msg(mpfr_cmp(up, lo) <= 0,
                          "seed %lu: %s: at L* = %ld the value %s is not below the "
                          "threshold %s", test_seed, cas, r[p].depth,
                          btext(t1_, sizeof t1_, &r[p].value), btext(t2_, sizeof t2_, &r[p].threshold));
            if (r[p].depth > 0) {
                ck_assert_msg(finite_ball(&r[p].previous), "seed %lu: %s: L*-1 not finite",
                              test_seed, cas);
                mpfr_sub(lo, r[p].previous.mid, r[p].previous.rad, MPFR_RNDD);
                mpfr_sub(up, r[p].threshold.mid, r[p].threshold.rad, MPFR_RNDD);
                ck_assert_msg(mpfr_cmp(lo, up) > 0,
                              "seed %lu: %s: at L* - 1 = %ld the value %s is not above "
                              "the threshold %s", test_seed, cas, r[p].depth - 1,
                              btext(t1_, sizeof t1_, &r[p].previous),
                              btext(t2_, sizeof t2_, &r[p].threshold));
            }
            mpfr_clears(up, lo, (mpfr_ptr)0);
            /* the theory's upper bounds (exit status 4 of the command) */
            if (kernel == DA_DEPTH_NNGP) {
                long b3[3] = {r[p].bound_potential, r[p].bound_two_phase, r[p].bound_majorant};
                for (int j = 0; j < 3; j++)
                    ck_assert_msg(b3[j] < 0 || b3[j] >= r[p].depth,
                                  "seed %lu: %s: bound %d is %ld, below the proved depth %ld",
                                  test_seed, cas, j, b3[j], r[p].depth);
            }
        }
        if (st[0] == DA_EINFINITE) {
            t.undecided++;
        } else if (st[0] == DA_OK && st[1] == DA_OK && rig[0] && rig[1] && r[0].depth >= 0 &&
                   r[1].depth >= 0) {
            ck_assert_msg(r[0].depth == r[1].depth,
                          "seed %lu: %s: L* = %ld at %ld digits, %ld at %ld digits", test_seed, cas,
                          r[0].depth, D, r[1].depth, D + 20);
            check_pair(&t, cas, "k_L*(1 - delta)", &r[0].value, st[0], 1, &r[1].value, st[1], 1);
            if (r[0].depth > 0)
                check_pair(&t, cas, "k_(L*-1)(1 - delta)", &r[0].previous, st[0], 1,
                           &r[1].previous, st[1], 1);
            t.compared++;
        } else if (!rig[0] || !rig[1]) {
            t.estimates++;
        } else {
            t.undecided++;
            fprintf(stderr, "check_generic: note: %s: not decided (status %d, %d; depth %ld, %ld)\n",
                    cas, st[0], st[1], r[0].depth, r[1].depth);
        }
        for (int p = 0; p < 2; p++) {
            da_depth_result_clear(&r[p]);
            da_depth_ctx_free(ctx[p]);
        }
        da_ball_clear(delta);
        da_ball_clear(eps);
        da_act_free(act);
    }
    da_set_time_limit(0);
    tally_print(&t);
}
END_TEST

/* ---- learn ----------------------------------------------------------- */

/* the documented non-numbers of a rigorous spectrum: the rate and the
   effective ranks are NaN +- Inf where a denominator may vanish */
static void check_pair_nan_ok(tally *t, const char *cas, const char *what, const da_ball_struct *lo,
                              int rig_lo, const da_ball_struct *hi, int rig_hi)
{
    if (rig_lo && rig_hi) {
        t->balls++;
        char t1_[128], t2_[128];
        ck_assert_msg(overlap(lo, hi),
                      "seed %lu: %s: %s: the balls do not intersect: %s and "
                      "(second computation) %s",
                      test_seed, cas, what, btext(t1_, sizeof t1_, lo), btext(t2_, sizeof t2_, hi));
    }
}

START_TEST(test_learn)
{
    seed_for(4);
    tally t = {"learn", 0, 0, 0, 0, 0, 0, 0};
    fprintf(stderr, "check_generic learn: seed %lu\n", test_seed);
    long iters = iterations(6);
    for (long it = 0; it < iters; it++) {
        char act_s[400], cas[800];
        random_act(act_s, sizeof act_s, 1, 2, 2);
        long D = 10 + rndint(31);
        long depth = 1 + rndint(12);
        long dim = rndint(2) ? 0 : 2 + rndint(30);
        long degree = 1 + rndint(dim ? 4 : 6);
        long terms = dim ? degree + 4 + rndint(20) : degree + rndint(4);
        char rho_s[32];
        rnd_dec(rho_s, sizeof rho_s, -1, 1, 1 + rndint(4));
        put(cas, sizeof cas, "case %ld: dualact learn '%s' --degree %ld --depth %ld --terms %ld "
            "--digits %ld", it, act_s, degree, depth, terms, D);
        if (dim)
            put(cas + strlen(cas), sizeof cas - strlen(cas), " --dim %ld", dim);
        t.cases++;
        case_begin(cas);
        da_act *act = NULL;
        ck_assert_msg(da_act_new(&act, act_s) == DA_OK, "%s: %s", cas, da_errmsg());
        case_limit();
        da_learn_spectrum *s[2] = {NULL, NULL};
        int st[2];
        for (int p = 0; p < 2; p++) {
            st[p] = da_learn_spectrum_new(&s[p], act, terms, depth, D + 20 * p);
            ck_assert_msg(st[p] == DA_OK || st[p] == DA_EACCURACY || st[p] == DA_EDOM ||
                          st[p] == DA_EINVAL,
                          "seed %lu: %s: da_learn_spectrum_new status %d (%s)", test_seed, cas,
                          st[p], da_errmsg());
        }
        ck_assert_msg((s[0] == NULL) == (s[1] == NULL), "seed %lu: %s: statuses %d and %d", test_seed,
                      cas, st[0], st[1]);
        if (!s[0]) {
            t.refused++;
            da_act_free(act);
            continue;
        }
        int rig[2] = {da_learn_rigorous(s[0]), da_learn_rigorous(s[1])};
        mpfr_prec_t prec = prec_of(D + 20);
        da_ball b[2], b2[2];
        for (int p = 0; p < 2; p++) {
            da_ball_init2(b[p], prec);
            da_ball_init2(b2[p], prec);
        }
        char what[96];
#define BOTH(call, name, ...)                                                                  \
    do {                                                                                       \
        int s_[2];                                                                             \
        for (int p = 0; p < 2; p++) {                                                          \
            const void *S = s[p];                                                              \
            (void)S;                                                                           \
            s_[p] = call;                                                                      \
        }                                                                                      \
        put(what, sizeof what, name, __VA_ARGS__);                                             \
        ck_assert_msg(s_[0] == s_[1], "seed %lu: %s: %s: statuses %d and %d", test_seed, cas, \
                      what, s_[0], s_[1]);                                                     \
        if (s_[0] == DA_OK)                                                                    \
            check_pair(&t, cas, what, b[0], st[0], rig[0], b[1], st[1], rig[1]);               \
    } while (0)
        for (long k = 0; k <= terms; k++)
            BOTH(da_learn_offspring(b[p], s[p], k), "p_%ld", k);
        mpfr_t rho;
        mpfr_init2(rho, 128);
        mpfr_set_str(rho, rho_s, 10, MPFR_RNDN);
        for (long l = 0; l <= depth; l++) {
            for (long k = 0; k <= terms; k++)
                BOTH(da_learn_coef(b[p], s[p], l, k), "b_%ld^(%ld)", k, l);
            for (long k = 0; k <= degree; k++)
                BOTH(da_learn_mass(b[p], s[p], l, k), "W_<=%ld(%ld)", k, l);
            BOTH(da_learn_tail(b[p], s[p], l), "tail(%ld)", l);
            BOTH(da_learn_eval(b[p], s[p], l, rho), "sigma_hat^o%ld(%s)", l, rho_s);
            if (l >= 1) {
                int sr[2];
                for (int p = 0; p < 2; p++)
                    sr[p] = da_learn_rate(b[p], b2[p], s[p], degree, l);
                if (sr[0] == DA_OK && sr[1] == DA_OK) {
                    put(what, sizeof what, "rate last W_<=%ld(%ld)", degree, l);
                    check_pair_nan_ok(&t, cas, what, b[0], rig[0], b[1], rig[1]);
                    put(what, sizeof what, "rate fit W_<=%ld(%ld)", degree, l);
                    check_pair_nan_ok(&t, cas, what, b2[0], rig[0], b2[1], rig[1]);
                }
            }
        }
        mpfr_clear(rho);
        {
            double tau = 0.05 + 0.9 * urand();
            long lo[2], up[2];
            for (int p = 0; p < 2; p++)
                da_learn_crossing(&lo[p], &up[p], s[p], degree, tau);
            /* each pair brackets the first crossing: the brackets meet */
            if (rig[0] && rig[1] && lo[0] >= 0 && lo[1] >= 0 && up[0] >= 0 && up[1] >= 0)
                ck_assert_msg(lo[0] <= up[1] && lo[1] <= up[0],
                              "seed %lu: %s: crossing of %.3f in [%ld, %ld] and [%ld, %ld]",
                              test_seed, cas, tau, lo[0], up[0], lo[1], up[1]);
        }
        if (dim) {
            da_sphere_spectrum *sp[2] = {NULL, NULL};
            long maxdeg = degree + rndint((int)(terms - degree) + 1);
            int ss[2];
            for (int p = 0; p < 2; p++)
                ss[p] = da_sphere_new(&sp[p], s[p], dim, maxdeg);
            ck_assert_msg(ss[0] == ss[1], "seed %lu: %s: da_sphere_new %d and %d", test_seed, cas,
                          ss[0], ss[1]);
            if (ss[0] == DA_OK) {
                for (long l = 0; l <= depth; l++) {
                    for (long h = 0; h <= maxdeg; h++) {
                        BOTH(da_sphere_share(b[p], sp[p], l, h), "sphere share %ld (%ld)", h, l);
                        BOTH(da_sphere_eigenvalue(b[p], sp[p], l, h), "sphere lambda_%ld (%ld)", h, l);
                    }
                    for (long h = 0; h <= degree; h++)
                        BOTH(da_sphere_mass(b[p], sp[p], l, h), "sphere mass <=%ld (%ld)", h, l);
                    BOTH(da_sphere_outside(b[p], sp[p], l), "sphere outside (%ld)", l);
                    mpz_t z;
                    mpz_init_set_ui(z, (unsigned long)rndint(3));
                    int se[2];
                    for (int p = 0; p < 2; p++)
                        se[p] = da_sphere_effective_ranks(b[p], b2[p], sp[p], l, z);
                    if (se[0] == DA_OK && se[1] == DA_OK) {
                        put(what, sizeof what, "r_%lu (%ld)", mpz_get_ui(z), l);
                        check_pair_nan_ok(&t, cas, what, b[0], rig[0], b[1], rig[1]);
                        put(what, sizeof what, "R_%lu (%ld)", mpz_get_ui(z), l);
                        check_pair_nan_ok(&t, cas, what, b2[0], rig[0], b2[1], rig[1]);
                    }
                    mpz_clear(z);
                }
                double tau = 0.05 + 0.9 * urand();
                long lo[2], up[2];
                for (int p = 0; p < 2; p++)
                    da_sphere_crossing(&lo[p], &up[p], sp[p], degree, tau);
                if (rig[0] && rig[1] && lo[0] >= 0 && lo[1] >= 0 && up[0] >= 0 && up[1] >= 0)
                    ck_assert_msg(lo[0] <= up[1] && lo[1] <= up[0],
                                  "seed %lu: %s: sphere crossing of %.3f in [%ld, %ld] and [%ld, %ld]",
                                  test_seed, cas, tau, lo[0], up[0], lo[1], up[1]);
            }
            da_sphere_free(sp[0]);
            da_sphere_free(sp[1]);
        }
#undef BOTH
        if (rig[0] && rig[1])
            t.compared++;
        else
            t.estimates++;
        for (int p = 0; p < 2; p++) {
            da_ball_clear(b[p]);
            da_ball_clear(b2[p]);
            da_learn_spectrum_free(s[p]);
        }
        da_act_free(act);
    }
    da_set_time_limit(0);
    tally_print(&t);
}
END_TEST

/* ---- table (the command) --------------------------------------------- */

/* split one CSV line into at most max fields (double quotes honoured) */
static int csv_split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            p++;
            f[n++] = p;
            char *w = p;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            *w = '\0';
            if (*p == ',') {
                p++;
                continue;
            }
            break;
        }
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

typedef struct {
    int rc;
    int ncols;
    char head[16][32];
    char cell[16][128];
} table_row;

static void run_table(table_row *r, const char *cmdline)
{
    memset(r, 0, sizeof *r);
    FILE *f = popen(cmdline, "r");
    ck_assert_msg(f != NULL, "cannot run %s", cmdline);
    char line[4096];
    int got_head = 0, got_row = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *fl[16];
        int n = csv_split(line, fl, 16);
        if (!got_head) {
            r->ncols = n;
            for (int i = 0; i < n; i++)
                put(r->head[i], sizeof r->head[i], "%s", fl[i]);
            got_head = 1;
        } else if (!got_row) {
            ck_assert_msg(n == r->ncols, "seed %lu: %s: %d fields, %d columns", test_seed, cmdline, n,
                          r->ncols);
            for (int i = 0; i < n; i++)
                put(r->cell[i], sizeof r->cell[i], "%s", fl[i]);
            got_row = 1;
        }
    }
    int w = pclose(f);
    r->rc = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
    ck_assert_msg(r->rc == 0 || r->rc == 3, "seed %lu: %s: exit status %d", test_seed, cmdline, r->rc);
    ck_assert_msg(got_head && got_row, "seed %lu: %s: no row", test_seed, cmdline);
}

/* a number printed with d decimals vouches for 10^-d */
static int parse_fixed(const char *s, double *v, double *tol)
{
    char *end;
    *v = strtod(s, &end);
    if (end == s || *end || !isfinite(*v))
        return 0;
    const char *dot = strchr(s, '.');
    int d = dot ? (int)strlen(dot + 1) : 0;
    *tol = pow(10.0, -d);
    return 1;
}

START_TEST(test_table)
{
    seed_for(5);
    tally t = {"table", 0, 0, 0, 0, 0, 0, 0};
    const char *bin = getenv("DUALACT");
    if (!bin || !*bin)
        bin = "./dualact";
    fprintf(stderr, "check_generic table: seed %lu (%s)\n", test_seed, bin);
    long iters = iterations(3);
    for (long it = 0; it < iters; it++) {
        char act_s[400], delta_s[32], eps_s[32], cmd[2][1200], cas[1400];
        random_act(act_s, sizeof act_s, 1, 2, 2);
        long D = 2 + rndint(15);
        rnd_dec(delta_s, sizeof delta_s, 0.05, 0.5, 2);
        rnd_dec(eps_s, sizeof eps_s, 0.001, 0.1, 3);
        long n = 10 + rndint(10000);
        for (int p = 0; p < 2; p++)
            put(cmd[p], sizeof cmd[p], "'%s' table '%s' --digits %ld --delta %s --eps %s --n %ld "
                "--format csv 2>/dev/null", bin, act_s, D + 10 * p, delta_s, eps_s, n);
        put(cas, sizeof cas, "case %ld: dualact table '%s' --digits %ld --delta %s --eps %s --n %ld "
            "(against --digits %ld)", it, act_s, D, delta_s, eps_s, n, D + 10);
        t.cases++;
        case_begin(cas);
        table_row r[2];
        run_table(&r[0], cmd[0]);
        run_table(&r[1], cmd[1]);
        ck_assert_int_eq(r[0].ncols, r[1].ncols);
        int bk = -1;   /* bound_kind; the per-combination bound_ntk columns follow it */
        for (int i = 0; i < r[0].ncols; i++)
            if (!strcmp(r[0].head[i], "bound_kind"))
                bk = i;
        ck_assert_msg(bk > 0, "%s: no bound_kind column", cas);
        for (int p = 0; p < 2; p++)
            ck_assert_msg(!strcmp(r[p].cell[bk], "rigorous") || !strcmp(r[p].cell[bk], "estimate"),
                          "seed %lu: %s: bound_kind '%s'", test_seed, cas, r[p].cell[bk]);
        int rig = !strcmp(r[0].cell[bk], "rigorous") && !strcmp(r[1].cell[bk], "rigorous");
        for (int i = 1; i < r[0].ncols; i++) {
            if (i == bk)
                continue;
            const char *h = r[0].head[i], *a = r[0].cell[i], *b = r[1].cell[i];
            for (int p = 0; p < 2; p++)
                ck_assert_msg(!strstr(r[p].cell[i], "nan"),
                              "seed %lu: %s: column %s is '%s'", test_seed, cas, h, r[p].cell[i]);
            if (!strcmp(h, "closed_form")) {
                ck_assert_msg(!strcmp(a, b), "seed %lu: %s: closed forms '%s' and '%s'", test_seed, cas,
                              a, b);
                continue;
            }
            if (!strcmp(a, "inf") || !strcmp(b, "inf")) {
                ck_assert_msg(!strcmp(a, b) || !strcmp(a, "?") || !strcmp(b, "?"),
                              "seed %lu: %s: column %s: '%s' and '%s'", test_seed, cas, h, a, b);
                continue;
            }
            double va, vb, ta, tb;
            if (!parse_fixed(a, &va, &ta) || !parse_fixed(b, &vb, &tb))
                continue;   /* '?' or '-': nothing claimed */
            if (!strncmp(h, "L_", 2) || !strncmp(h, "bound", 5)) {
                /* depths and the potential bound: integers, proved in a
                   rigorous row */
                if (rig)
                    ck_assert_msg(va == vb, "seed %lu: %s: column %s: %s at --digits %ld, %s at %ld",
                                  test_seed, cas, h, a, D, b, D + 10);
                continue;
            }
            if (rig) {
                t.balls++;
                ck_assert_msg(fabs(va - vb) <= (ta + tb) * (1 + 1e-9),
                              "seed %lu: %s: column %s: %s at --digits %ld and %s at %ld do not agree "
                              "within their decimals", test_seed, cas, h, a, D, b, D + 10);
            }
        }
        if (rig)
            t.compared++;
        else
            t.estimates++;
    }
    tally_print(&t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("generic");
    struct {
        const char *name;
        const TTest *fn;
        int base;
    } tests[] = {
        {"dual", test_dual, 120},
        {"kernel", test_kernel, 120},
        {"meanfield", test_meanfield, 120},
        {"depth", test_depth, 120},
        {"learn", test_learn, 120},
        {"table", test_table, 120},
    };
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        TCase *tc = tcase_create(tests[i].name);
        tu_limits(tc, tests[i].base, 1);
        tcase_add_test(tc, tests[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
