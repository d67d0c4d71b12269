"""What a wheel tagged ``abi3`` promises of its extension modules: each carries the target's
stable-ABI suffix (``.abi3.so``; plain ``.pyd`` on Windows), and each imports only CPython
symbols of the Stable ABI of the wheel's lowest CPython (the ``cp39`` of ``cp39-abi3``), as
CPython's ``Misc/stable_abi.toml`` lists them (:mod:`zigcc.verify.stable_abi`).  Pure
functions of names: :mod:`zigcc.verify.wheelcheck` reads the wheel and the ELF files."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.tags import Tag

from zigcc.target.model import Target, Version
from zigcc.verify.stable_abi import STABLE_ABI


def minimum(tags: Iterable[Tag]) -> Version | None:
    """The lowest CPython the ``abi3`` tags claim (``cp39-abi3`` -> (3, 9)); None when no
    tag is ``abi3``, (3, 2) for an ``abi3`` tag without a CPython version (the first one with
    a Stable ABI)."""
    found: list[Version] = []
    for tag in tags:
        if tag.abi != "abi3":
            continue
        digits = tag.interpreter[2:]
        if tag.interpreter.startswith("cp") and len(digits) >= 2 and digits.isdigit():
            found.append((int(digits[0]), int(digits[1:])))
        else:
            found.append((3, 2))
    return min(found) if found else None


def stable_suffix(target: Target) -> str:
    """The suffix of stable-ABI modules on ``target``: ``.abi3.so``, plain ``.pyd`` on
    Windows, which has none of its own."""
    platform = target.platform
    return platform.stable_abi_suffix("") or platform.plain_suffix("")


def suffix_problems(module: str, base: str, target: Target) -> list[str]:
    """``module`` (its file name ``base``) in an abi3 wheel must carry the stable-ABI
    suffix."""
    want = stable_suffix(target)
    if "." + base.partition(".")[2] == want:
        return []
    return [f"module {module} is in a wheel tagged abi3 but is not named *{want}, so it is "
            "not built for the Stable ABI: build it with the limited API (Py_LIMITED_API, the "
            "backend's py_limited_api / limited_api / USE_SABI) or tag the wheel for one "
            "CPython"]


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
