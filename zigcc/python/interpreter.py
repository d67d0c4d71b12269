"""The build interpreter: the CPython that runs the build backend (same X.Y as the target).

It is found on PATH, under pyenv or among uv's managed Pythons (or given), and asked once for its version, ABI flags and
``build_time_vars`` (the target environment keeps every key it has).  Side effects (running the
interpreter, scanning folders) live here; :func:`candidates` only lists the names in pyenv's
versions folder.
"""

from __future__ import annotations

import json
import os
import re
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
               pyenv_root: Path | None, uv_root: Path | None = None) -> list[str]:
    """Executables that may be CPython ``version`` (with ``abiflags``), best first: on PATH,
    under pyenv (``versions/3.14.1``, ``3.14.1t``), among uv's managed Pythons
    (``cpython-3.14.1-linux-x86_64-gnu``, ``cpython-3.14.1+freethreaded-...``), newest first."""
    name = f"python{version[0]}.{version[1]}{abiflags}"
    out = [str(Path(d) / name) for d in path_dirs if d]
    prefix = f"{version[0]}.{version[1]}."
    if pyenv_root is not None and (pyenv_root / "versions").is_dir():
        for v in sorted((pyenv_root / "versions").iterdir(), key=_newest):
            if v.name.startswith(prefix) and v.name[len(prefix):].split("t")[0].isdigit():
                out.append(str(v / "bin" / name))
    if uv_root is not None and uv_root.is_dir():
        threaded = "t" in abiflags
        for v in sorted(uv_root.iterdir(), key=_newest):
            release, _, variant = v.name.partition("+")
            if release.startswith(f"cpython-{prefix}") and \
                    ("freethreaded" in variant) == threaded and "debug" not in variant:
                out.append(str(v / "bin" / name))
    return out


def _newest(folder: Path) -> tuple[int, ...]:
    """A sort key putting the newest micro release first (``3.12.10`` before ``3.12.9``)."""
    digits = [int(x) for x in re.findall(r"\d+", folder.name.split("+")[0])[:3]]
    return tuple(-d for d in digits)


def uv_python_dir(env: Mapping[str, str]) -> Path | None:
    """Where uv keeps its managed Pythons (``uv python dir``)."""
    if env.get("UV_PYTHON_INSTALL_DIR"):
        return Path(env["UV_PYTHON_INSTALL_DIR"])
    data = env.get("XDG_DATA_HOME") or (str(Path(env["HOME"]) / ".local" / "share")
                                        if "HOME" in env else None)
    return Path(data) / "uv" / "python" if data else None


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
    """The first working interpreter of ``version`` on PATH, under pyenv or among uv's."""
    root = env.get("PYENV_ROOT") or (str(Path(env["HOME"]) / ".pyenv") if "HOME" in env
                                     else None)
    path_dirs = env.get("PATH", "").split(os.pathsep)
    for exe in candidates(version, abiflags, path_dirs, Path(root) if root else None,
                          uv_python_dir(env)):
        if os.access(exe, os.X_OK) and not _is_pyenv_shim(exe):
            try:
                found = query(exe, "found on PATH, under pyenv or uv:")
            except ZigccError:
                continue  # a broken or too old candidate: the next one may work
            if found.version == version and found.abiflags == abiflags:
                return found
    want = f"python{version[0]}.{version[1]}{abiflags}"
    spec = f"{version[0]}.{version[1]}{abiflags}"
    raise ZigccError(f"no {want} found on PATH, under pyenv or among uv's Pythons: install "
                     f"one (`uv python install {spec}` or `pyenv install {spec}`) or pass "
                     f"--build-python /path/to/{want}")


def _is_pyenv_shim(exe: str) -> bool:
    """pyenv's shims fail for versions not selected; the versions folder is searched instead."""
    return os.sep + "shims" + os.sep in exe and ".pyenv" in exe


def resolve(executable: str) -> BuildPython:
    """An explicitly given interpreter (a name on PATH or a path)."""
    found = shutil.which(executable) or executable
    return query(found)
