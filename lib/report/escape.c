/* escape.c -- LaTeX text-mode escapes (escape.h). */
#include "escape.h"

const char *da_tex_escape_char(char c, int flags)
{
    switch (c) {
    case '_': return "\\_";
    case '%': return "\\%";
    case '&': return "\\&";
    case '#': return "\\#";
    case '$': return "\\$";
    case '{': return "\\{";
    case '}': return "\\}";
    case '^': return "\\^{}";
    case '~': return "\\textasciitilde{}";
    case '\\': return "\\textbackslash{}";
    case '<': return "\\textless{}";
    case '>': return "\\textgreater{}";
    case '|': return flags & DA_TEX_BAR ? "\\textbar{}" : NULL;
    case '\n': return flags & DA_TEX_NEWLINE ? " " : NULL;
    default: return NULL;
    }
}

void da_tex_write_str(FILE *f, const char *s, int flags)
{
    for (; *s; s++) {
        const char *r = da_tex_escape_char(*s, flags);
        if (r)
            fputs(r, f);
        else
            fputc(*s, f);
    }
}
