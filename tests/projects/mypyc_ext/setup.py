# mypyc compiles typed Python modules to C extensions at build time (through setuptools).
from mypyc.build import mypycify
from setuptools import setup

setup(packages=["zt_mypyc"], ext_modules=mypycify(["zt_mypyc/fib.py"]))
