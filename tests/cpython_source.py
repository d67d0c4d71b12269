"""CPython 3.14 and 3.15, with and without the GIL, built once from Debian's source with zigcc's
own native toolchain and cached: build interpreters for the tests.

pyenv here stops at 3.13 and no distribution packages a free-threaded CPython, so this module
builds them from Debian's orig tarballs (pinned in :data:`SOURCES`: the newest each pool still
serves) with the compilers ``zigcc env --shell json`` prints for this machine (the native glibc
toolchain, which searches the system's /usr/include and /usr/lib/x86_64-linux-gnu after zig's
libc: the Debian -dev packages of ``.ci/install-deps.sh`` give ssl, zlib, ctypes, sqlite3...).
System compilers are shadowed by failing stubs, so the build also proves that zigcc builds
CPython itself.  No pytest here: ``python tests/cpython_source.py [--rebuild] [--cache DIR]
[3.14 3.14t 3.15 3.15t]`` builds (or reuses) them and prints what each reports.

Layout, under ``<cache>/cpython-3.14t-x86_64/`` (``<cache>``: ``$ZIGCC_TEST_CACHE``, else
``~/.cache/zigcc-tests``), with ``cpython-3.14t-x86_64.lock`` beside it::

    python/      the ``make install`` prefix: bin/python3.14t, lib/python3.14t/build-details.json
    logs/        configure/make logs of the last build
    ready.json   written last, once the interpreter was verified

Flags: ``./configure --prefix=... [--disable-gil] --disable-test-modules --with-ensurepip=no
--without-system-libmpdec`` (bookworm has no libmpdec-dev, and 3.15 falls back to the slow
pure-Python decimal unless told to use the bundled libmpdec) with ``OPT`` lacking configure's
``-g`` (no ``--enable-optimizations``, no LTO) and
``CFLAGS=-Wno-date-time`` (zig cc makes ``-Wdate-time`` an error, and
``Modules/getbuildinfo.c`` uses ``__DATE__``); ``make -jN`` (N: the CPU count, at least 2).
``ensurepip`` is still installed (``python -m venv`` puts pip in each venv);
``--disable-test-modules`` also leaves out ``Lib/test`` (the biggest part of ``make install``'s
bytecode compilation).  Every stdlib extension module the build makes must import, and those of
:data:`ESSENTIAL` must exist.  Left out, for want of a -dev package in ``.ci/install-deps.sh``
(recorded in ``ready.json`` as ``missing_modules``; a build interpreter needs none of them):

* ``_dbm``, ``_gdbm``: no libgdbm-dev / libdb-dev (dbm.dumb and dbm.sqlite3 remain);
* ``_zstd`` (``compression.zstd``): no libzstd-dev, and no sdist or wheel here needs it;
* ``_tkinter``, ``readline``, ``_curses``: built only where tk-dev, libreadline-dev and
  libncurses-dev happen to be installed (interactive use only).

Moving the folder breaks nothing at run time (CPython finds its prefix from its executable), but
sysconfig keeps the configured prefix, so the cache is rebuilt, not moved.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import source_builds
from buildhelp import debian_source
from debian_sysroots import default_cache

# Debian's orig tarballs (pool path, sha256).  The Sources indexes name newer ones (sid: 3.14.9,
# 3.14.10, 3.15.2; forky/experimental: 3.14.8, 3.15.0 on 2026-12-04) that the pool answers with
# 404; these are the newest that download (3.15.0~rc2: rc3 and later 404).  Their sha256 was
# taken from the downloads, as no index served here lists them any more.
SOURCES = {
    "3.14": ("pool/main/p/python3.14/python3.14_3.14.7.orig.tar.xz",
             "3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81"),
    "3.15": ("pool/main/p/python3.15/python3.15_3.15.0~rc2.orig.tar.xz",
             "8d93af5eaaaea5adfd41bd786a7ba3f03f2ad1ab57c6a65e0b963deab91d5ad7"),
}
FORMAT = 1  # bump when the build changes: a cached fixture of another format is rebuilt
JOBS = max(2, os.cpu_count() or 2)
# configure's defaults are "-DNDEBUG -g -fwrapv -O3 -Wall": no -g and -O2 keep the build short.
OPT = "-DNDEBUG -fwrapv -O2 -Wall"
# zig cc makes -Wdate-time an error (reproducible builds); Modules/getbuildinfo.c uses __DATE__.
CFLAGS = "-Wno-date-time"
# What a build interpreter needs (venv + pip from PyPI over https, sdists, ctypes-using
# backends, sqlite3 as the issue asks): missing or not importable, the build fails.
ESSENTIAL = ("ssl", "zlib", "ctypes", "sqlite3", "hashlib", "_hashlib", "bz2", "lzma", "_socket",
             "select", "_json", "_struct", "math", "binascii", "_posixsubprocess", "fcntl",
             "pyexpat", "unicodedata", "_decimal", "_ctypes", "_sqlite3", "_ssl", "_uuid",
             "_multiprocessing", "array", "_datetime", "ensurepip", "venv")
# Build machinery and user settings that must not reach configure, make or the interpreter.
_BUILD_DROPPED = frozenset({
    "CC", "CXX", "CPP", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LIBS", "AR", "RANLIB",
    "LDSHARED", "LDCXXSHARED", "PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR",
    "CONFIG_SITE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "LD_LIBRARY_PATH", "LD_PRELOAD",
    "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "VIRTUAL_ENV",
    "PYTHON_GIL", "_PYTHON_SYSCONFIGDATA_NAME", "_PYTHON_HOST_PLATFORM", "_PYTHON_PROJECT_BASE",
    "ZIGCC_TARGET", "ZIGCC_TOOLCHAIN", "ZIGCC_HOST_DIRS",
})
_RUN_DROPPED = frozenset({"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONEXECUTABLE",
                          "VIRTUAL_ENV", "PYTHON_GIL", "LD_LIBRARY_PATH", "LD_PRELOAD",
                          "_PYTHON_SYSCONFIGDATA_NAME", "_PYTHON_HOST_PLATFORM",
                          "_PYTHON_PROJECT_BASE"})
_SYSTEM_TOOLS = ("cc", "gcc", "g++", "c++", "cpp", "clang", "clang++", "ld", "x86_64-linux-gnu-gcc",
                 "x86_64-linux-gnu-g++", "x86_64-linux-gnu-cpp")


class CPythonBuildError(RuntimeError):
    """The interpreter could not be built or verified."""


@dataclass(frozen=True)
class BuiltPython:
    """One cached CPython build; run it with :meth:`run` or :meth:`command`."""

    version: str  # "3.14"
    free_threaded: bool
    executable: Path  # prefix/bin/python3.14t
    prefix: Path  # the install prefix (sys.prefix)
    version_full: str  # "3.14.7", "3.15.0rc2"
    abiflags: str  # "t" or ""
    ext_suffix: str
    soabi: str
    missing_modules: tuple[str, ...] = ()  # stdlib extension modules this build lacks
    info: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False,
                                       repr=False)

    @property
    def ldversion(self) -> str:
        """``3.14t``: the name of its lib/ and include/ folders."""
        return self.version + self.abiflags

    @property
    def include_dir(self) -> Path:
        """``Python.h``'s folder."""
        return self.prefix / "include" / f"python{self.ldversion}"

    @property
    def stdlib(self) -> Path:
        return self.prefix / "lib" / f"python{self.ldversion}"

    @property
    def build_details(self) -> Path:
        """PEP 739's ``build-details.json`` that ``make install`` puts in the stdlib folder."""
        return self.stdlib / "build-details.json"

    def command(self, *args: str | os.PathLike[str]) -> list[str]:
        return [str(self.executable), *map(str, args)]

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = 600,
        check: bool = False,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the interpreter, capturing text output, without the host interpreter's
        settings (:func:`run_env`); ``env`` is added on top."""
        return subprocess.run(
            self.command(*args), env=run_env(env), cwd=cwd, timeout=timeout, check=check,
            input=input, capture_output=True, text=True,
        )  # fmt: skip


def run_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` without PYTHONPATH, PYTHONHOME, VIRTUAL_ENV, PYTHON_GIL... plus ``extra``;
    user site-packages off."""
    env = {k: v for k, v in os.environ.items() if k not in _RUN_DROPPED}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra or {})
    return env


def _log(message: str) -> None:
    print(f"cpython_source: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class _Paths:
    version: str
    free_threaded: bool
    base: Path
    lock: Path
    ready: Path
    prefix: Path
    logs: Path

    @property
    def ldversion(self) -> str:
        return self.version + ("t" if self.free_threaded else "")

    @property
    def executable(self) -> Path:
        return self.prefix / "bin" / f"python{self.ldversion}"


def _paths(version: str, free_threaded: bool, cache: Path | None) -> _Paths:
    if version not in SOURCES:
        raise CPythonBuildError(f"no Debian source pinned for CPython {version!r}; known: "
                                f"{', '.join(SOURCES)}")
    name = f"cpython-{version}{'t' if free_threaded else ''}-x86_64"
    base = (cache or default_cache()).expanduser().resolve() / name
    return _Paths(version, free_threaded, base, base.with_name(base.name + ".lock"),
                  base / "ready.json", base / "python", base / "logs")


def _load(p: _Paths) -> BuiltPython | None:
    """The build ready.json describes, if it is complete, of this format and of this source."""
    try:
        data = json.loads(p.ready.read_text())
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != FORMAT
            or data.get("source") != list(SOURCES[p.version]) or not p.executable.is_file()):
        return None
    return BuiltPython(
        version=p.version, free_threaded=p.free_threaded, executable=p.executable,
        prefix=p.prefix, version_full=data["version_full"], abiflags=data["abiflags"],
        ext_suffix=data["EXT_SUFFIX"], soabi=data["SOABI"],
        missing_modules=tuple(data["missing_modules"]), info=data,
    )  # fmt: skip


def ensure_cpython(version: str, free_threaded: bool = False, cache: Path | None = None, *,
                   rebuild: bool = False) -> BuiltPython:
    """CPython ``version`` ("3.14", "3.15"), free-threaded or not, built on first use into
    ``<cache>/cpython-<version>[t]-x86_64`` (``cache``: the test cache root, default
    ``$ZIGCC_TEST_CACHE`` or ``~/.cache/zigcc-tests``).

    Safe for concurrent callers (a file lock per build; the first builds, the others wait) and
    for interrupted builds (nothing counts until ``ready.json`` is written, after verification).
    Raises :class:`CPythonBuildError` when the build or its verification fails.
    """
    p = _paths(version, free_threaded, cache)
    return source_builds.ensure(lambda: _load(p), lambda: _build(p), p.lock, p.base, _log,
                                rebuild, CPythonBuildError)


# ------------------------------------------------------------------------------- the build


def toolchain() -> dict[str, str]:
    """What ``zigcc env --shell json`` prints for this machine (CC, CXX, AR, RANLIB...)."""
    return source_builds.zigcc_env(None, ("CC", "CXX", "AR", "RANLIB"), CPythonBuildError)


_run = functools.partial(source_builds.run_step, error=CPythonBuildError)


def _no_system_compiler(folder: Path) -> Path:
    return source_builds.failing_tools(folder, _SYSTEM_TOOLS)


def _build(p: _Paths) -> None:
    started = time.monotonic()
    steps: dict[str, float] = {}
    label = f"CPython {p.ldversion}"

    def step(name: str, since: float) -> float:
        now = time.monotonic()
        steps[name] = round(now - since, 1)
        _log(f"{label}: {name}: {now - since:.0f} s")
        return now

    if p.base.exists():
        _log(f"removing the incomplete or outdated {p.base}")
        shutil.rmtree(p.base)
    p.base.mkdir(parents=True)
    p.logs.mkdir()
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=p.base))
    try:
        tarball = debian_source(*SOURCES[p.version])
        tools = toolchain()
        env = {k: v for k, v in os.environ.items() if k not in _BUILD_DROPPED}
        path = [str(_no_system_compiler(work / "no-system-compiler")),
                env.get("PATH", "/usr/bin:/bin")]
        env.update(PATH=os.pathsep.join(path), LC_ALL="C", TMPDIR=str(work))
        src = work / "src"
        src.mkdir()
        subprocess.run(["tar", "-xf", str(tarball), "-C", str(src)], check=True)
        (cpython,) = src.iterdir()
        t = step("download, toolchain, unpack", started)

        build = work / "build"
        build.mkdir()
        _run([cpython / "configure", f"--prefix={p.prefix}",
              *(["--disable-gil"] if p.free_threaded else []),
              "--disable-test-modules", "--with-ensurepip=no", "--without-system-libmpdec",
              f"CC={tools['CC']}", f"CXX={tools['CXX']}", f"AR={tools['AR']}",
              f"RANLIB={tools['RANLIB']}", f"OPT={OPT}", f"CFLAGS={CFLAGS}"],
             p.logs / "configure.log", env, build)
        t = step("configure", t)
        _run(["make", f"-j{JOBS}"], p.logs / "make.log", env, build)
        t = step(f"make -j{JOBS}", t)
        stage = work / "stage"
        _run(["make", "install", f"DESTDIR={stage}"], p.logs / "install.log", env, build)
        os.replace(stage / p.prefix.relative_to(p.prefix.anchor), p.prefix)
        t = step("make install", t)

        info = _verify(p, work)
        step("verification", t)
        info.update(format=FORMAT, source=list(SOURCES[p.version]), steps=steps,
                    build_seconds=round(time.monotonic() - started, 1), toolchain=tools["CC"],
                    built=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        tmp = p.ready.with_suffix(".part")
        tmp.write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, p.ready)
        _log(f"built CPython {info['version_full']}{info['abiflags']} in "
             f"{info['build_seconds']:.0f} s ({p.executable}; missing "
             f"{', '.join(info['missing_modules']) or 'nothing'})")  # type: ignore[arg-type]
    finally:
        shutil.rmtree(work, ignore_errors=True)


_PROBE = r"""
import importlib, json, os, sys, sysconfig
gil_at_start = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
dynload = os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload")
suffix = sysconfig.get_config_var("EXT_SUFFIX")
shared = sorted(n[: -len(suffix)] for n in os.listdir(dynload) if n.endswith(suffix))
failed = {}
for name in shared + sys.argv[1].split(","):
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
import ssl
print(json.dumps({
    "version_full": "%d.%d.%d" % sys.version_info[:3] + (
        "" if sys.version_info.releaselevel == "final"
        else sys.version_info.releaselevel[0].replace("c", "rc") + str(sys.version_info.serial)),
    "version_info": list(sys.version_info),
    "sys.version": sys.version,
    "abiflags": sys.abiflags,
    "executable": sys.executable,
    "prefix": sys.prefix,
    "EXT_SUFFIX": suffix,
    "SOABI": sysconfig.get_config_var("SOABI"),
    "MULTIARCH": sysconfig.get_config_var("MULTIARCH"),
    "Py_GIL_DISABLED": sysconfig.get_config_var("Py_GIL_DISABLED"),
    "gil_enabled": gil_at_start,
    "gil_enabled_after_imports": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
    "CC": sysconfig.get_config_var("CC"),
    "openssl": ssl.OPENSSL_VERSION,
    "platform": sysconfig.get_platform(),
    "builtin_modules": sorted(sys.builtin_module_names),
    "shared_modules": shared,
    "failed_imports": failed,
}))
"""

# Extension modules CPython 3.14/3.15 can have on Linux outside the core: what this build lacks
# is recorded as missing_modules.
_STDLIB_EXTENSIONS = (
    "_asyncio", "_bisect", "_blake2", "_bz2", "_codecs_cn", "_codecs_hk", "_codecs_iso2022",
    "_codecs_jp", "_codecs_kr", "_codecs_tw", "_contextvars", "_csv", "_ctypes", "_curses",
    "_curses_panel", "_datetime", "_dbm", "_decimal", "_elementtree", "_gdbm", "_hashlib",
    "_heapq", "_hmac", "_interpchannels", "_interpqueues", "_interpreters", "_json", "_lsprof",
    "_lzma", "_md5", "_multibytecodec", "_multiprocessing", "_opcode", "_pickle", "_posixshmem",
    "_posixsubprocess", "_queue", "_random", "_remote_debugging", "_sha1", "_sha2", "_sha3",
    "_socket", "_sqlite3", "_ssl", "_statistics", "_struct", "_tkinter", "_uuid", "_zoneinfo",
    "_zstd", "array", "binascii", "cmath", "fcntl", "grp", "math", "mmap", "pyexpat", "readline",
    "resource", "select", "syslog", "termios", "unicodedata", "zlib",
)


def _verify(p: _Paths, work: Path) -> dict[str, object]:
    """Check the installed interpreter (imports, GIL, venv, pip); the facts ready.json records."""
    if not p.executable.is_file():
        raise CPythonBuildError(f"make install produced no {p.executable}")
    probe = subprocess.run([str(p.executable), "-I", "-c", _PROBE, ",".join(ESSENTIAL)],
                           capture_output=True, text=True, env=run_env(), timeout=600)
    if probe.returncode != 0:
        raise CPythonBuildError(f"{p.executable} does not run:\n{probe.stdout}\n{probe.stderr}")
    info: dict[str, object] = json.loads(probe.stdout)
    reported: dict[str, list[str]] = json.loads(probe.stdout)  # the same, typed for its lists
    failed: dict[str, str] = json.loads(probe.stdout)["failed_imports"]
    have = set(reported["shared_modules"]) | set(reported["builtin_modules"])
    if failed:
        raise CPythonBuildError(f"{p.executable}: modules missing or not importable: {failed}")
    expected_flags = "t" if p.free_threaded else ""
    problems = []
    if info["version_full"] != _version_of(SOURCES[p.version][0]):
        problems.append(f"version {info['version_full']}, the source is "
                        f"{SOURCES[p.version][0]}")
    if info["abiflags"] != expected_flags:
        problems.append(f"abiflags {info['abiflags']!r}, expected {expected_flags!r}")
    if info["Py_GIL_DISABLED"] != (1 if p.free_threaded else 0):
        problems.append(f"Py_GIL_DISABLED {info['Py_GIL_DISABLED']!r}")
    if p.free_threaded in (info["gil_enabled"], info["gil_enabled_after_imports"]):
        problems.append(f"sys._is_gil_enabled() {info['gil_enabled']} at start, "
                        f"{info['gil_enabled_after_imports']} after importing the stdlib")
    if problems:
        raise CPythonBuildError(f"{p.executable}: {'; '.join(problems)}")
    info["missing_modules"] = [name for name in _STDLIB_EXTENSIONS if name not in have]

    # A venv with pip in it, and a wheel installed from this machine's configured index.
    venv = work / "venv"
    pip_env = run_env({"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"})
    for argv in ([str(p.executable), "-m", "venv", str(venv)],
                 [str(venv / "bin" / "python"), "-m", "pip", "--version"],
                 [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-cache-dir",
                  "--only-binary", ":all:", "packaging"],
                 [str(venv / "bin" / "python"), "-c", "import packaging.tags as t; "
                  "print(next(iter(t.sys_tags())))"]):
        done = subprocess.run(argv, capture_output=True, text=True, env=pip_env, timeout=900)
        if done.returncode != 0:
            raise CPythonBuildError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        if argv[-1] == "--version":
            info["pip_version"] = done.stdout.split()[1]
        elif argv[1] == "-c":
            info["first_tag"] = done.stdout.strip()
    return info


def _version_of(pool_path: str) -> str:
    """``.../python3.15_3.15.0~rc2.orig.tar.xz`` -> ``3.15.0rc2``."""
    return Path(pool_path).name.split("_")[1].split(".orig")[0].replace("~", "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("builds", nargs="*", default=["3.14", "3.14t", "3.15", "3.15t"],
                        help="X.Y or X.Yt (default: 3.14 3.14t 3.15 3.15t)")
    parser.add_argument("--cache", type=Path,
                        help="test cache root (default: ~/.cache/zigcc-tests)")
    parser.add_argument("--rebuild", action="store_true", help="build again even if cached")
    args = parser.parse_args(argv)
    for build in args.builds:
        started = time.monotonic()
        python = ensure_cpython(build.rstrip("t"), build.endswith("t"), args.cache,
                                rebuild=args.rebuild)
        info = python.info
        print(f"{build}: {python.executable} ({python.version_full}, abiflags "
              f"{python.abiflags!r}, GIL enabled: {info.get('gil_enabled')})")
        print(f"  EXT_SUFFIX {python.ext_suffix}  SOABI {python.soabi}  "
              f"pip {info.get('pip_version')}  {info.get('openssl')}")
        print(f"  missing    {' '.join(python.missing_modules) or '-'}")
        print(f"  build time {info.get('build_seconds')} s {info.get('steps')}")
        print(f"  this call  {time.monotonic() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
