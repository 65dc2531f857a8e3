/* fuzz_expr.c -- libFuzzer target for the expression front end.
 *
 * Parses the input; on success prints it canonically, parses the printed
 * form again (the trees must be equal and the canonical text a fixed
 * point), prints LaTeX, compiles a tape and evaluates it in double at a
 * few points and in MPFR at 64 bits at two points.  Any disagreement
 * aborts.  Build and run with tests/fuzz/run-fuzz.sh. */
#include "core/core.h"
#include "act/expr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A printed expansion of catalogue names may legitimately exceed the
 * parser's limits on length or nesting (the input was within them). */
static int limit_error(const char *printed)
{
    const char *m = da_errmsg();
    return strlen(printed) > 65536
        || strncmp(m, "expression nested too deeply", 28) == 0
        || strncmp(m, "expression too long", 19) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 70000)
        return 0;
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = '\0';

    da_expr *e = NULL;
    int rc = da_expr_parse(&e, src);
    if (rc != DA_OK) {
        if (e != NULL || (rc != DA_EPARSE && rc != DA_ENOMEM)
            || da_errmsg()[0] == '\0'
            || (rc == DA_EPARSE && da_errcol() < 1)
            || (rc == DA_EPARSE && (size_t)da_errcol() > size + 1
                && da_errcol() != 65537)) {
            fprintf(stderr, "bad failure: rc %d col %d msg '%s'\n", rc,
                    da_errcol(), da_errmsg());
            abort();
        }
        free(src);
        return 0;
    }

    char *p = da_expr_str(e);
    if (!p)
        abort();
    da_expr *f = NULL;
    rc = da_expr_parse(&f, p);
    if (rc != DA_OK) {
        if (!limit_error(p)) {
            fprintf(stderr, "reparse of '%s' failed: %s (col %d)\n", p,
                    da_errmsg(), da_errcol());
            abort();
        }
    } else {
        if (!da_expr_equal(e, f)) {
            fprintf(stderr, "'%s' does not parse back equal\n", p);
            abort();
        }
        char *q = da_expr_str(f);
        if (!q || strcmp(p, q) != 0) {
            fprintf(stderr, "canonical text not a fixed point:\n%s\n%s\n", p,
                    q ? q : "(null)");
            abort();
        }
        free(q);
        da_expr_unref(f);
    }
    if (strlen(p) < 4096) {
        char *l = da_expr_latex(e);
        if (!l)
            abort();
        free(l);
    }
    free(p);

    da_tape *t = da_tape_new(e);
    if (!t)
        abort();
    static const double pts[] = {-3.7, -1.0, -0.25, 0.0, 0.5, 1.0, 2.2, 40.0};
    volatile double sink = 0;
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++)
        sink += da_tape_eval_d(t, pts[i]);
    (void)sink;

    da_tape_ws *w = da_tape_ws_new(t, 64);
    if (!w)
        abort();
    mpfr_t x, y;
    mpfr_init2(x, 64);
    mpfr_init2(y, 64);
    static const char *const mpts[] = {"-1.25", "0.7"};
    for (int i = 0; i < 2; i++) {
        mpfr_set_str(x, mpts[i], 10, MPFR_RNDN);
        int st = da_tape_eval_m(t, w, y, x);
        if ((st == 0) != (mpfr_number_p(y) != 0))
            abort();
    }
    mpfr_clear(x);
    mpfr_clear(y);
    da_tape_ws_free(w);
    da_tape_free(t);
    da_expr_unref(e);
    free(src);
    return 0;
}
