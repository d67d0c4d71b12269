from setuptools import Extension, setup

setup(ext_modules=[
    Extension("zt_sc", ["zt_sc.c"], libraries=["m"]),
    Extension("zt_scpp", ["zt_scpp.cpp"], language="c++", extra_compile_args=["-std=c++17"]),
])
