# cython: language_level=3
def primes(int n):
    cdef int i, j
    out = []
    for i in range(2, n):
        for j in range(2, i):
            if i % j == 0:
                break
        else:
            out.append(i)
    return out
