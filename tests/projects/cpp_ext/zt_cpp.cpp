// A C++ extension using standard containers, algorithms and exceptions.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

static std::vector<std::string> split_words(const std::string &text) {
    std::vector<std::string> out;
    std::string word;
    for (char c : text) {
        if (c == ' ') { if (!word.empty()) out.push_back(word); word.clear(); }
        else word += c;
    }
    if (!word.empty()) out.push_back(word);
    if (out.empty()) throw std::invalid_argument("no words in input");
    return out;
}

// word_counts("b a b") -> [("a", 1), ("b", 2)]; raises ValueError (from a C++ exception).
static PyObject *word_counts(PyObject *, PyObject *args) {
    const char *text;
    if (!PyArg_ParseTuple(args, "s", &text)) return NULL;
    try {
        std::map<std::string, int> counts;
        for (const auto &w : split_words(text)) counts[w]++;
        std::vector<std::pair<std::string, int>> items(counts.begin(), counts.end());
        std::sort(items.begin(), items.end());
        PyObject *list = PyList_New(0);
        for (const auto &it : items) {
            PyObject *t = Py_BuildValue("(si)", it.first.c_str(), it.second);
            PyList_Append(list, t);
            Py_DECREF(t);
        }
        return list;
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_ValueError, e.what());
        return NULL;
    }
}

static PyMethodDef methods[] = {
    {"word_counts", word_counts, METH_VARARGS, "sorted word counts"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "zt_cpp", NULL, -1, methods};

PyMODINIT_FUNC PyInit_zt_cpp(void) { return PyModule_Create(&module); }
