"""The project to build: a folder or an sdist, unpacked once, copied fresh for every build."""

from __future__ import annotations

import re
import shutil
import sys
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zigcc.errors import ZigccError

# Top-level folders of a working tree that are build output, never build input.
_SKIP = (".git", ".hg", ".tox", ".nox", ".venv", "venv", "build", "dist", "wheelhouse",
         "__pycache__", ".mypy_cache", ".pytest_cache")


def unpack(src: Path, work: Path) -> Path:
    """The project folder of ``src`` (a folder, or an sdist unpacked under ``work``)."""
    if src.is_dir():
        if not (src / "pyproject.toml").is_file() and not (src / "setup.py").is_file():
            raise ZigccError(f"{src}: no pyproject.toml or setup.py here; pass a project "
                             "folder or an sdist (.tar.gz)")
        return src.resolve()
    if not src.is_file():
        raise ZigccError(f"{src}: no such file or folder; pass a project folder or an sdist")
    dest = work / "sdist"
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if src.name.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(src) as tf:
                if sys.version_info >= (3, 12):
                    tf.extractall(dest, filter="data")
                else:
                    _check_members(src, [m.name for m in tf.getmembers()])
                    tf.extractall(dest)
        elif src.suffix == ".zip":
            with zipfile.ZipFile(src) as zf:
                _check_members(src, zf.namelist())
                zf.extractall(dest)
        else:
            raise ZigccError(f"{src}: not an sdist (.tar.gz or .zip) nor a project folder")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ZigccError(f"{src}: cannot unpack this sdist ({exc}); download it again") from None
    tops = [p for p in dest.iterdir() if p.is_dir()]
    if len(tops) != 1 or (not (tops[0] / "pyproject.toml").is_file() and not (
            tops[0] / "setup.py").is_file()):
        raise ZigccError(f"{src}: an sdist holds one folder with a pyproject.toml or setup.py")
    return tops[0]


def _check_members(src: Path, names: list[str]) -> None:
    for name in names:
        if name.startswith("/") or ".." in Path(name).parts:
            raise ZigccError(f"{src}: member {name!r} points outside the archive")


def fresh_copy(project: Path, dest: Path, out_dir: Path) -> Path:
    """A private copy of the project for one build (builds run in parallel, in-tree)."""
    def ignore(folder: str, names: list[str]) -> list[str]:
        if Path(folder) != project:
            return []
        return [n for n in names if n in _SKIP or (project / n) == out_dir
                or n.endswith(".egg-info")]

    shutil.copytree(project, dest, symlinks=True, ignore=ignore)
    return dest


def read_pyproject(project: Path) -> Mapping[str, Any]:
    """The parsed pyproject.toml ({} when the project has none)."""
    path = project / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return _toml_loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ZigccError(f"{path}: not valid TOML ({exc})") from None


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)
    import tomli  # type: ignore[import-not-found,unused-ignore]  # pypa/build needs it there

    result: dict[str, Any] = tomli.loads(text)
    return result


def backend_of(pyproject: Mapping[str, Any]) -> str:
    """The build backend's module (setuptools' legacy backend when none is named)."""
    system = pyproject.get("build-system", {})
    backend = system.get("build-backend") if isinstance(system, Mapping) else None
    return backend if isinstance(backend, str) else "setuptools.build_meta:__legacy__"


def check_backend_key(pyproject: Mapping[str, Any]) -> None:
    """``[tool.zigcc] backend`` is read by ``zigcc.backend`` only: refuse it elsewhere."""
    table = zigcc_table(pyproject)
    backend = backend_of(pyproject)
    if "backend" in table and backend.split(":")[0] != "zigcc.backend":
        raise ZigccError(f"[tool.zigcc] backend = {table['backend']!r} is read by "
                         f"build-backend = \"zigcc.backend\" only, but this project's is "
                         f"{backend!r}; set build-backend = \"zigcc.backend\" or drop the key")


def zigcc_table(pyproject: Mapping[str, Any]) -> Mapping[str, Any]:
    tool = pyproject.get("tool", {})
    table = tool.get("zigcc", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(table, Mapping):
        raise ZigccError("[tool.zigcc] must be a table")
    return table


def unwrap(copy: Path) -> str:
    """The backend a build of ``copy`` runs.  A project built with ``zigcc.backend`` (which
    applies zigcc's target environment itself) is given the backend it wraps instead, in this
    private copy's pyproject.toml: the frontend applies the target environment already."""
    pyproject = read_pyproject(copy)
    backend = backend_of(pyproject)
    if backend.split(":")[0] != "zigcc.backend":
        return backend
    inner = zigcc_table(pyproject).get("backend", "setuptools.build_meta")
    path = copy / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    new = re.sub(r'(?m)^(\s*build-backend\s*=\s*)(["\'])zigcc\.backend\2',
                 lambda m: f'{m.group(1)}"{inner}"', text)
    if new == text:
        raise ZigccError(f"{path}: build-backend names zigcc.backend in a form zigcc cannot "
                         "rewrite; write it as build-backend = \"zigcc.backend\"")
    path.write_text(new, encoding="utf-8")
    return str(inner)
