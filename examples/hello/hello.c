/* zigcc's example extension: hello.greet(name) and hello.fib(n). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static PyObject *greet(PyObject *self, PyObject *arg) {
    return PyUnicode_FromFormat("hello %U from C (sqrt(2) = %R)", arg,
                                PyFloat_FromDouble(sqrt(2.0)));
}

static PyObject *fib(PyObject *self, PyObject *arg) {
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    unsigned long long a = 0, b = 1;
    for (long i = 0; i < n; i++) { unsigned long long t = a + b; a = b; b = t; }
    return PyLong_FromUnsignedLongLong(a);
}

static PyMethodDef methods[] = {
    {"greet", greet, METH_O, "Greet someone from C."},
    {"fib", fib, METH_O, "The n-th Fibonacci number."},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hello", NULL, -1, methods};
PyMODINIT_FUNC PyInit_hello(void) { return PyModule_Create(&module); }
