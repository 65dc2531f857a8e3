/* dualact/report.h -- stage 6: reports, tables (text, CSV, Markdown, LaTeX,
 * JSON) and figures (SVG, pgfplots, gnuplot).
 *
 * Part of <dualact.h>; may be included alone. */
#ifndef DUALACT_REPORT_H
#define DUALACT_REPORT_H

#include <stdio.h>
#include "dualact/core.h"

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

#ifdef __cplusplus
}
#endif

#endif /* DUALACT_REPORT_H */
