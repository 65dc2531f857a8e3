/* ext.h -- the CPython extension dualact._dualact over libdualact.
 *
 * The extension is a thin layer: it turns Python arguments into library
 * calls and library results into plain Python objects (ints, floats,
 * strings, tuples, dicts and numpy arrays); the pure-Python package
 * (python/dualact/) builds the public API (Ball, Activation methods,
 * exceptions) on top.  Conventions:
 *
 *   - every long library call runs with the GIL released;
 *   - the library's error state is thread-local: it is copied (daext_err)
 *     right after the failing call, in the thread that made it, before
 *     anything else can run in that thread;
 *   - a ball goes to Python as a tuple (man, exp, rad): the midpoint is
 *     exactly man * 2^exp (a Python int, so no digit is lost), rad an upper
 *     bound rounded upwards to a double; infinite or NaN midpoints come as
 *     (float, None, rad);
 *   - one da_act is not safe to use from two threads at once (expression
 *     trees are reference-counted without atomics), so each Activation
 *     object carries a lock, taken around every library call that uses
 *     its da_act; the double-precision evaluations only read a prepared
 *     da_dual and run without it.
 */
#ifndef DA_PY_EXT_H
#define DA_PY_EXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>
#define PY_ARRAY_UNIQUE_SYMBOL daext_ARRAY_API
#ifndef DAEXT_MODULE_C
#define NO_IMPORT_ARRAY
#endif
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include "dualact.h"

/* A library failure, captured in the failing thread. */
typedef struct {
    int status;
    int column;
    char msg[512];
} daext_err;

/* Record status and, when it is not DA_OK, the thread's message and
 * column.  Call right after the library call (GIL released or not: same
 * thread). */
void daext_err_grab(daext_err *e, int status);
/* Raise the Python exception for e (ValueError, dualact.ParseError,
 * MemoryError; DA_EACCURACY as a ValueError too: callers that carry a
 * partial result handle DA_EACCURACY before); returns NULL. */
PyObject *daext_raise(const daext_err *e);

/* (man, exp, rad) for a ball, see above. */
PyObject *daext_ball_tuple(const da_ball_struct *b);
/* A ball from a Python object: float or int (exact when it fits prec),
 * str (a decimal number, rounded to nearest; the radius covers the
 * rounding), or a (man, exp, rad) tuple.  b is initialised at prec.
 * Returns 0, or -1 with a Python exception set (b then cleared). */
int daext_ball_from_obj(da_ball_struct *b, PyObject *o, mpfr_prec_t prec);

typedef struct {
    PyObject_HEAD
    da_act *act;
    PyThread_type_lock lock;   /* serializes library calls on act */
    da_dual *dual_d[2];        /* double-path duals, normalized / raw, lazily */
} daext_act;

extern PyTypeObject daext_ActType;
/* The da_act of an Activation, or NULL with TypeError set. */
da_act *daext_act_get(PyObject *o);

/* Lock an activation (call with the GIL released). */
void daext_lock(daext_act *a);
void daext_unlock(daext_act *a);

/* The prepared double-path dual (17 digits) of a (normalized unless raw);
 * NULL with an exception set on failure.  Takes the GIL-free lock itself. */
const da_dual *daext_dual_d(daext_act *a, int raw);

/* Methods and functions defined in the other files. */
PyObject *daext_act_dual_d(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_act_netk(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_act_netk_matrix(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_act_netk_balls(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_act_eval_d(PyObject *self, PyObject *args);
PyObject *daext_act_coeffs_d(PyObject *self, PyObject *args);
PyObject *daext_gram(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_net_kernel(PyObject *self, PyObject *args);
PyObject *daext_act_depth(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_act_learn(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_table(PyObject *self, PyObject *args, PyObject *kw);
PyObject *daext_act_meanfield(PyObject *self, PyObject *args);
PyObject *daext_act_meanfield_kernel(PyObject *self, PyObject *args);
PyObject *daext_act_meanfield_critical(PyObject *self, PyObject *args);

/* Dict helpers: set and drop the reference; return -1 on failure. */
int daext_set(PyObject *d, const char *key, PyObject *v);

#define DAEXT_PREC_OF_DIGITS(D) ((mpfr_prec_t)ceil((double)(D) * 3.3219280948873623) + 33)

#endif
