"""Point setuptools at a target Python: headers, extension suffix and wheel tag.

Everything travels in environment variables that survive pip's isolated build (pip
replaces PYTHONPATH in the backend's environment, so a generated sysconfigdata module
on the path would be lost there):

- ``SETUPTOOLS_EXT_SUFFIX``: the target's EXT_SUFFIX (setuptools' cross-build hook);
- ``DIST_EXTRA_CONFIG``: a setup.cfg-style file read by setuptools' distutils, giving
  ``[build_ext] include_dirs`` (the target's headers) and ``[bdist_wheel] plat_name``;

``CFLAGS`` is never set: distutils *replaces* the interpreter's ``-DNDEBUG -O3`` with it.

The build interpreter's own include and library dirs, which distutils still adds,
are dropped by the cross-build rule of the shims (zigcc.flags).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from zigcc.cachedir import publish
from zigcc.errors import ZigccError
from zigcc.python.description import TargetPython
from zigcc.targets import ARCHES, MUSL_VERSION, Target


def libc_of(tp: TargetPython) -> str:
    """'musl' when the target Python's triplet or configure host says so (CPython 3.11+
    names musl builds ``*-linux-musl*``; before, only HOST_GNU_TYPE tells), else 'gnu'."""
    triplets = (tp.multiarch or "", tp.soabi or "", tp.ext_suffix,
                str(tp.config_vars.get("HOST_GNU_TYPE") or ""))
    return "musl" if any("-linux-musl" in t for t in triplets) else "gnu"


def target_for(tp: TargetPython) -> Target:
    """The default target of a target Python: its arch at that arch's lowest glibc, or
    musllinux_1_2 for a musl Python."""
    arch = tp.platform.split("-", 1)[-1] if tp.platform.startswith("linux-") else None
    if arch not in ARCHES:
        raise ZigccError(f"{tp.source}: platform {tp.platform!r} has no default target; "
                         "pass --target with a wheel platform tag")
    if libc_of(tp) == "musl":
        return Target("linux", arch, "musl", MUSL_VERSION)
    return Target("linux", arch, "gnu", ARCHES[arch].min_glibc)


def check_compatible(tp: TargetPython, target: Target, build: tuple[int, int], abiflags: str
                     ) -> None:
    """Refuse a target Python this build interpreter cannot build for."""
    if tp.version != build or tp.abiflags != abiflags:
        want = f"python{tp.version[0]}.{tp.version[1]}{tp.abiflags}"
        raise ZigccError(f"{tp.source} is CPython {tp.version[0]}.{tp.version[1]}"
                         f"{tp.abiflags} but zigcc runs on {build[0]}.{build[1]}{abiflags}; "
                         f"run it with the same version: {want} -m zigcc ...")
    if tp.platform != target.sysconfig_platform or tp.pointer_size != target.info.bits:
        raise ZigccError(f"{tp.source} is a {tp.platform} ({tp.pointer_size}-bit) Python, not "
                         f"one for {target.wheel_platform}; pass a matching --target")
    if tp.byteorder != target.info.endian:
        raise ZigccError(f"{tp.source} is {tp.byteorder}-endian but {target.arch} is "
                         f"{target.info.endian}-endian")
    if target.os == "linux" and libc_of(tp) != target.libc:
        names = {"gnu": "glibc (manylinux)", "musl": "musl (musllinux)"}
        raise ZigccError(f"{tp.source} is a {names[libc_of(tp)]} Python but "
                         f"{target.wheel_platform} is a {names[target.libc or 'gnu']} target; "
                         "the libc of the target Python and of the target must agree")


def prepare(tp: TargetPython, target: Target, cache: Path) -> Path:
    """Materialise the target's clean include folder and distutils config; return it.

    The include folder is the target's include dir with Debian's dispatching
    pyconfig.h replaced by the real one, so no other target header is on the path.
    """
    facts = [tp.source, tp.include_dirs, tp.version, tp.abiflags, target.zig_target, _stamp(tp)]
    key = hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]
    folder = cache / "pythons" / f"{target.ident}-{key}"

    def fill(tmp: Path) -> None:
        inc = tmp / "include" / f"python{tp.version[0]}.{tp.version[1]}{tp.abiflags}"
        if not tp.include_dirs or not (Path(tp.include_dirs[0]) / "Python.h").is_file():
            where = tp.include_dirs[0] if tp.include_dirs else "its include dirs"
            raise ZigccError(f"{tp.source}: no Python.h in {where}; install the target's "
                             "python3-dev (libpython3.X-dev) or dump with --pack")
        shutil.copytree(tp.include_dirs[0], inc, symlinks=False)
        for extra in tp.include_dirs[1:]:
            if (Path(extra) / "pyconfig.h").is_file():
                shutil.copy2(Path(extra) / "pyconfig.h", inc / "pyconfig.h")
        (tmp / "setup.cfg").write_text(_dist_config(folder, inc.relative_to(tmp), target),
                                       encoding="utf-8")

    return publish(folder, "setup.cfg", fill)


def python_env(tp: TargetPython, target: Target, folder: Path) -> dict[str, str]:
    """The variables that make setuptools build for ``tp`` (add the toolchain's too)."""
    return {
        "SETUPTOOLS_EXT_SUFFIX": tp.ext_suffix,
        "DIST_EXTRA_CONFIG": str(folder / "setup.cfg"),
        "ZIGCC_PYTHON": tp.source,
    }


def _dist_config(folder: Path, include: Path, target: Target) -> str:
    return (
        "# Generated by zigcc: read by setuptools through DIST_EXTRA_CONFIG.\n"
        "[build_ext]\n"
        f"include_dirs = {folder / include}\n"
        "\n[bdist_wheel]\n"
        f"plat_name = {target.platform_tags[0]}\n"
    )


def _stamp(tp: TargetPython) -> list[float]:
    """Modification times of the header folders, so a changed sysroot is re-read."""
    out = []
    for d in tp.include_dirs:
        try:
            out.append(os.stat(Path(d) / "pyconfig.h").st_mtime)
        except OSError:
            out.append(0.0)
    return out
