"""An isolated build environment for any build interpreter (pypa/build's IsolatedEnv protocol).

pypa/build's own environment always uses the interpreter running it; a target matrix needs
CPython 3.9 ... 3.13 side by side.  The venv is made by the build interpreter itself (no pip in
it), and requirements are installed by this interpreter's pip with ``--python`` (pip >= 22.3),
with the *build* machine's environment: no target variable reaches pip, so it picks wheels
for the build machine.  A build interpreter this pip no longer supports (pip 26 needs 3.10+;
a 3.9 build) gets the pip its own ``ensurepip`` bundles, in the venv.

``ZIGCC_INSTALLER=uv`` installs with uv instead (as pypa/build's ``--installer uv``): about
five times faster per install.  uv reads no pip configuration, so ``PIP_FIND_LINKS``,
``PIP_INDEX_URL`` and ``PIP_EXTRA_INDEX_URL`` are handed to it as their ``UV_`` equivalents.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import IO

from zigcc.errors import ZigccError
from zigcc.frontend import children, logscan


class VenvEnv:
    """A throw-away venv of ``interpreter`` under ``parent``; logs go to ``log``."""

    def __init__(self, interpreter: str, parent: Path, environ: Mapping[str, str],
                 log: IO[str]) -> None:
        self._interpreter = interpreter
        self._environ = dict(environ)
        self._log = log
        self.path = Path(tempfile.mkdtemp(prefix="venv-", dir=parent))
        self._run([interpreter, "-m", "venv", "--without-pip", str(self.path)],
                  "create a venv")
        self._pip = [sys.executable, "-m", "pip", "--python", self.python_executable]
        self._installer = installer(environ)
        if self._installer is not None:
            self._pip = [self._installer, "pip"]
        elif not pip_supports(venv_version(self.path)):
            self._run([self.python_executable, "-m", "ensurepip", "--default-pip"],
                      "install pip into the venv (this pip does not support its Python)")
            self._pip = [self.python_executable, "-m", "pip"]
            # ensurepip of 3.9 also installs setuptools 58: an isolated environment holds
            # only what the project asks for (its setuptools>=N would be "satisfied").
            self._run([*self._pip, "uninstall", "-y", "-q", "setuptools"],
                      "remove ensurepip's setuptools")

    def log_to(self, log: IO[str]) -> None:
        """Log into ``log`` from now on (a shared environment's next build)."""
        self._log = log

    @property
    def python_executable(self) -> str:
        return str(self.path / "bin" / "python")

    def make_extra_environ(self) -> Mapping[str, str]:
        scripts = str(self.path / "bin")
        return {"PATH": scripts + os.pathsep + self._environ.get("PATH", ""),
                "VIRTUAL_ENV": str(self.path)}

    def install(self, requirements: Collection[str]) -> None:
        if not requirements:
            return
        with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=self.path, delete=False,
                                         encoding="utf-8") as req:
            req.write("\n".join(sorted(requirements)) + "\n")
        what = "install the build requirements " + ", ".join(sorted(requirements))
        cmd = install_command(self._pip, self._installer is not None, self.python_executable,
                              req.name, self._environ)
        self._run(cmd, what, uv_environ(self._environ) if self._installer else None)

    def _run(self, cmd: list[str], what: str, environ: Mapping[str, str] | None = None
             ) -> None:
        env = {k: v for k, v in (environ or self._environ).items()
               if k not in ("PYTHONPATH", "_PYTHON_HOST_PLATFORM",
                            "_PYTHON_SYSCONFIGDATA_NAME", "VIRTUAL_ENV")}
        self._log.write(f"$ {' '.join(cmd)}\n")
        self._log.flush()
        run = children.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, errors="replace")
        self._log.write(run.stdout)
        self._log.flush()
        if run.returncode != 0:
            reason = logscan.first_error(run.stdout)
            said = f": {reason[0]}" if reason else "; see the build log"
            raise ZigccError(f"could not {what} (exit {run.returncode}){said}")


def install_command(installer: Sequence[str], uv: bool, python: str, requirements: str,
                    environ: Mapping[str, str]) -> list[str]:
    """The command installing a requirements file into a build environment.

    Every build that shares the environment starts its hooks in fresh processes: when those
    write no bytecode (``PYTHONDONTWRITEBYTECODE``), each would compile the backend's modules
    again (setuptools: 0.24 s instead of 0.12 s per hook), so the installer compiles them
    once; otherwise the first hook writes them, and installing skips it as pypa/build does.
    """
    compiled = bool(environ.get("PYTHONDONTWRITEBYTECODE"))
    if uv:
        return [*installer, "install", "--python", python,
                *(["--compile-bytecode"] if compiled else []), "-r", requirements]
    return [*installer, "install", "--no-warn-script-location",
            *([] if compiled else ["--no-compile"]), "--no-input",
            "--disable-pip-version-check", "-r", requirements]


def venv_version(venv: Path) -> str | None:
    """The Python version a venv's ``pyvenv.cfg`` records (``version = 3.9.18``)."""
    try:
        text = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip()
    return None


def pip_supports(version: str | None) -> bool:
    """True when the running pip may install into CPython ``version`` (unknown: True)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("pip")
    except PackageNotFoundError:
        return True
    return version is None or pip_admits(version, meta["Requires-Python"] or "",
                                         meta.get_all("Classifier") or [])


def pip_admits(version: str, requires: str, classifiers: Sequence[str]) -> bool:
    """A pip of this Requires-Python and these classifiers may install into CPython
    ``version``: its Requires-Python admits it, and it is no newer than the newest CPython
    the classifiers name (pip 23.2 runs under 3.15 and crashes: a pip older than the
    interpreter is not trusted; the venv's own ensurepip pip is)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        if requires and not SpecifierSet(requires).contains(version, prereleases=True):
            return False
        prefix = "Programming Language :: Python :: "
        known = [Version(c[len(prefix):]) for c in classifiers if c.startswith(prefix + "3.")]
        wanted = Version(".".join(Version(version).base_version.split(".")[:2]))
    except (InvalidSpecifier, InvalidVersion):
        return True
    return not known or wanted <= max(known)


def installer(environ: Mapping[str, str]) -> str | None:
    """uv's executable when ``ZIGCC_INSTALLER=uv``; None for pip (the default)."""
    import shutil

    choice = environ.get("ZIGCC_INSTALLER", "pip")
    if choice == "pip":
        return None
    if choice != "uv":
        raise ZigccError(f"ZIGCC_INSTALLER={choice!r}: use pip (the default) or uv")
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found,unused-ignore]

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv", path=environ.get("PATH"))
        if found is None:
            raise ZigccError("ZIGCC_INSTALLER=uv but uv is not installed; "
                             "pip install uv, or unset ZIGCC_INSTALLER") from None
        return found


def uv_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with pip's index settings also given to uv (unless uv's are set)."""
    out = dict(environ)
    for pip, uv in (("PIP_FIND_LINKS", "UV_FIND_LINKS"), ("PIP_INDEX_URL", "UV_INDEX_URL"),
                    ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL")):
        if environ.get(pip) and uv not in environ:
            out[uv] = environ[pip].replace(" ", ",") if uv == "UV_FIND_LINKS" else environ[pip]
    return out


PoolKey = tuple[str, frozenset[str], tuple[tuple[str, str], ...]]


class EnvPool:
    """Prepared build environments that later builds take again instead of installing the
    same requirements anew: one per (interpreter, build-system requires, the installer's
    variables), shared across targets and projects while it holds exactly those requirements,
    and across the targets of one project when the backend asked for more
    (``get_requires_for_build_wheel``).  An environment is in one build at a time."""

    # the variables that change what an install gives
    INSTALLER_VARS = ("PIP_CONSTRAINT", "UV_CONSTRAINT", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
                      "PIP_FIND_LINKS", "ZIGCC_INSTALLER")

    def __init__(self) -> None:
        self._free: dict[tuple[PoolKey, str | None], list[VenvEnv]] = {}
        self._lock = threading.Lock()

    def key(self, interpreter: str, requires: Collection[str], environ: Mapping[str, str]
            ) -> PoolKey:
        return (interpreter, frozenset(requires),
                tuple((k, environ.get(k, "")) for k in self.INSTALLER_VARS))

    def take(self, key: PoolKey, project: str) -> VenvEnv | None:
        with self._lock:
            for owner in (project, None):
                free = self._free.get((key, owner))
                if free:
                    return free.pop()
        return None

    def give(self, key: PoolKey, env: VenvEnv, project: str | None) -> None:
        """Back into the pool; ``project``: only that project's builds take it (None: any)."""
        with self._lock:
            self._free.setdefault((key, project), []).append(env)
