from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize([Extension("zt_cy", ["zt_cy.pyx"])], language_level=3))
