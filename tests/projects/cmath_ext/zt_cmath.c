/* A C extension exercising libm, a callback into Python, sizeof(long) and byte order. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

static PyObject *hypot_(PyObject *self, PyObject *args) {
    double x, y;
    if (!PyArg_ParseTuple(args, "dd", &x, &y)) return NULL;
    return PyFloat_FromDouble(hypot(x, y) + 0.0 * cbrt(x));
}

/* Call fn(i) for i in range(n) and sum the results. */
static PyObject *sum_calls(PyObject *self, PyObject *args) {
    PyObject *fn; long n, total = 0;
    if (!PyArg_ParseTuple(args, "Ol", &fn, &n)) return NULL;
    for (long i = 0; i < n; i++) {
        PyObject *r = PyObject_CallFunction(fn, "l", i);
        if (r == NULL) return NULL;
        total += PyLong_AsLong(r);
        Py_DECREF(r);
        if (PyErr_Occurred()) return NULL;
    }
    return PyLong_FromLong(total);
}

static PyObject *layout(PyObject *self, PyObject *noargs) {
    uint32_t probe = 0x01020304;
    const char *order = (*(unsigned char *)&probe == 0x04) ? "little" : "big";
    return Py_BuildValue("(nns)", (Py_ssize_t)sizeof(long), (Py_ssize_t)sizeof(void *), order);
}

static PyMethodDef methods[] = {
    {"hypot", hypot_, METH_VARARGS, "hypot(x, y) from libm"},
    {"sum_calls", sum_calls, METH_VARARGS, "sum(fn(i) for i in range(n))"},
    {"layout", layout, METH_NOARGS, "(sizeof(long), sizeof(void*), byte order)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "zt_cmath", NULL, -1, methods};

PyMODINIT_FUNC PyInit_zt_cmath(void) { return PyModule_Create(&module); }
