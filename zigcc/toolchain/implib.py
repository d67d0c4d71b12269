"""Import libraries for Windows DLLs, made by zig's dlltool from a module-definition file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from zigcc.errors import ZigccError

# zig dlltool's -m machine of each Windows CPU zigcc targets
MACHINES = {"x86_64": "i386:x86-64", "aarch64": "arm64", "i686": "i386"}


def dlltool_command(zig: Path, def_file: Path, out: Path, arch: str) -> list[str]:
    """The command that writes the import library ``out`` of ``def_file`` for ``arch``."""
    if arch not in MACHINES:
        raise ZigccError(f"{arch}: no Windows import library machine; zigcc knows "
                         f"{', '.join(MACHINES)}")
    return [str(zig), "dlltool", "-d", str(def_file), "-l", str(out), "-m", MACHINES[arch]]


def make_import_library(zig: Path, def_file: Path, out: Path, arch: str) -> Path:
    """Write ``out`` (``libpython3XY.a``) from ``def_file``; one error line on failure."""
    proc = subprocess.run(dlltool_command(zig, def_file, out, arch), capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0 or not out.is_file():
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise ZigccError(f"zig dlltool {def_file.name}: failed ({detail[-1] if detail else proc.returncode}); "
                         "check the zig installation: zigcc doctor")
    return out
