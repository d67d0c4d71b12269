"""What a wheel tagged with a stable ABI promises of its extension modules.

``abi3`` (PEP 384) and, from CPython 3.15, ``abi3t`` (PEP 803: the stable ABI of free-threaded
builds; ``abi3.abi3t`` for a module both run): each module carries a stable-ABI suffix that
every CPython the tags claim imports (``.abi3.so``; ``.abi3t.so`` or ``.abi3t-<triplet>.so``
for abi3t; plain ``.pyd`` on Windows), and imports only CPython symbols of the Stable ABI of
the wheel's lowest CPython (the ``cp39`` of ``cp39-abi3``), as CPython's
``Misc/stable_abi.toml`` lists them (:mod:`zigcc.verify.stable_abi`); an abi3t module does not
call what takes a ``PyModuleDef``, a struct abi3t makes opaque.  Pure functions of names:
:mod:`zigcc.verify.wheelcheck` reads the wheel and the ELF files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.tags import Tag

from zigcc.target.model import Target, Version
from zigcc.target.platforms.base import FIRST_ABI3T
from zigcc.verify.stable_abi import STABLE_ABI

STABLE_ABIS = ("abi3", "abi3t")
FIRST_FREE_THREADED: Version = (3, 13)  # PEP 703
# Stable-ABI functions that take a statically defined PyModuleDef, which abi3t makes opaque
# (PEP 803: "practically unusable"; PyModule_Create and PyModule_FromDefAndSpec are macros
# calling the ...2 ones): a module that imports one was compiled for abi3 only.
PYMODULEDEF_USERS = ("PyModuleDef_Init", "PyModule_Create2", "PyModule_FromDefAndSpec2")
_LIMITED = ("build it with the limited API (Py_LIMITED_API, the backend's py_limited_api / "
            "limited_api / USE_SABI) or tag the wheel for one CPython")
_FOR_ABI3T = ("build it for abi3t (PEP 803): with the free-threaded CPython 3.15 headers and "
              "Py_LIMITED_API, or Py_TARGET_ABI3T, exporting PyModExport_<name> (PEP 793)")


def _version(tag: Tag) -> Version:
    """The CPython of a stable-ABI tag: (3, 9) for ``cp39``; (3, 2), the first with a Stable
    ABI, for a tag without one (``py3``)."""
    digits = tag.interpreter[2:]
    if tag.interpreter.startswith("cp") and len(digits) >= 2 and digits.isdigit():
        return int(digits[0]), int(digits[1:])
    return 3, 2


def minimum(tags: Iterable[Tag]) -> Version | None:
    """The lowest CPython the stable-ABI tags (``abi3``, ``abi3t``) claim (``cp39-abi3`` ->
    (3, 9)); None when no tag is one."""
    found = [_version(tag) for tag in tags if tag.abi in STABLE_ABIS]
    return min(found) if found else None


def claims(tags: Iterable[Tag]) -> dict[str, Version]:
    """The stable ABIs the tags claim, each with the lowest CPython it is claimed for:
    ``{"abi3": (3, 9)}`` for ``cp39-abi3``, abi3 and abi3t from (3, 15) for
    ``cp315-abi3.abi3t``; empty for other tags."""
    found: dict[str, Version] = {}
    for tag in tags:
        if tag.abi in STABLE_ABIS:
            version = _version(tag)
            found[tag.abi] = min(found.get(tag.abi, version), version)
    return {abi: found[abi] for abi in STABLE_ABIS if abi in found}


def tag_problems(tags: Iterable[Tag]) -> list[str]:
    """An ``abi3t`` tag of a CPython before 3.15: installers let a free-threaded 3.13 or 3.14
    take it, but abi3t begins with 3.15 (PEP 803) and they import no abi3t module."""
    early = sorted({tag for tag in tags if tag.abi == "abi3t" and _version(tag) < FIRST_ABI3T},
                   key=_version)
    out = []
    for tag in early:
        first = "{}.{}".format(*max(_version(tag), FIRST_FREE_THREADED))
        who = "3.14" if first == "3.14" else f"{first} to 3.14"
        out.append(f"tagged {tag.interpreter}-abi3t, but abi3t begins with CPython 3.15 "
                   f"(PEP 803): free-threaded CPython {who} would install it and cannot import "
                   "its modules; tag it cp315 (or later)")
    return list(dict.fromkeys(out))


def stable_suffixes(target: Target, claimed: Mapping[str, Version],
                    triplet: str) -> tuple[str, ...]:
    """The stable-ABI module suffixes every CPython of the ``claimed`` ABIs (each from its
    version on) imports on ``target`` (``triplet``: CPython's SOABI_PLATFORM there), in import
    order: ``(".abi3.so",)`` for ``cp39-abi3``, abi3t's two for ``cp315-abi3.abi3t``, none
    for ``cp39-abi3`` with ``cp315-abi3t``; plain ``.pyd`` on Windows, which has no suffix of
    its own.  The lists changed only at 3.15, so the claimed version and 3.15 stand for all
    later ones (an abi3t claim starts at 3.15: :func:`tag_problems` reports earlier ones)."""
    platform = target.platform
    if not platform.stable_abi_suffixes(FIRST_ABI3T, ""):
        return (platform.plain_suffix(""),)
    common: list[str] | None = None
    for abi, version in claimed.items():
        flags = "t" if abi == "abi3t" else ""
        start = max(version, FIRST_ABI3T) if abi == "abi3t" else version
        for at in sorted({start, max(start, FIRST_ABI3T)}):
            names = platform.stable_abi_suffixes(at, flags, triplet)
            common = [s for s in (names if common is None else common) if s in names]
    return tuple(common or ())


def stable_suffix(target: Target) -> str:
    """The suffix of abi3 modules on ``target`` that every CPython imports: ``.abi3.so``,
    plain ``.pyd`` on Windows."""
    return stable_suffixes(target, {"abi3": (3, 2)}, target.multiarch)[0]


def suffix_problems(module: str, base: str, target: Target,
                    claimed: Mapping[str, Version] | None = None,
                    triplet: str = "") -> list[str]:
    """``module`` (its file name ``base``) in a wheel that claims the stable ABIs
    ``claimed`` (default: abi3 from 3.2) must carry a suffix every CPython of them imports
    (:func:`stable_suffixes`; ``triplet`` defaults to the target's MULTIARCH)."""
    claimed = claimed or {"abi3": (3, 2)}
    triplet = triplet or target.multiarch
    want = stable_suffixes(target, claimed, triplet)
    suffix = "." + base.partition(".")[2]
    if suffix in want:
        return []
    abis = ".".join(claimed)
    shown = ", ".join("{} from {}.{}".format(abi, *v) for abi, v in claimed.items())
    if not want:
        return [f"module {module} is in a wheel tagged {abis} and no suffix is imported by every "
                f"CPython the tags claim ({shown}): abi3t begins with 3.15, so tag the wheel "
                "cp315-abi3.abi3t or build one wheel per ABI"]
    platform = target.platform
    abi3_only = set(platform.stable_abi_suffixes(FIRST_ABI3T, "", triplet)) - set(
        platform.stable_abi_suffixes(FIRST_ABI3T, "t", triplet))
    if "abi3t" in claimed and suffix in abi3_only:
        why = "that is abi3's suffix, which free-threaded CPython does not import"
        fix = _FOR_ABI3T
    elif suffix.startswith(".abi3"):
        why = f"not every CPython it claims ({shown}) imports {suffix}"
        fix = ("name it as the lowest of them does (setuptools run by CPython 3.15 or later "
               "names it *.abi3-<triplet>.so, which 3.14 and earlier do not import) or tag the "
               "wheel cp315")
    else:
        why, fix = "it is not built for the Stable ABI", _LIMITED
    return [f"module {module} is in a wheel tagged {abis} but is not named "
            f"{' or '.join('*' + s for s in want)}: {why}; {fix}"]


def symbol_problems(module: str, symbols: Iterable[str], version: Version) -> list[str]:
    """One line per CPython symbol (``Py*``/``_Py*``) ``module`` imports that is not in the
    Stable ABI of CPython ``version``: absent from it, or added after ``version``."""
    shown = "{}.{}".format(*version)
    out: list[str] = []
    for name in sorted(set(symbols)):
        if not name.startswith(("Py", "_Py")):
            continue
        added = STABLE_ABI.get(name)
        if added is None:
            out.append(f"module {module} uses {name} (not in the Stable ABI)")
        elif added > version:
            out.append(f"module {module} uses {name} (not in the Stable ABI of {shown}; "
                       "added to it in {}.{})".format(*added))
    return out


def abi3t_symbol_problems(module: str, symbols: Iterable[str]) -> list[str]:
    """One line per function ``module`` imports that needs a ``PyModuleDef`` (opaque in
    abi3t): the module was compiled against abi3's ``PyObject`` layout, which free-threaded
    CPython rejects on import."""
    used = sorted(set(symbols).intersection(PYMODULEDEF_USERS))
    return [f"module {module} uses {name}, which takes a PyModuleDef, opaque in abi3t: it is "
            f"compiled for abi3 (the GIL-enabled layout) only; {_FOR_ABI3T}" for name in used]
