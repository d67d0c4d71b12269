"""Check that a wheel's ELF files may carry its platform tag (auditwheel's rules, any arch).

A wheel claims ``manylinux_2_X_<arch>`` only when every ELF in it is of ``<arch>``'s
machine type, class and byte order, needs glibc symbol versions <= 2.X, and links
only libraries the manylinux policy allows.  pyelftools reads foreign-arch ELF files
on any build machine.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection
from packaging.utils import parse_wheel_filename

from zigcc.targets import LEGACY_MANYLINUX, Target, Version

# (e_machine, ELF class, little endian) per arch.
MACHINES: dict[str, tuple[str, int, bool]] = {
    "x86_64": ("EM_X86_64", 64, True),
    "aarch64": ("EM_AARCH64", 64, True),
    "armv7l": ("EM_ARM", 32, True),
    "i686": ("EM_386", 32, True),
    "ppc64le": ("EM_PPC64", 64, True),
    "s390x": ("EM_S390", 64, False),
    "riscv64": ("EM_RISCV", 64, True),
}
# The libraries every manylinux policy (PEP 600 "system" libraries) allows to be NEEDED.
ALLOWED_LIBS = re.compile(r"(libc|libm|libdl|librt|libpthread|libutil|libnsl|libresolv|"
                          r"libgcc_s|libstdc\+\+|libcrypt|libz)\.so\.\d+$|ld-.*\.so\.\d+$|"
                          r"ld64\.so\.\d+$|ld-linux.*\.so\.\d+$")
_GLIBC = re.compile(r"GLIBC_(\d+)\.(\d+)")


@dataclass(frozen=True)
class ElfInfo:
    name: str
    machine: str
    bits: int
    little_endian: bool
    max_glibc: Version | None
    needed: tuple[str, ...]


def inspect_elf(name: str, data: bytes) -> ElfInfo | None:
    """Read one file; None when it is not an ELF file."""
    if not data.startswith(b"\x7fELF"):
        return None
    try:
        elf = ELFFile(io.BytesIO(data))
        versions: list[Version] = []
        needed: list[str] = []
        for section in elf.iter_sections():
            if isinstance(section, GNUVerNeedSection):
                for _, auxes in section.iter_versions():
                    for aux in auxes:
                        m = _GLIBC.fullmatch(aux.name)
                        if m:
                            versions.append((int(m.group(1)), int(m.group(2))))
            elif isinstance(section, DynamicSection):
                needed += [str(t.needed) for t in section.iter_tags()  # type: ignore[attr-defined]
                           if t.entry.d_tag == "DT_NEEDED"]
        return ElfInfo(name, elf["e_machine"], elf.elfclass, elf.little_endian,
                       max(versions) if versions else None, tuple(needed))
    except ELFError as exc:
        return ElfInfo(name, f"unreadable ELF ({exc})", 0, True, None, ())


def wheel_elves(wheel: Path) -> list[ElfInfo]:
    out = []
    with zipfile.ZipFile(wheel) as zf:
        for item in zf.infolist():
            if not item.is_dir():
                info = inspect_elf(item.filename, zf.read(item))
                if info is not None:
                    out.append(info)
    return out


def problems(wheel: Path, target: Target) -> list[str]:
    """Every reason ``wheel`` may not carry its tags for ``target``; empty when fine."""
    found: list[str] = []
    _, _, _, tags = parse_wheel_filename(wheel.name)
    claimed = {t.platform for t in tags}
    allowed = set(target.platform_tags)
    if not claimed <= allowed:
        found.append(f"{wheel.name}: platform tags {sorted(claimed - allowed)} are not ones "
                     f"a {target.zig_target} build may claim ({', '.join(sorted(allowed))})")
    machine, bits, little = MACHINES[target.arch]
    elves = wheel_elves(wheel)
    for elf in elves:
        if (elf.machine, elf.bits, elf.little_endian) != (machine, bits, little):
            found.append(f"{elf.name}: {elf.machine} {elf.bits}-bit "
                         f"{'LE' if elf.little_endian else 'BE'}, expected {machine} {bits}-bit "
                         f"{'LE' if little else 'BE'} for {target.arch}")
        for tag in claimed:
            limit = _glibc_of(tag)
            if limit and elf.max_glibc and elf.max_glibc > limit:
                found.append(f"{elf.name}: needs GLIBC_{elf.max_glibc[0]}.{elf.max_glibc[1]}, "
                             f"above {tag}")
            if tag.startswith("musllinux") and elf.max_glibc:
                found.append(f"{elf.name}: needs glibc symbols but is tagged {tag}")
            if tag.startswith(("manylinux", "musllinux")):
                bad = [n for n in elf.needed if not ALLOWED_LIBS.match(n)]
                if bad:
                    found.append(f"{elf.name}: links {', '.join(bad)}, outside the {tag} "
                                 "policy (bundle it with auditwheel repair)")
    return found


def _glibc_of(tag: str) -> Version | None:
    m = re.match(r"manylinux_(\d+)_(\d+)_", tag)
    if m:
        return int(m.group(1)), int(m.group(2))
    for name, version in LEGACY_MANYLINUX.items():
        if tag.startswith(name + "_"):
            return version
    return None
