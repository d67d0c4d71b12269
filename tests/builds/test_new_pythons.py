"""Today's Pythons with no target interpreter: `zigcc build --python 3.14 --python 3.15` for
the six foreign arches synthesizes each target's CPython from a build interpreter built from
Debian's source (tests/cpython_source.py, found on PATH as a user's would be), and every wheel
imports and computes in Debian sid's real CPython 3.14.10 / 3.15.2 of that arch under qemu.
Free-threaded: a cp314t / cp315t wheel for aarch64 is synthesized and verified (no distribution
ships a free-threaded interpreter to run it in: that is the native test of
test_cpython_fixtures.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import real_sdists
from buildhelp import TARGETS, install_for, logs, run_in, wheels, zigcc_matrix
from conftest import PROJECTS, DebianPythons
from test_synth_wheels import CHECK

pytestmark = pytest.mark.slow

SUITES = {"3.14": "sid", "3.15": "sid-3.15"}


def _bins(cpython_source: Any, *versions: str) -> list[Path]:
    return [cpython_source(v.rstrip("t"), v.endswith("t")).executable.parent for v in versions]


def _run_on_every_arch(out: Path, version: str, code: str, debian_python: DebianPythons,
                       tmp_path: Path) -> list[str]:
    nodot = version.replace(".", "")
    ran = []
    for arch, target in TARGETS.items():
        (wheel,) = [w for w in wheels(out) if f"-cp{nodot}-cp{nodot}-{target}" in w.name]
        target_py = debian_python(arch, SUITES[version])
        site = tmp_path / f"site-{version}-{arch}"
        install_for(target_py, target, site, [wheel])
        run = run_in(target_py, site, code, tmp_path)
        assert run.returncode == 0, f"{version} {arch}: {run.stderr}"
        ran.append(arch)
    return ran


def test_c_and_cpp_project_for_314_and_315_on_six_arches(
        cpython_source: Any, debian_python: DebianPythons, tmp_path: Path) -> None:
    out = tmp_path / "wheelhouse"
    done = zigcc_matrix(PROJECTS / "synth_ext", out, ["3.14", "3.15"], list(TARGETS.values()),
                        _bins(cpython_source, "3.14", "3.15"))
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    assert "synthesizing CPython 3.15 for manylinux_2_17_s390x" in done.stdout
    for version in ("3.14", "3.15"):
        ran = _run_on_every_arch(out, version, CHECK, debian_python, tmp_path)
        assert len(ran) == 6, ran


def test_real_sdist_for_314_and_315_on_six_arches(
        cpython_source: Any, debian_python: DebianPythons, tmp_path: Path) -> None:
    sdist = next(s for s in real_sdists.SDISTS if s.name == "xxhash")
    out = tmp_path / "wheelhouse"
    done = zigcc_matrix(real_sdists.ensure_sdist(sdist), out, ["3.14", "3.15"],
                        list(TARGETS.values()), _bins(cpython_source, "3.14", "3.15"))
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    for version in ("3.14", "3.15"):
        assert len(_run_on_every_arch(out, version, sdist.smoke, debian_python,
                                      tmp_path)) == 6


@pytest.mark.parametrize("version", ["3.14t", "3.15t"])
def test_free_threaded_wheels_for_aarch64(version: str, cpython_source: Any,
                                          tmp_path: Path) -> None:
    out = tmp_path / "wheelhouse"
    done = zigcc_matrix(PROJECTS / "synth_ext", out, [version], ["manylinux_2_17_aarch64"],
                        _bins(cpython_source, version))
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    nodot = version.replace(".", "")
    (wheel,) = wheels(out)
    assert f"-cp{nodot[:-1]}-cp{nodot}-manylinux_2_17_aarch64" in wheel.name, wheel.name
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        modules = [n for n in archive.namelist() if n.endswith(".so")]
    assert modules and all(n.endswith(f".cpython-{nodot}-aarch64-linux-gnu.so")
                           for n in modules), modules
