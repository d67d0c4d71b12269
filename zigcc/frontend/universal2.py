"""One ``macosx_*_universal2`` wheel from a thin arm64 wheel and a thin x86_64 wheel of the same
project, version and Python tags, as delocate-merge makes it.

Members the two wheels hold byte for byte the same are copied once; a member that differs must
be a thin Mach-O file of arm64 in the one and of x86_64 in the other, and becomes one fat file
(:mod:`zigcc.toolchain.lipo`); any other difference, and a member only one wheel holds, is
refused with one line naming it.  ``.dist-info/WHEEL`` gets the universal2 ``Tag:`` lines,
RECORD is written anew (a RECORD signature is dropped: it no longer matches).

The tag's macOS version is what installers need to take the wheel on both kinds of Mac: the
x86_64 wheel's, unless the arm64 one is above 11.0 (arm64 Macs start at 11.0, and pip on
them takes universal2 tags of 10.x too), then the higher of the two; so 10.13 + 11.0 gives
``macosx_10_13_universal2`` (delocate's rule; cibuildwheel's universal2 wheels are
``macosx_10_9_universal2``), 10.13 + 12.0 gives ``macosx_12_0_universal2``.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from zigcc.errors import ZigccError
from zigcc.frontend import macos_targets
from zigcc.frontend.run import BuildSpec, Result
from zigcc.python import naming, synth_macos
from zigcc.target.model import Target, Version
from zigcc.toolchain import lipo
from zigcc.verify import wheelcheck

_MACOSX = re.compile(r"macosx_(\d+)_(\d+)_(\w+)$")
_HINT = "build both wheels from the same source with zigcc build, then merge them"


@dataclass(frozen=True)
class _Wheel:
    path: Path
    name: wheelcheck.WheelName
    version: Version  # its macosx tag's
    meta: str  # its .dist-info folder
    members: dict[str, tuple[zipfile.ZipInfo, bytes]]


def universal2_version(arm64: Version, x86_64: Version) -> Version:
    """The macOS version of the universal2 tag of an arm64 and an x86_64 build."""
    return x86_64 if arm64 <= (11, 0) else max(arm64, x86_64)


def merge(arm64_wheel: Path, x86_64_wheel: Path, out_dir: Path,
          notes: list[str] | None = None) -> Path:
    """Write the universal2 wheel of the two into ``out_dir``; its path.  ZigccError when
    they are not two builds of one thing for the two arches.  A file that is no Mach-O file
    in either wheel and differs between them (a build-configuration record: the compiler's
    path, the CPU it built for) is taken from the arm64 wheel, as delocate-merge takes one
    side's, and named in ``notes``."""
    arm, x86 = _read(arm64_wheel, "arm64"), _read(x86_64_wheel, "x86_64")
    for part in ("version", "build", "pythons", "abis"):
        if getattr(arm.name, part) != getattr(x86.name, part):
            raise ZigccError(f"{x86.path.name}: its {part} differs from {arm.path.name}'s; "
                             f"merge two builds of one release for the same Python: {_HINT}")
    if canonicalize_name(arm.name.distribution) != canonicalize_name(x86.name.distribution):
        raise ZigccError(f"{x86.path.name} is another project than {arm.path.name}; merge "
                         "two builds of one project")
    major, minor = universal2_version(arm.version, x86.version)
    platform = f"macosx_{major}_{minor}_universal2"
    out: dict[str, tuple[zipfile.ZipInfo, bytes]] = {}
    for member in [*arm.members, *(m for m in x86.members if m not in arm.members)]:
        if member in (f"{arm.meta}/RECORD", f"{arm.meta}/RECORD.jws", f"{arm.meta}/RECORD.p7s"):
            continue
        mine, theirs = arm.members.get(member), x86.members.get(member)
        if mine is None or theirs is None:
            holder, other = (arm, x86) if theirs is None else (x86, arm)
            raise ZigccError(f"{member} is in {holder.path.name} but not in {other.path.name}; "
                             f"both builds must hold the same files: {_HINT}")
        if member == f"{arm.meta}/WHEEL":
            out[member] = (mine[0], _wheel_file(mine[1], theirs[1], platform, member))
        elif mine[1] == theirs[1]:
            out[member] = mine
        elif not (_is_macho(mine[1]) or _is_macho(theirs[1])):
            out[member] = mine
            if notes is not None:
                notes.append(f"{member} differs between the halves: the arm64 wheel's copy "
                             "is kept")
        else:
            out[member] = (mine[0], _fat(member, mine[1], theirs[1]))
    name = arm.name.with_platform(platform)
    return _write(out_dir / name, out, arm.meta)


def _read(path: Path, arch: str) -> _Wheel:
    name = wheelcheck.wheel_name(path)
    tags = [_MACOSX.match(p) for p in name.platforms]
    matches = [m for m in tags if m is not None and m.group(3) == arch]
    if len(name.platforms) != 1 or not matches:
        raise ZigccError(f"{path.name}: not a thin macosx_X_Y_{arch} wheel (its platform tags: "
                         f"{'.'.join(name.platforms)}); give the arm64 wheel first, the x86_64 "
                         "wheel second")
    members: dict[str, tuple[zipfile.ZipInfo, bytes]] = {}
    with wheelcheck.open_wheel(path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        meta = wheelcheck.dist_info(path, [i.filename for i in infos])[0]
        for info in infos:
            if info.filename in members:
                raise ZigccError(f"{path.name}: holds {info.filename} twice; rebuild it")
            members[info.filename] = (info, wheelcheck.read_member(path, zf, info))
    m = matches[0]
    return _Wheel(path, name, (int(m.group(1)), int(m.group(2))), meta, members)


def _is_macho(data: bytes) -> bool:
    try:
        lipo.thin_cpu(data)
    except ValueError:
        return lipo.is_fat(data)
    return True


def _fat(member: str, arm64: bytes, x86_64: bytes) -> bytes:
    """The fat file of ``member``'s two builds; ZigccError when they are not thin Mach-O files
    of arm64 and x86_64."""
    for data, want in ((arm64, lipo.CPU_ARM64), (x86_64, lipo.CPU_X86_64)):
        try:
            cputype, _ = lipo.thin_cpu(data)
        except ValueError as exc:
            raise ZigccError(f"{member} differs between the wheels and its "
                             f"{lipo.cpu_name(want)} copy is {exc}; only compiled modules and "
                             f"libraries may differ: {_HINT}") from None
        if cputype != want:
            raise ZigccError(f"{member}: the {lipo.cpu_name(want)} wheel's copy is "
                             f"{lipo.cpu_name(cputype)} code; build each wheel for its arch "
                             "(--target macosx_11_0_arm64, --target macosx_10_13_x86_64)")
    return lipo.fat([arm64, x86_64])


def _wheel_file(mine: bytes, theirs: bytes, platform: str, member: str) -> bytes:
    """The arm64 wheel's WHEEL file with universal2 ``Tag:`` lines; ZigccError when the two
    say more than their tags (and generator) differently."""
    def rest(data: bytes) -> list[str]:
        return [line for line in data.decode("utf-8", "replace").splitlines()
                if not line.lower().startswith(("tag:", "generator:"))]

    if rest(mine) != rest(theirs):
        raise ZigccError(f"{member} differs between the wheels beyond its tags; {_HINT}")
    tags = dict.fromkeys(f"{t.rsplit('-', 1)[0]}-{platform}"
                         for t in wheelcheck.wheel_tags(mine))
    lines: list[str] = []
    placed = False
    for line in mine.decode("utf-8").splitlines():
        if line.lower().startswith("tag:"):
            if not placed:
                lines += [f"Tag: {t}" for t in tags]
                placed = True
            continue
        lines.append(line)
    if not placed:
        lines += [f"Tag: {t}" for t in tags]
    return ("\n".join(line for line in lines if line) + "\n").encode()


def _record(members: dict[str, tuple[zipfile.ZipInfo, bytes]], meta: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for member, (_, data) in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([member, f"sha256={digest}", str(len(data))])
    writer.writerow([f"{meta}/RECORD", "", ""])
    return text.getvalue().encode()


def _write(path: Path, members: dict[str, tuple[zipfile.ZipInfo, bytes]], meta: str) -> Path:
    """The wheel at ``path``, its .dist-info files last and RECORD the very last (written
    beside it, then moved into place)."""
    order = sorted(members, key=lambda m: m.startswith(f"{meta}/"))
    items = [(m, *members[m]) for m in order]
    record = _record({m: members[m] for m in order}, meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".universal2-", suffix=".whl", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for member, info, data in items:
                zf.writestr(_entry(member, info), data)
            zf.writestr(_entry(f"{meta}/RECORD", None), record)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _entry(member: str, like: zipfile.ZipInfo | None) -> zipfile.ZipInfo:
    """A zip entry for ``member`` with ``like``'s date and permissions."""
    entry = zipfile.ZipInfo(member, like.date_time if like else (1980, 1, 1, 0, 0, 0))
    entry.external_attr = like.external_attr if like else 0o644 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


# ---- zigcc build --target macosx_*_universal2: two thin builds, one merged wheel -------------
def halves(target: Target, spec: str, version: Version,
           environ: Mapping[str, str]) -> tuple[Target, Target]:
    """The arm64 and x86_64 targets of a universal2 ``target`` (as ``spec`` named it) for
    CPython ``version``: x86_64 at the tag's version (a versionless spec: what
    :mod:`~zigcc.frontend.macos_targets` decides for x86_64), arm64 at that or 11.0."""
    x86 = dataclasses.replace(target, arch="x86_64")
    if macos_targets.versionless(spec):
        x86, _ = macos_targets.for_python(x86, "x86_64-macos", version, environ)
    assert x86.macos_version
    arm = dataclasses.replace(target, arch="aarch64",
                              macos_version=max((11, 0), x86.macos_version))
    return arm, x86


def merged_result(ident: str, halves_done: Sequence[tuple[BuildSpec, Result]], out_dir: Path,
                  ) -> Result:
    """Merge the two thin wheels of the universal2 build ``ident`` into ``out_dir`` and verify
    the merged wheel for universal2; the result row."""
    start = time.monotonic()
    (arm_spec, arm), (_, x86) = sorted(halves_done,
                                              key=lambda d: d[0].target.arch != "aarch64")
    log = arm.log
    if not (arm.ok and x86.ok and arm.wheel and x86.wheel):
        failed = arm if not arm.ok else x86
        return Result(ident, None, 0.0, f"not merged: {failed.ident} failed", failed.log)
    notes: list[str] = []
    try:
        merged = merge(arm.wheel, x86.wheel, out_dir, notes)
    except ZigccError as exc:
        return Result(ident, None, time.monotonic() - start, f"merge: {exc}", log)
    tp = arm_spec.target_python
    platform = merged.name[:-4].rsplit("-", 1)[1]
    major, minor = (int(p) for p in platform.split("_")[1:3])
    target = dataclasses.replace(arm_spec.target, arch="universal2",
                                 macos_version=(major, minor))
    found = wheelcheck.problems(merged, target, naming.extension_suffixes(tp, arm_spec.target),
                                macho_api=synth_macos.api_names(tp))
    seconds = time.monotonic() - start
    if found:
        rejected = out_dir / ".zigcc" / "rejected"
        rejected.mkdir(parents=True, exist_ok=True)
        merged.replace(rejected / merged.name)
        return Result(ident, None, seconds, f"verify: {found[0]}", log, tuple(found))
    return Result(ident, merged, seconds, "ok", log, ("", *notes) if notes else ())
