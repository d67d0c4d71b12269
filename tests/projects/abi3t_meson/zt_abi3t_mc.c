/* PEP 803's abi3t (the Stable ABI of free-threaded CPython 3.15+): PyObject and PyModuleDef
 * are opaque there, so the module is defined by PEP 793's PyModExport_<name> slots, not a
 * PyModuleDef.  The macros come from the build backend (or free-threaded headers turn
 * Py_LIMITED_API into Py_TARGET_ABI3T); without them it is compiled for one CPython. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define NAME "zt_abi3t_mc"

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

/* Py_TARGET_ABI3T as the headers saw it: 0x30f0000 when compiled for abi3t, else 0. */
static PyObject *abi3t(PyObject *self, PyObject *noargs) {
#if defined(Py_TARGET_ABI3T)
    return PyLong_FromLong(Py_TARGET_ABI3T);
#elif defined(Py_LIMITED_API)
    return PyLong_FromLong(0);
#else
    /* PyUnicode_AsUTF8 is not in the Stable ABI: verify rejects an abi3t wheel of this. */
    PyObject *name = PyUnicode_FromString("0");
    if (name == NULL) return NULL;
    PyObject *out = PyLong_FromString(PyUnicode_AsUTF8(name), NULL, 10);
    Py_DECREF(name);
    return out;
#endif
}

static PyMethodDef methods[] = {{"total", total, METH_O, NULL},
                                {"order", order, METH_NOARGS, NULL},
                                {"abi3t", abi3t, METH_NOARGS, NULL},
                                {NULL, NULL, 0, NULL}};

PyABIInfo_VAR(abi_info);

static PySlot slots[] = {
    PySlot_STATIC_DATA(Py_mod_abi, &abi_info),
    PySlot_STATIC_DATA(Py_mod_name, NAME),
    PySlot_STATIC_DATA(Py_mod_methods, methods),
    PySlot_DATA(Py_mod_gil, Py_MOD_GIL_NOT_USED),
    PySlot_END,
};

PyMODEXPORT_FUNC PyModExport_zt_abi3t_mc(void) { return slots; }
