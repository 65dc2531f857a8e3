/* cmd_kernel_net.c -- dualact kernel --net SPEC: the NNGP and NTK of any
 * network (dualact/net.h) on two inputs, one row per layer: the columns
 * of kernel, then the layer's name (the rows written by kernel's writer,
 * cmd_kernel.c). */
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void print_header(FILE *out, const char *spec, const da_net *net, long digits, int rc,
                         int fmt, int all_fin, const char *inputs)
{
    int rig = da_net_rigorous(net);
    if (fmt == FMT_JSON) {
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
    } else if (fmt == FMT_TEXT) {
        fprintf(out, "network     %s\n", spec);
        fprintf(out, "            NTK parameterisation; %ld rows (row 0: the input)\n",
                da_net_rows(net));
        fprintf(out, "inputs      %s\n", inputs);
        cli_print_bound_fin(out, rig, da_net_bound_reason(net), all_fin);
        fprintf(out, "absolute accuracy 10^-%ld%s\n\n", digits,
                rc == EXIT_OK ? "" : " (NOT reached: see err)");
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
    const da_ball_struct **jb = malloc((size_t)nrows * 4 * sizeof *jb);
    if (!jb) {
        rc = cli_usage_error("kernel --net: out of memory for %ld rows", nrows);
        goto done;
    }
    for (long l = 0; l < nrows; l++) {
        jb[4 * l] = &rows[l].q1;
        jb[4 * l + 1] = &rows[l].q2;
        jb[4 * l + 2] = &rows[l].nngp;
        jb[4 * l + 3] = &rows[l].ntk;
    }
    int all_fin;
    rc = kernel_rows_judge(jb, nrows, digits, "kernel --net", &all_fin);
    free(jb);
    char inputs[256];
    if (q1s)
        snprintf(inputs, sizeof inputs, "q1 = %s, q2 = %s, cov = %s", q1s, q2s, covs);
    else
        snprintf(inputs, sizeof inputs, "q1 = q2 = 1, cov = %s", rhos ? rhos : "0");
    print_header(out, spec, net, digits, rc, fmt, all_fin, inputs);
    kernel_rows_head(out, fmt, digits, 1);
    for (long l = 0; l < nrows; l++) {
        const da_ball_struct *b[4] = {&rows[l].q1, &rows[l].q2, &rows[l].nngp, &rows[l].ntk};
        kernel_row_write(out, fmt, rows[l].layer, b, rows[l].name, da_net_rigorous(net),
                         digits, l == nrows - 1);
    }
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
