/* dualact/report.h -- stage 6: reports, tables (text, CSV, Markdown, LaTeX,
 * JSON) and figures (SVG, pgfplots, gnuplot).
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_REPORT_H
#define DUALACT_REPORT_H

#include <stdio.h>
#include "dualact/core.h"
#include "dualact/learn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* 6. Reports: tables                                                 */
/* ------------------------------------------------------------------ */

/* A table of strings, rendered for papers (LaTeX booktabs), READMEs
 * (Markdown), scripts (CSV, JSON) or the terminal. */
typedef struct da_table da_table;
typedef enum {
    DA_TABLE_TEXT = 0,
    DA_TABLE_CSV = 1,
    DA_TABLE_MARKDOWN = 2,
    DA_TABLE_LATEX = 3,
    DA_TABLE_JSON = 4
} da_table_format;

/* *out: a table of ncols >= 1 columns with the headers head[0..ncols-1]
 * (copied; none NULL).  DA_EINVAL, DA_ENOMEM (*out NULL then). */
int da_table_new(da_table **out, int ncols, const char *const *head);
void da_table_free(da_table *t);
/* cells: ncols strings (NULL for an empty cell), copied */
int da_table_add_row(da_table *t, const char *const *cells);
/* the header of column col in LaTeX output (used verbatim, e.g. "$\\mu$");
 * NULL returns to the escaped plain header */
int da_table_set_head_tex(da_table *t, int col, const char *tex);
/* provenance line: a comment in CSV/LaTeX/text, a field in JSON */
int da_table_set_comment(da_table *t, const char *comment);
/* *out is malloc'd; the caller frees it */
int da_table_render(char **out, const da_table *t, da_table_format fmt);
/* s as a JSON string, quotes included, to f: '"', '\\' and control
 * characters escaped, bytes that are not UTF-8 written as U+FFFD.
 * DA_OK, or DA_EIO when a write failed. */
int da_json_write_str(FILE *f, const char *s);

/* ------------------------------------------------------------------ */
/* 6. Reports: figures                                                */
/* ------------------------------------------------------------------ */

/* A figure: one pair of axes (linear x; linear or log-scale y), line
 * series with a legend, text notes; rendered to SVG (drawn by the library,
 * no run-time dependency), to pgfplots code (a tikzpicture to \input) or
 * to a gnuplot script carrying its data.  Plot values are doubles, meant
 * for the eye: they carry no error bounds.
 *
 * Labels are UTF-8 with a small markup, "^{..}" superscript and "_{..}"
 * subscript; each setter also takes an optional LaTeX form used by the
 * pgfplots renderer (NULL: the text, escaped for LaTeX).  Points with a
 * non-finite coordinate (or y <= 0 on a log axis) break a line.  See
 * docs/plot.md. */
typedef struct da_plot da_plot;
typedef enum {
    DA_PLOT_SVG = 0,
    DA_PLOT_PGF = 1,      /* pgfplots: \begin{tikzpicture} ... */
    DA_PLOT_GNUPLOT = 2   /* data blocks + script: gnuplot FILE */
} da_plot_format;
enum {
    DA_PLOT_LEGEND_AUTO = 0,  /* the inside corner hiding no curve, else outside */
    DA_PLOT_LEGEND_NE, DA_PLOT_LEGEND_NW, DA_PLOT_LEGEND_SE, DA_PLOT_LEGEND_SW,
    DA_PLOT_LEGEND_OUTSIDE,   /* right of the axes */
    DA_PLOT_LEGEND_NONE
};
/* series style: a palette index >= 0 (colour, dash pattern, marker shape,
 * distinct for the first 8), or the thin grey dashed reference line */
#define DA_PLOT_STYLE_AUTO (-1)
#define DA_PLOT_STYLE_REF (-2)

/* *out: an empty figure; DA_ENOMEM (*out NULL then). */
int da_plot_new(da_plot **out);
void da_plot_free(da_plot *p);
int da_plot_set_title(da_plot *p, const char *text, const char *tex);
int da_plot_set_xlabel(da_plot *p, const char *text, const char *tex);
int da_plot_set_ylabel(da_plot *p, const char *text, const char *tex);
/* provenance line: an XML comment in SVG, a comment in pgfplots/gnuplot */
int da_plot_set_comment(da_plot *p, const char *comment);
/* the file the gnuplot script writes by default (default "dualact-plot.svg") */
int da_plot_set_gnuplot_output(da_plot *p, const char *file);
/* fixed ranges; NAN for an automatic end (nice tick values).  DA_EINVAL
 * for an empty range or a non-positive one on a log axis. */
int da_plot_set_xrange(da_plot *p, double lo, double hi);
int da_plot_set_yrange(da_plot *p, double lo, double hi);
int da_plot_set_ylog(da_plot *p, int on);
int da_plot_set_legend(da_plot *p, int pos);
/* SVG size in pixels (default 640 x 440; pgfplots scales it to cm / 64) */
int da_plot_set_size(da_plot *p, int width, int height);
/* A line through (x[i], y[i]), copied; text NULL or "" keeps it out of
 * the legend.  Series are numbered 0, 1, ... in the order added; each
 * takes the next palette entry. */
int da_plot_add_series(da_plot *p, const char *text, const char *tex,
                       const double *x, const double *y, size_t n);
/* style: DA_PLOT_STYLE_AUTO (keep), DA_PLOT_STYLE_REF or a palette index;
 * markers: 1 to mark every point */
int da_plot_series_style(da_plot *p, int index, int style, int markers);
int da_plot_series_count(const da_plot *p);
/* a text at data coordinates (centred), e.g. a region's name */
int da_plot_add_note(da_plot *p, double x, double y, const char *text, const char *tex);
/* *out is malloc'd; the caller frees it */
int da_plot_render(char **out, const da_plot *p, da_plot_format fmt);
/* "Nice" ticks (1, 2, 5 times a power of 10, about target of them) for
 * [*lo, *hi] (both in and out); expand = 1 widens the range to the outer
 * ticks.  Writes at most max ticks into ticks[], their number into *count.
 * DA_EINVAL for a non-finite end, max < 2 or target < 2. */
int da_plot_nice_ticks(double *ticks, int max, int *count, double *lo, double *hi, int target,
                       int expand);

/* ------------------------------------------------------------------ */
/* 6. Reports: the rows of table and learn                            */
/* ------------------------------------------------------------------ */

/* The paper's conditioning table (dualact table, Python's dualact.table):
 * one row per activation, normalized, with the columns activation, a1^2,
 * mu, beta, closed_form, then per (delta, eps, n) combination L_nngp, bound
 * and L_ntk (suffixed _dDELTA_eEPS_nN when there are several
 * combinations), then W3_L10, chi1 and bound_kind; each column with its
 * LaTeX head ("$\\mu$", ...) and a provenance comment.  Cells: numbers
 * rounded to at most digits decimals and only to as many as their error
 * bounds vouch for; depths proved (L* suffices, L* - 1 does not); "inf"
 * for an infinite beta, chi_1 or NTK depth (an activation that jumps),
 * "-" where a column does not apply, "?" where nothing was decided;
 * bound_kind "rigorous" when every number of the row is proved, else
 * "estimate".  See dualact table --help and docs/manual.md. */
typedef struct {
    long digits;            /* decimals, 1..30 (default 4) */
    const char *delta;      /* comma-separated decimals in [1e-12, 1] (default "0.1") */
    const char *eps;        /* comma-separated decimals in [1e-12, 1e12], each below
                               n - 1 (default "0.01") */
    const char *n;          /* comma-separated integers in [2, 1e9] (default "1000");
                               at most 16 combinations of delta, eps, n in all */
    const char *columns;    /* NULL: every column; else a comma list of base names
                               (L_nngp: every combination's) or full names */
    double work_limit;      /* an activation whose row alone is estimated
                               (da_paper_table_cost) above this many CPU seconds
                               is refused; <= 0: no estimate (default 60) */
    /* progress (may be NULL): called before the row of acts[row] */
    void (*progress)(void *ctx, int row, int nrows, const char *act);
    /* warnings of a bug or a counterexample (may be NULL): a potential
       bound below a proved depth, chi_1 by the mean-field quadrature
       disagreeing with beta; a line without a newline */
    void (*warn)(void *ctx, const char *msg);
    void *ctx;
} da_paper_table_opts;
void da_paper_table_opts_init(da_paper_table_opts *o);
/* DA_OK when o is valid (the checks da_paper_table makes first), else
 * DA_EINVAL with a message naming the field ("delta: ...", "columns: ...") */
int da_paper_table_check(const da_paper_table_opts *o);
/* The estimated CPU seconds of act's row: 8e5 evaluations of act at 128
 * bits (measured: the proved quadratures of a formula that needs them
 * all), each timed on 64 points of [-3, 3] (the faster of two passes after
 * a warm-up).  Cannot fail. */
double da_paper_table_cost(const da_act *act);
/* *out: the table of acts[0..nacts-1] (activation specs; NULL for the
 * standard set of 16: relu, leaky_relu(0.2), abs, step, sign, hardtanh,
 * tanh, sigmoid, erf, gelu, silu, softplus, elu, selu, sin, gaussian).
 * Every activation parses and the work is estimated before any is done.
 * Returns DA_OK; DA_EACCURACY with *out filled when some cells show '?' or
 * fewer decimals; DA_EINVAL (options, work limit), DA_EPARSE (an
 * activation), ... with *out NULL. */
int da_paper_table(da_table **out, const char *const *acts, int nacts,
                   const da_paper_table_opts *o);

/* The rows of dualact learn --format csv: per layer 0..da_learn_depth(s)
 * the columns layer, degree, mass, err (W_{<=degree}(layer) of s, or with
 * sp the share of the trace on harmonic degrees <= degree on the sphere),
 * with sp also k (the number of eigenvalues of harmonic degree <= degree),
 * r_0, r_0_err, R_0, R_0_err, r_k, r_k_err, R_k, R_k_err (the effective
 * ranks, da_sphere_effective_ranks), and bound ("rigorous" when
 * da_learn_rigorous(s)).  Values in scientific notation with digits digits
 * (1..1000), err bounds |printed value - any point of the ball|
 * (da_ball_get_str, DA_BALL_SCI).  sp NULL: the line.  DA_EINVAL (degree
 * above the spectrum's), DA_ENOMEM; *out NULL then. */
int da_learn_table(da_table **out, const da_learn_spectrum *s, const da_sphere_spectrum *sp,
                   long degree, long digits);

/* The report of dualact learn in one string (*out malloc'd; the caller
 * frees it): fmt DA_TABLE_TEXT the text report (the setting, p_1, the mass
 * per layer, the decay rates on the line, the first layer below
 * threshold, on the sphere the eigenvalues at the last layer and the
 * effective ranks, the simulation), DA_TABLE_JSON the JSON document
 * (version, activation, expression, the layers with their spectrum or
 * eigenvalues, crossing, simulation), the other formats the rows of
 * da_learn_table rendered.  s and sp (NULL: the line) as for
 * da_learn_table; the simulation's results are given, not computed
 * (da_learn_simulate for the degrees 1..3 at sim->depth).  DA_EINVAL,
 * DA_ENOMEM. */
typedef struct {
    const char *spec;         /* the activation as written (NULL: da_act_spec) */
    long degree;              /* the low-degree part (default 1) */
    long digits;              /* the coefficients' accuracy 10^-digits, the digits
                                 printed (default 30) */
    double threshold;         /* the crossing's tau in (0, 1] (default 0.1) */
    int accuracy_reached;     /* 0 when the spectrum returned DA_EACCURACY (default 1) */
    const da_sim_opts *sim;   /* NULL (default): no simulation */
    double sim_estimate[3];   /* the estimates for degrees 1, 2, 3 */
    double sim_stderr[3];     /* their standard errors */
} da_learn_report_opts;
void da_learn_report_opts_init(da_learn_report_opts *o);
int da_learn_report(char **out, const da_act *act, const da_learn_spectrum *s,
                    const da_sphere_spectrum *sp, const da_learn_report_opts *o,
                    da_table_format fmt);

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_REPORT_H */
