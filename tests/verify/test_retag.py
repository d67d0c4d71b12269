"""retag: linux_<arch> -> manylinux/musllinux, reproducibly, atomically, pip-installable."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.tags import Tag
from packaging.utils import parse_wheel_filename
from test_wheelcheck import A64, MODULE_C, make_wheel, record_line, zigcc_cc

from zigcc.errors import ZigccError
from zigcc.target.model import parse
from zigcc.verify.retag import retag
from zigcc.verify.wheelcheck import problems

NEW = "manylinux_2_17_aarch64.manylinux2014_aarch64"
META = "m-1.0.dist-info"
EPOCH_TIME = (2021, 3, 4, 5, 6, 8)  # what a SOURCE_DATE_EPOCH build stamps on every member


def build_wheel(folder: Path, module: bytes, name: str = "m-1.0-cp311-cp311-linux_aarch64.whl",
                tags: tuple[str, ...] = ("cp311-cp311-linux_aarch64",)) -> Path:
    """Like bdist_wheel's output, with mixed compression and permissions to preserve."""
    wheel_file = ("Wheel-Version: 1.0\nGenerator: test (0.1)\nRoot-Is-Purelib: false\n"
                  + "".join(f"Tag: {t}\n" for t in tags) + "Build: 1\n").encode()
    members = [("m/__init__.py", b"from m._m import *\n", zipfile.ZIP_DEFLATED, 0o644),
               (f"m/{A64}", module, zipfile.ZIP_STORED, 0o755),
               ("m/data.txt", b"x" * 5000, zipfile.ZIP_DEFLATED, 0o600),
               (f"{META}/METADATA", b"Metadata-Version: 2.1\nName: m\nVersion: 1.0\n",
                zipfile.ZIP_DEFLATED, 0o644),
               (f"{META}/WHEEL", wheel_file, zipfile.ZIP_DEFLATED, 0o644)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(
        [record_line(n, d) for n, d, _, _ in members] + [[f"{META}/RECORD", "", ""]])
    members.append((f"{META}/RECORD", text.getvalue().encode(), zipfile.ZIP_DEFLATED, 0o644))
    path = folder / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data, method, mode in members:
            info = zipfile.ZipInfo(member, EPOCH_TIME)
            info.compress_type = method
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, data)
    return path


def entries(wheel: Path) -> list[tuple[str, tuple[int, ...], int, int, bytes]]:
    with zipfile.ZipFile(wheel) as zf:
        return [(i.filename, i.date_time, i.compress_type, i.external_attr, zf.read(i))
                for i in zf.infolist()]


def test_retag_rewrites_only_the_tags(tmp_path: Path) -> None:
    src = build_wheel(tmp_path, b"not an ELF: retag does not look at contents")
    out = retag(src, NEW, tmp_path / "out")
    assert out == tmp_path / "out" / f"m-1.0-cp311-cp311-{NEW}.whl"
    name, _, _, tags = parse_wheel_filename(out.name)
    assert name == "m"
    assert tags == {Tag("cp311", "cp311", "manylinux_2_17_aarch64"),
                    Tag("cp311", "cp311", "manylinux2014_aarch64")}
    before, after = entries(src), entries(out)
    assert [e[:4] for e in before] == [e[:4] for e in after]  # order, time, method, mode
    changed = {e[0] for e, f in zip(before, after) if e[4] != f[4]}
    assert changed == {f"{META}/WHEEL", f"{META}/RECORD"}
    wheel_file = dict((e[0], e[4]) for e in after)[f"{META}/WHEEL"].decode()
    assert wheel_file == ("Wheel-Version: 1.0\nGenerator: test (0.1)\nRoot-Is-Purelib: false\n"
                          "Tag: cp311-cp311-manylinux_2_17_aarch64\n"
                          "Tag: cp311-cp311-manylinux2014_aarch64\nBuild: 1\n")
    # RECORD: only the WHEEL line changed, and it is right.
    old_record = dict((e[0], e[4]) for e in before)[f"{META}/RECORD"].decode().splitlines()
    new_record = dict((e[0], e[4]) for e in after)[f"{META}/RECORD"].decode().splitlines()
    assert [a for a, b in zip(old_record, new_record) if a != b] == [old_record[4]]
    assert new_record[4] == ",".join(record_line(f"{META}/WHEEL", wheel_file.encode()))
    assert os.listdir(tmp_path / "out") == [out.name]  # no temp file left


def test_retag_is_reproducible(tmp_path: Path) -> None:
    src = build_wheel(tmp_path, b"\x7fELF...")
    first = retag(src, NEW, tmp_path / "a")
    second = retag(src, NEW, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert retag(src, NEW, tmp_path / "a").read_bytes() == first.read_bytes()  # overwrites


def test_compressed_tags_expand_per_python_and_abi(tmp_path: Path) -> None:
    src = make_wheel(tmp_path, "p-1.0-cp311.cp312-abi3-linux_x86_64.whl", {"p.py": b""})
    out = retag(src, "musllinux_1_2_x86_64", tmp_path / "out")
    assert out.name == "p-1.0-cp311.cp312-abi3-musllinux_1_2_x86_64.whl"
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("p-1.0.dist-info/WHEEL").decode().splitlines()
    assert [x for x in lines if x.startswith("Tag:")] == [
        "Tag: cp311-abi3-musllinux_1_2_x86_64", "Tag: cp312-abi3-musllinux_1_2_x86_64"]


def test_pure_wheel_is_returned_unchanged(tmp_path: Path) -> None:
    src = make_wheel(tmp_path, "p-1.0-py3-none-any.whl", {"p.py": b""})
    assert retag(src, NEW, tmp_path / "out") == src
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("name", "tag", "words"), [
    ("m-1.0-cp311-cp311-manylinux_2_17_aarch64.whl", NEW, "not linux_<arch>"),
    ("m-1.0-cp311-cp311-linux_x86_64.whl", NEW, "the same arch"),
    ("m-1.0-cp311-cp311-linux_aarch64.whl", "macosx_11_0_arm64", "cannot retag"),
    ("m-1.0-cp311-cp311-linux_aarch64.whl", "manylinux1_aarch64", "does not exist"),
    ("m-1.0-cp311-cp311-linux_aarch64.whl",
     "manylinux_2_17_aarch64.musllinux_1_2_aarch64", "either manylinux or musllinux"),
])
def test_refusals(tmp_path: Path, name: str, tag: str, words: str) -> None:
    src = make_wheel(tmp_path, name, {"m.so": b"x"})
    with pytest.raises(ZigccError, match=words):
        retag(src, tag, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_refuses_a_wheel_whose_wheel_file_disagrees(tmp_path: Path) -> None:
    src = build_wheel(tmp_path, b"x", tags=("cp311-cp311-linux_x86_64",))
    with pytest.raises(ZigccError, match="WHEEL says cp311-cp311-linux_x86_64"):
        retag(src, NEW, tmp_path / "out")


def test_failure_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = build_wheel(tmp_path, b"x")
    calls = []
    real = zipfile.ZipFile.writestr

    def failing(self: zipfile.ZipFile, *args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(OSError, match="disk full"):
        retag(src, NEW, tmp_path / "out")
    assert os.listdir(tmp_path / "out") == []


def test_damaged_input_is_one_line(tmp_path: Path) -> None:
    src = tmp_path / "m-1.0-cp311-cp311-linux_aarch64.whl"
    src.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ZigccError, match="not a readable zip archive"):
        retag(src, NEW, tmp_path / "out")


@pytest.mark.slow
def test_retagged_real_module_verifies_and_installs(tmp_path: Path) -> None:
    env = {**os.environ, "ZIGCC_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "m.c").write_text(MODULE_C)
    subprocess.run([zigcc_cc("manylinux_2_17_aarch64", env), "-O2", "-shared", "-fPIC", "m.c",
                    "-o", "m.so"], cwd=tmp_path, check=True)
    src = build_wheel(tmp_path, (tmp_path / "m.so").read_bytes())
    target = parse("manylinux_2_17_aarch64")
    assert problems(src, target) == []  # a linux_ wheel is held to the target's policy
    first = retag(src, target.wheel_platform, tmp_path / "out1")
    second = retag(src, target.wheel_platform, tmp_path / "out2")
    assert first.read_bytes() == second.read_bytes()
    assert problems(first, target) == []
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                          "--disable-pip-version-check", "--target", str(site), "--platform",
                          "manylinux_2_17_aarch64", "--python-version", "3.11",
                          "--only-binary=:all:", str(first)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    assert (site / "m" / A64).read_bytes() == (tmp_path / "m.so").read_bytes()
    assert (site / "m" / A64).stat().st_mode & 0o111  # the executable bits survived
    installed = (site / META / "WHEEL").read_text()
    assert "Tag: cp311-cp311-manylinux2014_aarch64\n" in installed
