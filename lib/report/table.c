/* table.c -- tables of strings rendered as text, CSV, Markdown, LaTeX
 * (booktabs) or JSON.  The renderer returns a malloc'd string: the library
 * never prints. */
#include "core/core.h"
#include "report/escape.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct da_table {
    int ncols;
    char **head;
    char **head_tex;   /* LaTeX headers (NULL: the escaped plain header) */
    int nrows, cap;
    char ***rows;
    char *comment;
};

int da_table_new(da_table **out, int ncols, const char *const *head)
{
    if (!out)
        return da_fail(DA_EINVAL, "table: no output pointer");
    *out = NULL;
    if (ncols < 1 || ncols > 4096 || !head)
        return da_fail(DA_EINVAL, "table: %d columns (1 to 4096, with a header each)", ncols);
    for (int i = 0; i < ncols; i++)
        if (!head[i])
            return da_fail(DA_EINVAL, "table: column %d has no header", i + 1);
    da_table *t = da_calloc(1, sizeof *t);
    if (!t)
        return DA_ENOMEM;
    t->ncols = ncols;
    t->head = da_calloc((size_t)ncols, sizeof *t->head);
    t->head_tex = da_calloc((size_t)ncols, sizeof *t->head_tex);
    if (!t->head || !t->head_tex) {
        da_table_free(t);
        return DA_ENOMEM;
    }
    for (int i = 0; i < ncols; i++)
        if (!(t->head[i] = da_strdup(head[i]))) {
            da_table_free(t);
            return DA_ENOMEM;
        }
    *out = t;
    return DA_OK;
}

void da_table_free(da_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->ncols; i++) {
        if (t->head)
            free(t->head[i]);
        if (t->head_tex)
            free(t->head_tex[i]);
    }
    free(t->head);
    free(t->head_tex);
    for (int r = 0; r < t->nrows; r++) {
        for (int i = 0; i < t->ncols; i++)
            free(t->rows[r][i]);
        free(t->rows[r]);
    }
    free(t->rows);
    free(t->comment);
    free(t);
}

int da_table_set_head_tex(da_table *t, int col, const char *tex)
{
    if (!t || col < 0 || col >= t->ncols)
        return da_fail(DA_EINVAL, "table: no column %d", col);
    free(t->head_tex[col]);
    t->head_tex[col] = tex ? da_strdup(tex) : NULL;
    return tex && !t->head_tex[col] ? DA_ENOMEM : DA_OK;
}

int da_table_set_comment(da_table *t, const char *comment)
{
    if (!t)
        return da_fail(DA_EINVAL, "table: no table");
    free(t->comment);
    t->comment = da_text_clean(comment);
    return t->comment ? DA_OK : DA_ENOMEM;
}

int da_table_add_row(da_table *t, const char *const *cells)
{
    if (!t)
        return da_fail(DA_EINVAL, "table: no table");
    if (t->nrows == t->cap) {
        int nc = t->cap ? 2 * t->cap : 16;
        char ***nr = da_realloc(t->rows, (size_t)nc * sizeof *nr);
        if (!nr)
            return DA_ENOMEM;
        t->rows = nr;
        t->cap = nc;
    }
    char **row = da_calloc((size_t)t->ncols, sizeof *row);
    if (!row)
        return DA_ENOMEM;
    for (int i = 0; i < t->ncols; i++)
        row[i] = da_strdup(cells[i] ? cells[i] : "");
    t->rows[t->nrows++] = row;
    return DA_OK;
}

static void put_csv(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static void put_latex(FILE *f, const char *s)
{
    da_tex_write_str(f, s, 0);
}

int da_json_write_str(FILE *f, const char *s)
{
    int bad = fputc('"', f) == EOF;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t q = da_utf8_seq(s);
        if (q == 0) {
            bad |= fputs("\\ufffd", f) < 0;
            s++;
            continue;
        }
        if (c == '"' || c == '\\')
            bad |= fprintf(f, "\\%c", c) < 0;
        else if (c < 0x20 || c == 0x7F)
            bad |= fprintf(f, "\\u%04x", c) < 0;
        else
            bad |= fwrite(s, 1, q, f) != q;
        s += q;
    }
    bad |= fputc('"', f) == EOF;
    return bad ? da_fail(DA_EIO, "writing a JSON string failed") : DA_OK;
}

static void put_json(FILE *f, const char *s)
{
    da_json_write_str(f, s);
}

/* a cell that looks like a number (for alignment and JSON) */
static int numeric(const char *s)
{
    if (!*s)
        return 0;
    char *end;
    strtod(s, &end);
    return *end == '\0';
}

/* The writers of da_table_render, one per format, into the stream f. */

/* text: the columns aligned to their widest cell (numbers to the right),
   the last one not padded; the comment as a '#' line.  DA_OK or
   DA_ENOMEM (nothing written). */
static int render_text(FILE *f, const da_table *t)
{
    int nc = t->ncols;
    size_t *w = calloc((size_t)nc, sizeof *w);
    if (!w)
        return DA_ENOMEM;
    for (int i = 0; i < nc; i++) {
        w[i] = strlen(t->head[i]);
        for (int r = 0; r < t->nrows; r++)
            if (strlen(t->rows[r][i]) > w[i])
                w[i] = strlen(t->rows[r][i]);
    }
    if (t->comment)
        fprintf(f, "# %s\n", t->comment);
    for (int i = 0; i < nc; i++)
        fprintf(f, "%s%-*s", i ? "  " : "", i + 1 < nc ? (int)w[i] : 0, t->head[i]);
    fputc('\n', f);
    for (int i = 0; i < nc; i++) {
        fputs(i ? "  " : "", f);
        for (size_t j = 0; j < w[i]; j++)
            fputc('-', f);
    }
    fputc('\n', f);
    for (int r = 0; r < t->nrows; r++) {
        for (int i = 0; i < nc; i++) {
            const char *c = t->rows[r][i];
            if (numeric(c))
                fprintf(f, "%s%*s", i ? "  " : "", (int)w[i], c);
            else
                fprintf(f, "%s%-*s", i ? "  " : "", i + 1 < nc ? (int)w[i] : 0, c);
        }
        fputc('\n', f);
    }
    free(w);
    return DA_OK;
}

/* CSV: the comment as a '#' line, the header, the rows (quoted as needed) */
static void render_csv(FILE *f, const da_table *t)
{
    int nc = t->ncols;
    if (t->comment)
        fprintf(f, "# %s\n", t->comment);
    for (int i = 0; i < nc; i++) {
        if (i)
            fputc(',', f);
        put_csv(f, t->head[i]);
    }
    fputc('\n', f);
    for (int r = 0; r < t->nrows; r++) {
        for (int i = 0; i < nc; i++) {
            if (i)
                fputc(',', f);
            put_csv(f, t->rows[r][i]);
        }
        fputc('\n', f);
    }
}

/* Markdown: a pipe table (| * _ escaped), the comment after it as an
   HTML comment */
static void render_markdown(FILE *f, const da_table *t)
{
    int nc = t->ncols;
    for (int i = 0; i < nc; i++)
        fprintf(f, "| %s ", t->head[i]);
    fputs("|\n", f);
    for (int i = 0; i < nc; i++)
        fputs(i ? "|---:" : "|:---", f);
    fputs("|\n", f);
    for (int r = 0; r < t->nrows; r++) {
        for (int i = 0; i < nc; i++) {
            fputs("| ", f);
            for (const char *c = t->rows[r][i]; *c; c++) {
                if (*c == '|' || *c == '*' || *c == '_')
                    fputc('\\', f);
                fputc(*c, f);
            }
            fputc(' ', f);
        }
        fputs("|\n", f);
    }
    if (t->comment) {
        /* "--" may not appear inside an HTML comment */
        fputs("\n<!-- ", f);
        for (const char *c = t->comment; *c; c++)
            fputs(*c == '-' && c[1] == '-' ? "- " : (char[]){*c, 0}, f);
        fputs(" -->\n", f);
    }
}

/* one LaTeX cell: the first column in \texttt, numbers in math mode
   (infinities and NaN as TeX), other text escaped */
static void latex_cell(FILE *f, const char *c, int first)
{
    if (first) {
        fputs("\\texttt{", f);
        put_latex(f, c);
        fputc('}', f);
    } else if (numeric(c)) {
        /* strtod's words for the non-finite values are not
           TeX: $inf$ would set i n f in italics */
        const char *s = c[0] == '-' || c[0] == '+' ? c + 1 : c;
        const char *sign = c[0] == '-' ? "-" : "";
        if (!strncasecmp(s, "inf", 3))
            fprintf(f, "$%s\\infty$", sign);
        else if (!strncasecmp(s, "nan", 3))
            fputs("$\\mathrm{NaN}$", f);
        else
            fprintf(f, "$%s$", c);
    } else {
        put_latex(f, c);
    }
}

/* LaTeX: a booktabs tabular, the comment as a '%' line */
static void render_latex(FILE *f, const da_table *t)
{
    int nc = t->ncols;
    if (t->comment)
        fprintf(f, "%% %s\n", t->comment);
    fputs("\\begin{tabular}{l", f);
    for (int i = 1; i < nc; i++)
        fputc('r', f);
    fputs("}\n\\toprule\n", f);
    for (int i = 0; i < nc; i++) {
        if (i)
            fputs(" & ", f);
        if (t->head_tex[i])
            fputs(t->head_tex[i], f);
        else
            put_latex(f, t->head[i]);
    }
    fputs(" \\\\\n\\midrule\n", f);
    for (int r = 0; r < t->nrows; r++) {
        for (int i = 0; i < nc; i++) {
            if (i)
                fputs(" & ", f);
            latex_cell(f, t->rows[r][i], i == 0);
        }
        fputs(" \\\\\n", f);
    }
    fputs("\\bottomrule\n\\end{tabular}\n", f);
}

/* JSON: {"provenance": comment, "rows": [{column: cell, ...}, ...]} */
static void render_json(FILE *f, const da_table *t)
{
    int nc = t->ncols;
    fputs("{\n", f);
    if (t->comment) {
        fputs("  \"provenance\": ", f);
        put_json(f, t->comment);
        fputs(",\n", f);
    }
    fputs("  \"rows\": [\n", f);
    for (int r = 0; r < t->nrows; r++) {
        fputs("    {", f);
        for (int i = 0; i < nc; i++) {
            if (i)
                fputs(", ", f);
            put_json(f, t->head[i]);
            fputs(": ", f);
            put_json(f, t->rows[r][i]);
        }
        fprintf(f, "}%s\n", r + 1 < t->nrows ? "," : "");
    }
    fputs("  ]\n}\n", f);
}

int da_table_render(char **out, const da_table *t, da_table_format fmt)
{
    *out = NULL;
    if (!t)
        return da_fail(DA_EINVAL, "table: no table");
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    if (!f)
        return da_fail(DA_ENOMEM, "out of memory");
    switch (fmt) {
    case DA_TABLE_TEXT:
        if (render_text(f, t)) {
            fclose(f);
            free(*out);
            *out = NULL;
            return da_fail(DA_ENOMEM, "out of memory");
        }
        break;
    case DA_TABLE_CSV:
        render_csv(f, t);
        break;
    case DA_TABLE_MARKDOWN:
        render_markdown(f, t);
        break;
    case DA_TABLE_LATEX:
        render_latex(f, t);
        break;
    case DA_TABLE_JSON:
        render_json(f, t);
        break;
    }
    if (fclose(f) != 0 || !*out)
        return da_fail(DA_ENOMEM, "out of memory");
    return DA_OK;
}
