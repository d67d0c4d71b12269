/* crc32 through zlib: needs zlib.h and libz for the target. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <zlib.h>

static PyObject *crc32_(PyObject *self, PyObject *args) {
    Py_buffer buf;
    if (!PyArg_ParseTuple(args, "y*", &buf)) return NULL;
    unsigned long c = crc32(0L, (const Bytef *)buf.buf, (uInt)buf.len);
    PyBuffer_Release(&buf);
    return PyLong_FromUnsignedLong(c);
}

static PyMethodDef methods[] = {{"crc32", crc32_, METH_VARARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_zt_optional", NULL, -1, methods};
PyMODINIT_FUNC PyInit__zt_optional(void) { return PyModule_Create(&mod); }
