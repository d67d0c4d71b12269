// pybind11: STL containers, a C++ exception turned into a Python one, a callback, layout facts.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace py = pybind11;

static std::map<std::string, int> word_counts(const std::string &text) {
    std::map<std::string, int> counts;
    std::istringstream in(text);
    std::string word;
    while (in >> word) counts[word]++;
    if (counts.empty()) throw std::invalid_argument("no words in input");
    return counts;
}

static long sum_calls(const std::function<long(long)> &fn, long n) {
    long total = 0;
    for (long i = 0; i < n; i++) total += fn(i);
    return total;
}

static py::tuple layout() {
    uint32_t probe = 0x01020304;
    const char *order = (*reinterpret_cast<unsigned char *>(&probe) == 0x04) ? "little" : "big";
    return py::make_tuple(sizeof(long), sizeof(void *), order, ZT_PROCESSOR, ZT_SIMD);
}

#ifndef ZT_EXTRA
#define ZT_EXTRA 0
#endif
// ZT_EXTRA: set by a flag the build adds (e.g. -C system:cxxflags=-DZT_EXTRA=7).
static int extra() { return ZT_EXTRA; }

PYBIND11_MODULE(zt_skb, m) {
    m.def("extra", &extra);
    m.def("word_counts", &word_counts);
    m.def("sum_calls", &sum_calls);
    m.def("layout", &layout);
}
