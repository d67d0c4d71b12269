"""The target environment: what a build backend's process sees so that it believes it runs on
the target.

:func:`materialise` writes, once per content, a folder holding the target's ``_sysconfigdata``
module and ``python-X.Y.pc`` files (:mod:`zigcc.targetenv.sysconfigdata`) and the start-up hook
(:mod:`zigcc.targetenv.startup`); :func:`hook_environ` gives the variables for the backend's
hooks only: ``PYTHONPATH`` (that folder first), ``_PYTHON_SYSCONFIGDATA_NAME`` and
``_PYTHON_HOST_PLATFORM`` (``sysconfig.get_platform()``, hence setuptools' and packaging's
platform tags), and the build interpreter's own folders for the shims to drop.

Build requirements are installed without any of this (the frontend's job): pip must pick wheels
for the build machine.  ``sysconfig.get_paths()["include"]`` answers with the target's clean
include folder through ``installed_base``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from zigcc.cachedir import publish
from zigcc.errors import ZigccError
from zigcc.python import naming
from zigcc.python.model import TargetPython
from zigcc.target import host
from zigcc.target.model import Target
from zigcc.targetenv.startup import HOOK_NAME, render_hook
from zigcc.targetenv.sysconfigdata import (
    PKGCONFIG,
    render_pkgconfig,
    render_sysconfigdata,
    sysconfig_vars,
)


@dataclass(frozen=True)
class TargetEnv:
    """A materialised target environment: the folder and the backend's variables."""

    folder: Path
    environ: Mapping[str, str]


def host_platform(target: Target) -> str:
    """``_PYTHON_HOST_PLATFORM``: what ``sysconfig.get_platform()`` answers on the target."""
    return target.sysconfig_platform


def backend_environ(folder: Path, name: str, target: Target,
                    inherited_pythonpath: str | None) -> dict[str, str]:
    """The variables for the backend's hooks (and the processes they start)."""
    path = str(folder) + (os.pathsep + inherited_pythonpath if inherited_pythonpath else "")
    out = {"PYTHONPATH": path, "_PYTHON_SYSCONFIGDATA_NAME": name,
           "_PYTHON_HOST_PLATFORM": host_platform(target), "ZIGCC_TARGET": target.zig_target}
    if target.macos_version:  # the tag's minimum OS and CPU, where setuptools, CMake, meson
        # and scikit-build-core (its wheel tag, CMAKE_OSX_ARCHITECTURES) look, as cibuildwheel
        # sets them per arch
        out["MACOSX_DEPLOYMENT_TARGET"] = "{}.{}".format(*target.macos_version)
        out["ARCHFLAGS"] = f"-arch {target.info.macos}"
    return out


def materialise(target: Target, tp: TargetPython, tools: Mapping[str, str],
                build_vars: Mapping[str, object], include_dir: str, cache: Path,
                prefix: str | None = None, inherited_pythonpath: str | None = None
                ) -> TargetEnv:
    """Write the hook folder under ``cache/targetenv/`` (once per content) and describe it."""
    name = naming.sysconfigdata_name(tp, target)
    if name is None:
        raise ZigccError(f"{target.platform_tags[0]}: CPython has no _sysconfigdata module there; "
                         "a target environment is made for Linux and macOS targets only")
    files = {f"{PKGCONFIG}/{pc}": text
             for pc, text in render_pkgconfig(target, tp, include_dir).items()}
    files[HOOK_NAME] = render_hook(target, tp)
    variables = sysconfig_vars(target, tp, tools, build_vars, include_dir, prefix)
    key = hashlib.sha256(json.dumps([name, files, variables], sort_keys=True, default=str)
                         .encode()).hexdigest()[:16]
    folder = cache / "targetenv" / f"{target.ident}-{key}"
    variables["LIBPC"] = str(folder / PKGCONFIG)
    files[f"{name}.py"] = render_sysconfigdata(variables, target)

    def fill(tmp: Path) -> None:
        (tmp / PKGCONFIG).mkdir()
        for file, text in files.items():
            (tmp / file).write_text(text, encoding="utf-8")

    publish(folder, HOOK_NAME, fill)
    environ = backend_environ(folder, name, target, inherited_pythonpath)
    drop = build_interpreter_dirs(build_vars, tp)
    if drop:
        # With them dropped, old distutils' compiles find the target's headers on CPATH
        # (searched after every -I, so a project's own headers still come first).
        environ.update(ZIGCC_HOST_DIRS=os.pathsep.join(drop), CPATH=include_dir)
    return TargetEnv(folder, environ)


def build_interpreter_dirs(build_vars: Mapping[str, object], tp: TargetPython
                           ) -> tuple[str, ...]:
    """The build interpreter's header and library folders, when the target Python is not
    that interpreter: old distutils (setuptools < 60 on 3.9-3.11) adds
    ``<base_prefix>/include/python3.X`` whatever sysconfig says, and its pyconfig.h is the
    build machine's.  The shims drop these folders (``ZIGCC_HOST_DIRS``)."""
    own = str(build_vars.get("INCLUDEPY") or "")
    if not own or (tp.include_dirs and os.path.normpath(tp.include_dirs[0])
                   == os.path.normpath(own)):
        return ()
    includes, libs = host.interpreter_dirs(build_vars)
    found = [*includes, *libs]
    prefix = str(build_vars.get("prefix") or "")
    if prefix:
        found.append(os.path.join(prefix, "include"))
    return tuple(dict.fromkeys(os.path.normpath(d) for d in found if d.startswith("/")))

