/* The limited API of 3.9 only (Py_LIMITED_API comes from the build backend): sum a list of
 * ints and report the byte order, so the target run shows the module computes there. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *total(PyObject *self, PyObject *seq) {
    Py_ssize_t n = PyList_Size(seq);
    long long sum = 0;
    if (n < 0) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        long long item = PyLong_AsLongLong(PyList_GetItem(seq, i));
        if (item == -1 && PyErr_Occurred()) return NULL;
        sum += item;
    }
    return PyLong_FromLongLong(sum);
}

static PyObject *order(PyObject *self, PyObject *noargs) {
    uint32_t probe = 0x01020304;
    return PyUnicode_FromString(*(unsigned char *)&probe == 0x04 ? "little" : "big");
}

static PyObject *limited(PyObject *self, PyObject *noargs) {
#ifdef Py_LIMITED_API
    return PyLong_FromLong(Py_LIMITED_API);
#else
    /* PyUnicode_AsUTF8 is not in the Stable ABI: verify rejects an abi3 wheel of this. */
    PyObject *name = PyUnicode_FromString("full API");
    if (name == NULL) return NULL;
    PyObject *out = PyUnicode_FromString(PyUnicode_AsUTF8(name));
    Py_DECREF(name);
    return out;
#endif
}

static PyMethodDef methods[] = {{"total", total, METH_O, NULL},
                                {"order", order, METH_NOARGS, NULL},
                                {"limited", limited, METH_NOARGS, NULL},
                                {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zt_abi3_st", NULL, -1, methods};
PyMODINIT_FUNC PyInit_zt_abi3_st(void) { return PyModule_Create(&mod); }
