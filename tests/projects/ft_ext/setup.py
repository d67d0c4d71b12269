from setuptools import Extension, setup

# One source, two modules: zt_ft declares that it runs without the GIL (Py_mod_gil), zt_ft_gil
# does not, so importing it turns the GIL back on in a free-threaded CPython (the control).
setup(ext_modules=[
    Extension("zt_ft", ["zt_ft.c"]),
    Extension("zt_ft_gil", ["zt_ft.c"], define_macros=[("ZT_FT_USES_GIL", "1")]),
])
