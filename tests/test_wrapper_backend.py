"""`build-backend = "zigcc.backend"`: meson-python and scikit-build-core projects build with
zig through pip, build and uv (native, no system compiler), and cross-build for aarch64
through `python -m build -C zigcc:target=... -C zigcc:python=...`, imported under qemu."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import debian
import pytest
from buildhelp import install_for, logs, members, run_in, wheels, zigcc_build
from conftest import PROJECTS

from zigcc.targets import parse

pytestmark = pytest.mark.slow

WRAPPED = {
    "meson_ext": ("mesonpy", ["meson-python>=0.16", "cython>=3"],
                  "import zt_mc, zt_mcy; assert zt_mcy.primes(10) == [2, 3, 5, 7]; "
                  "print(zt_mc.info()[0])"),
    "skbuild_ext": ("scikit_build_core.build", ["scikit-build-core>=0.10", "pybind11>=2.12"],
                    "import zt_skb; assert zt_skb.word_counts('a b a') == {'a': 2, 'b': 1}; "
                    "print(zt_skb.layout()[3])"),
}


def _wrapped(project: str, tmp_path: Path) -> Path:
    """The test project with zigcc.backend wrapping its own backend."""
    backend, requires, _ = WRAPPED[project]
    src = shutil.copytree(PROJECTS / project, tmp_path / project)
    name = f"zigcc-test-wrapped-{project.replace('_', '-')}"
    quoted = ", ".join(f'"{r}"' for r in ["zigcc-toolchain", *requires])
    (src / "pyproject.toml").write_text(
        f'[build-system]\nrequires = [{quoted}]\nbuild-backend = "zigcc.backend"\n\n'
        f'[project]\nname = "{name}"\nversion = "1.0"\n\n[tool.zigcc]\nbackend = "{backend}"\n')
    return src


def _frontend(name: str, src: Path, out: Path, links: Path, *settings: str) -> list[str]:
    if name == "pip":
        return [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(src),
                *[f"--config-settings={s}" for s in settings]]
    if name == "build":
        return [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(src),
                *[f"-C{s}" for s in settings]]
    return [str(Path(sys.executable).parent / "uv"), "build", "--wheel", "--find-links",
            str(links), "--out-dir", str(out), str(src), *[f"-C{s}" for s in settings]]


@pytest.mark.parametrize("frontend", ["pip", "build", "uv"])
@pytest.mark.parametrize("project", sorted(WRAPPED))
def test_native_with_every_frontend(project: str, frontend: str, zigcc_wheels: Path,
                                    no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    src, out = _wrapped(project, tmp_path), tmp_path / "dist"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = subprocess.run(_frontend(frontend, src, out, zigcc_wheels), env=env,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    assert wheel.name.endswith(f"-{parse('manylinux_2_17_x86_64').wheel_platform}.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    run = subprocess.run([str(py), "-c", WRAPPED[project][2]], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "x86_64"


@pytest.mark.parametrize("project", sorted(WRAPPED))
def test_cross_through_config_settings(project: str, zigcc_wheels: Path,
                                       no_system_compiler: dict[str, str],
                                       tmp_path: Path) -> None:
    target_py = debian.ensure_python("arm64")
    tag = "manylinux_2_17_aarch64"
    src, out = _wrapped(project, tmp_path), tmp_path / "dist"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = subprocess.run(_frontend("build", src, out, zigcc_wheels, f"zigcc:target={tag}",
                                    f"zigcc:python={target_py.root}"),
                          env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    assert wheel.name.endswith(f"-cp311-cp311-{parse(tag).wheel_platform}.whl")
    assert all(m.endswith(target_py.ext_suffix) for m in members(wheel) if m.endswith(".so"))
    site = tmp_path / "site"
    install_for(target_py, tag, site, [wheel])
    run = run_in(target_py, site, WRAPPED[project][2], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "aarch64"


def test_unknown_zigcc_key_is_refused(zigcc_wheels: Path, no_system_compiler: dict[str, str],
                                      tmp_path: Path) -> None:
    src, out = _wrapped("meson_ext", tmp_path), tmp_path / "dist"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = subprocess.run(_frontend("build", src, out, zigcc_wheels, "zigcc:targt=x"), env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert "config setting 'zigcc:targt' is not one zigcc knows" in done.stdout + done.stderr


def test_zigcc_build_of_a_wrapped_project(no_system_compiler: dict[str, str],
                                          zigcc_wheels: Path, tmp_path: Path) -> None:
    """`zigcc build` runs the wrapped backend itself (no target environment twice)."""
    target_py = debian.ensure_python("arm64")
    src, out = _wrapped("meson_ext", tmp_path), tmp_path / "wheelhouse"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = zigcc_build(src, "manylinux_2_17_aarch64", target_py.root, out, env)
    assert done.returncode == 0, done.stdout + logs(out)[-3000:]
    (wheel,) = wheels(out)
    assert all(m.endswith(target_py.ext_suffix) for m in members(wheel) if m.endswith(".so"))
    assert "zigcc.backend" in (src / "pyproject.toml").read_text()  # the user's file: as it was
