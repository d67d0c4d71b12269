"""The target's ABI facts, read from ONE object file compiled by the target's compiler.

The probe is never linked or run: every fact is a compile-time constant stored in the
initialised data of one ``const`` byte array (``zigcc_probe_facts``) plus one ``double``
(``zigcc_probe_double``), read back from the ELF object with pyelftools (either byte
order, 32- or 64-bit).  The C source is generated from :data:`TYPES` and :data:`FLAGS`, so
adding a fact is one table row.  The feature macros match the ones CPython's pyconfig.h
defines (large-file ``off_t``/``fpos_t`` on 32-bit targets).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from zigcc.errors import ZigccError
from zigcc.python import ccrun

FORMAT = 1  # bump when the probe's facts change: cached TargetFacts of another format are stale
MAGIC = b"ZCPF"
SOURCE_NAME = "zigcc_probe.c"
PRELUDE = """\
#define _GNU_SOURCE 1
#define _FILE_OFFSET_BITS 64
#define _LARGEFILE_SOURCE 1
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdarg.h>
#include <wchar.h>
#include <time.h>
#include <sys/types.h>
#include <pthread.h>
#include <float.h>
"""
# sizeof and _Alignof of each: the C type, by the spelling of CPython's SIZEOF_<NAME>.
TYPES: tuple[tuple[str, str], ...] = (
    ("SHORT", "short"), ("INT", "int"), ("LONG", "long"), ("LONG_LONG", "long long"),
    ("VOID_P", "void *"), ("FLOAT", "float"), ("DOUBLE", "double"),
    ("LONG_DOUBLE", "long double"), ("SIZE_T", "size_t"), ("UINTPTR_T", "uintptr_t"),
    ("PID_T", "pid_t"), ("TIME_T", "time_t"), ("OFF_T", "off_t"), ("FPOS_T", "fpos_t"),
    ("WCHAR_T", "wchar_t"), ("_BOOL", "_Bool"), ("PTHREAD_T", "pthread_t"),
    ("PTHREAD_KEY_T", "pthread_key_t"), ("MAX_ALIGN_T", "max_align_t"),
    ("SSIZE_T", "ssize_t"), ("PTRDIFF_T", "ptrdiff_t"), ("INTMAX_T", "intmax_t"),
)
_VA = "(*(va_list *)0)"
# One byte each: 0 or 1 (or a small number), a C constant expression or #if condition.
FLAGS: tuple[tuple[str, str], ...] = (
    ("big_endian", "#__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__"),
    ("int128", "#defined(__SIZEOF_INT128__)"),
    # An array type decays in a comma expression; a struct or pointer va_list does not.
    ("va_list_is_array",
     f"!__builtin_types_compatible_p(__typeof__(((void)0, {_VA})), __typeof__({_VA}))"),
    ("wchar_signed", "(wchar_t)-1 < (wchar_t)0"),
    ("char_signed", "(char)-1 < (char)0"),
    ("pthread_key_integer", "__builtin_classify_type((pthread_key_t)0) == 1"),
    ("x86_64", "#defined(__x86_64__) && defined(__LP64__)"),
    ("x86", "#defined(__i386__) || defined(__x86_64__)"),
    ("m68k", "#defined(__mc68000__) || defined(__m68k__)"),
    ("aarch64", "#defined(__aarch64__)"),
    ("arm", "#defined(__arm__) && defined(__ARM_EABI__)"),
    ("arm_hard_float", "#defined(__ARM_PCS_VFP)"),
    ("powerpc64", "#defined(__powerpc64__)"),
    ("s390x", "#defined(__s390x__)"),
    ("riscv64", "#defined(__riscv) && __riscv_xlen == 64"),
    ("glibc", "#defined(__GLIBC__)"),
    ("flt_eval_method", "__FLT_EVAL_METHOD__ + 1"),  # -1 (indeterminable) stored as 0
    ("dbl_mant_dig", "DBL_MANT_DIG"),
    ("ldbl_mant_dig", "LDBL_MANT_DIG"),
)
# configure's double-format check uses a value whose 8 bytes are all distinct.
_DOUBLE = 9006104071832581.0
_LE = struct.pack("<d", _DOUBLE)
DOUBLE_FORMATS = {_LE: "ieee-little", _LE[::-1]: "ieee-big", _LE[4:] + _LE[:4]: "ieee-arm-mixed"}


@dataclass(frozen=True)
class TargetFacts:
    """Every ABI fact of one target that CPython's configure decides by compiling."""

    sizeof: tuple[tuple[str, int], ...]  # (SIZEOF_ suffix, bytes), in TYPES order
    alignof: tuple[tuple[str, int], ...]
    byteorder: str  # little / big
    double_format: str  # ieee-little / ieee-big / ieee-arm-mixed / unknown
    int128: bool  # __int128 and __uint128_t exist
    va_list_is_array: bool
    wchar_signed: bool
    char_signed: bool
    pthread_key_integer: bool  # pthread_key_t is an integer type
    cpu: str  # Debian multiarch CPU: x86_64 i386 aarch64 arm powerpc64le s390x riscv64 ...
    arm_hard_float: bool  # the ARM EABI hard-float calling convention (gnueabihf)
    glibc: bool  # the C library's headers are glibc's (else musl, by elimination)
    flt_eval_method: int  # __FLT_EVAL_METHOD__ (2: x87 extended precision)
    dbl_mant_dig: int
    ldbl_mant_dig: int
    format: int = FORMAT

    def size(self, name: str) -> int:
        """``sizeof`` by CPython's SIZEOF_ suffix: ``size("VOID_P")``."""
        return dict(self.sizeof)[name]

    def align(self, name: str) -> int:
        return dict(self.alignof)[name]

    @property
    def x86(self) -> bool:
        """i386 or x86_64: gcc's x87 inline assembly (HAVE_GCC_ASM_FOR_X87) works."""
        return self.cpu in ("i386", "x86_64")

    @property
    def x87_double_rounding(self) -> bool:
        """Doubles are evaluated in x87 80-bit registers (configure's run test, decided here
        from ``__FLT_EVAL_METHOD__ == 2`` on x86)."""
        return self.x86 and self.flt_eval_method == 2

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["sizeof"] = dict(self.sizeof)
        out["alignof"] = dict(self.alignof)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetFacts:
        """The inverse of :meth:`to_dict`; a cache entry of another format is a ZigccError."""
        if data.get("format") != FORMAT:
            raise ZigccError(f"cached target facts have format {data.get('format')!r}, "
                             f"not {FORMAT}; delete the cache entry to probe again")
        try:
            values = {f.name: data[f.name] for f in fields(cls)}
            values["sizeof"] = tuple((str(k), int(v)) for k, v in data["sizeof"].items())
            values["alignof"] = tuple((str(k), int(v)) for k, v in data["alignof"].items())
        except (KeyError, AttributeError, TypeError, ValueError) as exc:
            raise ZigccError(f"cached target facts are incomplete ({exc}); delete the cache "
                             "entry to probe again") from None
        return cls(**values)


def source() -> str:
    """The probe's C source: deterministic, a function of the tables only."""
    lines = [PRELUDE, "__attribute__((used)) const unsigned char zigcc_probe_facts[] = {",
             f"  'Z', 'C', 'P', 'F', {FORMAT}, {len(TYPES)}, {len(FLAGS)},"]
    for _, ctype in TYPES:
        lines.append(f"  sizeof({ctype}), _Alignof({ctype}),")
    for name, expr in FLAGS:
        if expr.startswith("#"):
            lines += [f"#if {expr[1:]}", "  1,", "#else", "  0,", "#endif"]
        else:
            lines.append(f"  (unsigned char)({expr}),  /* {name} */")
    lines += ["};", f"__attribute__((used)) const double zigcc_probe_double = {_DOUBLE!r};", ""]
    return "\n".join(lines)


def probe(cc: ccrun.Compiler, workdir: Path, target: str | None = None) -> TargetFacts:
    """Compile the probe with the target's ``cc`` (``-c`` only) and read its facts back."""
    where = ccrun.label(cc, target)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / SOURCE_NAME).write_text(source(), encoding="utf-8")
    obj = workdir / "zigcc_probe.o"
    proc = ccrun.run(cc, ["-c", *ccrun.QUIET, SOURCE_NAME, "-o", obj.name], workdir, where)
    if proc.returncode != 0 or not obj.is_file():
        raise ccrun.failure("compiling the ABI probe", where, proc)
    return decode(obj.read_bytes(), where)


def decode(data: bytes, where: str) -> TargetFacts:
    """The facts of a compiled probe object (pure: bytes in, facts out).  ELF objects are read
    by symbol; another format's (a Mach-O object for macOS) by the blob's own header."""
    if not data.startswith(b"\x7fELF"):
        return _decode_blob(data, where)
    raw = _symbol_bytes(data, "zigcc_probe_facts", where)
    return _facts(raw, _symbol_bytes(data, "zigcc_probe_double", where), where)


def _decode_blob(data: bytes, where: str) -> TargetFacts:
    """The facts of an object that is not ELF: the one run of bytes that starts with the
    probe's header and has its length, and the double format whose bytes the object holds."""
    head = MAGIC + bytes((FORMAT, len(TYPES), len(FLAGS)))
    start = data.find(head)
    if start < 0 or data.find(head, start + 1) >= 0:
        raise ZigccError(f"{where}: the ABI probe object holds {'no' if start < 0 else 'two'} "
                         "facts blobs; is the compiler a C compiler?")
    raw = data[start:start + len(head) + 2 * len(TYPES) + len(FLAGS)]
    doubles = [blob for blob in DOUBLE_FORMATS if blob in data]
    return _facts(raw, doubles[0] if len(doubles) == 1 else b"", where)


def _facts(raw: bytes, double: bytes, where: str) -> TargetFacts:
    head = 4 + 3
    if raw[:4] != MAGIC or tuple(raw[4:head]) != (FORMAT, len(TYPES), len(FLAGS)) or len(
            raw) != head + 2 * len(TYPES) + len(FLAGS):
        raise ZigccError(f"{where}: the ABI probe object has an unexpected layout "
                         f"({raw[:head]!r}); is the compiler a C compiler?")
    pairs = raw[head:head + 2 * len(TYPES)]
    flags = dict(zip((n for n, _ in FLAGS), raw[head + 2 * len(TYPES):]))
    return TargetFacts(
        sizeof=tuple((name, pairs[2 * i]) for i, (name, _) in enumerate(TYPES)),
        alignof=tuple((name, pairs[2 * i + 1]) for i, (name, _) in enumerate(TYPES)),
        byteorder="big" if flags["big_endian"] else "little",
        double_format=DOUBLE_FORMATS.get(bytes(double), "unknown"),
        int128=bool(flags["int128"]), va_list_is_array=bool(flags["va_list_is_array"]),
        wchar_signed=bool(flags["wchar_signed"]), char_signed=bool(flags["char_signed"]),
        pthread_key_integer=bool(flags["pthread_key_integer"]),
        cpu=_cpu(flags, big=bool(flags["big_endian"])),
        arm_hard_float=bool(flags["arm_hard_float"]), glibc=bool(flags["glibc"]),
        flt_eval_method=flags["flt_eval_method"] - 1,
        dbl_mant_dig=flags["dbl_mant_dig"], ldbl_mant_dig=flags["ldbl_mant_dig"],
    )


def _cpu(flags: Mapping[str, int], big: bool) -> str:
    """The Debian multiarch CPU name of the flags the probe's #if chain set."""
    if flags["x86_64"]:
        return "x86_64"
    if flags["x86"]:
        return "i386"
    for name, cpu in (("aarch64", "aarch64"), ("arm", "arm"), ("s390x", "s390x"),
                      ("riscv64", "riscv64"), ("m68k", "m68k")):
        if flags[name]:
            return cpu + ("_be" if big and name == "aarch64" else "")
    if flags["powerpc64"]:
        return "powerpc64" if big else "powerpc64le"
    return "unknown"


def _symbol_bytes(data: bytes, name: str, where: str) -> bytes:
    """The initialised bytes of one defined symbol of a relocatable ELF object."""
    try:
        elf = ELFFile(io.BytesIO(data))
        symtab = elf.get_section_by_name(".symtab")
        symbols = symtab.get_symbol_by_name(name) if isinstance(
            symtab, SymbolTableSection) else None
        if not symbols:
            raise ZigccError(f"{where}: the ABI probe object has no symbol {name}")
        symbol = symbols[0]
        index = symbol["st_shndx"]
        if not isinstance(index, int):
            raise ZigccError(f"{where}: the ABI probe symbol {name} is not initialised data "
                             f"(section {index})")
        start, size = symbol["st_value"], symbol["st_size"]
        blob: bytes = elf.get_section(index).data()[start:start + size]
    except ELFError as exc:
        raise ZigccError(f"{where}: the ABI probe output is not an ELF object: {exc}") from None
    if len(blob) != size:
        raise ZigccError(f"{where}: the ABI probe symbol {name} is truncated")
    return blob
