"""One target-Python description, every consumer's format.

From a :class:`~zigcc.python.model.TargetPython` (a Debian sysroot, a dump, a pack or a
synthesized description) and the :class:`~zigcc.target.model.Target` it is built for,
:func:`render` gives the text of

- ``build-details``: a PEP 739 ``build-details.json`` (schema 1.0, absolute paths) with
  zigcc's own facts under ``arbitrary_data.zigcc``, in the shape
  :func:`zigcc.python.description.from_details` reads back;
- ``meson``: the same file as meson's ``-Dpython.build_config=FILE`` needs it (meson >= 1.10,
  mesonbuild/dependencies/python.py): ``c_api.headers`` is its *only* ``-I``, so it must be a
  folder holding the real pyconfig.h (not Debian's dispatcher); ``abi.stable_abi_suffix`` and
  ``libpython.link_extensions`` are read unconditionally; no ``c_api.pkgconfig_path``, whose
  ``.pc`` files would name the build machine's ``/usr/include``;
- ``pyo3``: a ``PYO3_CONFIG_FILE`` (pyo3-build-config's ``InterpreterConfig::from_reader``:
  one ``key=value`` a line, no blank or comment lines, values trimmed);
- ``maturin``: the ``pyo3`` lines plus the ``ext_suffix``, ``abiflags`` and ``abi_tag`` keys
  maturin's ``InterpreterConfig::from_pyo3_config`` also reads (PyO3 warns about them);

The target environment's ``_sysconfigdata`` module is rendered by
:func:`zigcc.targetenv.sysconfigdata.render_module` (``zigcc describe --format sysconfigdata``).

:func:`lookup` answers one fact (``multiarch``, ``sysconfigdata_name``, ...) as text.
Everything here is pure: no subprocess, no file written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from zigcc.errors import ZigccError
from zigcc.python import dump as _dump
from zigcc.python import naming
from zigcc.python.model import TargetPython
from zigcc.target.model import Target

FORMATS = ("build-details", "meson", "pyo3", "maturin")
GENERATOR = "zigcc.formats"
# pyo3-build-config's BuildFlags::ALL, in its order; Py_DEBUG implies Py_REF_DEBUG.
PYO3_FLAGS = ("Py_DEBUG", "Py_REF_DEBUG", "Py_TRACE_REFS", "Py_GIL_DISABLED", "COUNT_ALLOCS")
PYO3_IMPLEMENTATIONS = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalVM"}
_RELEASE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:(a|b|rc|c)(\d+))?")
_LEVELS = {"a": "alpha", "b": "beta", "rc": "candidate", "c": "candidate", None: "final"}
_LEVEL_CODES = {"alpha": 0xA, "beta": 0xB, "candidate": 0xC, "final": 0xF}


# ---------------------------------------------------------------- small facts


def is_windows(tp: TargetPython) -> bool:
    return tp.platform.startswith(("win", "mingw"))


def link_extensions(tp: TargetPython) -> bool:
    """Whether extension modules link libpython: CPython's LIBPYTHON is set (Android,
    Cygwin), and always on Windows; never on Linux and macOS."""
    return is_windows(tp) or bool(tp.config_vars.get("LIBPYTHON"))


def version_info(tp: TargetPython) -> dict[str, Any]:
    """``sys.version_info`` as a PEP 739 object, from ``version_full`` ('3.14.0rc1')."""
    return release_info(tp.version, tp.version_full)


def release_info(version: tuple[int, int], full: str) -> dict[str, Any]:
    """``sys.version_info`` of CPython ``version`` from ``platform.python_version()``."""
    match = _RELEASE.match(full)
    same = match is not None and (int(match.group(1)), int(match.group(2))) == version
    micro = int(match.group(3) or 0) if match and same else 0
    level = _LEVELS[match.group(4)] if match and same else "final"
    serial = int(match.group(5) or 0) if match and same else 0
    return {"major": version[0], "minor": version[1], "micro": micro,
            "releaselevel": level, "serial": serial}


def hexversion(info: Mapping[str, Any]) -> int:
    return ((int(info["major"]) << 24) | (int(info["minor"]) << 16) | (int(info["micro"]) << 8)
            | (_LEVEL_CODES[str(info["releaselevel"])] << 4) | int(info["serial"]))


def cache_tag(tp: TargetPython) -> str:
    nodot = f"{tp.version[0]}{tp.version[1]}"
    return f"pypy{nodot}" if tp.implementation == "pypy" else f"{tp.implementation}-{nodot}"


def _json_vars(config_vars: Mapping[str, object]) -> dict[str, Any]:
    """The config vars JSON can hold (NaN and non-scalar values dropped)."""
    out: dict[str, Any] = {}
    for key in sorted(config_vars):
        value = config_vars[key]
        if value is None or (isinstance(value, (str, int, bool, float)) and value == value):
            out[key] = value
    return out


def _folder(path: str) -> str:
    """A header folder as the formats name it: absolute (the caller's job) and normalised."""
    if not os.path.isabs(path):
        raise ZigccError(f"include_dir {path!r} is relative; pass an absolute folder")
    return os.path.normpath(path)


def _base_prefix(tp: TargetPython) -> str:
    """The config var ``prefix`` when the headers live under it (a sysroot's is rebased;
    a pack's names the machine it was dumped on), else ``<prefix>/include/python3.X``."""
    headers = tp.include_dirs[0] if tp.include_dirs else None
    prefix = tp.config_vars.get("prefix")
    if isinstance(prefix, str) and os.path.isabs(prefix):
        prefix = os.path.normpath(prefix)
        if headers is None or os.path.commonpath([prefix, headers]) == prefix:
            return prefix
    if headers:
        return os.path.dirname(os.path.dirname(headers))
    return os.path.dirname(tp.libdir) if tp.libdir else "/"


def clean_include_dir(tp: TargetPython, include_dir: str | None, fmt: str) -> str:
    """The one header folder ``fmt`` may name: ``include_dir`` when given, else the target's
    only include dir; Debian's dispatching pyconfig.h (two dirs) needs the clean folder."""
    if include_dir:
        return _folder(include_dir)
    if len(tp.include_dirs) == 1:
        return tp.include_dirs[0]
    if not tp.include_dirs:
        raise ZigccError(f"{tp.source}: the target Python has no C headers, which format "
                         f"{fmt!r} needs; install its python3-dev or make a pack")
    raise ZigccError(f"{tp.source}: {tp.include_dirs[0]}/pyconfig.h only dispatches to "
                     f"{tp.include_dirs[-1]}/pyconfig.h, and format {fmt!r} takes one header "
                     "folder; pass include_dir= the clean folder of zigcc.headers.prepare")


# ---------------------------------------------------------------- PEP 739


def _zigcc_extras(tp: TargetPython, target: Target, pyconfig_dir: str | None) -> dict[str, Any]:
    """``arbitrary_data.zigcc`` as :func:`zigcc.python.dump.collect` writes it."""
    plats = list(target.platform_tags)
    return {
        "format": _dump.ZIGCC_FORMAT, "generator": GENERATOR, "pack": False,
        "version_full": tp.version_full, "abiflags": tp.abiflags,
        "EXT_SUFFIX": tp.ext_suffix, "SOABI": tp.soabi, "MULTIARCH": tp.multiarch,
        "sysconfigdata_name": tp.sysconfigdata_name,
        "sysconfigdata_names": list(tp.sysconfigdata_names), "Py_GIL_DISABLED": tp.gil_disabled,
        "Py_DEBUG": tp.debug, "pointer_size": tp.pointer_size, "byteorder": tp.byteorder,
        "LDLIBRARY": tp.ldlibrary, "LIBDIR": tp.libdir, "LIBPL": tp.config_vars.get("LIBPL"),
        "Py_ENABLE_SHARED": bool(tp.config_vars.get("Py_ENABLE_SHARED")) or is_windows(tp),
        "pyconfig_dir": pyconfig_dir, "sysconfig_platform": tp.platform,
        "platform_tags": plats,
        "tags": _dump.interpreter_tags(tp.version[0], tp.version[1], tp.abiflags, plats),
        "origin": {"source": tp.source, "zig_target": target.zig_target},
        "config_vars": _json_vars(tp.config_vars),
    }


def _libpython(tp: TargetPython, always: bool) -> dict[str, Any]:
    """PEP 739 ``libpython``: the one library the description names (a Windows ``.lib`` is
    the import library of the DLL: what a link needs); ``link_extensions`` with a dynamic
    one, and always for meson (which reads it unconditionally)."""
    section: dict[str, Any] = {}
    if tp.libpython:
        static = tp.libpython.endswith(".a") and not is_windows(tp)
        section["static" if static else "dynamic"] = tp.libpython
    if is_windows(tp) and tp.libdir:  # python3.dll's import library (the stable ABI)
        stable = os.path.join(tp.libdir, f"libpython3{'t' if tp.gil_disabled else ''}.a")
        if os.path.isfile(stable):
            section["dynamic_stableabi"] = stable
            if always:  # meson (1.12) reads it as "dynamic-stableabi"
                section["dynamic-stableabi"] = stable
    if "dynamic" in section or always:
        section["link_extensions"] = link_extensions(tp)
    return section


def build_details(tp: TargetPython, target: Target, include_dir: str | None = None,
                  *, for_meson: bool = False) -> dict[str, Any]:
    """The build-details.json data; ``for_meson`` applies meson's requirements."""
    if for_meson:
        headers: str | None = clean_include_dir(tp, include_dir, "meson")
        pyconfig_dir = headers
    elif include_dir:
        headers = pyconfig_dir = _folder(include_dir)
    else:
        headers = tp.include_dirs[0] if tp.include_dirs else None
        pyconfig_dir = tp.include_dirs[-1] if tp.include_dirs else None
    info = version_info(tp)
    impl: dict[str, Any] = {"name": tp.implementation, "version": info,
                            "hexversion": hexversion(info), "cache_tag": cache_tag(tp)}
    if tp.multiarch:
        impl["_multiarch"] = tp.multiarch
    abi: dict[str, Any] = {"flags": list(tp.abiflags), "extension_suffix": tp.ext_suffix}
    stable = naming.stable_abi_suffix(tp, target)
    if for_meson and stable is None:  # meson reads the key even where there is no such ABI
        stable = ".pyd" if is_windows(tp) else tp.ext_suffix
    if stable:
        abi["stable_abi_suffix"] = stable
    data: dict[str, Any] = {
        "schema_version": _dump.SCHEMA_VERSION, "base_prefix": _base_prefix(tp),
        "platform": tp.platform,
        "language": {"version": f"{tp.version[0]}.{tp.version[1]}", "version_info": info},
        "implementation": impl, "abi": abi,
        "suffixes": {"source": [".py"], "bytecode": [".pyc"],
                     "extensions": list(naming.extension_suffixes(tp, target))},
    }
    libpython = _libpython(tp, always=for_meson)
    if libpython:
        data["libpython"] = libpython
    if headers:
        data["c_api"] = {"headers": headers}
        libpc = tp.config_vars.get("LIBPC")
        if not for_meson and isinstance(libpc, str) and os.path.isabs(libpc):
            data["c_api"]["pkgconfig_path"] = libpc
    data["arbitrary_data"] = {"zigcc": _zigcc_extras(tp, target, pyconfig_dir)}
    return data


# ---------------------------------------------------------------- PyO3


def pyo3_lib_name(tp: TargetPython) -> str:
    """pyo3-build-config's default link library name for the target (no ``lib`` prefix)."""
    major, minor = tp.version
    if tp.implementation == "pypy":
        return f"pypy{major}.{minor}-c"
    if is_windows(tp):
        return f"python{major}{minor}" + ("t" if tp.gil_disabled else "") + \
            ("_d" if tp.debug else "")
    ldversion = tp.config_vars.get("LDVERSION")
    if isinstance(ldversion, str) and ldversion:
        return f"python{ldversion}"
    return f"python{major}.{minor}{tp.abiflags}"


def pyo3_build_flags(tp: TargetPython) -> list[str]:
    """The PyO3 build flags set to 1 in the target's config vars (Py_DEBUG and
    Py_GIL_DISABLED from the description itself)."""
    on = {flag for flag in PYO3_FLAGS if tp.config_vars.get(flag) in (1, "1", True)}
    on.discard("Py_DEBUG")
    on.discard("Py_GIL_DISABLED")
    if tp.debug:
        on |= {"Py_DEBUG", "Py_REF_DEBUG"}
    if tp.gil_disabled:
        on.add("Py_GIL_DISABLED")
    return [flag for flag in PYO3_FLAGS if flag in on]


def pyo3_config(tp: TargetPython, *, maturin: bool = False) -> dict[str, str]:
    """The PYO3_CONFIG_FILE keys in pyo3-build-config's own order (``to_writer``).

    ``shared`` is Py_ENABLE_SHARED (always on Windows and for macOS frameworks);
    ``suppress_build_script_link_lines`` is true where extension modules never link
    libpython (Linux, macOS), so that no build links the target's libpython into a wheel;
    ``executable`` is left out: the target's interpreter does not run here."""
    impl = PYO3_IMPLEMENTATIONS.get(tp.implementation)
    if impl is None:
        known = ", ".join(sorted(PYO3_IMPLEMENTATIONS))
        raise ZigccError(f"{tp.source}: PyO3 does not support implementation "
                         f"{tp.implementation!r}; it knows {known}")
    framework = tp.config_vars.get("PYTHONFRAMEWORK")
    shared = bool(tp.config_vars.get("Py_ENABLE_SHARED")) or is_windows(tp) or bool(framework)
    out = {"implementation": impl, "version": f"{tp.version[0]}.{tp.version[1]}",
           "shared": _bool(shared), "abi3": "false", "lib_name": pyo3_lib_name(tp)}
    if tp.libdir:
        out["lib_dir"] = tp.libdir
    out["pointer_width"] = str(tp.pointer_size)
    out["build_flags"] = ",".join(pyo3_build_flags(tp))
    prefix = tp.config_vars.get("PYTHONFRAMEWORKPREFIX")
    if framework and isinstance(prefix, str) and prefix:
        out["python_framework_prefix"] = prefix
    out["suppress_build_script_link_lines"] = _bool(not link_extensions(tp))
    if maturin:
        out["ext_suffix"] = tp.ext_suffix
        out["abiflags"] = tp.abiflags
        if tp.soabi and tp.soabi.count("-") >= 1:
            out["abi_tag"] = tp.soabi.split("-")[1]
    for key, value in out.items():
        if "\n" in value or "\r" in value or value != value.strip():
            raise ZigccError(f"{tp.source}: PYO3_CONFIG_FILE cannot hold {key}={value!r} "
                             "(PyO3 reads one line and trims it)")
    return out


def _bool(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------- entry points


def render(tp: TargetPython, target: Target, fmt: str, *, include_dir: str | None = None,
) -> str:
    """The text of ``fmt`` (one of :data:`FORMATS`) describing ``tp`` built for ``target``.

    ``include_dir`` is the clean header folder (``zigcc.headers.prepare``), needed by
    ``meson`` and ``sysconfigdata`` when the target's pyconfig.h only dispatches;
    ``build_vars`` (the build interpreter's ``build_time_vars``) and ``tools`` (cc, c++, ar
    shims; default: ``zig cc -target ...``) are used by ``sysconfigdata`` only."""
    if fmt == "build-details":
        return _dump.render(build_details(tp, target, include_dir))
    if fmt == "meson":
        return _dump.render(build_details(tp, target, include_dir, for_meson=True))
    if fmt in ("pyo3", "maturin"):
        pairs = pyo3_config(tp, maturin=fmt == "maturin")
        return "".join(f"{key}={value}\n" for key, value in pairs.items())
    raise ZigccError(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")


def _include_dir(tp: TargetPython, target: Target) -> str | None:
    return tp.include_dirs[0] if tp.include_dirs else None


def _pyconfig_dir(tp: TargetPython, target: Target) -> str | None:
    return tp.include_dirs[-1] if tp.include_dirs else None


FIELDS: dict[str, Callable[[TargetPython, Target], str | None]] = {
    "sysconfigdata_name": naming.sysconfigdata_name,
    # every name the target has the module under (Debian: upstream's, then its legacy one)
    "sysconfigdata_names": lambda tp, t: " ".join(tp.sysconfigdata_names)
    or naming.sysconfigdata_name(tp, t),
    "multiarch": lambda tp, t: tp.multiarch or (t.multiarch if t.os == "linux" else None),
    "ext_suffix": lambda tp, t: tp.ext_suffix,
    "soabi": lambda tp, t: tp.soabi,
    "platform": lambda tp, t: tp.platform,
    "platform_tag": lambda tp, t: t.platform_tags[0],
    "host_gnu_type": lambda tp, t: str(tp.config_vars.get("HOST_GNU_TYPE") or t.gnu_triple),
    "pointer_width": lambda tp, t: str(tp.pointer_size),
    "byteorder": lambda tp, t: tp.byteorder,
    "version": lambda tp, t: f"{tp.version[0]}.{tp.version[1]}",
    "version_full": lambda tp, t: tp.version_full,
    "abiflags": lambda tp, t: tp.abiflags,
    "include_dir": _include_dir,
    "pyconfig_dir": _pyconfig_dir,
    "libdir": lambda tp, t: tp.libdir,
    "ldlibrary": lambda tp, t: tp.ldlibrary,
    "stable_abi_suffix": naming.stable_abi_suffix,
    "zig_target": lambda tp, t: t.zig_target,
}


def lookup(tp: TargetPython, target: Target, field: str) -> str:
    """One fact of ``tp`` built for ``target`` as text (``abiflags`` may be empty)."""
    getter = FIELDS.get(field)
    if getter is None:
        raise ZigccError(f"unknown field {field!r}; known fields: {', '.join(FIELDS)}")
    value = getter(tp, target)
    if value is None:
        raise ZigccError(f"{tp.source}: the target Python has no {field}")
    return value
