/* analysis.c -- minimal depths, degree spectra and mean-field points. */
#include "ext.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the (delta, eps, n) tuples of cf (a PySequence_Fast of nc items) into
 * ds, es (the decimal strings) and ns; 0, or -1 with a Python error set */
static int unpack_combos(PyObject *cf, Py_ssize_t nc, char (*ds)[64], char (*es)[64], long *ns)
{
    for (Py_ssize_t i = 0; i < nc; i++) {
        const char *d, *e;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(cf, i), "ssl", &d, &e, &ns[i]))
            return -1;
        snprintf(ds[i], sizeof ds[i], "%s", d);
        snprintf(es[i], sizeof es[i], "%s", e);
    }
    return 0;
}

/* the sw2/sb2 path of _depth: (None, [dict per combination]) */
static PyObject *depth_bias(PyObject *self, PyObject *co, const char *sw2, const char *sb2,
                            int normalized, long digits, long max_digits, long max_depth)
{
    da_act *act = daext_act_get(self);
    if (!act)
        return NULL;
    daext_act *a = (daext_act *)self;
    PyObject *cf = PySequence_Fast(co, "combos must be a sequence");
    if (!cf)
        return NULL;
    Py_ssize_t nc = PySequence_Fast_GET_SIZE(cf);
    char (*ds)[64] = calloc((size_t)nc + 1, sizeof *ds), (*es)[64] = calloc((size_t)nc + 1, sizeof *es);
    char (*msg)[256] = calloc((size_t)nc + 1, sizeof *msg);
    long *ns = calloc((size_t)nc + 1, sizeof *ns);
    int *sts = calloc((size_t)nc + 1, sizeof *sts);
    da_depth_bias_result *res = calloc((size_t)nc + 1, sizeof *res);
    PyObject *out = NULL;
    Py_ssize_t ninit = 0;
    if (!ds || !es || !msg || !ns || !sts || !res) {
        PyErr_NoMemory();
        goto out;
    }
    if (unpack_combos(cf, nc, ds, es, ns))
        goto out;
    for (; ninit < nc; ninit++)
        da_depth_bias_result_init(&res[ninit]);
    daext_err e = {0, 0, ""};
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    da_depth_opts o;
    da_depth_opts_init(&o);
    o.digits = digits;
    o.max_digits = max_digits;
    o.max_depth = max_depth;
    da_ball w, b;
    da_ball_init2(w, 512);
    da_ball_init2(b, 512);
    int st = da_depth_parse_decimal(w, sw2);
    if (!st)
        st = da_depth_parse_decimal(b, sb2);
    da_depth_bias *ctx = NULL;
    if (!st)
        st = da_depth_bias_new(&ctx, act, w, b, normalized, &o);
    daext_err_grab(&e, st);
    for (Py_ssize_t i = 0; !e.status && i < nc; i++) {
        da_ball db, eb;
        da_ball_init2(db, 512);
        da_ball_init2(eb, 512);
        st = da_depth_parse_decimal(db, ds[i]);
        if (!st)
            st = da_depth_parse_decimal(eb, es[i]);
        if (!st)
            st = da_depth_bias_find(&res[i], ctx, db, eb, ns[i]);
        sts[i] = st;
        snprintf(msg[i], sizeof msg[i], "%s", st ? da_errmsg() : "");
        if (st != DA_OK && st != DA_EACCURACY && !(st == DA_EDOM && res[i].phase == DA_PHASE_UNBOUNDED))
            daext_err_grab(&e, st);
        da_ball_clear(db);
        da_ball_clear(eb);
    }
    da_depth_bias_free(ctx);
    da_ball_clear(w);
    da_ball_clear(b);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (e.status) {
        daext_raise(&e);
        goto out;
    }
    PyObject *l = PyList_New(nc);
    for (Py_ssize_t i = 0; l && i < nc; i++) {
        const da_depth_bias_result *r = &res[i];
        PyObject *d = PyDict_New();
        if (!d || daext_set(d, "kernel", PyUnicode_FromString("nngp")) ||
            daext_set(d, "delta", PyUnicode_FromString(ds[i])) ||
            daext_set(d, "eps", PyUnicode_FromString(es[i])) ||
            daext_set(d, "n", PyLong_FromLong(ns[i])) ||
            daext_set(d, "status", PyLong_FromLong(sts[i])) ||
            daext_set(d, "message", PyUnicode_FromString(msg[i])) ||
            daext_set(d, "phase", PyUnicode_FromString(
                                      r->phase >= 0 ? da_meanfield_phase_name(r->phase) : "")) ||
            daext_set(d, "depth", PyLong_FromLong(r->depth)) ||
            daext_set(d, "minimal", PyBool_FromLong(r->minimal)) ||
            daext_set(d, "q_star", daext_ball_tuple(&r->q_star)) ||
            daext_set(d, "c_star", daext_ball_tuple(&r->c_star)) ||
            daext_set(d, "chi1", daext_ball_tuple(&r->chi1)) ||
            daext_set(d, "deviation", PyFloat_FromDouble(r->deviation)) ||
            daext_set(d, "threshold", PyFloat_FromDouble(r->threshold)) ||
            daext_set(d, "lambda_min_lo", PyFloat_FromDouble(r->lambda_min_lo)) ||
            daext_set(d, "rank_one_depth", PyLong_FromLong(r->rank_one_depth)) ||
            daext_set(d, "digits_used", PyLong_FromLong(r->digits_used)) ||
            daext_set(d, "reason", PyUnicode_FromString(r->reason)) ||
            daext_set(d, "rigorous", PyBool_FromLong(r->rigorous))) {
            Py_XDECREF(d);
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, d);
    }
    if (l)
        out = Py_BuildValue("(ON)", Py_None, l);
out:
    for (Py_ssize_t i = 0; res && i < ninit; i++)
        da_depth_bias_result_clear(&res[i]);
    free(ds);
    free(es);
    free(msg);
    free(ns);
    free(sts);
    free(res);
    Py_DECREF(cf);
    return out;
}

/* _depth(combos, kernels, digits=20, max_digits=320, max_depth=100000,
 *        sw2=None, sb2=None, normalized=0)
 *   combos: list of (delta, eps, n) with delta, eps decimal strings (taken
 *   exactly, as the CLI does) and n an int; kernels: list of 0 (NNGP) / 1
 *   (NTK).  -> (mu ball, [dict per combination and kernel]).  With sw2
 *   and sb2 (decimal strings): the network of da_depth_bias_* (NNGP only)
 *   -> (None, [dict per combination]). */
PyObject *daext_act_depth(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"combos", "kernels", "digits", "max_digits", "max_depth",
                             "sw2", "sb2", "normalized", NULL};
    PyObject *co, *ko;
    long digits = 20, max_digits = 320, max_depth = 100000;
    const char *sw2 = NULL, *sb2 = NULL;
    int normalized = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|lllzzp", kwlist, &co, &ko, &digits, &max_digits,
                                     &max_depth, &sw2, &sb2, &normalized))
        return NULL;
    if (sw2 || sb2)
        return depth_bias(self, co, sw2 ? sw2 : "1", sb2 ? sb2 : "0", normalized, digits,
                          max_digits, max_depth);
    da_act *act = daext_act_get(self);
    if (!act)
        return NULL;
    daext_act *a = (daext_act *)self;
    PyObject *cf = PySequence_Fast(co, "combos must be a sequence");
    if (!cf)
        return NULL;
    PyObject *kf = PySequence_Fast(ko, "kernels must be a sequence");
    if (!kf) {
        Py_DECREF(cf);
        return NULL;
    }
    Py_ssize_t nc = PySequence_Fast_GET_SIZE(cf), nk = PySequence_Fast_GET_SIZE(kf);
    size_t total = (size_t)(nc * nk);
    char (*ds)[64] = calloc((size_t)nc + 1, sizeof *ds), (*es)[64] = calloc((size_t)nc + 1, sizeof *es);
    long *ns = calloc((size_t)nc + 1, sizeof *ns);
    int *kern = calloc((size_t)nk + 1, sizeof *kern);
    da_depth_result *res = calloc(total + 1, sizeof *res);
    int *sts = calloc(total + 1, sizeof *sts);
    PyObject *out = NULL;
    if (!ds || !es || !ns || !kern || !res || !sts) {
        PyErr_NoMemory();
        goto out;
    }
    if (unpack_combos(cf, nc, ds, es, ns))
        goto out;
    for (Py_ssize_t j = 0; j < nk; j++) {
        kern[j] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(kf, j));
        if (kern[j] == -1 && PyErr_Occurred())
            goto out;
    }
    daext_err e = {0, 0, ""};
    da_ball mu;
    da_ball_init2(mu, 128);
    int rigorous = 0;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    da_depth_opts o;
    da_depth_opts_init(&o);
    o.digits = digits;
    o.max_digits = max_digits;
    o.max_depth = max_depth;
    da_depth_ctx *ctx = NULL;
    int st = da_depth_ctx_new(&ctx, act, &o);
    daext_err_grab(&e, st);
    if (!st)
        da_depth_mu(mu, ctx);
    for (Py_ssize_t i = 0; !e.status && i < nc; i++) {
        da_ball db, eb;
        da_ball_init2(db, 512);
        da_ball_init2(eb, 512);
        st = da_depth_parse_decimal(db, ds[i]);
        if (!st)
            st = da_depth_parse_decimal(eb, es[i]);
        daext_err_grab(&e, st);
        for (Py_ssize_t j = 0; !e.status && j < nk; j++) {
            da_depth_result *r = &res[i * nk + j];
            da_depth_result_init(r);
            st = da_depth_find(r, ctx, kern[j] ? DA_DEPTH_NTK : DA_DEPTH_NNGP, db, eb, ns[i]);
            sts[i * nk + j] = st;
            if (st != DA_OK && st != DA_EACCURACY && st != DA_EINFINITE)
                daext_err_grab(&e, st);
        }
        da_ball_clear(db);
        da_ball_clear(eb);
    }
    rigorous = ctx ? da_depth_rigorous(ctx) : 0;
    da_depth_ctx_free(ctx);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (e.status) {
        daext_raise(&e);
    } else {
        PyObject *l = PyList_New((Py_ssize_t)total);
        for (Py_ssize_t i = 0; l && i < nc; i++)
            for (Py_ssize_t j = 0; l && j < nk; j++) {
                const da_depth_result *r = &res[i * nk + j];
                PyObject *d = PyDict_New();
                if (!d || daext_set(d, "kernel", PyUnicode_FromString(kern[j] ? "ntk" : "nngp")) ||
                    daext_set(d, "delta", PyUnicode_FromString(ds[i])) ||
                    daext_set(d, "eps", PyUnicode_FromString(es[i])) ||
                    daext_set(d, "n", PyLong_FromLong(ns[i])) ||
                    daext_set(d, "status", PyLong_FromLong(sts[i * nk + j])) ||
                    daext_set(d, "depth", PyLong_FromLong(r->depth)) ||
                    daext_set(d, "value", daext_ball_tuple(&r->value)) ||
                    daext_set(d, "previous", daext_ball_tuple(&r->previous)) ||
                    daext_set(d, "threshold", daext_ball_tuple(&r->threshold)) ||
                    daext_set(d, "digits_used", PyLong_FromLong(r->digits_used)) ||
                    daext_set(d, "bound_potential", PyLong_FromLong(r->bound_potential)) ||
                    daext_set(d, "bound_two_phase", PyLong_FromLong(r->bound_two_phase)) ||
                    daext_set(d, "two_phase_split", PyFloat_FromDouble(r->two_phase_split)) ||
                    daext_set(d, "bound_majorant", PyLong_FromLong(r->bound_majorant)) ||
                    daext_set(d, "rigorous", PyBool_FromLong(rigorous))) {
                    Py_XDECREF(d);
                    Py_CLEAR(l);
                    break;
                }
                PyList_SET_ITEM(l, i * nk + j, d);
            }
        if (l)
            out = Py_BuildValue("(NN)", daext_ball_tuple(mu), l);
    }
    da_ball_clear(mu);
out:
    if (res && sts) {
        /* results were initialised only where a search ran (calloc'd
           otherwise: precision 0) */
        for (Py_ssize_t i = 0; i < nc; i++)
            for (Py_ssize_t j = 0; j < nk; j++)
                if (mpfr_get_prec(res[i * nk + j].value.mid))
                    da_depth_result_clear(&res[i * nk + j]);
    }
    free(ds);
    free(es);
    free(ns);
    free(kern);
    free(res);
    free(sts);
    Py_DECREF(cf);
    Py_DECREF(kf);
    return out;
}

/* _learn(terms, depth, digits, degree, dim=0, threshold=0.1, format=1, spec=None)
 *   -> (status, message, dict): per layer the mass W_{<=degree}(L) (on the
 *   line, or on the sphere S^{dim-1}), the mass beyond the truncation, the
 *   decay rates (line), the eigenvalues and shares by harmonic degree <=
 *   degree (sphere), and the crossing interval of the line's mass; under
 *   "table" the CLI's report in format (da_table_format: da_learn_report,
 *   spec naming the activation as written) */
PyObject *daext_act_learn(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"terms", "depth", "digits", "degree", "dim", "threshold", "format",
                             "spec", NULL};
    long terms, depth, digits, degree, dim = 0;
    double tau = 0.1;
    int fmt = DA_TABLE_CSV;
    const char *spec = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "llll|ldiz", kwlist, &terms, &depth, &digits, &degree,
                                     &dim, &tau, &fmt, &spec))
        return NULL;
    if (fmt < DA_TABLE_TEXT || fmt > DA_TABLE_JSON) {
        PyErr_SetString(PyExc_ValueError, "learn: unknown format");
        return NULL;
    }
    da_act *act = daext_act_get(self);
    if (!act)
        return NULL;
    if (degree < 0 || terms < 1 || depth < 0 || depth > 100000 || (dim && dim < 2) ||
        (dim && terms < degree) || (double)(terms + 1) * (double)(depth + 1) > 5e7) {
        PyErr_SetString(PyExc_ValueError, "learn: need degree >= 0, terms >= 1 (>= degree on the sphere), "
                        "0 <= depth <= 100000, dim 0 or >= 2, (terms+1)(depth+1) <= 5e7");
        return NULL;
    }
    if (!(tau > 0 && tau <= 1)) {
        PyErr_SetString(PyExc_ValueError, "learn: threshold must lie in (0, 1]");
        return NULL;
    }
    /* the CLI's caps and messages (tools/cmd_learn.c), the keyword in
       place of the flag: the Hermite coefficients under coeffs' cap of
       600000 for (terms + 1) x digits, then the estimated work
       (da_learn_cost, and about 1e-5 s per ball made into a Python
       object) under 100 s (CLI_TIME_CAP); memory under 8 GB */
    if ((double)(terms + 1) * (double)digits > 600000.0) {
        char msg[200];
        snprintf(msg, sizeof msg, "learn: terms %ld with digits %ld: (terms + 1) x digits = %.0f is "
                 "above the cap of 600000 (minutes of work for the Hermite coefficients); lower one "
                 "of them", terms, digits, (double)(terms + 1) * (double)digits);
        PyErr_SetString(PyExc_ValueError, msg);
        return NULL;
    }
    {
        double bytes = 0;
        double t_est = da_learn_cost(terms, depth, digits, dim, &bytes) +
                       (double)(depth + 1) * (double)(dim ? 2 * degree + 4 : 4) * 1e-5;
        char what[160];
        snprintf(what, sizeof what, "learn (terms %ld, depth %ld%s%.0ld, %ld digits)", terms, depth,
                 dim ? ", dim " : "", dim, digits);
        char msg[400];
        if (bytes > 8e9)
            snprintf(msg, sizeof msg, "%s needs about %.3g GB of memory, above the limit of 8 GB; "
                     "lower depth or terms", what, bytes / 1e9);
        else if (t_est > 100.0)
            snprintf(msg, sizeof msg, "%s would take about %.2g s (estimated), above the cap of "
                     "100 s; lower depth, terms or digits", what, t_est);
        if (bytes > 8e9 || t_est > 100.0) {
            PyErr_SetString(PyExc_ValueError, msg);
            return NULL;
        }
    }
    daext_act *a = (daext_act *)self;
    da_learn_spectrum *s = NULL;
    da_sphere_spectrum *sp = NULL;
    daext_err e;
    int spec_status;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    int st = da_learn_spectrum_new(&s, act, terms, depth, digits);
    daext_err_grab(&e, st);
    spec_status = st;
    if (s && dim) {
        st = da_sphere_new(&sp, s, dim, terms);
        if (st)
            daext_err_grab(&e, st);
    }
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (!s || (dim && !sp)) {
        da_learn_spectrum_free(s);
        return daext_raise(&e);
    }
    PyObject *res = NULL, *layers = PyList_New(depth + 1);
    da_ball b, c;
    da_ball_init2(b, 256);
    da_ball_init2(c, 256);
    /* k for the effective ranks: the number of eigenvalues of harmonic
       degree <= degree (as the CLI's column k) */
    mpz_t count, m0;
    mpz_init_set_ui(count, 0);
    mpz_init_set_ui(m0, 0);
    for (long l = 0; dim && l <= degree; l++) {
        mpz_t m;
        mpz_init(m);
        da_sphere_multiplicity(m, dim, l);
        mpz_add(count, count, m);
        mpz_clear(m);
    }
    for (long L = 0; layers && L <= depth; L++) {
        PyObject *d = PyDict_New();
        int bad = !d;
        if (!bad) {
            if (dim)
                da_sphere_mass(b, sp, L, degree);
            else
                da_learn_mass(b, s, L, degree);
            bad = daext_set(d, "layer", PyLong_FromLong(L)) ||
                  daext_set(d, "mass", daext_ball_tuple(b));
        }
        if (!bad) {
            if (dim)
                da_sphere_outside(b, sp, L);
            else
                da_learn_tail(b, s, L);
            bad = daext_set(d, "tail", daext_ball_tuple(b));
        }
        if (!bad && !dim && L >= 1) {
            da_learn_rate(b, c, s, degree, L);
            bad = daext_set(d, "rate_last", daext_ball_tuple(b)) ||
                  daext_set(d, "rate_fit", daext_ball_tuple(c));
        }
        if (!bad && dim) {
            long top = degree;
            PyObject *ev = PyList_New(top + 1), *sh = PyList_New(top + 1);
            for (long l = 0; ev && sh && l <= top; l++) {
                da_sphere_eigenvalue(b, sp, L, l);
                da_sphere_share(c, sp, L, l);
                PyObject *tb = daext_ball_tuple(b), *tc = daext_ball_tuple(c);
                if (!tb || !tc) {
                    Py_XDECREF(tb);
                    Py_XDECREF(tc);
                    Py_CLEAR(ev);
                    break;
                }
                PyList_SET_ITEM(ev, l, tb);
                PyList_SET_ITEM(sh, l, tc);
            }
            if (!ev || !sh) {
                Py_XDECREF(ev);
                Py_XDECREF(sh);
                ev = sh = NULL;
            }
            bad = daext_set(d, "eigenvalues", ev) || daext_set(d, "shares", sh);
            /* the effective ranks r_0, R_0 and r_k, R_k (Bartlett et al.
               2020; the CLI's learn --dim columns) */
            for (int z = 0; !bad && z < 2; z++) {
                da_sphere_effective_ranks(b, c, sp, L, z ? count : m0);
                bad = daext_set(d, z ? "r_k" : "r_0", daext_ball_tuple(b)) ||
                      daext_set(d, z ? "R_k" : "R_0", daext_ball_tuple(c));
            }
            if (!bad) {
                char *cs = malloc(mpz_sizeinbase(count, 10) + 2);
                bad = !cs || daext_set(d, "k", PyLong_FromString(mpz_get_str(cs, 10, count),
                                                                 NULL, 10));
                free(cs);
            }
        }
        if (bad) {
            Py_XDECREF(d);
            Py_CLEAR(layers);
            break;
        }
        PyList_SET_ITEM(layers, L, d);
    }
    long lo = -1, hi = -1;
    if (!dim)
        da_learn_crossing(&lo, &hi, s, degree, tau);
    /* the report as the CLI's learn --format prints it: the rows of
       da_learn_table (csv; md, latex too), the text or the JSON report
       (one code path: da_learn_report) */
    PyObject *rendered = NULL;
    if (layers) {
        da_learn_report_opts ro;
        da_learn_report_opts_init(&ro);
        ro.spec = spec;
        ro.degree = degree;
        ro.digits = digits;
        ro.threshold = tau;
        ro.accuracy_reached = spec_status != DA_EACCURACY;
        char *txt = NULL;
        int ts = da_learn_report(&txt, act, s, sp, &ro, (da_table_format)fmt);
        if (ts) {
            daext_err te;
            daext_err_grab(&te, ts);
            daext_raise(&te);
            Py_CLEAR(layers);
        } else if (!(rendered = PyUnicode_FromString(txt))) {
            Py_CLEAR(layers);
        }
        free(txt);
    }
    if (layers) {
        PyObject *off = PyList_New(terms + 1);
        for (long k = 0; off && k <= terms; k++) {
            da_learn_offspring(b, s, k);
            PyList_SET_ITEM(off, k, daext_ball_tuple(b));
        }
        if (off)
            res = Py_BuildValue("(is{s:N,s:N,s:(ll),s:d,s:i,s:O})", spec_status,
                                spec_status ? e.msg : "", "layers", layers, "offspring", off,
                                "crossing", lo, hi, "seconds", da_learn_seconds(s),
                                "rigorous", da_learn_rigorous(s), "table", rendered);
        else
            Py_DECREF(layers);
    }
    Py_XDECREF(rendered);
    da_ball_clear(b);
    da_ball_clear(c);
    mpz_clear(count);
    mpz_clear(m0);
    da_sphere_free(sp);
    da_learn_spectrum_free(s);
    return res;
}

static PyObject *mf_point_dict(const da_mf_point *p)
{
    PyObject *d = PyDict_New();
    if (!d || daext_set(d, "sw2", PyFloat_FromDouble(p->sw2)) ||
        daext_set(d, "sb2", PyFloat_FromDouble(p->sb2)) ||
        daext_set(d, "q", PyFloat_FromDouble(p->q)) || daext_set(d, "q_err", PyFloat_FromDouble(p->q_err)) ||
        daext_set(d, "c", PyFloat_FromDouble(p->c)) || daext_set(d, "c_err", PyFloat_FromDouble(p->c_err)) ||
        daext_set(d, "chi1", PyFloat_FromDouble(p->chi1)) ||
        daext_set(d, "chi1_err", PyFloat_FromDouble(p->chi1_err)) ||
        daext_set(d, "chic", PyFloat_FromDouble(p->chic)) ||
        daext_set(d, "chic_err", PyFloat_FromDouble(p->chic_err)) ||
        daext_set(d, "xi_q", PyFloat_FromDouble(p->xi_q)) ||
        daext_set(d, "xi_q_err", PyFloat_FromDouble(p->xi_q_err)) ||
        daext_set(d, "xi_c", PyFloat_FromDouble(p->xi_c)) ||
        daext_set(d, "xi_c_err", PyFloat_FromDouble(p->xi_c_err)) ||
        daext_set(d, "phase", PyUnicode_FromString(da_meanfield_phase_name(p->phase))) ||
        daext_set(d, "bound", PyUnicode_FromString(p->rigorous ? "rigorous" : "estimate")) ||
        daext_set(d, "bound_reason", PyUnicode_FromString(p->bound_reason)) ||
        daext_set(d, "xi_q_lo", PyFloat_FromDouble(p->xi_q_lo)) ||
        daext_set(d, "xi_c_lo", PyFloat_FromDouble(p->xi_c_lo))) {
        Py_XDECREF(d);
        return NULL;
    }
    return d;
}

/* run f on a fresh meanfield context of the activation */
#define WITH_MF(a, normalized, e, BODY) do { \
        Py_BEGIN_ALLOW_THREADS \
        daext_lock(a); \
        da_meanfield *mf = NULL; \
        int st_ = da_meanfield_new(&mf, (a)->act, normalized); \
        daext_err_grab(&(e), st_); \
        if (!st_) { BODY } \
        da_meanfield_free(mf); \
        daext_unlock(a); \
        Py_END_ALLOW_THREADS \
    } while (0)

/* _meanfield(normalized, points) -> [dict], points a list of (sw2, sb2) */
PyObject *daext_act_meanfield(PyObject *self, PyObject *args)
{
    int normalized;
    PyObject *po;
    if (!PyArg_ParseTuple(args, "pO", &normalized, &po))
        return NULL;
    if (!daext_act_get(self))
        return NULL;
    PyObject *pf = PySequence_Fast(po, "points must be a sequence");
    if (!pf)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(pf);
    da_mf_point *pts = calloc((size_t)n + 1, sizeof *pts);
    double *sw = calloc((size_t)n + 1, sizeof *sw), *sb = calloc((size_t)n + 1, sizeof *sb);
    PyObject *out = NULL;
    if (!pts || !sw || !sb) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(pf, i), "dd", &sw[i], &sb[i]))
            goto out;
    daext_err e;
    WITH_MF((daext_act *)self, normalized, e, {
        for (Py_ssize_t i = 0; i < n; i++) {
            int s = da_meanfield_point(&pts[i], mf, sw[i], sb[i]);
            if (s) {
                daext_err_grab(&e, s);
                break;
            }
        }
    });
    if (e.status) {
        daext_raise(&e);
        goto out;
    }
    out = PyList_New(n);
    for (Py_ssize_t i = 0; out && i < n; i++) {
        PyObject *d = mf_point_dict(&pts[i]);
        if (!d) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, d);
    }
out:
    free(pts);
    free(sw);
    free(sb);
    Py_DECREF(pf);
    return out;
}

/* _meanfield_kernel(normalized, q1, q2, c, deriv) -> (value, err) */
PyObject *daext_act_meanfield_kernel(PyObject *self, PyObject *args)
{
    int normalized, deriv;
    double q1, q2, c, v = NAN, err = INFINITY;
    if (!PyArg_ParseTuple(args, "pdddi", &normalized, &q1, &q2, &c, &deriv))
        return NULL;
    if (!daext_act_get(self))
        return NULL;
    daext_err e;
    WITH_MF((daext_act *)self, normalized, e, {
        int s = da_meanfield_kernel(&v, &err, mf, q1, q2, c, deriv);
        if (s == DA_EINFINITE) {
            v = INFINITY;
            err = 0;
        } else if (s) {
            daext_err_grab(&e, s);
        }
    });
    if (e.status)
        return daext_raise(&e);
    return Py_BuildValue("(dd)", v, err);
}

/* _meanfield_critical(normalized, sb2) -> (sw2, err) */
PyObject *daext_act_meanfield_critical(PyObject *self, PyObject *args)
{
    int normalized;
    double sb2, v = NAN, err = INFINITY;
    if (!PyArg_ParseTuple(args, "pd", &normalized, &sb2))
        return NULL;
    if (!daext_act_get(self))
        return NULL;
    daext_err e;
    WITH_MF((daext_act *)self, normalized, e, {
        int s = da_meanfield_critical(&v, &err, mf, sb2);
        if (s)
            daext_err_grab(&e, s);
    });
    if (e.status)
        return daext_raise(&e);
    return Py_BuildValue("(dd)", v, err);
}

/* _net_kernel(spec, q1, q2, cov, digits) -> (rows, rigorous, reason, status,
 * message): the kernels of a network spec (dualact/net.h) on one input
 * kernel, q1, q2, cov decimal strings (balls of the decimals as written)
 * or (man, exp, rad) ball tuples;
 * rows are (layer, name, q1, q2, nngp, ntk) with (man, exp, rad) tuples.
 * A bad spec or input raises ValueError with the library's message;
 * DA_EACCURACY comes back as the status, the rows still valid. */
PyObject *daext_net_kernel(PyObject *self, PyObject *args)
{
    (void)self;
    const char *spec;
    PyObject *o[3];
    long digits;
    if (!PyArg_ParseTuple(args, "sOOOl", &spec, &o[0], &o[1], &o[2], &digits))
        return NULL;
    if (digits < 1 || digits > 1000) {
        PyErr_SetString(PyExc_ValueError, "digits: must be an integer from 1 to 1000");
        return NULL;
    }
    mpfr_prec_t p = DAEXT_PREC_OF_DIGITS(digits + 10) + 64;
    da_ball b[3];
    for (int j = 0; j < 3; j++)
        if (daext_ball_from_obj(b[j], o[j], p)) {   /* the decimals, as every ball input */
            for (int i = 0; i < j; i++)
                da_ball_clear(b[i]);
            return NULL;
        }
    da_net *net = NULL;
    da_net_row *rows = NULL;
    long n = 0;
    int rig = 0;
    char reason[512] = "";
    daext_err er = {0};
    int st;
    Py_BEGIN_ALLOW_THREADS
    da_net_opts o;
    da_net_opts_init(&o);
    o.digits = digits + 10;
    st = da_net_new(&net, spec, &o);
    if (!st) {
        n = da_net_rows(net);
        rows = calloc((size_t)n, sizeof *rows);
        if (!rows)
            st = DA_ENOMEM;   /* daext_raise: MemoryError */
        for (long l = 0; rows && l < n; l++)
            da_net_row_init(&rows[l]);
    }
    if (!st)
        st = da_net_kernel(rows, net, b[0], b[1], b[2]);
    daext_err_grab(&er, st);
    if (net) {
        rig = da_net_rigorous(net);
        snprintf(reason, sizeof reason, "%s", da_net_bound_reason(net));
    }
    Py_END_ALLOW_THREADS
    PyObject *res = NULL;
    if (st && st != DA_EACCURACY) {
        daext_raise(&er);
    } else {
        PyObject *lst = PyList_New(n);
        for (long l = 0; lst && l < n; l++) {
            PyObject *t = Py_BuildValue("(lsNNNN)", rows[l].layer, rows[l].name,
                                        daext_ball_tuple(&rows[l].q1), daext_ball_tuple(&rows[l].q2),
                                        daext_ball_tuple(&rows[l].nngp), daext_ball_tuple(&rows[l].ntk));
            if (!t) {
                Py_CLEAR(lst);
                break;
            }
            PyList_SET_ITEM(lst, l, t);
        }
        if (lst)
            res = Py_BuildValue("(Nisis)", lst, rig, reason, st, st ? er.msg : "");
    }
    for (long l = 0; rows && l < n; l++)
        da_net_row_clear(&rows[l]);
    free(rows);
    da_net_free(net);
    for (int j = 0; j < 3; j++)
        da_ball_clear(b[j]);
    return res;
}

/* _table(acts, delta, eps, n, digits, columns, format)
 *   -> (status, message, rendered, warnings): the paper's table
 *   (da_paper_table, as dualact table prints it) rendered in format
 *   (da_table_format); acts a list of specs or None (the standard set);
 *   delta, eps, n comma lists; columns None or a comma list; warnings a
 *   list of the library's warning lines.  Options and activations are
 *   checked before any work: ValueError (ParseError) with the message. */
typedef struct {
    char **line;
    int n, cap;
} warn_list;

static void table_warn(void *ctx, const char *msg)
{
    warn_list *w = ctx;
    if (w->n == w->cap) {
        int cap = w->cap ? 2 * w->cap : 4;
        char **l = realloc(w->line, (size_t)cap * sizeof *l);
        if (!l)
            return;
        w->line = l;
        w->cap = cap;
    }
    if ((w->line[w->n] = strdup(msg)))
        w->n++;
}

PyObject *daext_table(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"acts", "delta", "eps", "n", "digits", "columns", "format", NULL};
    PyObject *acts_obj;
    const char *delta, *eps, *n, *columns = NULL;
    long digits;
    int fmt = DA_TABLE_CSV;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Osssl|zi", kwlist, &acts_obj, &delta, &eps, &n,
                                     &digits, &columns, &fmt))
        return NULL;
    if (fmt < DA_TABLE_TEXT || fmt > DA_TABLE_JSON) {
        PyErr_SetString(PyExc_ValueError, "table: unknown format");
        return NULL;
    }
    da_paper_table_opts o;
    da_paper_table_opts_init(&o);
    o.digits = digits;
    o.delta = delta;
    o.eps = eps;
    o.n = n;
    o.columns = columns;
    int nacts = 0;
    const char **acts = NULL;
    PyObject *seq = NULL;
    if (acts_obj != Py_None) {
        seq = PySequence_Fast(acts_obj, "table: acts must be a list of activation specs");
        if (!seq)
            return NULL;
        nacts = (int)PySequence_Fast_GET_SIZE(seq);
        acts = calloc((size_t)nacts + 1, sizeof *acts);
        if (!acts) {
            Py_DECREF(seq);
            return PyErr_NoMemory();
        }
        for (int j = 0; j < nacts; j++) {
            acts[j] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, j));
            if (!acts[j]) {
                free(acts);
                Py_DECREF(seq);
                return NULL;
            }
        }
        if (nacts == 0) {
            free(acts);
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "table: no activation");
            return NULL;
        }
    }
    warn_list w = {0};
    o.warn = table_warn;
    o.ctx = &w;
    da_table *t = NULL;
    char *txt = NULL;
    daext_err e;
    int st;
    Py_BEGIN_ALLOW_THREADS
    st = da_paper_table(&t, acts, nacts, &o);
    daext_err_grab(&e, st);
    if (t) {
        int rs = da_table_render(&txt, t, (da_table_format)fmt);
        if (rs) {
            st = rs;
            daext_err_grab(&e, rs);
        }
    }
    da_table_free(t);
    Py_END_ALLOW_THREADS
    free(acts);
    Py_XDECREF(seq);
    PyObject *res = NULL;
    if (st && st != DA_EACCURACY) {
        daext_raise(&e);
    } else {
        PyObject *wl = PyList_New(w.n);
        for (int i = 0; wl && i < w.n; i++) {
            PyObject *u = PyUnicode_FromString(w.line[i]);
            if (!u) {
                Py_CLEAR(wl);
                break;
            }
            PyList_SET_ITEM(wl, i, u);
        }
        if (wl)
            res = Py_BuildValue("(issN)", st, st ? e.msg : "", txt ? txt : "", wl);
    }
    for (int i = 0; i < w.n; i++)
        free(w.line[i]);
    free(w.line);
    free(txt);
    return res;
}
