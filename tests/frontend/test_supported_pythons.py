"""zigcc runs on every CPython that ``requires-python`` claims (3.9 on): a wheel of this
checkout, installed by pip into a fresh venv of each pyenv interpreter, imports every module
and answers ``zigcc --version`` and ``zigcc targets``; and on the oldest, a project that lists
zigcc-toolchain in [build-system] requires builds natively through pip, with no system compiler.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECTS, ROOT
from packaging.utils import parse_wheel_filename

import zigcc

PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
# Built from Debian's source by tests/cpython_source.py (no distribution ships them here).
SOURCE_BUILT = ["3.14", "3.14t", "3.15", "3.15t"]
SHIMS = ROOT / "zigcc" / "toolchain" / "shims"
TIMEOUT = 900

# Run inside the venv: every module of the installed zigcc (but __main__, which runs the CLI
# when imported), the failures with their errors, and the files of the shims package.
IMPORT_ALL = """
import importlib, importlib.resources, json, pkgutil, zigcc
names, failed = [], {}
for info in pkgutil.walk_packages(zigcc.__path__, "zigcc.",
                                  onerror=lambda name: failed.setdefault(name, "walk failed")):
    if info.name.rpartition(".")[2] == "__main__":
        continue
    names.append(info.name)
    try:
        importlib.import_module(info.name)
    except BaseException as exc:
        failed[info.name] = f"{type(exc).__name__}: {exc}"
shims = sorted(p.name for p in importlib.resources.files("zigcc.toolchain.shims").iterdir())
print(json.dumps({"file": zigcc.__file__, "modules": names, "failed": failed, "shims": shims}))
"""


def _interpreter(version: str) -> Path:
    """The newest pyenv CPython ``version``; skips the test when there is none."""
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"),
                   key=lambda p: [int(x) for x in p.parts[-3].split(".")[2:] if x.isdigit()])
    if not found:
        pytest.skip(f"no CPython {version} here ({PYENV}/{version}.*/bin/python{version})")
    return found[-1]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(argv: list[str | Path], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([str(a) for a in argv], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, (f"{argv} exited {done.returncode}\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _venv(version: str, tmp_path: Path, base: Path | None = None) -> Path:
    """A fresh venv of CPython ``version`` (``base``, else pyenv's) under tmp_path; its
    python."""
    base = base or _interpreter(version)
    folder = tmp_path / f"venv{version}"
    _run([base, "-m", "venv", folder], _env(), tmp_path)
    py = folder / "bin" / "python"
    out = _run([py, "-c", "import sys; print('%d.%d%s' % (*sys.version_info[:2], sys.abiflags))"],
               _env(), tmp_path)
    assert out.strip() == version
    return py


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS + SOURCE_BUILT)
def test_installs_imports_and_runs(version: str, zigcc_wheels: Path, tmp_path: Path,
                                   request: pytest.FixtureRequest) -> None:
    base = None
    if version in SOURCE_BUILT:
        built = request.getfixturevalue("cpython_source")
        base = built(version.rstrip("t"), version.endswith("t")).executable
    py = _venv(version, tmp_path, base)
    env = _env()
    _run([py, "-m", "pip", "install", "-q", "--find-links", zigcc_wheels,
          f"zigcc-toolchain=={zigcc.__version__}"], env, tmp_path)

    result = json.loads(_run([py, "-c", IMPORT_ALL], env, tmp_path))
    assert Path(result["file"]).is_relative_to(py.parent.parent), result["file"]
    assert result["failed"] == {}
    # The walk saw the whole package, subpackages included.
    for name in ("zigcc.cli", "zigcc.plugin", "zigcc.python.dump", "zigcc.target.model",
                 "zigcc.toolchain.folder", "zigcc.toolchain.shims"):
        assert name in result["modules"]
    templates = sorted(p.name for p in SHIMS.iterdir() if p.suffix in (".sh", ".cmd"))
    assert templates, f"no shim templates in {SHIMS}"
    assert set(templates) <= set(result["shims"]), result["shims"]

    zigcc_cmd = py.parent / "zigcc"
    assert _run([zigcc_cmd, "--version"], env, tmp_path).strip() == f"zigcc {zigcc.__version__}"
    targets = _run([zigcc_cmd, "targets"], env, tmp_path)
    # The same table as this checkout prints on the interpreter running the tests.
    here = _run([sys.executable, "-m", "zigcc", "targets"], env, tmp_path)
    assert targets == here
    rows = [line.split()[0] for line in targets.splitlines()[1:] if line.strip()]
    for tag in ("manylinux_2_17_x86_64.manylinux2014_x86_64", "musllinux_1_2_aarch64",
                "macosx_11_0_arm64", "win_amd64"):
        assert tag in rows, targets


@pytest.mark.slow
def test_cp39_builds_with_zig_through_pip(zigcc_wheels: Path,
                                          no_system_compiler: dict[str, str],
                                          tmp_path: Path) -> None:
    """pip on 3.9 builds the plugin project (requires zigcc-toolchain) with zig, gcc failing."""
    py = _venv("3.9", tmp_path)
    src = shutil.copytree(PROJECTS / "plugin_ext", tmp_path / "plugin_ext")
    out = tmp_path / "dist"
    env = {k: v for k, v in no_system_compiler.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(py), "-m", "pip", "wheel", "--no-deps", "--find-links",
                           str(zigcc_wheels), "-w", str(out), str(src)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "system compiler" not in done.stdout + done.stderr

    (wheel,) = out.glob("*.whl")
    _, _, _, tags = parse_wheel_filename(wheel.name)
    assert {(t.interpreter, t.abi) for t in tags} == {("cp39", "cp39")}, wheel.name

    _run([py, "-m", "pip", "install", "-q", "--no-deps", wheel], _env(), tmp_path)
    check = ("import sys, zt_plugin; print(sys.version_info[:2] == (3, 9), zt_plugin.__file__, "
             "zt_plugin.cube_root(27.0), zt_plugin.cube_root(-8.0), zt_plugin.extra())")
    is39, so, root27, root_8, extra = _run([py, "-c", check], _env(), tmp_path).split()
    assert is39 == "True"
    assert ".cpython-39-" in Path(so).name and Path(so).is_relative_to(py.parent.parent), so
    assert abs(float(root27) - 3.0) < 1e-12 and abs(float(root_8) + 2.0) < 1e-12
    assert extra == "0"
    comment = subprocess.run(["readelf", "-p", ".comment", so], capture_output=True,
                             text=True).stdout
    assert "Linker: LLD" in comment and "GCC:" not in comment, comment
