from setuptools import Extension, setup

setup(ext_modules=[Extension("zt_cmath", ["zt_cmath.c"], libraries=["m"])])
