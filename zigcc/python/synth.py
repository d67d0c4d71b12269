"""Synthesized target Pythons: a CPython X.Y for any Linux target, with no target interpreter.

From the build interpreter of the same X.Y and ABI flags only the platform-neutral
``Include/`` tree is taken.  Everything else is the target's: type sizes, alignments and byte
order from a compile-only probe of the target compiler (:mod:`zigcc.python.probe`), the
headers and functions zig's libc provides (:mod:`zigcc.python.cchecks`), a whole
``pyconfig.h`` (:mod:`zigcc.python.pyconfig`), and EXT_SUFFIX, SOABI and MULTIARCH by
CPython's rules for that version and libc.  The result is a target pack (a folder with
``build-details.json`` and ``include/python3.X/``) read back as the same frozen
:class:`~zigcc.python.model.TargetPython` every other source gives, so the build machine's
own OS and architecture never show (a macOS laptop gets the same pack as a Linux server).

Windows targets go to :mod:`zigcc.python.synth_windows` (python.org's DLL build), macOS
targets to :mod:`zigcc.python.synth_macos` (python.org's framework build); debug builds
cannot be synthesized: one error says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zigcc.cachedir import publish
from zigcc.errors import ZigccError
from zigcc.python import cchecks, formats, probe, pyconfig_run, synth_macos, synth_windows
from zigcc.python import pyconfig as pyc
from zigcc.python.description import from_pack
from zigcc.python.dump import render
from zigcc.python.model import DETAILS_NAME, TargetPython
from zigcc.python.naming import configure_flags
from zigcc.target.model import Target

FORMAT = 3  # bump when a pack's content changes: cached packs of another format are stale


@dataclass(frozen=True)
class BuildHeaders:
    """What a synthesized target takes from the build interpreter: its CPython version, ABI
    flags and the platform-neutral ``Include/`` tree (its pyconfig.h is never read)."""

    version: tuple[int, int]
    abiflags: str
    version_full: str
    include_dir: str


@dataclass(frozen=True)
class Identity:
    """The names CPython's build gives a target: pure rules of the version and libc."""

    multiarch: str
    ext_suffix: str
    soabi: str
    sysconfigdata_name: str
    platform: str


def check_synthesizable(target: Target, version: tuple[int, int], abiflags: str) -> None:
    if target.os != "linux":
        raise ZigccError(f"{target.platform_tags[0]}: a target Python is synthesized here "
                         "for Linux (manylinux, musllinux) only; Windows and macOS targets "
                         "have their own (zigcc build --python X.Y), or pass a pack or "
                         "build-details.json made on the target")
    pyc.check_abiflags(version, abiflags)


def identity(target: Target, version: tuple[int, int], abiflags: str,
             facts: probe.TargetFacts) -> Identity:
    multiarch = pyc.platform_triplet(version, target.libc or "gnu", facts)
    rules = target.platform
    name = rules.sysconfigdata_name(abiflags, multiarch)
    assert name is not None  # Linux: checked by check_synthesizable
    return Identity(multiarch, rules.ext_suffix(version, abiflags, multiarch),
                    rules.soabi(version, abiflags, multiarch), name, target.sysconfig_platform)


def config_vars(target: Target, bh: BuildHeaders, ident: Identity,
                macros: Mapping[str, str | None]) -> dict[str, object]:
    """The target's build_time_vars: every pyconfig.h macro (sysconfig parses them in;
    undefined ones are 0) and what configure and the Makefile set."""
    out: dict[str, object] = {name: _macro_value(value) for name, value in macros.items()}
    ver = f"{bh.version[0]}.{bh.version[1]}"
    library = f"libpython{ver}{bh.abiflags}.a"
    opt, basecflags = configure_flags(bh.version, ident.multiarch.split("-")[0])
    out.update({
        "VERSION": ver, "ABIFLAGS": bh.abiflags, "EXT_SUFFIX": ident.ext_suffix,
        "SOABI": ident.soabi, "MULTIARCH": ident.multiarch, "PLATFORM_TRIPLET": ident.multiarch,
        "HOST_GNU_TYPE": target.gnu_triple, "MACHDEP": "linux", "SHLIB_SUFFIX": ".so",
        "CCSHARED": "-fPIC", "OPT": opt, "BASECFLAGS": basecflags,
        "CFLAGS": f"{basecflags} {opt}", "Py_ENABLE_SHARED": 0, "LDLIBRARY": library,
        "LIBRARY": library, "LIBPYTHON": "", "WITH_PYMALLOC": int(macros.get("WITH_PYMALLOC")
                                                                  is not None),
    })
    return out


def _macro_value(value: str | None) -> object:
    if value is None:
        return 0
    if value.lstrip("-").isdigit():
        return int(value)
    return value.strip('"')


def describe(target: Target, bh: BuildHeaders, facts: probe.TargetFacts,
             macros: Mapping[str, str | None], folder: str) -> TargetPython:
    """The synthesized target Python, its headers in ``folder/include/python3.X``."""
    ident = identity(target, bh.version, bh.abiflags, facts)
    headers = os.path.join(folder, "include", f"python{bh.version[0]}.{bh.version[1]}"
                                              f"{bh.abiflags}")
    return TargetPython(
        implementation="cpython", version=bh.version, version_full=bh.version_full,
        abiflags=bh.abiflags, platform=ident.platform, multiarch=ident.multiarch,
        ext_suffix=ident.ext_suffix, soabi=ident.soabi, pointer_size=facts.size("VOID_P") * 8,
        byteorder=facts.byteorder, gil_disabled="t" in bh.abiflags, debug=False,
        include_dirs=(headers,), libdir=None, ldlibrary=None, libpython=None,
        sysconfigdata_name=ident.sysconfigdata_name,
        config_vars=config_vars(target, bh, ident, macros), source="zigcc.synth")


def details(tp: TargetPython, target: Target, folder: str) -> dict[str, Any]:
    """The pack's build-details.json: :func:`zigcc.python.formats.build_details` of ``tp``
    with paths relative to the pack (which ``zigcc describe --pack`` may move)."""
    data = formats.build_details(tp, target)
    headers = os.path.relpath(data["c_api"]["headers"], folder)
    data.update(base_prefix=".", c_api={"headers": headers})
    data["arbitrary_data"]["zigcc"].update(
        generator="zigcc.synth", pack=True, pyconfig_dir=headers,
        origin={"synthesized": True, "zig_target": target.zig_target})
    return data


def write_pack(folder: Path, data: Mapping[str, Any], include_src: str, pyconfig: str) -> None:
    """Fill ``folder``: the build interpreter's headers but its pyconfig.h, then the target's."""
    headers = folder / str(data["c_api"]["headers"])
    if not (Path(include_src) / "Python.h").is_file():
        raise ZigccError(f"{include_src}: no Python.h; install the build interpreter's "
                         "development headers")
    shutil.copytree(include_src, headers, ignore=shutil.ignore_patterns("pyconfig.h"))
    (headers / "pyconfig.h").write_text(pyconfig, encoding="utf-8")
    (folder / DETAILS_NAME).write_text(render(data), encoding="utf-8")


def target_facts(target: Target, zig: Path, cache: Path) -> tuple[probe.TargetFacts,
                                                                   cchecks.TargetChecks]:
    """The probe's facts and the libc checks of ``target``, made once per zig and target."""
    folder = cache / "synth" / "facts" / zig.parent.name / target.ident
    # Keyed by what was checked too: a new check table (a new CPython version's) runs the
    # checks again instead of finding stale ones.
    path = folder / f"facts-{probe.FORMAT}-{cchecks.FORMAT}-{pyc.CHECKS_KEY}.json"
    return pyconfig_run.cached_facts(path, lambda work: pyconfig_run.collect(
        pyconfig_run.compiler_for(target, zig), work, target.libc or "gnu", target.zig_target))


def synthesize(target: Target, bh: BuildHeaders, zig: Path, cache: Path) -> TargetPython:
    """The target Python of ``target`` for the build interpreter's X.Y, as a cached pack."""
    if target.os == "windows":  # python.org's DLL build: headers and import libraries
        return synth_windows.synthesize(target, bh.version, bh.abiflags, bh.version_full,
                                        bh.include_dir, zig, cache)
    if target.os == "macos":  # python.org's framework build: headers only
        return synth_macos.synthesize(target, bh.version, bh.abiflags, bh.version_full,
                                      bh.include_dir, zig, cache)
    check_synthesizable(target, bh.version, bh.abiflags)
    facts, checks = target_facts(target, zig, cache)
    pyconfig = render_pyconfig(target, bh, facts, checks)  # pure and cheap: it keys the pack
    key = hashlib.sha256(json.dumps([FORMAT, target.ident, bh.version_full, bh.abiflags,
                                     os.path.realpath(bh.include_dir), zig.parent.name,
                                     hashlib.sha256(pyconfig.encode()).hexdigest()])
                         .encode()).hexdigest()[:16]
    ver = f"cp{bh.version[0]}{bh.version[1]}{bh.abiflags}"
    folder = cache / "synth" / "packs" / f"{target.ident}-{ver}-{key}"

    def fill(tmp: Path) -> None:
        write_pack(tmp, pack_data(target, bh, facts, checks, str(folder)), bh.include_dir,
                   pyconfig)

    publish(folder, DETAILS_NAME, fill)
    return from_pack(str(folder))


def pack_data(target: Target, bh: BuildHeaders, facts: probe.TargetFacts,
              checks: cchecks.TargetChecks, folder: str) -> dict[str, Any]:
    decided = pyc.values(bh.version, bh.abiflags, target.libc or "gnu", facts, checks)
    macros = {name: value for name, (value, _) in decided.items()}
    return details(describe(target, bh, facts, macros, folder), target, folder)


def render_pyconfig(target: Target, bh: BuildHeaders, facts: probe.TargetFacts,
                    checks: cchecks.TargetChecks) -> str:
    return pyc.render_pyconfig(bh.version, bh.abiflags, target.libc or "gnu", facts, checks,
                               target.platform_tags[0])
