"""Free-threaded CPython 3.14t for aarch64 and s390x, cross-built once with zigcc and cached: a
real foreign-arch interpreter with the GIL off, to run cp314t wheels in under qemu-user.

No distribution ships a free-threaded CPython for a foreign architecture, so this module builds
one with CPython's own cross build from the source tests/cpython_source.py pins (Debian's orig
tarball of 3.14)::

    ./configure --host=<arch>-linux-gnu --build=x86_64-pc-linux-gnu
                --with-build-python=<cpython_source's native 3.14t> --disable-gil ...

with the compilers ``zigcc env --target manylinux_2_17_<arch>`` prints (the build interpreter is
the native free-threaded 3.14t built from the same source, as CPython requires: same version).
System compilers are shadowed by failing stubs, so the build also proves that zigcc cross-builds
CPython itself.  The result runs under ``qemu-<cpu>-static -L <Debian sid sysroot of the arch>``
(tests/debian_sysroots.py's ``sid`` row gives the dynamic loader and glibc; the interpreter links
libpython statically and nothing else beyond glibc).  No pytest here: ``python
tests/cpython_cross.py [--rebuild] [--cache DIR] [aarch64 s390x]`` builds (or reuses) them and
prints what each reports.

Layout, under ``<cache>/cpython-3.14t-<arch>-cross/`` (``<cache>``: ``$ZIGCC_TEST_CACHE``, else
``~/.cache/zigcc-tests``), with ``cpython-3.14t-<arch>-cross.lock`` beside it::

    python/      the ``make install`` prefix: bin/python3.14t, lib/python3.14t/build-details.json
    logs/        configure/make logs of the last build
    ready.json   written last, once the interpreter was verified under qemu

Flags, for the shortest build: ``--disable-test-modules --with-ensurepip=no
--without-system-libmpdec``, ``OPT`` without ``-g`` and at ``-O2``, ``CFLAGS=-Wno-date-time``
(as cpython_source), ``make -j2``.  ``CONFIG_SITE`` answers what configure cannot run on the
build machine (:data:`CONFIG_SITE`).  pkg-config sees an empty library folder: the cross
toolchain has no target -dev libraries, so the stdlib modules that need one (``zlib``, ``_ssl``,
``_hashlib``, ``_ctypes``, ``_sqlite3``, ``_bz2``, ``_lzma``, ``_uuid``, ``readline``,
``_curses``, ``_dbm``, ``_gdbm``, ``_tkinter``, ``_zstd``) are left out and recorded in
``ready.json`` as ``missing_modules``; every stdlib extension module the build does make must
import under qemu, the GIL must be off (``sys._is_gil_enabled()``, ``Py_GIL_DISABLED``) and
``platform.machine()``, ``sys.byteorder``, EXT_SUFFIX, the str hash and ``time.tzset`` must be
the target's.

The installed ``build-details.json`` is CPython's own, as a cross build writes it: its
``suffixes.extensions`` are the *build* interpreter's (``.cpython-314t-x86_64-linux-gnu.so``,
CPython gh-136267) and it has no ``abi.extension_suffix`` (libpython is static).  It is kept so:
``zigcc build --python <it>`` must cope with the real file.
"""

from __future__ import annotations

import argparse
import dataclasses
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

import cpython_source
import debian_sysroots
import source_builds
from buildhelp import debian_source

VERSION = "3.14"
FORMAT = 1  # bump when the build changes: a cached fixture of another format is rebuilt
JOBS = 2


@dataclass(frozen=True)
class CrossArch:
    """One architecture this module cross-builds for."""

    arch: str  # platform.machine() there: "aarch64"
    debian: str  # its Debian architecture, whose sid sysroot runs it: "arm64"
    target: str  # zigcc's target: "manylinux_2_17_aarch64"
    host: str  # configure's --host: "aarch64-linux-gnu"
    byteorder: str
    wchar_signed: bool  # AArch64's Linux ABI makes wchar_t unsigned, s390x's signed


ARCHES = {
    "aarch64": CrossArch("aarch64", "arm64", "manylinux_2_17_aarch64", "aarch64-linux-gnu",
                         "little", wchar_signed=False),
    "s390x": CrossArch("s390x", "s390x", "manylinux_2_17_s390x", "s390x-linux-gnu", "big",
                       wchar_signed=True),
}
SUITE = "sid"  # the Debian suite whose loader and glibc run the interpreter (glibc 2.43)
# What configure would learn by running a program on the target, which it cannot do when --host
# differs from --build: without the first three it stops; the others it would guess wrong for
# Linux (the answers Debian's native builds of 3.14 for arm64 and s390x record in pyconfig.h):
# aligned access "required" would switch str hashing from SipHash-1-3 to FNV, a "not working"
# tzset would drop time.tzset(), and computed gotos, PTHREAD_SCOPE_SYSTEM and sem_getvalue work.
CONFIG_SITE = {
    "ac_cv_file__dev_ptmx": "yes",
    "ac_cv_file__dev_ptc": "no",
    "ac_cv_buggy_getaddrinfo": "no",
    "ac_cv_aligned_required": "no",
    "ac_cv_working_tzset": "yes",
    "ac_cv_computed_gotos": "yes",
    "ac_cv_pthread_system_supported": "yes",
    "ac_cv_broken_sem_getvalue": "no",
}


def config_site(arch: CrossArch) -> str:
    """The CONFIG_SITE file for ``arch``: :data:`CONFIG_SITE`, and whether wchar_t is signed
    (configure would run a program to know; it decides HAVE_USABLE_WCHAR_T)."""
    answers = {**CONFIG_SITE, "ac_cv_wchar_t_signed": "yes" if arch.wchar_signed else "no"}
    return "".join(f"{key}={value}\n" for key, value in answers.items())


_SYSTEM_TOOLS = (*cpython_source._SYSTEM_TOOLS, "aarch64-linux-gnu-gcc", "s390x-linux-gnu-gcc",
                 "aarch64-linux-gnu-cpp", "s390x-linux-gnu-cpp")


class CrossBuildError(RuntimeError):
    """The interpreter could not be cross-built or verified."""


@dataclass(frozen=True)
class CrossPython:
    """One cached cross-built CPython; run it (under qemu-user) with :meth:`run`."""

    arch: str  # "aarch64"
    executable: Path  # prefix/bin/python3.14t (a foreign ELF)
    prefix: Path
    runner: debian_sysroots.DebianPython  # the sid sysroot (loader, glibc) and its qemu
    version_full: str
    ext_suffix: str  # ".cpython-314t-aarch64-linux-gnu.so"
    soabi: str
    missing_modules: tuple[str, ...] = ()
    info: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False,
                                       repr=False)

    @property
    def stdlib(self) -> Path:
        return self.prefix / "lib" / "python3.14t"

    @property
    def build_details(self) -> Path:
        """PEP 739's ``build-details.json`` that ``make install`` wrote."""
        return self.stdlib / "build-details.json"

    def command(self, *args: str | os.PathLike[str]) -> list[str]:
        """``qemu-<cpu>-static -L <sid sysroot> <executable> args``."""
        return dataclasses.replace(self.runner, python=self.executable).command(*args)

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = 600,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the interpreter under qemu, capturing text output, without the host
        interpreter's settings (PYTHONPATH, PYTHON_GIL...); ``env`` is added on top."""
        return subprocess.run(
            self.command(*args), env=cpython_source.run_env(env), cwd=cwd, timeout=timeout,
            input=input, capture_output=True, text=True,
        )  # fmt: skip


def _log(message: str) -> None:
    print(f"cpython_cross: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class _Paths:
    arch: CrossArch
    base: Path
    lock: Path
    ready: Path
    prefix: Path
    logs: Path

    @property
    def executable(self) -> Path:
        return self.prefix / "bin" / "python3.14t"


def _paths(arch: str, cache: Path | None) -> _Paths:
    if arch not in ARCHES:
        raise CrossBuildError(f"no cross build for {arch!r}; known: {', '.join(ARCHES)}")
    base = (cache or debian_sysroots.default_cache()).expanduser().resolve()
    base = base / f"cpython-{VERSION}t-{arch}-cross"
    return _Paths(ARCHES[arch], base, base.with_name(base.name + ".lock"), base / "ready.json",
                  base / "python", base / "logs")


def _load(p: _Paths, runner: debian_sysroots.DebianPython) -> CrossPython | None:
    try:
        data = json.loads(p.ready.read_text())
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != FORMAT
            or data.get("source") != list(cpython_source.SOURCES[VERSION])
            or not p.executable.is_file()):
        return None
    return CrossPython(
        arch=p.arch.arch, executable=p.executable, prefix=p.prefix, runner=runner,
        version_full=data["version_full"], ext_suffix=data["EXT_SUFFIX"], soabi=data["SOABI"],
        missing_modules=tuple(data["missing_modules"]), info=data,
    )  # fmt: skip


def ensure_cross(arch: str, cache: Path | None = None, *, rebuild: bool = False
                 ) -> CrossPython:
    """Free-threaded CPython 3.14t for ``arch`` ("aarch64", "s390x"), cross-built on first use
    into ``<cache>/cpython-3.14t-<arch>-cross`` (``cache``: the test cache root).  Also makes
    (or reuses) the native 3.14t build interpreter and the Debian sid sysroot that runs it.

    Safe for concurrent callers (a file lock per build) and for interrupted builds (nothing
    counts until ``ready.json`` is written, after verification under qemu).  Raises
    :class:`CrossBuildError` when the build or its verification fails.
    """
    p = _paths(arch, cache)
    runner = debian_sysroots.ensure_python(p.arch.debian, cache, suite=SUITE)
    return source_builds.ensure(
        lambda: _load(p, runner), lambda: _build(p, runner, cache), p.lock, p.base, _log,
        rebuild, CrossBuildError)


# ------------------------------------------------------------------------------- the build


_run = functools.partial(source_builds.run_step, error=CrossBuildError)


def _build(p: _Paths, runner: debian_sysroots.DebianPython, cache: Path | None) -> None:
    started = time.monotonic()
    steps: dict[str, float] = {}
    label = f"CPython {VERSION}t for {p.arch.arch}"

    def step(name: str, since: float) -> float:
        now = time.monotonic()
        steps[name] = round(now - since, 1)
        _log(f"{label}: {name}: {now - since:.0f} s")
        return now

    build_python = cpython_source.ensure_cpython(VERSION, free_threaded=True, cache=cache)
    if p.base.exists():
        _log(f"removing the incomplete or outdated {p.base}")
        shutil.rmtree(p.base)
    p.base.mkdir(parents=True)
    p.logs.mkdir()
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=p.base))
    try:
        tarball = debian_source(*cpython_source.SOURCES[VERSION])
        tools = source_builds.zigcc_env(p.arch.target, ("CC", "CXX", "AR", "RANLIB"),
                                        CrossBuildError)
        env = {k: v for k, v in os.environ.items() if k not in cpython_source._BUILD_DROPPED}
        path = [str(source_builds.failing_tools(work / "no-system-compiler", _SYSTEM_TOOLS)),
                env.get("PATH", "/usr/bin:/bin")]
        site = work / "config.site"
        site.write_text(config_site(p.arch))
        no_pc = work / "no-pkgconfig"
        no_pc.mkdir()
        env.update(PATH=os.pathsep.join(path), LC_ALL="C", TMPDIR=str(work),
                   CONFIG_SITE=str(site), PKG_CONFIG_LIBDIR=str(no_pc), PKG_CONFIG_PATH="")
        src = work / "src"
        src.mkdir()
        subprocess.run(["tar", "-xf", str(tarball), "-C", str(src)], check=True)
        (cpython,) = src.iterdir()
        t = step("toolchain, unpack", started)

        build = work / "build"
        build.mkdir()
        _run([cpython / "configure", f"--host={p.arch.host}", "--build=x86_64-pc-linux-gnu",
              f"--with-build-python={build_python.executable}", f"--prefix={p.prefix}",
              "--disable-gil", "--disable-test-modules", "--with-ensurepip=no",
              "--without-system-libmpdec", f"CC={tools['CC']}", f"CXX={tools['CXX']}",
              f"AR={tools['AR']}", f"RANLIB={tools['RANLIB']}",
              f"OPT={cpython_source.OPT}", f"CFLAGS={cpython_source.CFLAGS}"],
             p.logs / "configure.log", env, build)
        t = step("configure", t)
        _run(["make", f"-j{JOBS}"], p.logs / "make.log", env, build)
        t = step(f"make -j{JOBS}", t)
        stage = work / "stage"
        _run(["make", "install", f"DESTDIR={stage}"], p.logs / "install.log", env, build)
        os.replace(stage / p.prefix.relative_to(p.prefix.anchor), p.prefix)
        t = step("make install", t)

        info = _verify(p, runner)
        step("verification under qemu", t)
        info.update(format=FORMAT, source=list(cpython_source.SOURCES[VERSION]), steps=steps,
                    build_seconds=round(time.monotonic() - started, 1), toolchain=tools["CC"],
                    build_python=str(build_python.executable), runner=str(runner.root),
                    built=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        tmp = p.ready.with_suffix(".part")
        tmp.write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, p.ready)
        _log(f"built {label} ({info['version_full']}) in {info['build_seconds']:.0f} s "
             f"({p.executable}; missing "
             f"{', '.join(info['missing_modules']) or 'nothing'})")  # type: ignore[arg-type]
    finally:
        shutil.rmtree(work, ignore_errors=True)


_PROBE = r"""
import importlib, json, os, platform, sys, sysconfig
gil_at_start = sys._is_gil_enabled()
dynload = os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload")
suffix = sysconfig.get_config_var("EXT_SUFFIX")
shared = sorted(n[: -len(suffix)] for n in os.listdir(dynload) if n.endswith(suffix))
failed = {}
for name in shared:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({
    "version_full": "%d.%d.%d" % sys.version_info[:3],
    "sys.version": sys.version,
    "abiflags": sys.abiflags,
    "machine": platform.machine(),
    "byteorder": sys.byteorder,
    "hash_algorithm": sys.hash_info.algorithm,
    "tzset": hasattr(__import__("time"), "tzset"),
    "EXT_SUFFIX": suffix,
    "SOABI": sysconfig.get_config_var("SOABI"),
    "MULTIARCH": sysconfig.get_config_var("MULTIARCH"),
    "Py_GIL_DISABLED": sysconfig.get_config_var("Py_GIL_DISABLED"),
    "gil_enabled": gil_at_start,
    "gil_enabled_after_imports": sys._is_gil_enabled(),
    "CC": sysconfig.get_config_var("CC"),
    "platform": sysconfig.get_platform(),
    "builtin_modules": sorted(sys.builtin_module_names),
    "shared_modules": shared,
    "failed_imports": failed,
}))
"""


def _verify(p: _Paths, runner: debian_sysroots.DebianPython) -> dict[str, object]:
    """Run the installed interpreter under qemu: what it reports, checked; the facts
    ready.json records."""
    if not p.executable.is_file():
        raise CrossBuildError(f"make install produced no {p.executable}")
    python = dataclasses.replace(runner, python=p.executable)
    probe = subprocess.run(python.command("-I", "-c", _PROBE), capture_output=True, text=True,
                           env=cpython_source.run_env(), timeout=900)
    if probe.returncode != 0:
        raise CrossBuildError(f"{p.executable} does not run under qemu:\n{probe.stdout}\n"
                              f"{probe.stderr}")
    info: dict[str, object] = json.loads(probe.stdout)
    reported: dict[str, list[str]] = json.loads(probe.stdout)  # the same, typed for its lists
    failed: dict[str, str] = json.loads(probe.stdout)["failed_imports"]
    if failed:
        raise CrossBuildError(f"{p.executable}: stdlib modules not importable: {failed}")
    multiarch = f"{p.arch.arch}-linux-gnu"
    expected = {
        "version_full": cpython_source._version_of(cpython_source.SOURCES[VERSION][0]),
        "abiflags": "t", "machine": p.arch.arch, "byteorder": p.arch.byteorder,
        "hash_algorithm": "siphash13", "tzset": True,  # the CONFIG_SITE answers took
        "Py_GIL_DISABLED": 1, "gil_enabled": False, "gil_enabled_after_imports": False,
        "MULTIARCH": multiarch, "EXT_SUFFIX": f".cpython-314t-{multiarch}.so",
        "platform": f"linux-{p.arch.arch}",
    }
    problems = [f"{key} {info.get(key)!r}, expected {value!r}"
                for key, value in expected.items() if info.get(key) != value]
    if problems:
        raise CrossBuildError(f"{p.executable} under qemu: {'; '.join(problems)}")
    have = set(reported["shared_modules"]) | set(reported["builtin_modules"])
    info["missing_modules"] = [name for name in cpython_source._STDLIB_EXTENSIONS
                               if name not in have]
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arches", nargs="*", default=list(ARCHES),
                        help=f"architectures (default: {' '.join(ARCHES)})")
    parser.add_argument("--cache", type=Path,
                        help="test cache root (default: ~/.cache/zigcc-tests)")
    parser.add_argument("--rebuild", action="store_true", help="build again even if cached")
    args = parser.parse_args(argv)
    unknown = [arch for arch in args.arches if arch not in ARCHES]
    if unknown:
        parser.error(f"unknown architecture {unknown[0]!r}; known: {', '.join(ARCHES)}")
    for arch in args.arches:
        started = time.monotonic()
        python = ensure_cross(arch, args.cache, rebuild=args.rebuild)
        info = python.info
        print(f"{arch}: {python.executable} ({python.version_full}t, {info.get('machine')}, "
              f"{info.get('byteorder')}-endian, GIL enabled: {info.get('gil_enabled')})")
        print(f"  EXT_SUFFIX {python.ext_suffix}  SOABI {python.soabi}")
        print(f"  runs as    {' '.join(python.command())}")
        print(f"  missing    {' '.join(python.missing_modules) or '-'}")
        print(f"  build time {info.get('build_seconds')} s {info.get('steps')}")
        print(f"  this call  {time.monotonic() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
