"""setuptools plugin: a project that asks for zigcc builds with it, with no configuration.

setuptools calls :func:`finalize` (entry point ``setuptools.finalize_distribution_options``)
for every distribution it builds, in every environment where zigcc is installed.  It acts only
for a project whose ``[build-system] requires`` lists ``zigcc-toolchain`` or that has a
``[tool.zigcc]`` table: then the build compiles with the native target's shims (CC, CXX,
LDSHARED, AR, ... in this process's environment, which distutils reads when it compiles).
A CC the user set explicitly wins, with a one-line notice.  Other projects are untouched.
setuptools does not hand PEP 517 config settings to plugins, so the plugin builds for this
machine only: cross builds go through ``build-backend = "zigcc.backend"`` (which wraps
setuptools.build_meta by default) or ``zigcc build``.  A ``-C zigcc:...`` or ``-C system:...``
setting that reached setuptools.build_meta would be dropped there, giving a wheel for the
wrong machine, so the plugin looks for one in its caller's frame and stops with one line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

DISTRIBUTION = "zigcc-toolchain"


def wants_zigcc(pyproject: Mapping[str, Any]) -> bool:
    """True when the project lists zigcc-toolchain as a build requirement or has
    ``[tool.zigcc]``."""
    tool = pyproject.get("tool")
    if isinstance(tool, Mapping) and "zigcc" in tool:
        return True
    system = pyproject.get("build-system")
    requires = system.get("requires", []) if isinstance(system, Mapping) else []
    for item in requires if isinstance(requires, list) else []:
        try:
            if canonicalize_name(Requirement(str(item)).name) == DISTRIBUTION:
                return True
        except InvalidRequirement:
            continue
    return False


def finalize(dist: object) -> None:
    """The entry point: point this build at zig when the project asks for zigcc."""
    from zigcc.errors import ZigccError
    from zigcc.frontend.source import check_backend_key, read_pyproject

    pyproject = read_pyproject(Path.cwd())
    if not wants_zigcc(pyproject):
        return
    try:
        check_backend_key(pyproject)
    except ZigccError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    asked = [k for k in _build_meta_settings() if k.startswith(("zigcc:", "system:"))]
    if asked:
        print(f"ERROR config setting {asked[0]} went to setuptools.build_meta, which does not "
              "pass config settings to plugins; set build-backend = \"zigcc.backend\" (it "
              "wraps setuptools) to cross-build, or use `zigcc build`", file=sys.stderr)
        raise SystemExit(2)
    if os.environ.get("CC"):
        print(f"zigcc: CC={os.environ['CC']} was set explicitly; building with it, not zig",
              file=sys.stderr)
        return
    from zigcc.config import Settings
    from zigcc.target import host
    from zigcc.target.model import native
    from zigcc.toolchain.envvars import build_env
    from zigcc.toolchain.folder import toolchain_for

    settings = Settings.from_env(os.environ)
    machine = host.detect()
    tc = toolchain_for(native(machine), machine, settings)
    os.environ.update(build_env(tc))


def _build_meta_settings() -> Mapping[str, Any]:
    """The config settings setuptools.build_meta's hook was called with (it keeps them in a
    local variable of that name), or none when not called from there."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if Path(code.co_filename).parts[-2:] == ("setuptools", "build_meta.py"):
            settings = frame.f_locals.get("config_settings")
            if isinstance(settings, Mapping):
                return settings
        frame = frame.f_back  # type: ignore[assignment]
    return {}


finalize.order = 100  # type: ignore[attr-defined]  # after setuptools' own hooks
