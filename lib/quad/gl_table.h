/* gl_table.h -- Gauss-Legendre rules kept as data (gl_table.c, generated
 * by tests/gen/gen_gl_table.c).  Internal. */
#ifndef DA_GL_TABLE_H
#define DA_GL_TABLE_H

#define DA_GL_TABLE_PREC 320   /* bits of every midpoint */
#define DA_GL_TABLE_NDBL 7

/* a ball: midpoint the exact sum of m[], radius r */
typedef struct {
    double m[DA_GL_TABLE_NDBL];
    double r;
} da_gl_tball;

/* rule n: b[k][0] the node x_k >= 0, b[k][1] its weight, k < ceil(n/2) */
typedef struct {
    long n;
    const da_gl_tball (*b)[2];
} da_gl_tentry;

extern const da_gl_tentry da_gl_table[];   /* ends with n = 0 */

#endif
