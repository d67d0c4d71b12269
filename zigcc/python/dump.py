"""Standard sysconfig dump: a PEP 739 ``build-details.json`` plus zigcc extras.

Usage::

    python -m zigcc.python.dump [-o FILE] [--pack DIR]
    python dump.py [-o FILE] [--pack DIR]     # this file copied alone

Prints schema 1.0 JSON describing the running interpreter (stdout unless
``-o``).  The facts a cross build needs beyond PEP 739 live in
``arbitrary_data.zigcc``.  ``--pack DIR`` writes a relocatable *target pack*:
``DIR/build-details.json`` (``base_prefix`` ".", other paths relative to it),
the C headers and libpython.

Stdlib only, no zigcc imports: this file must run unchanged on CPython 3.8+.
"""

from __future__ import annotations

import argparse
import glob
import importlib.machinery
import json
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Mapping
from typing import Any

SCHEMA_VERSION = "1.0"
ZIGCC_FORMAT = 1
DETAILS_NAME = "build-details.json"
MANYLINUX_OLDEST_MINOR = 17
MANYLINUX_ARCHES = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64"}
)
MANYLINUX2014_ARCHES = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"}
)
# Keys of sysconfig.get_config_vars() that describe the environment (venv,
# user), not the installation: rebased on the base prefix or dropped.
ENV_KEYS_TO_BASE = ("prefix", "base", "installed_base")
ENV_KEYS_TO_PLATBASE = ("exec_prefix", "platbase", "installed_platbase")
ENV_KEYS_DROPPED = ("userbase",)
_DISPATCH_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+/pyconfig\.h)[>"]', re.MULTILINE)


class DumpError(Exception):
    """A one-line, user-facing failure of the dump tool."""


# ---------------------------------------------------------------- pure helpers


def json_safe_vars(
    raw: Mapping[str, Any], base_prefix: str, base_exec_prefix: str
) -> dict[str, Any]:
    """Config vars with JSON-serialisable values, environment keys rebased."""
    out: dict[str, Any] = {}
    for key in sorted(raw):
        value = raw[key]
        if isinstance(key, str) and (value is None or isinstance(value, (str, int, float, bool))):
            if isinstance(value, float) and value != value:  # NaN is not JSON
                continue
            out[key] = value
    for keys, base in ((ENV_KEYS_TO_BASE, base_prefix), (ENV_KEYS_TO_PLATBASE, base_exec_prefix)):
        out.update({key: base for key in keys if key in out})
    return {key: value for key, value in out.items() if key not in ENV_KEYS_DROPPED}


def version_info_dict(info: Any) -> dict[str, Any]:
    """``sys.version_info``-like object as the PEP 739 object."""
    names = ("major", "minor", "micro", "releaselevel", "serial")
    return {name: getattr(info, name) for name in names}


def version_string(info: Mapping[str, Any]) -> str:
    """'3.11.7', '3.14.0rc1' (the format of ``platform.python_version()``)."""
    text = f"{info['major']}.{info['minor']}.{info['micro']}"
    short = {"alpha": "a", "beta": "b", "candidate": "rc"}.get(str(info["releaselevel"]))
    return text + (f"{short}{info['serial']}" if short else "")


def dispatch_targets(pyconfig_text: str) -> list[str]:
    """The ``<dir>/pyconfig.h`` includes of a Debian-style dispatching pyconfig.h."""
    return _DISPATCH_RE.findall(pyconfig_text)


def find_real_pyconfig_dir(include_dir: str, multiarch: str | None) -> str | None:
    """Directory holding the real pyconfig.h for headers in ``include_dir``.

    ``include_dir`` itself unless its pyconfig.h only dispatches on the
    architecture (Debian); then ``<include_dir>/../<multiarch>/python3.X``
    (the target chosen by ``multiarch``).  None when nothing is found.
    """
    path = os.path.join(include_dir, "pyconfig.h")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            targets = dispatch_targets(handle.read())
    except OSError:
        return None
    if not targets:
        return include_dir
    parent = os.path.dirname(os.path.normpath(include_dir))
    wanted = [t for t in targets if multiarch and t.split("/", 1)[0] == multiarch]
    for target in wanted or targets:
        candidate = os.path.join(parent, os.path.dirname(target))
        if os.path.isfile(os.path.join(candidate, "pyconfig.h")):
            return candidate
    return None


def normalize_platform(sysplat: str) -> str:
    """'linux-x86_64' -> 'linux_x86_64', 'macosx-11.0-arm64' -> 'macosx_11_0_arm64'."""
    return sysplat.replace("-", "_").replace(".", "_").replace(" ", "_")


def linux_arch(sysplat: str, pointer_size: int) -> str:
    """Wheel arch of a Linux sysconfig platform, corrected for 32-bit userlands."""
    arch = normalize_platform(sysplat).split("_", 1)[1]
    if pointer_size == 32:
        arch = {"x86_64": "i686", "aarch64": "armv8l"}.get(arch, arch)
    return arch


def linux_platform_tags(
    arch: str, multiarch: str | None, libc: tuple[str, int, int] | None
) -> list[str]:
    """``linux_<arch>`` first, then manylinux_2_X down to 2_17, or musllinux_1_X."""
    archs = ["armv8l", "armv7l"] if arch == "armv8l" else [arch]
    tags = ["linux_" + a for a in archs]
    soft_float = bool(multiarch) and str(multiarch).endswith("gnueabi")
    glibc2 = libc is not None and libc[:2] == ("glibc", 2) and not soft_float
    for a in archs:
        if glibc2 and libc and a in MANYLINUX_ARCHES:
            for minor in range(libc[2], MANYLINUX_OLDEST_MINOR - 1, -1):
                tags.append(f"manylinux_2_{minor}_{a}")
                if minor == 17 and a in MANYLINUX2014_ARCHES:
                    tags.append("manylinux2014_" + a)
        if libc and libc[0] == "musl":
            tags.extend(f"musllinux_{libc[1]}_{m}_{a}" for m in range(libc[2], -1, -1))
    return tags


def mac_platform_tags(sysplat: str, os_version: tuple[int, int] | None) -> list[str]:
    """macosx_M_m_<arch> tags from the running macOS version down to the deployment target."""
    _, target, arch = sysplat.split("-", 2)
    t_major, t_minor = (int(x) for x in ([*target.split("."), "0"])[:2])
    major, minor = os_version or (t_major, t_minor)
    archs = [arch] if arch == "universal2" else [arch, "universal2"]
    tags: list[str] = []
    for mj in range(max(major, t_major), t_major - 1, -1):
        if mj >= 11:
            versions = [(mj, 0)]
        else:
            top = minor if mj == major else 16
            versions = [(mj, m) for m in range(top, t_minor - 1 if mj == t_major else -1, -1)]
        tags.extend(f"macosx_{v[0]}_{v[1]}_{a}" for v in versions for a in archs)
    return tags


def platform_tags(
    sysplat: str,
    pointer_size: int,
    multiarch: str | None,
    libc: tuple[str, int, int] | None,
    mac_version: tuple[int, int] | None = None,
) -> list[str]:
    """Wheel platform tags accepted on ``sysplat``, most specific first."""
    if sysplat.startswith("linux-"):
        return linux_platform_tags(linux_arch(sysplat, pointer_size), multiarch, libc)
    if sysplat.startswith("macosx-") and sysplat.count("-") == 2:
        return mac_platform_tags(sysplat, mac_version)
    return [normalize_platform(sysplat)]


def interpreter_tags(major: int, minor: int, abiflags: str, plats: list[str]) -> list[str]:
    """CPython wheel tags (``cpXY-cpXY[t][d]``, abi3, none, py3X) in priority order."""
    nodot = f"{major}{minor}"
    thread = "t" if "t" in abiflags else ""
    abis = ["cp" + nodot + thread + ("d" if "d" in abiflags else "")]
    if "d" in abiflags:
        abis.append("cp" + nodot + thread)
    heads = [f"cp{nodot}-{abi}" for abi in abis]
    if not thread:
        heads.append(f"cp{nodot}-abi3")
    heads.append(f"cp{nodot}-none")
    if not thread:
        heads.extend(f"cp{major}{m}-abi3" for m in range(minor - 1, 1, -1))
    pys = [f"py{nodot}", f"py{major}"] + [f"py{major}{m}" for m in range(minor - 1, -1, -1)]
    tags = [f"{h}-{p}" for h in heads for p in plats]
    tags.extend(f"{py}-none-{p}" for py in pys for p in plats)
    tags.append(f"cp{nodot}-none-any")
    tags.extend(f"{py}-none-any" for py in pys)
    return tags


# ---------------------------------------------------------------- probing


def running_libc() -> tuple[str, int, int] | None:
    """('glibc', 2, 36) / ('musl', 1, 2) for the running Linux process, else None."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, OSError, ValueError):
        text = ""
    match = re.match(r"glibc (\d+)\.(\d+)", text)
    if match:
        return ("glibc", int(match.group(1)), int(match.group(2)))
    for loader in sorted(glob.glob("/lib/ld-musl-*.so.1")):
        try:
            proc = subprocess.run([loader], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r"Version (\d+)\.(\d+)", proc.stderr.decode("utf-8", "replace"))
        if match:
            return ("musl", int(match.group(1)), int(match.group(2)))
    return None


def running_mac_version() -> tuple[int, int] | None:
    release = platform.mac_ver()[0]
    parts = [int(p) for p in release.split(".")[:2] if p.isdigit()]
    return (parts[0], parts[1] if len(parts) > 1 else 0) if parts else None


def _first_file(*paths: str | None) -> str | None:
    for path in paths:
        if path and os.path.isfile(path):
            return path
    return None


def _join(directory: Any, name: Any) -> str | None:
    return os.path.join(directory, name) if directory and name else None


def posix_libpython(cv: Mapping[str, Any]) -> dict[str, Any]:
    """PEP 739 ``libpython`` section from POSIX config vars (existing files only)."""
    libdir, libpl = cv.get("LIBDIR"), cv.get("LIBPL")
    section: dict[str, Any] = {}
    if cv.get("Py_ENABLE_SHARED"):
        dynamic = _first_file(
            _join(libdir, cv.get("LDLIBRARY")), _join(libdir, cv.get("INSTSONAME"))
        )
        if dynamic:
            section["dynamic"] = dynamic
            stable = _first_file(_join(libdir, cv.get("PY3LIBRARY")))
            if stable:
                section["dynamic_stableabi"] = stable
            section["link_extensions"] = bool(cv.get("LIBPYTHON"))
    library = cv.get("LIBRARY")
    if library and str(library).endswith(".a"):
        static = _first_file(_join(libdir, library), _join(libpl, library))
        if static:
            section["static"] = static
    return section


def windows_libpython(
    base_prefix: str, nodot: str, debug: bool
) -> tuple[dict[str, Any], str | None]:
    """PEP 739 ``libpython`` section and the import library path on Windows."""
    suffix = "_d" if debug else ""
    section: dict[str, Any] = {}
    dll = _first_file(os.path.join(base_prefix, f"python{nodot}{suffix}.dll"))
    if dll:
        section["dynamic"] = dll
        stable = _first_file(os.path.join(base_prefix, f"python3{suffix}.dll"))
        if stable:
            section["dynamic_stableabi"] = stable
        section["link_extensions"] = True
    implib = _first_file(os.path.join(base_prefix, "libs", f"python{nodot}{suffix}.lib"))
    return section, implib


def _abiflags(cv: Mapping[str, Any], debug: bool) -> str:
    flags = getattr(sys, "abiflags", None)
    if flags is None:  # Windows before 3.14
        flags = ("t" if cv.get("Py_GIL_DISABLED") else "") + ("d" if debug else "")
    return flags


def _implementation(multiarch: str | None) -> dict[str, Any]:
    """PEP 739 ``implementation``: the required keys plus PEP 421 ``_private`` ones."""
    impl = sys.implementation
    out: dict[str, Any] = {
        "name": impl.name,
        "version": version_info_dict(impl.version),
        "hexversion": impl.hexversion,
        "cache_tag": impl.cache_tag,
    }
    for key, value in sorted(vars(impl).items()):
        if key.startswith("_") and isinstance(value, (str, int, bool)):
            out[key] = multiarch if key == "_multiarch" and multiarch else value
    return out


def _base_interpreter() -> str | None:
    found = _first_file(getattr(sys, "_base_executable", None))
    if found is None and sys.prefix == sys.base_prefix:
        found = _first_file(sys.executable)
    return os.path.abspath(found) if found else None


def collect() -> dict[str, Any]:
    """build-details.json data of the running interpreter, with absolute paths."""
    base_prefix, base_exec = os.path.abspath(sys.base_prefix), os.path.abspath(sys.base_exec_prefix)
    cv = json_safe_vars(sysconfig.get_config_vars(), base_prefix, base_exec)
    major, minor = sys.version_info[:2]
    vinfo = version_info_dict(sys.version_info)
    debug = bool(cv.get("Py_DEBUG")) or hasattr(sys, "gettotalrefcount")
    abiflags = _abiflags(cv, debug)
    multiarch = cv.get("MULTIARCH") or getattr(sys.implementation, "_multiarch", None) or None
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    ext_suffix = cv.get("EXT_SUFFIX") or suffixes[0]
    pointer_size = struct.calcsize("P") * 8
    sysplat = sysconfig.get_platform()
    headers = cv.get("INCLUDEPY") or sysconfig.get_path("include")
    if os.name == "nt":
        libpython, implib = windows_libpython(base_prefix, f"{major}{minor}", debug)
        ldlibrary, libdir = (
            (os.path.basename(implib), os.path.dirname(implib)) if implib else (None, None)
        )
    else:
        libpython, ldlibrary, libdir = posix_libpython(cv), cv.get("LDLIBRARY"), cv.get("LIBDIR")
    name_fn = getattr(sysconfig, "_get_sysconfigdata_name", None)  # CPython 3.6+
    sc_name = name_fn() if name_fn else None
    plats = platform_tags(sysplat, pointer_size, multiarch, running_libc(), running_mac_version())
    zigcc: dict[str, Any] = {
        "format": ZIGCC_FORMAT,
        "generator": "zigcc.dump",
        "pack": False,
        "version_full": version_string(vinfo),
        "abiflags": abiflags,
        "EXT_SUFFIX": ext_suffix,
        "SOABI": cv.get("SOABI"),
        "MULTIARCH": multiarch,
        "sysconfigdata_name": None if os.name == "nt" else sc_name,
        "Py_GIL_DISABLED": bool(cv.get("Py_GIL_DISABLED")),
        "Py_DEBUG": debug,
        "pointer_size": pointer_size,
        "byteorder": sys.byteorder,
        "LDLIBRARY": ldlibrary,
        "LIBDIR": libdir,
        "LIBPL": cv.get("LIBPL"),
        "Py_ENABLE_SHARED": bool(cv.get("Py_ENABLE_SHARED")) or os.name == "nt",
        "pyconfig_dir": find_real_pyconfig_dir(headers, multiarch) if headers else None,
        "sysconfig_platform": sysplat,
        "platform_tags": plats,
        "tags": interpreter_tags(major, minor, abiflags, plats),
        "origin": {"base_prefix": base_prefix, "executable": os.path.abspath(sys.executable)},
        "config_vars": cv,
    }
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "base_prefix": base_prefix}
    base_interpreter = _base_interpreter()
    if base_interpreter:
        data["base_interpreter"] = base_interpreter
    data["platform"] = sysplat
    data["language"] = {"version": f"{major}.{minor}", "version_info": vinfo}
    data["implementation"] = _implementation(multiarch)
    data["abi"] = {"flags": list(abiflags), "extension_suffix": ext_suffix}
    for stable in [x for x in suffixes if x.startswith(".abi")][:1]:
        data["abi"]["stable_abi_suffix"] = stable
    data["suffixes"] = {
        "source": list(importlib.machinery.SOURCE_SUFFIXES),
        "bytecode": list(importlib.machinery.BYTECODE_SUFFIXES),
        "extensions": list(suffixes),
    }
    if libpython:
        data["libpython"] = libpython
    if headers:
        data["c_api"] = {"headers": headers}
        if cv.get("LIBPC") and os.path.isdir(str(cv["LIBPC"])):
            data["c_api"]["pkgconfig_path"] = cv["LIBPC"]
    data["arbitrary_data"] = {"zigcc": zigcc}
    return data


# ---------------------------------------------------------------- output


def render(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def _umasked(mode: int) -> int:
    """``mode`` under the process umask (tempfile creates 0600 files / 0700 dirs)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return mode & ~umask


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".zigcc-dump-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, _umasked(0o666))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _copy_into(src: str, dest_dir: str) -> str:
    """Copy ``src`` (following symlinks) into ``dest_dir``; return its base name."""
    os.makedirs(dest_dir, exist_ok=True)
    shutil.copyfile(src, os.path.join(dest_dir, os.path.basename(src)))
    return os.path.basename(src)


def _pack_headers(headers: str | None, real: str | None, staging: str) -> str:
    """Copy the C headers, the real pyconfig.h replacing a dispatching one."""
    if not headers or not os.path.isfile(os.path.join(headers, "Python.h")):
        where = headers or "INCLUDEPY"
        raise DumpError(f"{where}: no Python.h (key c_api.headers); install the Python dev headers")
    rel = "include/" + os.path.basename(os.path.normpath(headers))
    shutil.copytree(headers, os.path.join(staging, rel))
    if real and os.path.normpath(real) != os.path.normpath(headers):
        for name in os.listdir(real):
            if os.path.isfile(os.path.join(real, name)):
                _copy_into(os.path.join(real, name), os.path.join(staging, rel))
    return rel


def _pack_libs(
    src: Mapping[str, Any], implib: str | None, staging: str
) -> tuple[str, dict[str, Any]]:
    """Copy libpython (shared, else static; Windows: DLL and import libs)."""
    rel = "libs" if os.name == "nt" else "lib"
    out: dict[str, Any] = {}
    for key in ("dynamic", "dynamic_stableabi") if "dynamic" in src else ("static",):
        if key in src:
            out[key] = rel + "/" + _copy_into(src[key], os.path.join(staging, rel))
    if "dynamic" in out:
        out["link_extensions"] = bool(src.get("link_extensions"))
    if implib and os.path.isfile(implib):
        for lib in [implib, *glob.glob(os.path.join(os.path.dirname(implib), "python3*.lib"))]:
            _copy_into(lib, os.path.join(staging, rel))
    return rel, out


def pack_details(data: Mapping[str, Any], staging: str) -> dict[str, Any]:
    """Copy headers and libpython into ``staging``; return the relocated data."""
    packed: dict[str, Any] = json.loads(json.dumps(data))
    zigcc = packed["arbitrary_data"]["zigcc"]
    headers = data.get("c_api", {}).get("headers")
    rel_headers = _pack_headers(headers, zigcc.get("pyconfig_dir"), staging)
    implib = _join(zigcc.get("LIBDIR"), zigcc.get("LDLIBRARY")) if os.name == "nt" else None
    rel_lib, libpython = _pack_libs(data.get("libpython", {}), implib, staging)
    packed.pop("base_interpreter", None)
    packed.update(base_prefix=".", c_api={"headers": rel_headers}, libpython=libpython)
    if not libpython:
        del packed["libpython"]
    elif os.name != "nt":  # LDLIBRARY names the copied file
        zigcc["LDLIBRARY"] = os.path.basename(libpython.get("dynamic") or libpython["static"])
    has_libs = os.path.isdir(os.path.join(staging, rel_lib))
    zigcc.update(
        pack=True, LIBDIR=rel_lib if has_libs else None, LIBPL=None, pyconfig_dir=rel_headers
    )
    return packed


def write_pack(data: dict[str, Any], dest: str) -> None:
    """Build the pack in a sibling temporary dir, then rename it to ``dest``."""
    dest = os.path.abspath(dest)
    if os.path.exists(dest) and (not os.path.isdir(dest) or os.listdir(dest)):
        raise DumpError(f"{dest}: exists and is not an empty dir; pass a new or empty --pack DIR")
    parent = os.path.dirname(dest)
    if not os.path.isdir(parent):
        raise DumpError(f"{parent}: parent dir does not exist; create it first")
    staging = tempfile.mkdtemp(prefix=".zigcc-pack-", dir=parent)
    try:
        packed = pack_details(data, staging)
        write_atomic(os.path.join(staging, DETAILS_NAME), render(packed))
        os.chmod(staging, _umasked(0o777))
        if os.path.isdir(dest):
            os.rmdir(dest)
        os.rename(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line instead of usage + error
        sys.stderr.write(f"ERROR zigcc.dump: {message} (see --help)\n")
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="zigcc.dump", description=(__doc__ or "").split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-o", "--output", metavar="FILE", help="write the JSON to FILE instead of stdout"
    )
    group.add_argument(
        "--pack", metavar="DIR", help="write a relocatable target pack into the new dir DIR"
    )
    args = parser.parse_args(argv)
    try:
        data = collect()
        if args.pack:
            write_pack(data, args.pack)
        elif args.output:
            write_atomic(args.output, render(data))
        else:
            sys.stdout.write(render(data))
    except DumpError as exc:
        sys.stderr.write(f"ERROR zigcc.dump: {exc}\n")
        return 2
    except OSError as exc:
        where = exc.filename or args.output or args.pack or "stdout"
        sys.stderr.write(f"ERROR zigcc.dump: {where}: {exc.strerror or exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
