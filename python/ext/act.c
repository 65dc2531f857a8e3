/* act.c -- the Activation type: parsing, coefficients, duals in balls,
 * derivatives and LaTeX. */
#include "ext.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void daext_lock(daext_act *a) { PyThread_acquire_lock(a->lock, WAIT_LOCK); }
void daext_unlock(daext_act *a) { PyThread_release_lock(a->lock); }

da_act *daext_act_get(PyObject *o)
{
    if (!PyObject_TypeCheck(o, &daext_ActType)) {
        PyErr_Format(PyExc_TypeError, "expected a dualact.Activation, not %s", Py_TYPE(o)->tp_name);
        return NULL;
    }
    daext_act *a = (daext_act *)o;
    if (!a->act) {
        PyErr_SetString(PyExc_ValueError, "the Activation is not initialised");
        return NULL;
    }
    return a->act;
}

static PyObject *act_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)args;
    (void)kw;
    daext_act *a = (daext_act *)type->tp_alloc(type, 0);
    if (!a)
        return NULL;
    a->lock = PyThread_allocate_lock();
    if (!a->lock) {
        Py_DECREF(a);
        return PyErr_NoMemory();
    }
    return (PyObject *)a;
}

static void act_clear_lib(daext_act *a)
{
    for (int i = 0; i < 2; i++) {
        da_dual_free(a->dual_d[i]);
        a->dual_d[i] = NULL;
    }
    da_act_free(a->act);
    a->act = NULL;
}

static int act_init(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"spec", NULL};
    const char *spec;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s", kwlist, &spec))
        return -1;
    daext_act *a = (daext_act *)self;
    if (a->act) {
        /* the double-path loops read a->dual_d without the lock: an
           Activation never changes once made */
        PyErr_SetString(PyExc_TypeError, "an Activation cannot be re-initialised");
        return -1;
    }
    da_act *act = NULL;
    daext_err e;
    Py_BEGIN_ALLOW_THREADS
    int st = da_act_new(&act, spec);
    daext_err_grab(&e, st);
    Py_END_ALLOW_THREADS
    if (e.status) {
        daext_raise(&e);
        return -1;
    }
    a->act = act;
    return 0;
}

static void act_dealloc(PyObject *self)
{
    daext_act *a = (daext_act *)self;
    act_clear_lib(a);
    if (a->lock)
        PyThread_free_lock(a->lock);
    Py_TYPE(self)->tp_free(self);
}

const da_dual *daext_dual_d(daext_act *a, int raw)
{
    if (!daext_act_get((PyObject *)a))
        return NULL;
    raw = raw ? 1 : 0;
    daext_err e = {0, 0, ""};
    const da_dual *r;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    if (!a->dual_d[raw]) {
        da_dual_opts o;
        da_dual_opts_init(&o);
        o.digits = 17;
        o.raw = raw;
        int st = da_dual_new(&a->dual_d[raw], a->act, &o);
        daext_err_grab(&e, st);
        if (st) {
            da_dual_free(a->dual_d[raw]);
            a->dual_d[raw] = NULL;
        }
    }
    r = a->dual_d[raw];
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (!r)
        daext_raise(&e);
    return r;
}

/* ---- attributes ---------------------------------------------------- */

#define ACT_OR_NULL(self) da_act *act = daext_act_get(self); if (!act) return NULL

static PyObject *get_spec(PyObject *self, void *c)
{
    (void)c;
    ACT_OR_NULL(self);
    return PyUnicode_FromString(da_act_spec(act));
}
static PyObject *get_expr(PyObject *self, void *c)
{
    (void)c;
    ACT_OR_NULL(self);
    return PyUnicode_FromString(da_act_expr(act));
}
static PyObject *get_class(PyObject *self, void *c)
{
    (void)c;
    ACT_OR_NULL(self);
    return PyUnicode_FromString(da_act_class_name(da_act_class(act)));
}
static PyObject *get_pole(PyObject *self, void *c)
{
    (void)c;
    ACT_OR_NULL(self);
    return PyFloat_FromDouble(da_act_pole_distance(act));
}
static PyObject *get_jump(PyObject *self, void *c)
{
    (void)c;
    ACT_OR_NULL(self);
    return PyBool_FromLong(da_act_has_jump(act));
}
static PyObject *get_breaks(PyObject *self, void *c)
{
    (void)c;
    ACT_OR_NULL(self);
    size_t n = 0;
    da_act_breakpoints(NULL, 0, &n, act);
    double *b = malloc((n ? n : 1) * sizeof *b);
    if (!b)
        return PyErr_NoMemory();
    da_act_breakpoints(b, n, &n, act);
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; t && i < n; i++)
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, PyFloat_FromDouble(b[i]));
    free(b);
    return t;
}

static PyGetSetDef getset[] = {
    {"spec", get_spec, NULL, "the spec as given", NULL},
    {"expr", get_expr, NULL, "the canonical formula in x", NULL},
    {"kind", get_class, NULL, "how the quadrature treats it (poly, pwpoly, entire, poles, piecewise)", NULL},
    {"pole_distance", get_pole, NULL, "distance of the nearest complex singularity from the real axis", NULL},
    {"has_jump", get_jump, NULL, "True when the activation itself jumps (then beta is infinite)", NULL},
    {"breakpoints", get_breaks, NULL, "where the activation or a derivative jumps", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

/* ---- coefficients in balls ----------------------------------------- */

static PyObject *ball_list(const da_ball_struct *b, long n)
{
    PyObject *l = PyList_New(n);
    for (long i = 0; l && i < n; i++) {
        PyObject *t = daext_ball_tuple(&b[i]);
        if (!t) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, t);
    }
    return l;
}

/* _coeffs(degree, digits, raw, max_prec, max_nodes, no_beta)
 *   -> (status, message, dict) ; status DA_OK or DA_EACCURACY */
static PyObject *act_coeffs(PyObject *self, PyObject *args)
{
    long degree, digits, max_prec = 0, max_nodes = 0;
    int raw = 0, no_beta = 0;
    if (!PyArg_ParseTuple(args, "ll|pllp", &degree, &digits, &raw, &max_prec, &max_nodes, &no_beta))
        return NULL;
    ACT_OR_NULL(self);
    daext_act *a = (daext_act *)self;
    da_hermite_opts o;
    da_hermite_opts_init(&o);
    o.degree = degree;
    o.digits = digits;
    o.raw = raw;
    o.max_prec = (mpfr_prec_t)max_prec;
    o.max_nodes = max_nodes;
    o.no_beta = no_beta;
    da_hermite *h = NULL;
    daext_err e;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    int st = da_hermite_compute(&h, act, &o);
    daext_err_grab(&e, st);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (!h)
        return daext_raise(&e);
    PyObject *d = PyDict_New();
    if (!d)
        goto out;
    if (daext_set(d, "a", ball_list(h->a, h->degree + 1)) ||
        daext_set(d, "mean", daext_ball_tuple(&h->mean)) ||
        daext_set(d, "var", daext_ball_tuple(&h->var)) ||
        daext_set(d, "norm2", daext_ball_tuple(&h->norm2)) ||
        daext_set(d, "tail", daext_ball_tuple(&h->tail)) ||
        daext_set(d, "mu", daext_ball_tuple(&h->mu)) ||
        daext_set(d, "beta", daext_ball_tuple(&h->beta)) ||
        daext_set(d, "beta_infinite", PyBool_FromLong(h->beta_infinite)) ||
        daext_set(d, "normalized", PyBool_FromLong(h->normalized)) ||
        daext_set(d, "digits_reached", PyFloat_FromDouble(h->digits_reached)) ||
        daext_set(d, "method", PyUnicode_FromString(h->method ? h->method : "")) ||
        daext_set(d, "rigorous", PyBool_FromLong(h->rigorous)) ||
        daext_set(d, "bound_reason", PyUnicode_FromString(h->bound_reason)) ||
        daext_set(d, "nodes", PyLong_FromLong(h->nodes)) ||
        daext_set(d, "prec", PyLong_FromLong((long)h->prec))) {
        Py_CLEAR(d);
        goto out;
    }
out:
    da_hermite_free(h);
    if (!d)
        return NULL;
    return Py_BuildValue("(isN)", e.status, e.msg, d);
}

/* ---- the dual in balls --------------------------------------------- */

/* _dual(rhos, depth, ntk, derivative, digits, raw, method, degree)
 *   -> (status, message, [ball tuples], method string, [infinite flags]) */
static PyObject *act_dual(PyObject *self, PyObject *args)
{
    PyObject *seq;
    long depth = 1, deriv = 0, digits = 30, degree = 0;
    int ntk = 0, raw = 0, method = DA_DUAL_AUTO;
    if (!PyArg_ParseTuple(args, "Olplllpl", &seq, &depth, &ntk, &deriv, &digits, &raw, &method, &degree))
        return NULL;
    ACT_OR_NULL(self);
    daext_act *a = (daext_act *)self;
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
    if (digits < 1 || digits > 3000) {
        PyErr_SetString(PyExc_ValueError, "digits must lie in [1, 3000]");
        return NULL;
    }
    PyObject *fast = PySequence_Fast(seq, "rho must be a sequence");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    mpfr_prec_t prec = DAEXT_PREC_OF_DIGITS(digits);
    da_ball_struct *rho = calloc((size_t)(n ? n : 1), sizeof *rho);
    da_ball_struct *val = calloc((size_t)(n ? n : 1), sizeof *val);
    int *inf = calloc((size_t)(n ? n : 1), sizeof *inf);
    Py_ssize_t got = 0;
    PyObject *res = NULL;
    da_dual *d = NULL;
    da_kmap *km = NULL;
    if (!rho || !val || !inf) {
        PyErr_NoMemory();
        goto out;
    }
    double rmax = 0;
    for (; got < n; got++) {
        if (daext_ball_from_obj(&rho[got], PySequence_Fast_GET_ITEM(fast, got), prec))
            goto out;
        da_ball_init2(&val[got], prec);
        double v = fabs(mpfr_get_d(rho[got].mid, MPFR_RNDU)) + mpfr_get_d(rho[got].rad, MPFR_RNDU);
        if (v > rmax)
            rmax = v;
    }
    daext_err e = {0, 0, ""};
    int status = DA_OK;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    da_dual_opts o;
    da_dual_opts_init(&o);
    /* guard digits over several layers, as the CLI does */
    o.digits = (depth > 1 || ntk) ? digits + 6 : digits;
    o.raw = raw;
    o.method = (da_dual_method_t)method;
    o.degree = degree;
    o.rho_max = (depth == 1 && !ntk) ? (rmax < 1 ? rmax : 1) : 1.0;
    int st = da_dual_new(&d, a->act, &o);
    daext_err_grab(&e, st);
    if (st == DA_OK) {
        if (depth == 0) {
            for (Py_ssize_t i = 0; i < n; i++)
                da_ball_set(&val[i], &rho[i]);
        } else if (depth == 1 && !ntk) {
            for (Py_ssize_t i = 0; i < n; i++) {
                st = da_dual_eval(&val[i], d, &rho[i], (int)deriv);
                if (st == DA_EINFINITE) {
                    inf[i] = 1;
                } else if (st == DA_EACCURACY) {
                    status = DA_EACCURACY;
                } else if (st) {
                    daext_err_grab(&e, st);
                    break;
                }
            }
        } else {
            st = da_kmap_iterate(&km, d, rho, (size_t)n, depth, ntk);
            if (st == DA_EINFINITE)
                st = DA_EDOM;
            daext_err_grab(&e, st);
            if (st == DA_OK || st == DA_EACCURACY) {
                e.status = DA_OK;
                for (Py_ssize_t i = 0; i < n; i++) {
                    size_t at = (size_t)depth * (size_t)n + (size_t)i;
                    da_ball_set(&val[i], ntk ? &km->ntk[at] : &km->rho[at]);
                    if (da_ball_digits(&val[i]) < (double)digits)
                        status = DA_EACCURACY;
                }
            }
        }
    }
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (e.status) {
        daext_raise(&e);
        goto out;
    }
    PyObject *vals = ball_list(val, n);
    PyObject *infs = PyList_New(n);
    for (Py_ssize_t i = 0; infs && i < n; i++)
        PyList_SET_ITEM(infs, i, PyBool_FromLong(inf[i]));
    if (vals && infs)
        res = Py_BuildValue("(isOsOi)", status,
                            status == DA_EACCURACY ? "requested accuracy not reached" : "",
                            vals, da_dual_method(d), infs, da_dual_rigorous(d));
    Py_XDECREF(vals);
    Py_XDECREF(infs);
out:
    da_kmap_free(km);
    da_dual_free(d);
    for (Py_ssize_t i = 0; i < got; i++) {
        da_ball_clear(&rho[i]);
        da_ball_clear(&val[i]);
    }
    free(rho);
    free(val);
    free(inf);
    Py_DECREF(fast);
    return res;
}

/* _closed_form() -> the name of the closed form of the dual, or None */
static PyObject *act_closed_form(PyObject *self, PyObject *noargs)
{
    (void)noargs;
    ACT_OR_NULL(self);
    daext_act *a = (daext_act *)self;
    char name[128] = "";
    int found = 0;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    da_dual_opts o;
    da_dual_opts_init(&o);
    o.digits = 20;
    o.method = DA_DUAL_CLOSED;
    da_dual *d = NULL;
    if (da_dual_new(&d, act, &o) == DA_OK) {
        const char *m = da_dual_method(d);
        const char *p = strchr(m, '('), *q = strrchr(m, ')');
        if (p && q && q > p)
            snprintf(name, sizeof name, "%.*s", (int)(q - p - 1), p + 1);
        else
            snprintf(name, sizeof name, "%s", m);
        found = 1;
    }
    da_dual_free(d);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (!found)
        Py_RETURN_NONE;
    return PyUnicode_FromString(name);
}

/* _diff_text(order, latex) -> str */
static PyObject *act_diff_text(PyObject *self, PyObject *args)
{
    int order = 1, latex = 0;
    if (!PyArg_ParseTuple(args, "ip", &order, &latex))
        return NULL;
    ACT_OR_NULL(self);
    daext_act *a = (daext_act *)self;
    char *out = NULL;
    daext_err e;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    int st = da_act_diff_text(&out, act, order, latex);
    daext_err_grab(&e, st);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (e.status) {
        free(out);
        return daext_raise(&e);
    }
    PyObject *s = PyUnicode_FromString(out ? out : "");
    free(out);
    return s;
}

/* _derivative() -> the derivative as a new Activation (same Python type) */
static PyObject *act_derivative(PyObject *self, PyObject *noargs)
{
    (void)noargs;
    ACT_OR_NULL(self);
    daext_act *a = (daext_act *)self;
    da_act *dv = NULL;
    daext_err e;
    Py_BEGIN_ALLOW_THREADS
    daext_lock(a);
    int st = da_act_derivative(&dv, act);
    daext_err_grab(&e, st);
    daext_unlock(a);
    Py_END_ALLOW_THREADS
    if (e.status)
        return daext_raise(&e);
    PyTypeObject *type = Py_TYPE(self);
    daext_act *r = (daext_act *)act_new(type, NULL, NULL);
    if (!r) {
        da_act_free(dv);
        return NULL;
    }
    r->act = dv;
    return (PyObject *)r;
}

static PyMethodDef act_methods[] = {
    {"_coeffs", act_coeffs, METH_VARARGS, NULL},
    {"_coeffs_d", daext_act_coeffs_d, METH_VARARGS, NULL},
    {"_dual", act_dual, METH_VARARGS, NULL},
    {"_dual_d", (PyCFunction)(void (*)(void))daext_act_dual_d, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_netk", (PyCFunction)(void (*)(void))daext_act_netk, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_netk_matrix", (PyCFunction)(void (*)(void))daext_act_netk_matrix, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_netk_balls", (PyCFunction)(void (*)(void))daext_act_netk_balls, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_closed_form", act_closed_form, METH_NOARGS, NULL},
    {"_diff_text", act_diff_text, METH_VARARGS, NULL},
    {"_derivative", act_derivative, METH_NOARGS, NULL},
    {"_depth", (PyCFunction)(void (*)(void))daext_act_depth, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_learn", (PyCFunction)(void (*)(void))daext_act_learn, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_meanfield", daext_act_meanfield, METH_VARARGS, NULL},
    {"_meanfield_kernel", daext_act_meanfield_kernel, METH_VARARGS, NULL},
    {"_meanfield_critical", daext_act_meanfield_critical, METH_VARARGS, NULL},
    {"eval", daext_act_eval_d, METH_VARARGS,
     "eval(x): the activation at x (a number or a numpy array), in double precision."},
    {NULL, NULL, 0, NULL}
};

PyTypeObject daext_ActType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dualact._dualact.Activation",
    .tp_basicsize = sizeof(daext_act),
    .tp_dealloc = act_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C part of dualact.Activation.",
    .tp_methods = act_methods,
    .tp_getset = getset,
    .tp_init = act_init,
    .tp_new = act_new,
};
