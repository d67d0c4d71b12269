# setuptools' limited API on a free-threaded CPython 3.15 (PEP 803): py_limited_api on the
# Extension names it *.abi3t-<triplet>.so, the project's Py_LIMITED_API with the free-threaded
# headers compiles it for abi3t, and bdist_wheel's py_limited_api (setup.cfg) tags the wheel
# cp315-abi3.abi3t.
from setuptools import Extension, setup

setup(
    ext_modules=[Extension("zt_abi3t_st", ["zt_abi3t_st.c"], py_limited_api=True,
                           define_macros=[("Py_LIMITED_API", "0x030f0000")])],
)
