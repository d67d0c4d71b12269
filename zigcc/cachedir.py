"""Cache folders made once and published whole: filled in a private folder beside the
destination, then renamed into place, so no reader ever sees half of one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def publish(folder: Path, marker: str, fill: Callable[[Path], None]) -> Path:
    """``folder``, made by ``fill`` (given an empty private folder) unless ``folder/marker``
    exists. Another process may win the race with identical content: its folder is kept."""
    if (folder / marker).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    try:
        fill(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes it 700; cache folders are readable
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / marker).exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
