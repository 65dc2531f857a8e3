/* cmd_kernel_net.c -- dualact kernel --net SPEC: the NNGP and NTK of any
 * network (dualact/net.h) on two inputs, one row per layer: the columns
 * of kernel, then the layer's name. */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a CSV field (RFC 4180): quoted, quotes doubled, when it holds a comma,
 * a quote or a line break (layer names such as dense(1.5,0.1) do) */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void print_header(FILE *out, const char *spec, const da_net *net, long digits, int rc,
                         int fmt, int all_fin, const char *inputs)
{
    int rig = da_net_rigorous(net);
    if (fmt == FMT_CSV) {
        fputs("layer,q1,q1_err,q2,q2_err,nngp,nngp_err,ntk,ntk_err,bound,name\n", out);
    } else if (fmt == FMT_JSON) {
        fprintf(out, "{\n  \"version\": \"%s\",\n  \"command\": \"kernel\",\n  \"network\": ",
                da_version());
        da_json_write_str(out, spec);
        fprintf(out, ",\n  \"parameterization\": \"ntk\",\n  \"inputs\": ");
        da_json_write_str(out, inputs);
        fprintf(out, ",\n  \"digits\": %ld,\n  \"accuracy_reached\": %s,\n", digits,
                rc == EXIT_OK ? "true" : "false");
        fprintf(out, "  \"bound\": \"%s\",\n", all_fin ? cli_bound_kind(rig) : "none");
        if (!rig) {
            fprintf(out, "  \"bound_reason\": ");
            da_json_write_str(out, da_net_bound_reason(net));
            fprintf(out, ",\n");
        }
        fprintf(out, "  \"layers\": [\n");
    } else {
        fprintf(out, "network     %s\n", spec);
        fprintf(out, "            NTK parameterisation; %ld rows (row 0: the input)\n",
                da_net_rows(net));
        fprintf(out, "inputs      %s\n", inputs);
        cli_print_bound_fin(out, rig, da_net_bound_reason(net), all_fin);
        fprintf(out, "absolute accuracy 10^-%ld%s\n\n", digits,
                rc == EXIT_OK ? "" : " (NOT reached: see err)");
    }
}

static void print_row(FILE *out, const da_net_row *r, long digits, int fmt, int rig, int last,
                      int w)
{
    const da_ball_struct *b[4] = {&r->q1, &r->q2, &r->nngp, &r->ntk};
    char v[4][1200], e[4][64];
    double emax = 0;
    const char *bk = cli_bound_kind(rig || r->layer == 0);
    for (int j = 0; j < 4; j++) {
        da_ball_get_str(v[j], sizeof v[j], e[j], sizeof e[j], b[j], digits, DA_BALL_SCI);
        double ej = strtod(e[j], NULL);
        if (ej > emax || !isfinite(ej))
            emax = ej;
        if (!cli_ball_finite(b[j]))
            bk = "none";   /* a value that is not enclosed proves nothing */
    }
    if (fmt == FMT_CSV) {
        fprintf(out, "%ld,%s,%s,%s,%s,%s,%s,%s,%s,%s,", r->layer, v[0], e[0], v[1], e[1], v[2],
                e[2], v[3], e[3], bk);
        csv_field(out, r->name);
        fputc('\n', out);
    } else if (fmt == FMT_JSON) {
        fprintf(out, "    {\"layer\": %ld, \"q1\": \"%s\", \"q1_err\": \"%s\", \"q2\": \"%s\", "
                "\"q2_err\": \"%s\", \"nngp\": \"%s\", \"nngp_err\": \"%s\", \"ntk\": \"%s\", "
                "\"ntk_err\": \"%s\", \"bound\": \"%s\", \"name\": ", r->layer, v[0], e[0], v[1],
                e[1], v[2], e[2], v[3], e[3], bk);
        da_json_write_str(out, r->name);
        fprintf(out, "}%s\n", last ? "" : ",");
    } else {
        fprintf(out, "%-5ld  %-*s  %-*s  %-*s  %-*s  %.2e  %s\n", r->layer, w, v[0], w, v[1], w,
                v[2], w, v[3], emax, r->name);
    }
}

int kernel_net(const char *spec, const char *q1s, const char *q2s, const char *covs,
               const char *rhos, long digits, int fmt, FILE *out)
{
    if (cli_kernel_inputs_check(q1s, q2s, covs, rhos))
        return EXIT_USAGE;
    long work = digits + GUARD_DIGITS + 4;
    mpfr_prec_t prec = (mpfr_prec_t)ceil((double)work * 3.3219280948873623) + 64;
    da_ball q1, q2, c;
    da_ball_init2(q1, prec);
    da_ball_init2(q2, prec);
    da_ball_init2(c, prec);
    da_net *net = NULL;
    da_net_row *rows = NULL;
    long nrows = 0;
    int rc = cli_kernel_inputs(q1, q2, c, q1s, q2s, covs, rhos, prec);
    if (rc)
        goto done;
    da_net_opts o;
    da_net_opts_init(&o);
    o.digits = work;
    int st = da_net_new(&net, spec, &o);
    if (st) {
        rc = cli_lib_error(st, NULL);
        goto done;
    }
    nrows = da_net_rows(net);
    rows = calloc((size_t)nrows, sizeof *rows);
    if (!rows) {
        rc = cli_usage_error("kernel --net: out of memory for %ld rows", nrows);
        goto done;
    }
    for (long l = 0; l < nrows; l++)
        da_net_row_init(&rows[l]);
    st = da_net_kernel(rows, net, q1, q2, c);
    if (st && st != DA_EACCURACY) {
        rc = cli_lib_error(st, NULL);
        goto done;
    }
    /* judge against the digits asked */
    double reached = INFINITY;
    int all_fin = 1;
    for (long l = 0; l < nrows; l++) {
        const da_ball_struct *b[4] = {&rows[l].q1, &rows[l].q2, &rows[l].nngp, &rows[l].ntk};
        for (int j = 0; j < 4; j++) {
            reached = fmin(reached, da_ball_digits(b[j]));
            all_fin &= cli_ball_finite(b[j]);
        }
    }
    if (!all_fin) {
        rc = EXIT_ACCURACY;
        fprintf(stderr, "dualact: kernel --net: some values are not enclosed (nan, or err inf: "
                "nothing is proved there; see the rows labelled none)\n");
    } else if (reached < (double)digits) {
        rc = EXIT_ACCURACY;
        fprintf(stderr, "dualact: kernel --net: requested %ld digits, proved %.1f (see the err "
                "columns)\n", digits, reached);
    }
    char inputs[256];
    if (q1s)
        snprintf(inputs, sizeof inputs, "q1 = %s, q2 = %s, cov = %s", q1s, q2s, covs);
    else
        snprintf(inputs, sizeof inputs, "q1 = q2 = 1, cov = %s", rhos ? rhos : "0");
    print_header(out, spec, net, digits, rc, fmt, all_fin, inputs);
    int w = (int)(digits + 8 > 60 ? 60 : digits + 8);
    if (fmt == FMT_TEXT)
        fprintf(out, "%-5s  %-*s  %-*s  %-*s  %-*s  %-8s  %s\n", "layer", w, "K(x,x)", w,
                "K(x',x')", w, "NNGP K(x,x')", w, "NTK Theta(x,x')", "max err", "name");
    for (long l = 0; l < nrows; l++)
        print_row(out, &rows[l], digits, fmt, da_net_rigorous(net), l == nrows - 1, w);
    if (fmt == FMT_JSON)
        fprintf(out, "  ]\n}\n");
done:
    if (rows) {
        for (long l = 0; l < nrows; l++)
            da_net_row_clear(&rows[l]);
        free(rows);
    }
    da_net_free(net);
    da_ball_clear(q1);
    da_ball_clear(q2);
    da_ball_clear(c);
    return rc;
}
