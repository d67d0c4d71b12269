"""The reason a build failed, read from its log (pure: text in, lines out), so the terminal
shows what pip and cibuildwheel show: the first compiler error with its source line, else the
build tool's own error, else the exception the backend ended with."""

from __future__ import annotations

import re

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
    the first build-tool error line, else the last exception line; [] when none is found."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _COMPILER.match(line):
            block = [line]
            for follow in lines[index + 1:index + 1 + CONTEXT]:
                if not follow.startswith((" ", "\t")) and not follow[:1].isdigit():
                    break
                block.append(follow)
            return [_cut(x) for x in block]
    for line in lines:
        if _TOOL.match(line):
            return [_cut(line)]
    for line in reversed(lines):
        if _EXCEPTION.match(line) and "CalledProcessError" not in line:
            return [_cut(line)]
    return []


def one_line(text: str) -> str:
    """``text`` as one line of at most :data:`WIDTH` characters (an OS error may carry a
    megabyte of output)."""
    return _cut(" ".join(text.split()))


def _cut(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= WIDTH else line[:WIDTH - 3] + "..."
