"""``strip`` and ``objcopy`` for a zigcc toolchain folder (stdlib only, run as a script).

zig 0.17's ``zig objcopy`` reads ELF only and writes only raw binary / Intel hex: its
ELF-to-ELF path (every ``--strip-*``) stops with "unimplemented", and it refuses
big-endian or relocatable input.  So the ELF rewrites build systems ask for at install
time (``cmake --install --strip``, ``meson install --strip``, scikit-build-core's
``install.strip``) are done here: dropping non-allocated sections (debug info, the
static symbol table) never moves a loaded byte, so the rewrite keeps every segment
as it was and re-lays only the sections after it; a PE image lld linked without debug
information has nothing to strip and is left as it is.  ``objcopy -O binary|ihex`` is passed
to zig.  Anything else exits 1 with one line saying why.

Run as ``python -I -S binutils.py strip|objcopy ARGS...`` (the shims do).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import NamedTuple

NAME = "zigcc"
SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_NOBITS, SHT_REL = 2, 3, 4, 8, 9
SHT_DYNSYM, SHT_GROUP, SHT_SYMTAB_SHNDX = 11, 17, 18
SHF_ALLOC, SHF_INFO_LINK = 0x2, 0x40
SHN_LORESERVE = 0xFF00
ET_REL = 1
DEBUG_PREFIXES = (".debug", ".zdebug", ".gnu.debuglto_", ".stab", ".line", ".gdb_index")


class Fail(Exception):
    """One line for the user; exit status 1."""


class Section(NamedTuple):
    name: str
    name_off: int
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int
    align: int
    entsize: int


class Elf:
    """Just enough of an ELF file to drop sections from it."""

    def __init__(self, data: bytes, path: str) -> None:
        if data[:4] != b"\x7fELF":
            kind = "an ar archive" if data[:8] == b"!<arch>\n" else "not an ELF file"
            raise Fail(f"{path}: {kind}; zig 0.17 has no tool that can strip it")
        if data[4] not in (1, 2) or data[5] not in (1, 2):
            raise Fail(f"{path}: unknown ELF class or byte order")
        self.data = data
        self.is64 = data[4] == 2
        self.end = "<" if data[5] == 1 else ">"
        hdr = "HHIQQQIHHHHHH" if self.is64 else "HHIIIIIHHHHHH"
        (self.type, _, _, _, self.phoff, self.shoff, _, _, self.phentsize, self.phnum,
         self.shentsize, self.shnum, self.shstrndx) = struct.unpack_from(self.end + hdr, data, 16)
        if self.shoff == 0:
            raise Fail(f"{path}: has no section headers")
        if self.shnum == 0 or self.shstrndx >= SHN_LORESERVE:
            raise Fail(f"{path}: more than 65279 sections are not supported")
        self.shfmt = self.end + ("IIQQQQIIQQ" if self.is64 else "IIIIIIIIII")
        raw = [struct.unpack_from(self.shfmt, data, self.shoff + i * self.shentsize)
               for i in range(self.shnum)]
        strtab = raw[self.shstrndx]
        names = data[strtab[4]: strtab[4] + strtab[5]]
        self.sections = [Section(names[r[0]: names.index(b"\0", r[0])].decode("utf-8", "replace"),
                                 *r) for r in raw]
        if any(s.type == SHT_SYMTAB_SHNDX for s in self.sections):
            raise Fail(f"{path}: extended section indices are not supported")

    def loaded_end(self) -> int:
        """Where the last byte any program header maps (or the headers) ends."""
        fmt = self.end + ("IIQQQQQQ" if self.is64 else "IIIIIIII")
        end = self.phoff + self.phnum * self.phentsize if self.phnum else 0
        end = max(end, 64 if self.is64 else 52)
        for i in range(self.phnum):
            ph = struct.unpack_from(fmt, self.data, self.phoff + i * self.phentsize)
            offset, filesz = (ph[2], ph[5]) if self.is64 else (ph[1], ph[4])
            end = max(end, offset + filesz)
        return end


def removable(elf: Elf, mode: str) -> set[int]:
    """Indices of the sections ``mode`` (all / debug / unneeded) drops."""
    secs = elf.sections
    if mode == "unneeded":
        # Linked files need no .symtab (dynamic relocations use .dynsym); an object's
        # relocations name .symtab entries, so only its debug info may go.
        mode = "debug" if elf.type == ET_REL else "all"
    if mode == "all" and elf.type == ET_REL:
        raise Fail("--strip-all of a relocatable object would break its relocations; "
                   "use --strip-debug or --strip-unneeded")
    drop = {i for i, s in enumerate(secs) if i and not s.flags & SHF_ALLOC
            and s.name.startswith(DEBUG_PREFIXES)}
    if mode == "all":
        drop |= {i for i, s in enumerate(secs) if s.type == SHT_SYMTAB}
    while True:  # relocations for, and string tables only used by, dropped sections
        more = {i for i, s in enumerate(secs) if i not in drop and s.type in (SHT_REL, SHT_RELA)
                and not s.flags & SHF_ALLOC and (s.info in drop or s.link in drop)}
        used = {s.link for i, s in enumerate(secs) if i not in drop and i not in more}
        more |= {i for i, s in enumerate(secs) if i not in drop and s.type == SHT_STRTAB
                 and i != elf.shstrndx and not s.flags & SHF_ALLOC and i not in used
                 and any(t.link == i for t in secs)}
        if not more - drop:
            return drop
        drop |= more


def strip_elf(data: bytes, mode: str, path: str) -> bytes:
    """The file without the sections ``mode`` drops; loaded bytes are not moved."""
    elf = Elf(data, path)
    drop = removable(elf, mode)
    secs = elf.sections
    keep = [i for i in range(len(secs)) if i not in drop]
    new_index = {old: new for new, old in enumerate(keep)}
    contents = {i: bytearray(data[s.offset: s.offset + s.size]) for i, s in enumerate(secs)
                if i in new_index and s.type != SHT_NOBITS}
    for i in keep:
        if secs[i].type in (SHT_SYMTAB, SHT_DYNSYM):
            _fix_symbols(elf, i, contents, new_index, drop)
    for i in keep:
        if secs[i].type == SHT_GROUP:
            body = contents[i]
            for off in range(4, len(body) - 3, 4):
                (member,) = struct.unpack_from(elf.end + "I", body, off)
                struct.pack_into(elf.end + "I", body, off, new_index.get(member, 0))
    # A fresh .shstrtab with only the names still in use.
    shstr = bytearray(b"\0")
    name_off: dict[str, int] = {}
    for i in keep:
        name = secs[i].name
        if name and name not in name_off:
            name_off[name] = len(shstr)
            shstr += name.encode("utf-8") + b"\0"
    contents[elf.shstrndx] = shstr
    # Layout: everything any segment maps stays byte for byte; sections after it follow.
    fixed_end = elf.loaded_end()
    out = bytearray(data[:fixed_end])
    offsets: dict[int, int] = {}
    for i in sorted(keep[1:], key=lambda i: secs[i].offset):
        s = secs[i]
        if s.type == SHT_NOBITS:
            offsets[i] = s.offset if s.offset <= len(out) else len(out)
            continue
        body = contents[i]
        if i != elf.shstrndx and s.offset + s.size <= fixed_end and bytes(body) == bytes(
                out[s.offset: s.offset + s.size]):
            offsets[i] = s.offset
            continue
        if i != elf.shstrndx and s.offset + s.size <= fixed_end and s.flags & SHF_ALLOC:
            # .dynsym with renumbered sections: same size, rewritten in place.
            out[s.offset: s.offset + s.size] = body
            offsets[i] = s.offset
            continue
        align = max(s.align, 1)
        out += b"\0" * (-len(out) % align)
        offsets[i] = len(out)
        out += body
    word = 8 if elf.is64 else 4
    out += b"\0" * (-len(out) % word)
    shoff = len(out)
    for new, i in enumerate(keep):
        s = secs[i]
        if new == 0:
            out += data[elf.shoff: elf.shoff + elf.shentsize]
            continue
        link = new_index.get(s.link, 0) if s.link else 0
        info = s.info
        if s.type in (SHT_REL, SHT_RELA) or s.flags & SHF_INFO_LINK:
            info = new_index.get(s.info, 0)
        size = len(contents[i]) if i in contents else s.size
        hdr = struct.pack(elf.shfmt, name_off.get(s.name, 0), s.type, s.flags, s.addr,
                          offsets[i], size, link, info, s.align, s.entsize)
        out += hdr + b"\0" * (elf.shentsize - len(hdr))
    # e_shoff, e_shnum, e_shstrndx
    struct.pack_into(elf.end + ("Q" if elf.is64 else "I"), out, 40 if elf.is64 else 32, shoff)
    struct.pack_into(elf.end + "HH", out, 60 if elf.is64 else 48, len(keep),
                     new_index[elf.shstrndx])
    return bytes(out)


def _fix_symbols(elf: Elf, index: int, contents: dict[int, bytearray], new_index: dict[int, int],
                 drop: set[int]) -> None:
    """Renumber st_shndx; a .symtab also loses the symbols of dropped sections."""
    sec = elf.sections[index]
    body = contents[index]
    size, fmt = (24, "IBBHQQ") if elf.is64 else (16, "IIIBBH")
    rows = [list(struct.unpack_from(elf.end + fmt, body, off))
            for off in range(0, len(body) - size + 1, size)]
    shndx = 3 if elf.is64 else 5
    kept: list[list[int]] = []
    renumber: dict[int, int] = {}
    first_global = sec.info
    for old, row in enumerate(rows):
        target = row[shndx]
        if 0 < target < SHN_LORESERVE:
            if target in drop:
                if sec.type == SHT_DYNSYM:
                    raise Fail("a dynamic symbol lives in a section being removed")
                if old < sec.info:
                    first_global -= 1
                continue
            row[shndx] = new_index[target]
        renumber[old] = len(kept)
        kept.append(row)
    contents[index] = bytearray(b"".join(struct.pack(elf.end + fmt, *r) for r in kept))
    if len(kept) == len(rows):
        return
    # Symbols went away: fix the relocation sections and groups that index this table.
    for i, s in enumerate(elf.sections):
        if i not in contents or s.link != index:
            continue
        if s.type == SHT_GROUP:
            continue  # the group's signature symbol index is in sh_info: fixed below
        if s.type in (SHT_REL, SHT_RELA):
            _fix_relocations(elf, s, contents[i], renumber)
    sections = elf.sections
    for i, s in enumerate(sections):
        if s.type == SHT_GROUP and s.link == index and i in contents:
            sections[i] = s._replace(info=renumber.get(s.info, 0))
    sections[index] = sec._replace(info=first_global)


def _fix_relocations(elf: Elf, sec: Section, body: bytearray, renumber: dict[int, int]) -> None:
    size = (24 if sec.type == SHT_RELA else 16) if elf.is64 else (12 if sec.type == SHT_RELA else 8)
    for off in range(0, len(body) - size + 1, size):
        if elf.is64:
            (info,) = struct.unpack_from(elf.end + "Q", body, off + 8)
            sym, kind = info >> 32, info & 0xFFFFFFFF
            if sym not in renumber:
                raise Fail("a relocation refers to a symbol of a removed section")
            struct.pack_into(elf.end + "Q", body, off + 8, renumber[sym] << 32 | kind)
        else:
            (info,) = struct.unpack_from(elf.end + "I", body, off + 4)
            sym, kind = info >> 8, info & 0xFF
            if sym not in renumber:
                raise Fail("a relocation refers to a symbol of a removed section")
            struct.pack_into(elf.end + "I", body, off + 4, renumber[sym] << 8 | kind)


def pe_stripped(data: bytes, path: str) -> bool:
    """True for a PE image with nothing strip would remove (no COFF symbol table, no debug
    sections: what lld links without -g, e.g. the modules pybind11 strips after linking);
    one line otherwise."""
    try:
        (pe,) = struct.unpack_from("<I", data, 0x3C)
        sections, _, symbols_at, symbols, optional = struct.unpack_from("<HIIIH", data, pe + 6)
    except struct.error:
        pe = 0
    if not pe or data[pe: pe + 4] != b"PE\0\0":
        raise Fail(f"{path}: not an ELF file or PE image; zig 0.17 has no tool that can strip it")
    table = pe + 24 + optional
    names = [data[table + 40 * i: table + 40 * i + 8] for i in range(sections)]
    if symbols_at or symbols or any(n.startswith((b".debug", b".stab", b"/")) for n in names):
        raise Fail(f"{path}: a PE image with debug information or a symbol table; zig 0.17 "
                   "has no tool that can strip it (link without -g)")
    return True


_MACHO_MAGICS = (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")  # 64-bit thin (LE), fat (BE)


def macho_stripped(data: bytes, path: str) -> bool:
    """True for a Mach-O file zig linked (thin or fat) that holds no debug information (no
    ``__DWARF`` segment, no stab symbols): kept as it is, since rewriting it would void
    arm64's ad-hoc code signature, and its local symbols cost only size; one line otherwise."""
    slices = [data]
    if data[:4] == _MACHO_MAGICS[1]:
        (count,) = struct.unpack_from(">I", data, 4)
        slices = []
        for i in range(count):
            offset, size = struct.unpack_from(">II", data, 8 + 20 * i + 8)
            slices.append(data[offset: offset + size])
    for image in slices:
        if image[:4] != _MACHO_MAGICS[0]:
            raise Fail(f"{path}: a Mach-O file zigcc cannot read (not 64-bit)")
        (ncmds,) = struct.unpack_from("<I", image, 16)
        at = 32
        for _ in range(ncmds):
            cmd, size = struct.unpack_from("<II", image, at)
            if cmd == 0x19 and image[at + 8: at + 24].rstrip(b"\0") == b"__DWARF":
                raise Fail(f"{path}: a Mach-O file with debug information; zig 0.17 has no "
                           "tool that can strip it (link without -g)")
            if cmd == 0x2:  # LC_SYMTAB: a stab (N_STAB bits of n_type) is debug information
                symoff, nsyms = struct.unpack_from("<II", image, at + 8)
                if any(image[symoff + 16 * i + 4] & 0xE0 for i in range(nsyms)):
                    raise Fail(f"{path}: a Mach-O file with debug symbols (stabs); zig 0.17 "
                               "has no tool that can strip it (link without -g)")
            at += size
    return True


def _replace(path: str, data: bytes, like: str | None, preserve: bool) -> None:
    """Write ``data`` to ``path`` atomically, with the mode (and times) of ``like``."""
    st = os.stat(like) if like else None
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".zigcc-strip.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if st is not None:
            os.chmod(tmp, st.st_mode & 0o7777)
            if preserve:
                os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -x (discard local symbols; what CMake and pybind11 run on macOS): as --strip-unneeded on ELF
STRIP_MODES = {"-s": "all", "--strip-all": "all", "-g": "debug", "-S": "debug", "-d": "debug",
               "--strip-debug": "debug", "--strip-unneeded": "unneeded", "-x": "unneeded",
               "--discard-all": "unneeded"}
STRIP_NOOPS = ("-p", "--preserve-dates", "-D", "--enable-deterministic-archives", "-v",
               "--verbose")


def strip(args: Sequence[str]) -> int:
    """GNU strip: ``strip [-s|-g|-S|-d|--strip-unneeded] [-p] [-o OUT] FILE...``."""
    mode, out, preserve, verbose = "all", None, False, False
    files: list[str] = []
    it = iter(args)
    for arg in it:
        if arg in STRIP_MODES:
            mode = STRIP_MODES[arg]
        elif arg == "-o":
            out = next(it, None)
            if out is None:
                raise Fail("strip: -o needs a file name")
        elif arg.startswith("-o") and len(arg) > 2:
            out = arg[2:]
        elif arg in ("-p", "--preserve-dates"):
            preserve = True
        elif arg in ("-v", "--verbose"):
            verbose = True
        elif arg in STRIP_NOOPS:
            pass
        elif arg in ("-V", "--version"):
            print(f"strip ({NAME}: ELF section stripper for zig toolchains)")
            return 0
        elif arg in ("-h", "--help"):
            print(strip.__doc__)
            return 0
        elif arg == "--":
            files.extend(it)
        elif arg.startswith("-") and arg != "-":
            raise Fail(f"strip: option {arg} is not supported (zig 0.17 has no strip; "
                       "zigcc supports -s, -g/-S/-d, -x, --strip-unneeded, -o, -p)")
        else:
            files.append(arg)
    if not files:
        raise Fail("strip: no input files")
    if out is not None and len(files) != 1:
        raise Fail("strip: -o takes exactly one input file")
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"MZ":
            stripped = data if pe_stripped(data, path) else b""
        elif data[:4] in _MACHO_MAGICS:
            stripped = data if macho_stripped(data, path) else b""
        else:
            stripped = strip_elf(data, mode, path)
        target = out or path
        if verbose:
            print(f"stripped {path} -> {target}")
        _replace(target, stripped, path, preserve)
    return 0


OBJCOPY_STRIP = {"--strip-all": "all", "-S": "all", "--strip-debug": "debug", "-g": "debug",
                 "--strip-unneeded": "unneeded"}
ZIG_FORMATS = {"binary": "binary", "ihex": "hex", "hex": "hex"}


def objcopy(args: Sequence[str], zig: str) -> int:
    """GNU objcopy for what zig can do: ``[--strip-*] IN [OUT]`` or ``-O binary|ihex IN OUT``."""
    modes: list[str] = []
    zig_args: list[str] = []
    files: list[str] = []
    preserve = False
    it = iter(args)
    for arg in it:
        if arg in OBJCOPY_STRIP:
            modes.append(OBJCOPY_STRIP[arg])
        elif arg in ("-O", "--output-target") or arg.startswith(("--output-target=", "-O")):
            value = (next(it, "") if arg in ("-O", "--output-target")
                     else arg.split("=", 1)[1] if "=" in arg else arg[2:])
            if value not in ZIG_FORMATS:
                raise Fail(f"objcopy: output format {value!r} is not supported (zig 0.17's "
                           "objcopy writes only binary and ihex; ELF edits are limited to "
                           "--strip-all/--strip-debug/--strip-unneeded)")
            zig_args += ["-O", ZIG_FORMATS[value]]
        elif arg in ("-j", "--only-section", "--pad-to"):
            zig_args += [arg, next(it, "")]
        elif arg.startswith("--only-section="):
            zig_args.append(arg)
        elif arg in ("-p", "--preserve-dates"):
            preserve = True
        elif arg in ("-V", "--version"):
            print(f"objcopy ({NAME}: zig objcopy plus an ELF section stripper)")
            return 0
        elif arg in ("-h", "--help"):
            print(objcopy.__doc__)
            return 0
        elif arg.startswith("-") and arg != "-":
            raise Fail(f"objcopy: option {arg} is not supported (zig 0.17's objcopy cannot "
                       "write ELF files; zigcc does --strip-all/--strip-debug/--strip-unneeded "
                       "and -O binary|ihex)")
        else:
            files.append(arg)
    if not 1 <= len(files) <= 2:
        raise Fail("objcopy: expected an input file and an optional output file")
    src = files[0]
    dst = files[1] if len(files) == 2 else src
    if zig_args:
        if modes:
            raise Fail("objcopy: -O binary|ihex cannot be combined with --strip-* here")
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(dst)),
                                   prefix=".zigcc-objcopy.")
        os.close(fd)
        try:
            rc = subprocess.call([zig, "objcopy", *zig_args, src, tmp])
            if rc == 0:
                os.replace(tmp, dst)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return rc
    with open(src, "rb") as f:
        data = f.read()
    mode = "all" if "all" in modes else "unneeded" if "unneeded" in modes else (
        "debug" if modes else "")
    # No option: a plain copy (GNU objcopy rewrites the file unchanged).
    out = strip_elf(data, mode, src) if mode else data
    _replace(dst, out, src, preserve)
    return 0


def main(argv: Sequence[str]) -> int:
    tool, args = argv[0], list(argv[1:])
    try:
        if tool == "strip":
            return strip(args)
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "shim.json"), encoding="utf-8") as f:
            zig = str(json.load(f)["zig"])
        return objcopy(args, zig)
    except Fail as exc:
        sys.stderr.write(f"{NAME} {tool}: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"{NAME} {tool}: {exc.filename}: {exc.strerror}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
