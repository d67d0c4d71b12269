"""zigcc/python/probe.py, cchecks.py and pyconfig.py: a synthesized pyconfig.h against real ones.

References: Debian's CPython headers (bullseye 3.9, bookworm 3.11, trixie 3.13, sid 3.14 and
3.15, every architecture; made by conftest's debian_python fixture, skipped only where the mirror
lacks them), the musl CPython 3.11 (conftest's musl_python), pyenv's x86_64 CPython 3.9-3.13 and the
host's Debian x86_64 one (missing ones skip).  Both headers go through the target compiler's
preprocessor (``-E -dM``), so ``#ifndef`` wrappers and comments do not matter.
"""

from __future__ import annotations

import ast
import functools
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import debian_sysroots
import pytest
from conftest import DebianPythons, MuslPythons

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.python import naming, pyconfig, pyconfig_run, pyconfig_table, synth
from zigcc.python.cchecks import TargetChecks
from zigcc.python.probe import TargetFacts, probe
from zigcc.target import host
from zigcc.target.model import parse
from zigcc.toolchain import installed

# Every macro whose value differs between architectures in the real headers, plus the build
# options Python.h reads that change struct layouts or inline code: all must equal the real.
ABI_MACROS = (
    *(f"SIZEOF_{name}" for name in pyconfig_table.SIZEOF),
    "ALIGNOF_LONG", "ALIGNOF_SIZE_T", "ALIGNOF_MAX_ALIGN_T",
    "WORDS_BIGENDIAN", "DOUBLE_IS_LITTLE_ENDIAN_IEEE754", "DOUBLE_IS_BIG_ENDIAN_IEEE754",
    "DOUBLE_IS_ARM_MIXED_ENDIAN_IEEE754", "FLOAT_WORDS_BIGENDIAN",
    "HAVE_GCC_UINT128_T", "HAVE___UINT128_T", "HAVE_LONG_DOUBLE", "HAVE_LARGEFILE_SUPPORT",
    "HAVE_USABLE_WCHAR_T", "HAVE_NON_UNICODE_WCHAR_T_REPRESENTATION", "X87_DOUBLE_ROUNDING",
    "HAVE_GCC_ASM_FOR_X64", "HAVE_GCC_ASM_FOR_X87", "HAVE_GCC_ASM_FOR_MC68881",
    "PTHREAD_KEY_T_IS_COMPATIBLE_WITH_INT", "PY_HAVE_PERF_TRAMPOLINE",
    "SIGNED_RIGHT_SHIFT_ZERO_FILLS", "HAVE_ALIGNED_REQUIRED",
    "Py_GIL_DISABLED", "Py_DEBUG", "Py_TRACE_REFS", "Py_STATS", "WITH_PYMALLOC",
    "WITH_FREELISTS", "WITH_MIMALLOC", "PYLONG_BITS_IN_DIGIT", "_FILE_OFFSET_BITS",
    "_LARGEFILE_SOURCE", "HAVE_STD_ATOMIC", "HAVE_BUILTIN_ATOMIC", "HAVE_PTHREAD_STUBS",
    "HAVE_PTHREAD_H", "HAVE_SSIZE_T",
    # 3.14+: pyport.h reads the stack direction; options that change internal structs
    "_Py_STACK_GROWS_DOWN", "Py_REMOTE_DEBUG", "Py_TAIL_CALL_INTERP", "_Py_TAIL_CALL_INTERP",
    "PYMALLOC_USE_HUGEPAGES", "SOABI_PLATFORM",
)
# Debian arch -> the wheel tag the ABI comparison synthesizes for.
DEBIAN_TAGS = {"arm64": "manylinux_2_17_aarch64", "armhf": "manylinux_2_17_armv7l",
               "i386": "manylinux_2_17_i686", "ppc64el": "manylinux_2_19_ppc64le",
               "s390x": "manylinux_2_17_s390x", "riscv64": "manylinux_2_31_riscv64",
               "amd64": "manylinux_2_17_x86_64"}
DEBIAN_MACHINES = {"arm64": "aarch64", "armhf": "armv7l", "i386": "i686", "ppc64el": "ppc64le",
                   "s390x": "s390x", "riscv64": "riscv64", "amd64": "x86_64"}
# Real differences the probe cannot see, each with its reason: (reference, macro) -> values.
KNOWN_ABI = {
    # Debian trixie armhf builds everything with -D_TIME_BITS=64 (the 64-bit time_t
    # transition); zig, like upstream CPython and manylinux, keeps glibc's 32-bit default.
    ("trixie-armhf", "SIZEOF_TIME_T"): ("8", "4"),
    ("sid-armhf", "SIZEOF_TIME_T"): ("8", "4"),
    ("sid-3.15-armhf", "SIZEOF_TIME_T"): ("8", "4"),
}
# Macros a full comparison may see differ, by reason (not ABI: feature or option macros).
THIRD_PARTY_HEADERS = {
    "bzlib.h", "db.h", "gdbm.h", "gdbm-ndbm.h", "gdbm/ndbm.h", "ndbm.h", "lzma.h", "zlib.h",
    "curses.h", "ncurses.h", "term.h", "panel.h", "ncursesw/curses.h", "ncursesw/ncurses.h",
    "ncursesw/panel.h", "ncurses/curses.h", "ncurses/ncurses.h", "ncurses/panel.h",
    "readline/readline.h", "editline/readline.h", "uuid.h", "uuid/uuid.h", "crypt.h",
    "bluetooth/bluetooth.h", "rpc/rpc.h", "zdict.h", "zstd.h",
}
# Options a distribution or pyenv sets, and glibc's libcrypt (a separate library zig lacks).
OPTIONS = {"PY_SSL_DEFAULT_CIPHERS", "PY_SUPPORT_TIER", "_REENTRANT", "HAVE_CRYPT_R"}
# Feature differences of one reference, with the reason.
KNOWN_FEATURES = {
    # tests/musl_cpython.py turns off what zig's musl 1.2.5 has but its musl 1.2.3 runtime lacks.
    ("musl-3.11", "HAVE_PREADV2"), ("musl-3.11", "HAVE_PWRITEV2"),
}
# Macros that came or went between patch releases of one X.Y (the table follows the newest).
PATCH_DRIFT = {
    9: {"HAVE_LINUX_AUXVEC_H", "HAVE_SYS_AUXV_H", "HAVE_SEM_CLOCKWAIT", "HAVE_LIBUUID",
        "HAVE_NON_UNICODE_WCHAR_T_REPRESENTATION", "__CHAR_UNSIGNED__"},
    11: {"HAVE_LINUX_LIMITS_H", "HAVE_MEMORY_H", "HAVE_RL_COMPDISP_FUNC_T", "Py_SUNOS_VERSION"},
    13: {"HAVE_TTYNAME", "HAVE_TTYNAME_R", "HAVE_GETLOGIN_R", "HAVE_SYS_PIDFD_H",
         "HAVE_DECL_UT_NAMESIZE", "HAVE_UT_NAMESIZE", "HAVE_MAXLOGNAME", "FLOAT_WORDS_BIGENDIAN"},
    14: {"_Py_HAVE_STRERROR_R"},  # not in 3.14.7, in 3.14.10
    15: {"_Py_HAVE_STRERROR_R", "HAVE_PTHREAD_NP_H", "_Py_HAVE_PTHREAD_ATTR_GET_NP"},  # rc1/.2
}


# ---------------------------------------------------------------- references
def _debian_refs() -> list[tuple[str, Path, str, tuple[int, int], tuple[int, int]]]:
    rows = []
    for (suite, arch), row in sorted(debian_sysroots.SUITES.items()):
        major, minor = row.version
        path = (debian_sysroots.default_cache() / f"{suite}-{arch}" / "root" / "usr" / "include"
                / row.multiarch / f"python{major}.{minor}" / "pyconfig.h")
        rows.append((f"{suite}-{arch}", path, DEBIAN_TAGS[arch], row.version, row.glibc))
    return rows


def _x86_64_refs() -> list[tuple[str, Path, str, tuple[int, int], tuple[int, int]]]:
    machine = host.detect()
    glibc = machine.glibc or (2, 17)
    rows = []
    for minor in range(pyconfig_table.OLDEST, pyconfig_table.NEWEST + 1):
        found = sorted(glob.glob(os.path.expanduser(
            f"~/.pyenv/versions/3.{minor}.*/include/python3.{minor}/pyconfig.h")))
        path = Path(found[-1]) if found else Path(f"~/.pyenv/versions/3.{minor}.x-missing")
        rows.append((f"pyenv-3.{minor}", path, "manylinux_2_17_x86_64", (3, minor), glibc))
    for path in sorted(glob.glob("/usr/include/x86_64-linux-gnu/python3.*/pyconfig.h")):
        minor = int(re.search(r"python3\.(\d+)", path).group(1))  # type: ignore[union-attr]
        if pyconfig_table.OLDEST <= minor <= pyconfig_table.NEWEST:
            rows.append((f"host-3.{minor}", Path(path), "manylinux_2_17_x86_64", (3, minor), glibc))
    return rows


def _musl_refs() -> list[tuple[str, Path, str, tuple[int, int], tuple[int, int]]]:
    """The musl CPython 3.11 tests/musl_cpython.py builds natively (real configure on musl)."""
    path = (debian_sysroots.default_cache() / "musl-cpython-3.11-x86_64" / "python" / "include"
            / "python3.11" / "pyconfig.h")
    return [("musl-3.11", path, "musllinux_1_2_x86_64", (3, 11), (0, 0))]


REFS = _debian_refs() + _x86_64_refs() + _musl_refs()


def _need(ref: str, path: Path, spec: str, debian_python: DebianPythons,
          musl_python: MuslPythons) -> None:
    """Make the reference when a fixture provides it (a Debian sysroot, the musl CPython);
    skip when a reference of this machine (pyenv's, the host's) is missing."""
    if spec.endswith("x86_64") and host.detect().arch != "x86_64":
        pytest.skip("x86_64 references need an x86_64 build machine")
    suite, _, arch = ref.removesuffix("t").rpartition("-")  # sid-3.15-arm64t: sid-3.15, arm64
    if (suite, arch) in debian_sysroots.SUITES:
        debian_python(arch, suite)  # skips only when the mirror lacks that suite's packages
    elif ref == "musl-3.11":
        musl_python()
    else:
        if not path.is_file():
            pytest.skip(f"no reference header at {path}")
        return
    assert path.is_file(), f"{ref}: the fixture made no {path}"


# ---------------------------------------------------------------- helpers
@functools.lru_cache(maxsize=1)
def _zig() -> Path:
    settings = Settings.from_env(os.environ)
    return installed.stable_zig(installed.zig_binary(), settings.cache_dir, installed.zig_version())


def _cc(spec: str) -> list[str]:
    return pyconfig_run.compiler_for(parse(spec), _zig())


@functools.cache
def _collect(spec: str) -> tuple[TargetFacts, TargetChecks]:
    """Probe and check a target once per test process."""
    with tempfile.TemporaryDirectory(prefix="zigcc-pyconfig-") as work:
        return pyconfig_run.collect(_cc(spec), Path(work), parse(spec).libc or "gnu", spec)


def _with_glibc(spec: str, glibc: tuple[int, int]) -> str:
    if parse(spec).libc != "gnu":
        return spec
    return f"manylinux_{glibc[0]}_{glibc[1]}_{parse(spec).arch}"


def _render(spec: str, version: tuple[int, int], abiflags: str = "") -> str:
    facts, checks = _collect(spec)
    return pyconfig.render_pyconfig(version, abiflags, parse(spec).libc or "gnu", facts, checks,
                                    spec)


def _macros(spec: str, text: str, tmp: Path, name: str) -> dict[str, str]:
    """The macros ``text`` defines beyond the compiler's own, as the compiler sees them."""
    (tmp / name).write_text(text, encoding="utf-8")
    seen = {}
    for source in (name, os.devnull):
        out = subprocess.run([*_cc(spec), "-E", "-dM", "-x", "c", source], cwd=tmp,
                             capture_output=True, text=True, check=True).stdout
        seen[source] = dict(re.findall(r"^#define (\w+) ?(.*)$", out, re.M))
    base = seen[os.devnull]
    return {k: v for k, v in seen[name].items() if base.get(k) != v and k != "Py_PYCONFIG_H"}


def _diff(real: dict[str, str], ours: dict[str, str], names: object) -> dict[str, tuple[str, str]]:
    keys = set(real) | set(ours) if names is None else set(names)  # type: ignore[call-overload]
    return {k: (real.get(k, "-"), ours.get(k, "-")) for k in sorted(keys)
            if real.get(k, "-") != ours.get(k, "-")}


# ---------------------------------------------------------------- (a) ABI equals the real
@pytest.mark.slow
@pytest.mark.parametrize(("ref", "path", "spec", "version", "glibc"), REFS,
                         ids=[r[0] for r in REFS])
def test_abi_macros_equal_real(ref: str, path: Path, spec: str, version: tuple[int, int],
                               glibc: tuple[int, int], tmp_path: Path,
                               debian_python: DebianPythons, musl_python: MuslPythons) -> None:
    _need(ref, path, spec, debian_python, musl_python)
    real = _macros(spec, path.read_text(encoding="utf-8"), tmp_path, "real.h")
    ours = _macros(spec, _render(spec, version), tmp_path, "ours.h")
    diff = _diff(real, ours, ABI_MACROS)
    expected = {m: values for (r, m), values in KNOWN_ABI.items() if r == ref}
    assert diff == expected, f"{ref}: (real, synthesized) differ: {diff}"


@pytest.mark.slow
@pytest.mark.parametrize(("ref", "path", "spec", "version", "glibc"), REFS,
                         ids=[r[0] for r in REFS])
def test_feature_macros_match_real(ref: str, path: Path, spec: str, version: tuple[int, int],
                                   glibc: tuple[int, int], tmp_path: Path,
                                   debian_python: DebianPythons,
                                   musl_python: MuslPythons) -> None:
    """With the reference's glibc, every macro but documented ones equals the real one."""
    _need(ref, path, spec, debian_python, musl_python)
    spec = _with_glibc(spec, glibc)
    text = path.read_text(encoding="utf-8")
    real = _macros(spec, text, tmp_path, "real.h")
    ours = _macros(spec, _render(spec, version), tmp_path, "ours.h")
    allowed = OPTIONS | PATCH_DRIFT.get(version[1], set()) | {
        m for (r, m) in [*KNOWN_ABI, *KNOWN_FEATURES] if r == ref} | {
        pyconfig_table.header_macro(h) for h in THIRD_PARTY_HEADERS} | {
        r.name for r in pyconfig_table.RULES if r.kind == "undef" and r.arg in ("lib", "option")}
    diff = {k: v for k, v in _diff(real, ours, None).items() if k not in allowed}
    assert diff == {}, f"{ref}: (real, synthesized) differ: {diff}"
    # Every macro the real header names (defined or not) is in zigcc's table for X.Y.
    named = set(re.findall(r"#\s*(?:define|undef)\s+(\w+)", text)) - {"Py_PYCONFIG_H"}
    table = {r.name for r in pyconfig_table.RULES if r.applies(version[1])}
    assert named - table - PATCH_DRIFT.get(version[1], set()) == set()


# ---------------------------------------------------------------- names equal Debian's
DEBIAN_REFS = [row for row in REFS if row[0].rpartition("-")[0] in {s for s, _ in
                                                                    debian_sysroots.SUITES}]


def _build_time_vars(module: Path) -> dict[str, object]:
    """A ``_sysconfigdata_*.py`` module's ``build_time_vars``, read without running it."""
    text = module.read_text(encoding="utf-8")
    return dict(ast.literal_eval(text[text.index("{", text.index("build_time_vars")):]))


@pytest.mark.slow
@pytest.mark.parametrize(("ref", "path", "spec", "version", "glibc"), DEBIAN_REFS,
                         ids=[r[0] for r in DEBIAN_REFS])
def test_names_equal_debians(ref: str, path: Path, spec: str, version: tuple[int, int],
                             glibc: tuple[int, int], debian_python: DebianPythons,
                             musl_python: MuslPythons) -> None:
    """EXT_SUFFIX, SOABI, MULTIARCH and the sysconfigdata module name synthesized for the
    target equal Debian's (its ``_sysconfigdata__linux_<multiarch>.py``, and from 3.14 its
    build-details); the free-threaded names (3.13+) follow from them."""
    _need(ref, path, spec, debian_python, musl_python)
    facts, _ = _collect(spec)
    ours = synth.identity(parse(spec), version, "", facts)
    lib = path.parents[3] / "lib" / f"python{version[0]}.{version[1]}"
    real = _build_time_vars(lib / f"{ours.sysconfigdata_name}.py")
    assert (ours.ext_suffix, ours.soabi, ours.multiarch) == (
        real["EXT_SUFFIX"], real["SOABI"], real["MULTIARCH"])
    if version >= (3, 14):  # PEP 739, under Debian's name build-details..<multiarch>.json
        details = json.loads((lib / f"build-details..{ours.multiarch}.json").read_text())
        assert details["suffixes"]["extensions"][0] == ours.ext_suffix
        assert details["implementation"]["_multiarch"] == ours.multiarch
        cpu = ours.multiarch.split("-")[0]  # 3.15 adds frame-pointer flags by CPU
        assert real["BASECFLAGS"] == naming.configure_flags(version, cpu)[1]
    if version >= (3, 15):
        macros = pyconfig.values(version, "", "gnu", *_collect(spec))
        assert macros["SOABI_PLATFORM"][0] == f'"{ours.multiarch}"'
        rules = parse(spec).platform  # 3.15's list is upstream's (3.14's has a Debian patch)
        assert list(rules.extension_suffixes(ours.ext_suffix, rules.stable_abi_suffix(""),
                                             version, "", ours.multiarch)) == \
            details["suffixes"]["extensions"]
    if version >= (3, 13):
        nodot = f"{version[0]}{version[1]}"
        free = synth.identity(parse(spec), version, "t", facts)
        assert (free.ext_suffix, free.soabi, free.sysconfigdata_name) == (
            f".cpython-{nodot}t-{ours.multiarch}.so", f"cpython-{nodot}t-{ours.multiarch}",
            f"_sysconfigdata_t_linux_{ours.multiarch}")


# ---------------------------------------------------------------- Python.h compiles with it
def _include_dirs() -> list[tuple[str, Path, str, tuple[int, int], str]]:
    rows = []
    for ref, path, spec, version, _ in REFS:
        # Debian splits pyconfig.h into a multiarch folder; the others keep it with Python.h.
        debian_layout = path.parent.parent.name != "include"
        generic = (path.parents[2] / f"python{version[0]}.{version[1]}" if debian_layout
                   else path.parent)
        rows.append((ref, generic, spec, version, ""))
        if version >= (3, 13) and ref.startswith(("pyenv", "trixie", "sid")):
            rows.append((ref + "t", generic, spec, version, "t"))
    return rows


@pytest.mark.slow
@pytest.mark.parametrize(("ref", "include", "spec", "version", "abiflags"), _include_dirs(),
                         ids=[r[0] for r in _include_dirs()])
def test_python_h_compiles(ref: str, include: Path, spec: str, version: tuple[int, int],
                           abiflags: str, tmp_path: Path, debian_python: DebianPythons,
                           musl_python: MuslPythons) -> None:
    _need(ref, include / "Python.h", spec, debian_python, musl_python)
    # Python.h includes "pyconfig.h" from its own folder first: a copy with ours in it.
    copy = shutil.copytree(include, tmp_path / "include", ignore=shutil.ignore_patterns(
        "pyconfig.h"))
    (copy / "pyconfig.h").write_text(_render(spec, version, abiflags), encoding="utf-8")
    asserts = [f"_Static_assert(SIZEOF_{name} == sizeof({ctype}), \"{name}\");"
               for name, ctype in (("VOID_P", "void *"), ("LONG", "long"), ("SIZE_T", "size_t"),
                                   ("TIME_T", "time_t"), ("WCHAR_T", "wchar_t"), ("OFF_T", "off_t"),
                                   ("LONG_DOUBLE", "long double"), ("PID_T", "pid_t"))]
    (tmp_path / "t.c").write_text("\n".join([
        "#include <Python.h>", "#include <time.h>", *asserts,
        "#ifdef Py_GIL_DISABLED", "_Static_assert(sizeof(PyObject) > 2 * sizeof(void *), \"ft\");",
        "#endif", "int zigcc_t(PyObject *o) { return Py_REFCNT(o) > 0; }", ""]), encoding="utf-8")
    proc = subprocess.run([*_cc(spec), "-c", "-I", str(copy), "t.c", "-o", "t.o"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


# ---------------------------------------------------------------- (b) the probe itself
def test_probe_reads_big_endian_64_bit(tmp_path: Path) -> None:
    facts = probe(_cc("manylinux_2_17_s390x"), tmp_path, "s390x")
    assert (facts.byteorder, facts.double_format, facts.cpu) == ("big", "ieee-big", "s390x")
    assert (facts.size("LONG"), facts.size("VOID_P"), facts.size("LONG_DOUBLE")) == (8, 8, 16)
    assert facts.int128 and facts.va_list_is_array and not facts.char_signed
    assert facts.align("LONG_DOUBLE") == 8 and facts.glibc


def test_probe_reads_32_bit_armhf(tmp_path: Path) -> None:
    facts = probe(_cc("manylinux_2_17_armv7l"), tmp_path, "armv7l")
    assert (facts.byteorder, facts.double_format, facts.cpu) == ("little", "ieee-little", "arm")
    assert (facts.size("LONG"), facts.size("VOID_P"), facts.size("LONG_DOUBLE")) == (4, 4, 8)
    assert (facts.size("OFF_T"), facts.size("TIME_T"), facts.size("FPOS_T")) == (8, 4, 16)
    assert facts.arm_hard_float and not facts.int128 and not facts.wchar_signed
    assert not facts.va_list_is_array and facts.align("LONG_LONG") == 8


def test_probe_reads_x86_64(tmp_path: Path) -> None:
    facts = probe(_cc("manylinux_2_17_x86_64"), tmp_path, "x86_64")
    assert (facts.cpu, facts.size("LONG_DOUBLE"), facts.ldbl_mant_dig) == ("x86_64", 16, 64)
    assert facts.va_list_is_array and facts.int128 and facts.x86 and facts.wchar_signed
    assert not facts.x87_double_rounding and facts.align("MAX_ALIGN_T") == 16
    again = TargetFacts.from_dict(json.loads(json.dumps(facts.to_dict())))
    assert again == facts


def test_probe_failure_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ZigccError) as info:
        probe(["/bin/false"], tmp_path, "some-target")
    assert "some-target" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ZigccError) as info:
        probe([*_cc("manylinux_2_17_x86_64"), "-include", "/no/such/file.h"], tmp_path,
              "x86_64")
    assert "x86_64" in str(info.value) and "\n" not in str(info.value)


def test_cached_facts_of_another_format_are_refused() -> None:
    with pytest.raises(ZigccError, match="format"):
        TargetFacts.from_dict({"format": -1})
    with pytest.raises(ZigccError, match="format"):
        TargetChecks.from_dict({"format": -1})


# ---------------------------------------------------------------- (c) determinism, refusals
@pytest.mark.parametrize("spec", ["manylinux_2_17_x86_64", "musllinux_1_2_aarch64"])
def test_rendering_is_deterministic(spec: str) -> None:
    facts, checks = _collect(spec)
    libc = parse(spec).libc or "gnu"
    for minor in range(pyconfig_table.OLDEST, pyconfig_table.NEWEST + 1):
        for abiflags in ("", "t") if minor >= 13 else ("",):
            first = pyconfig.render_pyconfig((3, minor), abiflags, libc, facts, checks, spec)
            again = pyconfig.render_pyconfig(
                (3, minor), abiflags, libc, TargetFacts.from_dict(json.loads(json.dumps(
                    facts.to_dict()))), TargetChecks.from_dict(json.loads(json.dumps(
                        checks.to_dict()))), spec)
            assert first == again
            assert ("#define Py_GIL_DISABLED 1" in first) == (abiflags == "t")


def test_debug_and_bad_abiflags_are_refused() -> None:
    facts, checks = _collect("manylinux_2_17_x86_64")
    for version, flags, words in (((3, 12), "d", "debug"), ((3, 12), "t", "3.13"),
                                  ((3, 8), "", "3.9"), ((3, 13), "m", "only")):
        with pytest.raises(ZigccError, match=words) as info:
            pyconfig.render_pyconfig(version, flags, "gnu", facts, checks)
        assert "\n" not in str(info.value)


def test_musl_platform_triplet_by_version() -> None:
    facts, _ = _collect("musllinux_1_2_x86_64")
    got = {minor: pyconfig.platform_triplet((3, minor), "musl", facts) for minor in range(9, 16)}
    assert got == {9: "x86_64-linux-gnu", 10: "x86_64-linux-gnu", 11: "x86_64-linux-musl",
                   12: "x86_64-linux-musl", 13: "x86_64-linux-musl", 14: "x86_64-linux-musl",
                   15: "x86_64-linux-musl"}
