"""The reason a build failed, read from its log (pure: text in, lines out), so the terminal
shows what pip and cibuildwheel show: the first compiler error with its source line, else the
build tool's own error, else the exception the backend ended with.  A C header or library the
build did not find (the compiler's, the linker's, pkg-config's, CMake's or meson's words) is
named, with a hint that builds it for the target in ``before-all``; a wheel refused because the
build left out what needed it (an optional extension) names it too."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# file:line[:col]: error: (gcc, clang, zig cc), and the linker's "ld.lld: error:".
_COMPILER = re.compile(r"^(?:[^\s:][^:]*:\d+(?::\d+)?: (?:fatal )?error: |ld(?:\.lld)?: error: "
                       r"|error: )")
# The build tool's own failure: meson, CMake, zigcc's wrapper backend, setuptools/distutils.
_TOOL = re.compile(r"^(?:ERROR[: ]|CMake Error|error: command |\.\./.*ERROR: )")
_EXCEPTION = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Unavailable)(?:: |$)")
CONTEXT = 3  # lines shown after a compiler error: the source line and the caret
WIDTH = 300  # no line of a summary is longer than this


def first_error(text: str) -> list[str]:
    """A short block: the first compiler error and the lines after it that belong to it, else
    the first build-tool error line (with CMake's indented message), else the last exception
    line; [] when none is found."""
    return [_cut(x) for x in _first_error(text.splitlines())[1]]


def _first_error(lines: Sequence[str]) -> tuple[int, list[str]]:
    """The first error's block and the index of its first line (the end when none)."""
    for index, line in enumerate(lines):
        if _COMPILER.match(line):
            return index, [line, *_following(lines, index, numbered=True)]
    for index, line in enumerate(lines):
        if _TOOL.match(line):
            cmake = line.startswith("CMake Error")
            return index, [line, *(_following(lines, index, numbered=False) if cmake else ())]
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if _EXCEPTION.match(line) and "CalledProcessError" not in line:
            return index, [line]
    return len(lines), []


def _following(lines: Sequence[str], index: int, numbered: bool) -> list[str]:
    """The indented lines after ``lines[index]`` that belong to it (at most CONTEXT)."""
    block: list[str] = []
    for follow in lines[index + 1:index + 1 + CONTEXT]:
        if not follow.startswith((" ", "\t")) and not (numbered and follow[:1].isdigit()):
            break
        if follow.strip():
            block.append(follow)
    return block


@dataclass(frozen=True)
class Missing:
    """A C header or library the build looked for and did not find."""

    kind: str  # a key of _SUBJECT
    name: str
    line: str  # the log's line that says so

    @property
    def what(self) -> str:
        return _WHAT[self.kind].format(self.name)

    @property
    def hint(self) -> str:
        """One line: build it for the target in before-all (``ZIGCC_BEFORE_ALL`` or
        ``[tool.zigcc] before-all``), static and position-independent, into ZIGCC_PREFIX,
        whose include/ and lib/ (and lib/pkgconfig) the package's build then searches."""
        return (f"hint: build {_SUBJECT[self.kind].format(self.name[:40])} for the target: "
                "ZIGCC_BEFORE_ALL='curl -L <url> | tar xz && cd <dir> && ./configure "
                "--host=$ZIGCC_HOST --prefix=$ZIGCC_PREFIX --disable-shared --with-pic && "
                "make install' (CMake: -DCMAKE_TOOLCHAIN_FILE=$CMAKE_TOOLCHAIN_FILE "
                "-DCMAKE_INSTALL_PREFIX=$ZIGCC_PREFIX)")


_WHAT = {"header": "header {}", "library": "library -l{}", "pkg-config": "pkg-config's {}",
         "cmake": "CMake's package {}", "meson": "meson's dependency {}"}
_SUBJECT = {"header": "the library with {}", "library": "the library -l{}",
            "pkg-config": "the library of {}.pc", "cmake": "CMake's package {}",
            "meson": "meson's dependency {}"}
# The words of compilers, linkers and build tools for a header or library they did not find,
# strongest first: a compile or link that failed, then a tool's lookup.
_MISSING = [(kind, re.compile(pattern)) for kind, pattern in (
    ("header", r"fatal error: '(?P<name>[^']+)' file not found"),  # clang, zig cc
    ("header", r"fatal error: (?P<name>[^\s:]+): No such file or directory"),  # gcc
    ("library", r"unable to find library -l(?P<name>\S+)"),  # ld.lld
    ("library", r"unable to find (?:dynamic |static )?system library [\"'](?P<name>[^\"']+)"),
    ("library", r"cannot find -l(?P<name>[^\s:]+)"),  # GNU ld
    ("library", r"C (?:shared or static )?library '(?P<name>[^']+)' not found"),  # meson
    ("meson", r"Dependency \"(?P<name>[^\"]+)\" not found"),
    ("pkg-config", r"Package (?P<name>\S+) was not found in the pkg-config search path"),
    ("pkg-config", r"Package '(?P<name>[^']+)', required by '[^']*', not found"),  # pkgconf
    ("pkg-config", r"No package '(?P<name>[^']+)' found"),
    ("cmake", r"Could not find a package configuration file provided by \"(?P<name>[^\"]+)\""),
    ("cmake", r"Could NOT find (?P<name>[\w.+-]+)"),
    ("meson", r"(?:Run-time )?[Dd]ependency (?P<name>\S+) found: NO"),  # an optional one
)]
# Headers of Python and of Python packages: a build requirement, not a C library to build.
_PYTHON_HEADER = re.compile(r"(?:Python|pyconfig|structmember)\.h|(?:numpy|pybind11|nanobind)/.*")


def missing(lines: Sequence[str]) -> Missing | None:
    """The strongest sign in ``lines`` of a header or library the build did not find, the
    first of its kind; None when there is none."""
    for kind, pattern in _MISSING:
        for line in lines:
            m = pattern.search(line)
            if m and not (kind == "header" and _PYTHON_HEADER.fullmatch(m.group("name"))):
                return Missing(kind, m.group("name"), _cut(line.strip()))
    return None


def build_failure(text: str) -> list[str]:
    """:func:`first_error`'s block for a failed build and, when it is (or follows) a header or
    library not found, that line and the hint that builds it for the target.

    A compiler error about anything else is the code's own: no hint.  A tool's error (CMake's
    "A required package was not found") or an exception (pkg-config run by setup.py) is
    explained by the nearest such line before it (CMake's optional "-- Could NOT find" status
    lines left out)."""
    lines = text.splitlines()
    index, block = _first_error(lines)
    found = missing(block)
    if found is None and not (block and _COMPILER.match(block[0])):
        before = [x for x in lines[:index] if not x.startswith("-- Could NOT find")]
        for line in reversed(before):
            found = missing([line])
            if found is not None:
                break
    out = [_cut(x) for x in block]
    if found is None:
        return out
    if found.line not in out:
        out.append(found.line)
    return [*out, found.hint]


def rejection(message: str, text: str) -> tuple[str, list[str]]:
    """A verify rejection of a wheel whose build succeeded (``message``: "verify: ...") and
    its details: when the log shows a header or library not found (an optional extension the
    build left out: the wheel then lacks its module), the rejection names it first, and the
    details give the log's line and the hint."""
    found = missing(text.splitlines())
    if found is None:
        return one_line(message), []
    rest = message.removeprefix("verify: ")
    verdict = one_line(f"verify: the build did not find {found.what}; {rest}")
    return verdict, [verdict, found.line, found.hint]


def one_line(text: str) -> str:
    """``text`` as one line of at most :data:`WIDTH` characters (an OS error may carry a
    megabyte of output)."""
    return _cut(" ".join(text.split()))


def _cut(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= WIDTH else line[:WIDTH - 3] + "..."
