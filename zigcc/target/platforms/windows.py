"""Windows: ``win_amd64``/``win_arm64``/``win32`` tags, CPython's ``.cp312-win_amd64.pyd``
names, PE; no ``_sysconfigdata`` module and no stable-ABI suffix of its own (abi3 modules are
plain ``.pyd``)."""

from __future__ import annotations

from zigcc.target.arches import ARCHES
from zigcc.target.platforms.base import Platform, TargetLike, Version, nodot


class Windows(Platform):
    name = "windows"
    binary_format = "PE"
    machdep = "win32"

    def platform_tags(self, target: TargetLike) -> tuple[str, ...]:
        return (self.sysconfig_platform(target).replace("-", "_"),)

    def markers(self, target: TargetLike) -> dict[str, str]:
        machine = {"x86_64": "AMD64", "aarch64": "ARM64", "i686": "x86"}[target.arch]
        return {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
                "platform_machine": machine}

    def sysconfig_platform(self, target: TargetLike) -> str:
        return {"amd64": "win-amd64", "arm64": "win-arm64", "win32": "win32"}[
            ARCHES[target.arch].windows or ""]

    def lowest(self, arch: str) -> Version:
        return (0, 0)  # the UCRT: no version in the tag

    def soabi(self, version: Version, abiflags: str, triplet: str) -> str:
        return f"cp{nodot(version)}{abiflags.replace('d', '')}-{triplet}"

    def ext_suffix(self, version: Version, abiflags: str, triplet: str) -> str:
        debug = "_d" if "d" in abiflags else ""
        return f"{debug}.{self.soabi(version, abiflags, triplet)}.pyd"

    def stable_abi_suffix(self, abiflags: str, version: Version = (0, 0),
                          triplet: str = "") -> str | None:
        return None

    def stable_abi_suffixes(self, version: Version, abiflags: str,
                            triplet: str = "") -> tuple[str, ...]:
        return ()  # abi3 and abi3t modules are plain .pyd (PC/pyconfig.h, dynload_win.c)

    def plain_suffix(self, ext_suffix: str) -> str:
        return "_d.pyd" if ext_suffix.startswith("_d.") else ".pyd"


PLATFORM = Windows()
