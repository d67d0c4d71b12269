"""Mach-O files (macOS extension modules and the libraries a wheel ships), read with macholib,
and what a macOS wheel's Mach-O file may be.

For a ``macosx_X_Y_<arch>`` wheel every slice is of ``<arch>`` (``universal2``: one arm64 and
one x86_64 slice, nothing else), a bundle or a dylib, for macOS and no newer than ``X.Y``
(``LC_BUILD_VERSION``'s minos, or ``LC_VERSION_MIN_MACOSX`` before 10.14; an arm64 slice is
held to ``max(X.Y, 11.0)``, as installers read a universal2 tag); an arm64 slice carries a
code signature (Apple Silicon refuses unsigned code; zig's linker signs ad hoc); the libraries
it loads are macOS's own (``/usr/lib/``, ``/System/Library/``) or shipped in the wheel
(``@loader_path/`` and ``@rpath/`` through the file's ``@loader_path`` rpaths), never a
libpython or Python.framework (the interpreter provides the C API: ``-undefined
dynamic_lookup``); and its undefined symbols are the Python C API's, libSystem's (zig's
stubs, :mod:`zigcc.verify.tbd`), the C++ runtime's when it links ``/usr/lib/libc++.1.dylib``,
or bound to a library the wheel ships (those are not looked up: the shipped library is not
read).  Pure: bytes in, a description out; problems as lines.
"""

from __future__ import annotations

import io
import posixpath
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zigcc.target.arches import ARCHES
from zigcc.target.model import Target, Version
from zigcc.toolchain.lipo import CPU_ARM64, CPU_X86_64, is_fat
from zigcc.verify import tbd

_CPU_NAMES = {CPU_ARM64: "arm64", CPU_X86_64: "x86_64"}
_FILETYPES = {1: "MH_OBJECT", 2: "MH_EXECUTE", 6: "MH_DYLIB", 7: "MH_DYLINKER", 8: "MH_BUNDLE",
              9: "MH_DYLIB_STUB", 11: "MH_KEXT_BUNDLE"}
_LOADABLE = (6, 8)  # MH_DYLIB, MH_BUNDLE: what Python's dlopen takes
_PLATFORMS = {1: "macOS", 2: "iOS", 3: "tvOS", 4: "watchOS", 5: "bridgeOS", 6: "Mac Catalyst",
              7: "the iOS simulator", 8: "the tvOS simulator", 9: "the watchOS simulator",
              10: "DriverKit", 11: "visionOS", 12: "the visionOS simulator"}
_ARM64_FLOOR: Version = (11, 0)  # the first macOS on arm64
_SYSTEM_DIRS = ("/usr/lib/", "/System/Library/")
_PYTHON_LIB = re.compile(r"(^|/)(libpython\d[\w.]*\.dylib|Python\.framework/|Python$)")
_CXX_RUNTIME = ("/usr/lib/libc++.1.dylib", "/usr/lib/libc++abi.dylib")
_CXX_SYMBOL = re.compile(r"__Z|___cxa_|___gxx_personality_v0$|__Unwind_|___dynamic_cast$")
_N_WEAK_REF = 0x0040


@dataclass(frozen=True)
class Slice:
    """What the checks need of one architecture of a Mach-O file."""

    cputype: int
    cpusubtype: int
    filetype: int
    platform: int | None  # LC_BUILD_VERSION's platform; 1 (macOS) for LC_VERSION_MIN_MACOSX
    minos: Version | None
    signed: bool  # LC_CODE_SIGNATURE present
    dylibs: tuple[str, ...]  # every library load command's path, in order (ordinals 1..n)
    rpaths: tuple[str, ...]
    undefined: tuple[tuple[str, int], ...]  # (symbol, two-level library ordinal), not weak
    pyinit: tuple[str, ...]  # exported PyInit_* (C names)

    @property
    def arch(self) -> str:
        if self.cputype == CPU_ARM64 and self.cpusubtype & 0xFF == 2:
            return "arm64e"
        return _CPU_NAMES.get(self.cputype, f"cputype {self.cputype:#x}")


@dataclass(frozen=True)
class MachOInfo:
    name: str
    fat: bool
    slices: tuple[Slice, ...]

    @property
    def pyinit(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for s in self.slices for n in s.pyinit))

    @property
    def py_imports(self) -> tuple[str, ...]:
        """The undefined ``Py*``/``_Py*`` names (C spelling) of every slice."""
        return tuple(dict.fromkeys(name[1:] for s in self.slices for name, _ in s.undefined
                                   if name.startswith(("_Py", "__Py"))))


def is_macho(data: bytes) -> bool:
    """A thin Mach-O header, or a fat one (:func:`zigcc.toolchain.lipo.is_fat`)."""
    return data[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                        b"\xcf\xfa\xed\xfe") or is_fat(data)


def inspect_macho(name: str, data: bytes) -> MachOInfo | None:
    """Read one file; None when it is not Mach-O, ValueError when it is a broken one."""
    return read(name, data) if is_macho(data) else None


def read(name: str, data: bytes) -> MachOInfo:
    """Read one Mach-O file; ValueError when it is not one or a broken one."""
    try:
        return _read(name, data)
    except Exception as exc:  # macholib raises anything on a damaged file
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(f"{name}: not a readable Mach-O file ({text})") from None


def _read(name: str, data: bytes) -> MachOInfo:
    from macholib import mach_o  # type: ignore[import-untyped]  # no type hints
    from macholib.MachO import MachO, lc_str_value  # type: ignore[import-untyped]
    from macholib.SymbolTable import SymbolTable  # type: ignore[import-untyped]

    macho: Any = MachO.__new__(MachO)  # MachO() opens a path: fill it from bytes instead
    macho.graphident = macho.filename = name
    macho.loader_path = ""
    macho.fat = None
    macho.headers = []
    macho.allow_unknown_load_commands = True
    macho.load(io.BytesIO(data))
    dylib_cmds = {mach_o.LC_LOAD_DYLIB, mach_o.LC_LOAD_WEAK_DYLIB, mach_o.LC_REEXPORT_DYLIB,
                  mach_o.LC_LOAD_UPWARD_DYLIB, mach_o.LC_LAZY_LOAD_DYLIB}
    slices = []
    for header in macho.headers:
        platform: int | None = None
        minos: Version | None = None
        signed = False
        dylibs: list[str] = []
        rpaths: list[str] = []
        for command in header.commands:
            load, cmd, _ = command
            if load.cmd == mach_o.LC_BUILD_VERSION:
                platform, minos = cmd.platform, _version(cmd.minos)
            elif load.cmd == mach_o.LC_VERSION_MIN_MACOSX:
                platform, minos = 1, _version(cmd.version)
            elif load.cmd == mach_o.LC_CODE_SIGNATURE:
                signed = cmd.datasize > 0
            elif load.cmd in dylib_cmds:
                dylibs.append(_text(lc_str_value(cmd.name, command)))
            elif load.cmd == mach_o.LC_RPATH:
                rpaths.append(_text(lc_str_value(cmd.path, command)))
        undefined: list[tuple[str, int]] = []
        pyinit: list[str] = []
        if header.getSymbolTableCommand() is not None:
            table = SymbolTable(macho, header, openfile=lambda *_: io.BytesIO(data))
            for entry, raw in table.nlists:
                symbol = _text(raw) if isinstance(raw, bytes) else str(raw)
                kind = entry.n_type & mach_o.N_TYPE
                if entry.n_type & mach_o.N_STAB or not entry.n_type & mach_o.N_EXT:
                    continue
                if kind == mach_o.N_UNDF and entry.n_value == 0:
                    if not entry.n_desc & _N_WEAK_REF:
                        undefined.append((symbol, (entry.n_desc >> 8) & 0xFF))
                elif kind == mach_o.N_SECT and symbol.startswith("_PyInit_"):
                    pyinit.append(symbol[1:])
        slices.append(Slice(header.header.cputype, header.header.cpusubtype,
                            header.header.filetype, platform, minos, signed, tuple(dylibs),
                            tuple(rpaths), tuple(undefined), tuple(pyinit)))
    return MachOInfo(name, macho.fat is not None, tuple(slices))


def _version(packed: int) -> Version:
    """``xxxx.yy.zz`` packed in nibbles (``0x000b0000`` is 11.0)."""
    return packed >> 16, (packed >> 8) & 0xFF


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _show(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


# ---- the wheel's side: where a member installs, what its tags claim -------------------------
def installed_path(member: str) -> str:
    """Where a wheel member lands relative to site-packages (``<name>.data/platlib/`` and
    ``purelib/`` install there too)."""
    for prefix in ("platlib/", "purelib/"):
        head, _, rest = member.partition(".data/" + prefix)
        if rest and "/" not in head:
            return rest
    return member


def tag_minimum(platforms: Iterable[str]) -> Version | None:
    """The lowest macOS version of ``macosx_X_Y_*`` platform tags; None when there is none."""
    found = [(int(m.group(1)), int(m.group(2))) for p in platforms
             if (m := re.match(r"macosx_(\d+)_(\d+)_", p))]
    return min(found) if found else None


def cpu_types(arch: str) -> dict[int, str]:
    """The Mach-O CPU types a wheel of ``arch`` holds (universal2: both), by macOS name."""
    if arch == "universal2":
        return {CPU_ARM64: "arm64", CPU_X86_64: "x86_64"}
    name = {"arm64": "aarch64"}.get(arch, arch)
    info = ARCHES.get(name)
    if info is None or info.macho_cpu is None or info.macos is None:
        raise ValueError(f"{arch} is not a macOS arch: arm64, x86_64 or universal2")
    return {info.macho_cpu: info.macos}


# ---- the checks ---------------------------------------------------------------------------
def member_problems(info: MachOInfo | str, module: str | None, target: Target,
                    platforms: Iterable[str], members: Iterable[str],
                    api_names: Collection[str] | None) -> list[str]:
    """:func:`problems` of a wheel's member (``info``, or why it is unreadable), held to the
    lowest of the wheel's ``macosx_*`` ``platforms`` (else the target's version);
    ``module``: its file name when Python imports it (it must export a ``PyInit_``);
    ``members``: every member of the wheel."""
    if isinstance(info, str):
        return [info]
    out: list[str] = []
    if module is not None and not info.pyinit:
        out.append(f"exports no PyInit_{module.split('.')[0]}, so Python cannot import it; "
                   "define the module's PyInit_ function (PyMODINIT_FUNC)")
    tag_min = tag_minimum(platforms) or target.macos_version or (0, 0)
    shipped = {installed_path(n) for n in members}
    system = tbd.installed_system_names() if api_names is not None else None
    return out + problems(info, target.arch, tag_min, api_names, system, shipped)


def problems(info: MachOInfo, arch: str, tag_min: Version,
             api_names: Collection[str] | None = None,
             system_names: Mapping[str, Collection[str]] | None = None,
             shipped: Collection[str] = ()) -> list[str]:
    """Why ``info`` may not go into a ``macosx_<tag_min>_<arch>`` wheel.

    ``arch``: ``aarch64``/``arm64``, ``x86_64`` or ``universal2``; ``api_names``: the Python C
    API (C names: ``PyLong_FromLong``), None to leave undefined symbols unchecked;
    ``system_names``: per macOS arch (``arm64``, ``x86_64``), what libSystem exports
    (:func:`zigcc.verify.tbd.system_names`); ``shipped``: the wheel's members as installed
    (:func:`installed_path`), where ``@loader_path``/``@rpath`` libraries are looked for.
    """
    want = cpu_types(arch)
    label = "universal2" if arch == "universal2" else next(iter(want.values()))
    out: list[str] = []
    cpus = [s.cputype for s in info.slices]
    for cputype, name in want.items():
        if cputype not in cpus and len(want) > 1:  # a thin target: the foreign slice's line
            have = " and ".join(s.arch for s in info.slices)
            out.append(f"has no {name} code (a {'fat' if info.fat else 'thin'} {have} file) "
                       f"but its wheel is tagged {label}; merge the arm64 and x86_64 builds "
                       "into one fat file (zigcc's universal2 merge)")
    for s in info.slices:
        if cpus.count(s.cputype) > 1:
            out.append(f"holds {s.arch} twice; a fat file has one slice per arch: rebuild it")
        if s.cputype not in want:
            out.append(f"holds {s.arch} code, but its wheel is tagged {label}: build it for "
                       f"{label} or tag the wheel for {s.arch}")
            continue
        prefix = f"{s.arch} slice: " if info.fat else ""
        system = (system_names or {}).get(_CPU_NAMES.get(s.cputype, ""), ())
        out += [prefix + p for p in _slice_problems(info.name, s, tag_min, api_names, system,
                                                    shipped)]
    return list(dict.fromkeys(out))


def _slice_problems(member: str, s: Slice, tag_min: Version,
                    api_names: Collection[str] | None, system: Collection[str],
                    shipped: Collection[str]) -> list[str]:
    out: list[str] = []
    if s.arch == "arm64e":
        out.append("arm64e code (pointer authentication), which Python on macOS (arm64) "
                   "cannot load; build it for arm64")
    if s.filetype not in _LOADABLE:
        kind = _FILETYPES.get(s.filetype, f"filetype {s.filetype}")
        out.append(f"a {kind} file, not a bundle or dylib Python can load; link it with "
                   "-shared (or -bundle)")
    out += _os_problems(s, tag_min)
    if s.cputype == CPU_ARM64 and not s.signed:
        out.append("has no code signature (LC_CODE_SIGNATURE): Apple Silicon refuses to load "
                   "unsigned arm64 code; link with zig (it signs ad hoc) or run codesign -s -")
    where = posixpath.dirname(installed_path(member))
    in_wheel: set[int] = set()
    for ordinal, path in enumerate(s.dylibs, 1):
        problem, found = _dylib_problem(path, where, s.rpaths, shipped)
        if found:
            in_wheel.add(ordinal)
        if problem:
            out.append(problem)
    if api_names is not None:
        out += _symbol_problems(s, api_names, system, in_wheel)
    return out


def _os_problems(s: Slice, tag_min: Version) -> list[str]:
    limit = max(tag_min, _ARM64_FLOOR) if s.cputype == CPU_ARM64 else tag_min
    zig_arch = "aarch64" if s.cputype == CPU_ARM64 else s.arch
    if s.minos is None:
        return [f"names no minimum macOS (no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX); "
                f"link it with -target {zig_arch}-macos.{_show(limit)}"]
    if s.platform != 1:
        where = _PLATFORMS.get(s.platform or 0, f"platform {s.platform}")
        return [f"built for {where}, not macOS (LC_BUILD_VERSION platform {s.platform}); "
                "build it with a -target ...-macos.X.Y"]
    if s.minos > limit:
        tag = f"macosx_{tag_min[0]}_{tag_min[1]}"
        above = (f"the wheel's {tag} tag" if limit == tag_min else
                 f"macOS {_show(limit)}, what the wheel's {tag} tag means for arm64")
        return [f"needs macOS {_show(s.minos)} (its minimum OS version), above {above}: "
                "older Macs would install it and fail to "
                f"load it; build it with -target {zig_arch}-macos.{_show(limit)} "
                f"(MACOSX_DEPLOYMENT_TARGET={_show(limit)}) or tag the wheel "
                f"macosx_{s.minos[0]}_{s.minos[1]}"]
    return []


def _dylib_problem(path: str, where: str, rpaths: Iterable[str],
                   shipped: Collection[str]) -> tuple[str, bool]:
    """(the problem with loading ``path``, or "", and whether the wheel ships it)."""
    if _PYTHON_LIB.search(path):
        return (f"links {path}, a Python library: an extension module takes the C API from "
                "the interpreter that loads it; link with -undefined dynamic_lookup, not "
                "against libpython"), False
    if path.startswith(_SYSTEM_DIRS):
        return "", False
    if path.startswith("@executable_path/"):
        return (f"links {path}, which dyld looks for beside the python executable, not in "
                "the wheel; name it @loader_path/... (delocate-wheel does)"), False
    candidates: list[str] = []
    if path.startswith("@loader_path/"):
        candidates.append(posixpath.normpath(posixpath.join(where, path[13:])))
    elif path.startswith("@rpath/"):
        for rpath in rpaths:
            if rpath == "@loader_path" or rpath.startswith("@loader_path/"):
                base = posixpath.join(where, rpath[13:])
                candidates.append(posixpath.normpath(posixpath.join(base, path[7:])))
    else:
        return (f"links {path}, which is not on every Mac (only /usr/lib and /System/Library "
                "libraries are); ship it in the wheel (delocate-wheel) or link it "
                "statically"), False
    if any(c in shipped for c in candidates):
        return "", True
    looked = (f"looked for {', '.join(candidates)}" if candidates
              else "no @loader_path LC_RPATH to find it by")
    return (f"links {path}, which the wheel does not ship ({looked}); ship the library in the "
            "wheel (delocate-wheel) or link it statically"), False


def _symbol_problems(s: Slice, api_names: Collection[str], system: Collection[str],
                     in_wheel: Collection[int]) -> list[str]:
    cxx = any(p in _CXX_RUNTIME for p in s.dylibs)
    bad: list[str] = []
    for symbol, ordinal in s.undefined:
        c_name = symbol[1:] if symbol.startswith("_") else symbol
        if (ordinal in in_wheel or c_name in api_names or symbol in system
                or (cxx and _CXX_SYMBOL.match(symbol))):
            continue
        bad.append(c_name)
    if not bad:
        return []
    more = f" (+{len(bad) - 5} more)" if len(bad) > 5 else ""
    return [f"uses {', '.join(bad[:5])}{more}, which neither the Python C API nor macOS's "
            "libSystem provides: importing it would fail (symbol not found); use only the C "
            "API of the wheel's Python, and link other code statically or ship its library"]
