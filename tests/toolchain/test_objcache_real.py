"""The compile cache with the real zig: a hit gives the object an uncached compile gives, a
different header is never a hit, warnings come back, failures are not kept, dependency
files are this compile's.  Programs are linked and run (native x86_64)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import pytest

from zigcc.target.model import parse
from zigcc.toolchain import installed
from zigcc.toolchain.flags import Context
from zigcc.toolchain.folder import Toolchain, materialise

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64",
                                reason="runs x86_64 programs natively")

SOURCE = r"""
#include "val.h"
int value(void) { int unused_here; return VAL * 3; }
"""
MAIN = r"""
#include <stdio.h>
int value(void);
int main(void) { printf("%d\n", value()); return 0; }
"""


@pytest.fixture
def tc(tmp_path: Path, real_zig: Path) -> Toolchain:
    return materialise(parse("manylinux_2_17_x86_64"), real_zig, installed.python_binary(),
                       tmp_path / "cache", Context(arch="x86_64"))


def _folder(root: Path, name: str, val: int) -> Path:
    """A build folder with its own ``inc/val.h``."""
    folder = root / name
    (folder / "inc").mkdir(parents=True)
    (folder / "inc" / "val.h").write_text(f"#define VAL {val}\n")
    (folder / "value.c").write_text(SOURCE)
    (folder / "main.c").write_text(MAIN)
    return folder


def _cc(tc: Toolchain, folder: Path, cache: Path | str, *args: str
        ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZIGCC_COMPILE_CACHE": str(cache)}
    return subprocess.run([str(tc.tool("cc")), *args], cwd=folder, env=env,
                          capture_output=True, text=True)


def _compile(tc: Toolchain, folder: Path, cache: Path | str, *extra: str
             ) -> subprocess.CompletedProcess[str]:
    return _cc(tc, folder, cache, "-O2", "-g", "-Wall", "-Iinc", *extra, "-c", "value.c",
               "-o", "value.o")


def _run(tc: Toolchain, folder: Path) -> str:
    link = _cc(tc, folder, "0", "main.c", "value.o", "-o", "prog")
    assert link.returncode == 0, link.stderr
    return subprocess.run([str(folder / "prog")], capture_output=True, text=True,
                          check=True).stdout.strip()


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.o"))


def test_hits_give_the_uncached_object_and_a_different_header_is_a_miss(
        tc: Toolchain, tmp_path: Path) -> None:
    cache = tmp_path / "objects"
    one, two, again = (_folder(tmp_path, "one", 1), _folder(tmp_path, "two", 2),
                       _folder(tmp_path, "again", 1))
    for folder in (one, two):
        done = _compile(tc, folder, cache, f"-I{tmp_path}/elsewhere-{folder.name}")
        assert done.returncode == 0, done.stderr
    assert len(_entries(cache)) == 2  # VAL 1 and VAL 2
    # another build folder, another -I list, the same preprocessed source: a hit
    done = _compile(tc, again, cache, "-I/nonexistent/python3.99")
    assert done.returncode == 0, done.stderr
    assert len(_entries(cache)) == 2
    # ... giving the bytes an uncached compile gives there
    cached = (again / "value.o").read_bytes()
    assert _compile(tc, again, "0").returncode == 0
    assert (again / "value.o").read_bytes() == cached
    assert _run(tc, one) == "3" and _run(tc, two) == "6" and _run(tc, again) == "3"
    # the warnings of the compile that made the entry come back with every hit
    assert "unused variable 'unused_here'" in done.stderr
    # other flags are another entry
    assert _compile(tc, again, cache, "-O0").returncode == 0
    assert len(_entries(cache)) == 3


def test_a_failed_compile_is_shown_and_not_kept(tc: Toolchain, tmp_path: Path) -> None:
    cache = tmp_path / "objects"
    folder = _folder(tmp_path, "bad", 1)
    (folder / "value.c").write_text("int value(void) { return VAL +; }\n")
    done = _compile(tc, folder, cache, "-include", "inc/val.h")
    assert done.returncode == 1
    assert "value.c:1:" in done.stderr and "error" in done.stderr
    assert _entries(cache) == [] and not (folder / "value.o").exists()


def test_a_hit_writes_this_compiles_dependency_file(tc: Toolchain, tmp_path: Path) -> None:
    cache = tmp_path / "objects"
    for name in ("first", "second"):
        folder = _folder(tmp_path, name, 4)
        done = _compile(tc, folder, cache, "-MD", "-MQ", "value.o", "-MF", "value.d")
        assert done.returncode == 0, done.stderr
        deps = (folder / "value.d").read_text()
        assert deps.startswith("value.o:") and "inc/val.h" in deps and "value.c" in deps
        assert _run(tc, folder) == "12"
    assert len(_entries(cache)) == 1


def test_a_relative_cache_folder_is_one_error_line(tc: Toolchain, tmp_path: Path) -> None:
    folder = _folder(tmp_path, "rel", 1)
    done = _compile(tc, folder, "objects")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "zigcc cc: ZIGCC_COMPILE_CACHE='objects': give an absolute folder, 1 (zigcc's cache "
        "folder) or 0 (off)"]


def test_on_means_zigccs_cache_folder(tc: Toolchain, tmp_path: Path) -> None:
    """ZIGCC_COMPILE_CACHE=1 outside zigcc build (zigcc env, CC=...): the toolchain's cache's
    objects folder."""
    folder = _folder(tmp_path, "on", 5)
    done = _compile(tc, folder, "1")
    assert done.returncode == 0, done.stderr
    assert len(_entries(tmp_path / "cache" / "objects")) == 1
    assert _run(tc, folder) == "15"
