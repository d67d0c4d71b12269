// C++ against a synthesized target Python: exceptions across frames, STL, a callback.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <map>
#include <stdexcept>
#include <string>

static int parse_positive(const std::string &text) {
    size_t used = 0;
    int value = std::stoi(text, &used);  // throws std::invalid_argument / std::out_of_range
    if (used != text.size() || value <= 0) throw std::domain_error("not a positive number: " + text);
    return value;
}

// tally(["3", "x", "4"]) -> {"ok": 7, "bad": 1}; a C++ exception per bad item.
static PyObject *tally(PyObject *, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "a sequence");
    if (!seq) return nullptr;
    std::map<std::string, long> out{{"ok", 0}, {"bad", 0}};
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        const char *s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
        if (!s) { Py_DECREF(seq); return nullptr; }
        try { out["ok"] += parse_positive(s); } catch (const std::exception &) { out["bad"]++; }
    }
    Py_DECREF(seq);
    return Py_BuildValue("{sl,sl}", "ok", out["ok"], "bad", out["bad"]);
}

// must_be_positive("-1") raises ValueError carrying the C++ exception's message.
static PyObject *must_be_positive(PyObject *, PyObject *arg) {
    const char *s = PyUnicode_AsUTF8(arg);
    if (!s) return nullptr;
    try { return PyLong_FromLong(parse_positive(s)); }
    catch (const std::exception &e) { PyErr_SetString(PyExc_ValueError, e.what()); return nullptr; }
}

static PyMethodDef methods[] = {{"tally", tally, METH_O, nullptr},
                                {"must_be_positive", must_be_positive, METH_O, nullptr},
                                {nullptr, nullptr, 0, nullptr}};
static PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zt_scpp", nullptr, -1, methods};
PyMODINIT_FUNC PyInit_zt_scpp(void) { return PyModule_Create(&mod); }
