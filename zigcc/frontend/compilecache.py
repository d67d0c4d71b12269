"""Whether the builds of ``zigcc build`` and ``zigcc wheelhouse`` use the compile cache
(:mod:`zigcc.toolchain.objcache`), and where it lives.

``ZIGCC_COMPILE_CACHE`` decides: unset, the cache is on when the matrix builds some target for
more than one Python (where the same C files are compiled again: the only case where it
pays for its preprocessor run); ``1`` / ``on`` turns it on, ``0`` / ``off`` off; an absolute
folder turns it on there.  On, it is ``<cache dir>/objects`` unless a folder was named, and
is pruned to :data:`MAX_BYTES` (least recently used first) before the builds start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend.options import BuildOptions
from zigcc.toolchain import objcache

VARIABLE = "ZIGCC_COMPILE_CACHE"
MAX_BYTES = 2 << 30


def folder(environ: Mapping[str, str], cache_dir: Path, cells: Iterable[tuple[str, str]]
           ) -> Path | None:
    """The compile cache's folder for a matrix of ``(target ident, python)`` cells, or None
    when it is off."""
    value = environ.get(VARIABLE, "").strip()
    if value.lower() in objcache.OFF[1:]:
        return None
    if value.lower() in objcache.ON or (not value and _repeats(cells)):
        return cache_dir / "objects"
    if not value:
        return None
    if not Path(value).is_absolute():
        raise ZigccError(f"{VARIABLE}={value!r}: give an absolute folder, 1 (on, in zigcc's "
                         "cache folder) or 0 (off)")
    return Path(value)


def _repeats(cells: Iterable[tuple[str, str]]) -> bool:
    """Does some target appear with more than one Python?"""
    seen: dict[str, set[str]] = {}
    for target, python in cells:
        seen.setdefault(target, set()).add(python)
    return any(len(pythons) > 1 for pythons in seen.values())


def apply(options: BuildOptions, settings: Settings, cells: Iterable[tuple[str, str]]
          ) -> BuildOptions:
    """``options`` with the compile cache named in the builds' environment (pruned first)."""
    where = folder(settings.environ, settings.cache_dir, cells)
    if where is None:
        return options
    if where.is_dir():
        objcache.prune(str(where), MAX_BYTES)
    return replace(options, environment={**options.environment, VARIABLE: str(where)})
