"""Synthesized target Pythons for Windows: python.org's CPython X.Y for ``win_amd64`` (and the
other Windows CPUs zig targets), with no Windows machine.

From the build interpreter of the same X.Y only the platform-neutral ``Include/`` tree is
taken; the target's ``pyconfig.h`` comes from zigcc's table
(:mod:`zigcc.python.windows_pyconfig`).  Extensions link the Python DLL, so the pack also holds
import libraries: ``libpython3XY.a`` for ``python3XY.dll`` and ``libpython3.a`` for the
stable-ABI ``python3.dll``, made by zig's dlltool (:mod:`zigcc.toolchain.implib`) from
module-definition files listing what CPython's headers declare ``dllimport`` for that version
(:mod:`zigcc.python.windows_exports`).  Cached once per content under ``synth/windows``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from zigcc.cachedir import publish
from zigcc.errors import ZigccError
from zigcc.python import windows_exports as wx
from zigcc.python.model import TargetPython
from zigcc.python.naming import configure_flags
from zigcc.python.windows_pyconfig import render_pyconfig
from zigcc.target.model import Target
from zigcc.toolchain.implib import make_import_library

FORMAT = 4  # bump when a pack's content changes
# Top-level headers that need a third party's types (curses, expat): capsule APIs, no exports.
_SKIPPED_HEADERS = frozenset(("py_curses.h", "pyexpat.h"))
# Declared PyAPI_FUNC by CPython's headers but not exported by python.org's DLLs (checked
# against the export tables of python3XY.dll and python3.dll 3.10.11, 3.11.9, 3.12.9, 3.13.2
# and python314.dll's list): a module using them would link and then fail to load.
# _PyCodec_Forget (3.10-3.12 headers) and _PyTime_FromTimeval (3.10's) are exported by none;
# _PyTrash_begin/_end are exported up to 3.12 (the Py_TRASHCAN macros call them) and declared
# but not exported from 3.13.  PyOS_AfterFork is in the limited API's headers but python3.dll
# leaves it out on Windows (no fork).
NOT_EXPORTED = frozenset(("Py_FrozenMain", "_PyCodec_Forget", "_PyTime_FromTimeval"))
NOT_EXPORTED_FROM_313 = frozenset(("_PyTrash_begin", "_PyTrash_end"))
NOT_EXPORTED_STABLE = frozenset(("PyOS_AfterFork",))
# 3.10's marshal.h declares these without a Py_LIMITED_API guard; python3.dll 3.10.11 lacks them.
NOT_EXPORTED_STABLE_310 = frozenset(("PyMarshal_WriteLongToFile", "PyMarshal_WriteObjectToFile"))


def not_exported(version: tuple[int, int], stable: bool) -> frozenset[str]:
    """The declared names the python3XY.dll (``stable``: python3.dll) of ``version`` lacks."""
    out = NOT_EXPORTED | (NOT_EXPORTED_FROM_313 if version >= (3, 13) else frozenset())
    if not stable:
        return out
    return out | NOT_EXPORTED_STABLE | (NOT_EXPORTED_STABLE_310 if version < (3, 11)
                                        else frozenset())


def dll_names(version: tuple[int, int], abiflags: str) -> tuple[str, str]:
    """(the version's DLL, the stable-ABI DLL): ``python313.dll``, ``python3.dll``;
    ``python313t.dll``, ``python3t.dll`` for a free-threaded build."""
    flag = "t" if "t" in abiflags else ""
    return f"python{version[0]}{version[1]}{flag}.dll", f"python{version[0]}{flag}.dll"


def limited_api_hex(version: tuple[int, int]) -> str:
    return f"0x{version[0]:02X}{version[1]:02X}0000"


def check_windows(target: Target, version: tuple[int, int], abiflags: str) -> None:
    if "d" in abiflags:
        raise ZigccError(f"{target.platform_tags[0]}: debug CPython builds (python3XY_d.dll) "
                         "cannot be synthesized; use a release build interpreter")


def probe_source(include_dir: Path) -> str:
    """C text including Python.h and every public top-level header of ``include_dir``."""
    names = sorted(p.name for p in include_dir.glob("*.h") if p.name not in _SKIPPED_HEADERS)
    return "".join(f"#include <{name}>\n" for name in ["Python.h", *names])


def declared_exports(zig: Path, target: Target, headers: Path, work: Path,
                     version: tuple[int, int], limited: str | None = None) -> wx.Exports:
    """What the headers in ``headers`` declare ``dllimport``, preprocessed for ``target``
    (with ``Py_LIMITED_API=limited`` for the stable ABI), with and without
    ``PY_SSIZE_T_CLEAN`` (up to 3.12 it declares the ``_PyArg_*_SizeT`` variants)."""
    functions: dict[str, None] = {}
    data: dict[str, None] = {}
    for clean in (False, True):
        found = _preprocessed_exports(zig, target, headers, work, limited, clean)
        functions.update(dict.fromkeys(found.functions))
        data.update(dict.fromkeys(found.data))
    dropped = not_exported(version, stable=limited is not None)
    return wx.Exports(tuple(sorted(n for n in functions if n not in dropped)),
                      tuple(sorted(n for n in data if n not in dropped and n not in functions)))


def _preprocessed_exports(zig: Path, target: Target, headers: Path, work: Path,
                          limited: str | None, clean: bool,
                          marker: str = "dllimport") -> wx.Exports:
    source = work / f"{'limited' if limited else 'full'}{'-clean' if clean else ''}.c"
    source.write_text(("#define PY_SSIZE_T_CLEAN\n" if clean else "") + probe_source(headers),
                      encoding="utf-8")
    out = source.with_suffix(".i")
    cmd = [str(zig), "cc", "-target", target.zig_target, "-E", f"-I{headers}", str(source),
           "-o", str(out)]
    if limited:
        cmd.insert(4, f"-DPy_LIMITED_API={limited}")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out.is_file():
        lines = proc.stderr.strip().splitlines()
        raise ZigccError(f"preprocessing Python.h for {target.zig_target} failed "
                         f"({lines[0] if lines else proc.returncode}); check the build "
                         "interpreter's headers")
    return wx.exports(out.read_text(encoding="utf-8", errors="replace"), [str(headers)],
                      marker)


def declared_api(zig: Path, target: Target, headers: Path, work: Path) -> frozenset[str]:
    """Every function and data name the headers in ``headers`` declare ``PyAPI_FUNC`` /
    ``PyAPI_DATA`` for a target outside Windows (``visibility("default")``), with and
    without ``PY_SSIZE_T_CLEAN``: the C API an extension there may leave undefined."""
    found: set[str] = set()
    for clean in (False, True):
        names = _preprocessed_exports(zig, target, headers, work, None, clean, "visibility")
        found.update(names.functions, names.data)
    return frozenset(found)


def import_library_name(dll: str) -> str:
    return f"lib{dll[:-4]}.a"


def fill_pack(folder: Path, target: Target, version: tuple[int, int], abiflags: str,
              include_src: str, zig: Path, final: Path | None = None) -> None:
    """Headers (the build interpreter's, the target's pyconfig.h) and import libraries;
    ``final``: where ``folder`` is published, whose ``libs`` pyconfig.h's directive names."""
    ver = f"{version[0]}.{version[1]}{abiflags}"
    headers = folder / "include" / f"python{ver}"
    if not (Path(include_src) / "Python.h").is_file():
        raise ZigccError(f"{include_src}: no Python.h; install the build interpreter's "
                         "development headers")
    shutil.copytree(include_src, headers, ignore=shutil.ignore_patterns("pyconfig.h"))
    (headers / "pyconfig.h").write_text(render_pyconfig(
        version, abiflags, target.arch, str((final or folder) / "libs")), encoding="utf-8")
    libs = folder / "libs"
    libs.mkdir()
    work = folder / "work"
    work.mkdir()
    dll, stable = dll_names(version, abiflags)
    dlls = [(dll, None), (stable, limited_api_hex(version))]
    if "t" in abiflags and version < (3, 15):  # no stable ABI free-threaded before 3.15
        dlls = dlls[:1]
    for name, limited in dlls:
        found = declared_exports(zig, target, headers, work, version, limited)
        def_file = libs / f"{name[:-4]}.def"
        def_file.write_text(wx.render_def(name, found), encoding="utf-8")
        make_import_library(zig, def_file, libs / import_library_name(name), target.arch)
    shutil.rmtree(work)


def describe(target: Target, version: tuple[int, int], abiflags: str, version_full: str,
             folder: Path) -> TargetPython:
    """The synthesized Windows target Python of the pack in ``folder`` (pure)."""
    rules = target.platform
    triplet = target.platform_tags[0]  # win_amd64: CPython's SOABI platform part
    ext_suffix = rules.ext_suffix(version, abiflags, triplet)
    soabi = rules.soabi(version, abiflags, triplet)
    ver = f"{version[0]}.{version[1]}"
    dll, _ = dll_names(version, abiflags)
    libs = folder / "libs"
    implib = str(libs / import_library_name(dll))
    opt, basecflags = configure_flags(version)
    pointer = 8 if target.info.bits == 64 else 4
    config = {
        "VERSION": ver, "py_version_nodot": f"{version[0]}{version[1]}", "ABIFLAGS": abiflags,
        "EXT_SUFFIX": ext_suffix, "SOABI": soabi, "Py_ENABLE_SHARED": 1, "MS_WINDOWS": 1,
        "LIBPYTHON": implib, "LDLIBRARY": import_library_name(dll), "LIBDIR": str(libs),
        "OPT": opt, "BASECFLAGS": basecflags, "SHLIB_SUFFIX": ".pyd",
        "SIZEOF_VOID_P": pointer, "SIZEOF_SIZE_T": pointer, "SIZEOF_LONG": 4,
        "SIZEOF_INT": 4, "SIZEOF_WCHAR_T": 2, "WITH_PYMALLOC": 1,
        "Py_GIL_DISABLED": int("t" in abiflags),
    }
    return TargetPython(
        implementation="cpython", version=version, version_full=version_full,
        abiflags=abiflags, platform=target.sysconfig_platform, multiarch=None,
        ext_suffix=ext_suffix, soabi=soabi, pointer_size=pointer * 8, byteorder="little",
        gil_disabled="t" in abiflags, debug=False,
        include_dirs=(str(folder / "include" / f"python{ver}{abiflags}"),),
        libdir=str(libs), ldlibrary=import_library_name(dll), libpython=implib,
        sysconfigdata_name=f"_sysconfigdata_{abiflags}_win32_{target.arch}",
        config_vars=config, source="zigcc.synth")


def synthesize(target: Target, version: tuple[int, int], abiflags: str, version_full: str,
               include_dir: str, zig: Path, cache: Path) -> TargetPython:
    """The Windows target Python of ``target`` for the build interpreter's X.Y, cached."""
    check_windows(target, version, abiflags)
    key = hashlib.sha256(json.dumps([FORMAT, target.ident, version_full, abiflags,
                                     os.path.realpath(include_dir), zig.parent.name,
                                     render_pyconfig(version, abiflags, target.arch)])
                         .encode()).hexdigest()[:16]
    tag = f"cp{version[0]}{version[1]}{abiflags}"
    folder = cache / "synth" / "windows" / f"{target.ident}-{tag}-{key}"
    dll, _ = dll_names(version, abiflags)
    publish(folder, f"libs/{import_library_name(dll)}",
            lambda tmp: fill_pack(tmp, target, version, abiflags, include_dir, zig, folder))
    return describe(target, version, abiflags, version_full, folder)


def export_lists(tp: TargetPython) -> dict[str, frozenset[str]] | None:
    """Per Python DLL (lower case), the names zigcc's module-definition files of a
    synthesized Windows target Python list; None for another target Python."""
    if not tp.platform.startswith("win") or not tp.libdir:
        return None
    out = {}
    for dll in dll_names(tp.version, tp.abiflags):
        path = Path(tp.libdir) / f"{dll[:-4]}.def"
        if path.is_file():
            out[dll] = wx.def_names(path.read_text(encoding="utf-8"))
    return out or None
