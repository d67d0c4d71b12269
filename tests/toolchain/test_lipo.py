"""zigcc.toolchain.lipo: fat files of real zig outputs, read back with macholib; thin() round
trips; what it refuses (fast, on bare Mach-O headers)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from machohelp import build

from zigcc.toolchain import lipo


@pytest.fixture(scope="session")
def thin(tmp_path_factory: pytest.TempPathFactory, real_zig: Path) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("lipo")
    return {"arm64": build(real_zig, "aarch64-macos.11.0", d / "a.so"),
            "x86_64": build(real_zig, "x86_64-macos.10.13", d / "x.so")}


def test_fat_of_two_real_modules(thin: dict[str, bytes], tmp_path: Path) -> None:
    from macholib.MachO import MachO  # type: ignore[import-untyped]

    data = lipo.fat([thin["arm64"], thin["x86_64"]])
    path = tmp_path / "m.so"
    path.write_bytes(data)
    read = MachO(str(path))
    assert read.fat is not None and read.fat.nfat_arch == 2
    got = [(h.header.cputype, h.offset, h.size) for h in read.headers]
    assert [c for c, _, _ in got] == [lipo.CPU_X86_64, lipo.CPU_ARM64]  # lipo's order
    for cputype, offset, size in got:
        assert offset % (1 << (14 if cputype == lipo.CPU_ARM64 else 12)) == 0
        name = lipo.cpu_name(cputype)
        assert data[offset:offset + size] == thin[name]  # byte-identical slices
        assert lipo.thin(data, name) == thin[name]
    assert lipo.thin(data, "aarch64") == thin["arm64"]
    assert lipo.fat([thin["x86_64"], thin["arm64"]]) == data  # the input order does not matter
    assert lipo.thin(thin["arm64"], "arm64") == thin["arm64"]
    assert [(c, s) for c, s, _ in lipo.slices(data)] == [
        lipo.thin_cpu(thin["x86_64"]), lipo.thin_cpu(thin["arm64"])]
    with pytest.raises(ValueError, match="a fat file: a slice must be a thin Mach-O file"):
        lipo.fat([data, thin["arm64"]])


def _header(cputype: int, subtype: int = 0) -> bytes:
    """A bare 64-bit little-endian Mach-O header (MH_DYLIB, no load commands)."""
    return struct.pack("<IIIIIIII", 0xFEEDFACF, cputype, subtype, 6, 0, 0, 0, 0)


def test_layout_on_bare_headers() -> None:
    arm, x86 = _header(lipo.CPU_ARM64), _header(lipo.CPU_X86_64, 3)
    data = lipo.fat([arm, x86])
    assert struct.unpack(">II", data[:8]) == (0xCAFEBABE, 2)
    assert struct.unpack(">IIIII", data[8:28]) == (lipo.CPU_X86_64, 3, 4096, 32, 12)
    assert struct.unpack(">IIIII", data[28:48]) == (lipo.CPU_ARM64, 0, 16384, 32, 14)
    assert len(data) == 16384 + 32 and lipo.is_fat(data)
    assert lipo.thin(data, "x86_64") == x86


@pytest.mark.parametrize(("slices", "words"), [
    ([], "no slices"),
    ([_header(lipo.CPU_ARM64), _header(lipo.CPU_ARM64, 2)], "two slices of arm64"),
    ([_header(lipo.CPU_ARM64), b"\x7fELF" + b"\0" * 60], "slice 2: not a Mach-O file"),
    ([b"\xca\xfe\xba\xbe\0\0\0\x01" + b"\0" * 40], "slice 1: a fat file"),
])
def test_fat_refuses(slices: list[bytes], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        lipo.fat(slices)


def test_thin_refuses() -> None:
    data = lipo.fat([_header(lipo.CPU_X86_64)])
    with pytest.raises(ValueError, match=r"no arm64 slice \(it holds x86_64\)"):
        lipo.thin(data, "arm64")
    with pytest.raises(ValueError, match="a thin x86_64 file has no arm64 slice"):
        lipo.thin(_header(lipo.CPU_X86_64), "arm64")
    with pytest.raises(ValueError, match="unknown arch 'ppc'"):
        lipo.thin(data, "ppc")
    with pytest.raises(ValueError, match="lies outside the file"):
        lipo.slices(data[:100])
    java = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + b"\0" * 64
    assert not lipo.is_fat(java)
