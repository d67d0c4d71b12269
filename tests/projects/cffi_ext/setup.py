from setuptools import setup

setup(cffi_modules=["zt_cffi_build.py:ffibuilder"])
