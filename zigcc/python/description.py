"""Read a target Python into one typed, frozen :class:`TargetPython`.

Sources: the running interpreter, a ``zigcc.python.dump`` JSON or a plain PEP 739
``build-details.json`` (CPython 3.14+), a target pack made by
``python -m zigcc.python.dump --pack DIR``, or a Debian-layout sysroot whose
``_sysconfigdata_*.py`` is parsed with :mod:`ast` (never imported), read by
:mod:`zigcc.python.sysroot`.  The type and its pure rules live in :mod:`zigcc.python.model`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from zigcc.python import dump as _dump
from zigcc.python.model import (
    _WINDOWS_ABS,
    DETAILS_NAME,
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
from zigcc.python.sysroot import from_sysroot, read_build_time_vars, rebase_vars
from zigcc.target.platforms import LINUX

__all__ = [
    "DETAILS_NAME", "TargetPython", "TargetPythonError", "check_buildable",
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


def _resolver(base: str) -> Any:
    def resolve(path: str | None) -> str | None:
        if path is None:
            return None
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


def from_details(details: Mapping[str, Any], json_dir: str | None, source: str) -> TargetPython:
    """TargetPython from parsed build-details data; relative paths resolved per PEP 739."""
    where = source
    bp = _get(details, "base_prefix", str, where, required=True)
    if not os.path.isabs(bp) and not _WINDOWS_ABS.match(bp):
        if json_dir is None:
            raise _error(where, "key base_prefix is relative but the data has no file location")
        bp = os.path.normpath(os.path.join(json_dir, bp))
    resolve = _resolver(bp)
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
    ext_suffix = (
        z("EXT_SUFFIX", str)
        or _get(details, "abi.extension_suffix", str, where)
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


def from_json(path: str) -> TargetPython:
    """TargetPython from a zigcc dump or a PEP 739 build-details.json (schema 1.x)."""
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
    return from_details(details, os.path.dirname(path), path)


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
