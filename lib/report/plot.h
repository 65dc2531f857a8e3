/* plot.h -- figures: the plotting model behind da_plot_* (internal).
 *
 *   plot.c   the model (axes, series, notes, legend), the layout shared by
 *            the renderers (ranges, ticks, legend placement) and the three
 *            renderers: SVG (drawn by dualact itself), pgfplots, gnuplot.
 *
 * Labels are UTF-8 text with a tiny markup shared by the SVG and gnuplot
 * renderers: "^{...}" a superscript, "_{...}" a subscript (one level, no
 * nesting).  A caret or underscore not followed by '{' is literal.  The
 * pgfplots renderer uses the LaTeX form of a label when one was given, and
 * otherwise the text, escaped for LaTeX, with the markup turned into math.
 */
#ifndef DA_PLOT_INTERNAL_H
#define DA_PLOT_INTERNAL_H

#include "dualact.h"

/* Width in pixels of a label set in a sans-serif font of size px (an
 * estimate: 0.58 em per character, combining marks take no room,
 * superscripts and subscripts 70%). */
double da_plot_text_width(const char *text, double px);

/* The label of a linear-axis tick at v for a tick step: as few decimals
 * as the step needs, "0" for zero (never "-0"), scientific notation for
 * very large or very small magnitudes.  Writes at most n bytes. */
void da_plot_tick_label(char *buf, size_t n, double v, double step);

/* The layout of one axis after the automatic range has been resolved. */
typedef struct {
    double lo, hi;      /* the range drawn */
    double step;        /* linear: the tick step; log: decades per tick */
    int log;
    int nticks;
    double ticks[64];   /* tick positions (log axis: the values 10^k) */
} da_plot_axis;

/* Resolve an axis from the data range [dlo, dhi] (NaN: no data), the
 * fixed range [flo, fhi] (NaN: automatic) and the scale. */
int da_plot_axis_layout(da_plot_axis *ax, double dlo, double dhi, double flo,
                        double fhi, int log);

#endif
