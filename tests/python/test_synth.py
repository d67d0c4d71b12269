"""Synthesized target Pythons: no target interpreter, the same facts as the real ones.

- EXT_SUFFIX, SOABI and MULTIARCH equal Debian's real interpreters' (bookworm 3.11, trixie
  3.13, bullseye 3.9), synthesized from pyenv's x86_64 CPython of the same X.Y;
- synthesizing from another architecture's headers (a Debian sysroot's) instead of the build
  interpreter's gives a byte-identical pyconfig.h and the same build facts;
- every pyenv CPython 3.9-3.13 synthesizes a target for each of the seven manylinux arches
  and musllinux x86_64/aarch64; debug builds, macOS and Windows are refused in one line.
(The ABI macros of pyconfig.h against Debian's: tests/python/test_pyconfig.py.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import debian_sysroots
import pytest

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.python import formats, interpreter, synth
from zigcc.python.description import TargetPython, load
from zigcc.target.model import parse
from zigcc.toolchain import installed

pytestmark = pytest.mark.slow

DEBIAN_TARGETS = {"arm64": "manylinux_2_17_aarch64", "armhf": "manylinux_2_17_armv7l",
                  "i386": "manylinux_2_17_i686", "ppc64el": "manylinux_2_19_ppc64le",
                  "s390x": "manylinux_2_17_s390x", "riscv64": "manylinux_2_27_riscv64"}
SEVEN = ("manylinux_2_17_x86_64", *DEBIAN_TARGETS.values())
MUSL = ("musllinux_1_2_x86_64", "musllinux_1_2_aarch64")
# Facts that must not depend on where the headers came from.
FACT_FIELDS = ("version", "abiflags", "platform", "multiarch", "ext_suffix", "soabi",
               "pointer_size", "byteorder", "gil_disabled", "debug", "sysconfigdata_name")
PATH_VARS = ("INCLUDEPY", "CONFINCLUDEPY", "LIBDIR", "LIBPL", "prefix")


@pytest.fixture(scope="module")
def zig() -> Path:
    settings = Settings.from_env(os.environ)
    return installed.stable_zig(installed.zig_binary(), settings.cache_dir, installed.zig_version())


def _pyenv(version: tuple[int, int], cpython_source: Any = None) -> interpreter.BuildPython:
    """The build interpreter of ``version``: on PATH or under pyenv, else (3.14 and 3.15,
    which pyenv here lacks) the one tests/cpython_source.py builds from Debian's source."""
    try:
        return interpreter.find(version, "", os.environ)
    except ZigccError as exc:
        if cpython_source is None or version < (3, 14):
            pytest.skip(str(exc))
        built = cpython_source("{}.{}".format(*version))
        return interpreter.query(str(built.executable))


def _headers(bp: interpreter.BuildPython) -> synth.BuildHeaders:
    return synth.BuildHeaders(bp.version, bp.abiflags, bp.version_full, bp.include_dir)


def _synth(target: str, bh: synth.BuildHeaders, zig: Path, cache: Path) -> TargetPython:
    return synth.synthesize(parse(target), bh, zig, cache)


def _debian(arch: str, suite: str) -> debian_sysroots.DebianPython:
    try:
        return debian_sysroots.ensure_python(arch, suite=suite)
    except debian_sysroots.DebianUnavailableError as exc:  # the mirror lacks it; else fail
        pytest.skip(f"{suite} {arch}: {exc}")


ROWS = [(s, a) for (s, a) in sorted(debian_sysroots.SUITES) if a in DEBIAN_TARGETS]


@pytest.mark.parametrize(("suite", "arch"), ROWS, ids=[f"{s}-{a}" for s, a in ROWS])
def test_names_equal_debians(suite: str, arch: str, zig: Path, tmp_path: Path,
                             cpython_source: Any) -> None:
    real = load(str(_debian(arch, suite).root))
    made = _synth(DEBIAN_TARGETS[arch], _headers(_pyenv(real.version, cpython_source)), zig,
                  tmp_path)
    for name in ("ext_suffix", "soabi", "multiarch", "platform", "pointer_size", "byteorder",
                 "version"):
        assert getattr(made, name) == getattr(real, name), name
    # A synthesized target is upstream's CPython: upstream's module name, which Debian ships
    # too (bullseye and bookworm's interpreters import their legacy name, the other one).
    assert made.sysconfigdata_name in real.sysconfigdata_names, real.sysconfigdata_names
    for var in ("EXT_SUFFIX", "SOABI", "MULTIARCH", "SIZEOF_LONG", "SIZEOF_VOID_P",
                "SIZEOF_SIZE_T", "SIZEOF_DOUBLE", "SIZEOF_WCHAR_T", "ALIGNOF_LONG",
                "HAVE_GCC_UINT128_T", "ABIFLAGS"):
        if var in real.config_vars or var.startswith(("EXT", "SOABI", "MULTI", "SIZEOF")):
            assert made.config_vars[var] == real.config_vars[var], var


@pytest.mark.parametrize(("suite", "arch"), [("bookworm", "arm64"), ("trixie", "riscv64"),
                                             ("bullseye", "i386"), ("bookworm", "s390x")])
def test_headers_of_another_arch_give_the_same_target(suite: str, arch: str, zig: Path,
                                                      tmp_path: Path) -> None:
    """Only the platform-neutral Include/ tree comes from the build interpreter: Debian's
    headers of another architecture (whose own pyconfig.h differs) change nothing."""
    sysroot = _debian(arch, suite)
    version = sysroot.version
    bp = _pyenv(version)
    theirs = synth.BuildHeaders(version, "", bp.version_full, str(sysroot.include_dirs[0]))
    for target in ("manylinux_2_17_aarch64", "manylinux_2_17_s390x", "musllinux_1_2_x86_64"):
        mine = _synth(target, _headers(bp), zig, tmp_path / "a")
        other = _synth(target, theirs, zig, tmp_path / "b")
        a = Path(mine.include_dirs[-1], "pyconfig.h").read_bytes()
        b = Path(other.include_dirs[-1], "pyconfig.h").read_bytes()
        assert a == b, target
        for name in FACT_FIELDS:
            assert getattr(mine, name) == getattr(other, name), (target, name)
        strip = {k: v for k, v in mine.config_vars.items() if k not in PATH_VARS}
        assert strip == {k: v for k, v in other.config_vars.items() if k not in PATH_VARS}


@pytest.mark.parametrize("minor", [9, 10, 11, 12, 13, 14, 15])
def test_every_pyenv_python_synthesizes_every_arch(minor: int, zig: Path, tmp_path: Path,
                                                   cpython_source: Any) -> None:
    bp = _pyenv((3, minor), cpython_source)
    for target in (*SEVEN, *MUSL):
        tp = _synth(target, _headers(bp), zig, tmp_path)
        t = parse(target)
        assert tp.version == (3, minor) and tp.platform == t.sysconfig_platform
        assert tp.pointer_size == t.info.bits and tp.byteorder == t.info.endian
        assert (Path(tp.include_dirs[0]) / "Python.h").is_file()
        text = Path(tp.include_dirs[-1], "pyconfig.h").read_text()
        assert f"CPython 3.{minor} on {target}" in text
        libc = "musl" if target.startswith("musl") and minor >= 11 else "gnu"
        assert tp.ext_suffix.endswith(f"-linux-{libc}{'eabihf' if 'armv7l' in target else ''}"
                                      ".so"), tp.ext_suffix


def test_musl_triplet_by_version(zig: Path, tmp_path: Path) -> None:
    """CPython names musl builds -linux-musl from 3.11 on (configure rewrites linux-gnu when
    it runs on musl); 3.9 and 3.10 say -linux-gnu there too."""
    for minor, suffix in ((10, ".cpython-310-x86_64-linux-gnu.so"),
                          (11, ".cpython-311-x86_64-linux-musl.so"),
                          (13, ".cpython-313-x86_64-linux-musl.so")):
        tp = _synth("musllinux_1_2_x86_64", _headers(_pyenv((3, minor))), zig, tmp_path)
        assert tp.ext_suffix == suffix
        assert tp.config_vars["HOST_GNU_TYPE"] == "x86_64-linux-musl"


@pytest.mark.parametrize(("target", "abiflags", "message"), [
    ("manylinux_2_17_aarch64", "d", "a debug CPython"),
    # Windows and macOS are synthesized (python/synth_windows.py, synth_macos.py): from
    # headers the interpreter lacks here, and for a macOS version python.org's CPython runs on
    ("win_amd64", "", "no Python.h; install the build interpreter's development headers"),
    ("macosx_11_0_arm64", "", "no Python.h; install the build interpreter's development"),
    ("macosx_11_0_arm64", "d", "no debug CPython for macOS"),
])
def test_what_cannot_be_synthesized_is_refused(target: str, abiflags: str, message: str,
                                               zig: Path, tmp_path: Path) -> None:
    bh = synth.BuildHeaders((3, 11), abiflags, "3.11.7", str(tmp_path))
    with pytest.raises(ZigccError, match=message) as info:
        _synth(target, bh, zig, tmp_path)
    assert "\n" not in str(info.value)


def test_version_info() -> None:
    assert formats.release_info((3, 13), "3.13.0rc2") == {
        "major": 3, "minor": 13, "micro": 0, "releaselevel": "candidate", "serial": 2}
    info = formats.release_info((3, 11), "3.11.7")
    assert formats.hexversion(info) == 0x030B07F0
