from setuptools import Extension, setup

setup(ext_modules=[Extension("zt_cpp", ["zt_cpp.cpp"], language="c++",
                             extra_compile_args=["-std=c++17"])])
