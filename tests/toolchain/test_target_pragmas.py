"""``#pragma GCC target`` regions build as with gcc; the code outside them stays baseline.

clang ignores the pragma (``-Wunknown-pragmas``): the intrinsics inside a region compile
because the shims enable the features that only intrinsics reach (aarch64 crc, aes, sha2;
x86 crc32) for the whole file and undefine their macros (zigcc.toolchain.folder
``target_attribute_args``). Each program is built with the real zig, run on its CPU (aarch64
under qemu-user with Debian's arm64 libc) and compared with a portable computation, and its
assembly shows that only the functions inside the region use the instructions.
"""

from __future__ import annotations

import platform
import re
import subprocess
from pathlib import Path

import pytest
from conftest import DebianPythons

from zigcc.target.model import parse
from zigcc.toolchain import installed
from zigcc.toolchain.flags import Context
from zigcc.toolchain.folder import Toolchain, materialise

# Outside the regions: the crc32c and carry-less multiply loops the regions speed up.
PORTABLE = r"""
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__ARM_FEATURE_CRC32) || defined(__ARM_FEATURE_CRYPTO) || \
    defined(__ARM_FEATURE_AES) || defined(__ARM_FEATURE_SHA2) || defined(__CRC32__) || \
    defined(__SSE4_2__)
#error "a feature macro says the whole file may use it"
#endif

uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1u));
  }
  return ~crc;
}

/* As zlib's crc32.c decides: the macro is off, so this is the portable loop. */
int macro_path(void) {
#ifdef __ARM_FEATURE_CRC32
  return 1;
#else
  return 0;
#endif
}
"""

AARCH64 = PORTABLE + r"""
#pragma GCC push_options
#pragma GCC target("+crc+crypto")
#include <arm_acle.h>
#include <arm_neon.h>
uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    crc = __crc32cd(crc, v);
  }
  while (n--) crc = __crc32cb(crc, *p++);
  return ~crc;
}
uint64_t clmul_hw(uint64_t a, uint64_t b) { return (uint64_t)vmull_p64(a, b); }
#pragma GCC pop_options

uint64_t clmul_sw(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  for (int i = 0; i < 64; i++) r ^= (b >> i & 1) ? a << i : 0;
  return r;
}

int main(void) {
  uint8_t data[1000];
  for (int i = 0; i < 1000; i++) data[i] = (uint8_t)(i * 131 + 7);
  printf("check %08x %08x\n", crc32c_hw(0, (const uint8_t *)"123456789", 9),
         crc32c_sw(0, (const uint8_t *)"123456789", 9));
  printf("data %d\n", crc32c_hw(0, data, 1000) == crc32c_sw(0, data, 1000));
  printf("clmul %d\n", clmul_hw(0x8d96551c, 0xfedcba9876543210u) ==
                           clmul_sw(0x8d96551c, 0xfedcba9876543210u));
  printf("macro %d\n", macro_path());
  return 0;
}
"""

X86 = PORTABLE + r"""
#pragma GCC push_options
#pragma GCC target("sse4.2")
#include <nmmintrin.h>
uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  for (; n >= 4; p += 4, n -= 4) {
    uint32_t v;
    memcpy(&v, p, 4);
    crc = _mm_crc32_u32(crc, v);
  }
  while (n--) crc = _mm_crc32_u8(crc, *p++);
  return ~crc;
}
#pragma GCC pop_options

int main(void) {
  uint8_t data[1000];
  for (int i = 0; i < 1000; i++) data[i] = (uint8_t)(i * 131 + 7);
  printf("check %08x %08x\n", crc32c_hw(0, (const uint8_t *)"123456789", 9),
         crc32c_sw(0, (const uint8_t *)"123456789", 9));
  printf("data %d\n", crc32c_hw(0, data, 1000) == crc32c_sw(0, data, 1000));
  printf("macro %d\n", macro_path());
  return 0;
}
"""

# CRC-32C's check value (the CRC of "123456789"), as every implementation gives it.
CHECK = "check e3069283 e3069283"
AARCH64_OUT = f"{CHECK}\ndata 1\nclmul 1\nmacro 0\n"
X86_OUT = f"{CHECK}\ndata 1\nmacro 0\n"
# Instructions of the features enabled for the regions' sake (aarch64 crc/aes/sha2, x86 crc32).
FEATURE_INSNS = re.compile(r"^\s+(crc32\w*|pmull2?|aes\w+|sha\d+\w*)\s", re.M)


def _toolchain(name: str, zig: Path, tmp_path: Path) -> Toolchain:
    target = parse(name)
    return materialise(target, zig, installed.python_binary(), tmp_path / "cache",
                       Context(arch=target.arch, cross=target.arch != platform.machine()))


def _cc(tc: Toolchain, args: list[str], cwd: Path) -> str:
    proc = subprocess.run([str(tc.tool("cc")), *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def _functions(asm: str) -> dict[str, str]:
    """The assembly text of each function, by name."""
    parts = re.split(r"^([A-Za-z_]\w*):.*$", asm, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _build(tc: Toolchain, source: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The linked program and the assembly of each of its functions (-O3)."""
    (tmp_path / "p.c").write_text(source, encoding="utf-8")
    stderr = _cc(tc, ["-O3", "-Wall", "p.c", "-o", "p"], tmp_path)
    assert "unknown pragma ignored" in stderr  # clang's: the pragma itself does nothing
    _cc(tc, ["-O3", "-g0", "-S", "p.c", "-o", "p.s"], tmp_path)
    return tmp_path / "p", _functions((tmp_path / "p.s").read_text(encoding="utf-8"))


def test_aarch64_pragma_crc_crypto_region(real_zig: Path, debian_python: DebianPythons,
                                          tmp_path: Path) -> None:
    tc = _toolchain("manylinux_2_17_aarch64", real_zig, tmp_path)
    program, funcs = _build(tc, AARCH64, tmp_path)
    assert re.search(r"\bcrc32cx\b", funcs["crc32c_hw"]) and re.search(
        r"\bcrc32cb\b", funcs["crc32c_hw"])
    assert re.search(r"\bpmull\b", funcs["clmul_hw"])
    # main calls the region's functions, which clang may inline there (gcc would not):
    # their instructions then run where main called them, never elsewhere.
    for name in ("crc32c_sw", "clmul_sw", "macro_path"):
        assert not FEATURE_INSNS.search(funcs[name]), (name, funcs[name])
    py = debian_python("arm64")
    assert py.spec.qemu is not None
    run = subprocess.run([f"qemu-{py.spec.qemu}-static", "-L", str(py.root), str(program)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == AARCH64_OUT


@pytest.mark.parametrize("name", ["manylinux_2_17_x86_64", "manylinux_2_17_i686"])
def test_x86_pragma_sse42_region(real_zig: Path, tmp_path: Path, name: str) -> None:
    tc = _toolchain(name, real_zig, tmp_path)
    program, funcs = _build(tc, X86, tmp_path)
    assert re.search(r"\bcrc32l\b", funcs["crc32c_hw"]) and re.search(
        r"\bcrc32b\b", funcs["crc32c_hw"])
    for fn in ("crc32c_sw", "macro_path"):
        assert not FEATURE_INSNS.search(funcs[fn]), (fn, funcs[fn])
        assert not re.search(r"%ymm|%zmm|^\s+(popcnt|pcmp\w+|pmaxu[dw])\s", funcs[fn], re.M), fn
    if name.endswith("x86_64") and platform.machine() == "x86_64":
        run = subprocess.run([str(program)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert run.stdout == X86_OUT


MACROS = ("__ARM_FEATURE_CRC32", "__ARM_FEATURE_AES", "__ARM_FEATURE_SHA2",
          "__ARM_FEATURE_CRYPTO")


@pytest.mark.parametrize(("flags", "defined"), [
    ([], ()),
    (["-march=armv8-a+crc"], ("__ARM_FEATURE_CRC32",)),  # the slow path: -mcpu=generic+crc
    (["-march=armv8-a+crc+crypto"], MACROS),
    (["-mcpu=generic+aes"], ("__ARM_FEATURE_AES",)),  # the fast path's pattern sends it on
    (["-mcpu=generic+crypto-sha2"], ("__ARM_FEATURE_AES",)),
], ids=["baseline", "march-crc", "march-crc-crypto", "mcpu-aes", "mcpu-crypto-minus-sha2"])
def test_aarch64_macros_follow_the_command_line(real_zig: Path, tmp_path: Path,
                                                flags: list[str], defined: tuple[str, ...]
                                                ) -> None:
    """Undefined as on gcc's armv8-a baseline; a command line naming the feature itself
    gets its macros, as with gcc."""
    tc = _toolchain("manylinux_2_17_aarch64", real_zig, tmp_path)
    (tmp_path / "m.c").write_text("int x;\n", encoding="utf-8")
    proc = subprocess.run([str(tc.tool("cc")), *flags, "-E", "-dM", "m.c"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    found = {m for m in MACROS if re.search(rf"^#define {m} ", proc.stdout, re.M)}
    assert found == set(defined)


def test_aarch64_assembler_and_link_steps_accept_the_extra_arguments(real_zig: Path,
                                                                     tmp_path: Path) -> None:
    tc = _toolchain("manylinux_2_17_aarch64", real_zig, tmp_path)
    (tmp_path / "a.c").write_text("int main(void) { return 0; }\n", encoding="utf-8")
    (tmp_path / "s.S").write_text(".text\n.globl g\ng: ret\n", encoding="utf-8")
    for args in (["-c", "a.c", "-o", "a.o"], ["-c", "s.S", "-o", "s.o"],
                 ["a.o", "s.o", "-o", "a"], ["-shared", "-fPIC", "a.c", "-o", "a.so"]):
        _cc(tc, ["-Werror", *args], tmp_path)
