"""PEP 517 config settings that choose a cross build, as one frozen :class:`CrossSettings`.

zigcc's own keys carry its prefix (``zigcc:target``, ``zigcc:python``), the convention of the
draft PEP "Standardized Config Settings for Cross-Compiling" (benfogle, pep-9999), whose keys
zigcc also reads under the ``system:`` prefix:

- ``system:host``: a Clang triple (``aarch64-unknown-linux-gnu``, ``armv7-unknown-linux-gnueabihf``,
  ``x86_64-unknown-linux-musl``, ...) or ``native``; a glibc triple means the lowest glibc zig
  provides for that CPU, as manylinux does;
- ``system:platform_tag``: pins the wheel tag (and so the glibc); ``auto`` is no choice;
- ``system:sysroot``, ``system:host_prefix``: where the target's Python is (a Debian-layout root;
  a prefix such as ``<root>/usr`` or ``/usr`` inside ``system:sysroot``, or one holding PEP 739's
  ``lib/python3.X/build-details.json``);
- ``system:include_dirs``, ``system:lib_dirs``, ``system:cflags``, ``system:cxxflags``,
  ``system:ldflags``: added to the target toolchain's flags;
- ``system:cc``, ``system:c++``: zigcc is the compiler; accepted only when they name its shims.

Values are strings (flags split as a shell would) or lists (a key given twice).  Two keys
that ask for different things give one error naming both; a ``zigcc:`` or ``system:`` key
zigcc does not know is an error, never ignored.  Pure but for one named edge: where a
``system:host_prefix`` keeps its Python is looked up on disk by
:func:`zigcc.frontend.pythons.python_in_prefix`.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zigcc.errors import ZigccError
from zigcc.frontend.pythons import python_in_prefix
from zigcc.target.model import Target, parse

ZIGCC_KEYS = ("zigcc:target", "zigcc:python")
SYSTEM_KEYS = ("system:host", "system:platform_tag", "system:sysroot", "system:host_prefix",
               "system:include_dirs", "system:lib_dirs", "system:cflags", "system:cxxflags",
               "system:ldflags", "system:cc", "system:c++")
KNOWN = ZIGCC_KEYS + SYSTEM_KEYS
_LIST_KEYS = ("system:include_dirs", "system:lib_dirs", "system:cflags", "system:cxxflags",
              "system:ldflags", "system:cc", "system:c++")
# Clang/Rust triple CPU -> zig's spelling (zigcc.target.model reads zig triples).
_CLANG_CPUS = {
    "x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64",
    "armv7": "arm", "armv7a": "arm", "armv7l": "arm", "armv7hl": "arm", "arm": "arm",
    "i386": "x86", "i486": "x86", "i586": "x86", "i686": "x86",
    "powerpc64le": "powerpc64le", "ppc64le": "powerpc64le", "s390x": "s390x",
    "riscv64": "riscv64", "riscv64gc": "riscv64",
}
_SYSTEMS = {"linux", "darwin", "macos", "macosx", "windows"}


@dataclass(frozen=True)
class CrossSettings:
    """What the config settings ask of zigcc, and the rest for the wrapped backend."""

    target: str | None = None  # a spec for zigcc.target.model.parse; None: this machine
    python: str | None = None  # a spec for the frontend's resolve_python; None: this one
    include_dirs: tuple[str, ...] = ()
    lib_dirs: tuple[str, ...] = ()
    cflags: tuple[str, ...] = ()
    cxxflags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    cxx: tuple[str, ...] = ()
    backend: Mapping[str, Any] = field(default_factory=dict)

    def compile_flags(self, cxx: bool) -> list[str]:
        """Flags added to every C (or C++) compile: include folders first."""
        return [*(f"-I{d}" for d in self.include_dirs),
                *(self.cxxflags if cxx else self.cflags)]

    def link_flags(self) -> list[str]:
        return [*(f"-L{d}" for d in self.lib_dirs), *self.ldflags]


def parse_settings(settings: Mapping[str, Any] | None) -> CrossSettings:
    """Split ``settings`` into zigcc's cross request and the wrapped backend's settings."""
    ours: dict[str, Any] = {}
    theirs: dict[str, Any] = {}
    for key, value in (settings or {}).items():
        if not key.startswith(("zigcc:", "system:")):
            theirs[key] = value
        elif key not in KNOWN:
            raise ZigccError(f"config setting {key!r} is not one zigcc knows; it knows "
                             f"{', '.join(KNOWN)}")
        elif key in _LIST_KEYS:
            ours[key] = _words(key, value)
        elif not isinstance(value, str):
            raise ZigccError(f"config setting {key!r} is given twice: {value!r}")
        elif not value.strip():
            raise ZigccError(f"config setting {key} is empty (an unset variable?); give it a "
                             "value or leave the setting out")
        else:
            ours[key] = value.strip()
    return CrossSettings(
        target=_target(ours), python=_python(ours),
        include_dirs=ours.get("system:include_dirs", ()),
        lib_dirs=ours.get("system:lib_dirs", ()), cflags=ours.get("system:cflags", ()),
        cxxflags=ours.get("system:cxxflags", ()), ldflags=ours.get("system:ldflags", ()),
        cc=ours.get("system:cc", ()), cxx=ours.get("system:c++", ()), backend=theirs)


def _words(key: str, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ZigccError(f"config setting {key!r} = {item!r} is not text")
        try:
            out += shlex.split(item)
        except ValueError as exc:
            raise ZigccError(f"config setting {key}={item!r}: {exc}") from None
    return tuple(out)


def _conflict(a: str, av: str, b: str, bv: str, why: str) -> ZigccError:
    return ZigccError(f"config settings {a}={av!r} and {b}={bv!r} disagree: {why}; "
                      "drop one of them")


def _target(ours: Mapping[str, str]) -> str | None:
    """The target spec, from zigcc:target, system:platform_tag and system:host."""
    chosen: list[tuple[str, str, Target]] = []
    for key in ("zigcc:target", "system:platform_tag", "system:host"):
        value = ours.get(key, "")
        if not value or (key == "system:platform_tag" and value == "auto") or \
                (key == "system:host" and value == "native"):
            continue
        spec = host_triple_target(value) if key == "system:host" else value
        try:
            chosen.append((key, value, parse(spec)))
        except ZigccError as exc:
            raise ZigccError(f"config setting {key}={value!r}: {exc}") from None
    if not chosen:
        return None
    first_key, first_value, first = chosen[0]
    for key, value, other in chosen[1:]:
        same_platform = (other.os, other.arch, other.libc) == (first.os, first.arch, first.libc)
        if key == "system:host" and same_platform:
            continue  # a triple names no glibc: the tag (or zigcc:target) pins it
        if other != first:
            raise _conflict(first_key, first_value, key, value,
                            f"they name {first.platform_tags[0]} and "
                            f"{other.platform_tags[0]}")
    return parse_spec(first)


def parse_spec(target: Target) -> str:
    """A spec :func:`zigcc.target.model.parse` reads back as ``target``."""
    return target.platform_tags[0]


def host_triple_target(triple: str) -> str:
    """A zigcc target spec for a Clang triple ``<arch><sub>-<vendor>-<sys>-<abi>``: Linux
    glibc triples get the lowest glibc zig provides for the CPU (manylinux's rule)."""
    parts = triple.strip().lower().split("-")
    cpu = _CLANG_CPUS.get(parts[0]) if parts else None
    system = next((p for p in parts[1:] if p in _SYSTEMS), None)
    if cpu is None or system is None or len(parts) > 4:
        known = ", ".join(sorted({c for c in _CLANG_CPUS}))
        raise ZigccError(f"system:host={triple!r} is not a Clang triple zigcc can build for; "
                         f"use <cpu>-unknown-linux-gnu (cpu one of {known}), "
                         "<cpu>-unknown-linux-musl, <cpu>-apple-darwin or <cpu>-pc-windows-msvc")
    abi = parts[parts.index(system) + 1] if parts.index(system) + 1 < len(parts) else ""
    if system in ("darwin", "macos", "macosx"):
        return f"{cpu}-macos"
    if system == "windows":
        return f"{cpu}-windows-gnu"  # zigcc's Windows wheels: the same tags as MSVC's
    if cpu == "arm" and abi not in ("gnueabihf", "musleabihf"):
        raise ZigccError(f"system:host={triple!r}: zigcc builds ARMv7 hard-float only "
                         "(manylinux armv7l); use armv7-unknown-linux-gnueabihf")
    libc = "musl" if abi.startswith("musl") else "gnu"
    if abi and not abi.startswith(("gnu", "musl")):
        raise ZigccError(f"system:host={triple!r}: ABI {abi!r} is not gnu or musl")
    suffix = "eabihf" if cpu == "arm" else ""
    # parse() gives a glibc triple without a version the arch's lowest glibc (model.lowest)
    return parse(f"{cpu}-linux-{libc}{suffix}").zig_target


def _python(ours: Mapping[str, str]) -> str | None:
    """The target-Python spec, from zigcc:python, system:sysroot and system:host_prefix."""
    python = ours.get("zigcc:python")
    root = ours.get("system:sysroot")
    prefix = ours.get("system:host_prefix")
    if python and (root or prefix):
        key, value = ("system:sysroot", root) if root else ("system:host_prefix", prefix)
        raise _conflict("zigcc:python", python, key, value or "",
                        "both say where the target's Python is")
    if python:
        return python
    if prefix:
        return python_in_prefix(prefix, root)
    return root

