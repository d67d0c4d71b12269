"""A real musl CPython 3.11 for x86_64, built once with zigcc's own musl toolchain and cached.

No Linux distribution here packages a musl CPython, so this module builds one from Debian's source
(``python3.11_3.11.2.orig.tar.gz``, bookworm) with the ``musllinux_1_2_x86_64`` shims that
``zigcc env`` prints, and runs it with Debian's musl (``musl_1.2.3-1_amd64.deb``, bookworm), so
wheels built by zigcc can be imported in a real musl interpreter.  No pytest here:
``python tests/musl_cpython.py [--rebuild] [--cache DIR]`` builds (or reuses) it and prints the
timing and what the interpreter reports.

Layout, under ``<cache>/musl-cpython-3.11-x86_64/`` (``<cache>``: ``$ZIGCC_TEST_CACHE``, else
``~/.cache/zigcc-tests``), with ``musl-cpython-3.11-x86_64.lock`` beside it::

    musl/        Debian's musl runtime (``dpkg-deb -x``); lib/ld-musl-x86_64.so.1 is the loader
    deps/        zlib and libffi built with the same toolchain (static, PIC), for zlib and _ctypes
    python/      the ``make install`` prefix: bin/python3.11, lib/python3.11/lib-dynload/*.so
    logs/        configure/make logs of the last build
    ready.json   written last, once the interpreter was verified

The interpreter is an ordinary dynamically linked musl executable whose ELF ``PT_INTERP`` is the
absolute path of ``musl/lib/ld-musl-x86_64.so.1`` (linked with ``-Wl,--dynamic-linker=...``):
it runs directly, without root and without a ``/lib/ld-musl-x86_64.so.1`` on the host, and
``packaging``'s musl detection (which reads ``PT_INTERP`` and runs that loader) works.  Moving
the folder breaks it: the loader path is baked in.

The build is native in autoconf's sense (``--build=x86_64-pc-linux-musl``, no ``--host``): every
program configure and make run (``_freeze_module``, ``_bootstrap_python``, ``./python``) is a
musl program run by that loader.  This also gives CPython 3.11's own rule for musl: configure
turns the ``x86_64-linux-gnu`` triplet into ``x86_64-linux-musl`` only when the *build* system
is musl (``case $build_os in linux-musl*``), as on Alpine; a cross build from a glibc machine
(``--build=x86_64-linux-gnu``) would report ``.cpython-311-x86_64-linux-gnu.so`` instead.

Two toolchain facts shape the flags:

* ``zig cc`` links musl executables statically unless told ``-dynamic``, and a dynamic executable
  linked from non-PIC objects gets *broken* copy relocations (zig's musl stub ``libc.so`` puts
  all data symbols at one address, so ``environ``, ``optind``, ``timezone``... share one copy and
  musl's startup corrupts ``environ``: ``getenv`` crashes).  Hence ``CFLAGS=-fPIC``: libc data is
  then reached through the GOT.
* zig's musl is 1.2.5 while the runtime is Debian's 1.2.3: functions only the newer musl has
  (``preadv2``, ``pwritev2``, ``statx``...) and ``crypt`` (Debian's libc.so lacks it) are
  declared absent to configure, and every undefined symbol of the installed executable and
  extension modules is checked against the runtime ``libc.so`` before the build is marked ready.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import source_builds
from buildhelp import ZLIB_SOURCE, debian_source
from debian_sysroots import default_cache
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

# Debian bookworm's files (pool path, sha256), from the bookworm Sources / Packages indexes.
PYTHON_SOURCE = ("pool/main/p/python3.11/python3.11_3.11.2.orig.tar.gz",
                 "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849")
MUSL_DEB = ("pool/main/m/musl/musl_1.2.3-1_amd64.deb",
            "4fc1e3d9b579f5c682ca99a4d45aec08d72a2e6b82b4c2e1bbcb7095466ae96d")
LIBFFI_SOURCE = ("pool/main/libf/libffi/libffi_3.4.4.orig.tar.gz",
                 "d66c56ad259a82cf2a9dfc408b32bf5da52371500b84745f7fb8b645712df676")

TARGET = "musllinux_1_2_x86_64"
NAME = "musl-cpython-3.11-x86_64"
LOADER = "lib/ld-musl-x86_64.so.1"
FORMAT = 1  # bump when the build changes: a cached fixture of another format is rebuilt
JOBS = 2
# configure's defaults are "-DNDEBUG -g -fwrapv -O3 -Wall": no -g keeps the build short.
OPT = "-DNDEBUG -fwrapv -O2 -Wall"
# Extension modules that must import (dlopen through musl's loader): the build fails otherwise.
ESSENTIAL = ("math", "_struct", "select", "_socket", "_json", "zlib", "binascii", "_ctypes",
             "array", "_datetime", "_decimal", "_pickle", "_posixsubprocess", "fcntl", "pyexpat",
             "_sha256", "_blake2", "unicodedata")
# Build machinery and user settings that must not reach configure, make or the interpreter.
_BUILD_DROPPED = frozenset({
    "CC", "CXX", "CPP", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LIBS", "AR", "RANLIB",
    "LDSHARED", "PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "CONFIG_SITE", "MAKEFLAGS",
    "MFLAGS", "MAKELEVEL", "LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME",
    "PYTHONSTARTUP", "PYTHONEXECUTABLE", "VIRTUAL_ENV", "_PYTHON_SYSCONFIGDATA_NAME",
    "_PYTHON_HOST_PLATFORM", "_PYTHON_PROJECT_BASE",
})
_RUN_DROPPED = frozenset({"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONEXECUTABLE",
                          "VIRTUAL_ENV", "LD_LIBRARY_PATH", "LD_PRELOAD",
                          "_PYTHON_SYSCONFIGDATA_NAME", "_PYTHON_HOST_PLATFORM"})
_SYSTEM_TOOLS = ("cc", "gcc", "g++", "c++", "cpp", "clang", "clang++", "ld", "x86_64-linux-gnu-gcc",
                 "x86_64-linux-gnu-g++", "dpkg-architecture")


class MuslPythonError(RuntimeError):
    """The musl interpreter could not be built or verified."""


@dataclass(frozen=True)
class MuslPython:
    """The cached musl CPython: run it with :meth:`run` or :meth:`command`."""

    prefix: Path  # the install prefix (sys.prefix)
    python: Path  # prefix/bin/python3.11
    version: str  # "3.11.2"
    loader: Path  # musl's dynamic loader, the executable's PT_INTERP
    musl_version: str  # of the runtime, e.g. "1.2.3"
    ext_suffix: str
    soabi: str
    multiarch: str
    missing_modules: tuple[str, ...] = ()  # stdlib extension modules this build lacks
    info: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False,
                                       repr=False)

    @property
    def version_info(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split("."))

    @property
    def include_dir(self) -> Path:
        """``Python.h``'s folder."""
        return self.prefix / "include" / "python{}.{}".format(*self.version_info)

    @property
    def lib_dynload(self) -> Path:
        return self.prefix / "lib" / "python{}.{}".format(*self.version_info) / "lib-dynload"

    def command(self, *args: str | os.PathLike[str]) -> list[str]:
        """argv running the interpreter with ``args`` (its PT_INTERP is musl's loader)."""
        return [str(self.python), *map(str, args)]

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = 600,
        check: bool = False,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the interpreter, capturing text output.

        The host's PYTHONPATH, PYTHONHOME, VIRTUAL_ENV (and LD_PRELOAD / LD_LIBRARY_PATH, which
        musl's loader would honour) are dropped and user site-packages are off; ``env`` is
        added on top of the rest of ``os.environ``.
        """
        return subprocess.run(
            self.command(*args), env=run_env(env), cwd=cwd, timeout=timeout, check=check,
            input=input, capture_output=True, text=True,
        )  # fmt: skip


def run_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` without the host interpreter's settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _RUN_DROPPED}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra or {})
    return env


# ------------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class _Paths:
    base: Path
    lock: Path
    ready: Path
    musl: Path
    deps: Path
    prefix: Path
    logs: Path

    @property
    def loader(self) -> Path:
        return self.musl / LOADER

    @property
    def python(self) -> Path:
        return self.prefix / "bin" / "python3.11"


def _paths(cache: Path | None) -> _Paths:
    base = (cache or default_cache()).expanduser().resolve() / NAME
    return _Paths(base, base.with_name(base.name + ".lock"), base / "ready.json", base / "musl",
                  base / "deps", base / "python", base / "logs")


def _pins() -> dict[str, str]:
    return {Path(pool).name: sha for pool, sha in (PYTHON_SOURCE, MUSL_DEB, LIBFFI_SOURCE,
                                                     ZLIB_SOURCE)}


def _log(message: str) -> None:
    print(f"[musl-cpython] {message}", file=sys.stderr, flush=True)


def _load(p: _Paths) -> MuslPython | None:
    """The fixture ready.json describes, if it is complete and of this format."""
    try:
        data = json.loads(p.ready.read_text())
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != FORMAT or data.get("pins") != _pins()
            or not p.python.is_file() or not p.loader.exists()):
        return None
    return MuslPython(
        prefix=p.prefix, python=p.python, version=data["version"], loader=p.loader,
        musl_version=data["musl_version"], ext_suffix=data["EXT_SUFFIX"], soabi=data["SOABI"],
        multiarch=data["MULTIARCH"], missing_modules=tuple(data["missing_modules"]), info=data,
    )  # fmt: skip


def ensure_musl_python(cache: Path | None = None, *, rebuild: bool = False) -> MuslPython:
    """The musl CPython 3.11, built on first use into ``<cache>/musl-cpython-3.11-x86_64``.

    ``cache`` is the test cache root (default ``$ZIGCC_TEST_CACHE`` or ``~/.cache/zigcc-tests``).
    Safe for concurrent callers (a file lock; the first builds, the others wait) and for
    interrupted builds (nothing counts until ``ready.json`` is written, after verification).
    Raises :class:`MuslPythonError` when the build or its verification fails.
    """
    p = _paths(cache)
    return source_builds.ensure(lambda: _load(p), lambda: _build(p), p.lock, p.base, _log,
                                rebuild, MuslPythonError)


# ------------------------------------------------------------------------------- the build


def toolchain() -> dict[str, str]:
    """What ``zigcc env --target musllinux_1_2_x86_64 --shell json`` prints (CC, CXX, AR...)."""
    return source_builds.zigcc_env(TARGET, ("CC", "CXX", "AR", "RANLIB", "ZIGCC_TOOLCHAIN"),
                                   MuslPythonError)


def _dynamic_symbols(path: Path) -> tuple[set[str], set[str], list[str], str | None]:
    """(defined, undefined non-weak, DT_NEEDED, PT_INTERP) of an ELF file's dynamic table."""
    defined: set[str] = set()
    undefined: set[str] = set()
    needed: list[str] = []
    interp = None
    with path.open("rb") as handle:
        elf = ELFFile(handle)
        for segment in elf.iter_segments():
            if segment["p_type"] == "PT_INTERP":
                interp = segment.get_interp_name()
        dynsym = elf.get_section_by_name(".dynsym")
        for sym in dynsym.iter_symbols() if dynsym is not None else ():
            if not sym.name:
                continue
            if sym["st_shndx"] != "SHN_UNDEF":
                defined.add(sym.name)
            elif sym["st_info"]["bind"] != "STB_WEAK":
                undefined.add(sym.name)
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                needed += [tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    return defined, undefined, needed, interp


def elf_interpreter(path: Path) -> str | None:
    """The ELF ``PT_INTERP`` of ``path`` (None for a static or non-ELF file)."""
    return _dynamic_symbols(path)[3]


def _absent_functions(tools: Mapping[str, str], runtime_libc: Path) -> list[str]:
    """Functions zig's musl stub libc.so declares but the runtime libc.so does not export: the
    newer musl's (preadv2, pwritev2, statx) and crypt, encrypt, setkey (not in Debian's)."""
    try:
        shim = json.loads((Path(tools["ZIGCC_TOOLCHAIN"]) / "shim.json").read_text())
        stub = Path(shim["zig"]).parent / "lib" / "libc" / "musl" / "libc.S"
        names = set(re.findall(r"^\.globl\s+([A-Za-z][A-Za-z0-9_]*)\s*$", stub.read_text(),
                               re.MULTILINE))
    except (OSError, ValueError, KeyError):
        names = {"preadv2", "pwritev2", "statx", "crypt", "crypt_r", "encrypt", "setkey"}
    exported = _dynamic_symbols(runtime_libc)[0]
    return sorted(name for name in names - exported if not name.startswith("_"))


_run = functools.partial(source_builds.run_step, error=MuslPythonError)


def _untar(archive: Path, into: Path) -> Path:
    """Unpack a source tarball into ``into``; its single top folder."""
    into.mkdir(parents=True)
    subprocess.run(["tar", "-xf", str(archive), "-C", str(into)], check=True)
    (top,) = into.iterdir()
    return top


def _no_system_compiler(folder: Path) -> Path:
    return source_builds.failing_tools(folder, _SYSTEM_TOOLS)


def _build_zlib(tools: Mapping[str, str], src: Path, deps: Path, log: Path,
                env: Mapping[str, str]) -> None:
    sources = sorted(path.name for path in src.glob("*.c") if not path.name.startswith("example"))
    _run([tools["CC"], "-c", "-O2", "-fPIC", "-w", "-DHAVE_UNISTD_H", "-DHAVE_STDARG_H",
          "-D_LARGEFILE64_SOURCE=1", *sources], log, env, src)
    (deps / "lib").mkdir(parents=True, exist_ok=True)
    (deps / "include").mkdir(parents=True, exist_ok=True)
    _run([tools["AR"], "rcs", deps / "lib" / "libz.a", *sorted(src.glob("*.o"))], log, env, src)
    for header in ("zlib.h", "zconf.h"):
        shutil.copy2(src / header, deps / "include" / header)


def _build_libffi(tools: Mapping[str, str], src: Path, build: Path, deps: Path, log: Path,
                  env: Mapping[str, str]) -> None:
    build.mkdir()
    _run([src / "configure", "--host=x86_64-linux-musl", "--build=x86_64-pc-linux-gnu",
          f"--prefix={deps}", "--disable-shared", "--enable-static", "--with-pic",
          "--disable-docs", "--disable-multi-os-directory",
          # 3.4.4's static trampolines call open_temp_exec_file() undeclared unless glibc.
          "--disable-exec-static-tramp", f"CC={tools['CC']}",
          f"CXX={tools['CXX']}", f"AR={tools['AR']}", f"RANLIB={tools['RANLIB']}",
          "CFLAGS=-O2 -w"], log, env, build)
    _run(["make", f"-j{JOBS}"], log, env, build)
    _run(["make", "install"], log, env, build)


def _configure_python(tools: Mapping[str, str], src: Path, build: Path, p: _Paths, log: Path,
                      env: Mapping[str, str]) -> None:
    build.mkdir()
    _run([src / "configure", "--build=x86_64-pc-linux-musl", f"--prefix={p.prefix}",
          "--disable-test-modules", "--with-ensurepip=no", "--without-readline",
          "--with-system-ffi", f"CC={tools['CC']}", f"CXX={tools['CXX']}", f"AR={tools['AR']}",
          f"RANLIB={tools['RANLIB']}", "CFLAGS=-fPIC -Wno-date-time",
          f"CPPFLAGS=-I{p.deps}/include",
          f"LDFLAGS=-dynamic -Wl,--dynamic-linker={p.loader} -L{p.deps}/lib",
          f"OPT={OPT}", f"ZLIB_CFLAGS=-I{p.deps}/include", f"ZLIB_LIBS=-L{p.deps}/lib -lz",
          "PKG_CONFIG=false"], log, env, build)


def _build(p: _Paths) -> None:
    started = time.monotonic()
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.monotonic()
        steps[name] = round(now - since, 1)
        _log(f"{name}: {now - since:.0f} s")
        return now

    if p.base.exists():
        _log(f"removing the incomplete or outdated {p.base}")
        shutil.rmtree(p.base)
    p.base.mkdir(parents=True)
    p.logs.mkdir()
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=p.base))
    try:
        python_src = debian_source(*PYTHON_SOURCE)
        musl_deb = debian_source(*MUSL_DEB)
        ffi_src = debian_source(*LIBFFI_SOURCE)
        zlib_src = debian_source(*ZLIB_SOURCE)
        tools = toolchain()
        t = step("downloads and toolchain", started)

        # musl's runtime: unpacked aside, then renamed into place (the loader path is final).
        unpacked = work / "musl"
        subprocess.run(["dpkg-deb", "-x", str(musl_deb), str(unpacked)], check=True)
        os.replace(unpacked, p.musl)
        version = subprocess.run([str(p.loader), "--version"], capture_output=True, text=True)
        found = re.search(r"^Version\s+(\S+)", version.stderr, re.MULTILINE)
        if not found:
            raise MuslPythonError(f"{p.loader} is not a working musl loader:\n{version.stderr}")
        musl_version = found.group(1)
        runtime_libc = p.loader.resolve()
        absent = _absent_functions(tools, runtime_libc)

        env = {k: v for k, v in os.environ.items() if k not in _BUILD_DROPPED}
        path = [str(_no_system_compiler(work / "no-system-compiler")),
                str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")]
        env.update(PATH=os.pathsep.join(path), LC_ALL="C", TMPDIR=str(work))
        configure_env = dict(env)
        # Functions the runtime musl lacks: configure must not find them in zig's newer stubs.
        configure_env.update({f"ac_cv_func_{name}": "no" for name in absent})
        if "crypt" in absent:
            configure_env["py_cv_module__crypt"] = "n/a"

        srcs = work / "src"
        srcs.mkdir()
        cpython = _untar(python_src, srcs / "python")
        libffi = _untar(ffi_src, srcs / "libffi")
        zlib = _untar(zlib_src, srcs / "zlib")
        t = step(f"musl {musl_version} runtime and sources unpacked", t)
        _build_zlib(tools, zlib, p.deps, p.logs / "zlib.log", env)
        t = step("zlib", t)
        # libffi (only needed by make's setup.py step) builds while CPython configures.
        with ThreadPoolExecutor(2) as pool:
            ffi = pool.submit(_build_libffi, tools, libffi, work / "libffi-build", p.deps,
                              p.logs / "libffi.log", env)
            conf = pool.submit(_configure_python, tools, cpython, work / "build", p,
                               p.logs / "configure.log", configure_env)
            conf.result()
            ffi.result()
        t = step("configure (and libffi)", t)
        build = work / "build"
        _run(["make", f"-j{JOBS}"], p.logs / "make.log", env, build)
        t = step(f"make -j{JOBS}", t)
        stage = work / "stage"
        _run(["make", "install", f"DESTDIR={stage}"], p.logs / "install.log", env, build)
        os.replace(stage / p.prefix.relative_to(p.prefix.anchor), p.prefix)
        t = step("make install", t)

        info = _verify(p, runtime_libc)
        step("verification", t)
        info.update(format=FORMAT, pins=_pins(), musl_version=musl_version,
                    libc_functions_disabled=absent, steps=steps,
                    build_seconds=round(time.monotonic() - started, 1), toolchain=tools["CC"],
                    built=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        tmp = p.ready.with_suffix(".part")
        tmp.write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, p.ready)
        _log(f"ready in {info['build_seconds']:.0f} s: {p.python} (EXT_SUFFIX "
             f"{info['EXT_SUFFIX']}, missing {', '.join(info['missing_modules']) or 'nothing'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


_PROBE = r"""
import importlib, importlib.machinery, json, os, sys, sysconfig
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
    "version": "%d.%d.%d" % sys.version_info[:3],
    "sys.version": sys.version,
    "executable": sys.executable,
    "prefix": sys.prefix,
    "EXT_SUFFIX": suffix,
    "SOABI": sysconfig.get_config_var("SOABI"),
    "MULTIARCH": sysconfig.get_config_var("MULTIARCH"),
    "HOST_GNU_TYPE": sysconfig.get_config_var("HOST_GNU_TYPE"),
    "platform": sysconfig.get_platform(),
    "extension_suffixes": importlib.machinery.EXTENSION_SUFFIXES,
    "builtin_modules": sorted(sys.builtin_module_names),
    "shared_modules": shared,
    "failed_imports": failed,
}))
"""

# Extension modules CPython 3.11 can have on Linux, beyond the builtin ones: what is absent from
# this build is recorded as missing_modules.
_STDLIB_EXTENSIONS = (
    "_asyncio", "_bisect", "_blake2", "_bz2", "_codecs_cn", "_codecs_hk", "_codecs_iso2022",
    "_codecs_jp", "_codecs_kr", "_codecs_tw", "_contextvars", "_crypt", "_csv", "_ctypes",
    "_curses", "_curses_panel", "_datetime", "_dbm", "_decimal", "_elementtree", "_gdbm",
    "_hashlib", "_heapq", "_json", "_lsprof", "_lzma", "_md5", "_multibytecodec",
    "_multiprocessing", "_opcode", "_pickle", "_posixshmem", "_posixsubprocess", "_queue",
    "_random", "_sha1", "_sha256", "_sha3", "_sha512", "_socket", "_sqlite3", "_ssl",
    "_statistics", "_struct", "_tkinter", "_typing", "_uuid", "_xxsubinterpreters", "_zoneinfo",
    "array", "audioop", "binascii", "cmath", "fcntl", "grp", "math", "mmap", "nis",
    "ossaudiodev", "pyexpat", "readline", "resource", "select", "spwd", "syslog", "termios",
    "unicodedata", "zlib",
)


def _verify(p: _Paths, runtime_libc: Path) -> dict[str, object]:
    """Check the installed interpreter; the facts ready.json records."""
    if not p.python.is_file():
        raise MuslPythonError(f"make install produced no {p.python}")
    libc_exports = _dynamic_symbols(runtime_libc)[0]
    exe_defined, exe_undefined, exe_needed, interp = _dynamic_symbols(p.python)
    if interp != str(p.loader):
        raise MuslPythonError(f"{p.python}: PT_INTERP {interp!r}, expected {p.loader}")
    unresolved = {p.python.name: sorted(exe_undefined - libc_exports)}
    dynload = sorted((p.prefix / "lib" / "python3.11" / "lib-dynload").glob("*.so"))
    for module in dynload:
        _, undefined, needed, _ = _dynamic_symbols(module)
        unresolved[module.name] = sorted(undefined - libc_exports - exe_defined)
        if set(needed) - {"libc.so"}:
            raise MuslPythonError(f"{module} needs {needed}: only musl's libc.so is available")
    unresolved = {name: symbols for name, symbols in unresolved.items() if symbols}
    if unresolved:
        raise MuslPythonError(f"symbols the musl runtime ({runtime_libc}) does not provide: "
                              f"{unresolved}")
    probe = subprocess.run([str(p.python), "-I", "-c", _PROBE], capture_output=True, text=True,
                           env=run_env(), timeout=600)
    if probe.returncode != 0:
        raise MuslPythonError(f"{p.python} does not run:\n{probe.stdout}\n{probe.stderr}")
    info: dict[str, object] = json.loads(probe.stdout)
    reported: dict[str, list[str]] = json.loads(probe.stdout)  # the same, typed for its lists
    failed: dict[str, str] = json.loads(probe.stdout)["failed_imports"]
    have = set(reported["shared_modules"]) | set(reported["builtin_modules"])
    broken = sorted(name for name in ESSENTIAL if name not in have or name in failed)
    if broken or failed:
        raise MuslPythonError(f"extension modules missing or not importable: {broken}, "
                              f"import errors: {failed}")
    info["missing_modules"] = [name for name in _STDLIB_EXTENSIONS if name not in have]
    info["needed"] = exe_needed
    info["interp"] = interp
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, help="test cache root (default: ~/.cache/zigcc-tests)")
    parser.add_argument("--rebuild", action="store_true", help="build again even if cached")
    args = parser.parse_args(argv)
    started = time.monotonic()
    musl_python = ensure_musl_python(args.cache, rebuild=args.rebuild)
    info = musl_python.info
    print(f"python       {musl_python.python} ({musl_python.version})")
    print(f"loader       {musl_python.loader} (musl {musl_python.musl_version})")
    print(f"EXT_SUFFIX   {musl_python.ext_suffix}")
    print(f"SOABI        {musl_python.soabi}")
    print(f"MULTIARCH    {musl_python.multiarch}")
    print(f"missing      {' '.join(musl_python.missing_modules) or '-'}")
    print(f"build time   {info.get('build_seconds')} s {info.get('steps')}")
    print(f"this call    {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
