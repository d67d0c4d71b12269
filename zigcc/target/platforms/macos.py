"""macOS: ``macosx_<major>_<minor>_<arch>`` tags, CPython's ``darwin`` names, Mach-O."""

from __future__ import annotations

from zigcc.target.arches import ARCHES, MIN_MACOS
from zigcc.target.platforms.base import Platform, TargetLike, Version


def _mac_arch(target: TargetLike) -> str:
    return "universal2" if target.arch == "universal2" else (ARCHES[target.arch].macos or "")


# The macOS version python.org's CPython installers are built for (their
# ``sysconfig.get_platform()``), by CPython version: 10.9 through 3.11, 10.13 for 3.12 and
# 3.13, 10.15 from 3.14 (CPython gh-137749); arm64 runs macOS 11 and later only.
_PYTHON_ORG_X86_64: tuple[tuple[Version, Version], ...] = (
    ((3, 14), (10, 15)), ((3, 12), (10, 13)), ((0, 0), (10, 9)))


class MacOS(Platform):
    name = "macos"
    binary_format = "Mach-O"
    machdep = "darwin"
    # python.org's LDSHARED: a bundle whose CPython symbols dyld binds from the interpreter
    module_ldflags = "-bundle -undefined dynamic_lookup"
    ccshared = ""  # clang's code for macOS is position-independent already

    def platform_tags(self, target: TargetLike) -> tuple[str, ...]:
        assert target.macos_version
        major, minor = target.macos_version
        return (f"macosx_{major}_{minor}_{_mac_arch(target)}",)

    def markers(self, target: TargetLike) -> dict[str, str]:
        machine = {"aarch64": "arm64"}.get(target.arch, target.arch)
        return {"os_name": "posix", "sys_platform": "darwin", "platform_system": "Darwin",
                "platform_machine": machine}

    def sysconfig_platform(self, target: TargetLike) -> str:
        assert target.macos_version
        major, minor = target.macos_version
        return f"macosx-{major}.{minor}-{_mac_arch(target)}"

    def lowest(self, arch: str) -> Version:
        return MIN_MACOS[arch]

    def lowest_for_python(self, arch: str, version: Version) -> Version:
        floor = next(mac for first, mac in _PYTHON_ORG_X86_64 if version >= first)
        return max(self.lowest(arch), floor)

    def sysconfigdata_name(self, abiflags: str, triplet: str) -> str:
        return f"_sysconfigdata_{abiflags}_darwin_{triplet}"


PLATFORM = MacOS()
