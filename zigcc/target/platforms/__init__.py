"""The platform seam: every rule that differs by platform, one module per platform.

A :class:`~zigcc.target.platforms.base.Platform` answers for one OS and libc: the wheel
platform tags and ``sysconfig.get_platform()`` of a target, the names CPython gives itself there
(EXT_SUFFIX, SOABI, the stable-ABI suffix, ``EXTENSION_SUFFIXES``, the ``_sysconfigdata`` module,
PLATFORM_TRIPLET), the lowest libc or OS version zig provides per arch, and what verify accepts
(the binary format, the libraries a wheel may link).  Adding a platform is adding a module here
and a row to :data:`PLATFORMS`.
"""

from __future__ import annotations

from zigcc.target.platforms import linux_gnu, linux_musl, macos, windows
from zigcc.target.platforms._linux import Linux
from zigcc.target.platforms.base import Platform, TargetLike

# The Linux platforms by libc (what synthesis and build-details reading need).
LINUX: dict[str, Linux] = {"gnu": linux_gnu.PLATFORM, "musl": linux_musl.PLATFORM}

PLATFORMS: dict[tuple[str, str | None], Platform] = {
    **{("linux", libc): platform for libc, platform in LINUX.items()},
    ("macos", None): macos.PLATFORM,
    ("windows", "gnu"): windows.PLATFORM,
}

__all__ = ["LINUX", "PLATFORMS", "Linux", "Platform", "TargetLike", "of"]


def of(target: TargetLike) -> Platform:
    """The platform of ``target`` (a Linux target without a libc is glibc's)."""
    libc = (target.libc or "gnu") if target.os in ("linux", "windows") else None
    return PLATFORMS[(target.os, libc)]
