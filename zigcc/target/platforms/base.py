"""What every platform module provides, and the rules CPython shares across POSIX platforms."""

from __future__ import annotations

import re
from typing import ClassVar, Optional, Protocol

Version = tuple[int, int]


class TargetLike(Protocol):
    """What a platform reads of a :class:`~zigcc.target.model.Target`."""

    @property
    def os(self) -> str: ...
    @property
    def arch(self) -> str: ...
    @property
    def libc(self) -> Optional[str]: ...  # noqa: UP045 - a Protocol body is evaluated
    @property
    def libc_version(self) -> Optional[Version]: ...  # noqa: UP045
    @property
    def macos_version(self) -> Optional[Version]: ...  # noqa: UP045


def nodot(version: Version) -> str:
    return f"{version[0]}{version[1]}"


class Platform:
    """One OS (and libc): the defaults are CPython's rules on POSIX systems."""

    name: ClassVar[str]
    binary_format: ClassVar[str]  # what the loader reads: "ELF", "Mach-O" or "PE"
    # The libraries a wheel's binaries may link without bundling them (verify).
    allowed_libraries: ClassVar[re.Pattern[str]] = re.compile(r"(?!)")

    # ---- the target's names ------------------------------------------------
    def platform_tags(self, target: TargetLike) -> tuple[str, ...]:
        """Wheel platform tags a wheel built for ``target`` may claim, best first."""
        raise NotImplementedError

    def sysconfig_platform(self, target: TargetLike) -> str:
        """``sysconfig.get_platform()`` on the target (``_PYTHON_HOST_PLATFORM``)."""
        raise NotImplementedError

    def lowest(self, arch: str) -> Version:
        """The lowest libc (or OS) version zig provides for ``arch`` here."""
        raise NotImplementedError

    # ---- CPython's names on this platform ------------------------------------
    def soabi(self, version: Version, abiflags: str, triplet: str) -> str:
        """SOABI: ``cpython-312-x86_64-linux-gnu``."""
        return f"cpython-{nodot(version)}{abiflags}-{triplet}"

    def ext_suffix(self, version: Version, abiflags: str, triplet: str) -> str:
        """EXT_SUFFIX: ``.cpython-312-x86_64-linux-gnu.so``."""
        return f".{self.soabi(version, abiflags, triplet)}.so"

    def stable_abi_suffix(self, abiflags: str) -> str | None:
        """The suffix of stable-ABI modules CPython imports: ``.abi3.so``, none for the
        free-threaded build (PEP 703: it has no abi3)."""
        return None if "t" in abiflags else ".abi3.so"

    def plain_suffix(self, ext_suffix: str) -> str:
        """The untagged suffix every CPython here also imports."""
        return ".so"

    def extension_suffixes(self, ext_suffix: str, stable: str | None, version: Version = (0, 0),
                           abiflags: str = "", triplet: str = "") -> tuple[str, ...]:
        """``importlib.machinery.EXTENSION_SUFFIXES``, in import order: the interpreter's own
        suffix, the stable ABI's (``stable``, from :meth:`stable_abi_suffix` where the
        implementation has one) and the plain one.  A CPython's ``version``, ``abiflags`` and
        ``triplet`` matter where a version changed the list (Linux, 3.15)."""
        found = [ext_suffix, *([stable] if stable else []), self.plain_suffix(ext_suffix)]
        return tuple(dict.fromkeys(found))

    def sysconfigdata_name(self, abiflags: str, triplet: str) -> str | None:
        """CPython's ``_sysconfigdata_{abiflags}_{MACHDEP}_{MULTIARCH}``; None where CPython has
        no such module."""
        return None
