/* A numpy C API user whose build fails when numpy's _numpyconfig.h is not the target's. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#include <numpy/arrayobject.h>

_Static_assert(NPY_SIZEOF_LONG == sizeof(long), "NPY_SIZEOF_LONG is not the target's");
_Static_assert(NPY_SIZEOF_INTP == sizeof(void *), "NPY_SIZEOF_INTP is not the target's");
_Static_assert(NPY_SIZEOF_LONGDOUBLE == sizeof(long double),
               "NPY_SIZEOF_LONGDOUBLE is not the target's");

/* total(a): the sum of a as C longs, through numpy's array API. */
static PyObject *total(PyObject *self, PyObject *arg) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_OTF(arg, NPY_LONG, NPY_ARRAY_IN_ARRAY);
    if (a == NULL) return NULL;
    const long *data = (const long *)PyArray_DATA(a);
    npy_intp n = PyArray_SIZE(a);
    long sum = 0;
    for (npy_intp i = 0; i < n; i++) sum += data[i];
    Py_DECREF(a);
    return PyLong_FromLong(sum);
}

/* sizes(): what this module was compiled with: (long, pointer, long double). */
static PyObject *sizes(PyObject *self, PyObject *unused) {
    return Py_BuildValue("(nnn)", (Py_ssize_t)sizeof(long), (Py_ssize_t)sizeof(void *),
                         (Py_ssize_t)sizeof(long double));
}

static PyMethodDef methods[] = {
    {"total", total, METH_O, "sum of an array as C longs"},
    {"sizes", sizes, METH_NOARGS, "(sizeof long, sizeof void*, sizeof long double)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "npy_sizes", NULL, -1, methods};

PyMODINIT_FUNC PyInit_npy_sizes(void) {
    import_array();
    return PyModule_Create(&module);
}
