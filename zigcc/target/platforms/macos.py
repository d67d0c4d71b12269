"""macOS: ``macosx_<major>_<minor>_<arch>`` tags, CPython's ``darwin`` names, Mach-O."""

from __future__ import annotations

from zigcc.target.arches import ARCHES, MIN_MACOS
from zigcc.target.platforms.base import Platform, TargetLike, Version


def _mac_arch(target: TargetLike) -> str:
    return "universal2" if target.arch == "universal2" else (ARCHES[target.arch].macos or "")


class MacOS(Platform):
    name = "macos"
    binary_format = "Mach-O"

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

    def sysconfigdata_name(self, abiflags: str, triplet: str) -> str:
        return f"_sysconfigdata_{abiflags}_darwin_{triplet}"


PLATFORM = MacOS()
