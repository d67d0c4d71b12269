"""The target's ``_sysconfigdata`` module and ``python-X.Y.pc`` files, rendered as text (pure).

From a :class:`~zigcc.target.model.Target`, a :class:`~zigcc.python.model.TargetPython`, the
toolchain's tool paths and the *build* interpreter's own ``build_time_vars``: every key the build
interpreter has, with the target's values (EXT_SUFFIX, SOABI, MULTIARCH, HOST_GNU_TYPE, SIZEOF_*,
LIBDIR, ...), the toolchain as CC/CXX/LDSHARED/AR, and the target's optimisation (OPT keeps
``-DNDEBUG -O2/-O3``) in CFLAGS, with none of the target distribution's own compiler or linker
flags.  :mod:`zigcc.targetenv.environment` writes them beside the start-up hook.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from zigcc.python import naming
from zigcc.python.description import TargetPython
from zigcc.python.formats import clean_include_dir
from zigcc.target.model import Target

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
# The build machine's libraries a Linux CPython's Makefile links with: a Windows target has none.
_WINDOWS_EMPTIED = ("LIBPYTHON", "LIBS", "SYSLIBS", "LIBM", "LIBC", "MODLIBS", "LOCALMODLIBS",
                    "BASEMODLIBS", "LINKFORSHARED")


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
    opt = str(tp.config_vars.get("OPT") or naming.configure_flags(tp.version)[0])
    base = str(tp.config_vars.get("BASECFLAGS") or "")
    cflags = " ".join(f"{base} {opt}".split())
    ldextra = ""
    if prefix:
        cflags += f" -I{prefix}/include"
        ldextra = f" -L{prefix}/lib"
    if target.os == "windows" and tp.libpython:
        # Extensions link the Python DLL's import library: the target's pyconfig.h asks for
        # libpython3.a under Py_LIMITED_API and libpython3XY.a otherwise (as MSVC's #pragma
        # lib does), found in this folder; the linker's own import library of the module
        # goes beside them, not into the wheel.
        implibs = os.path.dirname(tp.libpython)
        ldextra += (f" -L{implibs} -Wl,--out-implib,"
                    f"{os.path.join(implibs, 'module-implib.lib')}")
    pointer = tp.pointer_size // 8
    rules = target.platform
    link = f"{rules.module_ldflags}{ldextra}"
    out.update({
        "CC": cc, "CXX": cxx, "LINKCC": cc, "MAINCC": cc, "CPP": f"{cc} -E",
        "LDSHARED": f"{cc} {link}", "BLDSHARED": f"{cc} {link}",
        "LDCXXSHARED": f"{cxx} {link}", "AR": tools["ar"], "ARFLAGS": "rcs",
        "OPT": opt, "BASECFLAGS": base, "CFLAGS": cflags, "PY_CFLAGS": cflags,
        "CCSHARED": rules.ccshared,
        "EXT_SUFFIX": tp.ext_suffix, "SOABI": tp.soabi or out.get("SOABI"),
        "MULTIARCH": tp.multiarch or target.multiarch, "MACHDEP": rules.machdep,
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
    if target.os == "windows":
        # A Windows CPython links modules against its DLL's import library and nothing else
        # (the target's pyconfig.h asks the linker for it): no -lpython3.X (meson's sysconfig
        # lookup on a build machine that is not Windows wants one when LIBPYTHON is set) and
        # none of the build machine's -ldl/-lm/-lpthread (CMake's FindPython links LIBS).
        out.update(dict.fromkeys(_WINDOWS_EMPTIED, ""))
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


def zig_tools(target: Target) -> dict[str, str]:
    """zig itself as the toolchain, for a ``_sysconfigdata`` rendered without shims."""
    flags = f"-target {target.zig_target} -mcpu={target.mcpu}"
    return {"cc": f"zig cc {flags}", "c++": f"zig c++ {flags}", "ar": "zig ar",
            "ranlib": "zig ranlib"}


def render_module(tp: TargetPython, target: Target, include_dir: str | None = None, *,
                  build_vars: Mapping[str, object] | None = None,
                  tools: Mapping[str, str] | None = None) -> str:
    """The ``_sysconfigdata`` module text of ``tp`` built for ``target``: ``include_dir`` is
    the clean header folder (needed when the target's pyconfig.h only dispatches),
    ``build_vars`` the build interpreter's ``build_time_vars`` and ``tools`` the cc, c++ and
    ar shims (default: ``zig cc -target ...``)."""
    headers = clean_include_dir(tp, include_dir, "sysconfigdata")
    variables = sysconfig_vars(target, tp, tools or zig_tools(target), build_vars or {},
                               headers)
    return render_sysconfigdata(variables, target)
