/* Built by whatever compiler the build picked: zig (zigcc listed) or the system's. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static PyObject *cube_root(PyObject *self, PyObject *arg) {
    double x = PyFloat_AsDouble(arg);
    if (x == -1.0 && PyErr_Occurred()) return NULL;
    return PyFloat_FromDouble(cbrt(x));
}

#ifndef ZT_EXTRA
#define ZT_EXTRA 0
#endif
/* ZT_EXTRA: set by a flag the build adds (e.g. -C system:cflags=-DZT_EXTRA=7). */
static PyObject *extra(PyObject *self, PyObject *noargs) { return PyLong_FromLong(ZT_EXTRA); }

static PyMethodDef methods[] = {{"cube_root", cube_root, METH_O, NULL},
                                {"extra", extra, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zt_plugin", NULL, -1, methods};
PyMODINIT_FUNC PyInit_zt_plugin(void) { return PyModule_Create(&mod); }
