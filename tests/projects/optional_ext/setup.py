# The C speed-up is optional (as in many real packages): when its library is missing the
# build goes on without it, and the wheel holds only Python code.
from setuptools import Extension, setup

setup(
    py_modules=["zt_optional"],
    ext_modules=[Extension("_zt_optional", ["_zt_optional.c"], libraries=["z"],
                           optional=True)],
)
