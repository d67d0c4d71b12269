"""The names a Windows CPython DLL exports, as its headers declare them (pure).

Every ``PyAPI_FUNC``/``PyAPI_DATA`` declaration is ``__declspec(dllimport)`` for an
extension (Windows ``pyconfig.h``: ``Py_ENABLE_SHARED``), so preprocessing ``Python.h`` for
the target and collecting the dllimport declarations that come from CPython's own headers
gives the functions and data ``python3XY.dll`` exports to extensions; :func:`render_def`
writes them as a module-definition file for zig's dlltool (data marked ``DATA``: they are
reached through ``__imp_`` pointers only).  On macOS (and every non-Windows target) the same
declarations are ``__attribute__ ((visibility ("default")))`` (``Py_IMPORTED_SYMBOL`` outside
``Py_BUILD_CORE``): ``marker="visibility"`` collects those, the C API a macOS extension may
leave undefined.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

_LINE_MARKER = re.compile(r'^#\s*(?:line\s+)?\d+\s+"((?:[^"\\]|\\.)*)"')
_IDENT = re.compile(r"[A-Za-z_]\w*")
_DLLIMPORT = re.compile(r"__attribute__\s*\(\(\s*dllimport\s*\)\)|__declspec\s*\(\s*dllimport\s*\)")
_VISIBILITY = re.compile(r'__attribute__\s*\(\(\s*visibility\s*\(\s*"default"\s*\)\s*\)\)')
# What PyAPI_FUNC/PyAPI_DATA become: "dllimport" on Windows, "visibility" elsewhere.
MARKERS = {"dllimport": _DLLIMPORT, "visibility": _VISIBILITY}


@dataclass(frozen=True)
class Exports:
    """What a Python DLL exports: function and data names, sorted."""

    functions: tuple[str, ...]
    data: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.functions) | frozenset(self.data)


def _header_text(preprocessed: str, include_dirs: Iterable[str]) -> str:
    """The lines of ``preprocessed`` (``cc -E`` output with line markers) that come from a
    file under one of ``include_dirs``; the C library's own declarations are dropped."""
    roots = tuple(os.path.normpath(d) + os.sep for d in include_dirs)
    keep = False
    out: list[str] = []
    for line in preprocessed.splitlines():
        marker = _LINE_MARKER.match(line)
        if marker:
            path = os.path.normpath(marker.group(1).replace("\\\\", "\\"))
            keep = path.startswith(roots)
            continue
        if keep and not line.startswith("#"):
            out.append(line)
    return "\n".join(out)


def _statements(text: str) -> Iterable[str]:
    """Top-level statements (brace depth 0, ending with ``;``) of C text; bodies skipped."""
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                start = index + 1
        elif char == ";" and depth == 0:
            yield text[start:index]
            start = index + 1


def _strip_attributes(text: str) -> str:
    """``text`` without ``__attribute__((...))`` groups (balanced parentheses)."""
    while True:
        at = text.find("__attribute__")
        if at < 0:
            return text
        open_at = text.find("(", at)
        depth, end = 0, open_at
        for end in range(open_at, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:at] + " " + text[end + 1:]


def declared_name(statement: str, marker: str = "dllimport") -> tuple[str, bool] | None:
    """(name, is_data) of one declaration carrying ``marker`` (a key of :data:`MARKERS`),
    None when it is not one."""
    pattern = MARKERS[marker]
    if not pattern.search(statement):
        return None
    text = _strip_attributes(pattern.sub(" ", statement)).strip()
    is_data = re.match(r"\s*extern\b", text) is not None
    paren = text.find("(")
    if paren < 0:  # a variable: the last identifier before any array bound
        names = _IDENT.findall(text.split("[", 1)[0])
        return (names[-1], True) if names else None
    if text[paren + 1:].lstrip().startswith("*"):  # a function pointer variable: (*name)(...)
        match = _IDENT.search(text, paren)
        return (match.group(0), True) if match else None
    names = _IDENT.findall(text[:paren])
    return (names[-1], is_data) if names else None


def exports(preprocessed: str, include_dirs: Iterable[str],
            marker: str = "dllimport") -> Exports:
    """The functions and data CPython's headers (under ``include_dirs``) declare with
    ``marker``: ``dllimport`` (Windows) or ``visibility`` (``visibility("default")``)."""
    functions: set[str] = set()
    data: set[str] = set()
    for statement in _statements(_header_text(preprocessed, include_dirs)):
        found = declared_name(statement, marker)
        if found is not None:
            (data if found[1] else functions).add(found[0])
    return Exports(tuple(sorted(functions - data)), tuple(sorted(data)))


def render_def(dll: str, found: Exports) -> str:
    """A module-definition file of ``dll`` for ``zig dlltool -d``."""
    lines = [f"LIBRARY {dll}", "EXPORTS"]
    lines += sorted([*found.functions, *(f"{name} DATA" for name in found.data)])
    return "\n".join(lines) + "\n"


def def_names(text: str) -> frozenset[str]:
    """The exported names a module-definition file lists."""
    names: set[str] = set()
    in_exports = False
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        word = line.split()[0]
        if word.upper() == "EXPORTS":
            in_exports = True
        elif word.upper() in ("LIBRARY", "NAME"):
            in_exports = False
        elif in_exports:
            names.add(word.split("=", 1)[0])
    return frozenset(names)
