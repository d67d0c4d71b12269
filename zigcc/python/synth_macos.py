"""Synthesized target Pythons for macOS: python.org's CPython X.Y for ``macosx_*_arm64`` and
``macosx_*_x86_64``, with no Mac.

From the build interpreter of the same X.Y only the platform-neutral ``Include/`` tree is
taken; the target's ``pyconfig.h`` is :mod:`zigcc.python.macos_pyconfig`'s, from a probe of
the target compiler and checks against zig's macOS headers.  Extensions link no libpython:
dyld binds their CPython symbols from the interpreter (``-undefined dynamic_lookup``, as
python.org's LDSHARED), so the pack is headers only.  Names are CPython's on Darwin:
``.cpython-313-darwin.so``, ``.abi3.so``, ``_sysconfigdata__darwin_darwin``.

A wheel may claim a macOS version from the lowest both zig and python.org's CPython of that
version support (:meth:`zigcc.target.platforms.macos.MacOS.lowest_for_python`); below it the
target is refused.  ``universal2`` is two builds merged (:mod:`zigcc.frontend.universal2`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from zigcc.cachedir import publish
from zigcc.errors import ZigccError
from zigcc.python import cchecks, macos_pyconfig, probe, pyconfig_run, synth_windows
from zigcc.python import pyconfig as pyc
from zigcc.python import pyconfig_table as table
from zigcc.python.model import TargetPython
from zigcc.python.naming import configure_flags
from zigcc.target.model import Target

FORMAT = 2  # bump when a pack's content changes
TRIPLET = "darwin"  # CPython's PLATFORM_TRIPLET / SOABI platform part on macOS
API_NAME = "c-api.txt"  # in the pack: the C API names a module may leave undefined (verify)


def check_macos(target: Target, version: tuple[int, int], abiflags: str) -> None:
    """Refuse what python.org does not ship for macOS: debug builds, and a macOS version
    below the lowest that version's CPython runs on."""
    tag = target.platform_tags[0]
    if target.arch == "universal2":
        raise ZigccError(f"{tag}: a universal2 target Python is two, one per arch; build "
                         "macosx_*_arm64 and macosx_*_x86_64 and merge the wheels")
    if "d" in abiflags:
        raise ZigccError(f"{tag}: python.org ships no debug CPython for macOS; use a "
                         "release build interpreter")
    pyc.check_abiflags(version, abiflags)
    assert target.macos_version
    low = target.platform.lowest_for_python(target.arch, version)
    if target.macos_version < low:
        arch = target.info.macos
        raise ZigccError(
            f"--target {tag}: python.org's CPython {version[0]}.{version[1]} for macOS runs "
            f"on macOS {low[0]}.{low[1]} and later ({arch}); use macosx_{low[0]}_{low[1]}_"
            f"{arch} or later, or MACOSX_DEPLOYMENT_TARGET={low[0]}.{low[1]}")


def target_facts(target: Target, zig: Path, cache: Path) -> tuple[probe.TargetFacts,
                                                                   cchecks.TargetChecks]:
    """The probe's facts and the header, compile and declaration checks of ``target``, made
    once per zig and target."""
    folder = cache / "synth" / "facts" / zig.parent.name / target.ident
    path = folder / f"macos-{probe.FORMAT}-{cchecks.FORMAT}-{pyc.CHECKS_KEY}-link.json"

    def make(work: Path) -> tuple[probe.TargetFacts, cchecks.TargetChecks]:
        cc = pyconfig_run.compiler_for(target, zig)
        return probe.probe(cc, work, target.zig_target), cchecks.run_checks(
            cc, work, headers=pyc.CHECK_HEADERS, compiles=table.COMPILE_CHECKS,
            functions=pyc.CHECK_FUNCTIONS, prelude=table.PRELUDE, glibc=False,
            target=target.zig_target, darwin=True)

    return pyconfig_run.cached_facts(path, make)


def _macro(value: str | None) -> object:
    if value is None:
        return 0
    return int(value) if value.lstrip("-").isdigit() else value.strip('"')


def describe(target: Target, version: tuple[int, int], abiflags: str, version_full: str,
             facts: probe.TargetFacts, macros: dict[str, str | None],
             folder: Path) -> TargetPython:
    """The synthesized macOS target Python of the pack in ``folder`` (pure)."""
    rules = target.platform
    ext_suffix = rules.ext_suffix(version, abiflags, TRIPLET)
    soabi = rules.soabi(version, abiflags, TRIPLET)
    ver = f"{version[0]}.{version[1]}"
    assert target.macos_version
    opt, basecflags = configure_flags(version)
    config: dict[str, object] = {name: _macro(value) for name, value in macros.items()}
    config.update({
        "VERSION": ver, "py_version_nodot": f"{version[0]}{version[1]}", "ABIFLAGS": abiflags,
        "EXT_SUFFIX": ext_suffix, "SOABI": soabi, "MACHDEP": rules.machdep,
        "SHLIB_SUFFIX": ".so", "CCSHARED": rules.ccshared, "OPT": opt,
        "BASECFLAGS": basecflags, "CFLAGS": f"{basecflags} {opt}",
        "MACOSX_DEPLOYMENT_TARGET": "{}.{}".format(*target.macos_version),
        "Py_ENABLE_SHARED": 0, "PYTHONFRAMEWORK": "Python",
        "PYTHONFRAMEWORKPREFIX": "/Library/Frameworks",
        "LDLIBRARY": f"Python.framework/Versions/{ver}{abiflags}/Python",
        "LIBRARY": f"libpython{ver}{abiflags}.a", "LIBPYTHON": "",
        "HOST_GNU_TYPE": target.gnu_triple, "PLATFORM_TRIPLET": TRIPLET,
    })
    return TargetPython(
        implementation="cpython", version=version, version_full=version_full,
        abiflags=abiflags, platform=target.sysconfig_platform, multiarch=None,
        ext_suffix=ext_suffix, soabi=soabi, pointer_size=facts.size("VOID_P") * 8,
        byteorder=facts.byteorder, gil_disabled="t" in abiflags, debug=False,
        include_dirs=(str(folder / "include" / f"python{ver}{abiflags}"),),
        libdir=None, ldlibrary=None, libpython=None,
        sysconfigdata_name=rules.sysconfigdata_name(abiflags, TRIPLET),
        config_vars=config, source="zigcc.synth")


def synthesize(target: Target, version: tuple[int, int], abiflags: str, version_full: str,
               include_dir: str, zig: Path, cache: Path) -> TargetPython:
    """The macOS target Python of ``target`` for the build interpreter's X.Y, cached."""
    check_macos(target, version, abiflags)
    if not (Path(include_dir) / "Python.h").is_file():
        raise ZigccError(f"{include_dir}: no Python.h; install the build interpreter's "
                         "development headers")
    facts, checks = target_facts(target, zig, cache)
    tag = target.platform_tags[0]
    pyconfig = macos_pyconfig.render(version, abiflags, facts, checks, tag)
    macros = macos_pyconfig.values(version, abiflags, facts, checks)
    key = hashlib.sha256(json.dumps([FORMAT, target.ident, version_full, abiflags,
                                     os.path.realpath(include_dir), zig.parent.name, pyconfig])
                         .encode()).hexdigest()[:16]
    folder = cache / "synth" / "macos" / f"{target.ident}-cp{version[0]}{version[1]}" \
                                         f"{abiflags}-{key}"
    headers = f"include/python{version[0]}.{version[1]}{abiflags}"

    def fill(tmp: Path) -> None:
        shutil.copytree(include_dir, tmp / headers, ignore=shutil.ignore_patterns("pyconfig.h"))
        (tmp / headers / "pyconfig.h").write_text(pyconfig, encoding="utf-8")
        work = tmp / "work"
        work.mkdir()
        names = synth_windows.declared_api(zig, target, tmp / headers, work)
        shutil.rmtree(work)
        (tmp / API_NAME).write_text("".join(f"{n}\n" for n in sorted(names)), encoding="utf-8")

    publish(folder, API_NAME, fill)
    return describe(target, version, abiflags, version_full, facts, macros, folder)


def api_names(tp: TargetPython) -> frozenset[str] | None:
    """The C API names of a synthesized macOS target Python's pack (what verify lets a
    module leave undefined); None for another target Python."""
    if not tp.platform.startswith("macosx-") or not tp.include_dirs:
        return None
    path = Path(tp.include_dirs[0]).parent.parent / API_NAME
    if not path.is_file():
        return None
    return frozenset(path.read_text(encoding="utf-8").split())
