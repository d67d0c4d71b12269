/* Built against a synthesized target Python: what a wrong pyconfig.h would break.
   Struct-layout macros (PyTuple_GET_ITEM, PyList_GET_SIZE, Py_SIZE, Py_TYPE), a Python
   callback, libm, 64-bit integers, and the target's type sizes and byte order. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

/* sum_tuple((1, 2.5, 3)) -> 6.5 through the macros that read object layouts directly. */
static PyObject *sum_tuple(PyObject *self, PyObject *arg) {
    if (!PyTuple_Check(arg)) { PyErr_SetString(PyExc_TypeError, "a tuple"); return NULL; }
    double total = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(arg); i++) {
        double v = PyFloat_AsDouble(PyTuple_GET_ITEM(arg, i));
        if (v == -1.0 && PyErr_Occurred()) return NULL;
        total += v;
    }
    return PyFloat_FromDouble(total);
}

/* apply(f, n) -> [f(0), ..., f(n-1)]: a callback into Python, list built by PyList_SET_ITEM. */
static PyObject *apply(PyObject *self, PyObject *args) {
    PyObject *fn; Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "On", &fn, &n)) return NULL;
    PyObject *out = PyList_New(n);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *r = PyObject_CallFunction(fn, "n", i);
        if (!r) { Py_DECREF(out); return NULL; }
        PyList_SET_ITEM(out, i, r);
    }
    if (PyList_GET_SIZE(out) != n || Py_SIZE(out) != n || Py_TYPE(out) != &PyList_Type) {
        Py_DECREF(out); PyErr_SetString(PyExc_SystemError, "layout"); return NULL;
    }
    return out;
}

/* facts() -> (sizeof(long), sizeof(void*), sizeof(Py_ssize_t), byte order, hypot(3,4),
               2**62 through int64_t, sizeof(long double)) */
static PyObject *facts(PyObject *self, PyObject *noargs) {
    uint32_t probe = 0x01020304;
    const char *order = (*(unsigned char *)&probe == 0x04) ? "little" : "big";
    int64_t big = (int64_t)1 << 62;
    return Py_BuildValue("(nnnsdLn)", (Py_ssize_t)sizeof(long), (Py_ssize_t)sizeof(void *),
                         (Py_ssize_t)sizeof(Py_ssize_t), order, hypot(3.0, 4.0),
                         (long long)big, (Py_ssize_t)sizeof(long double));
}

static PyMethodDef methods[] = {
    {"sum_tuple", sum_tuple, METH_O, NULL}, {"apply", apply, METH_VARARGS, NULL},
    {"facts", facts, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zt_sc", NULL, -1, methods};
PyMODINIT_FUNC PyInit_zt_sc(void) { return PyModule_Create(&mod); }
