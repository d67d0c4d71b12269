"""Real macOS extension modules from the real zig, and small wheels of them, for the Mach-O tests
(tests/verify/test_macho.py, tests/toolchain/test_lipo.py, tests/frontend/test_universal2.py).

Modules include pyenv's CPython 3.13 ``Python.h`` (its Linux ``pyconfig.h`` is good enough to
compile against: LP64 like macOS) and link as macOS extension modules do: ``-shared -undefined
dynamic_lookup``, no libpython.  The C API names come from the same headers preprocessed for
macOS (``PyAPI_FUNC`` is ``visibility("default")`` there)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import struct
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from zigcc.python import windows_exports as wx

MODULE_C = """#include <Python.h>
#include <string.h>
static PyObject *twice(PyObject *self, PyObject *arg) {
    return PyLong_FromLong(2 * PyLong_AsLong(arg) + (long)strlen(""));
}
static PyMethodDef methods[] = {{"twice", twice, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&def); }
"""
LC_CODE_SIGNATURE = 0x1D


def py313_include() -> Path:
    found = sorted(Path.home().glob(".pyenv/versions/3.13*/include/python3.13"))
    if not found:
        pytest.skip("no CPython 3.13 headers under ~/.pyenv (pyenv install 3.13)")
    return found[-1]


def build(zig: Path, target: str, out: Path, source: str = MODULE_C, *args: str,
          module: bool = True) -> bytes:
    """Compile ``source`` for ``target`` (``aarch64-macos.11.0``) into ``out``: an extension
    module (``-undefined dynamic_lookup``) or, ``module=False``, a plain dylib."""
    src = out.with_suffix(".c")
    src.write_text(source)
    link = ["-undefined", "dynamic_lookup"] if module else []
    subprocess.run([str(zig), "cc", "-target", target, "-O2", "-shared", *link,
                    f"-I{py313_include()}", str(src), "-o", str(out), *args],
                   check=True, capture_output=True, cwd=out.parent)
    return out.read_bytes()


def api_names(zig: Path, target: str = "aarch64-macos.11.0") -> frozenset[str]:
    """The C API of CPython 3.13's headers, as they declare it for macOS."""
    include = py313_include()
    text = subprocess.run([str(zig), "cc", "-E", "-target", target, f"-I{include}", "-x", "c",
                           "-"], input="#include <Python.h>\n", capture_output=True, text=True,
                          check=True).stdout
    return wx.exports(text, [str(include)], marker="visibility").names


def strip_signature(data: bytes) -> bytes:
    """A thin 64-bit little-endian Mach-O file without its LC_CODE_SIGNATURE load command
    (ncmds and sizeofcmds rewritten, the later commands moved up); the signature's bytes stay
    where they were, unreferenced."""
    magic, _, _, _, ncmds, sizeofcmds = struct.unpack("<IiiIII", data[:24])
    assert magic == 0xFEEDFACF, "a thin 64-bit little-endian Mach-O file"
    at, end = 32, 32 + sizeofcmds
    while at < end:
        cmd, size = struct.unpack("<II", data[at:at + 8])
        if cmd == LC_CODE_SIGNATURE:
            commands = data[32:at] + data[at + size:end] + b"\0" * size
            header = data[:16] + struct.pack("<II", ncmds - 1, sizeofcmds - size) + data[24:32]
            return header + commands + data[end:]
        at += size
    raise AssertionError("no LC_CODE_SIGNATURE")


def record_row(name: str, data: bytes) -> list[str]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def make_wheel(folder: Path, filename: str, files: dict[str, bytes]) -> Path:
    """A wheel named ``filename`` holding ``files`` and its WHEEL (one Tag per tag of the name),
    METADATA and RECORD."""
    dist, version, python, abi, platform = filename[:-4].split("-")
    meta = f"{dist}-{version}.dist-info"
    tags = [f"{p}-{a}-{t}" for p in python.split(".") for a in abi.split(".")
            for t in platform.split(".")]
    members = {**files,
               f"{meta}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
                                   .encode(),
               f"{meta}/WHEEL": ("Wheel-Version: 1.0\nGenerator: zigcc-tests\n"
                                 "Root-Is-Purelib: false\n"
                                 + "".join(f"Tag: {t}\n" for t in tags)).encode()}
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(
        [*(record_row(n, d) for n, d in members.items()), [f"{meta}/RECORD", "", ""]])
    members[f"{meta}/RECORD"] = text.getvalue().encode()
    path = folder / filename
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def min_os(header: Any) -> tuple[int, int]:
    """The minimum macOS (major, minor) of a macholib header: LC_BUILD_VERSION, or the older
    LC_VERSION_MIN_MACOSX."""
    from macholib import mach_o

    for lc, cmd, _ in header.commands:
        if lc.cmd == mach_o.LC_BUILD_VERSION:
            return cmd.minos >> 16, (cmd.minos >> 8) & 0xFF
        if lc.cmd == mach_o.LC_VERSION_MIN_MACOSX:
            return cmd.version >> 16, (cmd.version >> 8) & 0xFF
    raise AssertionError("no minimum OS load command")
