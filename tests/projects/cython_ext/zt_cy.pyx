from libc.math cimport sqrt


def primes(int n):
    """The primes below n, by trial division in C."""
    cdef int i, j
    cdef bint ok
    out = []
    for i in range(2, n):
        ok = True
        for j in range(2, <int>sqrt(i) + 1):
            if i % j == 0:
                ok = False
                break
        if ok:
            out.append(i)
    return out
