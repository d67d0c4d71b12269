/* Reports what setup.py saw and sums four floats with the SIMD code it chose. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

float zt_sum4(const float *v);
const char *zt_impl(void);

static PyObject *info(PyObject *self, PyObject *noargs) {
    float v[4] = {1.5f, 2.5f, 3.0f, 4.0f};
    return Py_BuildValue("(sssd)", ZT_MACHINE, ZT_PLATFORM, zt_impl(), (double)zt_sum4(v));
}

static PyMethodDef methods[] = {{"info", info, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zt_platform", NULL, -1, methods};
PyMODINIT_FUNC PyInit_zt_platform(void) { return PyModule_Create(&mod); }
