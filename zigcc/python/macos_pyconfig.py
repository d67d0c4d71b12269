"""The ``pyconfig.h`` of python.org's CPython X.Y for macOS, decided for one macOS target (pure).

CPython's configure asks the same questions on macOS as on Linux (:mod:`pyconfig_table`'s
headers, functions and compile checks); the answers here are the target's:

* headers: what zig's macOS headers have (``__has_include``);
* functions: what links against zig's ``libSystem`` of macOS (configure's own link test);
* compile checks: the table's checks, compiled for the target;
* sizes, alignments and byte order: the probe of the target compiler (arm64 macOS has an
  8-byte ``long double``, a signed ``char``: not Linux's answers);
* the rest: what configure decides on Darwin, where it differs from Linux: no
  ``_XOPEN_SOURCE``/``_POSIX_C_SOURCE`` (configure's ``define_xopen_source=no`` for Darwin), a
  framework build (``_PYTHONFRAMEWORK "Python"``, ``WITH_NEXT_FRAMEWORK``), ``WITH_DYLD``, no
  perf trampoline, ``SOABI_PLATFORM`` darwin (3.15).

Only a few of these macros reach an extension (``Include/`` reads SIZEOF_*, WORDS_BIGENDIAN,
HAVE_FORK, HAVE_CLOCK_GETTIME, HAVE_UNISTD_H, WITH_PYMALLOC, Py_GIL_DISABLED and a few
more); the rest are kept so that a package reading ``sysconfig.get_config_var`` sees
macOS's answers.
"""

from __future__ import annotations

from zigcc.python import pyconfig as pyc
from zigcc.python import pyconfig_table as table
from zigcc.python.cchecks import TargetChecks
from zigcc.python.probe import TargetFacts
from zigcc.python.pyconfig import Value, Version

# configure's constants that Darwin does not get (Linux's feature-test macros, Linux-only files)
_NOT_ON_DARWIN = frozenset(("_POSIX_C_SOURCE", "_XOPEN_SOURCE", "_XOPEN_SOURCE_EXTENDED",
                            "HAVE_DEV_PTMX"))
# What configure writes for a python.org (framework) build on Darwin, beyond the table.
_DARWIN: dict[str, str] = {
    "_PYTHONFRAMEWORK": '"Python"', "WITH_NEXT_FRAMEWORK": "1", "WITH_DYLD": "1",
    "HAVE_DEV_PTMX": "1", "HAVE_DYLD_SHARED_CACHE_CONTAINS_PATH": "1",
}


def values(version: Version, abiflags: str, facts: TargetFacts,
           checks: TargetChecks) -> dict[str, Value]:
    """Every macro of ``version``'s pyconfig.h for the probed macOS target: a value, or None
    for ``/* #undef */``."""
    minor = version[1]
    abi = pyc.abi_values(version, "gnu", facts)  # the probe's facts (sizes, order, asm)
    abi["PY_HAVE_PERF_TRAMPOLINE"] = None  # perf's trampolines are Linux's
    out: dict[str, Value] = {}
    for rule in table.RULES:
        if not rule.applies(minor):
            continue
        if rule.kind == "header":
            out[rule.name] = "1" if rule.arg in checks.headers else None
        elif rule.kind == "function":
            out[rule.name] = "1" if set(rule.arg.split()) <= checks.functions else None
        elif rule.kind == "check":
            out[rule.name] = "1" if rule.arg in checks.compiles else None
        elif rule.kind == "decl":  # AC_CHECK_DECLS writes 0 or 1
            out[rule.name] = "1" if rule.arg in checks.compiles else "0"
        elif rule.kind == "abi":
            out[rule.name] = abi.get(rule.name)
        elif rule.kind == "feature":
            out[rule.name] = rule.arg
        elif rule.kind == "const":
            out[rule.name] = None if rule.name in _NOT_ON_DARWIN else rule.arg
        else:  # undef, and Linux's rules (libc, support tier, ...): decided below
            out[rule.name] = None
    out.update(_DARWIN)
    out["HAVE_LIBDL"] = None  # dlopen is libSystem's: no -ldl
    if "gethostbyname" in checks.functions and minor >= 11:  # (no gethostbyname_r on macOS)
        out["HAVE_GETHOSTBYNAME"] = "1"
    if "HAVE_STRUCT_TM_TM_ZONE" not in checks.compiles:
        out["HAVE_DECL_TZNAME"] = out["HAVE_TZNAME"] = "1"
    out["Py_GIL_DISABLED"] = "1" if "t" in abiflags and minor >= 13 else None
    out["WITH_MIMALLOC"] = "1" if minor >= 13 else None
    out["PY_SUPPORT_TIER"] = "1" if minor >= 11 else None  # PEP 11: both *-apple-darwin
    if minor >= 15:
        out["SOABI_PLATFORM"] = '"darwin"'
    return dict(sorted(out.items()))


def render(version: Version, abiflags: str, facts: TargetFacts, checks: TargetChecks,
           tag: str) -> str:
    """The header text: deterministic, one ``#define`` or ``/* #undef */`` per macro."""
    lines = [f"/* pyconfig.h for CPython {version[0]}.{version[1]}{abiflags} on {tag},",
             "   synthesized by zigcc (zigcc.python.macos_pyconfig): sizes from a probe of the",
             "   target compiler, HAVE_* from zig's macOS headers, the rest as configure",
             "   decides on Darwin for python.org's framework build. */",
             "#ifndef Py_PYCONFIG_H", "#define Py_PYCONFIG_H", ""]
    for name, value in values(version, abiflags, facts, checks).items():
        lines.append(f"#define {name} {value}" if value is not None else f"/* #undef {name} */")
    lines += ["", "#endif /* Py_PYCONFIG_H */", ""]
    return "\n".join(lines)
