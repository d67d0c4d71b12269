"""Shared fixtures, and the rule that marks tests slow.

Slow tests run zig, a compiler, a build, pip or a venv, or a foreign-architecture CPython under
qemu, or need a downloaded fixture; ``pytest -m "not slow"`` leaves them out.  The marker is not
left to memory: :func:`pytest_collection_modifyitems` marks a test slow when

* it uses a fixture of :data:`SLOW_FIXTURES`, directly or through other fixtures (a module's
  fixture that runs zig asks for ``real_zig``, so the tests using it are slow too), or
* it is in a folder of :data:`SLOW_FOLDERS` (``tests/builds/``) or a module of
  :data:`SLOW_MODULES` (every test there builds something).

So a test that runs zig asks for ``real_zig`` (also when zig runs inside ``python -m zigcc``
or a shim); one that needs a Debian CPython or the musl CPython asks for ``debian_python`` or
``musl_python``, which make them on first use (cached under ``~/.cache/zigcc-tests``, under file
locks, so pytest-xdist's workers wait for one another instead of downloading twice).  Only what
no fixture expresses (one case of a parametrized test, pip or gcc used directly) still carries
``@pytest.mark.slow`` itself.  A skip names only what is really absent (a mirror without the
packages, a tool not installed), never that another test has not run yet.

The guard: in a run that deselects slow tests (``-m "not slow"``), ``ZIG_GLOBAL_CACHE_DIR`` names
a file (:data:`TRIPWIRE`), so a zig compile started by a test the rule missed fails at once, and
its report says why.  (``zig version`` and the like need no cache and pass; they are fast.)
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from debian_sysroots import DebianPython
    from musl_cpython import MuslPython

PROJECTS = Path(__file__).parent / "projects"
ROOT = Path(__file__).parent.parent
SYSTEM_COMPILERS = ("cc", "gcc", "g++", "c++", "clang", "clang++", "x86_64-linux-gnu-gcc",
                    "x86_64-linux-gnu-g++", "aarch64-linux-gnu-gcc", "ld")

# Fixtures whose use makes a test slow, with what they do.
SLOW_FIXTURES = {
    "real_zig": "runs the real zig",
    "no_system_compiler": "builds with zig while every system compiler fails",
    "zigcc_wheels": "builds a wheel of this checkout with pip",
    "debian_python": "downloads Debian sysroots and runs their CPython under qemu",
    "musl_python": "builds (once) and runs a musl CPython",
    "cpython_source": "builds (once) CPython 3.14/3.15 from Debian's source",
    "cpython_cross": "cross-builds (once) CPython 3.14t for aarch64/s390x, runs it under qemu",
    "numpy_wheel": "builds (once per toolchain) numpy 2.3.5 from its sdist for an architecture",
}
# tests/builds/: whole builds of real projects and sdists, imported and run on their target.
SLOW_FOLDERS = {"builds"}
# Modules of the other stage folders in which every test builds, compiles or runs a foreign
# interpreter.
SLOW_MODULES = {
    "test_native_capability.py", "test_pyconfig.py", "test_synth.py",
    "test_wrapper_backend.py", "test_installed_zig.py", "test_failures_shown.py",
    "test_supported_pythons.py",
}
# What the debian_python and musl_python fixtures give, for annotations.
DebianPythons = Callable[..., "DebianPython"]
MuslPythons = Callable[[], "MuslPython"]
TRIPWIRE = "zig-started-by-a-test-not-marked-slow--see-tests-conftest.py"
_TRIPWIRE_KEY = pytest.StashKey[tuple[Any, Any]]()  # (its folder, ZIG_GLOBAL_CACHE_DIR before)


def _why_slow(item: pytest.Item) -> str | None:
    if item.path.parent.name in SLOW_FOLDERS:
        return f"it is in tests/{item.path.parent.name}/"
    if item.path.name in SLOW_MODULES:
        return f"{item.path.name} is in SLOW_MODULES"
    used = [name for name in SLOW_FIXTURES if name in getattr(item, "fixturenames", ())]
    return f"uses {used[0]} ({SLOW_FIXTURES[used[0]]})" if used else None


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        why = _why_slow(item)
        if why is not None and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow(reason=why))


# ---------------------------------------------------------------- the guard of the fast run


def _fast_run(config: pytest.Config) -> bool:
    return re.search(r"\bnot\s+slow\b", config.getoption("markexpr", "") or "") is not None


def pytest_configure(config: pytest.Config) -> None:
    if not _fast_run(config) or os.environ.get("ZIG_GLOBAL_CACHE_DIR", "").endswith(TRIPWIRE):
        return  # an xdist worker inherits the controller's tripwire
    folder = tempfile.mkdtemp(prefix="zigcc-fast-run-")
    trip = Path(folder, TRIPWIRE)
    trip.write_text("ZIG_GLOBAL_CACHE_DIR names this file in `pytest -m 'not slow'` runs: a test "
                    "that starts zig there is not marked slow (see tests/conftest.py).\n")
    config.stash[_TRIPWIRE_KEY] = (folder, os.environ.get("ZIG_GLOBAL_CACHE_DIR"))
    os.environ["ZIG_GLOBAL_CACHE_DIR"] = str(trip)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, before = config.stash.get(_TRIPWIRE_KEY, (None, None))
    if folder is None:
        return
    if before is None:
        os.environ.pop("ZIG_GLOBAL_CACHE_DIR", None)
    else:
        os.environ["ZIG_GLOBAL_CACHE_DIR"] = before
    shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and TRIPWIRE in str(report.longrepr):
        report.sections.append(("zig in the fast run", (
            f"{item.nodeid} started zig but is not marked slow. Ask for the real_zig fixture "
            "(or another of tests/conftest.py's SLOW_FIXTURES), which marks it slow.")))


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def real_zig() -> Path:
    """The installed ``ziglang`` wheel's zig.  Any test that runs zig asks for this fixture,
    directly or through another (also when zig runs inside ``python -m zigcc``): that is what
    marks it slow."""
    from zigcc.toolchain import installed

    return installed.zig_binary()


@pytest.fixture(scope="session")
def debian_python() -> DebianPythons:
    """``debian_python(arch, suite=None)``: Debian's CPython of that architecture and suite
    (default: the architecture's default suite), its sysroot made on first use, else reused
    from ``<test cache>/<suite>-<arch>`` (tests/debian_sysroots.py).

    Skips only when the mirror lacks the packages; other failures fail.  A file lock per
    sysroot makes pytest-xdist's workers wait for one another, and the first worker to find a
    row unavailable notes it (``<suite>-<arch>.unavailable``, for this run only), so the others
    skip without asking the mirror again."""
    import debian_sysroots
    from filelock import FileLock

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")  # the same in every worker of a run
    made: dict[tuple[str, str], DebianPython | Exception] = {}

    def make(arch: str, suite: str) -> DebianPython | Exception:
        base = debian_sysroots.default_cache().expanduser().resolve() / f"{suite}-{arch}"
        note = base.with_name(base.name + ".unavailable")
        base.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(note) + ".lock"):
            if run and note.is_file():
                uid, _, reason = note.read_text().partition("\n")
                if uid == run:
                    return debian_sysroots.DebianUnavailableError(reason)
            try:
                return debian_sysroots.ensure_python(arch, suite=suite)
            except debian_sysroots.DebianUnavailableError as error:
                if run:
                    note.write_text(f"{run}\n{error}")
                return error
            except debian_sysroots.DebianPythonError as error:
                return error  # once per row and process: later tests fail at once, alike

    def debian_python(arch: str, suite: str | None = None) -> DebianPython:
        row = debian_sysroots.spec(arch, suite)
        if (row.suite, row.arch) not in made:
            made[row.suite, row.arch] = make(row.arch, row.suite)
        found = made[row.suite, row.arch]
        if isinstance(found, debian_sysroots.DebianUnavailableError):
            pytest.skip(str(found))
        if isinstance(found, Exception):
            raise found
        return found

    return debian_python


@pytest.fixture(scope="session")
def musl_python() -> MuslPythons:
    """``musl_python()``: the musl CPython 3.11 of tests/musl_cpython.py, built on first use
    (about ten minutes), else reused from ``<test cache>/musl-cpython-3.11-x86_64`` (a file lock
    makes concurrent workers wait)."""
    import musl_cpython

    return functools.cache(musl_cpython.ensure_musl_python)


@pytest.fixture(scope="session")
def no_system_compiler(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose PATH starts with a folder of compilers that exit 1."""
    folder = tmp_path_factory.mktemp("no-system-compiler")
    for name in SYSTEM_COMPILERS:
        tool = folder / name
        tool.write_text(f'#!/bin/sh\necho "system compiler {name} was called" >&2\nexit 1\n')
        tool.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "CXX", "LDSHARED", "CFLAGS")}
    env["PATH"] = os.pathsep.join([str(folder), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    probe = subprocess.run(["cc", "--version"], env=env, capture_output=True)
    assert probe.returncode == 1, "the broken cc must come first on PATH"
    return env


@pytest.fixture(scope="session")
def zigcc_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, for --find-links."""
    folder = tmp_path_factory.mktemp("find-links")
    # A copy: pip builds in-tree, and each xdist worker builds its own.
    caches = shutil.ignore_patterns("*.egg-info", "__pycache__", ".*_cache")
    top = {".git", "build", "dist", ".ci-venv", "wheelhouse"}  # zigcc/frontend/wheelhouse stays

    def skip(folder: str, names: list[str]) -> set[str]:
        return set(caches(folder, names)) | (top & set(names) if Path(folder) == ROOT else set())

    src = shutil.copytree(ROOT, tmp_path_factory.mktemp("zigcc-src") / "zigcc", ignore=skip)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder),
                    str(src)], check=True, capture_output=True)
    return folder


@pytest.fixture(scope="session")
def cpython_source() -> Callable[..., Any]:
    """``cpython_source(version, free_threaded=False)``: CPython 3.14 or 3.15 (``free_threaded``:
    built ``--disable-gil``) of tests/cpython_source.py, a ``BuiltPython`` built from Debian's
    source with zigcc's native toolchain on first use (minutes each), else reused from ``<test
    cache>/cpython-3.14[t]-x86_64`` (a file lock per build makes concurrent workers wait)."""
    import cpython_source as builds

    @functools.cache
    def built(version: str, free_threaded: bool = False) -> builds.BuiltPython:
        return builds.ensure_cpython(version, free_threaded)

    return built


@pytest.fixture(scope="session")
def cpython_cross() -> Callable[[str], Any]:
    """``cpython_cross(arch)``: free-threaded CPython 3.14t cross-built for ``arch``
    ("aarch64", "s390x") with zigcc by CPython's own cross build (tests/cpython_cross.py), a
    ``CrossPython`` that runs under qemu-user in Debian sid's sysroot of the arch; built on
    first use (minutes each, after the native 3.14t of ``cpython_source``), else reused from
    ``<test cache>/cpython-3.14t-<arch>-cross`` (a file lock per build makes workers wait)."""
    import cpython_cross as builds

    return functools.cache(builds.ensure_cross)


@pytest.fixture(scope="session")
def numpy_wheel() -> Callable[[str], Path]:
    """``numpy_wheel(arch)``: numpy 2.3.5's wheel built by ``zigcc build`` from its sdist for
    Debian ``arch`` (``buildhelp.TARGETS[arch]``, against that arch's default-suite Debian
    CPython), by tests/numpy_builds.py: built on first use (minutes each), else reused from
    ``<test cache>/numpy-2.3.5-<arch>-<key>``, whose key changes with the zigcc code that
    compiles it (a file lock per arch makes concurrent workers wait).  A failed build fails
    the later tests of that arch at once, with the same error, rather than building again."""
    import numpy_builds

    made: dict[str, Path | Exception] = {}

    def numpy_wheel(arch: str) -> Path:
        if arch not in made:
            try:
                made[arch] = numpy_builds.ensure_numpy(arch)
            except (numpy_builds.NumpyBuildError, OSError) as error:
                made[arch] = error
        found = made[arch]
        if isinstance(found, Exception):
            raise found
        return found

    return numpy_wheel


# ---------------------------------------------------------------- how long the fixtures took

_SESSION_START = time.time()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    """One line per slow fixture of the test cache (Debian sysroots, the musl CPython, the
    CPythons built from source): made by this run, with how long it took, or reused."""
    import debian_sysroots

    made, reused = [], []
    for ready in sorted(debian_sysroots.default_cache().glob("*/ready.json")):
        try:
            seconds = json.loads(ready.read_text(encoding="utf-8")).get("build_seconds")
        except (OSError, ValueError):
            continue
        took = f"{seconds:.0f} s" if isinstance(seconds, (int, float)) else "time not recorded"
        if ready.stat().st_mtime >= _SESSION_START:
            made.append(f"{ready.parent.name} ({took})")
        else:
            reused.append(ready.parent.name)
    if made or reused:
        terminalreporter.write_sep("-", "slow fixtures")
        terminalreporter.write_line(f"made by this run: {', '.join(made) or 'none'}")
        terminalreporter.write_line(f"reused from the cache: {len(reused)}")
