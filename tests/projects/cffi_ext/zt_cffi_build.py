# cffi's out-of-line API mode: C source compiled into an extension module at build time.
from cffi import FFI

ffibuilder = FFI()
ffibuilder.cdef("double zt_norm(double x, double y); int zt_long_size(void); "
                "int zt_big_endian(void);")
ffibuilder.set_source("_zt_cffi", r"""
#include <math.h>
#include <stdint.h>
static double zt_norm(double x, double y) { return sqrt(x * x + y * y); }
static int zt_long_size(void) { return (int)sizeof(long); }
static int zt_big_endian(void) { uint32_t p = 1; return *(unsigned char *)&p == 0; }
""", libraries=["m"])

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
