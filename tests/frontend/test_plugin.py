"""`requires = ["zigcc-toolchain"]`: a setuptools project builds with zig through pip, build
and uv with no configuration and no system compiler; a project that does not ask for zigcc
keeps the system compiler, even where zigcc is installed; an explicit CC wins, with a notice.
zigcc-toolchain comes from a wheel of this checkout, through --find-links."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import PROJECTS

from zigcc.plugin import wants_zigcc

ROOT = Path(__file__).parent.parent.parent
CHECK = "import zt_plugin; assert abs(zt_plugin.cube_root(27.0) - 3.0) < 1e-12; print('ok')"


@pytest.mark.parametrize(("pyproject", "wanted"), [
    ({"build-system": {"requires": ["setuptools", "zigcc-toolchain>=0.1"]}}, True),
    ({"build-system": {"requires": ["setuptools", "Zigcc_Toolchain"]}}, True),
    ({"build-system": {"requires": ["setuptools"]}, "tool": {"zigcc": {}}}, True),
    ({"build-system": {"requires": ["setuptools", "zigcc-toolchainx"]}}, False),
    ({"build-system": {"requires": ["setuptools", "not a requirement !"]}}, False),
    ({}, False),
])
def test_only_projects_that_ask(pyproject: dict[str, object], wanted: bool) -> None:
    assert wants_zigcc(pyproject) is wanted


def _linker(so: Path) -> str:
    return subprocess.run(["readelf", "-p", ".comment", str(so)], capture_output=True,
                          text=True).stdout


def _install_and_check(wheel: Path, tmp_path: Path) -> Path:
    env_dir = tmp_path / "check-venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    run = subprocess.run([str(py), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path)
    assert run.stdout.strip() == "ok", run.stderr
    return next((env_dir / "lib").glob("python3*/site-packages/zt_plugin*.so"))


@pytest.mark.slow
@pytest.mark.parametrize("frontend", ["pip", "build", "uv"])
def test_frontends_build_with_zig_and_no_system_compiler(
        frontend: str, zigcc_wheels: Path, no_system_compiler: dict[str, str],
        tmp_path: Path) -> None:
    src = shutil.copytree(PROJECTS / "plugin_ext", tmp_path / "plugin_ext")
    out = tmp_path / "dist"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    commands = {
        "pip": [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(src)],
        "build": [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(src)],
        "uv": [str(Path(sys.executable).parent / "uv"), "build", "--wheel", "--find-links",
               str(zigcc_wheels), "--out-dir", str(out), str(src)],
    }
    done = subprocess.run(commands[frontend], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "system compiler" not in done.stdout + done.stderr
    (wheel,) = out.glob("*.whl")
    comment = _linker(_install_and_check(wheel, tmp_path))
    assert "Linker: LLD" in comment and "GCC:" not in comment


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs the system gcc")
def test_projects_that_do_not_ask_keep_the_system_compiler(tmp_path: Path) -> None:
    """Built in this environment, where zigcc is installed and its plugin loaded."""
    src = shutil.copytree(PROJECTS / "plugin_ext", tmp_path / "plain")
    text = (src / "pyproject.toml").read_text().replace(', "zigcc-toolchain"', "")
    (src / "pyproject.toml").write_text(text)
    out = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "CXX", "LDSHARED")}
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-w", str(out), str(src)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    assert "GCC:" in _linker(_install_and_check(wheel, tmp_path))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs the system gcc")
def test_an_explicit_cc_wins_with_a_notice(tmp_path: Path) -> None:
    src = shutil.copytree(PROJECTS / "plugin_ext", tmp_path / "plugin_ext")
    out = tmp_path / "dist"
    env = {**os.environ, "CC": "gcc"}
    env.pop("LDSHARED", None)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps",
                           "--no-build-isolation", "-w", str(out), str(src)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "zigcc: CC=gcc was set explicitly" in done.stdout + done.stderr
    (wheel,) = out.glob("*.whl")
    assert "GCC:" in _linker(_install_and_check(wheel, tmp_path))
