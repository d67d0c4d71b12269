"""The target model: one pure, table-driven mapping between the names of a platform.

A target is parsed from a wheel platform tag (``manylinux_2_17_aarch64``), a zig
triple (``aarch64-linux-gnu.2.17``) or ``native``; from it derive the zig
``-target``/``-mcpu``, the wheel tags it may claim, the sysconfig platform, the GNU
multiarch triple and the CMake / meson names.  No subprocess, no environment: the
build machine is an explicit :class:`Host` argument.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from zigcc.errors import ZigccError
from zigcc.target import platforms
from zigcc.target.arches import (
    ARCHES,
    LEGACY_MANYLINUX,
    LEGACY_MANYLINUX_ARCHES,
    MAX_GLIBC,
    MIN_MACOS,
    MUSL_VERSION,
    Arch,
    Version,
)

__all__ = ["ARCHES", "LEGACY_MANYLINUX", "LEGACY_MANYLINUX_ARCHES", "MAX_GLIBC", "MIN_MACOS",
           "MUSL_VERSION", "Arch", "Host", "Target", "Version", "native", "parse", "supported"]

@dataclass(frozen=True)
class Host:
    """What the build machine is: the only input ``native`` depends on."""

    os: str  # linux / macos / windows
    arch: str  # a key of ARCHES
    glibc: Version | None = None  # None on musl or non-Linux hosts
    macos: Version | None = None


@dataclass(frozen=True)
class Target:
    os: str  # linux / macos / windows
    arch: str  # a key of ARCHES, or "universal2"
    libc: str | None = None  # gnu / musl on Linux, gnu (mingw) on Windows
    libc_version: Version | None = None  # glibc or musl version on Linux
    macos_version: Version | None = None

    # ---- derived names -------------------------------------------------
    @property
    def info(self) -> Arch:
        if self.arch == "universal2":
            raise ZigccError("macosx universal2 is two targets, arm64 and x86_64: `zigcc "
                             "build --target macosx_*_universal2` builds both and merges them")
        return ARCHES[self.arch]

    @property
    def zig_target(self) -> str:
        """The ``-target`` value, including the libc / OS version."""
        a = self.info
        if self.os == "macos":
            assert self.macos_version
            return f"{a.zig}-macos.{_v(self.macos_version)}"
        if self.os == "windows":
            return f"{a.zig}-windows-gnu"
        abi = self.libc or "gnu"
        if self.arch == "armv7l":
            abi += "eabihf"
        if self.libc == "gnu" and self.libc_version:
            return f"{a.zig}-linux-{abi}.{_v(self.libc_version)}"
        return f"{a.zig}-linux-{abi}"

    @property
    def mcpu(self) -> str:
        if self.os == "macos" and self.arch == "aarch64":
            return "apple_m1"  # the first arm64 Mac; zig's macOS baseline too
        return self.info.mcpu

    @property
    def ident(self) -> str:
        """A filesystem-safe id, unique per target (cache folder names)."""
        return self.zig_target

    @property
    def gnu_triple(self) -> str:
        """Autotools ``--host`` triple, also the prefix of the GNU-style tool names."""
        a = self.info
        if self.os == "macos":
            return f"{a.gnu}-apple-darwin"
        if self.os == "windows":
            return f"{a.gnu}-w64-mingw32"
        abi = (self.libc or "gnu") + ("eabihf" if self.arch == "armv7l" else "")
        return f"{a.gnu}-linux-{abi}"

    @property
    def multiarch(self) -> str:
        """Debian/CPython MULTIARCH (``i386-linux-gnu`` for i686)."""
        if self.os != "linux":
            return self.gnu_triple
        return self.gnu_triple.replace(self.info.gnu, self.info.multiarch, 1)

    @property
    def platform(self) -> platforms.Platform:
        """The platform module of this target (the seam: tags, CPython's names, policy)."""
        return platforms.of(self)

    @property
    def sysconfig_platform(self) -> str:
        return self.platform.sysconfig_platform(self)

    @property
    def platform_tags(self) -> tuple[str, ...]:
        """Wheel platform tags a wheel built for this target may claim, best first."""
        return self.platform.platform_tags(self)

    @property
    def wheel_platform(self) -> str:
        """The compressed platform tag for a wheel's file name (auditwheel style)."""
        tags = [t for t in self.platform_tags if not t.startswith("linux_")] or [
            self.platform_tags[0]]
        return ".".join(tags)

    @property
    def cmake_system_name(self) -> str:
        return {"linux": "Linux", "macos": "Darwin", "windows": "Windows"}[self.os]

    @property
    def cmake_system_processor(self) -> str:
        if self.os == "windows":
            return {"x86_64": "AMD64", "aarch64": "ARM64", "i686": "X86"}[self.arch]
        if self.os == "macos":
            return self.info.macos or self.arch
        return self.info.cmake

    @property
    def meson(self) -> dict[str, str]:
        a = self.info
        system = {"linux": "linux", "macos": "darwin", "windows": "windows"}[self.os]
        return {"system": system, "cpu_family": a.meson_family, "cpu": a.meson_cpu,
                "endian": a.endian}

    def is_native(self, host: Host) -> bool:
        """True when the build machine can run this target's code directly."""
        return host.os == self.os and host.arch == self.arch and (
            self.os != "linux" or (self.libc == "gnu") == (host.glibc is not None))


def _v(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


# ---- parsing ---------------------------------------------------------------
_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)$")
_MUSLLINUX = re.compile(r"musllinux_(\d+)_(\d+)_(\w+)$")
_LEGACY = re.compile(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)$")
_MACOSX = re.compile(r"macosx_(\d+)_(\d+)_(\w+)$")
_ZIG = re.compile(r"(\w+)-(linux|macos|windows)(?:-(\w+?))?(?:\.(\d+)\.(\d+)(?:\.\d+)?)?$")
_WINDOWS = {"win_amd64": "x86_64", "win_arm64": "aarch64", "win32": "i686"}
_ZIG_ARCHES = {a.zig: a.name for a in ARCHES.values()}


def parse(spec: str, host: Host | None = None) -> Target:
    """Parse a wheel platform tag, zig triple or ``native`` into a :class:`Target`."""
    spec = spec.strip()
    if not spec:
        raise ZigccError("the target is empty; pass a wheel platform tag such as "
                         "'manylinux_2_17_x86_64', a zig triple, or 'native'")
    if spec == "native":
        if host is None:
            raise ZigccError("'native' needs the build machine's description")
        return native(host)
    target = _parse(spec)
    if target is None:
        raise ZigccError(f"unknown target {spec!r}; did you mean "
                         f"{_suggest(spec)}? (`zigcc targets` lists them)")
    _check_supported(spec, target)
    return target


def lowest(arch: str, libc: str = "gnu") -> Target:
    """The Linux target of ``arch`` at the lowest glibc zig provides for it (or musl's)."""
    return Target("linux", arch, libc, platforms.LINUX[libc].lowest(arch))


def native(host: Host) -> Target:
    if host.os == "linux":
        if host.glibc:  # a newer glibc than zig ships runs wheels built for zig's newest
            return Target("linux", host.arch, "gnu", min(host.glibc, MAX_GLIBC))
        return Target("linux", host.arch, "musl", MUSL_VERSION)
    if host.os == "macos":
        return Target("macos", host.arch, macos_version=host.macos or MIN_MACOS[host.arch])
    return Target("windows", host.arch, "gnu")


def _arch(name: str) -> str | None:
    aliases = {"amd64": "x86_64", "arm64": "aarch64", "i386": "i686", "x86": "i686",
               "armv7": "armv7l", "armhf": "armv7l", "ppc64el": "ppc64le"}
    name = aliases.get(name, name)
    return name if name in ARCHES else None


def _parse(spec: str) -> Target | None:
    if spec in _WINDOWS:
        return Target("windows", _WINDOWS[spec], "gnu")
    m = _MANYLINUX.match(spec) or _LEGACY.match(spec)
    if m:
        name = str(m.groups()[-1])
        if len(m.groups()) == 2:
            version = LEGACY_MANYLINUX[m.group(1)]
        else:
            version = (int(m.group(1)), int(m.group(2)))
        return Target("linux", name, "gnu", version) if _arch(name) == name else None
    m = _MUSLLINUX.match(spec)
    if m and _arch(m.group(3)) == m.group(3):
        return Target("linux", m.group(3), "musl", (int(m.group(1)), int(m.group(2))))
    if spec.startswith("linux_") and _arch(spec[6:]) == spec[6:]:
        return lowest(spec[6:])
    m = _MACOSX.match(spec)
    if m:
        mac = "universal2" if m.group(3) == "universal2" else _arch(m.group(3))
        if mac is None or (mac != "universal2" and ARCHES[mac].macos != m.group(3)):
            return None
        return Target("macos", mac, macos_version=(int(m.group(1)), int(m.group(2))))
    m = _ZIG.match(spec)
    if m:
        return _parse_zig(*m.groups())
    return None


def _parse_zig(zarch: str, os_: str, abi: str | None, major: str | None,
               minor: str | None) -> Target | None:
    arch = _ZIG_ARCHES.get(zarch)
    if arch is None:
        return None
    version = (int(major), int(minor)) if major and minor else None
    if os_ == "macos":
        return None if abi else Target("macos", arch, macos_version=version or MIN_MACOS.get(arch))
    if os_ == "windows":
        return Target("windows", arch, "gnu") if abi in (None, "gnu") else None
    want_suffix = "eabihf" if arch == "armv7l" else ""
    libc = (abi or "gnu" + want_suffix)
    if not libc.endswith(want_suffix) or libc[: len(libc) - len(want_suffix)] not in ("gnu", "musl"):
        return None
    libc = libc[: len(libc) - len(want_suffix)]
    if libc == "musl":
        return Target("linux", arch, "musl", MUSL_VERSION) if version is None else None
    return Target("linux", arch, "gnu", version) if version else lowest(arch)


def _check_supported(spec: str, t: Target) -> None:
    if t.os == "linux":
        a = ARCHES[t.arch]
        low = lowest(t.arch)
        if t.libc == "gnu" and t.libc_version and low.libc_version and \
                t.libc_version < low.libc_version:
            raise ZigccError(f"{spec}: zig cannot provide glibc {_v(t.libc_version)} for "
                             f"{t.arch}; the lowest that works is {_v(low.libc_version)} "
                             f"({low.platform_tags[0]})")
        if t.libc == "gnu" and t.libc_version and t.libc_version > MAX_GLIBC:
            highest = f"manylinux_{MAX_GLIBC[0]}_{MAX_GLIBC[1]}_{t.arch}"
            raise ZigccError(f"{spec}: glibc {_v(t.libc_version)} is newer than any zig "
                             f"ships; the highest is {_v(MAX_GLIBC)} ({highest})")
        if t.libc == "musl":
            if not a.musl:
                raise ZigccError(f"{spec}: musllinux is not supported for {t.arch}; "
                                 f"use {low.platform_tags[0]}")
            if t.libc_version != MUSL_VERSION:
                raise ZigccError(f"{spec}: zig ships musl {_v(MUSL_VERSION)}; use "
                                 f"musllinux_1_2_{t.arch}")
    if t.os == "macos" and t.arch != "universal2":
        low_mac = MIN_MACOS[t.arch]
        if t.macos_version is None or t.macos_version < low_mac:
            raise ZigccError(f"{spec}: the lowest macOS zig supports for {t.arch} is "
                             f"{_v(low_mac)} (macosx_{low_mac[0]}_{low_mac[1]}_{ARCHES[t.arch].macos})")
    if t.os == "windows" and t.arch not in _WINDOWS.values():
        raise ZigccError(f"{spec}: Windows targets are win_amd64, win_arm64 and win32")


# ---- the table -------------------------------------------------------------
def supported() -> list[Target]:
    """One representative target per supported platform (``zigcc targets``)."""
    out: list[Target] = []
    out.extend(lowest(a.name) for a in ARCHES.values())
    out.extend(lowest(a.name, "musl") for a in ARCHES.values() if a.musl)
    out.extend(Target("macos", arch, macos_version=v) for arch, v in MIN_MACOS.items())
    out.extend(Target("windows", arch, "gnu") for arch in _WINDOWS.values())
    return out


def _names() -> list[str]:
    names = ["native", *_WINDOWS]
    for t in supported():
        names.extend(t.platform_tags)
        names.append(t.zig_target)
    return sorted(set(names))


def _suggest(spec: str) -> str:
    close = difflib.get_close_matches(spec, _names(), n=3, cutoff=0.5)
    return " or ".join(repr(c) for c in close) if close else "'native' or 'manylinux_2_17_x86_64'"
