"""Isolated build environments are temporary: pip installs zigcc and ziglang into a fresh
folder for every build and deletes it afterwards.  A second isolated `pip wheel` of a C++
project must reuse what the first built (no libc++ rebuild), and a shell set up with
`eval "$(zigcc env)"` from an environment that is gone must still compile.
(The times of both runs, cold and warm, are printed by benchmarks/isolated_builds.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import debian_sysroots
import pytest

pytestmark = pytest.mark.slow

SOURCE = """#include <Python.h>
#include <map>
#include <stdexcept>
#include <string>
static PyObject *count(PyObject *, PyObject *arg) {
    std::map<std::string, int> seen;
    try {
        const char *text = PyUnicode_AsUTF8(arg);
        if (!text) throw std::invalid_argument("not text");
        for (const char *c = text; *c; c++) seen[std::string(1, *c)]++;
    } catch (const std::exception &e) { PyErr_SetString(PyExc_ValueError, e.what()); return nullptr; }
    return PyLong_FromSize_t(seen.size());
}
static PyMethodDef methods[] = {{"count", count, METH_O, nullptr}, {nullptr, nullptr, 0, nullptr}};
static PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zt_reuse", nullptr, -1, methods};
PyMODINIT_FUNC PyInit_zt_reuse(void) { return PyModule_Create(&mod); }
"""


def cpp_project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64", "zigcc-toolchain"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "zigcc-test-reuse"\nversion = "1.0"\n')
    (folder / "setup.py").write_text(
        "from setuptools import Extension, setup\n"
        "setup(ext_modules=[Extension('zt_reuse', ['zt_reuse.cpp'], language='c++')])\n")
    (folder / "zt_reuse.cpp").write_text(SOURCE)
    return folder


def entries(cache: Path) -> int:
    return sum(1 for _ in (cache / "o").iterdir()) if (cache / "o").is_dir() else 0


def test_second_isolated_build_rebuilds_nothing(zigcc_wheels: Path,
                                                no_system_compiler: dict[str, str],
                                                tmp_path: Path) -> None:
    src = cpp_project(tmp_path / "reuse")
    # A zig cache of this test's own (kept between runs): tests running alongside add
    # entries to the shared one.
    cache = debian_sysroots.default_cache() / "zig-cache-isolated-reuse"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels),
           "ZIG_GLOBAL_CACHE_DIR": str(cache)}
    added = []
    for run in (1, 2):
        before = entries(cache)
        shutil.rmtree(src / "build", ignore_errors=True)
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                               str(tmp_path / f"dist{run}"), str(src)], env=env,
                              capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        added.append(entries(cache) - before)
    # Measured: 0 new entries in the second run; a zig at the isolated environment's own
    # path makes zig build libc++, libc++abi, libunwind and compiler_rt again (12 entries).
    assert added[1] <= 2, added


def test_a_shell_outlives_the_environment_it_came_from(zigcc_wheels: Path,
                                                       no_system_compiler: dict[str, str],
                                                       tmp_path: Path) -> None:
    gone = tmp_path / "env-that-goes"
    venv.create(gone, with_pip=True)
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    subprocess.run([str(gone / "bin" / "python"), "-m", "pip", "install", "-q",
                    "zigcc-toolchain"], env=env, check=True, timeout=900)
    (tmp_path / "t.cpp").write_text("#include <string>\nint f(){return (int)std::string(\"ab\")"
                                    ".size();}\n")
    script = (f'eval "$({gone}/bin/zigcc env)" && rm -rf {gone} && '
              '$CXX -O2 -shared -fPIC t.cpp -o t.so && echo compiled')
    clean = {k: v for k, v in env.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=clean,
                          capture_output=True, text=True, timeout=600)
    assert not gone.exists()
    assert done.returncode == 0 and done.stdout.strip() == "compiled", done.stderr
    assert os.path.getsize(tmp_path / "t.so") > 0
