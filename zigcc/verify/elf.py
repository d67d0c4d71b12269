"""One compiled file of a wheel, read: ELF (pyelftools reads any arch on any build machine),
Mach-O or PE (their CPU type only).  Pure: bytes in, a description out; a malformed ELF file
is described as unreadable (a finding), never a traceback."""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection
from elftools.elf.sections import SymbolTableSection

from zigcc.target.model import Version

_GLIBC = re.compile(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?")


@dataclass(frozen=True)
class ElfInfo:
    name: str
    machine: str
    bits: int
    little_endian: bool
    max_glibc: Version | None
    needed: tuple[str, ...]
    elf_type: str = ""  # ET_DYN for shared objects
    pyinit: tuple[str, ...] = ()  # exported PyInit_* symbols: it is an extension module
    py_imports: tuple[str, ...] = ()  # undefined dynamic Py*/_Py* symbols: what it uses of Python
    soname: str = ""  # DT_SONAME
    runpath: tuple[str, ...] = ()  # DT_RUNPATH entries, in order
    rpath: tuple[str, ...] = ()  # DT_RPATH entries (the loader ignores them under a RUNPATH)


@dataclass(frozen=True)
class Binary:
    """One compiled file: ELF, Mach-O or PE."""

    name: str
    fmt: str  # "ELF", "Mach-O" or "PE"
    elf: ElfInfo | None = None
    cpus: tuple[int, ...] = ()  # Mach-O cpu types or the PE machine


def inspect_elf(name: str, data: bytes) -> ElfInfo | None:
    """Read one file; None when it is not an ELF file."""
    if not data.startswith(b"\x7fELF"):
        return None
    try:
        elf = ELFFile(io.BytesIO(data))
        versions: list[Version] = []
        dynamic: dict[str, list[str]] = {"DT_NEEDED": [], "DT_SONAME": [], "DT_RUNPATH": [],
                                         "DT_RPATH": []}
        pyinit: list[str] = []
        py_imports: list[str] = []
        for section in elf.iter_sections():
            if isinstance(section, GNUVerNeedSection):
                for _, auxes in section.iter_versions():
                    for aux in auxes:
                        m = _GLIBC.fullmatch(aux.name)
                        if m:
                            versions.append((int(m.group(1)), int(m.group(2))))
            elif isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    kind = tag.entry.d_tag
                    if kind in dynamic:
                        value = getattr(tag, kind[3:].lower())  # .needed, .soname, .runpath
                        dynamic[kind].append(str(value))
            if isinstance(section, SymbolTableSection) and section.name == ".dynsym":
                for s in section.iter_symbols():
                    undefined = s["st_shndx"] == "SHN_UNDEF"
                    if s.name.startswith("PyInit_") and not undefined:
                        pyinit.append(s.name)
                    elif s.name.startswith(("Py", "_Py")) and undefined:
                        py_imports.append(s.name)
        return ElfInfo(name, elf["e_machine"], elf.elfclass, elf.little_endian,
                       max(versions) if versions else None, tuple(dynamic["DT_NEEDED"]),
                       elf_type=str(elf["e_type"]), pyinit=tuple(pyinit),
                       py_imports=tuple(py_imports),
                       soname=next(iter(dynamic["DT_SONAME"]), ""),
                       runpath=_search_path(dynamic["DT_RUNPATH"]),
                       rpath=_search_path(dynamic["DT_RPATH"]))
    except Exception as exc:  # any malformed ELF is a finding, never a traceback
        return ElfInfo(name, f"unreadable ELF ({line(exc)})", 0, True, None, ())


def _search_path(values: list[str]) -> tuple[str, ...]:
    """The entries of DT_RUNPATH / DT_RPATH strings (colon-separated lists)."""
    return tuple(entry for value in values for entry in value.split(":"))


def inspect_binary(name: str, data: bytes) -> Binary | None:
    """ELF, Mach-O or PE; None for anything else."""
    elf = inspect_elf(name, data)
    if elf is not None:
        return Binary(name, "ELF", elf)
    head = data[:8]
    if len(head) == 8 and head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                                       b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        order = "<" if head[0] == 0xCE or head[0] == 0xCF else ">"
        return Binary(name, "Mach-O", cpus=(struct.unpack(order + "I", head[4:8])[0],))
    if head[:4] == b"\xca\xfe\xba\xbe" and 0 < struct.unpack(">I", head[4:8])[0] < 20:
        count = struct.unpack(">I", head[4:8])[0]  # fat (universal) Mach-O
        return Binary(name, "Mach-O", cpus=tuple(
            struct.unpack(">I", data[8 + 20 * i: 12 + 20 * i])[0] for i in range(count)
            if len(data) >= 12 + 20 * i))
    if head[:2] == b"MZ" and len(data) >= 0x40:
        pe = struct.unpack("<I", data[0x3C:0x40])[0]
        if data[pe:pe + 4] == b"PE\0\0" and len(data) >= pe + 6:
            return Binary(name, "PE", cpus=(struct.unpack("<H", data[pe + 4:pe + 6])[0],))
    return None


def line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
