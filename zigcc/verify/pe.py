"""PE files (Windows DLLs and ``.pyd`` modules) read with pefile, and what a wheel's PE file
may import: the Python DLL of its version (``python3.dll`` for abi3), the UCRT's
``api-ms-win-crt-*`` API sets and Windows' own DLLs; never the old ``msvcrt.dll`` or a
MinGW runtime DLL (``libstdc++-6.dll``, ``libgcc_s_*.dll``, ``libwinpthread-1.dll``), which
no Windows machine has: zig links the C++ runtime statically and the UCRT dynamically."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

# IMAGE_FILE_HEADER.Machine of the CPUs Windows wheels are built for
MACHINES = {"x86_64": 0x8664, "aarch64": 0xAA64, "i686": 0x14C}
_DLL_FLAG = 0x2000  # IMAGE_FILE_DLL
# Windows' own DLLs an extension module may import (what ships with every Windows 10+).
SYSTEM_DLLS = frozenset((
    "kernel32.dll", "advapi32.dll", "user32.dll", "gdi32.dll", "shell32.dll", "ole32.dll",
    "oleaut32.dll", "ws2_32.dll", "bcrypt.dll", "crypt32.dll", "secur32.dll", "shlwapi.dll",
    "version.dll", "ntdll.dll", "psapi.dll", "iphlpapi.dll", "winmm.dll", "dbghelp.dll",
    "userenv.dll", "rpcrt4.dll", "setupapi.dll", "comdlg32.dll", "comctl32.dll",
    "opengl32.dll", "dwmapi.dll", "uxtheme.dll", "ncrypt.dll", "mswsock.dll",
    "netapi32.dll", "wtsapi32.dll", "powrprof.dll", "imm32.dll", "winhttp.dll",
    "wininet.dll", "dnsapi.dll", "cfgmgr32.dll", "d3d11.dll", "dxgi.dll",
))
# Runtimes that are not on a Windows machine, or not the one CPython uses: why, and the fix.
FORBIDDEN = {
    "msvcrt.dll": "the old Visual C++ 6 runtime, not the UCRT python.org's CPython uses; "
                  "build with zig's *-windows-gnu target (UCRT)",
    "libstdc++-6.dll": "MinGW's C++ runtime, which Windows does not have; link it statically "
                       "(zig does)",
    "libc++.dll": "LLVM's C++ runtime as a DLL; link it statically (zig does)",
    "libwinpthread-1.dll": "MinGW's pthreads DLL, which Windows does not have; link it "
                           "statically",
}
_FORBIDDEN_RE = re.compile(r"libgcc_s_.*\.dll|libgfortran-.*\.dll|libquadmath-.*\.dll")
_PYTHON_DLL = re.compile(r"python3(\d*)(t?)(_d)?\.dll")


@dataclass(frozen=True)
class PeInfo:
    """What the checks need of one PE file."""

    name: str
    machine: int
    is_dll: bool
    imports: Mapping[str, tuple[str, ...]]  # DLL as named -> imported names ('#n': ordinal)
    exports: tuple[str, ...]

    @property
    def pyinit(self) -> tuple[str, ...]:
        return tuple(e for e in self.exports if e.startswith("PyInit_"))


def inspect_pe(name: str, data: bytes) -> PeInfo | None:
    """Read one file; None when it is not a PE file, ValueError when it is a broken one."""
    if not data.startswith(b"MZ"):
        return None
    import pefile  # type: ignore[import-untyped]  # no type hints; only Windows wheels need it

    try:
        pe = pefile.PE(data=data, fast_load=True)
        pe.parse_data_directories(directories=[
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"],
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"]])
    except pefile.PEFormatError as exc:
        raise ValueError(f"{name}: not a readable PE file ({exc})") from None
    imports: dict[str, tuple[str, ...]] = {}
    for entry in [*getattr(pe, "DIRECTORY_ENTRY_IMPORT", []),
                  *getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])]:
        dll = entry.dll.decode("ascii", "replace")
        names = tuple(i.name.decode("ascii", "replace") if i.name else f"#{i.ordinal}"
                      for i in entry.imports)
        imports[dll] = imports.get(dll, ()) + names
    exports = tuple(s.name.decode("ascii", "replace") for s in
                    getattr(getattr(pe, "DIRECTORY_ENTRY_EXPORT", None), "symbols", [])
                    if s.name)
    return PeInfo(name, pe.FILE_HEADER.Machine, bool(pe.FILE_HEADER.Characteristics & _DLL_FLAG),
                  imports, exports)


def python_dlls(abis: Collection[str]) -> frozenset[str]:
    """The Python DLLs a module of a wheel with these ABI tags may import: ``python313.dll``
    (and the stable ``python3.dll``) for cp313, only ``python3.dll`` for abi3."""
    out: set[str] = set()
    for abi in abis:
        m = re.fullmatch(r"cp(\d)(\d+)(t?)", abi)
        if m:
            out.update({f"python{m.group(1)}{m.group(2)}{m.group(3)}.dll",
                        f"python{m.group(1)}{m.group(3)}.dll"})
        elif abi == "abi3":
            out.add("python3.dll")
        elif abi == "abi3t":
            out.add("python3t.dll")
    return frozenset(out)


def problems(info: PeInfo, arch: str, allowed_python: Collection[str],
             shipped: Collection[str] = (),
             exported: Mapping[str, Collection[str]] | None = None) -> list[str]:
    """Why ``info`` may not go into a wheel for Windows ``arch``.

    ``allowed_python``: the Python DLLs (lower case) its wheel's tags allow
    (:func:`python_dlls`); ``shipped``: the DLLs the wheel carries itself (lower case);
    ``exported``: per Python DLL (lower case), every name it exports (zigcc's lists), to
    check each imported name against.
    """
    out: list[str] = []
    want = MACHINES.get(arch)
    if info.machine != want:
        out.append(f"PE machine {info.machine:#x}, expected {want and hex(want)} for {arch}")
    if not info.is_dll:
        out.append("not a DLL (IMAGE_FILE_DLL unset): Python cannot load it")
    for dll, names in info.imports.items():
        low = dll.lower()
        if low in FORBIDDEN or _FORBIDDEN_RE.fullmatch(low):
            why = FORBIDDEN.get(low, "a MinGW runtime DLL, which Windows does not have; link "
                                     "it statically")
            out.append(f"imports {dll}: {why}")
        elif _PYTHON_DLL.fullmatch(low):
            if low not in allowed_python:
                out.append(f"imports {dll}, but its wheel's tags allow "
                           f"{' or '.join(sorted(allowed_python)) or 'no Python DLL'}; build "
                           "it for the interpreter the wheel is tagged for")
            elif exported is not None and low in exported:
                missing = [n for n in names if n not in exported[low]]
                if missing:
                    out.append(f"imports {', '.join(missing[:5])}"
                               f"{f' (+{len(missing) - 5} more)' if len(missing) > 5 else ''}"
                               f" from {dll}, which {dll} does not export: the module "
                               "would fail to load; use only the C API of that version")
        elif not (low.startswith("api-ms-win-crt-") or low.startswith("api-ms-win-core-")
                  or low in SYSTEM_DLLS or low in shipped):
            out.append(f"imports {dll}, which is neither Windows' own, the UCRT nor shipped "
                       "in the wheel; link it statically or ship it beside the module")
    return out
