"""Resolve an application's requirements for the *target*, with uv's resolver.

uv resolves ``--universal``: one set of pins, each with the environment markers under which it
applies (uv's ``--python-platform`` names no armv7l, s390x, ppc64le or i686 machine, so a
per-platform resolution cannot cover every target).  The pins are then selected with the
target's PEP 508 marker environment (:func:`marker_environment`: ``platform_machine``,
``sys_platform`` and the rest from the platform seam, ``python_version`` from the target's
CPython), never the build machine's.  Requires-Python is uv's to check: ``--python-version``
is the target's X.Y, the lowest version a universal resolution admits.
"""

from __future__ import annotations

import shutil
import subprocess
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
)

from zigcc.errors import ZigccError
from zigcc.frontend import children
from zigcc.frontend.index import Sources
from zigcc.target.model import Target


@dataclass(frozen=True)
class Pin:
    """One resolved requirement: ``name==version``, under ``marker`` (None: always)."""

    name: NormalizedName
    version: str  # "" for a local project: its wheel says
    marker: Marker | None = None
    path: str = ""  # a local project folder or sdist (``./app``, ``name @ file:///...``)

    def __str__(self) -> str:
        return self.path or f"{self.name}=={self.version}"


def marker_environment(target: Target, full_version: str,
                       implementation: str = "cpython") -> dict[str, str]:
    """The PEP 508 marker environment of a CPython ``full_version`` on ``target``."""
    major_minor = ".".join(full_version.split(".")[:2])
    return {
        **target.platform.markers(target),
        "implementation_name": implementation,
        "implementation_version": full_version,
        "platform_python_implementation": {"cpython": "CPython"}.get(implementation,
                                                                     implementation),
        "platform_release": "", "platform_version": "",
        "python_version": major_minor, "python_full_version": full_version,
    }


def compile_command(uv: str, requirements: Path, python: str, version: str,
                    constraints: Sequence[Path], sources: Sources) -> list[str]:
    """``uv pip compile`` of ``requirements`` for every platform, from CPython ``version``
    up; sdists' metadata is prepared with ``python`` (the build interpreter)."""
    cmd = [uv, "pip", "compile", "--universal", "--python-version", version,
           "--python", python, "--no-header", "--no-annotate", "--quiet", str(requirements)]
    for file in constraints:
        cmd += ["--constraints", str(file)]
    return cmd + sources.uv_args()


def parse_pins(text: str) -> list[Pin]:
    """The pins of ``uv pip compile`` output (``name==version ; marker`` lines)."""
    pins: list[Pin] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        if line.startswith(("/", "./", "../", "file:")):  # uv prints local paths bare
            path = _local(line)
            pins.append(Pin(_local_name(path), "", path=path))
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise ZigccError(f"uv pip compile printed {line!r}, which is not a "
                             f"requirement: {str(exc).splitlines()[0]}") from None
        if req.url:
            pins.append(Pin(canonicalize_name(req.name), "", req.marker, _local(req.url)))
            continue
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise ZigccError(f"uv pip compile printed {line!r}, not a name==version pin")
        pins.append(Pin(canonicalize_name(req.name), specs[0].version, req.marker))
    return pins


def for_target(pins: Sequence[Pin], environment: Mapping[str, str]) -> list[Pin]:
    """The pins whose markers hold in ``environment``; one per name (uv forks a name into
    versions under exclusive markers)."""
    chosen: dict[NormalizedName, Pin] = {}
    for pin in pins:
        if pin.marker is not None and not pin.marker.evaluate({**environment, "extra": ""}):
            continue
        other = chosen.get(pin.name)
        if other is not None and other.version != pin.version:
            raise ZigccError(f"uv resolved {pin.name} to {other.version} and {pin.version} "
                             "for the same target; pin one in a constraints file (-c)")
        chosen[pin.name] = pin
    return sorted(chosen.values(), key=lambda p: p.name)


def requirements_file(requirements: Sequence[str], files: Sequence[Path], dest: Path) -> Path:
    """One ``requirements.in`` of the command line's requirements and ``-r`` files."""
    lines: list[str] = []
    for req in requirements:
        if Path(req).exists():  # a local project: a folder or an sdist
            lines.append(str(Path(req).absolute()))
            continue
        try:
            Requirement(req)
        except InvalidRequirement as exc:
            raise ZigccError(f"requirement {req!r}: {str(exc).splitlines()[0]}; write it as "
                             "PEP 508 does, e.g. 'pyyaml>=6' or 'numpy==2.3.5'") from None
        lines.append(req)
    for file in files:
        if not file.is_file():
            raise ZigccError(f"-r {file}: no such file; pass a requirements file")
        lines.append(f"-r {file.absolute()}")
    if not lines:
        raise ZigccError("no requirements: name some (zigcc wheelhouse numpy 'pyyaml>=6') or "
                         "pass -r requirements.txt")
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def uv_binary() -> str:
    """uv's executable: the ``uv`` package's, else one on PATH."""
    try:
        from uv import find_uv_bin
        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found:
            return found
    raise ZigccError("zigcc wheelhouse resolves with uv, which is not installed: "
                     "pip install uv")


def resolve(requirements: Path, python: str, version: str, constraints: Sequence[Path],
            sources: Sources, environ: Mapping[str, str], log: Path) -> list[Pin]:
    """Every pin of a universal resolution (uv's output kept in ``log``)."""
    cmd = compile_command(uv_binary(), requirements, python, version, constraints, sources)
    done = children.run(cmd, env=dict(environ), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
    log.write_text(f"$ {' '.join(cmd)}\n{done.stdout}\n{done.stderr}", encoding="utf-8")
    if done.returncode != 0:
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
        why = next((ln for ln in lines if not ln.startswith(("Resolved", "Using"))), "")
        raise ZigccError(f"uv could not resolve the requirements for CPython {version}: "
                         f"{why or 'see ' + str(log)} (uv's output: {log})")
    return parse_pins(done.stdout)



def _local(url: str) -> str:
    """The path of a local requirement (``file:///x`` or a path); others are refused: a
    wheelhouse is built from an index and local projects."""
    if url.startswith("file://"):
        return urllib.parse.unquote(urllib.parse.urlparse(url).path)
    if "://" in url:
        raise ZigccError(f"{url}: a direct URL requirement; zigcc wheelhouse takes index "
                         "requirements and local projects (a folder or an sdist)")
    return url


def _local_name(path: str) -> NormalizedName:
    """A local project's name for the summary: its sdist's, else its folder's."""
    try:
        return parse_sdist_filename(Path(path).name)[0]
    except InvalidSdistFilename:
        return canonicalize_name(Path(path).name)
