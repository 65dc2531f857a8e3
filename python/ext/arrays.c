/* arrays.c -- the double-precision paths over numpy arrays: the
 * activation, the dual and its iterates with error bounds, coefficients,
 * and the Gram-matrix analysis of a data matrix.  One C loop per call
 * (no Python per element), GIL released. */
#include "ext.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define U53 0x1p-53

/* A contiguous float64 copy (or view) of any array-like. */
static PyArrayObject *as_double(PyObject *o)
{
    return (PyArrayObject *)PyArray_FROMANY(o, NPY_DOUBLE, 0, 0, NPY_ARRAY_IN_ARRAY);
}

static PyArrayObject *like(PyArrayObject *x)
{
    return (PyArrayObject *)PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), NPY_DOUBLE);
}

PyObject *daext_act_eval_d(PyObject *self, PyObject *args)
{
    PyObject *xo;
    if (!PyArg_ParseTuple(args, "O", &xo))
        return NULL;
    da_act *act = daext_act_get(self);
    if (!act)
        return NULL;
    PyArrayObject *x = as_double(xo);
    if (!x)
        return NULL;
    PyArrayObject *y = like(x);
    if (!y) {
        Py_DECREF(x);
        return NULL;
    }
    npy_intp n = PyArray_SIZE(x);
    const double *xv = PyArray_DATA(x);
    double *yv = PyArray_DATA(y);
    Py_BEGIN_ALLOW_THREADS
    for (npy_intp i = 0; i < n; i++)
        (void)da_act_eval_d(&yv[i], act, xv[i]);   /* NaN / Inf pass through */
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return PyArray_Return(y);
}

/* f^(k) upper bound on [0, s] (f^(k) is increasing there for a dual of
 * a positive-definite kernel): the value at min(s, 1) plus its error. */
static double fup(const da_dual *d, double s, int k)
{
    if (!(s < 1))
        s = 1;
    double e, v;
    da_dual_eval_d(&v, &e, d, s, k);
    if (!isfinite(v) || !isfinite(e))
        return INFINITY;
    return v + e;
}

/* One input: the depth-L iterate (or normalized NTK) and a bound on its
 * error.  The propagation is the one of da_gram_analyze (docs/analysis.md):
 * an error E in rho_{l-1} becomes E sup|f'| + the evaluation error, with
 * sup|f'| on [-s, s] = f'(s) (|f'(r)| <= f'(|r|)). */
static double iterate_one(const da_dual *d, double r, long depth, int ntk, double beta,
                          double beta_err, double *err)
{
    if (!(r >= -1 && r <= 1)) {
        *err = INFINITY;
        return NAN;
    }
    if (ntk && r == 1) {
        *err = 0;   /* Theta_L(1) / Theta_L(1) */
        return 1;
    }
    double K = r, EK = 0, T = r, ET = 0, theta1 = 1;
    for (long l = 1; l <= depth; l++) {
        double e0, fr;
        da_dual_eval_d(&fr, &e0, d, K, 0);
        double s = fabs(K) + EK;
        double f1s = fup(d, s, 1);
        if (!(f1s <= beta + beta_err))   /* sup |f'| on [-1, 1] is f'(1) = beta */
            f1s = beta + beta_err;
        double EKn = EK == 0 ? e0 + 2 * U53 : EK * f1s + e0 + 2 * U53;
        if (ntk) {
            double e1, f1;
            da_dual_eval_d(&f1, &e1, d, K, 1);
            double th1 = theta1 * beta + 1;
            double q = theta1 / th1, w = 1 / th1;
            double f2s = EK == 0 ? 0 : fup(d, s, 2);
            double dF = EK == 0 ? e1 : f2s * EK + e1;
            double Tn = T * f1 * q + fr * w;
            ET = (ET * f1s + (fabs(T) + ET) * dF) * q + EKn * w +
                 (fabs(T) * f1s * q + (fabs(fr) + EKn) * w) *
                 ((double)(l + 6) * 2 * U53 + 2 * (double)l * beta_err / beta);
            T = Tn;
            theta1 = th1;
        }
        K = fr;
        EK = isfinite(EKn) ? EKn : INFINITY;
        if (K > 1)
            K = 1;
        if (K < -1)
            K = -1;
    }
    *err = ntk ? (isfinite(ET) ? ET : INFINITY) : EK;
    return ntk ? T : K;
}

/* _dual_d(rho, depth=1, ntk=False, derivative=0, raw=False)
 *   -> (values, errors, method): arrays shaped like rho */
PyObject *daext_act_dual_d(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"rho", "depth", "ntk", "derivative", "raw", NULL};
    PyObject *ro;
    long depth = 1;
    int ntk = 0, deriv = 0, raw = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|lpip", kwlist, &ro, &depth, &ntk, &deriv, &raw))
        return NULL;
    if (!daext_act_get(self))
        return NULL;
    if (depth < 0 || depth > 1000000) {
        PyErr_SetString(PyExc_ValueError, "depth must lie in [0, 1000000]");
        return NULL;
    }
    if (deriv < 0 || deriv > 2) {
        PyErr_SetString(PyExc_ValueError, "derivative must be 0, 1 or 2");
        return NULL;
    }
    if (deriv > 0 && (ntk || depth != 1)) {
        PyErr_SetString(PyExc_ValueError, "derivative applies to the dual itself (depth 1, ntk False)");
        return NULL;
    }
    if (raw && (ntk || depth > 1)) {
        PyErr_SetString(PyExc_ValueError, "the double path iterates the normalized dual only "
                        "(raw=True needs depth 1 and ntk False, or digits=...)");
        return NULL;
    }
    const da_dual *d = daext_dual_d((daext_act *)self, raw);
    if (!d)
        return NULL;
    double beta = INFINITY, beta_err = 0;
    if (depth > 1 || (ntk && depth > 0)) {
        /* beta = f'(1) from the ball path, as da_gram_analyze does: the
           truncated double series of k c_k converges slowly at rho = 1 */
        daext_act *a = (daext_act *)self;
        int st;
        Py_BEGIN_ALLOW_THREADS
        daext_lock(a);
        da_ball one, fb;
        da_ball_init2(one, 128);
        da_ball_init2(fb, 128);
        mpfr_set_ui(one->mid, 1, MPFR_RNDN);
        mpfr_set_zero(one->rad, 1);
        st = da_dual_eval(fb, d, one, 1);
        beta = st == DA_EINFINITE ? INFINITY : mpfr_get_d(fb->mid, MPFR_RNDN);
        beta_err = st == DA_EINFINITE ? INFINITY : mpfr_get_d(fb->rad, MPFR_RNDU) + fabs(beta) * U53;
        da_ball_clear(one);
        da_ball_clear(fb);
        daext_unlock(a);
        Py_END_ALLOW_THREADS
        if (!isfinite(beta) || !isfinite(beta_err))
            beta = INFINITY;
        if (ntk && !isfinite(beta)) {
            PyErr_Format(PyExc_ValueError, "the NTK of '%s' is infinite: the activation jumps, so "
                         "sigma_hat'(1) = E[sigma'^2] is infinite", da_act_spec(daext_act_get(self)));
            return NULL;
        }
    }
    PyArrayObject *x = as_double(ro);
    if (!x)
        return NULL;
    PyArrayObject *v = like(x), *e = like(x);
    if (!v || !e) {
        Py_DECREF(x);
        Py_XDECREF(v);
        Py_XDECREF(e);
        return NULL;
    }
    npy_intp n = PyArray_SIZE(x);
    const double *xv = PyArray_DATA(x);
    double *vv = PyArray_DATA(v), *ev = PyArray_DATA(e);
    Py_BEGIN_ALLOW_THREADS
    if (depth == 1 && !ntk) {
        for (npy_intp i = 0; i < n; i++)
            (void)da_dual_eval_d(&vv[i], &ev[i], d, xv[i], deriv);   /* NaN / Inf kept */
    } else if (depth == 0) {
        for (npy_intp i = 0; i < n; i++) {
            int in = xv[i] >= -1 && xv[i] <= 1;
            vv[i] = in ? xv[i] : NAN;
            ev[i] = in ? 0 : INFINITY;
        }
    } else {
        for (npy_intp i = 0; i < n; i++)
            vv[i] = iterate_one(d, xv[i], depth, ntk, beta, beta_err, &ev[i]);
    }
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return Py_BuildValue("(NNs)", PyArray_Return(v), PyArray_Return(e), da_dual_method(d));
}

/* _coeffs_d(degree, raw) -> (status, message, a, err, method) */
PyObject *daext_act_coeffs_d(PyObject *self, PyObject *args)
{
    long N;
    int raw = 0;
    if (!PyArg_ParseTuple(args, "l|p", &N, &raw))
        return NULL;
    da_act *act = daext_act_get(self);
    if (!act)
        return NULL;
    if (N < 0 || N > 100000) {
        PyErr_SetString(PyExc_ValueError, "degree must lie in [0, 100000]");
        return NULL;
    }
    npy_intp dims[1] = {N + 1};
    PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    PyArrayObject *e = (PyArrayObject *)PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (!a || !e) {
        Py_XDECREF(a);
        Py_XDECREF(e);
        return NULL;
    }
    daext_act *A = (daext_act *)self;
    daext_err er;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(A);
    int st = da_hermite_compute_d(PyArray_DATA(a), PyArray_DATA(e), N, act, raw);
    daext_err_grab(&er, st);
    daext_unlock(A);
    Py_END_ALLOW_THREADS
    if (er.status && er.status != DA_EACCURACY) {
        Py_DECREF(a);
        Py_DECREF(e);
        return daext_raise(&er);
    }
    return Py_BuildValue("(isNN)", er.status, er.msg, a, e);
}

/* _gram(act, X, depth, ntk=False, rank_k=0, spectrum=0, tol=1e-9)
 *   -> list of dicts (one per layer 0..depth) */
PyObject *daext_gram(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"act", "X", "depth", "ntk", "rank_k", "spectrum", "tol", NULL};
    PyObject *ao, *xo;
    long depth, rank_k = 0;
    int ntk = 0, spectrum = 0;
    double tol = 1e-9;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOl|plpd", kwlist, &ao, &xo, &depth, &ntk, &rank_k,
                                     &spectrum, &tol))
        return NULL;
    da_act *act = daext_act_get(ao);
    if (!act)
        return NULL;
    if (depth < 0 || depth > 100000) {
        PyErr_SetString(PyExc_ValueError, "depth must lie in [0, 100000]");
        return NULL;
    }
    PyArrayObject *x = (PyArrayObject *)PyArray_FROMANY(xo, NPY_DOUBLE, 2, 2, NPY_ARRAY_IN_ARRAY);
    if (!x)
        return NULL;
    size_t n = (size_t)PyArray_DIM(x, 0), dim = (size_t)PyArray_DIM(x, 1);
    if (n < 2 || dim < 1) {
        Py_DECREF(x);
        PyErr_SetString(PyExc_ValueError, "gram: X must be an n x d array with n >= 2, d >= 1");
        return NULL;
    }
    da_gram_data data;
    memset(&data, 0, sizeof data);
    data.n = n;
    data.dim = dim;
    data.x = malloc(n * dim * sizeof(double));
    data.norm = malloc(n * sizeof(double));
    snprintf(data.source, sizeof data.source, "numpy array %zu x %zu", n, dim);
    da_gram_layer *rows = calloc((size_t)depth + 1, sizeof *rows);
    if (!data.x || !data.norm || !rows) {
        free(data.x);
        free(data.norm);
        free(rows);
        Py_DECREF(x);
        return PyErr_NoMemory();
    }
    const double *xv = PyArray_DATA(x);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < dim; j++)
            s += xv[i * dim + j] * xv[i * dim + j];
        s = sqrt(s);
        data.norm[i] = s;
        if (!(s > 0) || !isfinite(s)) {
            free(data.x);
            free(data.norm);
            free(rows);
            Py_DECREF(x);
            PyErr_Format(PyExc_ValueError, "gram: row %zu of X is %s", i,
                         s == 0 ? "zero" : "not finite");
            return NULL;
        }
        for (size_t j = 0; j < dim; j++)
            data.x[i * dim + j] = xv[i * dim + j] / s;
    }
    Py_DECREF(x);
    da_gram_opts o;
    da_gram_opts_init(&o);
    o.depth = depth;
    o.ntk = ntk;
    o.rank_k = rank_k;
    o.spectrum = spectrum;
    o.lanczos_tol = tol;
    daext_act *a = (daext_act *)ao;
    daext_err e;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    int st = da_gram_analyze(rows, act, &data, &o);
    daext_err_grab(&e, st);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    free(data.x);
    free(data.norm);
    if (e.status) {
        free(rows);
        return daext_raise(&e);
    }
    PyObject *l = PyList_New(depth + 1);
    for (long i = 0; l && i <= depth; i++) {
        const da_gram_layer *g = &rows[i];
        PyObject *d = PyDict_New();
        if (!d || daext_set(d, "layer", PyLong_FromLong(g->layer)) ||
            daext_set(d, "lambda_min", PyFloat_FromDouble(g->lambda_min)) ||
            daext_set(d, "lambda_max", PyFloat_FromDouble(g->lambda_max)) ||
            daext_set(d, "cond", PyFloat_FromDouble(g->cond)) ||
            daext_set(d, "max_offdiag", PyFloat_FromDouble(g->max_offdiag)) ||
            daext_set(d, "gershgorin", PyFloat_FromDouble(g->gershgorin)) ||
            daext_set(d, "gershgorin_max", PyFloat_FromDouble(g->gershgorin_max)) ||
            daext_set(d, "trace", PyFloat_FromDouble(g->trace)) ||
            daext_set(d, "frob2", PyFloat_FromDouble(g->frob2)) ||
            daext_set(d, "r0", PyFloat_FromDouble(g->r0)) ||
            daext_set(d, "R0", PyFloat_FromDouble(g->R0)) ||
            daext_set(d, "rk", PyFloat_FromDouble(g->rk)) ||
            daext_set(d, "Rk", PyFloat_FromDouble(g->Rk)) ||
            daext_set(d, "entry_err", PyFloat_FromDouble(g->entry_err)) ||
            daext_set(d, "lambda_err", PyFloat_FromDouble(g->lambda_err)) ||
            daext_set(d, "method", PyUnicode_FromString(g->method == DA_GRAM_FULL ? "full" : "lanczos")) ||
            daext_set(d, "converged", PyBool_FromLong(g->converged)) ||
            daext_set(d, "steps", PyLong_FromLong(g->iterations)) ||
            /* double entries (libm within 4 ulp) and solver estimates */
            daext_set(d, "bound", PyUnicode_FromString("estimate"))) {
            Py_XDECREF(d);
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, d);
    }
    free(rows);
    return l;
}

/* _netk(q1, q2, c, deriv=0, digits=16, normalized=False) -> (values, errors):
 * E[s(u) s(v)] (deriv 0) or E[s'(u) s'(v)] (deriv 1), (u, v) Gaussian with
 * variances q1, q2 and covariance c, elementwise over three 1-D arrays of
 * one length (the caller broadcasts), by da_netk_eval_d: the library's
 * general-variance kernel, closed form or series, with its error bound.
 * q1 == q2 == c is the diagonal E[s(u)^2].  fast=True: the closed form in
 * double (da_netk_eval_fast; errors are estimates) when there is one. */
PyObject *daext_act_netk(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"q1", "q2", "c", "deriv", "digits", "normalized", "fast", NULL};
    PyObject *o1, *o2, *oc;
    int deriv = 0, normalized = 0, fast = 0;
    long digits = 16;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|ilpp", kwlist, &o1, &o2, &oc, &deriv, &digits,
                                     &normalized, &fast))
        return NULL;
    daext_act *a = (daext_act *)self;
    if (!daext_act_get(self))
        return NULL;
    if (deriv < 0 || deriv > 1) {
        PyErr_SetString(PyExc_ValueError, "deriv must be 0 or 1");
        return NULL;
    }
    PyArrayObject *q1 = as_double(o1), *q2 = as_double(o2), *c = as_double(oc);
    if (!q1 || !q2 || !c) {
        Py_XDECREF(q1);
        Py_XDECREF(q2);
        Py_XDECREF(c);
        return NULL;
    }
    npy_intp n = PyArray_SIZE(c);
    if (PyArray_SIZE(q1) != n || PyArray_SIZE(q2) != n) {
        Py_DECREF(q1);
        Py_DECREF(q2);
        Py_DECREF(c);
        PyErr_SetString(PyExc_ValueError, "q1, q2 and c must have the same size");
        return NULL;
    }
    PyArrayObject *v = like(c), *e = like(c);
    if (!v || !e) {
        Py_DECREF(q1);
        Py_DECREF(q2);
        Py_DECREF(c);
        Py_XDECREF(v);
        Py_XDECREF(e);
        return NULL;
    }
    const double *a1 = PyArray_DATA(q1), *a2 = PyArray_DATA(q2), *ac = PyArray_DATA(c);
    double *vv = PyArray_DATA(v), *ev = PyArray_DATA(e);
    daext_err er = {0};
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = digits;
    o.normalized = normalized;
    da_netk *k = NULL;
    int st = da_netk_new(&k, a->act, &o);
    daext_err_grab(&er, st);
    if (!st && fast && da_netk_fast(k))
        for (npy_intp i = 0; i < n; i++)
            (void)da_netk_eval_fast(&vv[i], &ev[i], k, a1[i], a2[i], ac[i], deriv);
    else
        for (npy_intp i = 0; !st && i < n; i++)
            (void)da_netk_eval_d(&vv[i], &ev[i], k, a1[i], a2[i], ac[i], deriv);
    da_netk_free(k);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    Py_DECREF(q1);
    Py_DECREF(q2);
    Py_DECREF(c);
    if (er.status) {
        Py_DECREF(v);
        Py_DECREF(e);
        return daext_raise(&er);
    }
    return Py_BuildValue("(NN)", PyArray_Return(v), PyArray_Return(e));
}

/* The poll function of the matrix engine: called by the calling thread
 * (GIL released) between blocks.  It takes the GIL, runs the signal
 * handlers (Ctrl-C raises KeyboardInterrupt there) and the caller's
 * progress function, and asks the engine to stop when either raised. */
typedef struct {
    PyObject *progress;   /* callable(fraction) or None/NULL */
    int raised;
} mx_poll_ctx;

static int mx_poll(void *vctx, double fraction)
{
    mx_poll_ctx *p = vctx;
    PyGILState_STATE g = PyGILState_Ensure();
    int stop = PyErr_CheckSignals() != 0;
    if (!stop && p->progress && p->progress != Py_None) {
        PyObject *r = PyObject_CallFunction(p->progress, "d", fraction);
        if (!r)
            stop = 1;
        Py_XDECREF(r);
    }
    if (stop)
        p->raised = 1;
    PyGILState_Release(g);
    return stop;
}

/* the data of the matrix functions: x1 (n1 x d) and x2 (n2 x d, or None:
 * *x2 = NULL) as contiguous float64 arrays; 0, or -1 with an exception set */
static int data_pair(PyArrayObject **x1, PyArrayObject **x2, PyObject *o1, PyObject *o2)
{
    *x1 = (PyArrayObject *)PyArray_FROM_OTF(o1, NPY_DOUBLE, NPY_ARRAY_IN_ARRAY);
    *x2 = o2 == Py_None ? NULL
          : (PyArrayObject *)PyArray_FROM_OTF(o2, NPY_DOUBLE, NPY_ARRAY_IN_ARRAY);
    if (!*x1 || (o2 != Py_None && !*x2)) {
        Py_XDECREF(*x1);
        Py_XDECREF(*x2);
        return -1;
    }
    if (PyArray_NDIM(*x1) != 2 || (*x2 && (PyArray_NDIM(*x2) != 2 ||
                                           PyArray_DIM(*x2, 1) != PyArray_DIM(*x1, 1)))) {
        Py_DECREF(*x1);
        Py_XDECREF(*x2);
        PyErr_SetString(PyExc_ValueError, "x1 and x2 must be n1 x d and n2 x d arrays");
        return -1;
    }
    return 0;
}

/* _netk_matrix(x1, x2, depth, sw2, sb2, param=0, width=0, bias=True,
 * normalized=False, threads=0, progress=None) -> (nngp, nngp_err, ntk,
 * ntk_err, terms, reason): the kernel-matrix engine (da_netk_matrix) on
 * the rows of x1 and x2 (2-D float arrays; x2 None: x1 itself).  The
 * errors are float32 arrays (bounds rounded upwards). */
PyObject *daext_act_netk_matrix(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"x1", "x2", "depth", "sw2", "sb2", "param", "width", "bias",
                             "normalized", "threads", "progress", NULL};
    PyObject *o1, *o2, *progress = NULL;
    long depth, width = 0;
    double sw2, sb2;
    int param = 0, bias = 1, normalized = 0, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOldd|ilppiO", kwlist, &o1, &o2, &depth, &sw2,
                                     &sb2, &param, &width, &bias, &normalized, &threads,
                                     &progress))
        return NULL;
    daext_act *a = (daext_act *)self;
    if (!daext_act_get(self))
        return NULL;
    PyArrayObject *x1, *x2;
    if (data_pair(&x1, &x2, o1, o2))
        return NULL;
    npy_intp n1 = PyArray_DIM(x1, 0), d = PyArray_DIM(x1, 1), n2 = x2 ? PyArray_DIM(x2, 0) : n1;
    npy_intp dims[2] = {n1, n2};
    PyArrayObject *K = NULL, *T = NULL, *eK = NULL, *eT = NULL;
    if (n1 > 0 && n2 > 0 && (size_t)n1 <= SIZE_MAX / 32 / (size_t)n2) {
        K = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_DOUBLE);
        T = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_DOUBLE);
        eK = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT32);
        eT = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT32);
    }
    if (!K || !T || !eK || !eT) {
        Py_DECREF(x1);
        Py_XDECREF(x2);
        Py_XDECREF(K); Py_XDECREF(T); Py_XDECREF(eK); Py_XDECREF(eT);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, n1 == 0 || n2 == 0 ? "the data have no rows"
                                              : "the kernel matrix does not fit in memory");
        return NULL;
    }
    daext_err er = {0};
    da_netk_minfo info;
    memset(&info, 0, sizeof info);
    mx_poll_ctx pc = {progress, 0};
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = 16;
    o.normalized = normalized;
    da_netk *k = NULL;
    int st = da_netk_new(&k, a->act, &o);
    if (!st) {
        da_netk_net net;
        da_netk_net_init(&net);
        da_ball_init2(&net.sw2, 64);
        da_ball_init2(&net.sb2, 64);
        mpfr_set_d(net.sw2.mid, sw2, MPFR_RNDN);
        mpfr_set_zero(net.sw2.rad, 1);
        mpfr_set_d(net.sb2.mid, sb2, MPFR_RNDN);
        mpfr_set_zero(net.sb2.rad, 1);
        net.depth = depth;
        net.param = param;
        net.width = width;
        net.bias = bias;
        net.dim = (long)d;
        da_netk_mopts mo;
        da_netk_mopts_init(&mo);
        mo.threads = threads;
        mo.poll = mx_poll;
        mo.ctx = &pc;
        st = da_netk_matrix(PyArray_DATA(K), PyArray_DATA(eK), PyArray_DATA(T), PyArray_DATA(eT),
                            &info, k, &net, PyArray_DATA(x1), (size_t)n1,
                            x2 ? PyArray_DATA(x2) : NULL, (size_t)n2, (size_t)d, &mo);
        da_ball_clear(&net.sw2);
        da_ball_clear(&net.sb2);
    }
    daext_err_grab(&er, st);
    da_netk_free(k);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    Py_DECREF(x1);
    Py_XDECREF(x2);
    if (er.status) {
        Py_DECREF(K); Py_DECREF(T); Py_DECREF(eK); Py_DECREF(eT);
        if (pc.raised && PyErr_Occurred())
            return NULL;
        return daext_raise(&er);
    }
    return Py_BuildValue("(NNNNls)", (PyObject *)K, (PyObject *)eK, (PyObject *)T,
                         (PyObject *)eT, info.terms, info.reason);
}

/* the input kernel of rows x, y (dimension d) as balls: the dot products
 * at 256 bits (exact but for the last of d roundings), divided by d */
static void dot_ball(da_ball r, const double *x, const double *y, size_t d)
{
    mpfr_t s, t;
    mpfr_inits2(256, s, t, (mpfr_ptr)0);
    mpfr_set_zero(s, 1);
    double ab = 0;
    for (size_t i = 0; i < d; i++) {
        mpfr_set_d(t, x[i], MPFR_RNDN);
        mpfr_mul_d(t, t, y[i], MPFR_RNDN);   /* exact: 106 bits */
        mpfr_add(s, s, t, MPFR_RNDN);
        ab += fabs(x[i] * y[i]);
    }
    mpfr_div_ui(r->mid, s, (unsigned long)d, MPFR_RNDN);
    /* d + 1 roundings at 2^-256 relative to the sum of |terms|, and d */
    mpfr_set_d(r->rad, ab / (double)d, MPFR_RNDU);
    mpfr_mul_2si(r->rad, r->rad, -240, MPFR_RNDU);
    mpfr_clears(s, t, (mpfr_ptr)0);
}

/* _netk_balls(x1, x2, depth, sw2, sb2, digits, param=0, width=0, bias=True,
 * normalized=False, progress=None) -> (nngp, ntk, rigorous, reason): the
 * network kernels of every pair of rows as balls (da_netk_network on the
 * input kernel, one pair at a time; the coefficient sets of the n
 * variances per layer are cached by the da_netk), as lists of lists of
 * (man, exp, rad) tuples.  sw2 and sb2 are decimal strings (exact). */
PyObject *daext_act_netk_balls(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"x1", "x2", "depth", "sw2", "sb2", "digits", "param", "width",
                             "bias", "normalized", "progress", NULL};
    PyObject *o1, *o2, *progress = NULL;
    const char *sw2s, *sb2s;
    long depth, digits, width = 0;
    int param = 0, bias = 1, normalized = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOlssl|ilppO", kwlist, &o1, &o2, &depth, &sw2s,
                                     &sb2s, &digits, &param, &width, &bias, &normalized,
                                     &progress))
        return NULL;
    daext_act *a = (daext_act *)self;
    if (!daext_act_get(self))
        return NULL;
    PyArrayObject *x1, *x2;
    if (data_pair(&x1, &x2, o1, o2))
        return NULL;
    size_t n1 = (size_t)PyArray_DIM(x1, 0), d = (size_t)PyArray_DIM(x1, 1);
    size_t n2 = x2 ? (size_t)PyArray_DIM(x2, 0) : n1;
    const double *X1 = PyArray_DATA(x1), *X2 = x2 ? PyArray_DATA(x2) : X1;
    size_t np = n1 * n2;
    da_netk_layer *rows = malloc((size_t)(depth + 1) * sizeof *rows);
    da_ball_struct *K = malloc((np + 1) * sizeof *K), *T = malloc((np + 1) * sizeof *T);
    if (!rows || !K || !T || depth < 0 || d == 0) {
        free(rows); free(K); free(T);
        Py_DECREF(x1);
        Py_XDECREF(x2);
        if (depth < 0 || d == 0)
            PyErr_SetString(PyExc_ValueError, "depth must be >= 0 and the dimension > 0");
        else
            PyErr_NoMemory();
        return NULL;
    }
    daext_err er = {0};
    mx_poll_ctx pc = {progress, 0};
    int rig = 0;
    char reason[320] = "";
    size_t done = 0;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    da_netk_opts o;
    da_netk_opts_init(&o);
    o.digits = digits;
    o.normalized = normalized;
    da_netk *k = NULL;
    int st = da_netk_new(&k, a->act, &o);
    da_netk_net net;
    da_netk_net_init(&net);
    mpfr_prec_t p = (mpfr_prec_t)((double)(digits + 10) * 3.3219280948873622) + 64;
    da_ball_init2(&net.sw2, p);
    da_ball_init2(&net.sb2, p);
    /* the decimals exactly when they fit, else within an ulp */
    if (mpfr_strtofr(net.sw2.mid, sw2s, NULL, 10, MPFR_RNDN) != 0)
        mpfr_mul_2si(net.sw2.rad, net.sw2.mid, -(long)p + 1, MPFR_RNDU), mpfr_abs(net.sw2.rad, net.sw2.rad, MPFR_RNDU);
    else
        mpfr_set_zero(net.sw2.rad, 1);
    if (mpfr_strtofr(net.sb2.mid, sb2s, NULL, 10, MPFR_RNDN) != 0)
        mpfr_mul_2si(net.sb2.rad, net.sb2.mid, -(long)p + 1, MPFR_RNDU), mpfr_abs(net.sb2.rad, net.sb2.rad, MPFR_RNDU);
    else
        mpfr_set_zero(net.sb2.rad, 1);
    net.depth = depth;
    net.param = param;
    net.width = width;
    net.bias = bias;
    net.dim = (long)d;
    da_ball q1, q2, c;
    da_ball_init2(q1, 300); da_ball_init2(q2, 300); da_ball_init2(c, 300);
    for (size_t t = 0; t < np; t++) {
        da_ball_init2(&K[t], p);
        da_ball_init2(&T[t], p);
    }
    for (size_t i = 0; !st && i < n1; i++) {
        for (size_t j = 0; !st && j < n2; j++) {
            size_t ij = i * n2 + j;
            if (!x2 && j < i) {
                da_ball_set(&K[ij], &K[j * n2 + i]);
                da_ball_set(&T[ij], &T[j * n2 + i]);
                continue;
            }
            dot_ball(q1, X1 + i * d, X1 + i * d, d);
            dot_ball(q2, X2 + j * d, X2 + j * d, d);
            dot_ball(c, X1 + i * d, X2 + j * d, d);
            net.identical = !x2 && i == j;
            for (long l = 0; l <= depth; l++)
                da_netk_layer_init(&rows[l]);
            int s2 = da_netk_network(rows, k, &net, q1, q2, c);
            if (s2 && s2 != DA_EACCURACY && s2 != DA_EINFINITE)
                st = s2;
            da_ball_set(&K[ij], &rows[depth].nngp);
            da_ball_set(&T[ij], &rows[depth].ntk);
            for (long l = 0; l <= depth; l++)
                da_netk_layer_clear(&rows[l]);
            done++;
        }
        if (!st && mx_poll(&pc, (double)(i + 1) / (double)n1))
            st = DA_EINTR;   /* the Python exception is set */
    }
    daext_err_grab(&er, st);
    if (k) {
        rig = da_netk_rigorous(k);
        snprintf(reason, sizeof reason, "%s", da_netk_bound_reason(k));
    }
    da_ball_clear(q1); da_ball_clear(q2); da_ball_clear(c);
    da_ball_clear(&net.sw2);
    da_ball_clear(&net.sb2);
    da_netk_free(k);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    (void)done;
    Py_DECREF(x1);
    Py_XDECREF(x2);
    PyObject *res = NULL;
    if (er.status) {
        if (!(pc.raised && PyErr_Occurred()))
            daext_raise(&er);
    } else {
        PyObject *lk = PyList_New((Py_ssize_t)np), *lt = PyList_New((Py_ssize_t)np);
        for (size_t t = 0; lk && lt && t < np; t++) {
            PyObject *u = daext_ball_tuple(&K[t]), *v = daext_ball_tuple(&T[t]);
            if (!u || !v) {
                Py_XDECREF(u); Py_XDECREF(v);
                Py_CLEAR(lk);
                break;
            }
            PyList_SET_ITEM(lk, (Py_ssize_t)t, u);
            PyList_SET_ITEM(lt, (Py_ssize_t)t, v);
        }
        if (lk && lt)
            res = Py_BuildValue("(NNis)", lk, lt, rig, reason);
        else {
            Py_XDECREF(lk);
            Py_XDECREF(lt);
        }
    }
    for (size_t t = 0; t < np; t++) {
        da_ball_clear(&K[t]);
        da_ball_clear(&T[t]);
    }
    free(rows); free(K); free(T);
    return res;
}
