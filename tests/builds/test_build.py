"""`zigcc build`: one small project per failure class of the issue, cross-built for aarch64
and s390x with every system compiler broken, then imported and called in Debian's real
CPython of that architecture under qemu.

Each project fails the way real packages failed when the backend process saw the build machine:
sources chosen from ``platform.machine()``/``sysconfig.get_platform()``, a plain distutils
``build_ext`` naming modules from sysconfig's EXT_SUFFIX, an optional extension whose C library
the target lacks, a pure package, cffi, Cython, mypyc, C++; scikit-build-core and
meson-python projects.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import debian_sysroots
import pytest
from buildhelp import (
    TARGETS,
    ZLIB_SOURCE,
    compile_lines,
    debian_source,
    install_for,
    logs,
    members,
    run_in,
    wheels,
    zigcc_build,
)
from conftest import PROJECTS

from zigcc.target.model import parse

pytestmark = pytest.mark.slow

SETUPTOOLS_PROJECTS = ("platform_src", "suffix_ext", "cffi_ext", "cython_ext", "cpp_ext",
                       "mypyc_ext")
NEON = {"arm64": "neon", "s390x": "generic"}
MACHINE = {"arm64": "aarch64", "s390x": "s390x"}

CALLS = """
import zt_platform, zt_suffix, zt_suffix_info, zt_cy, zt_cpp
from _zt_cffi import lib
print(zt_platform.info())
assert zt_suffix.twice(21) == 42
print(zt_suffix_info.EXT_SUFFIX, zt_suffix_info.PLATFORM)
assert zt_cy.primes(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
assert zt_cpp.word_counts("b a b") == [("a", 1), ("b", 2)]
assert lib.zt_norm(3, 4) == 5.0
print(lib.zt_long_size(), lib.zt_big_endian())
from zt_mypyc import fib
assert fib.__file__.endswith(".so"), fib.__file__
assert fib.fib(90) == 2880067194370816120
assert fib.word_lengths(["ab", "zig"]) == {"ab": 2, "zig": 3}
import zt_platform as m, os
assert m.__file__.endswith(".so"), m.__file__
print("ok")
"""


@pytest.mark.parametrize("arch", ["arm64", "s390x"])
def test_setuptools_projects_build_for_the_target_and_run_there(
        arch: str, no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    target_py = debian_sysroots.ensure_python(arch)
    tag = TARGETS[arch]
    out = tmp_path / "wheelhouse"
    for project in SETUPTOOLS_PROJECTS:
        src = shutil.copytree(PROJECTS / project, tmp_path / project)
        done = zigcc_build(src, tag, target_py.root, out, no_system_compiler)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:] + logs(out)[-4000:]
        assert "system compiler" not in logs(out)
    built = wheels(out)
    assert [w.name.split("-")[0] for w in built] == sorted(
        ["zigcc_test_platform_src", "zigcc_test_suffix", "zigcc_test_cffi",
         "zigcc_test_cython", "zigcc_test_cpp", "zigcc_test_mypyc"])
    for wheel in built:
        assert wheel.name.endswith(f"-cp311-cp311-{parse(tag).wheel_platform}.whl"), wheel.name
        modules = [m for m in members(wheel) if m.endswith(".so")]
        assert len(modules) == (2 if "mypyc" in wheel.name else 1), modules
        # cffi >= 1.17 builds its modules for the stable ABI
        for module in modules:
            assert module.endswith(".abi3.so" if "cffi" in wheel.name
                                   else target_py.ext_suffix), module

    # The package's optimisation is kept: every C compile line has -O and -DNDEBUG.
    lines = compile_lines(logs(out))
    assert len(lines) >= 6, logs(out)[-3000:]
    for line in lines:
        assert " -DNDEBUG" in line and " -O" in line, line

    site = tmp_path / "site"
    install_for(target_py, tag, site, built, deps=["cffi"])
    run = run_in(target_py, site, CALLS, tmp_path)
    assert run.returncode == 0, run.stderr
    info, suffix, sizes, ok = run.stdout.splitlines()
    assert eval(info) == (MACHINE[arch], f"linux-{MACHINE[arch]}", NEON[arch], 11.0)
    assert suffix == f"{target_py.ext_suffix} linux-{MACHINE[arch]}"
    assert sizes == ("8 1" if arch == "s390x" else "8 0")
    assert ok == "ok"


@pytest.mark.parametrize("arch", ["arm64", "s390x"])
def test_pure_package_gets_no_platform_tag(arch: str, no_system_compiler: dict[str, str],
                                           tmp_path: Path) -> None:
    target_py = debian_sysroots.ensure_python(arch)
    out = tmp_path / "wheelhouse"
    done = zigcc_build(PROJECTS / "pure_pkg", TARGETS[arch], target_py.root, out,
                       no_system_compiler)
    assert done.returncode == 0, done.stdout + logs(out)[-3000:]
    assert [w.name for w in wheels(out)] == ["zigcc_test_pure-1.0-py3-none-any.whl"]
    site = tmp_path / "site"
    install_for(target_py, TARGETS[arch], site, wheels(out))
    run = run_in(target_py, site, "import zt_pure; print(zt_pure.greet('s390x'))", tmp_path)
    assert run.stdout.strip() == "hello s390x", run.stderr


@pytest.mark.parametrize("arch", ["arm64", "s390x"])
def test_skipped_optional_extension_is_not_a_platform_wheel(
        arch: str, no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """zlib is not in the target's libc: the optional extension is skipped, and a wheel
    claiming the target with no compiled code in it is rejected, kept aside, not in the
    out-dir."""
    target_py = debian_sysroots.ensure_python(arch)
    out = tmp_path / "wheelhouse"
    done = zigcc_build(PROJECTS / "optional_ext", TARGETS[arch], target_py.root, out,
                       no_system_compiler)
    assert done.returncode == 1, done.stdout
    assert "compiled" in done.stdout, done.stdout
    assert wheels(out) == []
    assert len(list((out / ".zigcc" / "rejected").glob("*.whl"))) == 1
    assert "0 built, 1 failed" in done.stdout


BEFORE_ALL = """
[tool.zigcc]
before-all = [
    "tar xjf \\"$ZT_ZLIB_SOURCE\\" && cd zlib-1.2.13.dfsg && CFLAGS='-O2 -fPIC' ./configure --static --prefix=\\"$ZIGCC_PREFIX\\" && make -j2 libz.a && make install",
]
"""


def test_before_all_builds_the_missing_c_library_for_the_target(
        no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """The same optional extension, with zlib built from Debian's source for the target in
    before-all (with the target toolchain and ZIGCC_PREFIX): compiled, and used under qemu."""
    target_py = debian_sysroots.ensure_python("arm64")
    tag = TARGETS["arm64"]
    src = shutil.copytree(PROJECTS / "optional_ext", tmp_path / "optional_ext")
    with open(src / "pyproject.toml", "a") as f:
        f.write(BEFORE_ALL)
    env = {**no_system_compiler, "ZT_ZLIB_SOURCE": str(debian_source(*ZLIB_SOURCE))}
    out = tmp_path / "wheelhouse"
    done = zigcc_build(src, tag, target_py.root, out, env)
    assert done.returncode == 0, done.stdout + logs(out)[-4000:]
    (wheel,) = wheels(out)
    assert wheel.name.endswith(f"-cp311-cp311-{parse(tag).wheel_platform}.whl")
    assert "_zt_optional" + target_py.ext_suffix in members(wheel)
    site = tmp_path / "site"
    install_for(target_py, tag, site, [wheel])
    run = run_in(target_py, site, "import zt_optional, zlib; assert zt_optional.COMPILED; "
                 "print(zt_optional.crc32(b'zigcc') == zlib.crc32(b'zigcc'))", tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "True"


SKBUILD_CALLS = """
import zt_skb
assert zt_skb.word_counts("b a b") == {"a": 1, "b": 2}
try:
    zt_skb.word_counts("   ")
except ValueError as e:
    assert str(e) == "no words in input"
else:
    raise SystemExit("C++ exception did not become ValueError")
assert zt_skb.sum_calls(lambda i: i * i, 10) == 285
print(zt_skb.layout())
"""
MESON_CALLS = """
import zt_mc, zt_mcy
assert zt_mcy.primes(20) == [2, 3, 5, 7, 11, 13, 17, 19]
print(zt_mc.info())
"""
MESON_FAMILY = {"arm64": "aarch64", "s390x": "s390x"}


@pytest.mark.parametrize("arch", ["arm64", "s390x"])
@pytest.mark.parametrize("project", ["skbuild_ext", "meson_ext"])
def test_cmake_and_meson_backends_build_for_the_target(
        project: str, arch: str, no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """scikit-build-core (FindPython + pybind11; SSE flags on x86 only) and meson-python
    (C + Cython): configured for the target, named and tagged for it, and run there."""
    target_py = debian_sysroots.ensure_python(arch)
    tag = TARGETS[arch]
    out = tmp_path / "wheelhouse"
    verbose = ("-C", "build.verbose=true") if project == "skbuild_ext" else (
        "-C", "compile-args=-v")
    done = zigcc_build(PROJECTS / project, tag, target_py.root, out, no_system_compiler,
                       *verbose)
    log = logs(out)
    assert done.returncode == 0, done.stdout + log[-5000:]
    (wheel,) = wheels(out)
    assert wheel.name.endswith(f"-cp311-cp311-{parse(tag).wheel_platform}.whl"), wheel.name
    modules = sorted(m for m in members(wheel) if m.endswith(".so"))
    assert modules and all(m.endswith(target_py.ext_suffix) for m in modules), modules
    lines = compile_lines(log)
    assert lines, log[-3000:]
    for line in lines:
        assert " -DNDEBUG" in line and " -O" in line, line
        assert "-msse" not in line, line
    site = tmp_path / "site"
    install_for(target_py, tag, site, [wheel])
    run = run_in(target_py, site, SKBUILD_CALLS if project == "skbuild_ext" else MESON_CALLS,
                 tmp_path)
    assert run.returncode == 0, run.stderr
    order = "big" if arch == "s390x" else "little"
    machine = MACHINE[arch]
    if project == "skbuild_ext":
        assert run.stdout.strip() == repr((8, 8, order, machine, "none"))
    else:
        assert run.stdout.strip() == repr((MESON_FAMILY[arch], 3.0, 8, order))
