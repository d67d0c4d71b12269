"""Function-level target(...) attributes work as in gcc; ordinary code stays baseline."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zigcc.target.model import parse
from zigcc.toolchain import installed
from zigcc.toolchain.flags import Context
from zigcc.toolchain.folder import Toolchain, materialise
from zigcc.verify import wheelcheck

X86_SOURCE = r"""
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>

__attribute__((target("sse4.2"))) uint64_t crc_sse42(uint64_t crc, uint64_t v) {
#ifdef __x86_64__
  return __builtin_ia32_crc32di(crc, v);
#else
  return __builtin_ia32_crc32si((uint32_t)crc, (uint32_t)v);
#endif
}

__attribute__((target("sse4.2"))) uint32_t crc_intrinsic(uint32_t crc, uint8_t v) {
  return _mm_crc32_u8(crc, v);
}

__attribute__((target("avx"))) int has_xsave_state(void) { return (_xgetbv(0) & 6) == 6; }

__attribute__((target("avx2"))) int add8(const int *a, const int *b) {
  __m256i s = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)a),
                               _mm256_loadu_si256((const __m256i *)b));
  int out[8], total = 0;
  _mm256_storeu_si256((__m256i *)out, s);
  for (int i = 0; i < 8; i++) total += out[i];
  return total;
}

/* Ordinary code: must stay x86-64 baseline (no AVX, no crc32, no popcnt). */
void scale(float *restrict a, const float *restrict b, int n) {
  for (int i = 0; i < n; i++) a[i] = a[i] * 2.0f + b[i];
}
int bits(unsigned v) { return __builtin_popcount(v); }

int main(void) {
  int a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  printf("crc=%llx\n", (unsigned long long)crc_sse42(0, 42));
  if (__builtin_cpu_supports("sse4.2")) printf("crc8=%x\n", crc_intrinsic(0, 1));
  if (__builtin_cpu_supports("avx2")) printf("sum=%d xsave=%d\n", add8(a, a), has_xsave_state());
  return 0;
}
"""

AARCH64_SOURCE = r"""
#include <arm_acle.h>
#include <stdint.h>

__attribute__((target("+crc"))) uint32_t crc_hw(uint32_t crc, uint64_t v) {
  return __crc32cd(crc, v);
}

/* Ordinary code: must stay baseline armv8-a (no crc32 instructions). */
uint32_t crc_sw(uint32_t crc, const uint8_t *p, int n) {
  for (int i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1u));
  }
  return crc;
}
"""

MACROS = "#if defined(__CRC32__) || defined(__XSAVE__) || defined(__SSE4_2__)\n#error\n#endif\n"


def _toolchain(name: str, tmp_path: Path) -> Toolchain:
    target = parse(name)
    native = target.arch == platform.machine()
    return materialise(target, installed.zig_binary(), installed.python_binary(), tmp_path / "cache",
                       Context(arch=target.arch, cross=not native))


def _cc(tc: Toolchain, args: list[str], cwd: Path) -> None:
    proc = subprocess.run([str(tc.tool("cc")), *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _functions(asm: str) -> dict[str, str]:
    """The assembly text of each function, by name."""
    parts = re.split(r"^([A-Za-z_]\w*):.*$", asm, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="runs the program natively")
def test_x86_target_attributes_build_and_run(tmp_path: Path) -> None:
    tc = _toolchain("manylinux_2_17_x86_64", tmp_path)
    (tmp_path / "t.c").write_text(X86_SOURCE, encoding="utf-8")
    _cc(tc, ["-O3", "t.c", "-o", "t"], tmp_path)
    out = subprocess.run([str(tmp_path / "t")], capture_output=True, text=True, check=True).stdout
    gcc_crc = "crc=dd439b0d"  # what gcc's build prints (the crc32 instruction's result)
    assert gcc_crc in out
    if "sum=" in out:
        assert "sum=72" in out
    _cc(tc, ["-O3", "-S", "t.c", "-o", "t.s"], tmp_path)
    funcs = _functions((tmp_path / "t.s").read_text())
    assert "crc32q" in funcs["crc_sse42"] and "%ymm" in funcs["add8"]
    for name in ("scale", "bits", "main"):
        assert not re.search(r"%ymm|%zmm|\bv\w+ps\b|crc32|popcnt", funcs[name]), name
    assert "addps\t%xmm" in funcs["scale"]  # vectorised, with SSE2 only


@pytest.mark.parametrize("name", ["manylinux_2_17_x86_64", "manylinux_2_17_i686",
                                  "macosx_11_0_x86_64"])
def test_x86_feature_macros_stay_baseline(tmp_path: Path, name: str) -> None:
    """crc32/xsave are on for the attribute's sake only: no __CRC32__ / __XSAVE__."""
    tc = _toolchain(name, tmp_path)
    (tmp_path / "m.c").write_text(MACROS + X86_SOURCE, encoding="utf-8")
    _cc(tc, ["-O2", "-c", "m.c", "-o", "m.o"], tmp_path)


def test_x86_link_and_assembler_steps_accept_the_extra_arguments(tmp_path: Path) -> None:
    tc = _toolchain("manylinux_2_17_x86_64", tmp_path)
    (tmp_path / "a.c").write_text("int main(void) { return 0; }\n", encoding="utf-8")
    (tmp_path / "s.S").write_text(".text\n.globl g\ng: ret\n", encoding="utf-8")
    _cc(tc, ["-Werror", "-c", "a.c", "-o", "a.o"], tmp_path)
    _cc(tc, ["-Werror", "-c", "s.S", "-o", "s.o"], tmp_path)
    _cc(tc, ["-Werror", "a.o", "s.o", "-o", "a"], tmp_path)


def test_aarch64_crc_attribute_and_baseline_code(tmp_path: Path) -> None:
    tc = _toolchain("manylinux_2_17_aarch64", tmp_path)
    (tmp_path / "a.c").write_text(AARCH64_SOURCE, encoding="utf-8")
    _cc(tc, ["-O3", "-c", "a.c", "-o", "a.o"], tmp_path)
    _cc(tc, ["-O3", "-S", "a.c", "-o", "a.s"], tmp_path)
    funcs = _functions((tmp_path / "a.s").read_text())
    assert re.search(r"\bcrc32cx\b", funcs["crc_hw"])
    assert not re.search(r"\bcrc32", funcs["crc_sw"])


def _shim(spec: str) -> str:
    """The cc shim as `zigcc which` gives it (the CLI's context: native or cross)."""
    return subprocess.run([sys.executable, "-m", "zigcc", "which", "cc", "--target", spec],
                          capture_output=True, text=True, check=True).stdout.strip()


SYSTEM_C = """
#include <zlib.h>
unsigned long zt_crc(const unsigned char *p, unsigned n) { return crc32(0, p, n); }
"""


@pytest.mark.skipif(not Path("/usr/include/zlib.h").is_file(),
                    reason="needs an installed zlib -dev package (zlib1g-dev)")
def test_native_builds_find_installed_dev_packages_and_cross_builds_do_not(
        tmp_path: Path) -> None:
    """As with gcc, a native build finds a header and library of an installed -dev package
    (after zig's own libc); a cross build never sees the build machine's."""
    src = tmp_path / "z.c"
    src.write_text(SYSTEM_C)
    native = tmp_path / "native.so"
    cc = _shim("native")
    done = subprocess.run([cc, "-O2", "-shared", "-fPIC", str(src), "-lz", "-o", str(native)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    needed = wheelcheck.inspect_elf(native.name, native.read_bytes())
    assert needed is not None and "libz.so.1" in needed.needed
    cross = subprocess.run([_shim("manylinux_2_17_aarch64"), "-O2", "-c", str(src), "-o",
                            str(tmp_path / "cross.o")], capture_output=True, text=True)
    assert cross.returncode != 0 and "'zlib.h' file not found" in cross.stderr
