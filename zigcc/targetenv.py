"""The target environment: what a build backend's process sees so that it believes it runs on
the target.

From a :class:`~zigcc.targets.Target`, a :class:`~zigcc.python.model.TargetPython`, the toolchain's
tool paths and the *build* interpreter's own ``build_time_vars``, this module renders, as data:

- a ``_sysconfigdata`` module for the target: every key the build interpreter has, with the
  target's values (EXT_SUFFIX, SOABI, MULTIARCH, HOST_GNU_TYPE, SIZEOF_*, LIBDIR, ...), the
  toolchain as CC/CXX/LDSHARED/AR, and the target's optimisation (OPT keeps ``-DNDEBUG -O2/-O3``)
  in CFLAGS, with none of the target distribution's own compiler or linker flags;
- a start-up hook (``sitecustomize``, chaining to any other one on the path) so that
  ``os.uname().machine``, ``platform.machine()`` and ``sys.implementation._multiarch`` name the
  target;
- the variables for the backend hooks only: ``PYTHONPATH`` (the folder holding both files),
  ``_PYTHON_SYSCONFIGDATA_NAME`` and ``_PYTHON_HOST_PLATFORM`` (``sysconfig.get_platform()``,
  hence setuptools' and packaging's platform tags).

Build requirements are installed without any of this (the frontend's job): pip must pick wheels
for the build machine.  ``sysconfig.get_paths()["include"]`` answers with the target's clean
include folder through ``installed_base``.  Rendering is pure; :func:`materialise` writes the
folder (atomically, keyed by content).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from zigcc.cachedir import publish
from zigcc.python.description import TargetPython
from zigcc.targets import Target

HOOK_NAME = "sitecustomize.py"

# Keys sysconfig computes at run time, or that name where the *running* installation lives:
# they stay the build interpreter's (the backend still runs there and installs into a venv).
_BUILD_MACHINE_KEYS = frozenset((
    "prefix", "exec_prefix", "base", "platbase", "installed_base", "installed_platbase",
    "userbase", "projectbase", "srcdir", "abs_srcdir", "abs_builddir", "BINDIR", "LIBDEST",
    "BINLIBDEST", "DESTLIB", "DESTSHARED", "MACHDESTLIB", "SCRIPTDIR", "datarootdir", "MANDIR",
    "TZPATH", "py_version", "py_version_short", "py_version_nodot", "py_version_nodot_plat",
    "platlibdir", "abiflags", "EXE", "VPATH", "SO", "DESTDIRS", "CONFIG_ARGS",
))
PKGCONFIG = "pkgconfig"  # the target's python-X.Y.pc files (LIBPC), beside the hook
# Flags of the target distribution's own compiler (Debian's hardening, LTO, profile-guided
# options, ...): never passed to zig; the target's OPT and BASECFLAGS carry what extensions need.
_EMPTIED = ("LDFLAGS", "CONFIGURE_CFLAGS", "CONFIGURE_CPPFLAGS", "CONFIGURE_LDFLAGS",
            "CONFIGURE_LDFLAGS_NODIST", "CONFIGURE_CFLAGS_NODIST", "CFLAGS_NODIST",
            "LDFLAGS_NODIST", "PY_LDFLAGS", "PY_LDFLAGS_NODIST", "PY_CORE_LDFLAGS",
            "CFLAGSFORSHARED", "EXTRA_CFLAGS")
_DEFAULT_OPT = "-DNDEBUG -g -fwrapv -O3 -Wall"  # CPython's configure default for release builds


@dataclass(frozen=True)
class TargetEnv:
    """A materialised target environment: the folder and the backend's variables."""

    folder: Path
    environ: Mapping[str, str]


def sysconfig_vars(target: Target, tp: TargetPython, tools: Mapping[str, str],
                   build_vars: Mapping[str, object], include_dir: str,
                   prefix: str | None = None, libpc: str | None = None) -> dict[str, object]:
    """The target's ``build_time_vars``: the build interpreter's keys, the target's values.

    ``tools`` maps cc, c++, ar (and optionally ranlib) to the toolchain's shims;
    ``include_dir`` is the target's clean header folder (``.../include/python3.X``);
    ``prefix`` is a per-target folder of C libraries built for the target (its include and
    lib folders are searched after the package's own); ``libpc`` is the folder of the
    target's ``python-X.Y.pc`` (meson's python dependency asks pkg-config there first).
    """
    out: dict[str, object] = dict(build_vars)
    out.update({k: v for k, v in tp.config_vars.items() if k not in _BUILD_MACHINE_KEYS})
    cc, cxx = tools["cc"], tools["c++"]
    opt = str(tp.config_vars.get("OPT") or _DEFAULT_OPT)
    base = str(tp.config_vars.get("BASECFLAGS") or "")
    cflags = " ".join(f"{base} {opt}".split())
    ldextra = ""
    if prefix:
        cflags += f" -I{prefix}/include"
        ldextra = f" -L{prefix}/lib"
    pointer = tp.pointer_size // 8
    out.update({
        "CC": cc, "CXX": cxx, "LINKCC": cc, "MAINCC": cc, "CPP": f"{cc} -E",
        "LDSHARED": f"{cc} -shared{ldextra}", "BLDSHARED": f"{cc} -shared{ldextra}",
        "LDCXXSHARED": f"{cxx} -shared{ldextra}", "AR": tools["ar"], "ARFLAGS": "rcs",
        "OPT": opt, "BASECFLAGS": base, "CFLAGS": cflags, "PY_CFLAGS": cflags,
        "CCSHARED": "-fPIC",
        "EXT_SUFFIX": tp.ext_suffix, "SOABI": tp.soabi or out.get("SOABI"),
        "MULTIARCH": tp.multiarch or target.multiarch, "MACHDEP": "linux",
        "HOST_GNU_TYPE": str(tp.config_vars.get("HOST_GNU_TYPE") or target.gnu_triple),
        "INCLUDEPY": include_dir, "CONFINCLUDEPY": include_dir,
        "INCLUDEDIR": os.path.dirname(include_dir),
        # sysconfig.get_paths()["include"] is {installed_base}/include/python3.X{abiflags}
        "installed_base": os.path.dirname(os.path.dirname(include_dir)),
        "installed_platbase": os.path.dirname(os.path.dirname(include_dir)),
        "Py_DEBUG": int(tp.debug), "Py_GIL_DISABLED": int(tp.gil_disabled),
        "WORDS_BIGENDIAN": int(tp.byteorder == "big"),
        "LIBPC": libpc or "",
    })
    for key in _EMPTIED:
        if key in out:
            out[key] = ""
    if "PLATFORM_TRIPLET" in out:
        out["PLATFORM_TRIPLET"] = out["MULTIARCH"]
    libs = {"LIBDIR": tp.libdir, "LIBPL": tp.config_vars.get("LIBPL") or tp.libdir,
            "LDLIBRARY": tp.ldlibrary}
    out.update({key: value for key, value in libs.items() if value})
    if "SIZEOF_LONG" not in tp.config_vars:  # a partial description: the LP64/ILP32 sizes
        out.update(SIZEOF_VOID_P=pointer, SIZEOF_SIZE_T=pointer, SIZEOF_LONG=pointer,
                   SIZEOF_UINTPTR_T=pointer)
    return out


def render_sysconfigdata(variables: Mapping[str, object], target: Target) -> str:
    """The module text: data only, sorted, one key a line."""
    lines = [f"# Generated by zigcc for {target.zig_target}: the target's build_time_vars.",
             "build_time_vars = {"]
    lines += [f"    {key!r}: {variables[key]!r}," for key in sorted(variables)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_pkgconfig(target: Target, tp: TargetPython, include_dir: str) -> dict[str, str]:
    """``python-X.Y.pc`` and ``python-X.Y-embed.pc`` for the target's headers and libpython."""
    version = f"{tp.version[0]}.{tp.version[1]}"
    head = (f"# Generated by zigcc for {target.zig_target}.\nName: Python\n"
            f"Description: CPython {version}{tp.abiflags} of the target\nVersion: {version}\n"
            f"Cflags: -I{include_dir}\n")
    embed = ""
    if tp.libdir and tp.ldlibrary:
        name = tp.ldlibrary.split(".so")[0].split(".a")[0]
        embed = f"-L{tp.libdir} -l{name[3:] if name.startswith('lib') else name}"
    return {f"python-{version}{tp.abiflags}.pc": head + "Libs:\n",
            f"python-{version}{tp.abiflags}-embed.pc": head + f"Libs: {embed}\n"}


def render_hook(target: Target, tp: TargetPython) -> str:
    """The start-up hook: os.uname / platform / sys.implementation name the target."""
    glibc = (f"{target.libc_version[0]}.{target.libc_version[1]}"
             if target.libc == "gnu" and target.libc_version else None)
    facts = {"machine": target.arch, "multiarch": tp.multiarch or target.multiarch,
             "bits": target.info.bits, "glibc": glibc}
    return _HOOK.replace("@FACTS@", json.dumps(facts, sort_keys=True))


_HOOK = '''\
# Generated by zigcc: this process builds for another machine (zigcc target environment).
# os.uname(), platform.machine()/uname()/processor()/architecture()/libc_ver(), the glibc
# version os.confstr() reports and sys.implementation._multiarch describe the target; sysconfig reads the target's
# _sysconfigdata module beside this file (_PYTHON_SYSCONFIGDATA_NAME, _PYTHON_HOST_PLATFORM).
import json as _json
import os as _os
import sys as _sys

_FACTS = _json.loads(\'@FACTS@\')


def _zigcc_target() -> None:
    import platform

    real = _os.uname()
    machine = _FACTS["machine"]

    def uname():
        return _os.uname_result((real.sysname, real.nodename, real.release, real.version,
                                 machine))

    _os.uname = uname
    platform._uname_cache = None
    platform.processor = lambda: machine
    platform.architecture = lambda *args, **kwargs: ("%dbit" % _FACTS["bits"], "ELF")
    glibc = _FACTS["glibc"]
    if glibc and hasattr(_os, "confstr"):
        real_confstr = _os.confstr

        def confstr(name):
            if name in ("CS_GNU_LIBC_VERSION", getattr(_os, "confstr_names", {}).get(
                    "CS_GNU_LIBC_VERSION")):
                return "glibc " + glibc
            return real_confstr(name)

        _os.confstr = confstr
        platform.libc_ver = lambda *args, **kwargs: ("glibc", glibc)
    try:
        _sys.implementation._multiarch = _FACTS["multiarch"]
    except AttributeError:
        pass


def _zigcc_chain() -> None:
    """Run the sitecustomize this one shadows, if any."""
    import importlib.util
    from importlib.machinery import PathFinder

    here = _os.path.dirname(_os.path.abspath(__file__))
    rest = [p for p in _sys.path if _os.path.abspath(p or ".") != here]
    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


_zigcc_target()
_zigcc_chain()
'''


def host_platform(target: Target) -> str:
    """``_PYTHON_HOST_PLATFORM``: what ``sysconfig.get_platform()`` answers on the target."""
    return target.sysconfig_platform


def sysconfigdata_name(tp: TargetPython, target: Target) -> str:
    """The target interpreter's own module name (Debian's and CPython's convention)."""
    if tp.sysconfigdata_name:
        return tp.sysconfigdata_name
    return f"_sysconfigdata_{tp.abiflags}_linux_{tp.multiarch or target.multiarch}"


def backend_environ(folder: Path, name: str, target: Target,
                    inherited_pythonpath: str | None) -> dict[str, str]:
    """The variables for the backend's hooks (and the processes they start)."""
    path = str(folder) + (os.pathsep + inherited_pythonpath if inherited_pythonpath else "")
    return {"PYTHONPATH": path, "_PYTHON_SYSCONFIGDATA_NAME": name,
            "_PYTHON_HOST_PLATFORM": host_platform(target), "ZIGCC_TARGET": target.zig_target}


def materialise(target: Target, tp: TargetPython, tools: Mapping[str, str],
                build_vars: Mapping[str, object], include_dir: str, cache: Path,
                prefix: str | None = None, inherited_pythonpath: str | None = None
                ) -> TargetEnv:
    """Write the hook folder under ``cache/targetenv/`` (once per content) and describe it."""
    name = sysconfigdata_name(tp, target)
    files = {f"{PKGCONFIG}/{pc}": text
             for pc, text in render_pkgconfig(target, tp, include_dir).items()}
    files[HOOK_NAME] = render_hook(target, tp)
    variables = sysconfig_vars(target, tp, tools, build_vars, include_dir, prefix)
    key = hashlib.sha256(json.dumps([name, files, variables], sort_keys=True, default=str)
                         .encode()).hexdigest()[:16]
    folder = cache / "targetenv" / f"{target.ident}-{key}"
    variables["LIBPC"] = str(folder / PKGCONFIG)
    files[f"{name}.py"] = render_sysconfigdata(variables, target)

    def fill(tmp: Path) -> None:
        (tmp / PKGCONFIG).mkdir()
        for file, text in files.items():
            (tmp / file).write_text(text, encoding="utf-8")

    publish(folder, HOOK_NAME, fill)
    return TargetEnv(folder, backend_environ(folder, name, target, inherited_pythonpath))
