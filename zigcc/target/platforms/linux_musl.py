"""musl Linux: musllinux tags (PEP 656), the musl zig ships, musl's library policy, and the
triplet CPython names musl builds by."""

from __future__ import annotations

import re

from zigcc.target.arches import MUSL_VERSION
from zigcc.target.platforms._linux import Linux
from zigcc.target.platforms.base import TargetLike, Version


class LinuxMusl(Linux):
    name = "linux-musl"
    libc = "musl"
    # musl's libc is NEEDED as plain ``libc.so`` (its libm, libpthread, ... are folded into it
    # and have no files); libgcc_s and libstdc++ are in the policy too.
    allowed_libraries = re.compile(
        r"libc\.so$|libgcc_s\.so\.1$|libstdc\+\+\.so\.6$|ld-musl-\w+\.so\.1$")

    def platform_tags(self, target: TargetLike) -> tuple[str, ...]:
        version = target.libc_version or MUSL_VERSION
        return (f"musllinux_{version[0]}_{version[1]}_{target.arch}", f"linux_{target.arch}")

    def installable_tags(self, target: TargetLike) -> tuple[str, ...]:
        """musllinux_1_N down to musllinux_1_0 (PEP 656)."""
        major, minor = target.libc_version or MUSL_VERSION
        return tuple(f"musllinux_{major}_{below}_{target.arch}"
                     for below in range(minor, -1, -1))

    def lowest(self, arch: str) -> Version:
        return MUSL_VERSION

    def python_libc(self, version: Version) -> str:
        """3.9/3.10 always say ``-linux-gnu`` (musl too); 3.11/3.12 rewrite ``linux-gnu`` to
        ``linux-musl`` when configure runs on musl (a native Alpine build: what zigcc models);
        3.13 detects musl from the target compiler's headers."""
        return "musl" if version >= (3, 11) else "gnu"


PLATFORM = LinuxMusl()
