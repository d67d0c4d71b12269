from setuptools import Extension, setup

setup(ext_modules=[Extension("zt_plugin", ["zt_plugin.c"], libraries=["m"])])
