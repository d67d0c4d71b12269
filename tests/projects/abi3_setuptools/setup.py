# setuptools' documented limited-API pattern: py_limited_api on the Extension, the macro set
# by the project, and bdist_wheel's py_limited_api (setup.cfg) for the cp39-abi3 tag.
from setuptools import Extension, setup

setup(
    ext_modules=[Extension("zt_abi3_st", ["zt_abi3_st.c"], py_limited_api=True,
                           define_macros=[("Py_LIMITED_API", "0x03090000")])],
)
