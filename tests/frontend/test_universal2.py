"""zigcc.frontend.universal2: two thin wheels of real zig-built modules (arm64 at 11.0, x86_64
at 10.13 or 11.0) merged into one universal2 wheel that verify passes (each slice held to its
arch), with a regenerated RECORD and the universal2 Tag; what it refuses (fast, on wheels of
text files and bare Mach-O headers)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import struct
import zipfile
from pathlib import Path

import pytest
from machohelp import api_names, build, make_wheel
from packaging.tags import mac_platforms

from zigcc.errors import ZigccError
from zigcc.frontend import universal2
from zigcc.target.model import parse
from zigcc.toolchain import lipo
from zigcc.verify.wheelcheck import problems, wheel_tags

SO = "m.cpython-313-darwin.so"
SAME = {"m/__init__.py": b"from .m import *\n", "m/data/table.txt": b"1 2 3\n"}


@pytest.fixture(scope="session")
def modules(tmp_path_factory: pytest.TempPathFactory, real_zig: Path) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("u2")
    return {"arm64": build(real_zig, "aarch64-macos.11.0", d / "a.so"),
            "x86_64_10_13": build(real_zig, "x86_64-macos.10.13", d / "x1013.so"),
            "x86_64_11_0": build(real_zig, "x86_64-macos.11.0", d / "x110.so"),
            "api": b"\n".join(n.encode() for n in sorted(api_names(real_zig)))}


@pytest.mark.parametrize(("x86_tag", "merged"), [("10_13", "macosx_10_13_universal2"),
                                                 ("11_0", "macosx_11_0_universal2")])
def test_merge_real_wheels(x86_tag: str, merged: str, modules: dict[str, bytes],
                           tmp_path: Path) -> None:
    api = frozenset(modules["api"].decode().split("\n"))
    arm = make_wheel(tmp_path, "m-1.0-cp313-cp313-macosx_11_0_arm64.whl",
                     {**SAME, SO: modules["arm64"]})
    x86 = make_wheel(tmp_path, f"m-1.0-cp313-cp313-macosx_{x86_tag}_x86_64.whl",
                     {**SAME, SO: modules[f"x86_64_{x86_tag}"]})
    for thin, target in ((arm, "macosx_11_0_arm64"), (x86, f"macosx_{x86_tag}_x86_64")):
        assert problems(thin, parse(target), macho_api=api) == []
    out = universal2.merge(arm, x86, tmp_path / "out")
    assert out == tmp_path / "out" / f"m-1.0-cp313-cp313-{merged}.whl"
    assert problems(out, parse(merged), macho_api=api) == []
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        files = {n: zf.read(n) for n in names}
    assert len(names) == len(set(names)) and names[-1] == "m-1.0.dist-info/RECORD"
    for name, data in SAME.items():
        assert files[name] == data  # identical members copied once
    fat = files[SO]
    assert lipo.thin(fat, "arm64") == modules["arm64"]
    assert lipo.thin(fat, "x86_64") == modules[f"x86_64_{x86_tag}"]
    assert wheel_tags(files["m-1.0.dist-info/WHEEL"]) == [f"cp313-cp313-{merged}"]
    rows = list(csv.reader(io.StringIO(files["m-1.0.dist-info/RECORD"].decode())))
    assert [r[0] for r in rows] == names and rows[-1] == ["m-1.0.dist-info/RECORD", "", ""]
    for path, digest, size in rows[:-1]:
        data = files[path]
        want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, int(size)) == (f"sha256={want}", len(data)), path
    # an arm64 target refuses the universal2 tag and the fat file's x86_64 slice
    report = "\n".join(problems(out, parse("macosx_11_0_arm64")))
    assert f"platform tags ['{merged}'] are not ones" in report
    assert f"{SO}: holds x86_64 code, but its wheel is tagged arm64" in report


def test_tag_version_installs_on_both_kinds_of_mac() -> None:
    """The universal2 version: x86_64's while arm64 is at 11.0 (pip on arm64 takes universal2
    tags of 10.x), else the higher; such a tag installs where both thin ones do."""
    assert universal2.universal2_version((11, 0), (10, 13)) == (10, 13)
    assert universal2.universal2_version((11, 0), (10, 9)) == (10, 9)
    assert universal2.universal2_version((11, 0), (11, 0)) == (11, 0)
    assert universal2.universal2_version((12, 0), (10, 13)) == (12, 0)
    assert universal2.universal2_version((11, 0), (12, 0)) == (12, 0)
    for arm, x86 in (((11, 0), (10, 13)), ((12, 0), (10, 13)), ((11, 0), (12, 0))):
        major, minor = universal2.universal2_version(arm, x86)
        tag = f"macosx_{major}_{minor}_universal2"
        assert tag in mac_platforms(max(arm, x86), "arm64")
        assert tag in mac_platforms(max(x86, (major, minor)), "x86_64")
    assert "macosx_11_0_universal2" not in mac_platforms((10, 13), "x86_64")


def _macho(cputype: int, subtype: int = 0) -> bytes:
    return struct.pack("<IIIIIIII", 0xFEEDFACF, cputype, subtype, 8, 0, 0, 0, 0)


ARM = "m-1.0-cp313-cp313-macosx_11_0_arm64.whl"
X86 = "m-1.0-cp313-cp313-macosx_10_13_x86_64.whl"
REFUSED = [
    ("text and Mach-O", ARM, {SO: b"text\n"}, X86, {SO: _macho(lipo.CPU_X86_64)},
     f"{SO} differs between the wheels and its arm64 copy is not a Mach-O file"),
    ("only in one", ARM, {"m/__init__.py": b"a\n", "m/extra.py": b""}, X86,
     {"m/__init__.py": b"a\n"}, "m/extra.py is in m-1.0-cp313-cp313-macosx_11_0_arm64.whl but "
     "not in m-1.0-cp313-cp313-macosx_10_13_x86_64.whl"),
    ("x86_64 copy is arm64 code", ARM, {SO: _macho(lipo.CPU_ARM64)}, X86,
     {SO: _macho(lipo.CPU_ARM64, 1)}, f"{SO}: the x86_64 wheel's copy is arm64 code"),
    ("an already fat file", ARM, {SO: _macho(lipo.CPU_ARM64)}, X86,
     {SO: lipo.fat([_macho(lipo.CPU_X86_64)])}, "its x86_64 copy is a fat file"),
    ("swapped", X86, {"m/__init__.py": b""}, ARM, {"m/__init__.py": b""},
     "not a thin macosx_X_Y_arm64 wheel (its platform tags: macosx_10_13_x86_64); give the "
     "arm64 wheel first"),
    ("another version", ARM, {"m/__init__.py": b""},
     "m-1.1-cp313-cp313-macosx_10_13_x86_64.whl", {"m/__init__.py": b""},
     "its version differs from m-1.0-cp313-cp313-macosx_11_0_arm64.whl's"),
    ("another Python", ARM, {"m/__init__.py": b""},
     "m-1.0-cp312-cp312-macosx_10_13_x86_64.whl", {"m/__init__.py": b""},
     "its pythons differs"),
    ("not macOS", ARM, {"m/__init__.py": b""}, "m-1.0-cp313-cp313-manylinux_2_17_x86_64.whl",
     {"m/__init__.py": b""}, "not a thin macosx_X_Y_x86_64 wheel"),
]


@pytest.mark.parametrize(("first", "first_files", "second", "second_files", "words"),
                         [pytest.param(*r[1:], id=r[0]) for r in REFUSED])
def test_refused_in_one_line(first: str, first_files: dict[str, bytes], second: str,
                             second_files: dict[str, bytes], words: str,
                             tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = make_wheel(tmp_path / "a", first, first_files)
    b = make_wheel(tmp_path / "b", second, second_files)
    with pytest.raises(ZigccError) as info:
        universal2.merge(a, b, tmp_path / "out")
    assert words in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_merge_of_bare_headers_keeps_zip_entries(tmp_path: Path) -> None:
    """Fast: Mach-O headers fused, permissions and dates of the arm64 wheel's entries kept,
    a RECORD signature dropped."""
    (tmp_path / "a").mkdir()
    a = make_wheel(tmp_path / "a", ARM, {SO: _macho(lipo.CPU_ARM64), "m/run.sh": b"#!/bin/sh\n"})
    with zipfile.ZipFile(a, "a") as zf:
        zf.writestr("m-1.0.dist-info/RECORD.jws", b"{}")
    rewritten = tmp_path / "a" / "r.whl"
    with zipfile.ZipFile(a) as src, zipfile.ZipFile(rewritten, "w") as dst:
        for info in src.infolist():
            if info.filename == "m/run.sh":
                info.external_attr = 0o755 << 16
            dst.writestr(info, src.read(info))
    rewritten.replace(a)
    b = make_wheel(tmp_path, X86, {SO: _macho(lipo.CPU_X86_64), "m/run.sh": b"#!/bin/sh\n"})
    out = universal2.merge(a, b, tmp_path / "out")
    assert out.name == "m-1.0-cp313-cp313-macosx_10_13_universal2.whl"
    with zipfile.ZipFile(out) as zf:
        assert "m-1.0.dist-info/RECORD.jws" not in zf.namelist()
        assert zf.getinfo("m/run.sh").external_attr >> 16 == 0o755
        assert [c for c, _, _ in lipo.slices(zf.read(SO))] == [lipo.CPU_X86_64, lipo.CPU_ARM64]


def test_a_differing_text_file_is_the_arm64_halfs_and_named(tmp_path: Path) -> None:
    """A file that is no Mach-O file and differs (a build-configuration record naming the
    compiler and CPU) is taken from the arm64 wheel, as delocate-merge takes one side's, and
    the merge says which."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = make_wheel(tmp_path / "a", ARM, {SO: _macho(lipo.CPU_ARM64), "m/cfg.py": b"cpu='a'\n"})
    b = make_wheel(tmp_path / "b", X86, {SO: _macho(lipo.CPU_X86_64), "m/cfg.py": b"cpu='x'\n"})
    notes: list[str] = []
    out = universal2.merge(a, b, tmp_path / "out", notes)
    with zipfile.ZipFile(out) as zf:
        assert zf.read("m/cfg.py") == b"cpu='a'\n"
    assert notes == ["m/cfg.py differs between the halves: the arm64 wheel's copy is kept"]
