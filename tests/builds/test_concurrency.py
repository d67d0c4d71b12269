"""16 builds of 16 different targets at once, on an empty zigcc cache: every toolchain folder
is written once, completely, and every build links (zig's own cache is shared and locked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zigcc.target.arches import ARCHES
from zigcc.verify import wheelcheck

pytestmark = pytest.mark.slow

# Every glibc arch at its floor and at a newer glibc, plus two more: 16 different targets.
TARGETS = [
    "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64",
    "manylinux_2_17_aarch64", "manylinux_2_28_aarch64", "manylinux_2_31_aarch64",
    "manylinux_2_17_armv7l", "manylinux_2_28_armv7l", "manylinux_2_17_i686",
    "manylinux_2_28_i686", "manylinux_2_19_ppc64le", "manylinux_2_28_ppc64le",
    "manylinux_2_17_s390x", "manylinux_2_28_s390x", "manylinux_2_27_riscv64",
    "manylinux_2_31_riscv64",
]
SOURCE = "#include <math.h>\nint zt(double x) { return (int)cbrt(x); }\n"
SCRIPT = """
cc=$("$PY" -m zigcc which cc --target "$T") || exit 1
"$cc" -O2 -shared -fPIC "$SRC" -lm -o "$OUT"
"""


def test_sixteen_targets_at_once_on_an_empty_cache(tmp_path: Path) -> None:
    src = tmp_path / "zt.c"
    src.write_text(SOURCE)
    env = {**os.environ, "ZIGCC_CACHE_DIR": str(tmp_path / "empty cache"), "PY": sys.executable,
           "SRC": str(src)}
    procs = []
    for target in TARGETS:
        out = tmp_path / f"{target}.so"
        procs.append((target, out, subprocess.Popen(
            ["sh", "-c", SCRIPT], env={**env, "T": target, "OUT": str(out)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for target, out, proc in procs:
        _, stderr = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"{target}: {stderr}"
        info = wheelcheck.inspect_elf(out.name, out.read_bytes())
        assert info is not None
        arch = target.split("_", 3)[-1]
        assert (info.machine, info.bits) == (ARCHES[arch].elf, ARCHES[arch].bits), target
    folders = [p for p in (tmp_path / "empty cache" / "toolchains").glob("zig-*/*")
               if p.is_dir()]
    assert len(folders) == 16
