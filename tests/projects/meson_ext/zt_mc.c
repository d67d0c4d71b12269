#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

static PyObject *info(PyObject *self, PyObject *noargs) {
    uint32_t probe = 0x01020304;
    const char *order = (*(unsigned char *)&probe == 0x04) ? "little" : "big";
    return Py_BuildValue("(sdns)", ZT_CPU_FAMILY, sqrt(9.0), (Py_ssize_t)sizeof(long), order);
}

#ifndef ZT_EXTRA
#define ZT_EXTRA 0
#endif
/* ZT_EXTRA: set by a flag the build adds (e.g. -C system:cflags=-DZT_EXTRA=7). */
static PyObject *extra(PyObject *self, PyObject *noargs) { return PyLong_FromLong(ZT_EXTRA); }

static PyMethodDef methods[] = {{"info", info, METH_NOARGS, NULL},
                                {"extra", extra, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zt_mc", NULL, -1, methods};
PyMODINIT_FUNC PyInit_zt_mc(void) { return PyModule_Create(&mod); }
