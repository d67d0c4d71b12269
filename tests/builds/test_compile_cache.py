"""`zigcc build` for one target and two Pythons compiles a file that does not include
Python.h once: the second build takes its object from the compile cache (on by default in
such a matrix).  Both wheels are imported in their own CPython and compute."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from buildhelp import compile_lines, logs, wheels

PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="x86_64 build machine")


def _pyenv(minor: str) -> Path:
    found = sorted(PYENV.glob(f"{minor}.*/bin/python{minor}"))
    if not found:
        pytest.skip(f"no pyenv CPython {minor} under {PYENV}")
    return found[-1]


def _project(root: Path) -> Path:
    src = root / "cachedemo"
    src.mkdir()
    (src / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "cachedemo"
        version = "1.0"
        """))
    (src / "setup.py").write_text(textwrap.dedent("""\
        from setuptools import Extension, setup
        setup(ext_modules=[Extension("cachedemo", ["core.c", "mod.c"])])
        """))
    (src / "core.c").write_text(textwrap.dedent("""\
        /* No Python.h: the same object for every Python of a target. */
        unsigned long fib(unsigned n) {
            unsigned long a = 0, b = 1;
            while (n--) { unsigned long t = a + b; a = b; b = t; }
            return a;
        }
        """))
    (src / "mod.c").write_text(textwrap.dedent("""\
        #define PY_SSIZE_T_CLEAN
        #include <Python.h>
        unsigned long fib(unsigned n);
        static PyObject *py_fib(PyObject *self, PyObject *arg) {
            return PyLong_FromUnsignedLong(fib((unsigned)PyLong_AsUnsignedLong(arg)));
        }
        static PyMethodDef methods[] = {{"fib", py_fib, METH_O, NULL}, {NULL}};
        static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "cachedemo", NULL, -1,
                                         methods};
        PyMODINIT_FUNC PyInit_cachedemo(void) { return PyModule_Create(&mod); }
        """))
    return src


def test_a_file_without_python_h_is_compiled_once_for_two_pythons(tmp_path: Path) -> None:
    pythons = [_pyenv("3.12"), _pyenv("3.13")]
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "ZIGCC_COMPILE_CACHE"}
    env["ZIGCC_CACHE_DIR"] = str(tmp_path / "zigcc-cache")  # an empty compile cache
    cmd = [sys.executable, "-m", "zigcc", "build", str(_project(tmp_path)), "--out-dir",
           str(out), "--target", "manylinux_2_17_x86_64", "-j", "1"]
    for minor in ("3.12", "3.13"):
        cmd += ["--python", minor]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    # setuptools compiled core.c and mod.c for each Python (optimised, as CPython's
    # CFLAGS say) ...
    lines = compile_lines(logs(out))
    assert len(lines) == 4 and all(re.search(r" -O[23] ", line) for line in lines), lines
    # ... and the cache made three objects: core.c once, mod.c per Python
    objects = sorted((tmp_path / "zigcc-cache" / "objects").rglob("*.o"))
    assert len(objects) == 3, objects
    built = wheels(out)
    assert len(built) == 2
    for python, wheel in zip(pythons, sorted(built)):
        site = tmp_path / f"site-{python.name}"
        subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--target",
                        str(site), str(wheel)], check=True)
        run = subprocess.run([python, "-c", "import cachedemo; print(cachedemo.fib(90))"],
                             env={**env, "PYTHONPATH": str(site)}, capture_output=True,
                             text=True, check=True)
        assert run.stdout.strip() == "2880067194370816120"
