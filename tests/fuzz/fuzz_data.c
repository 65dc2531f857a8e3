/* fuzz_data.c -- fuzz target for the data-file reader (da_gram_data_parse,
 * lib/analysis/data.c), with or without --columns.
 *
 * Invariants checked on every input (any violation aborts):
 *   - DA_OK: at least one row, dim >= 1, every entry finite, every row of
 *     unit norm (to 1e-12), every original norm finite and positive; the
 *     header flag only when the first non-comment line was all names;
 *   - an error: DA_EINVAL or DA_ENOMEM, *out NULL, a non-empty one-line
 *     message without control characters.
 * Built with libFuzzer by tests/fuzz/run-hostile.sh; built with
 * -DDA_FUZZ_STANDALONE it is a seeded mutation driver instead
 * (tests/fuzz_data_quick in make check: fuzz_data_quick [ITERATIONS [SEED]]). */
#include "core/core.h"
#include "analysis/analysis.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_one(const uint8_t *data, size_t size, const char *cols)
{
    da_gram_data *d = (da_gram_data *)1;
    int st = da_gram_data_parse(&d, (const char *)data, size, "fuzz.csv", cols);
    if (st == DA_OK) {
        if (!d || d->n < 1 || d->dim < 1)
            abort();
        for (size_t i = 0; i < d->n; i++) {
            double s = 0;
            for (size_t j = 0; j < d->dim; j++) {
                double v = d->x[i * d->dim + j];
                if (!isfinite(v))
                    abort();
                s += v * v;
            }
            if (fabs(s - 1) > 1e-12)
                abort();
            if (d->norm && !(d->norm[i] > 0 && isfinite(d->norm[i])))
                abort();
        }
        da_gram_data_free(d);
        return;
    }
    if (d != NULL || (st != DA_EINVAL && st != DA_ENOMEM))
        abort();
    const char *m = da_errmsg();
    if (!*m)
        abort();
    for (const unsigned char *c = (const unsigned char *)m; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    check_one(data, size, NULL);
    /* the first byte picks a column selection too */
    static const char *const sel[] = {"1", "2", "1-2", "2-3,1", "3", "1-4,7"};
    if (size)
        check_one(data, size, sel[data[0] % 6]);
    return 0;
}

#ifdef DA_FUZZ_STANDALONE
/* ---- a seeded mutation driver, for make check ------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const char *const seeds[] = {
    "x,y\n1,2\n3,4\n", "1 2 3\n4 5 6\n", "\xEF\xBB\xBF" "1,2\n3,4\n", "a,b\r1,2\r3,4\r",
    "# c\n\n1,2,label\n0,1,x\n", "nan,1\n1,2\n", "1e309,1\n", "1.5.2,1\n", "1,2,3 # c\n",
    "\"1\",\"2\"\n3,4\n", "x1\tx2\n1\t2\n", "0,0\n", "1,,2\n", "-1e-320,5e-324\n",
    "1,2\n3\n", "h\n1\n2\n",
};
static const char *const pieces[] = {
    ",", " ", "\t", "\n", "\r", "\r\n", "#", "\"", "nan", "inf", "-inf", "1e308", "1e309",
    "4.9e-324", "0", "-0", "1.5.2", "0x1p3", "\xEF\xBB\xBF", "\xff", "\xc3\x28", "x", "_a",
    "\xcf\x81", "99999999999999999999999999999", "1e-400", ".", "-", "+", "e5", "1e", "\x01",
};

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 20000;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return 1;
    const size_t nseeds = sizeof seeds / sizeof seeds[0];
    const size_t npieces = sizeof pieces / sizeof pieces[0];
    for (long it = 0; it < iters; it++) {
        const char *s = seeds[rnd() % nseeds];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        int muts = 1 + (int)(rnd() % 8);
        for (int m = 0; m < muts; m++) {
            size_t pos = n ? rnd() % (n + 1) : 0;
            switch (rnd() % 5) {
            case 0: /* insert a piece */
            case 1: {
                const char *p = pieces[rnd() % npieces];
                size_t l = strlen(p);
                if (n + l >= cap)
                    break;
                memmove(buf + pos + l, buf + pos, n - pos);
                memcpy(buf + pos, p, l);
                n += l;
                break;
            }
            case 2: /* delete a byte */
                if (pos < n) {
                    memmove(buf + pos, buf + pos + 1, n - pos - 1);
                    n--;
                }
                break;
            case 3: /* flip a byte */
                if (pos < n)
                    buf[pos] = (uint8_t)rnd();
                break;
            default: /* repeat the buffer (more rows) or a long number */
                if (rnd() % 2 && 2 * n < cap) {
                    memcpy(buf + n, buf, n);
                    n *= 2;
                } else if (n + 5001 < cap) {
                    memmove(buf + pos + 5000, buf + pos, n - pos);
                    memset(buf + pos, '1' + (int)(rnd() % 9), 5000);
                    n += 5000;
                }
            }
        }
        LLVMFuzzerTestOneInput(buf, n);
    }
    free(buf);
    printf("fuzz_data_quick: %ld inputs, seed %s, no invariant broken\n", iters,
           argc > 2 ? argv[2] : "1");
    return 0;
}
#endif
