"""The target Python as data: one frozen :class:`TargetPython` and the pure rules every
source of it (a dump, a pack, a build-details.json, a Debian sysroot) shares."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field

from zigcc.errors import ZigccError
from zigcc.python import dump as _dump

DETAILS_NAME = _dump.DETAILS_NAME
# The names CPython's build installs a PEP 739 file under, in LIBDEST: upstream's fixed
# ``build-details.json`` (Makefile.pre.in), Debian's ``build-details.$(ABIFLAGS).$(MULTIARCH).json``
# (patch build-info-multiarch, Debian bug #1121810: ``build-details..aarch64-linux-gnu.json``).
DETAILS_FILE_RE = re.compile(r"build-details(?:\.(?P<abiflags>[a-z]*)\.(?P<multiarch>[^/]*))?\.json")
SOURCE_FIX = (
    "pass a Debian-layout sysroot, a dump from `python -m zigcc.python.dump`, or a build-details.json"
)
REGEN = "regenerate it with `python -m zigcc.python.dump`"
PKG_FIX = "check the sysroot's python3 packages"
# fmt: off
# build_time_vars keys holding one absolute path: rebased under a sysroot.
SYSROOT_PATH_KEYS = frozenset((
    "prefix", "exec_prefix", "BINDIR", "LIBDIR", "LIBPL", "LIBDEST", "BINLIBDEST", "DESTLIB",
    "DESTSHARED", "MACHDESTLIB", "INCLUDEDIR", "INCLUDEPY", "CONFINCLUDEDIR", "CONFINCLUDEPY",
    "LIBPC", "SCRIPTDIR", "MANDIR", "datarootdir", "srcdir", "abs_srcdir", "abs_builddir",
))
_BIG_ENDIAN_CPUS = frozenset((
    "powerpc", "powerpc64", "ppc", "ppc64", "s390", "s390x", "mips", "mips64", "mipsisa32r6",
    "mipsisa64r6", "sparc", "sparc64", "hppa", "parisc", "parisc64", "m68k", "aarch64_be", "armeb",
))
# Debian multiarch CPU -> uname machine as sysconfig.get_platform() reports it.
_LINUX_MACHINES = {
    "i386": "i686", "i486": "i686", "i586": "i686", "powerpc64le": "ppc64le",
    "powerpc64": "ppc64", "powerpc": "ppc", "mips64el": "mips64", "mipsel": "mips",
    "hppa": "parisc", "mipsisa64r6el": "mips64", "mipsisa32r6el": "mips",
}
# fmt: on
_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]|^\\\\")


class TargetPythonError(ZigccError):
    """A target Python could not be read; the message is one line naming the path and the fix."""


def _error(where: str, problem: str, fix: str = "") -> TargetPythonError:
    text = f"{where}: {problem}" + (f"; {fix}" if fix else "")
    return TargetPythonError(" ".join(text.split()))


@dataclass(frozen=True)
class TargetPython:
    """Everything a build needs to know about the Python it targets."""

    implementation: str
    version: tuple[int, int]
    version_full: str
    abiflags: str
    platform: str
    multiarch: str | None
    ext_suffix: str
    soabi: str | None
    pointer_size: int
    byteorder: str
    gil_disabled: bool
    debug: bool
    include_dirs: tuple[str, ...]
    libdir: str | None
    ldlibrary: str | None
    libpython: str | None
    sysconfigdata_name: str | None
    config_vars: Mapping[str, object] = field(hash=False, repr=False)
    source: str
    # Every _sysconfigdata module name a sysroot has for this ABI, upstream's first (Debian
    # also ships its legacy ``_sysconfigdata_{abiflags}_{multiarch}``); () when not read.
    sysconfigdata_names: tuple[str, ...] = ()


# ---------------------------------------------------------------- pure helpers


def _cpu(arch_text: str) -> str:
    """CPU of a multiarch triple or sysconfig platform: 'aarch64-linux-gnu', 'linux-aarch64'."""
    if arch_text.startswith(("linux-", "macosx-", "win-")):
        return arch_text.rsplit("-", 1)[1]
    return arch_text.split("-", 1)[0]


def guess_pointer_size(arch_text: str) -> int:
    """32 or 64 from a multiarch triple or sysconfig platform (x32 and n32 ABIs are 32-bit)."""
    if arch_text.endswith(("gnux32", "gnuabin32")) or arch_text in ("win32", "win-arm32"):
        return 32
    wide = ("64", "s390x", "alpha", "amd64")
    return 64 if any(w in arch_text for w in wide) else 32


def guess_byteorder(arch_text: str) -> str:
    """'big' or 'little' from a multiarch triple or sysconfig platform."""
    return "big" if _cpu(arch_text) in _BIG_ENDIAN_CPUS else "little"


def linux_sysconfig_platform(multiarch: str) -> str:
    """``sysconfig.get_platform()`` of a Debian arch: 'arm-linux-gnueabihf' -> 'linux-armv7l'."""
    cpu = multiarch.split("-", 1)[0]
    if cpu == "arm":
        cpu = "armv7l" if multiarch.endswith("eabihf") else "armv5tel"
    return "linux-" + _LINUX_MACHINES.get(cpu, cpu)


def soabi_from_suffix(ext_suffix: str) -> str | None:
    """'.cpython-311-x86_64-linux-gnu.so' -> 'cpython-311-x86_64-linux-gnu'; None for '.so'."""
    match = re.fullmatch(r"(?:_d)?\.([^.]+)\.[A-Za-z]+", ext_suffix)
    return match.group(1) if match and "-" in match.group(1) else None


def fallback_ext_suffix(
    version: tuple[int, int], abiflags: str, platform: str, multiarch: str | None
) -> str | None:
    """The CPython EXT_SUFFIX for Linux/macOS when a build-details.json omits it."""
    tag = f"cpython-{version[0]}{version[1]}{abiflags}"
    if platform.startswith("linux") and multiarch:
        return f".{tag}-{multiarch}.so"
    if platform.startswith("macosx"):
        return f".{tag}-darwin.so"
    return None


def parse_version(text: str, where: str, key: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)", text.strip())
    if not match:
        raise _error(where, f"key {key} is {text!r}, not 'X.Y'", SOURCE_FIX)
    return int(match.group(1)), int(match.group(2))


def details_file_abiflags(name: str) -> str | None:
    """The ABI flags a build-details file name says ('' for Debian's default ABI, None for
    upstream's ``build-details.json``, which says none); raise ValueError for another name."""
    match = DETAILS_FILE_RE.fullmatch(name)
    if match is None:
        raise ValueError(f"{name!r} is not a build-details file name")
    return match.group("abiflags")


def _vstr(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _frozen(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return types.MappingProxyType(dict(mapping))
