"""Give a checked ``linux_<arch>`` wheel its manylinux / musllinux platform tag.

What ``auditwheel repair`` does after its checks, for a wheel that needs no bundled
libraries: a new file name, the WHEEL file's ``Tag:`` lines, and RECORD's hash and size
of WHEEL.  Every other member keeps its bytes, date/time, order, permissions and
compression method, so a reproducible build (SOURCE_DATE_EPOCH) stays reproducible.
Check the wheel first (:func:`zigcc.wheelcheck.problems`); this only rewrites it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import secrets
import struct
import zipfile
from pathlib import Path

from zigcc.errors import ZigccError
from zigcc.target.model import ARCHES, LEGACY_MANYLINUX_ARCHES
from zigcc.verify.wheelcheck import (
    WheelName,
    dist_info,
    open_wheel,
    printable,
    read_member,
    wheel_name,
    wheel_tags,
)

_POLICY = re.compile(r"(?P<family>manylinux|musllinux)_\d+_\d+_(?P<arch>\w+)$|"
                     r"(?P<legacy>manylinux1|manylinux2010|manylinux2014)_(?P<larch>\w+)$")


def retag(wheel: Path, platform_tag: str, out_dir: Path) -> Path:
    """Write ``wheel`` (tagged ``linux_<arch>``) into ``out_dir`` tagged ``platform_tag``.

    ``platform_tag`` may be a compressed set (``manylinux_2_17_aarch64.manylinux2014_aarch64``).
    A pure wheel (``any``) is returned as it is.  Returns the new wheel's path; the file
    appears whole or not at all.
    """
    name = wheel_name(wheel)
    if name.platforms == ("any",):
        return wheel
    if len(name.platforms) != 1 or not name.platforms[0].startswith("linux_"):
        raise _error(f"{wheel}: tagged {'.'.join(name.platforms)}, not linux_<arch>; "
                     "only a plain linux_<arch> build is retagged")
    arch = name.platforms[0][len("linux_"):]
    _check_platform(wheel, platform_tag, arch)
    with open_wheel(wheel) as zf:
        infos = zf.infolist()
        meta = dist_info(wheel, [i.filename for i in infos])
        if len(meta) != 1:
            raise _error(f"{wheel}: several .dist-info folders ({', '.join(meta)}); "
                         "rebuild it from a clean build folder")
        members = [(info, read_member(wheel, zf, info)) for info in infos]
        comment = zf.comment
    wheel_file, record_file = f"{meta[0]}/WHEEL", f"{meta[0]}/RECORD"
    data = {info.filename: blob for info, blob in members}
    if record_file not in data:
        raise _error(f"{wheel}: no {record_file}; rebuild the wheel")
    signed = [n for n in data if n.startswith(record_file + ".")]
    if signed:
        raise _error(f"{wheel}: signed ({signed[0]}); retagging would break the "
                     "signature: retag before signing")
    tags = _tag_lines(name, name.platforms[0])
    old_tags = wheel_tags(data[wheel_file])
    # A Tag line may hold a compressed tag set (meson-python writes cp315-abi3.abi3t-...).
    if sorted({t for line in old_tags for t in _expanded(line)}) != sorted(tags):
        raise _error(f"{wheel}: {wheel_file} says {', '.join(old_tags) or 'no Tag'} but "
                     f"the file name says {', '.join(tags)}; rebuild the wheel")
    new_wheel_file = _rewrite_wheel(wheel, data[wheel_file], _tag_lines(name, platform_tag))
    new_record = _rewrite_record(wheel, data[record_file], wheel_file, new_wheel_file)
    replaced = {wheel_file: new_wheel_file, record_file: new_record}
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / name.with_platform(platform_tag)
    _write_atomically(dest, [(i, replaced.get(i.filename, b)) for i, b in members], comment)
    return dest


def _error(message: str) -> ZigccError:
    return ZigccError(printable(message))


def _check_platform(wheel: Path, platform_tag: str, arch: str) -> None:
    families = set()
    for tag in platform_tag.split("."):
        m = _POLICY.match(tag)
        tag_arch = m and (m.group("arch") or m.group("larch"))
        if not m or tag_arch != arch:
            raise _error(f"{wheel}: cannot retag linux_{arch} as {tag}; give manylinux_X_Y_"
                         f"{arch} or musllinux_X_Y_{arch} tags (the same arch)")
        if m.group("legacy") and arch not in LEGACY_MANYLINUX_ARCHES[m.group("legacy")]:
            raise _error(f"{wheel}: {tag} does not exist ({m.group('legacy')} covers "
                         f"{', '.join(LEGACY_MANYLINUX_ARCHES[m.group('legacy')])})")
        families.add(m.group("family") or "manylinux")
    if arch not in ARCHES or len(families) > 1:
        raise _error(f"{wheel}: cannot retag linux_{arch} as {platform_tag}; one wheel is "
                     "either manylinux or musllinux, for a supported arch")


def _expanded(line: str) -> list[str]:
    """The tags of one Tag line: ``cp315-abi3.abi3t-p`` is ``cp315-abi3-p``, ``cp315-abi3t-p``."""
    parts = line.split("-")
    if len(parts) != 3:
        return [line]
    return [f"{py}-{abi}-{plat}" for py in parts[0].split(".") for abi in parts[1].split(".")
            for plat in parts[2].split(".")]


def _tag_lines(name: WheelName, platform_tag: str) -> list[str]:
    """One tag per python-abi-platform combination, in the file name's order."""
    return [f"{py}-{abi}-{plat}" for py in name.pythons for abi in name.abis
            for plat in platform_tag.split(".")]


def _rewrite_wheel(wheel: Path, data: bytes, tags: list[str]) -> bytes:
    """Replace the Tag lines where the first one stood; every other line stays."""
    try:
        lines = data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        raise _error(f"{wheel}: its WHEEL file is not UTF-8; rebuild the wheel") from None
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    if lines and not lines[-1].endswith(("\r", "\n")):
        lines[-1] += newline
    out: list[str] = []
    for line in lines:
        if line.split(":", 1)[0].strip().lower() != "tag":
            out.append(line)
        elif tags:
            out += [f"Tag: {tag}{newline}" for tag in tags]
            tags = []
    return "".join(out).encode("utf-8")


def _rewrite_record(wheel: Path, record: bytes, path: str, new: bytes) -> bytes:
    """RECORD with ``path``'s hash and size made those of ``new``; other lines unchanged."""
    lines = record.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        row = next(csv.reader([body]), [])
        if row and row[0] == path:
            algo = row[1].partition("=")[0] if len(row) > 1 else ""
            if algo not in hashlib.algorithms_guaranteed or algo in ("md5", "sha1"):
                algo = "sha256"
            digest = base64.urlsafe_b64encode(hashlib.new(algo, new).digest())
            text = io.StringIO()
            csv.writer(text, lineterminator=line[len(body):]).writerow(
                [path, f"{algo}={digest.rstrip(b'=').decode()}", str(len(new))])
            lines[i] = text.getvalue()
            return "".join(lines).encode("utf-8", "surrogateescape")
    raise _error(f"{wheel}: RECORD does not list {path}; rebuild the wheel")


def _write_atomically(dest: Path, members: list[tuple[zipfile.ZipInfo, bytes]],
                      comment: bytes) -> None:
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w") as out:
                for info, data in members:
                    out.writestr(_copy_info(info), data)
                out.comment = comment
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh entry with ``info``'s name, date/time, method, attributes and extra fields
    (less the zip64 one, which the writer adds itself when needed)."""
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.create_system = info.create_system
    new.external_attr = info.external_attr
    new.internal_attr = info.internal_attr
    new.extra = _without_zip64(info.extra)
    return new


def _without_zip64(extra: bytes) -> bytes:
    out, i = b"", 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[i:i + 4])
        if kind != 0x0001:
            out += extra[i:i + 4 + size]
        i += 4 + size
    return out
