/* CPU work that threads can run at once in a free-threaded CPython: zt_ft declares
 * Py_mod_gil = Py_MOD_GIL_NOT_USED (multi-phase init), so importing it keeps the GIL off.
 * Built with ZT_FT_USES_GIL it is zt_ft_gil, which declares nothing and so turns the GIL on.
 *
 * count_primes(lo, hi)  primes in [lo, hi), by trial division
 * fnv_words(n, seed)    FNV-1a (64-bit) over the bytes, in this machine's byte order, of n
 *                       32-bit words of a linear congruential sequence from seed
 * peak_concurrency()    the most calls of the two above that ever ran at the same moment
 *
 * Each call works on its own locals; the only shared state is two C11 atomics counting the
 * calls in flight, which is how the test sees that threads really ran in parallel. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef ZT_FT_USES_GIL
#define ZT_NAME "zt_ft_gil"
#define ZT_INIT PyInit_zt_ft_gil
#else
#define ZT_NAME "zt_ft"
#define ZT_INIT PyInit_zt_ft
#endif

static atomic_int in_flight;
static atomic_int peak;

static void enter(void)
{
    int now = atomic_fetch_add(&in_flight, 1) + 1;
    int seen = atomic_load(&peak);
    while (now > seen && !atomic_compare_exchange_weak(&peak, &seen, now)) {
    }
}

static void leave(void) { atomic_fetch_sub(&in_flight, 1); }

static int is_prime(unsigned long long n)
{
    if (n < 2) return 0;
    if (n % 2 == 0) return n == 2;
    for (unsigned long long d = 3; d <= n / d; d += 2)
        if (n % d == 0) return 0;
    return 1;
}

static PyObject *count_primes(PyObject *self, PyObject *args)
{
    unsigned long long lo, hi, count = 0;
    if (!PyArg_ParseTuple(args, "KK:count_primes", &lo, &hi)) return NULL;
    enter();
    for (unsigned long long n = lo; n < hi; n++) count += is_prime(n);
    leave();
    return PyLong_FromUnsignedLongLong(count);
}

static PyObject *fnv_words(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    unsigned int seed;
    if (!PyArg_ParseTuple(args, "nI:fnv_words", &n, &seed)) return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n must be >= 0");
        return NULL;
    }
    uint32_t *words = malloc(n ? (size_t)n * sizeof(uint32_t) : 1);
    if (words == NULL) return PyErr_NoMemory();
    enter();
    uint32_t x = seed;
    for (Py_ssize_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        words[i] = x;
    }
    const unsigned char *bytes = (const unsigned char *)words;
    uint64_t hash = 14695981039346656037ull;
    for (size_t i = 0; i < (size_t)n * sizeof(uint32_t); i++) {
        hash ^= bytes[i];
        hash *= 1099511628211ull;
    }
    leave();
    free(words);
    return PyLong_FromUnsignedLongLong(hash);
}

static PyObject *peak_concurrency(PyObject *self, PyObject *unused)
{
    return PyLong_FromLong(atomic_load(&peak));
}

static PyMethodDef methods[] = {
    {"count_primes", count_primes, METH_VARARGS, "Primes in [lo, hi)."},
    {"fnv_words", fnv_words, METH_VARARGS, "FNV-1a of n LCG words in native byte order."},
    {"peak_concurrency", peak_concurrency, METH_NOARGS, "Most calls ever in flight at once."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot slots[] = {
#if !defined(ZT_FT_USES_GIL) && defined(Py_mod_gil)
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, ZT_NAME, "CPU work for free-threaded tests.", 0, methods, slots,
};

PyMODINIT_FUNC ZT_INIT(void) { return PyModuleDef_Init(&module); }
