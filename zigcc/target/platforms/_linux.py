"""What glibc and musl Linux share: CPython's names there (``MACHDEP`` linux) and the
sysconfig platform; :mod:`linux_gnu` and :mod:`linux_musl` add their tags, libc and policy."""

from __future__ import annotations

from zigcc.target.platforms.base import Platform, TargetLike, Version


class Linux(Platform):
    binary_format = "ELF"
    libc: str  # the GNU triple's libc part: gnu or musl

    def sysconfig_platform(self, target: TargetLike) -> str:
        return f"linux-{target.arch}"

    def markers(self, target: TargetLike) -> dict[str, str]:
        return {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                "platform_machine": target.arch}  # uname -m: the arch table's wheel names

    def sysconfigdata_name(self, abiflags: str, triplet: str) -> str:
        return f"_sysconfigdata_{abiflags}_linux_{triplet}"

    def triplet(self, cpu: str, arm_abi: str, version: Version) -> str:
        """CPython's PLATFORM_TRIPLET (= MULTIARCH) for CPython ``version`` built for this libc
        on ``cpu`` (Debian's spelling: i386, arm, powerpc64le); ``arm_abi`` is ``eabihf`` or
        ``eabi`` on 32-bit Arm, else empty."""
        return f"{cpu}-linux-{self.python_libc(version)}{arm_abi}"

    def python_libc(self, version: Version) -> str:
        """The libc part CPython ``version`` writes into PLATFORM_TRIPLET."""
        return self.libc
