"""The names a target Python goes by where its description does not say them, and CPython's
defaults: one owner per rule, pure.  What differs by platform comes from the platform seam
(:mod:`zigcc.target.platforms`); this module applies it to a :class:`TargetPython`."""

from __future__ import annotations

from zigcc.python.model import TargetPython
from zigcc.target.model import Target
from zigcc.target.platforms.base import FIRST_ABI3T

# 3.15's configure keeps frame pointers, by CPU (Debian's spelling) as gcc takes the flags;
# any other CPU gets the default.  Debian sid's 3.15 has exactly these on its seven arches.
_FRAME_POINTERS = {"arm": "-fno-omit-frame-pointer -marm", "powerpc64le": "",
                   "s390x": "-mbackchain"}
_FRAME_POINTERS_DEFAULT = "-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer"


def configure_flags(version: tuple[int, int], cpu: str = "") -> tuple[str, str]:
    """(OPT, BASECFLAGS) CPython ``version``'s configure gives a release build with gcc or
    clang (what a target without its own builds with): 3.12 replaced ``-fwrapv`` by
    ``-fno-strict-overflow``; 3.9 and 3.10 also add ``-Wno-unused-result``; 3.15 puts the
    frame-pointer flags of ``cpu`` (x86_64, arm, powerpc64le ...) first."""
    if version >= (3, 15):
        keep = _FRAME_POINTERS.get(cpu, _FRAME_POINTERS_DEFAULT)
        base = "-fno-strict-overflow -Wsign-compare"
        return "-DNDEBUG -g -O3 -Wall", f"{keep}  {base}" if keep else base
    if version >= (3, 12):
        return "-DNDEBUG -g -O3 -Wall", "-fno-strict-overflow -Wsign-compare"
    if version >= (3, 11):
        return "-DNDEBUG -g -fwrapv -O3 -Wall", "-Wsign-compare"
    return "-DNDEBUG -g -fwrapv -O3 -Wall", "-Wno-unused-result -Wsign-compare"


def ldversion(version: tuple[int, int], abiflags: str) -> str:
    """CPython's LDVERSION: ``3.13t``, ``3.12``."""
    return f"{version[0]}.{version[1]}{abiflags}"


def cpython_tag(version: tuple[int, int], abiflags: str) -> str:
    """The wheel ABI tag of a CPython: ``cp312``, ``cp313t`` (debug builds: ``cp312d``)."""
    return f"cp{version[0]}{version[1]}{abiflags}"


def abi_tag(tp: TargetPython) -> str:
    return cpython_tag(tp.version, tp.abiflags)


def include_name(tp: TargetPython) -> str:
    """The header folder's name under ``include/``: ``python3.13t``."""
    return f"python{ldversion(tp.version, tp.abiflags)}"


def triplet(tp: TargetPython, target: Target) -> str:
    """The target Python's MULTIARCH, else the target's."""
    return tp.multiarch or target.multiarch


def sysconfigdata_name(tp: TargetPython, target: Target) -> str | None:
    """The target interpreter's own ``_sysconfigdata`` module name, else CPython's rule for the
    platform (Debian's and CPython's convention on Linux)."""
    if tp.sysconfigdata_name:
        return tp.sysconfigdata_name
    return target.platform.sysconfigdata_name(tp.abiflags, triplet(tp, target))


def stable_abi_suffix(tp: TargetPython, target: Target) -> str | None:
    """The suffix limited-API modules get for the target (CPython only): ``.abi3.so``; from
    3.15 ``.abi3-<triplet>.so``, and abi3t's ``.abi3t-<triplet>.so`` for a free-threaded
    3.15 (PEP 803), as the target's own build-details.json and backends name them there."""
    if tp.implementation != "cpython":
        return None
    return target.platform.stable_abi_suffix(tp.abiflags, tp.version, triplet(tp, target))


def extension_suffixes(tp: TargetPython, target: Target) -> tuple[str, ...]:
    """``importlib.machinery.EXTENSION_SUFFIXES`` of the target: what verify accepts."""
    stable = stable_abi_suffix(tp, target)
    if tp.implementation != "cpython":
        return target.platform.extension_suffixes(tp.ext_suffix, stable)
    return target.platform.extension_suffixes(tp.ext_suffix, stable, tp.version, tp.abiflags,
                                              triplet(tp, target))


def stable_abi_tag(tp: TargetPython) -> str | None:
    """The wheel ABI tag a limited-API build for ``tp`` carries (CPython only): ``abi3``;
    ``abi3.abi3t`` for a free-threaded 3.15 or later (PEP 803: built with its headers, the
    module is abi3t, which GIL-enabled 3.15+ runs too); None for a free-threaded CPython
    before 3.15, which has no stable ABI."""
    if tp.implementation != "cpython":
        return None
    if "t" not in tp.abiflags:
        return "abi3"
    return "abi3.abi3t" if tp.version >= FIRST_ABI3T else None
