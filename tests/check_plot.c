/* check_plot.c -- the figure module (lib/report/plot.c): nice ticks, tick
 * labels, layout (legend placement, label room), and the three renderers:
 * the SVG is well-formed XML (checked by a small parser here, and by
 * xmllint when installed) and carries the labels; the pgfplots code is a
 * tikzpicture with one \addplot per series; the gnuplot script carries its
 * data. */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "report/plot.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* helpers */

static int count(const char *hay, const char *needle)
{
    int n = 0;
    size_t l = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + l, needle))
        n++;
    return n;
}

/* A small XML well-formedness checker: every element closed in order,
 * attributes quoted, entities known, comments and the declaration closed.
 * Returns NULL when well-formed, else a description. */
static const char *xml_check(const char *s, int *nelements)
{
    static char msg[256];
    char stack[64][48];
    int depth = 0, roots = 0;
    *nelements = 0;
    const char *p = s;
    while (*p) {
        if (*p == '<') {
            if (!strncmp(p, "<?", 2)) {
                const char *e = strstr(p, "?>");
                if (!e)
                    return "unterminated declaration";
                p = e + 2;
                continue;
            }
            if (!strncmp(p, "<!--", 4)) {
                const char *e = strstr(p + 4, "-->");
                if (!e)
                    return "unterminated comment";
                /* "--" is not allowed inside a comment */
                for (const char *q = p + 4; q < e; q++)
                    if (q[0] == '-' && q[1] == '-')
                        return "-- inside a comment";
                p = e + 3;
                continue;
            }
            int closing = p[1] == '/';
            const char *n = p + 1 + closing;
            size_t nl = strcspn(n, " \t\n/>");
            if (nl == 0 || nl >= 48)
                return "bad element name";
            const char *q = n + nl;
            /* attributes */
            for (;;) {
                q += strspn(q, " \t\n");
                if (*q == '>' || (*q == '/' && q[1] == '>'))
                    break;
                if (closing)
                    return "attributes on a closing tag";
                size_t al = strcspn(q, "= \t\n>");
                if (al == 0 || q[al] != '=')
                    return "attribute without a value";
                q += al + 1;
                char quote = *q;
                if (quote != '"' && quote != '\'')
                    return "unquoted attribute";
                const char *e = strchr(q + 1, quote);
                if (!e)
                    return "unterminated attribute";
                for (const char *c = q + 1; c < e; c++)
                    if (*c == '<')
                        return "< inside an attribute";
                q = e + 1;
            }
            int selfclose = *q == '/';
            if (closing) {
                if (depth == 0 || strncmp(stack[depth - 1], n, nl) || stack[depth - 1][nl]) {
                    snprintf(msg, sizeof msg, "closing </%.*s> does not match <%s>", (int)nl, n,
                             depth ? stack[depth - 1] : "(none)");
                    return msg;
                }
                depth--;
            } else {
                (*nelements)++;
                if (depth == 0)
                    roots++;
                if (!selfclose) {
                    if (depth == 64)
                        return "too deep";
                    memcpy(stack[depth], n, nl);
                    stack[depth][nl] = 0;
                    depth++;
                }
            }
            p = q + (selfclose ? 2 : 1);
            continue;
        }
        if (*p == '&') {
            size_t el = strcspn(p, ";<> \n");
            if (p[el] != ';')
                return "unterminated entity";
            if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
                strncmp(p, "&quot;", 6) && strncmp(p, "&apos;", 6) && strncmp(p, "&#", 2))
                return "unknown entity";
        }
        if (*p == '>' && depth == 0)
            return "stray >";
        p++;
    }
    if (depth)
        return "unclosed element";
    if (roots != 1)
        return "not exactly one root element";
    return NULL;
}

static char *render(const da_plot *p, da_plot_format f)
{
    char *out = NULL;
    ck_assert_int_eq(da_plot_render(&out, p, f), DA_OK);
    ck_assert_ptr_nonnull(out);
    return out;
}

static void assert_xml(const char *svg)
{
    int nel = 0;
    const char *err = xml_check(svg, &nel);
    ck_assert_msg(err == NULL, "SVG not well-formed: %s", err ? err : "");
    ck_assert_int_gt(nel, 10);
    /* and xmllint, when the system has it */
    if (system("xmllint --version >/dev/null 2>&1") == 0) {
        char path[] = "/tmp/check_plot_XXXXXX";
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        FILE *f = fdopen(fd, "w");
        fputs(svg, f);
        fclose(f);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "xmllint --noout %s 2>/dev/null", path);
        int rc = system(cmd);
        unlink(path);
        ck_assert_msg(rc == 0, "xmllint rejects the SVG");
    }
}

/* is v = m 10^e with m in {1, 2, 5}? */
static int nice_step(double v)
{
    double e = floor(log10(v) + 1e-12);
    double m = v / pow(10, e);
    return fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6 || fabs(m - 10) < 1e-6;
}

static da_plot *sample_plot(void)
{
    da_plot *p = NULL;
    ck_assert_int_eq(da_plot_new(&p), DA_OK);
    ck_assert_ptr_nonnull(p);
    double x[101], y1[101], y2[101];
    for (int i = 0; i <= 100; i++) {
        x[i] = -1 + i * 0.02;
        y1[i] = x[i] * x[i];
        y2[i] = x[i] * x[i] * x[i];
    }
    ck_assert_int_eq(da_plot_set_title(p, "A title with ρ_{0} & <tags>", NULL), DA_OK);
    ck_assert_int_eq(da_plot_set_xlabel(p, "ρ", "$\\rho$"), DA_OK);
    ck_assert_int_eq(da_plot_set_ylabel(p, "σ̂^{∘L}(ρ)", "$\\hat\\sigma^{\\circ L}(\\rho)$"), DA_OK);
    ck_assert_int_eq(da_plot_add_series(p, "square", NULL, x, y1, 101), DA_OK);
    ck_assert_int_eq(da_plot_add_series(p, "leaky_relu", NULL, x, y2, 101), DA_OK);
    ck_assert_int_eq(da_plot_set_comment(p, "generated by check_plot -- a test"), DA_OK);
    return p;
}

/* ------------------------------------------------------------------ */

START_TEST(test_nice_ticks_fixed_cases)
{
    double t[64], lo = 0, hi = 1;
    int n = -1;
    ck_assert_int_eq(da_plot_nice_ticks(t, 64, &n, &lo, &hi, 6, 1), DA_OK);
    ck_assert_int_eq(n, 6);
    for (int i = 0; i < n; i++)
        ck_assert_double_eq_tol(t[i], 0.2 * i, 1e-12);
    lo = -1;
    hi = 1;
    ck_assert_int_eq(da_plot_nice_ticks(t, 64, &n, &lo, &hi, 6, 1), DA_OK);
    ck_assert_int_eq(n, 5);
    ck_assert_double_eq_tol(t[1] - t[0], 0.5, 1e-12);
    ck_assert_double_eq(t[2], 0.0);   /* exactly zero, not 1e-17 */
    /* expansion to the outer ticks */
    lo = 0.013;
    hi = 9.7;
    ck_assert_int_eq(da_plot_nice_ticks(t, 64, &n, &lo, &hi, 6, 1), DA_OK);
    ck_assert_double_eq(lo, 0);
    ck_assert_double_eq(hi, 10);
    ck_assert_double_eq_tol(t[1] - t[0], 2, 1e-12);
    /* without expansion the range is kept and ticks lie inside */
    lo = 0.013;
    hi = 9.7;
    ck_assert_int_eq(da_plot_nice_ticks(t, 64, &n, &lo, &hi, 6, 0), DA_OK);
    ck_assert_double_eq(lo, 0.013);
    ck_assert_double_eq(hi, 9.7);
    ck_assert_double_eq_tol(t[0], 2, 1e-12);
    ck_assert_double_eq_tol(t[n - 1], 8, 1e-12);
    /* a degenerate range is widened */
    lo = hi = 3;
    ck_assert_int_eq(da_plot_nice_ticks(t, 64, &n, &lo, &hi, 6, 1), DA_OK);
    ck_assert(lo < 3 && hi > 3);
    ck_assert_int_ge(n, 2);
    /* errors */
    lo = NAN;
    n = -1;
    ck_assert_int_eq(da_plot_nice_ticks(t, 64, &n, &lo, &hi, 6, 1), DA_EINVAL);
    ck_assert_int_eq(n, -1);   /* untouched on error */
    lo = 0;
    ck_assert_int_eq(da_plot_nice_ticks(t, 1, &n, &lo, &hi, 6, 1), DA_EINVAL);
    ck_assert_int_eq(da_plot_nice_ticks(t, 64, NULL, &lo, &hi, 6, 1), DA_EINVAL);
    ck_assert(strstr(da_errmsg(), "--") == NULL);
}
END_TEST

/* random ranges: steps are 1, 2 or 5 times a power of ten, ticks are
   multiples of the step, their number is reasonable, the range covers the
   data, and the labels fit side by side on a 560-pixel axis */
START_TEST(test_nice_ticks_random)
{
    srand(12345);
    for (int trial = 0; trial < 3000; trial++) {
        double a = (rand() / (double)RAND_MAX - 0.5) * pow(10, rand() % 12 - 6);
        double w = pow(10, (rand() / (double)RAND_MAX) * 10 - 5);
        if (w < 1e-6 * fabs(a))
            continue;   /* no figure has a relative width below 1e-6 */
        double lo = a, hi = a + w, dlo = lo, dhi = hi;
        double t[64];
        int n = 0;
        ck_assert_int_eq(da_plot_nice_ticks(t, 64, &n, &lo, &hi, 6, 1), DA_OK);
        ck_assert_int_ge(n, 3);
        ck_assert_int_le(n, 11);
        ck_assert(lo <= dlo && hi >= dhi);
        double step = (t[n - 1] - t[0]) / (n - 1);
        ck_assert_msg(nice_step(step), "step %g for [%g, %g]", step, dlo, dhi);
        /* the exact nice value of the step (the difference of large ticks
           carries rounding) */
        double e10 = pow(10, floor(log10(step) + 1e-9));
        step = nearbyint(step / e10) * e10;
        double total = 0;
        for (int i = 0; i < n; i++) {
            double k = t[i] / step;
            ck_assert_msg(fabs(k - nearbyint(k)) < 1e-6, "tick %g not a multiple of %g", t[i], step);
            char buf[64];
            da_plot_tick_label(buf, sizeof buf, t[i], step);
            ck_assert(strlen(buf) > 0 && strlen(buf) < 16);
            /* the label reads back as the tick value */
            ck_assert_msg(fabs(strtod(buf, NULL) - t[i]) <= 1e-3 * step, "label %s for %.17g, step %.17g",
                          buf, t[i], step);
            total += da_plot_text_width(buf, 12) + 8;
        }
        ck_assert_msg(total < 560, "labels of [%g, %g] need %g px", dlo, dhi, total);
    }
}
END_TEST

START_TEST(test_tick_labels)
{
    char b[64];
    da_plot_tick_label(b, sizeof b, 0.5, 0.5);
    ck_assert_str_eq(b, "0.5");
    da_plot_tick_label(b, sizeof b, -1e-17, 0.2);
    ck_assert_str_eq(b, "0.0");
    da_plot_tick_label(b, sizeof b, -0.0, 1);
    ck_assert_str_eq(b, "0");
    da_plot_tick_label(b, sizeof b, 0.25, 0.25);
    ck_assert_str_eq(b, "0.25");
    da_plot_tick_label(b, sizeof b, 1000, 500);
    ck_assert_str_eq(b, "1000");
    da_plot_tick_label(b, sizeof b, -1, 0.5);
    ck_assert_str_eq(b, "-1.0");
    da_plot_tick_label(b, sizeof b, 0.003, 0.001);
    ck_assert_str_eq(b, "0.003");
    da_plot_tick_label(b, sizeof b, 2e7, 1e7);
    ck_assert_str_eq(b, "2e+07");
    da_plot_tick_label(b, sizeof b, 1.5e-7, 5e-8);
    ck_assert_str_eq(b, "1.5e-07");
    da_plot_tick_label(b, sizeof b, 0.001625, 5e-6);
    ck_assert_str_eq(b, "0.001625");
}
END_TEST

START_TEST(test_log_axis)
{
    da_plot_axis ax;
    ck_assert_int_eq(da_plot_axis_layout(&ax, 2e-3, 0.9, NAN, NAN, 1), DA_OK);
    ck_assert_double_eq_tol(ax.lo, 1e-3, 1e-18);
    ck_assert_double_eq_tol(ax.hi, 1, 1e-15);
    ck_assert_int_eq(ax.nticks, 4);
    for (int i = 0; i < ax.nticks; i++)
        ck_assert_double_eq_tol(log10(ax.ticks[i]), -3 + i, 1e-9);
    /* many decades: a tick every few decades, at most about 9 of them */
    ck_assert_int_eq(da_plot_axis_layout(&ax, 1e-30, 1, NAN, NAN, 1), DA_OK);
    ck_assert_int_le(ax.nticks, 9);
    ck_assert_double_eq(ax.step, 4);
    /* fixed non-positive range on a log axis */
    ck_assert_int_ne(da_plot_axis_layout(&ax, 1, 2, -1, 2, 1), DA_OK);
    /* linear axis with a fixed range keeps it */
    ck_assert_int_eq(da_plot_axis_layout(&ax, 0.1, 0.2, -1, 1, 0), DA_OK);
    ck_assert_double_eq(ax.lo, -1);
    ck_assert_double_eq(ax.hi, 1);
    ck_assert_int_eq(ax.nticks, 5);
}
END_TEST

START_TEST(test_svg_wellformed_labels)
{
    da_plot *p = sample_plot();
    char *svg = render(p, DA_PLOT_SVG);
    assert_xml(svg);
    ck_assert(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    /* labels, escaped; the comment without "--" */
    ck_assert(strstr(svg, ">square</text>"));
    ck_assert(strstr(svg, ">leaky_relu</text>"));
    ck_assert(strstr(svg, "&amp; &lt;tags&gt;"));
    ck_assert(strstr(svg, ">ρ</text>"));
    ck_assert(strstr(svg, "σ̂<tspan"));          /* markup: the superscript */
    ck_assert(strstr(svg, ">∘L</tspan>"));
    ck_assert(strstr(svg, "generated by check_plot"));
    /* tick labels of [-1, 1] by 0.5, with true minus signs */
    ck_assert(strstr(svg, ">\xE2\x88\x92" "0.5</text>"));
    ck_assert(strstr(svg, ">0.0</text>"));
    ck_assert(strstr(svg, ">1.0</text>"));
    /* two data paths, the legend box and its two samples */
    ck_assert_int_eq(count(svg, "stroke-width=\"2\""), 4);
    free(svg);
    da_plot_free(p);
}
END_TEST

START_TEST(test_svg_gaps_markers_notes)
{
    da_plot *p = NULL;
    ck_assert_int_eq(da_plot_new(&p), DA_OK);
    double x[5] = {0, 1, 2, 3, 4}, y[5] = {1, 2, NAN, 4, 5};
    ck_assert_int_eq(da_plot_add_series(p, "gappy", NULL, x, y, 5), DA_OK);
    ck_assert_int_eq(da_plot_series_style(p, 0, DA_PLOT_STYLE_AUTO, 1), DA_OK);
    ck_assert_int_eq(da_plot_add_note(p, 2, 3, "a note", NULL), DA_OK);
    char *svg = render(p, DA_PLOT_SVG);
    assert_xml(svg);
    /* the path restarts after the NaN: two moveto */
    const char *d = strstr(svg, " d=\"M");
    ck_assert_ptr_nonnull(d);
    const char *end = strchr(d + 4, '"');
    int moves = 0;
    for (const char *c = d + 4; c < end; c++)
        moves += *c == 'M';
    ck_assert_int_eq(moves, 2);
    ck_assert_int_eq(count(svg, "<circle"), 4 + 1);   /* four points + the legend sample */
    ck_assert(strstr(svg, ">a note</text>"));
    free(svg);
    /* on a log axis y <= 0 is a gap too */
    double y2[5] = {1, 0, 3, -1, 5};
    da_plot *q = NULL;
    ck_assert_int_eq(da_plot_new(&q), DA_OK);
    ck_assert_int_eq(da_plot_set_ylog(q, 1), DA_OK);
    ck_assert_int_eq(da_plot_add_series(q, "", NULL, x, y2, 5), DA_OK);
    svg = render(q, DA_PLOT_SVG);
    assert_xml(svg);
    ck_assert(strstr(svg, ">10<tspan"));
    ck_assert(strstr(svg, "<rect") != NULL);
    ck_assert_int_eq(count(svg, "font-size=\"12\">\n<rect"), 0);  /* no legend: no label */
    free(svg);
    da_plot_free(q);
    da_plot_free(p);
}
END_TEST

/* the legend goes to a corner no curve passes through; when every corner
   is taken it goes outside and the figure widens */
START_TEST(test_legend_placement)
{
    double x[201], up[201], flat[201];
    for (int i = 0; i <= 200; i++) {
        x[i] = i / 200.0;
        up[i] = x[i];
        flat[i] = 0.5;
    }
    da_plot *p = NULL;
    ck_assert_int_eq(da_plot_new(&p), DA_OK);
    ck_assert_int_eq(da_plot_add_series(p, "diagonal", NULL, x, up, 201), DA_OK);
    char *pgf = render(p, DA_PLOT_PGF);
    ck_assert(strstr(pgf, "legend pos=north west") || strstr(pgf, "legend pos=south east"));
    free(pgf);
    /* an X through all four corners, and a band in the middle */
    double down[201];
    for (int i = 0; i <= 200; i++)
        down[i] = 1 - x[i];
    ck_assert_int_eq(da_plot_add_series(p, "anti-diagonal", NULL, x, down, 201), DA_OK);
    ck_assert_int_eq(da_plot_add_series(p, "flat", NULL, x, flat, 201), DA_OK);
    pgf = render(p, DA_PLOT_PGF);
    ck_assert(strstr(pgf, "legend pos=outer north east"));
    free(pgf);
    char *svg = render(p, DA_PLOT_SVG);
    assert_xml(svg);
    double w = 0;
    ck_assert_int_eq(sscanf(strstr(svg, "<svg ") + 5, "xmlns=\"http://www.w3.org/2000/svg\" width=\"%lf\"", &w), 1);
    ck_assert(w > 640);
    free(svg);
    /* asked for: no legend at all */
    ck_assert_int_eq(da_plot_set_legend(p, DA_PLOT_LEGEND_NONE), DA_OK);
    svg = render(p, DA_PLOT_SVG);
    ck_assert_ptr_null(strstr(svg, ">flat</text>"));
    free(svg);
    ck_assert_int_ne(da_plot_set_legend(p, 99), DA_OK);
    da_plot_free(p);
}
END_TEST

START_TEST(test_pgf)
{
    da_plot *p = sample_plot();
    char *pgf = render(p, DA_PLOT_PGF);
    ck_assert(strstr(pgf, "\\begin{tikzpicture}"));
    ck_assert(strstr(pgf, "\\end{tikzpicture}"));
    ck_assert(strstr(pgf, "\\begin{axis}["));
    ck_assert(strstr(pgf, "\\end{axis}"));
    ck_assert_int_eq(count(pgf, "\\addplot["), 2);
    ck_assert_int_eq(count(pgf, "\\addlegendentry{"), 2);
    ck_assert(strstr(pgf, "\\addlegendentry{leaky\\_relu}"));      /* escaped */
    ck_assert(strstr(pgf, "ylabel={$\\hat\\sigma^{\\circ L}(\\rho)$}")); /* the TeX form */
    ck_assert(strstr(pgf, "\\textsubscript{0} \\& \\textless{}tags\\textgreater{}"));
    ck_assert(strstr(pgf, "(0.5,0.25)"));
    ck_assert(strstr(pgf, "% generated by check_plot"));
    ck_assert_ptr_null(strstr(pgf, "ymode=log"));
    /* braces balance */
    int b = 0;
    for (const char *c = pgf; *c; c++) {
        if (*c == '\\' && c[1]) {
            c++;
            continue;
        }
        b += (*c == '{') - (*c == '}');
        ck_assert_int_ge(b, 0);
    }
    ck_assert_int_eq(b, 0);
    free(pgf);
    ck_assert_int_eq(da_plot_set_ylog(p, 1), DA_OK);
    pgf = render(p, DA_PLOT_PGF);
    ck_assert(strstr(pgf, "ymode=log"));
    ck_assert(strstr(pgf, "(0,nan)"));   /* y = 0 has no place on a log axis */
    free(pgf);
    da_plot_free(p);
}
END_TEST

START_TEST(test_gnuplot)
{
    da_plot *p = sample_plot();
    ck_assert_int_eq(da_plot_set_gnuplot_output(p, "fig.svg"), DA_OK);
    char *gp = render(p, DA_PLOT_GNUPLOT);
    ck_assert_int_eq(count(gp, " << EOD\n"), 2);
    ck_assert_int_eq(count(gp, "\nEOD\n"), 2);
    ck_assert(strstr(gp, "\n0.5 0.25\n"));
    ck_assert(strstr(gp, "\n0.5 0.125\n"));
    ck_assert(strstr(gp, "outfile = 'fig.svg'"));
    ck_assert(strstr(gp, "title 'leaky\\_relu'"));
    ck_assert(strstr(gp, "set xrange [-1:1]"));
    ck_assert(strstr(gp, "plot \\\n  $s1 using 1:2"));
    ck_assert(strstr(gp, "# generated by check_plot"));
    free(gp);
    /* a gap is a blank line in the data block */
    da_plot *q = NULL;
    ck_assert_int_eq(da_plot_new(&q), DA_OK);
    double x[3] = {0, 1, 2}, y[3] = {1, NAN, 3};
    ck_assert_int_eq(da_plot_add_series(q, "it's", NULL, x, y, 3), DA_OK);
    gp = render(q, DA_PLOT_GNUPLOT);
    ck_assert(strstr(gp, "\n0 1\n\n2 3\n"));
    ck_assert(strstr(gp, "title 'it''s'"));
    free(gp);
    da_plot_free(q);
    da_plot_free(p);
}
END_TEST

START_TEST(test_errors)
{
    da_plot *p = NULL;
    ck_assert_int_eq(da_plot_new(&p), DA_OK);
    char *out = NULL;
    ck_assert_int_eq(da_plot_set_xrange(p, 1, 1), DA_EINVAL);
    ck_assert_int_eq(da_plot_set_xrange(p, 0, INFINITY), DA_EINVAL);
    ck_assert_int_eq(da_plot_set_yrange(p, -1, 1), DA_OK);
    ck_assert_int_eq(da_plot_set_ylog(p, 1), DA_EINVAL);
    ck_assert_int_eq(da_plot_set_yrange(p, NAN, NAN), DA_OK);
    ck_assert_int_eq(da_plot_set_ylog(p, 1), DA_OK);
    ck_assert_int_eq(da_plot_set_yrange(p, 0, 1), DA_EINVAL);
    ck_assert_int_eq(da_plot_series_style(p, 0, 0, 0), DA_EINVAL);
    ck_assert_int_eq(da_plot_set_size(p, 10, 10), DA_EINVAL);
    ck_assert_int_eq(da_plot_add_note(p, NAN, 0, "x", NULL), DA_EINVAL);
    ck_assert_int_eq(da_plot_render(&out, p, (da_plot_format)7), DA_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert(strlen(da_errmsg()) > 0);
    /* an empty plot still renders, in every format */
    for (int f = 0; f < 3; f++) {
        ck_assert_int_eq(da_plot_render(&out, p, (da_plot_format)f), DA_OK);
        if (f == DA_PLOT_SVG)
            assert_xml(out);
        free(out);
    }
    da_plot_free(p);
    da_plot_free(NULL);
}
END_TEST

START_TEST(test_text_width)
{
    /* combining marks take no room; markup characters take none; scripts
       are smaller */
    ck_assert_double_eq_tol(da_plot_text_width("σ̂", 10), da_plot_text_width("σ", 10), 1e-12);
    ck_assert(da_plot_text_width("x^{2}", 10) < da_plot_text_width("x2", 10));
    ck_assert(da_plot_text_width("x^{2}", 10) > da_plot_text_width("x", 10));
    ck_assert(da_plot_text_width("MMMM", 10) > da_plot_text_width("iiii", 10));
    ck_assert_double_eq(da_plot_text_width("", 10), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("core");
    tu_limits(tc, 60, 1);
    tcase_add_test(tc, test_nice_ticks_fixed_cases);
    tcase_add_test(tc, test_nice_ticks_random);
    tcase_add_test(tc, test_tick_labels);
    tcase_add_test(tc, test_log_axis);
    tcase_add_test(tc, test_svg_wellformed_labels);
    tcase_add_test(tc, test_svg_gaps_markers_notes);
    tcase_add_test(tc, test_legend_placement);
    tcase_add_test(tc, test_pgf);
    tcase_add_test(tc, test_gnuplot);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_text_width);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
