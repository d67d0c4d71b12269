"""A whole ``pyconfig.h`` for a target CPython, synthesized without a target interpreter.

The text is a pure function of the CPython version, its ABI flags, the libc, the target's
:class:`~zigcc.python.probe.TargetFacts` (one compile) and :class:`~zigcc.python.cchecks.
TargetChecks` (a few more, and one link): never patched from the build interpreter's header, so it
is byte-identical on every build machine.  Which macros exist, per version, and how each is
decided is :mod:`zigcc.python.pyconfig_table`; the probe-derived (ABI) macros are here.

:func:`platform_triplet` is CPython's PLATFORM_TRIPLET / MULTIARCH rule for Linux, per version
(musl: ``-linux-gnu`` before 3.11, ``-linux-musl`` from 3.11 on; unchanged through 3.15).
Running the probe and the checks is :mod:`zigcc.python.pyconfig_run`'s side of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from zigcc.errors import ZigccError
from zigcc.python import cchecks
from zigcc.python import pyconfig_table as table
from zigcc.python.cchecks import TargetChecks
from zigcc.python.probe import TargetFacts
from zigcc.target.platforms import LINUX

Version = tuple[int, int]
Value = Optional[str]  # the #define value, or None for "not defined" (not str | None: 3.9)

# The probe cannot see which compiler built the interpreter; these are gcc's answers where
# zig's clang answers differently.  (cpu, macro) -> value.
GCC_VALUES: Mapping[tuple[str, str], str] = {
    # gcc's max_align_t on i386 has a __float128 member (alignment 16); clang's has not (8).
    ("i386", "ALIGNOF_MAX_ALIGN_T"): "16",
}
# PEP 11 support tier configure prints for <cpu>-*-linux-<libc>/gcc (3.11-3.13 tables).
_TIERS = {("x86_64", "gnu"): "1", ("aarch64", "gnu"): "2", ("powerpc64le", "gnu"): "2",
          ("s390x", "gnu"): "3", ("arm", "gnueabihf"): "3"}
_REASONS = {"run": "configure's run-time test fails on Linux", "os": "not Linux",
            "option": "off by default", "lib": "third-party library not in zig's sysroot",
            "type": "the type exists", "compiler": "predefined by the compiler",
            "linux": "configure forces it off on Linux"}
# AC_HEADER_DIRENT defines HAVE_ for the first of these that exists, and no other.
_DIRENT = ("dirent.h", "sys/ndir.h", "sys/dir.h", "ndir.h")


def check_abiflags(version: Version, abiflags: str) -> None:
    """Refuse what cannot be synthesized: debug builds, unknown flags, 't' before 3.13."""
    if "d" in abiflags:
        raise ZigccError(f"abiflags {abiflags!r}: a debug CPython (Py_DEBUG, Py_TRACE_REFS "
                         "options) cannot be synthesized; use a target interpreter or sysroot")
    if set(abiflags) - {"t"}:
        raise ZigccError(f"abiflags {abiflags!r}: only '' and 't' can be synthesized")
    if "t" in abiflags and version < (3, 13):
        raise ZigccError(f"abiflags 't' (free-threaded) needs CPython 3.13+, not "
                         f"{version[0]}.{version[1]}")
    if not (3, table.OLDEST) <= version <= (3, table.NEWEST):
        raise ZigccError(f"CPython {version[0]}.{version[1]}: pyconfig.h can be synthesized "
                         f"for 3.{table.OLDEST} to 3.{table.NEWEST}")


def libc_name(libc: str) -> str:
    """'gnu' / 'glibc' -> 'gnu'; 'musl' -> 'musl'."""
    if libc in ("gnu", "glibc"):
        return "gnu"
    if libc == "musl":
        return "musl"
    raise ZigccError(f"libc {libc!r}: pyconfig.h can be synthesized for glibc ('gnu') or musl")


def platform_triplet(version: Version, libc: str, facts: TargetFacts) -> str:
    """CPython's PLATFORM_TRIPLET (= MULTIARCH on Linux) for the target: the platform's rule
    (:meth:`zigcc.target.platforms._linux.Linux.triplet`) for the probed CPU."""
    arm = ("eabihf" if facts.arm_hard_float else "eabi") if facts.cpu == "arm" else ""
    return LINUX[libc_name(libc)].triplet(facts.cpu, arm, version)


def _one(flag: bool) -> Value:
    return "1" if flag else None


def abi_values(version: Version, libc: str, facts: TargetFacts) -> dict[str, Value]:
    """Every macro decided by the probe (the ABI-relevant ones), for this version."""
    size = facts.size
    fmt = facts.double_format
    values: dict[str, Value] = {f"SIZEOF_{t}": str(size(t)) for t in table.SIZEOF}
    values.update({
        "ALIGNOF_LONG": str(facts.align("LONG")), "ALIGNOF_SIZE_T": str(facts.align("SIZE_T")),
        "ALIGNOF_MAX_ALIGN_T": str(facts.align("MAX_ALIGN_T")),
        "DOUBLE_IS_LITTLE_ENDIAN_IEEE754": _one(fmt == "ieee-little"),
        "DOUBLE_IS_BIG_ENDIAN_IEEE754": _one(fmt == "ieee-big"),
        "DOUBLE_IS_ARM_MIXED_ENDIAN_IEEE754": _one(fmt == "ieee-arm-mixed"),
        "FLOAT_WORDS_BIGENDIAN": _one(fmt in ("ieee-big", "ieee-arm-mixed")),
        "WORDS_BIGENDIAN": _one(facts.byteorder == "big"),
        "HAVE_GCC_UINT128_T": _one(facts.int128), "HAVE___UINT128_T": _one(facts.int128),
        "HAVE_GCC_ASM_FOR_X64": _one(facts.cpu == "x86_64"),
        "HAVE_GCC_ASM_FOR_X87": _one(facts.x86),
        "HAVE_GCC_ASM_FOR_MC68881": _one(facts.cpu == "m68k"),
        "X87_DOUBLE_ROUNDING": _one(facts.x87_double_rounding),
        "HAVE_LARGEFILE_SUPPORT": _one(size("LONG_LONG") >= size("OFF_T") > size("LONG")),
        "HAVE_USABLE_WCHAR_T": _one(size("WCHAR_T") >= 2 and not facts.wchar_signed),
        "PTHREAD_KEY_T_IS_COMPATIBLE_WITH_INT": _one(
            size("PTHREAD_KEY_T") == size("INT") and facts.pthread_key_integer),
        "HAVE_LONG_DOUBLE": _one(size("LONG_DOUBLE") > 0),
        "PY_HAVE_PERF_TRAMPOLINE": _one(platform_triplet(version, libc, facts) in (
            "x86_64-linux-gnu", "aarch64-linux-gnu",
            *(("x86_64-linux-musl", "aarch64-linux-musl") if version >= (3, 15) else ()))),
    })
    for (cpu, name), value in GCC_VALUES.items():
        if facts.cpu == cpu and name in values:
            values[name] = value
    return values


def _rules(version: Version, abiflags: str, libc: str, facts: TargetFacts,
           checks: TargetChecks) -> dict[str, Value]:
    """The macros decided by a rule of their own (named ``rule`` in the table)."""
    ok = checks.compiles.__contains__
    fn = checks.functions.__contains__
    r6, r5, r3 = (ok(f"HAVE_GETHOSTBYNAME_R_{n}_ARG") for n in (6, 5, 3))
    r_any = fn("gethostbyname_r") and (r6 or r5 or r3)
    tm_zone = ok("HAVE_STRUCT_TM_TM_ZONE")
    triplet = platform_triplet(version, libc, facts)
    dirent = next((h for h in _DIRENT if h in checks.headers), None)
    cpu_abi = (facts.cpu, triplet.split("-linux-")[1])
    glibc = libc_name(libc) == "gnu"
    return {
        "HAVE_GETHOSTBYNAME_R": "1" if r_any else None,
        "HAVE_GETHOSTBYNAME_R_6_ARG": "1" if r_any and r6 else None,
        "HAVE_GETHOSTBYNAME_R_5_ARG": "1" if r_any and r5 and not r6 else None,
        "HAVE_GETHOSTBYNAME_R_3_ARG": "1" if r_any and r3 and not (r6 or r5) else None,
        # 3.9/3.10 check gethostbyname only when there is no gethostbyname_r.
        "HAVE_GETHOSTBYNAME": "1" if fn("gethostbyname") and (
            version >= (3, 11) or not r_any) else None,
        "HAVE_DECL_TZNAME": None if tm_zone else "1",
        "HAVE_TZNAME": None if tm_zone else "1",
        **{table.header_macro(h): _one(h == dirent) for h in _DIRENT[1:]},
        "MAJOR_IN_MKDEV": "1" if "sys/mkdev.h" in checks.headers else None,
        "MAJOR_IN_SYSMACROS": "1" if "sys/mkdev.h" not in checks.headers and (
            "sys/sysmacros.h" in checks.headers) else None,
        "SHM_NEEDS_LIBRT": "1" if checks.provider("shm_open") == "librt.so.1" else None,
        "TIMEMODULE_LIB": "rt" if checks.provider("clock_gettime") == "librt.so.1"
        else None,
        "PY_SUPPORT_TIER": _TIERS.get(cpu_abi, "0"),
        "Py_DEBUG": None,
        "Py_GIL_DISABLED": "1" if "t" in abiflags else None,
        "WITH_MIMALLOC": "1" if "stdatomic.h" in checks.headers else None,
        # 3.14+: gcc takes -msse...-msse4.2 and -mavx2 on x86 only.
        "_Py_HACL_CAN_COMPILE_VEC128": _one(facts.x86),
        "_Py_HACL_CAN_COMPILE_VEC256": _one(facts.x86),
        # A native configure's run-time test: musl's default thread stack is under 1 MiB.
        "_Py_LINKER_THREAD_STACK_SIZE": None if glibc else "1048576",
        # 3.15: SOABI's platform part; configure's own #error test for SIMD worth using
        # (ARM32 only with NEON, which Debian's armhf baseline lacks); frame pointers
        # (-fno-omit-frame-pointer, or s390x's -mbackchain) everywhere but powerpc64le.
        "SOABI_PLATFORM": f'"{triplet}"',
        "_Py_HAVE_EFFICIENT_BUILTIN_SHUFFLEVECTOR": _one(facts.cpu in ("x86_64", "aarch64")),
        "_Py_WITH_FRAME_POINTERS": _one(facts.cpu != "powerpc64le"),
        # gcc links libgcc's __register_frame everywhere but 32-bit Arm (EHABI unwinding).
        "_Py_HAVE_LIBGCC_EH_FRAME_REGISTRATION": _one(facts.cpu != "arm"),
        # 3.15: checked on glibc only (musl's sys/prctl.h conflicts with linux/prctl.h).
        "HAVE_DECL_PR_SET_VMA_ANON_NAME": (
            ("1" if ok("HAVE_DECL_PR_SET_VMA_ANON_NAME") else "0") if glibc else None),
        "_Py_HAVE_PR_SET_VMA_ANON_NAME": _one(glibc and ok("HAVE_DECL_PR_SET_VMA_ANON_NAME")),
        **{name: _one(fn("statx") and ok(name)) for name in table.COMPILE_CHECKS
           if name.startswith("HAVE_STRUCT_STATX_")},
    }


def values(version: Version, abiflags: str, libc: str, facts: TargetFacts,
           checks: TargetChecks) -> dict[str, tuple[Value, table.Rule]]:
    """Every macro of this version's pyconfig.h: its value (None: not defined) and rule."""
    check_abiflags(version, abiflags)
    if checks.inputs != CHECKS_KEY:
        raise ZigccError(f"the target checks were made for another check table "
                         f"({checks.inputs or 'unknown'}, not {CHECKS_KEY}); delete the cached "
                         "checks to run them again")
    minor = version[1]
    abi = abi_values(version, libc, facts)
    rules = _rules(version, abiflags, libc, facts, checks)
    out: dict[str, tuple[Value, table.Rule]] = {}
    for rule in table.RULES:
        if not rule.applies(minor):
            continue
        kind, arg = rule.kind, rule.arg
        value: Value
        if kind == "header":
            value = "1" if arg in checks.headers else None
        elif kind == "function":
            value = "1" if all(f in checks.functions for f in arg.split()) else None
        elif kind == "check":
            value = "1" if arg in checks.compiles else None
        elif kind == "decl":
            value = "1" if arg in checks.compiles else "0"
        elif kind in ("const", "feature"):
            value = arg
        elif kind == "undef":
            value = None
        elif kind == "abi":
            value = abi[rule.name]
        else:
            value = rules[rule.name]
        out[rule.name] = (value, rule)
    return out


def render_pyconfig(version: Version, abiflags: str, libc: str, facts: TargetFacts,
                    checks: TargetChecks, target: str = "") -> str:
    """The whole pyconfig.h text (deterministic: sorted, no dates, no build-machine paths)."""
    decided = values(version, abiflags, libc, facts, checks)
    triplet = platform_triplet(version, libc, facts)
    name = f"{target} " if target else ""
    lines = [
        f"/* pyconfig.h for CPython {version[0]}.{version[1]}{abiflags} on {name}"
        f"({triplet}), synthesized by zigcc",
        "   without a target interpreter: ABI macros from a compile-only probe of the target",
        "   compiler, HAVE_* from zig's headers and libc stubs for this target, the rest as",
        "   CPython's configure decides them on Linux by default.",
        *_notes(version, libc, facts),
        "*/",
        "#ifndef Py_PYCONFIG_H",
        "#define Py_PYCONFIG_H",
        "",
    ]
    for macro, (value, rule) in decided.items():
        if value is None:
            why = _REASONS.get(rule.arg, "") if rule.kind == "undef" else ""
            lines.append(f"/* #undef {macro} */" + (f"  /* {why} */" if why else ""))
        elif rule.kind == "feature" or macro == "WORDS_BIGENDIAN":
            lines += [f"#ifndef {macro}", f"# define {macro} {value}", "#endif"]
        else:
            lines.append(f"#define {macro} {value}".rstrip())
    lines += ["", "#endif /* Py_PYCONFIG_H */", ""]
    return "\n".join(lines)


def _notes(version: Version, libc: str, facts: TargetFacts) -> list[str]:
    """What the probe cannot decide, and the value chosen."""
    notes = [
        "   Not decidable without running target code, chosen as on Linux: run-time tests",
        "   (HAVE_BROKEN_*, HAVE_WORKING_TZSET=1, ENABLE_IPV6=1, HAVE_ALIGNED_REQUIRED undefined);",
        "   X87_DOUBLE_ROUNDING from __FLT_EVAL_METHOD__; HAVE_USABLE_WCHAR_T from the sign of",
        "   wchar_t (a native configure's answer; a cross-configured CPython leaves it out).",
        "   Not decidable from the compiler: options (Py_ENABLE_SHARED, WITH_DTRACE,",
        "   USE_COMPUTED_GOTOS, PY_SSL_DEFAULT_CIPHERS) take configure's defaults;",
        "   third-party libraries (curses, readline, gdbm, sqlite, uuid, zlib, ffi) are absent.",
    ]
    if facts.size("TIME_T") < 8:
        notes.append("   SIZEOF_TIME_T=4: zig's default; a distribution building with "
                     "-D_TIME_BITS=64 has 8.")
    abi = abi_values(version, libc, facts)
    names = {r.name for r in table.RULES if r.applies(version[1])}
    for (cpu, name), value in GCC_VALUES.items():
        if facts.cpu == cpu and name in names and abi.get(name) == value:
            notes.append(f"   {name}={value}: gcc's value (the interpreter's compiler), "
                         f"not zig's {facts.align('MAX_ALIGN_T')}.")
    if libc_name(libc) == "gnu":
        notes.append("   HAVE_<function>: what zig's stubs of this glibc version export.")
    else:
        notes.append("   HAVE_<function>: what zig's musl declares and links.")
    return notes


# Every header and function any version's table needs: one set of checks per target.
CHECK_HEADERS: tuple[str, ...] = tuple(sorted(
    {r.arg for r in table.RULES if r.kind == "header"} | {"linux/if_alg.h", "stdatomic.h"}
    | set(_DIRENT)))
CHECK_FUNCTIONS: tuple[str, ...] = tuple(sorted(
    {f for r in table.RULES if r.kind == "function" for f in r.arg.split()}
    | {"gethostbyname", "gethostbyname_r", "shm_open", "clock_gettime"}))


# Results of other checks (an older zigcc's cache) are refused by values().
CHECKS_KEY = cchecks.inputs_digest(CHECK_HEADERS, table.COMPILE_CHECKS, CHECK_FUNCTIONS,
                                   table.PRELUDE)
