"""Read a Debian-layout sysroot's Python into a :class:`~zigcc.python.model.TargetPython`.

The chosen ``usr/lib/python3.X/_sysconfigdata_*.py`` is parsed with :mod:`ast` (never
imported or executed); its absolute paths are rebased under the sysroot, and the headers and
libpython are looked up inside it.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from typing import Any

from zigcc.python import dump as _dump
from zigcc.python.model import (
    DETAILS_FILE_RE,
    DETAILS_NAME,
    PKG_FIX,
    SOURCE_FIX,
    SYSROOT_PATH_KEYS,
    TargetPython,
    _cpu,
    _error,
    _frozen,
    _vstr,
    guess_byteorder,
    guess_pointer_size,
    linux_sysconfig_platform,
    parse_version,
    soabi_from_suffix,
)

_SYSCONFIGDATA_RE = r"_sysconfigdata_.*\.py"


def read_build_time_vars(path: str) -> dict[str, Any]:
    """``build_time_vars`` of a _sysconfigdata_*.py, by ``ast.literal_eval`` (never executed)."""
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename=path)
    except (OSError, SyntaxError, ValueError) as exc:
        raise _error(path, f"cannot parse: {exc}", PKG_FIX) from None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "build_time_vars" for t in targets):
            try:
                value = ast.literal_eval(node.value)  # type: ignore[attr-defined]
            except (ValueError, TypeError, SyntaxError, RecursionError):
                value = None
            if isinstance(value, dict) and all(isinstance(k, str) for k in value):
                return value
            raise _error(path, "key build_time_vars is not a literal dict of str keys", PKG_FIX)
    raise _error(path, "no build_time_vars = {...} assignment", PKG_FIX)


def _python_dirs(root: str) -> dict[str, tuple[str, list[str]]]:
    """'3.11' / '3.13t' -> (lib dir, _sysconfigdata and build-details files) under a sysroot."""
    found: dict[str, tuple[str, list[str]]] = {}
    for libname in ("lib", "lib64"):
        base = os.path.join(root, "usr", libname)
        for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            match = re.fullmatch(r"python(3\.\d+t?)", name)
            path = os.path.join(base, name)
            if not match or match.group(1) in found or not os.path.isdir(path):
                continue
            files = sorted(f for f in os.listdir(path) if re.fullmatch(_SYSCONFIGDATA_RE, f)
                           or DETAILS_FILE_RE.fullmatch(f))
            if any(re.fullmatch(_SYSCONFIGDATA_RE, f) for f in files):
                found[match.group(1)] = (path, files)
    return found


def _rank_sysconfigdata(name: str, threaded: bool) -> tuple[int, int, str]:
    """Sort key: the default-ABI ``_sysconfigdata_<flags>_linux_<multiarch>.py`` first."""
    match = re.fullmatch(r"_sysconfigdata_([a-z]*)_(.*)\.py", name)
    flags, rest = (match.group(1), match.group(2)) if match else ("?", name)
    return (int(flags != ("t" if threaded else "")), int(not rest.startswith("linux_")), name)


def _flags(details_name: str) -> str | None:
    match = DETAILS_FILE_RE.fullmatch(details_name)
    return match.group("abiflags") if match else None


def _choose_python(
    root: str,
    found: dict[str, tuple[str, list[str]]],
    version: tuple[int, int] | None,
    threaded: bool | None = None,
) -> str:
    names = sorted(found, key=lambda v: (int(v.split(".")[1].rstrip("t")), v))
    if version is not None:
        wanted = _vstr(version)
        names = [n for n in names if n.rstrip("t") == wanted]
        if not names:
            problem = f"no Python {wanted} in usr/lib (found {', '.join(sorted(found))})"
            raise _error(root, problem, "pick one of those versions")
        if threaded is not None:
            wanted += "t" if threaded else ""
            if wanted not in names:
                raise _error(root, f"no python{wanted} in usr/lib (found {', '.join(names)})",
                             "pick one of those")
        return wanted if wanted in names else names[0]
    if len(names) > 1:
        details = [os.path.join(found[n][0], f) for n in names for f in found[n][1]
                   if DETAILS_FILE_RE.fullmatch(f) and "d" not in (_flags(f) or "")]
        fix = f"choose one by passing its version, e.g. {names[-1].rstrip('t')}"
        if details:
            fix = f"choose one by passing its build-details file, e.g. {details[-1]}"
        raise _error(root, f"several Pythons found ({', '.join(names)})", fix)
    return names[0]


def _in_root(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/")) if path.startswith("/") else path


def _existing_in_root(root: str, path: str | None) -> str | None:
    """``path`` if it exists, following an absolute symlink inside ``root`` once."""
    if not path:
        return None
    if os.path.isfile(path):
        return path
    if os.path.islink(path):
        target = os.readlink(path)
        candidate = _in_root(root, target) if target.startswith("/") else None
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def rebase_vars(build_vars: Mapping[str, Any], root: str) -> dict[str, Any]:
    """Build-time vars with the single-path values of SYSROOT_PATH_KEYS moved under ``root``."""
    out = dict(build_vars)
    for key in SYSROOT_PATH_KEYS:
        value = out.get(key)
        if isinstance(value, str) and value.startswith("/") and not any(c.isspace() for c in value):
            out[key] = _in_root(root, value)
    return out


def _patchlevel_version(include_dir: str) -> str | None:
    try:
        path = os.path.join(include_dir, "patchlevel.h")
        with open(path, encoding="utf-8", errors="replace") as handle:
            match = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', handle.read())
    except OSError:
        return None
    return match.group(1) if match else None


def _sysroot_byteorder(cv: Mapping[str, Any], arch_text: str) -> str:
    if cv.get("DOUBLE_IS_BIG_ENDIAN_IEEE754") == 1:
        return "big"
    if cv.get("DOUBLE_IS_LITTLE_ENDIAN_IEEE754") == 1:
        return "little"
    return guess_byteorder(arch_text)


def _sysroot_libpython(root: str, cv: Mapping[str, Any], libdir: str | None) -> str | None:
    """LDLIBRARY, INSTSONAME or the static LIBRARY, in LIBDIR then LIBPL."""
    for directory in (libdir, cv.get("LIBPL")):
        for name in (cv.get("LDLIBRARY"), cv.get("INSTSONAME"), cv.get("LIBRARY")):
            if isinstance(directory, str) and isinstance(name, str) and name:
                found = _existing_in_root(root, os.path.join(directory, name))
                if found:
                    return found
    return None


def _own_sysconfigdata_name(libdest: str, names: list[str]) -> str:
    """Which of ``names`` (upstream's first) the sysroot's interpreter imports: its
    ``sysconfig._get_sysconfigdata_name`` puts ``sys.platform`` into the name (upstream; Debian
    since 3.13) or not (Debian's legacy ``_sysconfigdata_{abiflags}_{multiarch}`` up to 3.12)."""
    for rel in (os.path.join("sysconfig", "__init__.py"), "sysconfig.py"):
        try:
            with open(os.path.join(libdest, rel), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        body = re.search(r"def _get_sysconfigdata_name\(.*?(?=\ndef |\Z)", text, re.S)
        if body:
            upstream = "platform" in body.group(0)
            return next((n for n in names if _is_upstream(n) == upstream), names[0])
    return names[0]


def _data_flags(name: str) -> str | None:
    match = re.fullmatch(r"_sysconfigdata_([a-z]*)_.*\.py", name)
    return match.group(1) if match else None


def _is_upstream(name: str) -> bool:
    return _rank_sysconfigdata(name + ".py", False)[1] == 0


def _details_path(libdest: str, files: list[str], abiflags: str, multiarch: str | None
                  ) -> str | None:
    """The build-details file of this ABI in ``libdest``: Debian's
    ``build-details.<abiflags>.<multiarch>.json``, else upstream's ``build-details.json``."""
    for name in (f"build-details.{abiflags}.{multiarch or ''}.json", DETAILS_NAME):
        if name in files:
            return os.path.join(libdest, name)
    return None


def from_sysroot(
    root: str, version: tuple[int, int] | None = None, threaded: bool | None = None
) -> TargetPython:
    """TargetPython from a Debian-layout sysroot (``usr/lib/python3.X/_sysconfigdata_*.py``)."""
    return read_sysroot(root, version, threaded)[0]


def read_sysroot(
    root: str, version: tuple[int, int] | None = None, threaded: bool | None = None
) -> tuple[TargetPython, str | None]:
    """The sysconfigdata TargetPython of a Debian-layout sysroot and the build-details file
    (PEP 739) installed beside it for the same ABI, if any.  ``threaded`` picks
    ``python3.Xt`` (True) or ``python3.X`` (False) when ``version`` is given."""
    root = os.path.abspath(os.path.expanduser(root))
    if not os.path.isdir(root):
        raise _error(root, "not a directory", SOURCE_FIX)
    found = _python_dirs(root)
    if not found:
        raise _error(root, "no usr/lib/python3.*/_sysconfigdata_*.py found", SOURCE_FIX)
    chosen = _choose_python(root, found, version, threaded)
    libdest, all_files = found[chosen]
    files = [f for f in all_files if re.fullmatch(_SYSCONFIGDATA_RE, f)]
    ranked = sorted(files, key=lambda f: _rank_sysconfigdata(f, chosen.endswith("t")))
    name = ranked[0]
    names = [f[: -len(".py")] for f in ranked if _data_flags(f) == _data_flags(name)]
    data_path = os.path.join(libdest, name)
    raw = read_build_time_vars(data_path)
    cv = rebase_vars(raw, root)
    where = f"{data_path} (build_time_vars)"
    ext_suffix = cv.get("EXT_SUFFIX")
    if not isinstance(ext_suffix, str) or not ext_suffix:
        raise _error(where, "missing key EXT_SUFFIX", PKG_FIX)
    vtext = cv.get("VERSION") if isinstance(cv.get("VERSION"), str) else chosen.rstrip("t")
    pyver = parse_version(str(vtext), where, "VERSION")
    stem = name[: -len(".py")]
    multiarch = cv.get("MULTIARCH") or (stem.split("_linux_", 1)[1] if "_linux_" in stem else None)
    arch_text = multiarch or str(cv.get("HOST_GNU_TYPE") or "")
    include_dir = str(
        cv.get("INCLUDEPY") or os.path.join(root, "usr", "include", "python" + chosen)
    )
    real = _dump.find_real_pyconfig_dir(include_dir, multiarch)
    if real is None and multiarch:
        candidate = os.path.join(root, "usr", "include", multiarch, os.path.basename(include_dir))
        real = candidate if os.path.isfile(os.path.join(candidate, "pyconfig.h")) else None
    libdir = cv.get("LIBDIR") or (
        os.path.join(root, "usr", "lib", multiarch) if multiarch else None
    )
    ldlibrary = cv.get("LDLIBRARY") or None
    libpython = _sysroot_libpython(root, cv, libdir)
    sizeof = cv.get("SIZEOF_VOID_P")
    abiflags = str(cv.get("ABIFLAGS") or "")
    details = _details_path(libdest, all_files, abiflags, multiarch)
    tp = TargetPython(
        implementation="cpython",
        version=pyver,
        version_full=_patchlevel_version(include_dir) or _vstr(pyver),
        abiflags=abiflags,
        platform=linux_sysconfig_platform(multiarch) if multiarch else "linux-" + _cpu(arch_text),
        multiarch=multiarch,
        ext_suffix=ext_suffix,
        soabi=cv.get("SOABI") or soabi_from_suffix(ext_suffix),
        pointer_size=sizeof * 8
        if isinstance(sizeof, int) and sizeof
        else guess_pointer_size(arch_text),
        byteorder=_sysroot_byteorder(cv, arch_text),
        gil_disabled=bool(cv.get("Py_GIL_DISABLED")),
        debug=bool(cv.get("Py_DEBUG")),
        include_dirs=tuple(d for d in (include_dir, real if real != include_dir else None) if d),
        libdir=libdir,
        ldlibrary=ldlibrary,
        libpython=libpython,
        sysconfigdata_name=_own_sysconfigdata_name(libdest, names),
        config_vars=_frozen(cv),
        source=root,
        sysconfigdata_names=tuple(names),
    )
    return tp, details
