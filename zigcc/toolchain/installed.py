"""The zig of the installed ``ziglang`` wheel, and a copy of it that outlives the install it came
from (the side effects of finding and copying zig live here).

pip, build and uv install zigcc and ziglang into a fresh folder for every isolated build and
delete it afterwards.  A shim that names that zig breaks when the folder goes, and zig keys
its own cache on where its ``lib/`` folder lives: a second install at another path rebuilds
libc++ for every target (measured: 46 s, as cold).  So every toolchain uses one copy per zig
version under ``<cache>/zig/<version>/`` (hard links where the file system allows, else a
copy), made once, atomically, under a lock.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from filelock import FileLock

from zigcc.cachedir import publish
from zigcc.errors import ZigccError

_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def zig_binary() -> Path:
    """The zig binary of the installed ``ziglang`` package (what python -m ziglang runs)."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or not spec.submodule_search_locations:
        raise ZigccError("the 'ziglang' package is not installed; run: "
                         "pip install ziglang")
    folder = Path(next(iter(spec.submodule_search_locations)))
    zig = folder / ("zig.exe" if os.name == "nt" else "zig")
    if not zig.is_file():
        raise ZigccError(f"{zig} is missing; reinstall it: pip install --force-reinstall ziglang")
    return zig


def zig_version() -> str:
    """The installed ``ziglang`` distribution's version (toolchain folders are keyed by it)."""
    from importlib import metadata

    try:
        return metadata.version("ziglang")
    except metadata.PackageNotFoundError:
        raise ZigccError("the 'ziglang' package is not installed; run: pip install ziglang"
                         ) from None


def python_binary() -> Path:
    """An interpreter that outlives temporary venvs (pypa/build's isolated envs)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Path(os.path.realpath(sys.executable if os.name == "nt" else base))


def stable_zig(zig: Path, cache: Path, version: str) -> Path:
    """The zig binary of ``<cache>/zig/<version>/``, copied from ``zig``'s folder if needed
    (under a lock: the copy is large, so concurrent builds wait rather than copy twice)."""
    dest = cache / "zig" / version
    binary = dest / zig.name
    if binary.is_file():
        return binary
    dest.parent.mkdir(parents=True, exist_ok=True)

    def fill(tmp: Path) -> None:
        shutil.copytree(zig.parent, tmp, symlinks=True, ignore=_SKIP,
                        copy_function=_link_or_copy, dirs_exist_ok=True)

    with FileLock(str(dest) + ".lock"):
        publish(dest, zig.name, fill)
    return binary


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dst)
    return dst
