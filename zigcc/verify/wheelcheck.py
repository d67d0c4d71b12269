"""Check that a wheel may carry its tags (auditwheel's rules, any arch, and more).

A wheel claims ``manylinux_2_X_<arch>`` only when every ELF in it is of ``<arch>``'s
machine type, class and byte order, needs glibc symbol versions <= 2.X, and links
only libraries the manylinux (or musllinux) policy allows or the wheel ships itself, found
through the file's RUNPATH (:mod:`zigcc.verify.libraries`).  Beyond that: every extension
module has a file name the target interpreter imports, a platform tag goes with compiled
code (and ``any`` with none), the ``.dist-info/WHEEL`` tags agree with the file name,
and RECORD agrees with the members; an ``abi3``/``abi3t`` wheel's modules carry a stable-ABI
suffix and import only the Stable ABI of its CPython (:mod:`zigcc.verify.abi3`).
:mod:`zigcc.verify.elf` reads the compiled files; a Windows wheel's PE files are held to
:mod:`zigcc.verify.pe` (machine, the DLLs they import, ``PyInit_*`` exported), a macOS wheel's Mach-O files to
:mod:`zigcc.verify.macho`.  Unreadable input raises :class:`ZigccError`, never a traceback.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesParser
from pathlib import Path

from packaging.tags import Tag, parse_tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from zigcc.errors import ZigccError
from zigcc.target.model import LEGACY_MANYLINUX, Target, Version
from zigcc.target.platforms import LINUX
from zigcc.verify import abi3, libraries, macho, pe
from zigcc.verify.elf import Binary, ElfInfo, inspect_binary
from zigcc.verify.elf import inspect_elf as inspect_elf  # re-exported

# The interpreter-specific part of an extension module's suffix.
_CPYTHON_SO = re.compile(r"\.cpython-(?P<abi>\d+[a-z]*)-(?P<triple>[^.]+)\.so$")
_CPYTHON_PYD = re.compile(r"\.cp(?P<abi>\d+[a-z]*)-(?P<triple>[^.]+)\.pyd$")
_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                  ValueError, OSError)
_REBUILD = "rebuild it with pip wheel or python -m build, or download it again"


@dataclass(frozen=True)
class WheelName:
    """A wheel file name, its parts spelled as in the name."""

    file: str
    distribution: str
    version: str
    build: str | None
    pythons: tuple[str, ...]
    abis: tuple[str, ...]
    platforms: tuple[str, ...]
    tags: frozenset[Tag]

    def with_platform(self, platform: str) -> str:
        build = f"-{self.build}" if self.build else ""
        return (f"{self.distribution}-{self.version}{build}-{'.'.join(self.pythons)}-"
                f"{'.'.join(self.abis)}-{platform}.whl")


def wheel_name(wheel: Path) -> WheelName:
    try:
        _, _, _, tags = parse_wheel_filename(wheel.name)
    except InvalidWheelFilename as exc:
        raise _error(f"{wheel}: {_line(exc)}; a wheel is named "
                     "<name>-<version>[-<build>]-<python>-<abi>-<platform>.whl") from None
    parts = wheel.name[:-4].split("-")
    build = parts[2] if len(parts) == 6 else None
    py, abi, plat = (p.split(".") for p in parts[-3:])
    return WheelName(wheel.name, parts[0], parts[1], build, tuple(py), tuple(abi), tuple(plat),
                     tags)


def open_wheel(wheel: Path) -> zipfile.ZipFile:
    """Open ``wheel`` as a zip; damaged or unreadable files raise ZigccError."""
    try:
        return zipfile.ZipFile(wheel)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _error(f"{wheel}: not a readable zip archive ({_line(exc)}); "
                     f"{_REBUILD}") from None
    except OSError as exc:
        raise _error(f"{wheel}: cannot read it ({exc.strerror or _line(exc)}); check the "
                     "path and its permissions") from None


def read_member(wheel: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return zf.read(info)
    except _MEMBER_ERRORS as exc:
        raise _error(f"{wheel}: member {info.filename} is damaged ({_line(exc)}); "
                     f"{_REBUILD}") from None


def dist_info(wheel: Path, names: Sequence[str]) -> list[str]:
    """The ``*.dist-info`` folders that hold a WHEEL file; ZigccError when there is none."""
    found = sorted({n.split("/")[0] for n in names
                    if n.count("/") == 1 and n.endswith(".dist-info/WHEEL")})
    if not found:
        raise _error(f"{wheel}: no <name>.dist-info/WHEEL file, so it is not a wheel; "
                     "build it with pip wheel or python -m build")
    return found


def wheel_tags(data: bytes) -> list[str]:
    """The ``Tag:`` values of a WHEEL file, in order."""
    msg = BytesParser().parsebytes(data)
    return [str(v).strip() for v in msg.get_all("Tag") or []]


def wheel_elves(wheel: Path) -> list[ElfInfo]:
    return [b.elf for b in _scan(wheel).binaries if b.elf is not None]


@dataclass
class _Scan:
    name: WheelName
    names: list[str]
    binaries: list[Binary]
    meta: str  # the .dist-info folder
    digests: dict[str, tuple[str, int]]  # member -> (sha256 urlsafe b64, size)
    files: dict[str, bytes]  # the dist-info WHEEL and RECORD files
    linked: libraries.Linked  # the libraries its ELF files load from the wheel itself
    pes: dict[str, pe.PeInfo] = dataclasses.field(default_factory=dict)  # member -> its PE
    machos: dict[str, macho.MachOInfo] = dataclasses.field(default_factory=dict)
    broken: dict[str, str] = dataclasses.field(default_factory=dict)  # unreadable Mach-O: why


def _scan(wheel: Path) -> _Scan:
    name = wheel_name(wheel)
    binaries: list[Binary] = []
    pes: dict[str, pe.PeInfo] = {}
    machos: dict[str, macho.MachOInfo] = {}
    broken: dict[str, str] = {}
    digests: dict[str, tuple[str, int]] = {}
    files: dict[str, bytes] = {}
    with open_wheel(wheel) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        folders = dist_info(wheel, names)
        meta = next((f for f in folders if canonicalize_name(f.split("-")[0])
                     == canonicalize_name(name.distribution)), folders[0])
        for info in infos:
            if info.is_dir():
                continue
            data = read_member(wheel, zf, info)
            digests[info.filename] = (_b64(hashlib.sha256(data).digest()), len(data))
            if info.filename in (f"{meta}/WHEEL", f"{meta}/RECORD"):
                files[info.filename.split("/")[1]] = data
            binary = inspect_binary(info.filename, data)
            if binary is not None:
                binaries.append(binary)
                if binary.fmt == "PE":
                    pes[info.filename] = _read_pe(wheel, info.filename, data)
                elif binary.fmt == "Mach-O":  # a finding where Mach-O matters, else nothing
                    try:
                        machos[info.filename] = macho.read(info.filename, data)
                    except ValueError as exc:
                        broken[info.filename] = f"{str(exc).split(': ', 1)[-1]}; {_REBUILD}"
    linked = libraries.link([b.elf for b in binaries if b.elf is not None])
    return _Scan(name, names, binaries, meta, digests, files, linked, pes, machos, broken)


def _read_pe(wheel: Path, member: str, data: bytes) -> pe.PeInfo:
    try:
        info = pe.inspect_pe(member, data)
    except ValueError as exc:
        raise _error(f"{wheel.name}: {exc}; {_REBUILD}") from None
    assert info is not None  # inspect_binary saw its PE header
    return info


def problems(wheel: Path, target: Target,
             ext_suffixes: Sequence[str] | None = None, installing: bool = False,
             pe_exports: Mapping[str, Collection[str]] | None = None,
             macho_api: frozenset[str] | None = None) -> list[str]:
    """Every reason ``wheel`` may not carry its tags for ``target``; empty when fine.

    ``ext_suffixes`` are the target interpreter's extension suffixes
    (``importlib.machinery.EXTENSION_SUFFIXES`` there); without them, an extension
    module's CPython suffix must at least name the target's triple and the wheel's ABI.
    ``installing``: ``wheel`` is another's (an index's), to be installed on ``target``: only
    its platform tags that ``target`` installs are claims checked here (at least one must
    be), its others are claims for other machines (``manylinux_2_28`` beside ``2_17``).
    ``pe_exports``: per Python DLL (``python313.dll``), the names it exports; a PE module
    importing another name from it is rejected (:mod:`zigcc.verify.pe`).
    ``macho_api``: the target Python's C API (C names); a Mach-O file's undefined symbols
    must be these or macOS's (unchecked when None; :mod:`zigcc.verify.macho`).
    Raises ZigccError when ``wheel`` is not a readable wheel.
    """
    scan = _scan(wheel)
    want = target.platform.binary_format
    found = [f"{wheel.name}: {p}" for p in _meta_problems(scan)]
    if installing:
        scan, why = _installable_claims(scan, target)
        if why:
            return [f"{wheel.name}: {why}"]
    found += [f"{wheel.name}: {p}" for p in _tag_problems(scan, target, want, installing)]
    for binary in scan.binaries:
        if binary.fmt != want:  # a foreign file matters only where Python imports it
            if _module_path(binary) is not None:
                found.append(f"{wheel.name}: {binary.name}: a {binary.fmt} file in a wheel "
                             f"for {target.os}, which loads {want} files only")
            continue
        found += [f"{wheel.name}: {binary.name}: {p}"
                  for p in _binary_problems(binary, scan, target, ext_suffixes, pe_exports,
                                            macho_api)]
    found += [f"{wheel.name}: {p}" for p in _abi3_problems(scan, target, want)]
    return list(dict.fromkeys(printable(line) for line in found))


def _installable_claims(scan: _Scan, target: Target) -> tuple[_Scan, str]:
    """``scan`` with only the platform tags ``target`` installs (``any`` kept)."""
    accepted = {*target.platform.installable_tags(target), "any"}
    tags = frozenset(t for t in scan.name.tags if t.platform in accepted)
    if not tags:
        return scan, (f"none of its platform tags ({', '.join(scan.name.platforms)}) installs "
                      f"on {target.platform_tags[0]}")
    platforms = tuple(p for p in scan.name.platforms if p in accepted)
    return dataclasses.replace(scan, name=dataclasses.replace(scan.name, tags=tags,
                                                              platforms=platforms)), ""


def _abi3_problems(scan: _Scan, target: Target, want: str) -> list[str]:
    """A wheel tagged ``abi3``/``abi3t``: its tags, its modules' suffixes and the CPython
    symbols they import."""
    claimed = abi3.claims(scan.name.tags)
    version = abi3.minimum(scan.name.tags)
    if version is None:
        return []
    triplet = "darwin" if target.os == "macos" else target.multiarch  # SOABI_PLATFORM
    out = abi3.tag_problems(scan.name.tags)
    for binary in scan.binaries:
        base = _module_path(binary)
        if binary.fmt == want and base is not None:
            out += abi3.suffix_problems(binary.name, base, target, claimed, triplet)
            imports = (binary.elf.py_imports if binary.elf is not None else
                       scan.machos[binary.name].py_imports if binary.name in scan.machos
                       else None)
            if imports is not None:
                out += abi3.symbol_problems(binary.name, imports, version)
                if "abi3t" in claimed:
                    out += abi3.abi3t_symbol_problems(binary.name, imports)
    return out


def _meta_problems(scan: _Scan) -> list[str]:
    """The WHEEL file, the dist-info folder and RECORD against the file name and members."""
    out: list[str] = []
    folders = sorted({n.split("/")[0] for n in scan.names
                      if n.split("/")[0].endswith(".dist-info")})
    if len(folders) > 1:
        out.append(f"holds several .dist-info folders ({', '.join(folders)}); installers "
                   "refuse it: build from a clean build folder")
    meta = scan.meta
    if canonicalize_name(meta.split("-")[0]) != canonicalize_name(scan.name.distribution):
        out.append(f"{meta} does not match the file name's project "
                   f"{scan.name.distribution}; do not rename wheels, rebuild them")
    try:
        claimed = {t for value in wheel_tags(scan.files["WHEEL"]) for t in parse_tag(value)}
    except ValueError as exc:
        out.append(f"{meta}/WHEEL has a malformed Tag line ({_line(exc)}); rebuild the wheel")
    else:
        if claimed != set(scan.name.tags):
            shown = ", ".join(sorted(str(t) for t in claimed)) or "no Tag lines"
            out.append(f"{meta}/WHEEL says {shown} but the file name says "
                       f"{', '.join(sorted(str(t) for t in scan.name.tags))}; a renamed "
                       "wheel must be retagged (zigcc.retag or auditwheel repair)")
    seen: set[str] = set()
    for n in scan.names:
        if n in seen:
            out.append(f"holds {n} twice; installers keep only one copy: rebuild the wheel")
        seen.add(n)
        if n.startswith("/") or ".." in n.split("/"):
            out.append(f"{n}: a path outside the install folder; installers refuse it")
    return out + _record_problems(scan, meta)


def _record_problems(scan: _Scan, meta: str) -> list[str]:
    record = scan.files.get("RECORD")
    if record is None:
        return [f"no {meta}/RECORD; installers need it: rebuild the wheel"]
    out: list[str] = []
    listed: set[str] = set()
    for row in csv.reader(io.StringIO(record.decode("utf-8", "replace"))):
        if not row:
            continue
        path, digest = row[0], row[1] if len(row) > 1 else ""
        listed.add(path)
        if path not in scan.digests:
            out.append(f"RECORD lists {path}, which the wheel does not hold")
        elif digest.startswith("sha256=") and digest[7:] != scan.digests[path][0]:
            out.append(f"{path}: its sha256 differs from RECORD (changed after the build); "
                       "rebuild the wheel")
    for path in scan.digests:
        if path not in listed and not path.startswith(f"{meta}/RECORD"):
            out.append(f"{path} is not listed in RECORD; rebuild the wheel")
    return out


def _tag_problems(scan: _Scan, target: Target, want: str, installing: bool = False
                  ) -> list[str]:
    out: list[str] = []
    claimed = {t.platform for t in scan.name.tags}
    allowed = set(target.platform_tags)
    if installing:
        allowed.update(target.platform.installable_tags(target))
    if claimed != {"any"} and not claimed <= allowed:
        build = target.platform_tags[0] if target.arch == "universal2" else target.zig_target
        out.append(f"platform tags {sorted(claimed - allowed)} are not ones a "
                   f"{build} build may claim ({', '.join(sorted(allowed))})")
    modules = [b.name for b in scan.binaries if _module_path(b) is not None]
    if claimed == {"any"} and modules:
        out.append(f"tagged any but holds compiled extension modules ({modules[0]}); tag it "
                   f"{target.wheel_platform} (bdist_wheel plat_name, zigcc env --python)")
    elif claimed != {"any"} and not any(b.fmt == want for b in scan.binaries):
        out.append(f"tagged {'.'.join(sorted(claimed))} but holds no compiled code (no {want} "
                   "file); a pure-Python wheel must be tagged py3-none-any: drop plat_name / "
                   "--plat-name from the build")
    return out


def _binary_problems(binary: Binary, scan: _Scan, target: Target,
                     ext_suffixes: Sequence[str] | None,
                     pe_exports: Mapping[str, Collection[str]] | None = None,
                     macho_api: frozenset[str] | None = None) -> list[str]:
    out = _suffix_problems(binary, scan, target, ext_suffixes)
    if binary.fmt == "Mach-O":
        return out + macho.member_problems(
            scan.machos.get(binary.name) or scan.broken[binary.name], _module_path(binary),
            target, scan.name.platforms, scan.names, macho_api)
    if binary.name in scan.pes:
        shipped = {n.rsplit("/", 1)[-1].lower() for n in scan.pes}
        allowed = pe.python_dlls({t.abi for t in scan.name.tags})
        pe_info = scan.pes[binary.name]
        base = _module_path(binary)
        if base is not None and not pe_info.pyinit:
            out.append(f"exports no PyInit_{base.split('.')[0]}, so Python cannot import it; "
                       "define the module's PyInit_ function (PyMODINIT_FUNC)")
        return out + pe.problems(pe_info, target.arch, allowed, shipped, pe_exports)
    if binary.elf is None:
        info = target.info
        cpu = info.pe_machine if target.os == "windows" else info.macho_cpu
        if cpu not in binary.cpus:
            out.append(f"{binary.fmt} cpu type(s) {', '.join(hex(c) for c in binary.cpus)}, "
                       f"expected {cpu and hex(cpu)} for {target.arch}")
        return out
    return out + _elf_problems(binary.elf, scan, target)


def _elf_problems(elf: ElfInfo, scan: _Scan, target: Target) -> list[str]:
    out: list[str] = []
    arch = target.info
    machine, bits, little = arch.elf, arch.bits, arch.endian == "little"
    if (elf.machine, elf.bits, elf.little_endian) != (machine, bits, little):
        out.append(f"{elf.machine} {elf.bits}-bit {'LE' if elf.little_endian else 'BE'}, "
                   f"expected {machine} {bits}-bit {'LE' if little else 'BE'} for "
                   f"{target.arch}")
    limits: set[Version] = set()
    families: set[bool] = set()
    for tag in _policy_tags(scan, target):  # one line per glibc limit and per policy
        limit = _glibc_of(tag)
        if limit and elf.max_glibc and elf.max_glibc > limit and limit not in limits:
            limits.add(limit)
            out.append(f"needs GLIBC_{elf.max_glibc[0]}.{elf.max_glibc[1]}, above {tag}")
        musl = tag.startswith("musllinux")
        if not tag.startswith(("manylinux", "musllinux")) or musl in families:
            continue
        families.add(musl)
        if musl and elf.max_glibc:
            out.append(f"needs glibc symbols but is tagged {tag}; build it with --target {tag}")
        policy = LINUX["musl" if musl else "gnu"].allowed_libraries
        shipped = scan.linked.shipped.get(elf.name, frozenset())
        bad = [n for n in elf.needed if not policy.match(n) and n not in shipped]
        if "libc.so" in bad and not musl:
            out.append(f"links libc.so, musl's C library, but is tagged {tag}: build it for "
                       f"musllinux_1_2_{target.arch} or with --target {tag}")
        elif bad and musl and any(LINUX["gnu"].allowed_libraries.match(n) for n in bad):
            out.append(f"links {', '.join(bad)} (glibc's) but is tagged {tag}; build it "
                       f"with --target {tag}")
        elif bad:
            out += libraries.needed_problems(elf, bad, scan.linked, tag)
    return out + list(scan.linked.problems.get(elf.name, ()))


def _suffix_problems(binary: Binary, scan: _Scan, target: Target,
                     ext_suffixes: Sequence[str] | None) -> list[str]:
    """The file name of an extension module: would the target interpreter import it?"""
    base = _module_path(binary)
    if base is None:
        return []
    stem, _, rest = base.partition(".")
    suffix = "." + rest
    pyinit = binary.elf.pyinit if binary.elf else (
        scan.pes[binary.name].pyinit if binary.name in scan.pes else
        scan.machos[binary.name].pyinit if binary.name in scan.machos else ())
    out: list[str] = []
    if ext_suffixes is not None:
        if suffix not in ext_suffixes and (pyinit or stem.isidentifier()):
            out.append(f"the suffix {suffix} is not one the target interpreter imports "
                       f"({', '.join(ext_suffixes)}); build with that interpreter's "
                       "EXT_SUFFIX (zigcc env --python)")
    elif target.os == "linux" and base.endswith(".pyd"):
        out.append("a .pyd file: Python on Linux imports .so modules only; build it for Linux")
    m = (_CPYTHON_PYD if target.os == "windows" else _CPYTHON_SO).search(base)
    expected = ("darwin" if target.os == "macos" else  # universal2 has no multiarch
                target.multiarch if target.os == "linux" else target.platform_tags[0])
    if ext_suffixes is None and m and m.group("triple") != expected:
        out.append(f"the suffix is for {m.group('triple')}: the {expected} interpreter does "
                   f"not import it (its EXT_SUFFIX names {expected}); build with the target "
                   "interpreter's EXT_SUFFIX (zigcc env --python)")
    abis = {t.abi for t in scan.name.tags}
    if m and "cp" + m.group("abi") not in abis:
        out.append(f"built for the cp{m.group('abi')} ABI only but the wheel is tagged "
                   f"{'.'.join(sorted(abis))}, so other interpreters would install it; tag "
                   "the wheel with the interpreter it was built for")
    if pyinit and stem.isidentifier() and f"PyInit_{stem}" not in pyinit:
        out.append(f"exports {', '.join(pyinit)} but not PyInit_{stem}, so `import {stem}` "
                   "fails; name the file after its module")
    return out


def _module_path(binary: Binary) -> str | None:
    """The file name of a shared object where Python imports modules from, else None.

    Outside ``<pkg>.libs/`` folders of bundled libraries and ``*.data/`` folders, except
    ``*.data/platlib/`` and ``*.data/purelib/``, which install into site-packages too.
    """
    path = binary.name
    for prefix in ("platlib/", "purelib/"):
        head, _, rest = path.partition(".data/" + prefix)
        if rest and "/" not in head:
            path = rest
    parts = path.split("/")
    if (not parts[-1].endswith((".so", ".pyd")) or parts[0].endswith(".data")
            or any(p.endswith(".libs") for p in parts[:-1])
            or (binary.elf is not None and binary.elf.elf_type != "ET_DYN")):
        return None
    return parts[-1]


def _policy_tags(scan: _Scan, target: Target) -> list[str]:
    """The platform tags whose policy applies: a ``linux_<arch>`` wheel is held to the
    target's own tags, the ones :func:`zigcc.retag.retag` will give it."""
    out: set[str] = set()
    for tag in {t.platform for t in scan.name.tags}:
        if tag == f"linux_{target.arch}":
            out.update(t for t in target.platform_tags if not t.startswith("linux_"))
        out.add(tag)
    return sorted(out, key=lambda t: (_glibc_of(t) or (0, 0), not t.startswith("manylinux_"),
                                      t))


def _glibc_of(tag: str) -> Version | None:
    m = re.match(r"manylinux_(\d+)_(\d+)_", tag)
    if m:
        return int(m.group(1)), int(m.group(2))
    for name, version in LEGACY_MANYLINUX.items():
        if tag.startswith(name + "_"):
            return version
    return None


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def printable(text: str) -> str:
    """``text`` on one line: control characters (a newline in a member name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _error(message: str) -> ZigccError:
    return ZigccError(printable(message))


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
