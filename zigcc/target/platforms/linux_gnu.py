"""glibc Linux: manylinux tags (PEP 600, and the legacy PEP 513/571/599 aliases), glibc as low
as zig provides it per arch, and the manylinux library policy."""

from __future__ import annotations

import re

from zigcc.target.arches import ARCHES, LEGACY_MANYLINUX, LEGACY_MANYLINUX_ARCHES
from zigcc.target.platforms._linux import Linux
from zigcc.target.platforms.base import TargetLike, Version


class LinuxGnu(Linux):
    name = "linux-gnu"
    libc = "gnu"
    # The libraries every manylinux policy (PEP 600 "system" libraries) allows to be NEEDED.
    allowed_libraries = re.compile(
        r"(libc|libm|libdl|librt|libpthread|libutil|libnsl|libresolv|libgcc_s|libstdc\+\+|"
        r"libcrypt|libz)\.so\.\d+$|ld-.*\.so\.\d+$|ld64\.so\.\d+$|ld-linux.*\.so\.\d+$")

    def platform_tags(self, target: TargetLike) -> tuple[str, ...]:
        tags: list[str] = []
        if target.libc_version:
            major, minor = target.libc_version
            tags.append(f"manylinux_{major}_{minor}_{target.arch}")
            for legacy, version in LEGACY_MANYLINUX.items():
                if version == target.libc_version and \
                        target.arch in LEGACY_MANYLINUX_ARCHES[legacy]:
                    tags.append(f"{legacy}_{target.arch}")
        tags.append(f"linux_{target.arch}")
        return tuple(tags)

    def installable_tags(self, target: TargetLike) -> tuple[str, ...]:
        """Every manylinux tag up to the target's glibc, newest first (PEP 600: a wheel for
        glibc 2.X installs on any glibc >= 2.X), with the legacy aliases where they apply."""
        major, minor = target.libc_version or ARCHES[target.arch].min_glibc
        tags: list[str] = []
        for below in range(minor, 4, -1):
            tags.append(f"manylinux_{major}_{below}_{target.arch}")
            for legacy, version in LEGACY_MANYLINUX.items():
                if version == (major, below) and target.arch in LEGACY_MANYLINUX_ARCHES[legacy]:
                    tags.append(f"{legacy}_{target.arch}")
        return tuple(tags)

    def lowest(self, arch: str) -> Version:
        return ARCHES[arch].min_glibc


PLATFORM = LinuxGnu()
