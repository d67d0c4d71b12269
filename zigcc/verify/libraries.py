"""Libraries a wheel ships itself: which DT_NEEDED names of its ELF files the dynamic loader
finds in the wheel (auditwheel accepts those as part of the wheel too).

A library found through the needing file's search path (``$ORIGIN`` / ``${ORIGIN}``
relative to its folder once installed: ``$ORIGIN/lib`` as CMake projects install theirs,
``$ORIGIN/../<pkg>.libs`` as auditwheel repair writes them) is part of the wheel: it is
checked like every other ELF file of the wheel, not against the library policy.  The search
follows glibc's loader: the needing file's DT_RUNPATH; with no RUNPATH, its DT_RPATH and those
of the files that loaded it, up to the extension module; and a name already loaded in the same
module's tree (by that name or its SONAME, breadth first).  A name that a file of the wheel
carries but the loader would not reach is stranded: an error that says which RUNPATH would
reach it.  A search path entry that leaves the wheel (an absolute path of the build machine,
or one relative to the current directory) is a problem of its own.  musl's loader also lets a
RUNPATH serve the libraries loaded through it; glibc's rule, the stricter, is the one checked.
Pure: descriptions in, findings out.
"""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zigcc.verify.elf import ElfInfo

_ORIGIN = ("${ORIGIN}", "$ORIGIN")


@dataclass(frozen=True)
class Linked:
    """What the loader finds in the wheel, per ELF member."""

    shipped: Mapping[str, frozenset[str]] = field(default_factory=dict)  # names found inside
    stranded: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # name -> member
    problems: Mapping[str, Sequence[str]] = field(default_factory=dict)  # its search paths


def installed_path(member: str) -> str:
    """Where ``member`` lands relative to site-packages: ``<name>.data/platlib/x`` and
    ``purelib/x`` at ``x``; other ``.data`` folders install elsewhere (kept as they are)."""
    head, sep, rest = member.partition("/")
    if head.endswith(".data") and sep:
        kind, sep2, tail = rest.partition("/")
        if kind in ("platlib", "purelib") and sep2:
            return tail
    return member


def link(elves: Sequence[ElfInfo]) -> Linked:
    """Resolve every DT_NEEDED name of ``elves`` (the ELF members of one wheel) inside it.

    Each extension module (it exports ``PyInit_*``) is a root of its own load tree; an ELF
    file no module loads (a library for ctypes, a program) is checked on its own."""
    files = {installed_path(e.name): e for e in elves}
    found: dict[str, set[str]] = {}
    failed: dict[str, dict[str, str]] = {}
    reached: set[str] = set()
    roots = [e for e in elves if e.pyinit]
    for root in [*roots, *(e for e in elves if not e.pyinit)]:
        if root.pyinit or root.name not in reached:
            reached |= _load_tree(root, files, found, failed)
    shipped = {n: frozenset(v - set(failed.get(n, {}))) for n, v in found.items()}
    problems = {e.name: lines for e in elves if (lines := path_problems(e))}
    return Linked(shipped, {k: v for k, v in failed.items() if v}, problems)


def _load_tree(root: ElfInfo, files: Mapping[str, ElfInfo], found: dict[str, set[str]],
               failed: dict[str, dict[str, str]]) -> set[str]:
    """Breadth first from ``root``, as the loader maps its dependencies; the members loaded."""
    loaded = {n: root for n in (root.soname,) if n}
    queue: deque[tuple[ElfInfo, tuple[ElfInfo, ...]]] = deque([(root, ())])
    seen = {root.name}
    while queue:
        elf, loaders = queue.popleft()
        for name in elf.needed:
            lib = loaded.get(name) or _search(name, elf, loaders, files)
            if lib is None:
                member = _carried(name, files)
                if member is not None:
                    failed.setdefault(elf.name, {})[name] = member
                continue
            found.setdefault(elf.name, set()).add(name)
            loaded.setdefault(name, lib)
            if lib.soname:
                loaded.setdefault(lib.soname, lib)
            if lib.name not in seen:
                seen.add(lib.name)
                queue.append((lib, (elf, *loaders)))
    return seen


def _search(name: str, elf: ElfInfo, loaders: tuple[ElfInfo, ...],
            files: Mapping[str, ElfInfo]) -> ElfInfo | None:
    """The wheel's file the loader opens for ``name`` needed by ``elf``, if any."""
    if "/" in name:
        return None  # a path: opened relative to the current directory
    if elf.runpath:
        chain: Iterable[tuple[ElfInfo, tuple[str, ...]]] = [(elf, elf.runpath)]
    else:  # RPATH of the file, then of each file that loaded it (those without a RUNPATH)
        chain = [(e, e.rpath) for e in (elf, *loaders) if not e.runpath]
    for owner, entries in chain:
        for entry in entries:
            folder = _folder(entry, installed_path(owner.name))
            if folder is not None and posixpath.join(folder, name) in files:
                return files[posixpath.join(folder, name)]
    return None


def _folder(entry: str, path: str) -> str | None:
    """A search path entry as a folder relative to site-packages; None when it is not one
    there (absolute, relative to the current directory, above site-packages)."""
    token = next((t for t in _ORIGIN if entry.startswith(t)), None)
    if token is None or entry[len(token):][:1] not in ("", "/"):
        return None
    folder = posixpath.normpath(posixpath.join(posixpath.dirname(path) or ".",
                                               entry[len(token):].lstrip("/")))
    if folder == ".." or folder.startswith("../"):
        return None
    return "" if folder == "." else folder


def _carried(name: str, files: Mapping[str, ElfInfo]) -> str | None:
    """The member the wheel carries under that file name (else with that SONAME)."""
    by_file = sorted(e.name for p, e in files.items() if posixpath.basename(p) == name)
    by_soname = sorted(e.name for e in files.values() if e.soname == name)
    return next(iter(by_file + by_soname), None)


def path_problems(elf: ElfInfo) -> list[str]:
    """Search path entries of ``elf`` that lead out of the wheel."""
    out: list[str] = []
    tag = "RUNPATH" if elf.runpath else "RPATH"
    for entry in dict.fromkeys(elf.runpath or elf.rpath):
        if entry.startswith("/"):
            out.append(f"{tag} {entry} points outside the wheel: it leaks the build machine "
                       "(the loader searches that folder on every machine the wheel is "
                       f"installed on); link with -Wl,-rpath,'$ORIGIN/...' instead")
        elif entry and not entry.startswith("$"):
            out.append(f"{tag} {entry} is relative to the current directory, not to this "
                       f"file; write $ORIGIN/{entry.removeprefix('./')}")
    return out


def needed_problems(elf: ElfInfo, names: Sequence[str], linked: Linked, tag: str) -> list[str]:
    """The lines for DT_NEEDED ``names`` of ``elf`` outside the ``tag`` policy: those the wheel
    carries but the loader does not reach, then the rest."""
    stranded = linked.stranded.get(elf.name, {})
    out: list[str] = []
    for name in names:
        member = stranded.get(name)
        if member is None:
            continue
        if posixpath.basename(member) != name:
            out.append(f"links {name}, the SONAME of {member}, but the wheel has no file of "
                       f"that name, which is what the loader opens: ship {name} beside it")
            continue
        here = posixpath.dirname(installed_path(elf.name)) or "."
        there = posixpath.dirname(installed_path(member)) or "."
        rel = posixpath.relpath(there, here)
        runpath = "$ORIGIN" if rel == "." else f"$ORIGIN/{rel}"
        out.append(f"links {name}, which the wheel holds at {member}, but the loader does not "
                   f"look there (no RUNPATH of this file reaches it): link it with "
                   f"-Wl,-rpath,'{runpath}'")
    rest = [n for n in names if n not in stranded]
    if rest:
        out.append(f"links {', '.join(rest)}, outside the {tag} policy (bundle it with "
                   "auditwheel repair)")
    return out
