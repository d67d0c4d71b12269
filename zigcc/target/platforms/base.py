"""What every platform module provides, and the rules CPython shares across POSIX platforms."""

from __future__ import annotations

import re
from typing import ClassVar, Optional, Protocol

Version = tuple[int, int]
# The first CPython with PEP 803's abi3t (and stable-ABI suffixes tagged with SOABI_PLATFORM).
FIRST_ABI3T: Version = (3, 15)


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
    # CPython's MACHDEP (sys.platform's root) and how its Makefile links an extension module
    # (LDSHARED's flags) and compiles its objects (CCSHARED).
    machdep: ClassVar[str] = "linux"
    module_ldflags: ClassVar[str] = "-shared"
    ccshared: ClassVar[str] = "-fPIC"

    # ---- the target's names ------------------------------------------------
    def platform_tags(self, target: TargetLike) -> tuple[str, ...]:
        """Wheel platform tags a wheel built for ``target`` may claim, best first."""
        raise NotImplementedError

    def sysconfig_platform(self, target: TargetLike) -> str:
        """``sysconfig.get_platform()`` on the target (``_PYTHON_HOST_PLATFORM``)."""
        raise NotImplementedError

    def markers(self, target: TargetLike) -> dict[str, str]:
        """PEP 508 environment markers that depend on the platform (``os_name``,
        ``sys_platform``, ``platform_system``, ``platform_machine``) as the target's Python
        reports them."""
        raise NotImplementedError

    def installable_tags(self, target: TargetLike) -> tuple[str, ...]:
        """Platform tags of index wheels an installer on ``target`` accepts, best first (as
        pip's and packaging's ``sys_tags`` order them there, without the unportable
        ``linux_*``): what a wheelhouse takes from an index."""
        return tuple(t for t in self.platform_tags(target) if not t.startswith("linux_"))

    def lowest(self, arch: str) -> Version:
        """The lowest libc (or OS) version zig provides for ``arch`` here."""
        raise NotImplementedError

    def lowest_for_python(self, arch: str, version: Version) -> Version:
        """The lowest OS version a wheel for CPython ``version`` on ``arch`` may claim: where
        the CPython a user installs (python.org's) needs a newer OS than zig, that one."""
        return self.lowest(arch)

    # ---- CPython's names on this platform ------------------------------------
    def soabi(self, version: Version, abiflags: str, triplet: str) -> str:
        """SOABI: ``cpython-312-x86_64-linux-gnu``."""
        return f"cpython-{nodot(version)}{abiflags}-{triplet}"

    def ext_suffix(self, version: Version, abiflags: str, triplet: str) -> str:
        """EXT_SUFFIX: ``.cpython-312-x86_64-linux-gnu.so``."""
        return f".{self.soabi(version, abiflags, triplet)}.so"

    def stable_abi_suffix(self, abiflags: str, version: Version = (0, 0),
                          triplet: str = "") -> str | None:
        """The suffix backends give stable-ABI modules for CPython ``version``: the first of
        :meth:`stable_abi_suffixes` (what CPython's build-details.json, CMake's SOSABI and
        setuptools take): ``.abi3.so``; from 3.15 ``.abi3-<triplet>.so`` and, free-threaded,
        ``.abi3t-<triplet>.so``; none for a free-threaded build before 3.15 (PEP 703: it has no
        stable ABI).  Without ``version``: the rule before 3.15."""
        if version < FIRST_ABI3T:
            return None if "t" in abiflags else ".abi3.so"
        found = self.stable_abi_suffixes(version, abiflags, triplet)
        return found[0] if found else None

    def stable_abi_suffixes(self, version: Version, abiflags: str,
                            triplet: str = "") -> tuple[str, ...]:
        """The suffixes of stable-ABI modules CPython ``version`` runs, in import order
        (Python/dynload_shlib.c): abi3's ``.abi3.so``; from 3.15 (PEP 803) also abi3t's, each
        first tagged with SOABI_PLATFORM (``triplet``); a free-threaded build runs abi3t's only
        (none before 3.15)."""
        thread = "t" in abiflags
        if version < FIRST_ABI3T:
            return () if thread else (".abi3.so",)
        abis = ("abi3t",) if thread else ("abi3", "abi3t")
        return tuple(s for abi in abis
                     for s in ((f".{abi}-{triplet}.so",) if triplet else ()) + (f".{abi}.so",))

    def plain_suffix(self, ext_suffix: str) -> str:
        """The untagged suffix every CPython here also imports."""
        return ".so"

    def extension_suffixes(self, ext_suffix: str, stable: str | None, version: Version = (0, 0),
                           abiflags: str = "", triplet: str = "") -> tuple[str, ...]:
        """``importlib.machinery.EXTENSION_SUFFIXES``, in import order: the interpreter's own
        suffix, the stable ABI's (``stable``, from :meth:`stable_abi_suffix` where the
        implementation has one) and the plain one.  A CPython's ``version``, ``abiflags`` and
        ``triplet`` matter where a version changed the list: from 3.15 (PEP 803) every suffix of
        :meth:`stable_abi_suffixes`."""
        stables = (self.stable_abi_suffixes(version, abiflags, triplet)
                   if version >= FIRST_ABI3T else (stable,) if stable else ())
        found = [ext_suffix, *stables, self.plain_suffix(ext_suffix)]
        return tuple(dict.fromkeys(found))

    def sysconfigdata_name(self, abiflags: str, triplet: str) -> str | None:
        """CPython's ``_sysconfigdata_{abiflags}_{MACHDEP}_{MULTIARCH}``; None where CPython has
        no such module."""
        return None
