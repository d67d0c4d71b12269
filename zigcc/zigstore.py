"""A zig that outlives the install it came from.

pip, build and uv install zigcc and ziglang into a fresh folder for every isolated build and
delete it afterwards.  A shim that names that zig breaks when the folder goes, and zig keys
its own cache on where its ``lib/`` folder lives: a second install at another path rebuilds
libc++ for every target (measured: 46 s, as cold).  So every toolchain uses one copy per zig
version under ``<cache>/zig/<version>/`` (hard links where the file system allows, else a
copy), made once, atomically, under a lock.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock

_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def stable_zig(zig: Path, cache: Path, version: str) -> Path:
    """The zig binary of ``<cache>/zig/<version>/``, copied from ``zig``'s folder if needed."""
    dest = cache / "zig" / version
    binary = dest / zig.name
    if binary.is_file():
        return binary
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest) + ".lock"):
        if binary.is_file():  # another process made it while this one waited
            return binary
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{version}-"))
        try:
            shutil.copytree(zig.parent, tmp / "zig", symlinks=True, ignore=_SKIP,
                            copy_function=_link_or_copy)
            os.chmod(tmp / "zig", 0o755)
            os.replace(tmp / "zig", dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return binary


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dst)
    return dst
