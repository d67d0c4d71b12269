"""``build-backend = "zigcc.backend"``: any PEP 517 backend, run in zigcc's target environment.

``[tool.zigcc] backend = "mesonpy"`` (or ``scikit_build_core.build``,
``setuptools.build_meta`` — the default) names the backend this one wraps.  Every PEP 517 and
PEP 660 hook is forwarded; the wheel hooks run the wrapped backend in a child process that sees
only the target (the same target environment, CMake toolchain file and meson cross file as
``zigcc build``), then the wheel is verified and retagged for the target.

Config settings choose the target (:mod:`zigcc.frontend.configsettings`): zigcc's own
``-C zigcc:target=manylinux_2_17_aarch64`` and ``-C zigcc:python=PATH`` (a sysroot, pack,
dump or build-details.json; with none the target is this machine and this interpreter), and
the draft cross-compiling PEP's ``system:host``, ``system:platform_tag``, ``system:sysroot``,
``system:host_prefix``, ``system:include_dirs``/``lib_dirs``/``cflags``/``cxxflags``/``ldflags``
and ``system:cc``/``system:c++`` (only zigcc's own shims).  Any other ``zigcc:`` or
``system:`` key is refused with one line; the rest go to the wrapped backend.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

from zigcc.errors import ZigccError

ConfigSettings = Optional[Mapping[str, Any]]
# The wrapped backend's distribution, added to the build requirements.
DISTRIBUTIONS = {"setuptools.build_meta": "setuptools>=64", "mesonpy": "meson-python",
                 "scikit_build_core.build": "scikit-build-core>=0.10",
                 "hatchling.build": "hatchling", "flit_core.buildapi": "flit_core",
                 "pdm.backend": "pdm-backend", "maturin": "maturin"}


def _one_line(hook: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input ends the backend process with one ``ERROR`` line, not a traceback."""
    @functools.wraps(hook)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return hook(*args, **kwargs)
        except ZigccError as exc:
            print(f"ERROR {exc}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        except OSError as exc:  # a cache or temporary folder that cannot be written
            where = exc.filename or "(no path given by the system)"
            print(f"ERROR {exc.strerror or type(exc).__name__}: {where} (check the path and "
                  "its permissions; ZIGCC_CACHE_DIR moves zigcc's cache, TMPDIR the "
                  "temporary folders)", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
    return run


def _inner() -> str:
    from zigcc.frontend.source import read_pyproject, zigcc_table

    backend = zigcc_table(read_pyproject(Path.cwd())).get("backend", "setuptools.build_meta")
    if not isinstance(backend, str) or not backend or backend == "zigcc.backend":
        raise ZigccError(f"[tool.zigcc] backend = {backend!r}: name the build backend to wrap, "
                         "e.g. \"mesonpy\" or \"scikit_build_core.build\"")
    module = backend.split(":")[0]
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        dist = DISTRIBUTIONS.get(module, "the distribution that provides it")
        raise ZigccError(f"[tool.zigcc] backend = {backend!r}: no module {module!r} in the "
                         f"build environment; add {dist} to [build-system] requires")
    return backend


def _caller(extra: Mapping[str, str]) -> Any:
    from pyproject_hooks import BuildBackendHookCaller

    from zigcc.frontend.run import Runner

    runner = Runner(os.environ, extra, sys.stderr)
    return BuildBackendHookCaller(str(Path.cwd()), _inner(), python_executable=sys.executable,
                                  runner=runner)


@contextmanager
def _target_caller(settings: ConfigSettings) -> Iterator[tuple[Any, dict[str, Any], Any]]:
    """(hook caller running the wrapped backend in the target environment, its config
    settings, a function that verifies and keeps a built wheel)."""
    from zigcc.backends import wiring
    from zigcc.config import Settings
    from zigcc.frontend.configsettings import parse_settings
    from zigcc.frontend.matrix import default_target
    from zigcc.frontend.pythons import resolve_python
    from zigcc.frontend.run import hook_environ, prepare_target
    from zigcc.target import host
    from zigcc.target.model import parse
    from zigcc.verify.keep import keep

    cross = parse_settings(settings)
    env = Settings.from_env(os.environ)
    machine = host.detect()
    target = parse(cross.target or default_target(machine), machine)
    work = Path(tempfile.mkdtemp(prefix="zigcc-backend-"))
    try:
        version = "{}.{}{}".format(*sys.version_info[:2], sys.abiflags)
        tp, bp = resolve_python(cross.python or version, target, machine, sys.executable,
                                env, work)
        prefix = work / "prefix"
        # The build's own environment: a venv, or pip's overlay folders (on sys.path).
        roots = [sys.prefix, *[p for p in sys.path
                               if p.endswith(("site-packages", "dist-packages"))]]
        prepared = prepare_target(target, tp, env, machine, work / "backend",
                                  prefix, roots)
        wiring.check_compilers(prepared.toolchain, cc=cross.cc, cxx=cross.cxx)
        extra, _ = hook_environ(target, tp, prepared, bp.build_vars, env, prefix,
                                os.environ.get("PYTHONPATH"))
        flags = wiring.ExtraFlags(tuple(cross.compile_flags(cxx=False)),
                                      tuple(cross.compile_flags(cxx=True)),
                                      tuple(cross.link_flags()))
        extra.update(flags.environ(os.environ))
        config = wiring.config_settings(_inner(), prepared.files, cross.backend, flags)

        def keeper(built: Path, out_dir: Path) -> Path:
            return keep(built, target, tp, out_dir, sys.stderr)

        yield _caller(extra), config, keeper
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(hook: str, settings: ConfigSettings, *args: Any) -> Any:
    """Call ``hook`` of the wrapped backend in the target environment."""
    with _target_caller(settings) as (caller, config, _):
        return getattr(caller, hook)(*args, config_settings=config)


def _build(kind: str, wheel_directory: str, settings: ConfigSettings) -> str:
    with _target_caller(settings) as (caller, config, keeper):
        dist = Path(tempfile.mkdtemp(prefix="zigcc-dist-"))
        try:
            if kind == "editable":  # a pointer to this folder, for this machine: kept as is
                name = caller.build_editable(str(dist), config)
                shutil.move(str(dist / name), Path(wheel_directory) / name)
                return str(name)
            # Not the frontend's metadata folder: a backend without prepare_metadata leaves
            # an unverified wheel there, which pyproject_hooks would hand out as is.
            name = caller.build_wheel(str(dist), config)
            return str(keeper(dist / name, Path(wheel_directory)).name)
        finally:
            shutil.rmtree(dist, ignore_errors=True)


# ---- PEP 517 -----------------------------------------------------------------------------
@_one_line
def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    return _requires("get_requires_for_build_wheel", config_settings)


@_one_line
def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    return _requires("get_requires_for_build_sdist", config_settings)


@_one_line
def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    return _requires("get_requires_for_build_editable", config_settings)


def _requires(hook: str, settings: ConfigSettings) -> list[str]:
    """The wrapped backend's distribution, plus what it asks for once it is installed."""
    from zigcc.frontend.configsettings import parse_settings

    parse_settings(settings)  # refuse unknown or conflicting keys before installing anything
    inner = _inner()
    own = [DISTRIBUTIONS.get(inner.split(":")[0], inner.split(".")[0].replace("_", "-"))]
    try:
        __import__(inner.split(":")[0])
    except ImportError:
        return own
    return own + list(_run(hook, settings))


@_one_line
def prepare_metadata_for_build_wheel(metadata_directory: str,
                                     config_settings: ConfigSettings = None) -> str:
    return _metadata("prepare_metadata_for_build_wheel", metadata_directory, config_settings)


@_one_line
def prepare_metadata_for_build_editable(metadata_directory: str,
                                        config_settings: ConfigSettings = None) -> str:
    return _metadata("prepare_metadata_for_build_editable", metadata_directory,
                     config_settings)


def _metadata(hook: str, metadata_directory: str, settings: ConfigSettings) -> str:
    """The wrapped backend's metadata, made in a private folder: only the .dist-info is
    handed on (a backend without this hook builds a whole wheel to get it)."""
    with _target_caller(settings) as (caller, config, _):
        private = Path(tempfile.mkdtemp(prefix="zigcc-metadata-"))
        try:
            name = str(getattr(caller, hook)(str(private), config_settings=config))
            shutil.copytree(private / name, Path(metadata_directory) / name)
            return name
        finally:
            shutil.rmtree(private, ignore_errors=True)


@_one_line
def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    return str(_run("build_sdist", config_settings, sdist_directory))


@_one_line
def build_wheel(wheel_directory: str, config_settings: ConfigSettings = None,
                metadata_directory: str | None = None) -> str:
    return _build("wheel", wheel_directory, config_settings)


@_one_line
def build_editable(wheel_directory: str, config_settings: ConfigSettings = None,
                   metadata_directory: str | None = None) -> str:
    return _build("editable", wheel_directory, config_settings)
