"""The build interpreter: the CPython that runs the build backend (same X.Y as the target).

It is found on PATH or under pyenv (or given), and asked once for its version, ABI flags and
``build_time_vars`` (the target environment keeps every key it has).  Side effects (running the
interpreter, scanning folders) live here; :func:`candidates` only lists the names in pyenv's
versions folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zigcc.errors import ZigccError
from zigcc.python.naming import cpython_tag

_QUERY = r"""
import json, platform, sys, sysconfig
name = sysconfig._get_sysconfigdata_name()
module = __import__(name, fromlist=["build_time_vars"])
print(json.dumps({"version": list(sys.version_info[:2]), "abiflags": sys.abiflags,
                  "executable": sys.executable, "name": name,
                  "version_full": platform.python_version(),
                  "include": sysconfig.get_path("include"),
                  "vars": {k: v for k, v in module.build_time_vars.items()
                           if isinstance(v, (str, int))}}))
"""


@dataclass(frozen=True)
class BuildPython:
    executable: str
    version: tuple[int, int]
    abiflags: str
    build_vars: Mapping[str, object] = field(repr=False, hash=False)
    version_full: str = ""
    include_dir: str = ""  # its C headers (the platform-neutral Include/ tree + pyconfig.h)

    @property
    def tag(self) -> str:
        return cpython_tag(self.version, self.abiflags)


def candidates(version: tuple[int, int], abiflags: str, path_dirs: Sequence[str],
               pyenv_root: Path | None) -> list[str]:
    """Executables that may be CPython ``version`` (with ``abiflags``), best first."""
    name = f"python{version[0]}.{version[1]}{abiflags}"
    out = [str(Path(d) / name) for d in path_dirs if d]
    if pyenv_root is not None:
        prefix = f"{version[0]}.{version[1]}."
        versions = pyenv_root / "versions"
        if versions.is_dir():
            for v in sorted(versions.iterdir(), reverse=True):
                if v.name.startswith(prefix) and v.name[len(prefix):].split("t")[0].isdigit():
                    out.append(str(v / "bin" / name))
    return out


OLDEST = (3, 8)  # the oldest build interpreter: the dump tool's floor


def query(executable: str, origin: str = "--build-python") -> BuildPython:
    """Ask ``executable`` for its version, ABI flags and build_time_vars; ``origin`` names
    where it came from in an error (the option, or the search)."""
    fix = f"pass --build-python with a CPython {OLDEST[0]}.{OLDEST[1]}+ executable"
    try:
        run = subprocess.run([executable, "-I", "-c", _QUERY], capture_output=True, text=True,
                             timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        why = getattr(exc, "strerror", None) or "it did not answer in 120 s"
        raise ZigccError(f"{origin} {executable}: cannot run it ({why}); {fix}") from None
    try:
        if run.returncode != 0:
            raise ValueError(run.returncode)
        data = json.loads(run.stdout)
        found = BuildPython(executable, (int(data["version"][0]), int(data["version"][1])),
                            str(data["abiflags"]), dict(data["vars"]),
                            str(data["version_full"]), str(data["include"] or ""))
    except (ValueError, KeyError, TypeError, IndexError):
        last = (run.stderr.strip().splitlines() or ["no output"])[-1][:200] \
            if run.returncode else "it did not answer as a CPython does"
        raise ZigccError(f"{origin} {executable}: not a CPython zigcc can build with "
                         f"({last}); {fix}") from None
    if found.version < OLDEST:
        raise ZigccError(f"{origin} {executable}: CPython {found.version_full} is older than "
                         f"{OLDEST[0]}.{OLDEST[1]}; {fix}")
    return found


def find(version: tuple[int, int], abiflags: str, env: Mapping[str, str]) -> BuildPython:
    """The first working interpreter of ``version`` on PATH or under pyenv."""
    root = env.get("PYENV_ROOT") or (str(Path(env["HOME"]) / ".pyenv") if "HOME" in env
                                     else None)
    path_dirs = env.get("PATH", "").split(os.pathsep)
    for exe in candidates(version, abiflags, path_dirs, Path(root) if root else None):
        if os.access(exe, os.X_OK) and not _is_pyenv_shim(exe):
            try:
                found = query(exe, "found on PATH or under pyenv:")
            except ZigccError:
                continue  # a broken or too old candidate: the next one may work
            if found.version == version and found.abiflags == abiflags:
                return found
    want = f"python{version[0]}.{version[1]}{abiflags}"
    raise ZigccError(f"no {want} found on PATH or under pyenv: install CPython "
                     f"{version[0]}.{version[1]}{abiflags} or pass --build-python /path/to/{want}")


def _is_pyenv_shim(exe: str) -> bool:
    """pyenv's shims fail for versions not selected; the versions folder is searched instead."""
    return os.sep + "shims" + os.sep in exe and ".pyenv" in exe


def resolve(executable: str) -> BuildPython:
    """An explicitly given interpreter (a name on PATH or a path)."""
    found = shutil.which(executable) or executable
    return query(found)
