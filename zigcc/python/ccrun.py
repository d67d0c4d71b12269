"""Run the target's C compiler for a probe or a batch of checks (never the target's code).

Shared by :mod:`zigcc.python.probe` and :mod:`zigcc.python.cchecks`: one place turns a
compiler command into an argv, runs it in a work folder and turns a failure into a one-line
:class:`~zigcc.errors.ZigccError` naming the target and the compiler's last stderr line.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Union

from zigcc.errors import ZigccError

Compiler = Union[Sequence[str], Path]  # not X | Y: evaluated at import, and 3.9 is supported
# The options every probe and check compile shares: plain diagnostics, parseable per line.
QUIET = ("-w", "-fno-color-diagnostics", "-fno-caret-diagnostics", "-fno-builtin")
_DIAG = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):\d+: (?:fatal )?error: ", re.M)


def argv(cc: Compiler) -> list[str]:
    """The compiler command as an argv list (a shim path or an explicit command)."""
    if isinstance(cc, (str, os.PathLike)):
        return [os.fspath(cc)]
    command = [os.fspath(part) for part in cc]
    if not command:
        raise ZigccError("the target C compiler command is empty; pass the toolchain's cc shim")
    return command


def label(cc: Compiler, target: str | None = None) -> str:
    """What an error calls the target: the given name, else the shim folder's zig triple."""
    if target:
        return target
    first = Path(argv(cc)[0])
    return first.parent.name or first.name


def run(cc: Compiler, args: Sequence[str], workdir: Path,
        where: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``cc args`` in ``workdir``; a missing compiler is a one-line ZigccError."""
    command = [*argv(cc), *args]
    env = {k: v for k, v in os.environ.items() if k not in ("CFLAGS", "CPPFLAGS", "LDFLAGS")}
    try:
        return subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=env,
                              errors="replace", check=False)
    except OSError as exc:
        prefix = f"{where}: " if where else ""
        raise ZigccError(f"{prefix}cannot run the C compiler {command[0]}: {exc.strerror}"
                         ) from None


def last_line(text: str) -> str:
    """The compiler's last non-empty stderr line (the summary a one-line error quotes)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def failure(what: str, where: str, proc: subprocess.CompletedProcess[str]) -> ZigccError:
    """One line: which step failed for which target, and the compiler's last word."""
    first_error = next((line for line in proc.stderr.splitlines() if " error: " in line), "")
    detail = first_error.strip() or last_line(proc.stderr)
    return ZigccError(f"{where}: {what} failed (exit {proc.returncode}): {detail}")


def error_lines(stderr: str, source_name: str) -> set[int]:
    """Line numbers of ``source_name`` that have an error."""
    return {int(m.group("line")) for m in _DIAG.finditer(stderr)
            if Path(m.group("file")).name == source_name}


def foreign_errors(stderr: str, source_name: str) -> list[str]:
    """Error lines that point outside ``source_name`` (a system header broke, not a check)."""
    return [m.group(0) for m in _DIAG.finditer(stderr) if Path(m.group("file")).name != source_name]
