/* module.c -- dualact._dualact: errors, ball conversion, the module. */
#define DAEXT_MODULE_C
#include "ext.h"
#include <math.h>
#include <string.h>
#include <gmp.h>

static PyObject *ParseError;   /* dualact.ParseError (a ValueError) */

void daext_err_grab(daext_err *e, int status)
{
    e->status = status;
    e->column = 0;
    e->msg[0] = '\0';
    if (status != DA_OK) {
        const char *m = da_errmsg();
        snprintf(e->msg, sizeof e->msg, "%s", (m && *m) ? m : da_strerror(status));
        e->column = da_errcol();
    }
}

PyObject *daext_raise(const daext_err *e)
{
    if (e->status == DA_ENOMEM)
        return PyErr_NoMemory();
    if (e->status == DA_EPARSE || (e->column > 0 && e->status == DA_EINVAL)) {
        /* str(exception) is the library's message; .column its column */
        PyObject *exc = PyObject_CallFunction(ParseError, "s", e->msg);
        if (exc) {
            PyObject *col = PyLong_FromLong(e->column);
            if (col && PyObject_SetAttrString(exc, "column", col) == 0)
                PyErr_SetObject(ParseError, exc);
            Py_XDECREF(col);
            Py_DECREF(exc);
        }
        return NULL;
    }
    PyErr_SetString(PyExc_ValueError, e->msg);
    return NULL;
}

int daext_set(PyObject *d, const char *key, PyObject *v)
{
    if (!v)
        return -1;
    int r = PyDict_SetItemString(d, key, v);
    Py_DECREF(v);
    return r;
}

PyObject *daext_ball_tuple(const da_ball_struct *b)
{
    double rad = mpfr_get_d(b->rad, MPFR_RNDU);
    if (!mpfr_number_p(b->mid))
        return Py_BuildValue("(dOd)", mpfr_get_d(b->mid, MPFR_RNDN), Py_None, rad);
    if (mpfr_zero_p(b->mid))
        return Py_BuildValue("(iid)", 0, 0, rad);
    mpz_t z;
    mpz_init(z);
    mpfr_exp_t e = mpfr_get_z_2exp(z, b->mid);
    char *s = mpz_get_str(NULL, 16, z);
    mpz_clear(z);
    if (!s)
        return PyErr_NoMemory();
    PyObject *man = PyLong_FromString(s, NULL, 16);
    void (*freef)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freef);
    freef(s, strlen(s) + 1);
    if (!man)
        return NULL;
    PyObject *t = Py_BuildValue("(Nld)", man, (long)e, rad);
    return t;
}

/* |mid| 2^(1 - prec): covers a rounding to nearest at prec bits */
static void add_rounding(da_ball_struct *b, mpfr_prec_t prec)
{
    if (!mpfr_regular_p(b->mid))
        return;
    mpfr_t u;
    mpfr_init2(u, DA_RAD_PREC);
    mpfr_abs(u, b->mid, MPFR_RNDU);
    mpfr_mul_2si(u, u, 1 - (long)prec, MPFR_RNDU);
    mpfr_add(b->rad, b->rad, u, MPFR_RNDU);
    mpfr_clear(u);
}

int daext_ball_from_obj(da_ball_struct *b, PyObject *o, mpfr_prec_t prec)
{
    if (prec < 64)
        prec = 64;
    da_ball_init2(b, prec);
    mpfr_set_zero(b->rad, 1);
    if (PyFloat_Check(o)) {
        mpfr_set_d(b->mid, PyFloat_AS_DOUBLE(o), MPFR_RNDN);   /* exact: prec >= 53 */
        return 0;
    }
    PyObject *str = NULL;
    const char *s = NULL;
    if (PyLong_Check(o)) {
        str = PyObject_Str(o);
        if (!str)
            goto fail;
        s = PyUnicode_AsUTF8(str);
    } else if (PyUnicode_Check(o)) {
        s = PyUnicode_AsUTF8(o);
    } else if (PyTuple_Check(o) && PyTuple_GET_SIZE(o) == 3) {
        PyObject *man = PyTuple_GET_ITEM(o, 0), *ex = PyTuple_GET_ITEM(o, 1);
        double rad = PyFloat_AsDouble(PyTuple_GET_ITEM(o, 2));
        if (rad == -1 && PyErr_Occurred())
            goto fail;
        if (ex == Py_None) {
            double m = PyFloat_AsDouble(man);
            if (m == -1 && PyErr_Occurred())
                goto fail;
            mpfr_set_d(b->mid, m, MPFR_RNDN);
        } else {
            long e = PyLong_AsLong(ex);
            if (e == -1 && PyErr_Occurred())
                goto fail;
            PyObject *hex = PyNumber_ToBase(man, 16);
            if (!hex)
                goto fail;
            const char *h = PyUnicode_AsUTF8(hex);
            mpz_t z;
            mpz_init(z);
            int neg = h[0] == '-';
            int bad = mpz_set_str(z, h + (neg ? 3 : 2), 16);
            Py_DECREF(hex);
            if (bad) {
                mpz_clear(z);
                PyErr_SetString(PyExc_ValueError, "bad ball mantissa");
                goto fail;
            }
            if (neg)
                mpz_neg(z, z);
            int t = mpfr_set_z_2exp(b->mid, z, e, MPFR_RNDN);
            mpz_clear(z);
            if (t)
                add_rounding(b, prec);
        }
        if (!(rad >= 0)) {
            PyErr_SetString(PyExc_ValueError, "a ball radius must be >= 0");
            goto fail;
        }
        mpfr_t r;
        mpfr_init2(r, DA_RAD_PREC);
        mpfr_set_d(r, rad, MPFR_RNDU);
        mpfr_add(b->rad, b->rad, r, MPFR_RNDU);
        mpfr_clear(r);
        return 0;
    } else {
        PyErr_Format(PyExc_TypeError, "expected a number, a decimal string or a Ball, not %s",
                     Py_TYPE(o)->tp_name);
        goto fail;
    }
    if (!s)
        goto fail;
    while (*s == ' ')
        s++;
    char *end = NULL;
    int t = mpfr_strtofr(b->mid, s, &end, 10, MPFR_RNDN);
    while (end && *end == ' ')
        end++;
    if (end == s || !end || *end) {
        PyErr_Format(PyExc_ValueError, "'%s' is not a number", s);
        Py_XDECREF(str);
        goto fail;
    }
    Py_XDECREF(str);
    if (t)
        add_rounding(b, prec);
    return 0;
fail:
    da_ball_clear(b);
    return -1;
}

static PyObject *mod_version(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return PyUnicode_FromString(da_version());
}

static PyObject *mod_catalog(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    size_t n = da_catalog_size();
    PyObject *l = PyList_New((Py_ssize_t)n);
    if (!l)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const da_catalog_entry *e = da_catalog_get(i);
        PyObject *t = Py_BuildValue("(sss)", e->name, e->params, e->description);
        if (!t) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, t);
    }
    return l;
}

static PyObject *mod_free_cache(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    Py_BEGIN_ALLOW_THREADS
    da_free_cache();
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

/* Ctrl-C inside long library calls (da_poll_set, per thread): between
 * _poll_begin() and _poll_end() the library calls poll() every 50 ms or
 * so; it takes the GIL for a moment and runs Python's signal handlers
 * (PyErr_CheckSignals, which does anything only in the main thread).  An
 * exception they raise (KeyboardInterrupt) stops the computation and is
 * kept until _poll_end(), which raises it, whatever the call returned. */
typedef struct {
    int stopped;
    PyObject *type, *value, *tb;
} poll_state;
static _Thread_local poll_state pstate;

static int poll(void *ctx)
{
    (void)ctx;
    PyGILState_STATE g = PyGILState_Ensure();
    int stop = 0;
    if (!pstate.stopped && PyErr_CheckSignals() < 0) {
        PyErr_Fetch(&pstate.type, &pstate.value, &pstate.tb);
        pstate.stopped = stop = 1;
    }
    PyGILState_Release(g);
    return stop;
}

static void poll_forget(void)
{
    Py_CLEAR(pstate.type);
    Py_CLEAR(pstate.value);
    Py_CLEAR(pstate.tb);
    pstate.stopped = 0;
}

static PyObject *mod_poll_begin(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    poll_forget();
    da_poll_set(poll, NULL);
    Py_RETURN_NONE;
}

static PyObject *mod_poll_end(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    da_poll_set(NULL, NULL);
    if (pstate.stopped) {
        PyObject *t = pstate.type, *v = pstate.value, *tb = pstate.tb;
        pstate.type = pstate.value = pstate.tb = NULL;
        pstate.stopped = 0;
        PyErr_Restore(t, v, tb);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"version", mod_version, METH_NOARGS, "The library's version string."},
    {"catalog", mod_catalog, METH_NOARGS, "The catalogue: a list of (name, params, description)."},
    {"free_cache", mod_free_cache, METH_NOARGS,
     "Release the library's caches (quadrature rules, constants)."},
    {"_gram", (PyCFunction)(void (*)(void))daext_gram, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_table", (PyCFunction)(void (*)(void))daext_table, METH_VARARGS | METH_KEYWORDS, NULL},
    {"_net_kernel", daext_net_kernel, METH_VARARGS, NULL},
    {"_poll_begin", mod_poll_begin, METH_NOARGS, NULL},
    {"_poll_end", mod_poll_end, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "_dualact",
    "The C layer of dualact (libdualact); use the package dualact.", -1, methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__dualact(void)
{
    import_array();
    if (PyType_Ready(&daext_ActType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moddef);
    if (!m)
        return NULL;
    ParseError = PyErr_NewExceptionWithDoc(
        "dualact.ParseError",
        "A formula that does not parse (a ValueError): str() is the message, "
        ".column the 1-based column (0 when unknown).", PyExc_ValueError, NULL);
    if (!ParseError || PyModule_AddObject(m, "ParseError", ParseError) < 0)
        goto fail;
    Py_INCREF(ParseError);   /* the module's reference and ours */
    Py_INCREF(&daext_ActType);
    if (PyModule_AddObject(m, "Activation", (PyObject *)&daext_ActType) < 0) {
        Py_DECREF(&daext_ActType);
        goto fail;
    }
    if (PyModule_AddIntConstant(m, "OK", DA_OK) || PyModule_AddIntConstant(m, "EACCURACY", DA_EACCURACY) ||
        PyModule_AddIntConstant(m, "EINFINITE", DA_EINFINITE))
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
