"""Which target a target Python belongs to, and whether a build interpreter can build for it
(pure: a :class:`TargetPython`, a :class:`Target` and the build interpreter's version)."""

from __future__ import annotations

from zigcc.errors import ZigccError
from zigcc.python.model import TargetPython
from zigcc.python.naming import ldversion
from zigcc.target.model import ARCHES, Target, lowest


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
    return lowest(arch, libc_of(tp))


def check_compatible(tp: TargetPython, target: Target, build: tuple[int, int], abiflags: str,
                     build_python: str | None = None) -> None:
    """Refuse a target Python this build interpreter cannot build for; ``build_python`` is
    the ``--build-python`` that was given (None: the interpreter zigcc runs on)."""
    if tp.version != build or tp.abiflags != abiflags:
        want = f"python{ldversion(tp.version, tp.abiflags)}"
        have = f"{build[0]}.{build[1]}{abiflags}"
        if build_python:
            raise ZigccError(f"{tp.source} is CPython {ldversion(tp.version, tp.abiflags)} but "
                             f"--build-python {build_python} is {have}; pass --build-python "
                             f"with a {want}, or drop --build-python")
        raise ZigccError(f"{tp.source} is CPython {tp.version[0]}.{tp.version[1]}"
                         f"{tp.abiflags} but zigcc runs on {have}; "
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
