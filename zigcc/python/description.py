"""Read a target Python into one typed, frozen :class:`TargetPython`.

Sources: the running interpreter, a ``zigcc.python.dump`` JSON or a plain PEP 739
``build-details.json`` (CPython 3.14+), a target pack made by
``python -m zigcc.python.dump --pack DIR``, or a Debian-layout sysroot whose
``_sysconfigdata_*.py`` is parsed with :mod:`ast` (never imported), read by
:mod:`zigcc.python.sysroot`.  The type and its pure rules live in :mod:`zigcc.python.model`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from zigcc.python import dump as _dump
from zigcc.python import sysroot as _sysroot
from zigcc.python.model import (
    _WINDOWS_ABS,
    DETAILS_FILE_RE,
    DETAILS_NAME,
    PKG_FIX,
    REGEN,
    SOURCE_FIX,
    TargetPython,
    TargetPythonError,
    _error,
    _frozen,
    _vstr,
    fallback_ext_suffix,
    guess_byteorder,
    guess_pointer_size,
    linux_sysconfig_platform,
    parse_version,
    soabi_from_suffix,
)
from zigcc.python.sysroot import read_build_time_vars, rebase_vars
from zigcc.target.platforms import LINUX

__all__ = [
    "DETAILS_FILE_RE", "DETAILS_NAME", "TargetPython", "TargetPythonError", "check_buildable",
    "dispatch_include_root", "fallback_ext_suffix", "from_details", "from_json", "from_pack",
    "from_running_interpreter", "from_sysroot", "guess_byteorder", "guess_pointer_size",
    "linux_sysconfig_platform", "load", "parse_version", "read_build_time_vars", "rebase_vars",
    "soabi_from_suffix",
]

# ---------------------------------------------------------------- JSON sources


def _get(
    data: Mapping[str, Any], dotted: str, kind: Any, where: str, required: bool = False
) -> Any:
    """Value at ``a.b.c`` checked against ``kind``; None when absent and not required."""
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            if required:
                raise _error(where, f"missing key {dotted}", REGEN)
            return None
        value = value[part]
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _error(where, f"key {dotted} has type {type(value).__name__}", REGEN)
    return value


def _resolver(base: str, root: str | None = None) -> Any:
    def resolve(path: str | None) -> str | None:
        if path is None:
            return None
        if root is not None and path.startswith("/"):
            return os.path.join(root, path.lstrip("/"))
        if os.path.isabs(path) or _WINDOWS_ABS.match(path):
            return path
        return os.path.normpath(os.path.join(base, path))

    return resolve


def _first_existing(*paths: str | None) -> str | None:
    return next((p for p in paths if p and os.path.isfile(p)), None)


def _partial_vars(
    tp: dict[str, Any], details: Mapping[str, Any], base_prefix: str
) -> dict[str, object]:
    """The config vars a plain build-details.json implies."""
    pairs: dict[str, object] = {
        "prefix": base_prefix,
        "VERSION": _vstr(tp["version"]),
        "ABIFLAGS": tp["abiflags"],
        "EXT_SUFFIX": tp["ext_suffix"],
        "SOABI": tp["soabi"],
        "MULTIARCH": tp["multiarch"],
        "LDLIBRARY": tp["ldlibrary"],
        "SIZEOF_VOID_P": tp["pointer_size"] // 8,
        "Py_GIL_DISABLED": int(tp["gil_disabled"]),
        "Py_DEBUG": int(tp["debug"]),
        "Py_ENABLE_SHARED": int("dynamic" in (details.get("libpython") or {})),
    }
    return {k: v for k, v in pairs.items() if v is not None}


def from_details(
    details: Mapping[str, Any], json_dir: str | None, source: str, root: str | None = None
) -> TargetPython:
    """TargetPython from parsed build-details data; relative paths resolved per PEP 739 and,
    with ``root`` (the sysroot the file sits in), absolute ones rebased under ``root``."""
    where = source
    bp = _get(details, "base_prefix", str, where, required=True)
    if root is not None and bp.startswith("/"):
        bp = os.path.join(root, bp.lstrip("/"))
    elif not os.path.isabs(bp) and not _WINDOWS_ABS.match(bp):
        if json_dir is None:
            raise _error(where, "key base_prefix is relative but the data has no file location")
        bp = os.path.normpath(os.path.join(json_dir, bp))
    resolve = _resolver(bp, root)
    zig = _get(details, "arbitrary_data.zigcc", Mapping, where) or {}
    if zig.get("format", _dump.ZIGCC_FORMAT) != _dump.ZIGCC_FORMAT:
        raise _error(where, f"key arbitrary_data.zigcc.format is {zig['format']!r}", REGEN)

    def z(key: str, kind: Any) -> Any:
        return _get(zig, key, kind, f"{where} (arbitrary_data.zigcc)")

    vtext = _get(details, "language.version", str, where, required=True)
    version = parse_version(vtext, where, "language.version")
    info = _get(details, "language.version_info", Mapping, where)
    info = info or _get(details, "implementation.version", Mapping, where)
    version_full = z("version_full", str) or (_dump.version_string(info) if info else vtext)
    abiflags = z("abiflags", str)
    if abiflags is None:
        abiflags = "".join(str(f) for f in _get(details, "abi.flags", list, where) or [])
    platform = _get(details, "platform", str, where, required=True)
    multiarch = z("MULTIARCH", str) or _get(details, "implementation._multiarch", str, where)
    if not zig and platform.startswith("linux-") and multiarch:
        # the build machine's uname (Debian's armhf is built on arm64: linux-armv8l), not the ABI's
        platform = linux_sysconfig_platform(multiarch)
    first = (_get(details, "suffixes.extensions", list, where) or [None])[0]
    tagged = first if isinstance(first, str) and soabi_from_suffix(first) else None
    if tagged and multiarch and platform.startswith("linux-") and not tagged.endswith(
            f"-{multiarch}.so"):
        tagged = None  # a cross build's file lists the build machine's (CPython gh-136267)
    ext_suffix = (
        z("EXT_SUFFIX", str)
        or _get(details, "abi.extension_suffix", str, where)
        # EXTENSION_SUFFIXES[0] when it is the tagged one (Debian's files have no extension_suffix)
        or tagged
        or fallback_ext_suffix(version, abiflags, platform, multiarch)
    )
    if not ext_suffix:
        raise _error(where, "missing key abi.extension_suffix", REGEN)
    headers = resolve(_get(details, "c_api.headers", str, where))
    real = resolve(z("pyconfig_dir", str)) if "pyconfig_dir" in zig else None
    if real is None and headers:
        real = _dump.find_real_pyconfig_dir(headers, multiarch)
    include_dirs = tuple(d for d in (headers, real if real != headers else None) if d)
    dynamic = resolve(_get(details, "libpython.dynamic", str, where))
    static = resolve(_get(details, "libpython.static", str, where))
    lib_file = dynamic or static
    libdir = resolve(z("LIBDIR", str)) or (os.path.dirname(lib_file) if lib_file else None)
    ldlibrary = z("LDLIBRARY", str) or (os.path.basename(lib_file) if lib_file else None)
    libpython = _first_existing(
        os.path.join(libdir, ldlibrary) if libdir and ldlibrary else None, dynamic, static
    )
    pointer_size = z("pointer_size", int) or guess_pointer_size(multiarch or platform)
    sc_name = z("sysconfigdata_name", str)
    if "sysconfigdata_name" not in zig and platform.startswith("linux") and multiarch:
        sc_name = LINUX["gnu"].sysconfigdata_name(abiflags, multiarch)
    fields: dict[str, Any] = dict(
        implementation=_get(details, "implementation.name", str, where, required=True),
        version=version,
        version_full=version_full,
        abiflags=abiflags,
        platform=platform,
        multiarch=multiarch,
        ext_suffix=ext_suffix,
        soabi=z("SOABI", str) or soabi_from_suffix(ext_suffix),
        pointer_size=pointer_size,
        byteorder=z("byteorder", str) or guess_byteorder(multiarch or platform),
        gil_disabled=bool(z("Py_GIL_DISABLED", bool)) or "t" in abiflags,
        debug=bool(z("Py_DEBUG", bool)) or "d" in abiflags,
        include_dirs=include_dirs,
        libdir=libdir,
        ldlibrary=ldlibrary,
        libpython=libpython,
        sysconfigdata_name=sc_name,
        source=source,
        sysconfigdata_names=tuple(str(n) for n in z("sysconfigdata_names", list) or ()),
    )
    config = z("config_vars", Mapping)
    cvars = dict(config) if config is not None else _partial_vars(fields, details, bp)
    overrides = {"INCLUDEPY": headers, "LIBDIR": libdir}
    if z("pack", bool):
        overrides.update(CONFINCLUDEPY=include_dirs[-1] if include_dirs else None, LIBPL=libdir)
    cvars.update({k: v for k, v in overrides.items() if v is not None})
    return TargetPython(config_vars=_frozen(cvars), **fields)


def from_running_interpreter() -> TargetPython:
    """TargetPython of the interpreter running this code."""
    return from_details(_dump.collect(), None, "running interpreter")


def details_root(path: str, base_prefix: object) -> str | None:
    """The sysroot a build-details file was unpacked into: the folder above its installed place
    ``<base_prefix>/<platlibdir>/python3.X[t]/`` (``SYSROOT/usr/lib/python3.14/...`` with
    base_prefix ``/usr``); None when the file is where it was installed, or relocatable."""
    if not isinstance(base_prefix, str) or not base_prefix.rstrip("/").startswith("/"):
        return None
    here = os.path.dirname(os.path.abspath(path))
    pattern = r"(.+?)" + re.escape(base_prefix.rstrip("/")) + r"/lib[^/]*/python\d+\.\d+t?"
    match = re.fullmatch(pattern, here)
    return match.group(1) if match and match.group(1) != "/" else None


def _with_details(sc: TargetPython, dt: TargetPython, where: str) -> TargetPython:
    """A sysroot's sysconfigdata reading ``sc`` with the facts of its build-details file ``dt``
    (PEP 739's win; the sysconfigdata gives what PEP 739 does not hold: LIBDIR, the shared
    libpython, the config vars)."""
    if (dt.version, dt.abiflags) != (sc.version, sc.abiflags):
        have = f"{_vstr(dt.version)}{dt.abiflags}, its sysconfigdata {_vstr(sc.version)}"
        raise _error(where, f"is for Python {have}{sc.abiflags}", PKG_FIX)
    real = dt.include_dirs[-1] if dt.include_dirs else None
    include_dirs = dt.include_dirs if real and os.path.isfile(
        os.path.join(real, "pyconfig.h")) else sc.include_dirs
    cvars = dict(sc.config_vars, EXT_SUFFIX=dt.ext_suffix)
    if dt.soabi:
        cvars["SOABI"] = dt.soabi
    if include_dirs != sc.include_dirs:
        cvars["INCLUDEPY"] = include_dirs[0]
    return dataclasses.replace(
        sc, implementation=dt.implementation, version_full=dt.version_full,
        multiarch=dt.multiarch or sc.multiarch, ext_suffix=dt.ext_suffix,
        soabi=dt.soabi or sc.soabi, include_dirs=include_dirs, libdir=sc.libdir or dt.libdir,
        ldlibrary=sc.ldlibrary or dt.ldlibrary, libpython=sc.libpython or dt.libpython,
        config_vars=_frozen(cvars),
    )


def from_sysroot(
    root: str, version: tuple[int, int] | None = None, threaded: bool | None = None
) -> TargetPython:
    """TargetPython from a Debian-layout sysroot: from the PEP 739 build-details file its
    Python installs (3.14+), with its ``_sysconfigdata_*.py`` for the rest, or from that alone."""
    sc, details = _sysroot.read_sysroot(root, version, threaded)
    if details is None:
        return sc
    return _with_details(sc, _details_only(details, sc.source), details)


def _read_details(path: str) -> dict[str, Any]:
    path = os.path.abspath(os.path.expanduser(path))
    try:
        with open(path, encoding="utf-8") as handle:
            details = json.load(handle)
    except OSError as exc:
        raise _error(path, f"cannot read: {exc.strerror or exc}", SOURCE_FIX) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error(path, f"not valid JSON ({str(exc).splitlines()[0]})", SOURCE_FIX) from None
    if not isinstance(details, dict):
        raise _error(path, "top-level JSON value is not an object", SOURCE_FIX)
    schema = details.get("schema_version")
    if schema is None:
        raise _error(path, "missing key schema_version: not a PEP 739 file", SOURCE_FIX)
    if not isinstance(schema, str) or not re.fullmatch(r"1\.\d+", schema):
        raise _error(path, f"key schema_version is {schema!r}; only 1.x is supported", REGEN)
    return details


def _details_only(path: str, root: str | None) -> TargetPython:
    return from_details(_read_details(path), os.path.dirname(path), path, root)


def from_json(path: str) -> TargetPython:
    """TargetPython from a zigcc dump or a PEP 739 build-details file (schema 1.x) under any
    name (upstream's build-details.json, Debian's ``build-details..<multiarch>.json``).  A file
    inside a sysroot has its absolute paths rebased under it and is completed from the
    sysconfigdata beside it, as :func:`from_sysroot` reads it."""
    path = os.path.abspath(os.path.expanduser(path))
    details = _read_details(path)
    root = details_root(path, details.get("base_prefix"))
    tp = from_details(details, os.path.dirname(path), path, root)
    if root is None or not DETAILS_FILE_RE.fullmatch(os.path.basename(path)):
        return tp
    try:
        sc, beside = _sysroot.read_sysroot(root, tp.version, "t" in tp.abiflags)
    except TargetPythonError:
        return tp
    if beside is None or not os.path.samefile(beside, path):
        return tp
    return dataclasses.replace(_with_details(sc, tp, path), source=path)


def from_pack(directory: str) -> TargetPython:
    """TargetPython from a target pack (a dir holding build-details.json)."""
    directory = os.path.abspath(os.path.expanduser(directory))
    path = os.path.join(directory, DETAILS_NAME)
    if not os.path.isfile(path):
        fix = "make a pack with `python -m zigcc.python.dump --pack DIR` on the target"
        raise _error(directory, f"no {DETAILS_NAME} in this dir", fix)
    return from_json(path)


# ---------------------------------------------------------------- dispatch


def load(spec: str) -> TargetPython:
    """'current', a .json file, a pack dir (with build-details.json) or a sysroot dir."""
    if spec == "current":
        return from_running_interpreter()
    path = os.path.abspath(os.path.expanduser(spec))
    if os.path.isfile(path):
        return from_json(path)
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, DETAILS_NAME)):
            return from_pack(path)
        return from_sysroot(path)
    fix = "pass 'current', a build-details.json, a pack dir or a sysroot dir"
    raise _error(path, "no such file or directory", fix)


def dispatch_include_root(target: TargetPython) -> str | None:
    """Dir that resolves the ``#include <multiarch/python3.X/pyconfig.h>`` of a Debian
    dispatching pyconfig.h in ``include_dirs[0]`` (None when there is no dispatcher).

    Python.h includes "pyconfig.h" from its own dir first, so a build must also
    reach the real one through this root (e.g. ``-idirafter``)."""
    if len(target.include_dirs) < 2:
        return None
    root = os.path.dirname(os.path.normpath(target.include_dirs[0]))
    real_parent = os.path.dirname(os.path.dirname(os.path.normpath(target.include_dirs[-1])))
    return root if real_parent == root else None


def check_buildable(target: TargetPython) -> None:
    """Raise TargetPythonError unless Python.h and a real pyconfig.h are on this machine."""
    fix = f"install the python{_vstr(target.version)} dev headers of the target, or make a pack"
    main = target.include_dirs[0] if target.include_dirs else None
    if main is None or not os.path.isfile(os.path.join(main, "Python.h")):
        raise _error(main or target.source, "Python.h not found (key c_api.headers)", fix)
    if not os.path.isfile(os.path.join(target.include_dirs[-1], "pyconfig.h")):
        raise _error(target.include_dirs[-1], "pyconfig.h not found", fix)
