"""Wheels with no target interpreter: `zigcc build --python 3.11|3.13` for the six foreign
arches synthesizes each target's CPython from pyenv's x86_64 one, and every wheel imports and
computes in Debian's real interpreter of that arch under qemu (where Debian has that version;
the others are verified only).  Also: one real sdist (xxhash), 3.9-3.13 for aarch64, and a
musllinux wheel in a real musl CPython built from Debian's source."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import debian_sysroots
import pytest
import real_sdists
from buildhelp import TARGETS, install_for, logs, run_in, wheels
from conftest import PROJECTS, ROOT

pytestmark = pytest.mark.slow

SUITE_OF = {(3, 9): "bullseye", (3, 11): "bookworm", (3, 13): "trixie"}
CHECK = """
import struct, sys, zt_sc, zt_scpp
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
assert f[:3] == (struct.calcsize("l"), struct.calcsize("P"), struct.calcsize("n")), f
assert f[3] == sys.byteorder and f[4] == 5.0 and f[5] == 2 ** 62, f
print("ok", f[3], f[1])
"""


def _build(src: Path | str, out: Path, pythons: list[str], targets: list[str]
           ) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "zigcc", "build", str(src), "--out-dir", str(out), "-j", "2"]
    for python in pythons:
        cmd += ["--python", python]
    for target in targets:
        cmd += ["--target", target]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=3600)


def _interpreter(arch: str, version: tuple[int, int]) -> debian_sysroots.DebianPython | None:
    suite = SUITE_OF.get(version)
    if suite is None or (suite, arch) not in debian_sysroots.SUITES:
        return None
    try:
        return debian_sysroots.ensure_python(arch, suite=suite)
    except debian_sysroots.DebianUnavailableError:  # the mirror lacks that suite's packages
        return None


def _wheel_for(out: Path, version: tuple[int, int], target: str) -> Path:
    tag = f"cp{version[0]}{version[1]}-cp{version[0]}{version[1]}-{target}"
    (wheel,) = [w for w in wheels(out) if tag in w.name]
    return wheel


def _run_everywhere(out: Path, version: tuple[int, int], code: str, tmp_path: Path
                    ) -> list[tuple[str, debian_sysroots.DebianPython, subprocess.CompletedProcess[str]]]:
    """Install each foreign arch's wheel of ``version`` for Debian's interpreter of that arch
    (where Debian has that version) and run ``code`` there; every run must succeed."""
    ran = []
    for arch, target in TARGETS.items():
        wheel = _wheel_for(out, version, target)
        target_py = _interpreter(arch, version)
        if target_py is None:
            continue
        site = tmp_path / f"site-{arch}"
        install_for(target_py, target, site, [wheel])
        run = run_in(target_py, site, code, tmp_path)
        assert run.returncode == 0, f"{arch}: {run.stderr}"
        ran.append((arch, target_py, run))
    return ran


@pytest.mark.parametrize("version", [(3, 11), (3, 13)], ids=["cp311", "cp313"])
def test_c_and_cpp_project_on_six_arches(version: tuple[int, int], tmp_path: Path) -> None:
    out = tmp_path / "wheelhouse"
    done = _build(PROJECTS / "synth_ext", out, ["{}.{}".format(*version)], list(TARGETS.values()))
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    ran = _run_everywhere(out, version, CHECK, tmp_path)
    for arch, target_py, run in ran:
        assert run.stdout.split() == ["ok", target_py.spec.byteorder,
                                      str(target_py.spec.pointer_size)], arch
    # Debian has 3.11 for five of these arches and 3.13 for at least arm64, armhf, i386 and
    # riscv64 (ppc64el and s390x when the mirror has trixie's packages).
    assert len(ran) >= 4, [arch for arch, _, _ in ran]


@pytest.mark.parametrize("version", [(3, 11), (3, 13)], ids=["cp311", "cp313"])
def test_real_sdist_without_target_interpreter(version: tuple[int, int], tmp_path: Path
                                               ) -> None:
    sdist = next(s for s in real_sdists.SDISTS if s.name == "xxhash")
    path = real_sdists.ensure_sdist(sdist)
    out = tmp_path / "wheelhouse"
    done = _build(path, out, ["{}.{}".format(*version)], list(TARGETS.values()))
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    ran = _run_everywhere(out, version, sdist.smoke, tmp_path)
    assert len(ran) >= 4, [arch for arch, _, _ in ran]


def test_five_pythons_for_aarch64(tmp_path: Path) -> None:
    out = tmp_path / "wheelhouse"
    pythons = ["3.9", "3.10", "3.11", "3.12", "3.13"]
    done = _build(PROJECTS / "synth_ext", out, pythons, ["manylinux_2_17_aarch64"])
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    names = sorted(w.name for w in wheels(out))
    assert [re.search(r"-(cp3\d+)-(cp3\d+)-", n).groups() for n in names] == [  # type: ignore[union-attr]
        (f"cp3{m}", f"cp3{m}") for m in (10, 11, 12, 13, 9)]
    assert all(n.endswith("-manylinux_2_17_aarch64.manylinux2014_aarch64.whl") for n in names)
    loaded = []
    for version in ((3, 9), (3, 11), (3, 13)):
        target_py = _interpreter("arm64", version)
        assert target_py is not None
        site = tmp_path / f"site-{version[1]}"
        install_for(target_py, "manylinux_2_17_aarch64", site,
                    [_wheel_for(out, version, "manylinux_2_17_aarch64")])
        run = run_in(target_py, site, CHECK, tmp_path)
        assert run.returncode == 0, f"3.{version[1]}: {run.stderr}"
        loaded.append(version)
    assert len(loaded) == 3


def test_musllinux_wheel_in_a_real_musl_cpython(tmp_path: Path) -> None:
    import musl_cpython

    musl = musl_cpython.ensure_musl_python()
    out = tmp_path / "wheelhouse"
    done = _build(PROJECTS / "synth_ext", out, ["3.11"], ["musllinux_1_2_x86_64"])
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    (wheel,) = wheels(out)
    assert wheel.name.endswith("-cp311-cp311-musllinux_1_2_x86_64.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), "--platform", "musllinux_1_2_x86_64", "--python-version", "3.11",
                    "--only-binary=:all:", str(wheel)], check=True)
    run = musl.run("-c", "import sys; sys.path.insert(0, sys.argv[1]); import sysconfig\n"
                   + CHECK + "print(sysconfig.get_config_var('EXT_SUFFIX'))", str(site),
                   cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.split("\n")
    assert lines[0].split() == ["ok", "little", "8"]
    real_suffix = lines[1].strip()
    modules = [n for n in os.listdir(site) if n.startswith("zt_sc")]
    assert all(n.endswith(real_suffix) for n in modules), (modules, real_suffix)
    shutil.rmtree(site)


def test_old_distutils_gets_the_targets_headers(tmp_path: Path) -> None:
    """setuptools < 60 on 3.9 uses the stdlib's distutils, which adds the *build*
    interpreter's include folder (x86_64's pyconfig.h) whatever sysconfig says: the shims
    drop it and the target's headers are found instead (an i686 build would otherwise stop
    at pyport.h's LONG_BIT check, and an LP64 one would silently use x86_64's pyconfig.h)."""
    src = shutil.copytree(ROOT / "examples" / "hello", tmp_path / "old")
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools<60", "wheel"]\n'
        'build-backend = "setuptools.build_meta"\n\n[project]\nname = "old"\nversion = "1.0"\n')
    out = tmp_path / "wheelhouse"
    done = _build(src, out, ["3.9"], ["manylinux_2_17_i686"])
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    target_py = _interpreter("i386", (3, 9))
    if target_py is None:
        pytest.skip("no Debian bullseye i386 interpreter")
    site = tmp_path / "site"
    install_for(target_py, "manylinux_2_17_i686", site, wheels(out))
    run = run_in(target_py, site, "import hello; print(hello.fib(90))", tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2880067194370816120"


def test_uv_as_the_installer(tmp_path: Path) -> None:
    """ZIGCC_INSTALLER=uv installs the build requirements with uv (pypa/build's --installer)."""
    out = tmp_path / "wheelhouse"
    env = {**os.environ, "ZIGCC_INSTALLER": "uv"}
    cmd = [sys.executable, "-m", "zigcc", "build", str(ROOT / "examples" / "hello"),
           "--out-dir", str(out), "--python", "3.12", "--target", "manylinux_2_17_aarch64"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-3000:]
    assert [w.name.split("-")[2] for w in wheels(out)] == ["cp312"]
    assert " pip install --python " in logs(out) and "/uv" in logs(out)
