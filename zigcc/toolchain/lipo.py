"""Fat (universal) Mach-O files, written and split without Apple's lipo (zig has none).

A fat file is a big-endian header (``FAT_MAGIC``, the number of slices), one ``fat_arch``
entry per slice (CPU type and subtype, the slice's offset and size, its alignment as a power
of two) and the thin files themselves, each at an offset aligned as Apple's lipo aligns it:
2**14 for arm64 (its 16 KiB pages), 2**12 for x86_64; the slices in the order lipo writes
them (arm64 last).  Each slice stays byte-identical, so an arm64 slice's ad-hoc code
signature, which covers the slice only, stays valid.  Pure: bytes in, bytes out.
"""

from __future__ import annotations

import struct

FAT_MAGIC = 0xCAFEBABE
CPU_ARM64 = 0x0100000C
CPU_X86_64 = 0x01000007
CPU_NAMES = {CPU_ARM64: "arm64", CPU_X86_64: "x86_64"}
_ARCHES = {"arm64": CPU_ARM64, "aarch64": CPU_ARM64, "x86_64": CPU_X86_64}
_ALIGN = {CPU_ARM64: 14, CPU_X86_64: 12}  # log2 of the slice alignment lipo uses
_THIN = {b"\xcf\xfa\xed\xfe": "<", b"\xce\xfa\xed\xfe": "<", b"\xfe\xed\xfa\xcf": ">",
         b"\xfe\xed\xfa\xce": ">"}


def cpu_name(cputype: int) -> str:
    return CPU_NAMES.get(cputype, f"cputype {cputype:#x}")


def is_fat(data: bytes) -> bool:
    """A fat Mach-O header (not a Java class file, which shares the magic: its big-endian
    version numbers read as a slice count of 45 or more)."""
    return (len(data) >= 8 and struct.unpack(">I", data[:4])[0] == FAT_MAGIC
            and 0 < struct.unpack(">I", data[4:8])[0] < 20)


def thin_cpu(data: bytes) -> tuple[int, int]:
    """(cputype, cpusubtype) of a thin Mach-O file; ValueError for anything else."""
    order = _THIN.get(data[:4])
    if order is None or len(data) < 12:
        what = "a fat file" if is_fat(data) else "not a Mach-O file"
        raise ValueError(f"{what}: a slice must be a thin Mach-O file")
    cputype, subtype = struct.unpack(order + "II", data[4:12])
    return cputype, subtype


def fat(slices: list[bytes]) -> bytes:
    """One fat file of thin Mach-O ``slices``, each of another arch; ValueError otherwise."""
    if not slices:
        raise ValueError("no slices to put into a fat file")
    entries = []
    for index, data in enumerate(slices):
        try:
            cputype, subtype = thin_cpu(data)
        except ValueError as exc:
            raise ValueError(f"slice {index + 1}: {exc}") from None
        entries.append((cputype, subtype, _ALIGN.get(cputype, 12), data))
    seen = [e[0] for e in entries]
    for cputype in seen:
        if seen.count(cputype) > 1:
            raise ValueError(f"two slices of {cpu_name(cputype)}: a fat file holds one per "
                             "arch")
    # lipo's order: by alignment, arm64 last
    entries.sort(key=lambda e: (e[0] == CPU_ARM64, e[2], e[0]))
    offset = 8 + 20 * len(entries)
    header = [struct.pack(">II", FAT_MAGIC, len(entries))]
    body: list[bytes] = []
    for cputype, subtype, align, data in entries:
        start = -(-offset // (1 << align)) * (1 << align)
        body.append(b"\0" * (start - offset) + data)
        header.append(struct.pack(">IIIII", cputype, subtype, start, len(data), align))
        offset = start + len(data)
    head = b"".join(header)
    return head + b"".join(body)


def slices(data: bytes) -> list[tuple[int, int, bytes]]:
    """(cputype, cpusubtype, thin bytes) of each slice of a fat file; ValueError when it is
    not one or a slice lies outside it."""
    if not is_fat(data):
        raise ValueError("not a fat Mach-O file")
    count = struct.unpack(">I", data[4:8])[0]
    if len(data) < 8 + 20 * count:
        raise ValueError("a truncated fat header")
    out = []
    for i in range(count):
        cputype, subtype, offset, size, _ = struct.unpack(">IIIII", data[8 + 20 * i:28 + 20 * i])
        if offset + size > len(data) or offset < 8 + 20 * count:
            raise ValueError(f"slice {i + 1} ({cpu_name(cputype)}) lies outside the file")
        out.append((cputype, subtype, data[offset:offset + size]))
    return out


def thin(data: bytes, arch: str) -> bytes:
    """The ``arch`` (``arm64``/``aarch64`` or ``x86_64``) slice of a fat file, or a thin file
    of that arch as it is; ValueError when there is none."""
    want = _ARCHES.get(arch)
    if want is None:
        raise ValueError(f"unknown arch {arch!r}: arm64 or x86_64")
    if not is_fat(data):
        cputype, _ = thin_cpu(data)
        if cputype != want:
            raise ValueError(f"a thin {cpu_name(cputype)} file has no {arch} slice")
        return data
    found = slices(data)
    for cputype, _, part in found:
        if cputype == want:
            return part
    have = ", ".join(cpu_name(c) for c, _, _ in found)
    raise ValueError(f"no {arch} slice (it holds {have})")
