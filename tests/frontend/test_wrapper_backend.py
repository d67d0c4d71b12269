"""`build-backend = "zigcc.backend"`: meson-python, scikit-build-core and setuptools projects
build with zig through pip, build and uv (native, no system compiler), install with pip (also
editable), and cross-build for aarch64 through `python -m build` with zigcc's config settings
(`zigcc:target`, `zigcc:python`) and with the draft cross-compiling PEP's (`system:host`,
`system:sysroot`, `system:cflags` ...), imported under qemu in Debian's arm64 CPython."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import debian_sysroots
import pytest
from buildhelp import install_for, logs, members, run_in, wheels, zigcc_build
from conftest import PROJECTS

from zigcc.target.model import parse

pytestmark = pytest.mark.slow

# project -> (wrapped backend (None: zigcc.backend's default), its requirements, a check
# printing the machine and the ZT_EXTRA the build's flags set).
WRAPPED = {
    "meson_ext": ("mesonpy", ["meson-python>=0.16", "cython>=3"],
                  "import zt_mc, zt_mcy; assert zt_mcy.primes(10) == [2, 3, 5, 7]; "
                  "print(zt_mc.info()[0], zt_mc.extra())"),
    "skbuild_ext": ("scikit_build_core.build", ["scikit-build-core>=0.10", "pybind11>=2.12"],
                    "import zt_skb; assert zt_skb.word_counts('a b a') == {'a': 2, 'b': 1}; "
                    "print(zt_skb.layout()[3], zt_skb.extra())"),
    "plugin_ext": (None, ["setuptools>=64"],
                   "import platform, zt_plugin; assert abs(zt_plugin.cube_root(27.0) - 3) < 1e-12; "
                   "print(platform.machine(), zt_plugin.extra())"),
}


def _wrapped(project: str, tmp_path: Path) -> Path:
    """The test project with zigcc.backend wrapping its own backend."""
    backend, requires, _ = WRAPPED[project]
    src = shutil.copytree(PROJECTS / project, tmp_path / project)
    name = f"zigcc-test-wrapped-{project.replace('_', '-')}"
    quoted = ", ".join(f'"{r}"' for r in ["zigcc-toolchain", *requires])
    table = f'\n[tool.zigcc]\nbackend = "{backend}"\n' if backend else ""
    (src / "pyproject.toml").write_text(
        f'[build-system]\nrequires = [{quoted}]\nbuild-backend = "zigcc.backend"\n\n'
        f'[project]\nname = "{name}"\nversion = "1.0"\n{table}')
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
@pytest.mark.parametrize("project", ["meson_ext", "skbuild_ext"])
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
    assert run.stdout.strip() == "x86_64 0"


@pytest.mark.parametrize("keys", ["zigcc", "system", "target-only"])
@pytest.mark.parametrize("project", sorted(WRAPPED))
def test_cross_through_config_settings(project: str, keys: str, zigcc_wheels: Path,
                                       no_system_compiler: dict[str, str],
                                       tmp_path: Path) -> None:
    target_py = debian_sysroots.ensure_python("arm64")
    tag = "manylinux_2_17_aarch64"
    if keys == "zigcc":
        settings = [f"zigcc:target={tag}", f"zigcc:python={target_py.root}"]
        extra = 0
    elif keys == "target-only":  # the target's CPython synthesized from the build's own
        if sys.version_info[:2] != target_py.version:
            pytest.skip(f"the build interpreter is not {target_py.version}")
        settings, extra = [f"zigcc:target={tag}"], 0
    else:  # the draft PEP's keys: a Clang triple (lowest glibc), a sysroot, added flags
        settings = ["system:host=aarch64-unknown-linux-gnu", f"system:sysroot={target_py.root}",
                    "system:cflags=-DZT_EXTRA=7", "system:cxxflags=-DZT_EXTRA=7"]
        extra = 7
    src, out = _wrapped(project, tmp_path), tmp_path / "dist"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = subprocess.run(_frontend("build", src, out, zigcc_wheels, *settings),
                          env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    assert wheel.name.endswith(f"-cp311-cp311-{parse(tag).wheel_platform}.whl")
    assert all(m.endswith(target_py.ext_suffix) for m in members(wheel) if m.endswith(".so"))
    site = tmp_path / "site"
    install_for(target_py, tag, site, [wheel])
    run = run_in(target_py, site, WRAPPED[project][2], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"aarch64 {extra}"


@pytest.mark.parametrize("editable", [False, True], ids=["install", "editable"])
@pytest.mark.parametrize("project", ["plugin_ext", "skbuild_ext"])
def test_pip_install(project: str, editable: bool, zigcc_wheels: Path,
                     no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """`pip install` and `pip install -e` of a wrapped project, with no system compiler.
    (meson-python's editable installs rebuild at import and need --no-build-isolation.)"""
    src = _wrapped(project, tmp_path)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = subprocess.run([str(py), "-m", "pip", "install", *(["-e"] if editable else []),
                           str(src)], env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = subprocess.run([str(py), "-c", WRAPPED[project][2]], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "x86_64 0"


REFUSED = {
    "unknown key": (["zigcc:targt=x"], "ERROR config setting 'zigcc:targt' is not one zigcc "
                    "knows"),
    "foreign compiler": (["system:cc=gcc"], "ERROR config setting system:cc='gcc': zigcc is "
                         "the compiler"),
    "conflict": (["zigcc:target=manylinux_2_17_aarch64", "system:host=s390x-ibm-linux-gnu"],
                 "ERROR config settings zigcc:target='manylinux_2_17_aarch64' and "
                 "system:host='s390x-ibm-linux-gnu' disagree"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_settings_are_refused_in_one_line(case: str, zigcc_wheels: Path,
                                              no_system_compiler: dict[str, str],
                                              tmp_path: Path) -> None:
    settings, message = REFUSED[case]
    src, out = _wrapped("plugin_ext", tmp_path), tmp_path / "dist"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = subprocess.run(_frontend("build", src, out, zigcc_wheels, *settings), env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert [line for line in output.splitlines() if line.startswith("ERROR config")] \
        == [next(line for line in output.splitlines() if line.startswith(message))], output
    assert "Traceback" not in output, output
    assert not list(out.glob("*.whl"))


def test_plugin_refuses_cross_settings_it_cannot_see(zigcc_wheels: Path,
                                                     no_system_compiler: dict[str, str],
                                                     tmp_path: Path) -> None:
    """setuptools.build_meta drops config settings before plugins run: a -C zigcc:target
    there would give an x86_64 wheel, so the plugin stops and names the wrapper backend."""
    src = shutil.copytree(PROJECTS / "plugin_ext", tmp_path / "plugin_ext")
    out = tmp_path / "dist"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = subprocess.run(_frontend("build", src, out, zigcc_wheels,
                                    "zigcc:target=manylinux_2_17_aarch64"),
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert "ERROR config setting zigcc:target went to setuptools.build_meta" in done.stderr
    assert 'build-backend = "zigcc.backend"' in done.stderr
    assert not list(out.glob("*.whl"))


def test_zigcc_build_of_a_wrapped_project(no_system_compiler: dict[str, str],
                                          zigcc_wheels: Path, tmp_path: Path) -> None:
    """`zigcc build` runs the wrapped backend itself (no target environment twice)."""
    target_py = debian_sysroots.ensure_python("arm64")
    src, out = _wrapped("meson_ext", tmp_path), tmp_path / "wheelhouse"
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)}
    done = zigcc_build(src, "manylinux_2_17_aarch64", target_py.root, out, env)
    assert done.returncode == 0, done.stdout + logs(out)[-3000:]
    (wheel,) = wheels(out)
    assert all(m.endswith(target_py.ext_suffix) for m in members(wheel) if m.endswith(".so"))
    assert "zigcc.backend" in (src / "pyproject.toml").read_text()  # the user's file: as it was
