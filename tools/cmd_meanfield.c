/* cmd_meanfield.c -- dualact meanfield ACT (--sw2 S --sb2 B | --grid ...):
 * mean-field signal propagation (Poole et al. 2016, Schoenholz et al. 2017). */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: dualact meanfield ACT [--sw2 S] [--sb2 B] [--normalized]\n"
    "                         [--format text|csv|json] [--digits D]\n"
    "       dualact meanfield ACT --grid SW2_RANGE,SB2_RANGE [...]\n"
    "\n"
    "Mean-field signal propagation through a deep random network with weights\n"
    "N(0, sw2/width) and biases N(0, sb2): the fixed point q* of the length map\n"
    "q <- sw2 E[s(sqrt(q) Z)^2] + sb2, the stable fixed point c* of the\n"
    "correlation map, chi_1 = sw2 E[s'(sqrt(q*) Z)^2], the slope chi_c of the\n"
    "correlation map at c*, the depth scales xi_q and xi_c, and the phase.\n"
    "s is sigma as given (the papers' convention); --normalized uses the\n"
    "normalized sigma (E s = 0, E s^2 = 1) instead; --raw is accepted and is\n"
    "the default.  Every value is a proved enclosure (Arb balls: Krawczyk steps\n"
    "for q* and c*, proved Gaussian integrals) where the proof goes through;\n"
    "otherwise a double-precision estimate, said so in the bound line/column\n"
    "with the reason (docs/dual.md).  A depth scale whose slope ball contains\n"
    "1 is printed as inf (JSON: \"inf\" plus a proved lower bound xi_*_lo).\n"
    "\n"
    "  --sw2 S, --sb2 B   one point (defaults 1 and 0)\n"
    "  --grid R1,R2       a grid: each range is start:stop:count (count points\n"
    "                     evenly spaced from start to stop, count >= 1), e.g.\n"
    "                     --grid 0.5:4:8,0:0.5:5; each row also gives the\n"
    "                     critical sw2 (chi_1 = 1) at that sb2\n"
    "  --digits D         absolute accuracy 10^-D asked of every column (default\n"
    "                     10, 1 to 1000): the proofs run at a working precision\n"
    "                     chosen from D; sw2 and sb2 are taken as the exact\n"
    "                     decimals given\n"
    "  --format F         text (default), csv, json\n"
    "\n"
    "CSV columns: sw2,sb2,q,q_err,c,c_err,chi1,chi1_err,chic,chic_err,\n"
    "xi_q,xi_q_err,xi_c,xi_c_err,phase, with --grid sw2_crit,sw2_crit_err,\n"
    "and last bound (rigorous or estimate; with --grid, of the row and its\n"
    "critical sw2).\n"
    "Exit status: 0 success, 2 usage or input error, 3 accuracy not reached (the\n"
    "printed digits are still correct; the err columns say what was proved).\n";

/* a ball of the point: what it vouches for, at most digits decimals */
static void fb(char *v, size_t vl, char *e, size_t el, const da_ball b, long digits)
{
    if (mpfr_nan_p(b->mid) || mpfr_nan_p(b->rad)) {
        snprintf(v, vl, "nan");
        snprintf(e, el, "inf");
        return;
    }
    if (mpfr_inf_p(b->mid)) {
        snprintf(v, vl, mpfr_sgn(b->mid) > 0 ? "inf" : "-inf");
        snprintf(e, el, "0");
        return;
    }
    if (mpfr_inf_p(b->rad)) {
        mpfr_snprintf(v, vl, "%.6Rg", b->mid);
        snprintf(e, el, "inf");
        return;
    }
    da_ball_get_str(v, vl, e, el, b, digits, DA_BALL_SCI);
}

/* a decimal number as a ball (exact when it can be) */
static void dec_ball(da_ball b, const char *s)
{
    if (da_depth_parse_decimal(b, s) != DA_OK) {
        mpfr_set_nan(b->mid);
    }
}

/* start + (stop - start) i / (n - 1), as balls */
static void grid_ball(da_ball r, const da_ball a, const da_ball b, long i, long n)
{
    if (n <= 1 || i == 0) {
        da_ball_set(r, a);
        return;
    }
    if (i == n - 1) {
        da_ball_set(r, b);
        return;
    }
    mpfr_prec_t p = mpfr_get_prec(r->mid);
    da_ball d, k;
    da_ball_init2(d, p);
    da_ball_init2(k, p);
    da_ball_sub(d, b, a);
    mpfr_set_si(k->mid, i, MPFR_RNDN);
    mpfr_set_zero(k->rad, 1);
    da_ball_mul(d, d, k);
    mpfr_set_si(k->mid, n - 1, MPFR_RNDN);
    (void)da_ball_div(d, d, k);   /* n - 1 >= 1: never 0 */
    da_ball_add(r, a, d);
    da_ball_clear(d);
    da_ball_clear(k);
}

static int parse_range(const char *s, size_t len, double *a, double *b, long *n, double lo,
                       const char *what, da_ball ba, da_ball bb)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf)
        return cli_usage_error("--grid: empty or too long %s range", what);
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *p1 = strchr(buf, ':');
    char *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
    if (!p1 || !p2 || strchr(p2 + 1, ':'))
        return cli_usage_error("--grid: %s range '%s' is not start:stop:count", what, buf);
    *p1 = *p2 = '\0';
    if (cli_parse_double(buf, lo, 1e6, a, "--grid start") ||
        cli_parse_double(p1 + 1, lo, 1e6, b, "--grid stop") ||
        cli_parse_long(p2 + 1, 1, 1000, n, "--grid count"))
        return EXIT_USAGE;
    if (*n == 1 && *a != *b)
        return cli_usage_error("--grid: a range with count 1 needs start = stop");
    dec_ball(ba, buf);
    dec_ball(bb, p1 + 1);
    return 0;
}

int cmd_meanfield(int argc, char **argv, FILE *out)
{
    double sw2 = 1, sb2 = 0;
    const char *sw2s = "1", *sb2s = "0";
    long digits = 10;
    int ff = FMT_TEXT, normalized = 0;
    const char *grid = NULL;
    const cli_opt opts[] = {
        CLI_OPT("--sw2", CLI_STRING, &sw2s),
        CLI_OPT("--sb2", CLI_STRING, &sb2s),
        CLI_OPT("--grid", CLI_STRING, &grid),
        CLI_OPT("--digits", CLI_LONG, &digits, .lo = 1, .hi = CLI_MAX_DIGITS),
        CLI_OPT("--format", CLI_FORMAT, &ff),
        CLI_OPT("--raw", CLI_FLAG, &normalized, .ival = 0),
        CLI_OPT("--normalized", CLI_FLAG, &normalized, .ival = 1),
        CLI_OPT_END};
    const char *spec;
    int prc = cli_parse_act(&spec, "meanfield", usage, opts, CLI_ONE_EXTRA, argc, argv, out);
    if (prc || !spec)
        return prc;
    if (cli_parse_double(sw2s, 1e-6, 1e6, &sw2, "--sw2") ||
        cli_parse_double(sb2s, 0, 1e6, &sb2, "--sb2"))
        return EXIT_USAGE;
    /* the balls of sw2 and sb2 at a precision above any working precision */
    mpfr_prec_t bp = (mpfr_prec_t)(3.33 * (double)digits) + 320;
    da_ball bw0, bw1, bb0, bb1, bw, bb;
    da_ball_init2(bw0, bp); da_ball_init2(bw1, bp); da_ball_init2(bb0, bp);
    da_ball_init2(bb1, bp); da_ball_init2(bw, bp); da_ball_init2(bb, bp);
    dec_ball(bw0, sw2s);
    da_ball_set(bw1, bw0);
    dec_ball(bb0, sb2s);
    da_ball_set(bb1, bb0);
    double w0 = sw2, w1 = sw2, b0 = sb2, b1 = sb2;
    long nw = 1, nb = 1;
    da_act *act = NULL;
    da_meanfield *mf = NULL;
    int rc = EXIT_OK;
    if (grid) {
        const char *c = strchr(grid, ',');
        if (!c || strchr(c + 1, ',')) {
            rc = cli_usage_error("--grid: expected SW2_RANGE,SB2_RANGE, e.g. 0.5:4:8,0:0.5:5");
            goto done0;
        }
        if (parse_range(grid, (size_t)(c - grid), &w0, &w1, &nw, 1e-6, "sw2", bw0, bw1) ||
            parse_range(c + 1, strlen(c + 1), &b0, &b1, &nb, 0, "sb2", bb0, bb1)) {
            rc = EXIT_USAGE;
            goto done0;
        }
    }
    rc = cli_act_new(&act, spec);
    if (rc)
        goto done0;
    int st = da_meanfield_new(&mf, act, normalized);
    if (st) {
        rc = cli_lib_error(st, spec);
        goto done0;
    }
    size_t np = (size_t)(nw * nb);
    da_mf_point *pts = calloc(np, sizeof *pts);
    da_mf_balls *pb = calloc(np, sizeof *pb);
    da_ball_struct *cb = calloc((size_t)nb, sizeof *cb);
    int *crit_r = calloc((size_t)nb, sizeof(int));
    char (*crit_why)[200] = calloc((size_t)nb, sizeof *crit_why);
    size_t nballs = 0;
    long ncb = 0, nshort = 0;
    int tty = isatty(fileno(stderr));
    if (!pts || !pb || !cb || !crit_r || !crit_why) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    for (long j = 0; j < nb; j++) {
        double b = nb > 1 ? b0 + (b1 - b0) * (double)j / (double)(nb - 1) : b0;
        grid_ball(bb, bb0, bb1, j, nb);
        for (long i = 0; i < nw; i++) {
            double w = nw > 1 ? w0 + (w1 - w0) * (double)i / (double)(nw - 1) : w0;
            grid_ball(bw, bw0, bw1, i, nw);
            if (tty && np > 1)
                fprintf(stderr, "\rmeanfield: point %ld of %zu", j * nw + i + 1, np);
            da_mf_balls_init(&pb[j * nw + i]);
            nballs++;
            st = da_meanfield_point_balls(&pts[j * nw + i], &pb[j * nw + i], mf, bw, bb, digits);
            if (st == DA_EACCURACY) {
                nshort++;
                st = DA_OK;
            }
            if (st) {
                rc = cli_lib_error(st, spec);
                goto done;
            }
            pts[j * nw + i].sw2 = w;
            pts[j * nw + i].sb2 = b;
        }
        if (grid) {
            da_ball_init2(&cb[j], 64);
            ncb++;
            st = da_meanfield_critical_ball(&cb[j], &crit_r[j], crit_why[j], mf, bb, digits);
            if (st == DA_EACCURACY) {
                nshort++;
            } else if (st != DA_OK) {
                mpfr_set_nan(cb[j].mid);
                mpfr_set_inf(cb[j].rad, 1);
                crit_r[j] = 0;
                nshort++;
                if (!crit_why[j][0])
                    snprintf(crit_why[j], sizeof crit_why[j], "no critical point found");
            }
            st = DA_OK;
        }
    }
    if (tty && np > 1)
        fprintf(stderr, "\r%40s\r", "");
    size_t vl = (size_t)digits + 64;
    char *vbuf = malloc(14 * vl);
    if (!vbuf) {
        rc = cli_usage_error("out of memory");
        goto done;
    }
    char *v[14];
    for (int i = 0; i < 14; i++)
        v[i] = vbuf + (size_t)i * vl;
    int all_rig = 1;
    const char *why1 = NULL;
    for (size_t k = 0; k < np; k++)
        if (!pts[k].rigorous) {
            all_rig = 0;
            if (!why1)
                why1 = pts[k].bound_reason;
        }
    for (long j = 0; grid && j < nb; j++)
        if (!crit_r[j]) {
            all_rig = 0;
            if (!why1)
                why1 = crit_why[j];
        }
    if (ff == FMT_CSV)
        fprintf(out, "sw2,sb2,q,q_err,c,c_err,chi1,chi1_err,chic,chic_err,xi_q,xi_q_err,xi_c,xi_c_err,phase%s,bound\n",
                grid ? ",sw2_crit,sw2_crit_err" : "");
    else if (ff == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"meanfield\",\n  \"activation\": ", da_version());
        da_json_write_str(out, spec);
        fprintf(out, ",\n  \"normalized\": %s,\n  \"points\": [\n", normalized ? "true" : "false");
    } else {
        fprintf(out, "activation  %s (%s)\n", spec, normalized ? "normalized" : "as given");
        fprintf(out, "method      %s\n", all_rig ? "Arb balls: proved Gaussian integrals, Krawczyk steps for q* and c*"
                                                    : "composite Gauss-Legendre in double, error estimates (where not proved)");
        cli_print_bound(out, all_rig, why1);
        fputc('\n', out);
        fprintf(out, "%-8s %-8s %-24s %-24s %-24s %-24s %-14s %-14s %s\n", "sw2", "sb2", "q*", "c*",
                "chi_1", "chi_c", "xi_q", "xi_c", "phase");
    }
    for (size_t k = 0; k < np; k++) {
        da_mf_point *p = &pts[k];
        da_mf_balls *B = &pb[k];
        fb(v[0], vl, v[1], vl, &B->q, digits);
        fb(v[2], vl, v[3], vl, &B->c, digits);
        fb(v[4], vl, v[5], vl, &B->chi1, digits);
        fb(v[6], vl, v[7], vl, &B->chic, digits);
        fb(v[8], vl, v[9], vl, &B->xi_q, digits);
        fb(v[10], vl, v[11], vl, &B->xi_c, digits);
        if (grid)
            fb(v[12], vl, v[13], vl, &cb[k / (size_t)nw], digits);
        const char *ph = da_meanfield_phase_name(p->phase);
        if (ff == FMT_CSV) {
            fprintf(out, "%.10g,%.10g,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s", p->sw2, p->sb2,
                    v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], ph);
            if (grid)
                fprintf(out, ",%s,%s", v[12], v[13]);
            fprintf(out, ",%s\n", cli_bound_kind(p->rigorous && (!grid || crit_r[k / (size_t)nw])));
        } else if (ff == FMT_JSON) {
            fprintf(out, "    {\"sw2\": %.10g, \"sb2\": %.10g, \"q\": \"%s\", \"q_err\": \"%s\", \"c\": \"%s\", \"c_err\": \"%s\", "
                    "\"chi1\": \"%s\", \"chi1_err\": \"%s\", \"chic\": \"%s\", \"chic_err\": \"%s\", "
                    "\"xi_q\": \"%s\", \"xi_q_err\": \"%s\", \"xi_c\": \"%s\", \"xi_c_err\": \"%s\", \"phase\": \"%s\"",
                    p->sw2, p->sb2, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], ph);
            /* lower bounds, rounded down (%.6g may round up by 5e-6) */
            if (isinf(p->xi_q))
                fprintf(out, ", \"xi_q_lo\": \"%.6g\"", p->xi_q_lo * (1 - 1e-5));
            if (isinf(p->xi_c))
                fprintf(out, ", \"xi_c_lo\": \"%.6g\"", p->xi_c_lo * (1 - 1e-5));
            if (grid) {
                fprintf(out, ", \"sw2_crit\": \"%s\", \"sw2_crit_err\": \"%s\", \"sw2_crit_bound\": \"%s\"",
                        v[12], v[13], cli_bound_kind(crit_r[k / (size_t)nw]));
                if (!crit_r[k / (size_t)nw]) {
                    fprintf(out, ", \"sw2_crit_bound_reason\": ");
                    da_json_write_str(out, crit_why[k / (size_t)nw]);
                }
            }
            fprintf(out, ", \"bound\": \"%s\"", cli_bound_kind(p->rigorous));
            if (!p->rigorous) {
                fprintf(out, ", \"bound_reason\": ");
                da_json_write_str(out, p->bound_reason);
            }
            fprintf(out, "}%s\n", k + 1 < np ? "," : "");
        } else {
            fprintf(out, "%-8.4g %-8.4g ", p->sw2, p->sb2);
            for (int i = 0; i < 8; i += 2) {
                int n = fprintf(out, "%s+-%s", v[i], v[i + 1]);
                fprintf(out, "%*s", n < 24 ? 25 - n : 1, "");
            }
            fprintf(out, "%-14s %-14s %s\n", v[8], v[10], ph);
        }
    }
    if (ff == FMT_JSON)
        fprintf(out, "  ]\n}\n");
    else if (ff == FMT_TEXT && grid) {
        fprintf(out, "\ncritical line (chi_1 = 1):\n%-8s %s\n", "sb2", "sw2_crit");
        for (long j = 0; j < nb; j++) {
            double b = nb > 1 ? b0 + (b1 - b0) * (double)j / (double)(nb - 1) : b0;
            fb(v[0], vl, v[1], vl, &cb[j], digits);
            fprintf(out, "%-8.4g %s +- %s  %s%s%s\n", b, v[0], v[1], cli_bound_kind(crit_r[j]),
                    crit_r[j] ? "" : ": ", crit_r[j] ? "" : crit_why[j]);
        }
    }
    free(vbuf);
    if (rc == EXIT_OK && nshort) {
        rc = EXIT_ACCURACY;
        fprintf(stderr, "dualact: %s: accuracy 10^-%ld not reached in %ld of %ld rows/critical "
                "points (the err columns say what was proved%s)\n", spec, digits, nshort,
                (long)np + (grid ? nb : 0), all_rig ? "" : "; see the bound");
    }
done:
    for (size_t k = 0; k < nballs; k++)
        da_mf_balls_clear(&pb[k]);
    for (long j = 0; j < ncb; j++)
        da_ball_clear(&cb[j]);
    free(pts);
    free(pb);
    free(cb);
    free(crit_r);
    free(crit_why);
done0:
    da_meanfield_free(mf);
    da_act_free(act);
    da_ball_clear(bw0); da_ball_clear(bw1); da_ball_clear(bb0);
    da_ball_clear(bb1); da_ball_clear(bw); da_ball_clear(bb);
    return rc;
}
