"""What macOS system libraries export, read from the text-based stubs (``.tbd``) zig ships.

zig links macOS code against ``<zig lib dir>/libc/darwin/libSystem.tbd``: TAPI text, one YAML
document per library (``libSystem.B.dylib`` and the ``/usr/lib/system/*`` libraries it
re-exports), each listing, per group of targets (``x86_64-macos``, ``arm64e-macos``, ...),
the symbols it exports.  A small reader of that text (TAPI v4; the ``archs:`` of v1-v3 are
read the same way) is enough: no YAML library.  Pure: text in, names out; only
:func:`system_names` reads files (:func:`installed_system_names`: the installed zig's).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from zigcc.errors import ZigccError
from zigcc.toolchain import installed

# The lists whose names are symbols as they are, and the Objective-C lists with the prefixes
# of the symbols each name stands for.
_SYMBOL_KEYS = ("symbols", "weak-symbols", "thread-local-symbols", "weak-def-symbols")
_OBJC_KEYS = {"objc-classes": ("_OBJC_CLASS_$_", "_OBJC_METACLASS_$_"),
              "objc-eh-types": ("_OBJC_EHTYPE_$_",), "objc-ivars": ("_OBJC_IVAR_$_",)}
# The sections that list what a library exports (v4: exports/reexports; v1-v3: exports with
# re-exports inside each entry).
_EXPORT_SECTIONS = ("exports", "reexports")
_KEY = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[A-Za-z][\w.-]*): *(?P<rest>.*)$")


@dataclass(frozen=True)
class Exports:
    """One ``- targets: [...]`` entry of a document's exports: for these targets, these
    symbol names (as the linker sees them: ``_printf``, ``dyld_stub_binder``)."""

    targets: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    """One document of a ``.tbd`` file."""

    install_name: str
    targets: tuple[str, ...]
    exports: tuple[Exports, ...]


def _items(flow: str) -> list[str]:
    """The items of a YAML flow list ``[ a, 'b c', "d" ]`` (quotes removed, ``''`` kept)."""
    body = flow.strip()
    if body.startswith("["):
        body = body[1:]
    if body.endswith("]"):
        body = body[:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char in " ,\t":
            i += 1
        elif char in "'\"":
            j = i + 1
            text: list[str] = []
            while j < len(body):
                if body[j] == char and char == "'" and body[j + 1:j + 2] == "'":
                    text.append("'")
                    j += 2
                elif body[j] == char:
                    break
                elif char == '"' and body[j] == "\\" and j + 1 < len(body):
                    text.append(body[j + 1])
                    j += 2
                else:
                    text.append(body[j])
                    j += 1
            out.append("".join(text))
            i = j + 1
        else:
            j = body.find(",", i)
            j = len(body) if j < 0 else j
            out.append(body[i:j].strip())
            i = j
    return [item for item in out if item]


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _entries(lines: list[str]) -> Iterator[tuple[int, bool, str, str]]:
    """(indent, starts a list item, key, value) of a document's ``key: value`` lines, a flow
    list that spans lines joined into one value."""
    i = 0
    while i < len(lines):
        m = _KEY.match(lines[i])
        i += 1
        if m is None:
            continue
        rest = m.group("rest")
        if rest.lstrip().startswith("["):
            while rest.count("[") > rest.count("]") and i < len(lines):
                rest += " " + lines[i].strip()
                i += 1
        indent = len(m.group("indent")) + len(m.group("dash") or "")
        yield indent, m.group("dash") is not None, m.group("key"), rest


def _document(lines: list[str]) -> Library:
    install_name = ""
    targets: tuple[str, ...] = ()
    exports: list[Exports] = []
    section = ""
    entry_targets: tuple[str, ...] = ()
    names: list[str] = []

    def close() -> None:
        if section in _EXPORT_SECTIONS and (entry_targets or names):
            exports.append(Exports(entry_targets, tuple(names)))

    for indent, item, key, value in _entries(lines):
        if indent == 0:  # a top-level key
            close()
            section, entry_targets, names = key, (), []
            if key == "install-name":
                install_name = _scalar(value)
            elif key in ("targets", "archs"):
                targets = tuple(_items(value))
            continue
        if section not in _EXPORT_SECTIONS:
            continue
        if item:  # a new ``- targets:`` entry
            close()
            entry_targets, names = (), []
        if key in ("targets", "archs"):
            entry_targets = tuple(_items(value))
        elif key in _SYMBOL_KEYS or key == "re-exports":
            names.extend(_items(value))
        elif key in _OBJC_KEYS:
            names.extend(prefix + name for name in _items(value) for prefix in _OBJC_KEYS[key])
    close()
    return Library(install_name, targets, tuple(exports))


def parse(text: str) -> list[Library]:
    """Every document (``--- !tapi-tbd`` ... ``...``) of a ``.tbd`` file."""
    out: list[Library] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("---"):
            if current is not None:
                out.append(_document(current))
            current = []
        elif line.rstrip() == "...":
            if current is not None:
                out.append(_document(current))
            current = None
        elif current is not None and not line.lstrip().startswith("#"):
            current.append(line)
    if current is not None:
        out.append(_document(current))
    return out


def _matches(target: str, arch: str) -> bool:
    """``target`` (``arm64e-macos``, ``x86_64-maccatalyst``, or a v1-v3 arch) is one a macOS
    ``arch`` (``arm64`` or ``x86_64``) links against: arm64 code links the arm64e stubs too."""
    cpu, _, platform = target.partition("-")
    if platform and platform != "macos":
        return False
    return cpu == arch or (arch == "arm64" and cpu.startswith("arm64"))


def exported(libraries: list[Library], arch: str) -> frozenset[str]:
    """The names ``libraries`` export to macOS code of ``arch`` (``arm64`` or ``x86_64``)."""
    return frozenset(name for library in libraries for entry in library.exports
                     if any(_matches(t, arch) for t in entry.targets) for name in entry.names)


def stub_files(zig_lib_dir: Path) -> list[Path]:
    """The libSystem stubs of a zig lib dir: ``libc/darwin/libSystem.tbd`` (zig 0.12 on;
    older zigs kept one ``libSystem.<macOS major>.tbd`` per release)."""
    return sorted((zig_lib_dir / "libc" / "darwin").glob("libSystem*.tbd"))


def system_names(zig_lib_dir: Path) -> dict[str, frozenset[str]]:
    """Per macOS arch (``arm64``, ``x86_64``), every name libSystem and the libraries it
    re-exports export, from zig's stubs; ValueError when zig ships none."""
    files = stub_files(zig_lib_dir)
    if not files:
        raise ValueError(f"{zig_lib_dir / 'libc' / 'darwin'} has no libSystem*.tbd; reinstall "
                         "ziglang (pip install --force-reinstall ziglang)")
    libraries = [lib for f in files for lib in parse(f.read_text(encoding="utf-8"))]
    return {arch: exported(libraries, arch) for arch in ("arm64", "x86_64")}


@functools.lru_cache(maxsize=1)
def installed_system_names() -> dict[str, frozenset[str]]:
    """:func:`system_names` of the installed ``ziglang``'s zig (read once per process)."""
    try:
        return system_names(installed.zig_binary().parent / "lib")
    except (ValueError, OSError) as exc:
        raise ZigccError(" ".join(str(exc).split())) from None
