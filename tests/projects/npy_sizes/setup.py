import numpy
from setuptools import Extension, setup

# numpy's C API, compiled against the headers of the numpy in the build environment: for a
# foreign target they must be the target's (NPY_SIZEOF_* are checked at compile time).
setup(ext_modules=[Extension("npy_sizes", ["npy_sizes.c"], include_dirs=[numpy.get_include()])])
