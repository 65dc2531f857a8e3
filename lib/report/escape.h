/* escape.h -- LaTeX text-mode escapes (internal).  One table of escapes
 * for the LaTeX tables (table.c), the pgfplots labels (plot.c) and the
 * figure labels the command-line tool builds (tools/cmd_plot.c, which
 * compiles escape.c in: the library does not export it). */
#ifndef DA_ESCAPE_H
#define DA_ESCAPE_H

#include <stdio.h>

enum {
    DA_TEX_BAR = 1,        /* '|' as \textbar{} (else itself) */
    DA_TEX_NEWLINE = 2     /* a newline as a space (else itself) */
};

/* The LaTeX text-mode spelling of c ("\\_", "\\textbackslash{}", ...),
 * or NULL when c stands for itself. */
const char *da_tex_escape_char(char c, int flags);

/* s escaped for LaTeX text, into f. */
void da_tex_write_str(FILE *f, const char *s, int flags);

#endif
