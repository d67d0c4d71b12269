"""One table per naming and ABI rule, each rule with one owner: the platform seam
(zigcc.target.platforms), the arch table (zigcc.target.arches), zigcc.target.model.lowest and
zigcc.python.naming.  Where this machine has the real thing (the running CPython, pyelftools'
ELF enumeration, pyenv's CPythons), the rule is checked against it too."""

from __future__ import annotations

import importlib.machinery
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from elftools.elf.enums import ENUM_E_MACHINE

from zigcc.errors import ZigccError
from zigcc.python import naming
from zigcc.python.description import from_running_interpreter
from zigcc.python.model import TargetPython, TargetPythonError
from zigcc.target import host, platforms
from zigcc.target.arches import ARCHES, elf_machine_bytes
from zigcc.target.model import lowest, native, parse

# (target, version, abiflags, triplet) -> (EXT_SUFFIX, SOABI, stable suffix, EXTENSION_SUFFIXES,
#                                          sysconfigdata name)
SUFFIXES = {
    ("manylinux_2_17_x86_64", (3, 12), "", "x86_64-linux-gnu"): (
        ".cpython-312-x86_64-linux-gnu.so", "cpython-312-x86_64-linux-gnu", ".abi3.so",
        (".cpython-312-x86_64-linux-gnu.so", ".abi3.so", ".so"),
        "_sysconfigdata__linux_x86_64-linux-gnu"),
    ("manylinux_2_17_aarch64", (3, 13), "t", "aarch64-linux-gnu"): (
        ".cpython-313t-aarch64-linux-gnu.so", "cpython-313t-aarch64-linux-gnu", None,
        (".cpython-313t-aarch64-linux-gnu.so", ".so"),
        "_sysconfigdata_t_linux_aarch64-linux-gnu"),
    ("manylinux_2_17_armv7l", (3, 11), "", "arm-linux-gnueabihf"): (
        ".cpython-311-arm-linux-gnueabihf.so", "cpython-311-arm-linux-gnueabihf", ".abi3.so",
        (".cpython-311-arm-linux-gnueabihf.so", ".abi3.so", ".so"),
        "_sysconfigdata__linux_arm-linux-gnueabihf"),
    ("musllinux_1_2_x86_64", (3, 12), "", "x86_64-linux-musl"): (
        ".cpython-312-x86_64-linux-musl.so", "cpython-312-x86_64-linux-musl", ".abi3.so",
        (".cpython-312-x86_64-linux-musl.so", ".abi3.so", ".so"),
        "_sysconfigdata__linux_x86_64-linux-musl"),
    ("macosx_11_0_arm64", (3, 12), "", "darwin"): (
        ".cpython-312-darwin.so", "cpython-312-darwin", ".abi3.so",
        (".cpython-312-darwin.so", ".abi3.so", ".so"), "_sysconfigdata__darwin_darwin"),
    ("win_amd64", (3, 12), "", "win_amd64"): (
        ".cp312-win_amd64.pyd", "cp312-win_amd64", None, (".cp312-win_amd64.pyd", ".pyd"), None),
    ("win_arm64", (3, 13), "t", "win_arm64"): (
        ".cp313t-win_arm64.pyd", "cp313t-win_arm64", None, (".cp313t-win_arm64.pyd", ".pyd"),
        None),
    ("win_amd64", (3, 12), "d", "win_amd64"): (
        "_d.cp312-win_amd64.pyd", "cp312-win_amd64", None,
        ("_d.cp312-win_amd64.pyd", "_d.pyd"), None),
    ("manylinux_2_17_aarch64", (3, 14), "t", "aarch64-linux-gnu"): (
        ".cpython-314t-aarch64-linux-gnu.so", "cpython-314t-aarch64-linux-gnu", None,
        (".cpython-314t-aarch64-linux-gnu.so", ".so"),
        "_sysconfigdata_t_linux_aarch64-linux-gnu"),
    ("manylinux_2_17_s390x", (3, 14), "", "s390x-linux-gnu"): (
        ".cpython-314-s390x-linux-gnu.so", "cpython-314-s390x-linux-gnu", ".abi3.so",
        (".cpython-314-s390x-linux-gnu.so", ".abi3.so", ".so"),
        "_sysconfigdata__linux_s390x-linux-gnu"),
    ("musllinux_1_2_aarch64", (3, 15), "t", "aarch64-linux-musl"): (
        ".cpython-315t-aarch64-linux-musl.so", "cpython-315t-aarch64-linux-musl", None,
        (".cpython-315t-aarch64-linux-musl.so", ".so"),  # without version: the pre-3.15 list
        "_sysconfigdata_t_linux_aarch64-linux-musl"),
}


@pytest.mark.parametrize(("key", "expected"), SUFFIXES.items(), ids=lambda v: str(v))
def test_cpython_names_per_platform(key: tuple, expected: tuple) -> None:
    spec, version, abiflags, triplet = key
    ext, soabi, stable, suffixes, data = expected
    rules = parse(spec).platform
    assert rules.ext_suffix(version, abiflags, triplet) == ext
    assert rules.soabi(version, abiflags, triplet) == soabi
    assert rules.stable_abi_suffix(abiflags) == stable
    assert rules.extension_suffixes(ext, stable) == suffixes
    assert rules.sysconfigdata_name(abiflags, triplet) == data


def test_the_running_cpython_obeys_the_rules() -> None:
    """This machine's own CPython, described and given to the rules as a native target."""
    tp = from_running_interpreter()
    target = native(host.detect())
    abiflags = sys.abiflags
    triplet = sysconfig.get_config_var("MULTIARCH")
    version = sys.version_info[:2]
    assert target.platform.ext_suffix(version, abiflags, triplet) == \
        sysconfig.get_config_var("EXT_SUFFIX")
    assert target.platform.soabi(version, abiflags, triplet) == sysconfig.get_config_var("SOABI")
    assert naming.extension_suffixes(tp, target) == \
        tuple(importlib.machinery.EXTENSION_SUFFIXES)
    assert naming.sysconfigdata_name(tp, target) == sysconfig._get_sysconfigdata_name()  # type: ignore[attr-defined]
    real = sysconfig._get_sysconfigdata_name()  # type: ignore[attr-defined]
    assert target.platform.sysconfigdata_name(abiflags, triplet) == real
    assert naming.include_name(tp) == Path(sysconfig.get_paths()["include"]).name


PYENV = Path.home() / ".pyenv" / "versions"


FLAGS = {  # version -> configure's (OPT, BASECFLAGS) for a release build
    (3, 9): ("-DNDEBUG -g -fwrapv -O3 -Wall", "-Wno-unused-result -Wsign-compare"),
    (3, 10): ("-DNDEBUG -g -fwrapv -O3 -Wall", "-Wno-unused-result -Wsign-compare"),
    (3, 11): ("-DNDEBUG -g -fwrapv -O3 -Wall", "-Wsign-compare"),
    (3, 12): ("-DNDEBUG -g -O3 -Wall", "-fno-strict-overflow -Wsign-compare"),
    (3, 13): ("-DNDEBUG -g -O3 -Wall", "-fno-strict-overflow -Wsign-compare"),
    (3, 14): ("-DNDEBUG -g -O3 -Wall", "-fno-strict-overflow -Wsign-compare"),
    (3, 15): ("-DNDEBUG -g -O3 -Wall",
              "-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer  -fno-strict-overflow "
              "-Wsign-compare"),
}


@pytest.mark.parametrize(("version", "flags"), FLAGS.items())
def test_configure_flags_per_version(version: tuple[int, int], flags: tuple[str, str]) -> None:
    """The table, and pyenv's CPythons (built by configure's defaults with gcc) where found."""
    assert naming.configure_flags(version) == flags
    name = f"{version[0]}.{version[1]}"
    found = sorted(PYENV.glob(f"{name}.*/bin/python{name}"))
    if not found:
        pytest.skip(f"no pyenv CPython {name} under {PYENV}")
    real = subprocess.run([str(found[-1]), "-c", "import sysconfig; print(repr(tuple("
                           "sysconfig.get_config_var(k) for k in ('OPT', 'BASECFLAGS'))))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert real == repr(flags)


LOWEST = {  # arch -> (lowest manylinux tag, lowest musllinux tag or None)
    "x86_64": ("manylinux_2_17_x86_64", "musllinux_1_2_x86_64"),
    "aarch64": ("manylinux_2_17_aarch64", "musllinux_1_2_aarch64"),
    "armv7l": ("manylinux_2_17_armv7l", "musllinux_1_2_armv7l"),
    "i686": ("manylinux_2_17_i686", "musllinux_1_2_i686"),
    "ppc64le": ("manylinux_2_19_ppc64le", None),
    "s390x": ("manylinux_2_17_s390x", None),
    "riscv64": ("manylinux_2_27_riscv64", None),
}


@pytest.mark.parametrize(("arch", "tags"), LOWEST.items())
def test_lowest_libc_per_arch(arch: str, tags: tuple[str, str | None]) -> None:
    gnu, musl = tags
    assert lowest(arch).platform_tags[0] == gnu
    assert parse(f"linux_{arch}") == lowest(arch)  # a bare linux_ tag means the lowest
    if musl:
        assert lowest(arch, "musl").platform_tags[0] == musl
    else:
        with pytest.raises(ZigccError, match=f"use {gnu}"):
            parse(f"musllinux_1_2_{arch}")


ELF = {"x86_64": "3e00", "aarch64": "b700", "armv7l": "2800", "i686": "0300",
       "ppc64le": "1500", "s390x": "0016", "riscv64": "f300"}


@pytest.mark.parametrize(("arch", "od"), ELF.items())
def test_elf_machine_per_arch(arch: str, od: str) -> None:
    """The arch table's ELF machine is pyelftools' number for its name; CMake's emulator
    script reads it as od prints bytes 18-19."""
    info = ARCHES[arch]
    assert ENUM_E_MACHINE[info.elf] == info.elf_machine
    assert elf_machine_bytes(info) == od


PLATFORM_OF = {"manylinux_2_17_x86_64": ("linux-gnu", "ELF"),
               "musllinux_1_2_aarch64": ("linux-musl", "ELF"),
               "macosx_11_0_arm64": ("macos", "Mach-O"),
               "win_arm64": ("windows", "PE")}


@pytest.mark.parametrize(("spec", "expected"), PLATFORM_OF.items())
def test_one_platform_module_per_platform(spec: str, expected: tuple[str, str]) -> None:
    rules = platforms.of(parse(spec))
    assert (rules.name, rules.binary_format) == expected
    assert rules is parse(spec).platform


@pytest.mark.parametrize(("name", "allowed", "refused"), [
    ("linux-gnu", ["libc.so.6", "libm.so.6", "libstdc++.so.6", "ld-linux-aarch64.so.1"],
     ["libc.so", "libssl.so.3", "libpython3.12.so.1.0"]),
    ("linux-musl", ["libc.so", "libgcc_s.so.1", "ld-musl-x86_64.so.1"],
     ["libc.so.6", "libm.so.6", "libz.so.1"]),
])
def test_library_policy_per_platform(name: str, allowed: list[str], refused: list[str]) -> None:
    rules = next(p for p in platforms.PLATFORMS.values() if p.name == name)
    assert [lib for lib in allowed if not rules.allowed_libraries.match(lib)] == []
    assert [lib for lib in refused if rules.allowed_libraries.match(lib)] == []


def test_one_user_error_type() -> None:
    """A target Python that cannot be read is a user error like any other (one ERROR line)."""
    assert issubclass(TargetPythonError, ZigccError)


def test_one_tool_list() -> None:
    """The shims a toolchain folder holds (zigcc.toolchain.folder.ALL_TOOLS) are the tools
    every build system's file names: CMake's toolchain file and meson's cross file."""
    from zigcc.backends import cmake, meson
    from zigcc.toolchain.folder import ALL_TOOLS, Toolchain

    tc = Toolchain(parse("manylinux_2_17_aarch64"), Path("/tc"))
    tools = tc.tools()
    assert tuple(tools) == ALL_TOOLS == ("cc", "c++", "ar", "ranlib", "strip", "objcopy")
    cmake_text = cmake.toolchain_file(tc.target, tools)
    meson_text = meson.cross_file(tc.target, tools)
    for name in ALL_TOOLS:
        assert f"/tc/{name}" in cmake_text and f"/tc/{name}" in meson_text, name


# (target, version, abiflags, triplet) -> EXTENSION_SUFFIXES where 3.15 changed them (PEP 803:
# abi3t; both stable ABIs also tagged with SOABI_PLATFORM; Debian sid's 3.15.2 lists the same).
SUFFIXES_BY_VERSION = {
    ("manylinux_2_17_x86_64", (3, 15), "", "x86_64-linux-gnu"): (
        ".cpython-315-x86_64-linux-gnu.so", ".abi3-x86_64-linux-gnu.so", ".abi3.so",
        ".abi3t-x86_64-linux-gnu.so", ".abi3t.so", ".so"),
    ("manylinux_2_17_aarch64", (3, 15), "t", "aarch64-linux-gnu"): (
        ".cpython-315t-aarch64-linux-gnu.so", ".abi3t-aarch64-linux-gnu.so", ".abi3t.so", ".so"),
    ("musllinux_1_2_x86_64", (3, 15), "", "x86_64-linux-musl"): (
        ".cpython-315-x86_64-linux-musl.so", ".abi3-x86_64-linux-musl.so", ".abi3.so",
        ".abi3t-x86_64-linux-musl.so", ".abi3t.so", ".so"),
    ("manylinux_2_17_x86_64", (3, 14), "t", "x86_64-linux-gnu"): (
        ".cpython-314t-x86_64-linux-gnu.so", ".so"),
    ("manylinux_2_17_x86_64", (3, 14), "", "x86_64-linux-gnu"): (
        ".cpython-314-x86_64-linux-gnu.so", ".abi3.so", ".so"),
    # macOS loads with dynload_shlib.c too; its SOABI_PLATFORM (= PLATFORM_TRIPLET) is darwin.
    ("macosx_11_0_arm64", (3, 15), "t", "darwin"): (
        ".cpython-315t-darwin.so", ".abi3t-darwin.so", ".abi3t.so", ".so"),
    ("win_amd64", (3, 15), "t", "win_amd64"): (".cp315t-win_amd64.pyd", ".pyd"),
}


@pytest.mark.parametrize(("key", "expected"), SUFFIXES_BY_VERSION.items(), ids=lambda v: str(v))
def test_extension_suffixes_by_version(key: tuple, expected: tuple) -> None:
    """The list, and the stable-ABI suffix backends name limited-API modules by: its first
    ``.abi*`` entry, as CPython's build-details.json takes it (abi3t's for 3.15t, PEP 803)."""
    spec, version, abiflags, triplet = key
    rules = parse(spec).platform
    ext = rules.ext_suffix(version, abiflags, triplet)
    stable = rules.stable_abi_suffix(abiflags, version, triplet)
    assert rules.extension_suffixes(ext, stable, version, abiflags, triplet) == expected
    assert stable == next((s for s in expected if s.startswith(".abi")), None)
    assert rules.stable_abi_suffixes(version, abiflags, triplet) == \
        tuple(s for s in expected if s.startswith(".abi"))


def _described(version: tuple[int, int], abiflags: str) -> TargetPython:
    """An aarch64 glibc CPython ``version`` with ``abiflags``, as a description gives it."""
    nodot = f"{version[0]}{version[1]}{abiflags}"
    return TargetPython(
        implementation="cpython", version=version, version_full="{}.{}.0".format(*version),
        abiflags=abiflags, platform="linux-aarch64", multiarch="aarch64-linux-gnu",
        ext_suffix=f".cpython-{nodot}-aarch64-linux-gnu.so",
        soabi=f"cpython-{nodot}-aarch64-linux-gnu", pointer_size=64, byteorder="little",
        gil_disabled="t" in abiflags, debug=False, include_dirs=(), libdir=None,
        ldlibrary=None, libpython=None, sysconfigdata_name=None, config_vars={}, source="test")


@pytest.mark.parametrize(("abiflags", "version", "tag"), [
    ("", (3, 9), "abi3"), ("", (3, 15), "abi3"), ("t", (3, 14), None),
    ("t", (3, 15), "abi3.abi3t"), ("t", (3, 16), "abi3.abi3t"),
])
def test_stable_abi_tag_of_a_target_python(abiflags: str, version: tuple[int, int],
                                          tag: str | None) -> None:
    """What a limited-API wheel for that CPython is tagged (PEP 803: free-threaded 3.15+
    headers compile abi3t, which GIL-enabled 3.15+ runs too)."""
    tp = _described(version, abiflags)
    assert naming.stable_abi_tag(tp) == tag
    target = parse("manylinux_2_17_aarch64")
    stable = naming.stable_abi_suffix(tp, target)
    assert (stable is None) is (tag is None)
    if stable:
        thread = "t" if "t" in abiflags else ""
        assert stable == (f".abi3{thread}-aarch64-linux-gnu.so" if version >= (3, 15)
                          else ".abi3.so")


# cpu -> 3.15's BASECFLAGS there (as Debian sid's python3.15 has them on each arch)
BASECFLAGS_315 = {
    "x86_64": "-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer  -fno-strict-overflow "
              "-Wsign-compare",
    "arm": "-fno-omit-frame-pointer -marm  -fno-strict-overflow -Wsign-compare",
    "powerpc64le": "-fno-strict-overflow -Wsign-compare",
    "s390x": "-mbackchain  -fno-strict-overflow -Wsign-compare",
}


@pytest.mark.parametrize(("cpu", "basecflags"), BASECFLAGS_315.items())
def test_configure_flags_315_per_cpu(cpu: str, basecflags: str) -> None:
    assert naming.configure_flags((3, 15), cpu) == ("-DNDEBUG -g -O3 -Wall", basecflags)
    assert naming.configure_flags((3, 14), cpu) == FLAGS[3, 14]
