"""The meson cross file's ``[properties]`` that projects would otherwise learn by running a
program on the target: numpy's ``longdouble_format``.

Fast: every format numpy names renders and reads back through meson's own machine-file
parser, for every Linux target (with the facts zigcc's probe gives for it, recorded in
:data:`PROBED`). Slow: the probe of each target really gives those facts, and a program built
for the target and run there (under qemu, in Debian's CPython through ctypes) holds its
``long double`` values in exactly the format the cross file names.
"""

from __future__ import annotations

import os
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
from buildhelp import TARGETS
from conftest import DebianPythons

from zigcc.backends import meson
from zigcc.python.probe import TargetFacts
from zigcc.target.model import parse

# numpy 2.x's names (numpy/_core/config.h.in: HAVE_LDOUBLE_<name>).
NUMPY_NAMES = {"INTEL_EXTENDED_16_BYTES_LE", "INTEL_EXTENDED_12_BYTES_LE",
               "MOTOROLA_EXTENDED_12_BYTES_BE", "IEEE_DOUBLE_LE", "IEEE_DOUBLE_BE",
               "IEEE_QUAD_LE", "IEEE_QUAD_BE", "IBM_DOUBLE_DOUBLE_LE", "IBM_DOUBLE_DOUBLE_BE"}
# What zigcc's probe gives each target with zig 0.17 (sizeof, LDBL_MANT_DIG, byte order) and
# the format that makes: the slow test checks both on the real target. ppc64le is IEEE quad:
# clang's default there, unlike Debian's gcc (IBM double-double).
PROBED: dict[str, tuple[int, int, str, str]] = {
    "manylinux_2_17_x86_64": (16, 64, "little", "INTEL_EXTENDED_16_BYTES_LE"),
    "musllinux_1_2_x86_64": (16, 64, "little", "INTEL_EXTENDED_16_BYTES_LE"),
    "manylinux_2_17_i686": (12, 64, "little", "INTEL_EXTENDED_12_BYTES_LE"),
    "manylinux_2_17_aarch64": (16, 113, "little", "IEEE_QUAD_LE"),
    "musllinux_1_2_aarch64": (16, 113, "little", "IEEE_QUAD_LE"),
    "manylinux_2_17_armv7l": (8, 53, "little", "IEEE_DOUBLE_LE"),
    "musllinux_1_2_armv7l": (8, 53, "little", "IEEE_DOUBLE_LE"),
    "manylinux_2_19_ppc64le": (16, 113, "little", "IEEE_QUAD_LE"),
    "manylinux_2_17_s390x": (16, 113, "big", "IEEE_QUAD_BE"),
    "manylinux_2_27_riscv64": (16, 113, "little", "IEEE_QUAD_LE"),
}


def facts(size: int, mant_dig: int, byteorder: str) -> TargetFacts:
    """Probe facts with the given long double (the rest is not read by the cross file)."""
    return TargetFacts(
        sizeof=(("LONG_DOUBLE", size),), alignof=(("LONG_DOUBLE", size),), byteorder=byteorder,
        double_format="ieee-little", int128=True, va_list_is_array=False, wchar_signed=True,
        char_signed=False, pthread_key_integer=True, cpu="unknown", arm_hard_float=False,
        glibc=True, flt_eval_method=0, dbl_mant_dig=53, ldbl_mant_dig=mant_dig)


def _parse(text: str, tmp_path: Path) -> dict[str, dict[str, object]]:
    machinefile = pytest.importorskip("mesonbuild.machinefile")
    path = tmp_path / "cross.ini"
    path.write_text(text, encoding="utf-8")
    sections: dict[str, dict[str, object]] = machinefile.parse_machine_files([str(path)], "/src")
    return sections


def _tools() -> dict[str, Path]:
    return {name: Path("/tc") / name for name in ("cc", "c++", "ar", "ranlib")}


# ---- fast ------------------------------------------------------------------------------
def test_every_format_has_numpys_name() -> None:
    names = {n for pair in meson.LONGDOUBLE_FORMATS.values() for n in pair if n is not None}
    assert names == NUMPY_NAMES


@pytest.mark.parametrize("spec", PROBED)
def test_cross_file_states_the_targets_longdouble_format(spec: str, tmp_path: Path) -> None:
    size, mant_dig, byteorder, name = PROBED[spec]
    text = meson.cross_file(parse(spec), _tools(), facts=facts(size, mant_dig, byteorder),
                            pkg_config_path=["/p/lib/pkgconfig"])
    assert _parse(text, tmp_path)["properties"] == {
        "needs_exe_wrapper": True, "pkg_config_libdir": ["/p/lib/pkgconfig"],
        "longdouble_format": name}


@pytest.mark.parametrize(("size", "mant_dig", "byteorder", "name"), [
    (8, 53, "big", "IEEE_DOUBLE_BE"),
    (12, 64, "big", "MOTOROLA_EXTENDED_12_BYTES_BE"),  # m68k
    (16, 106, "little", "IBM_DOUBLE_DOUBLE_LE"),  # gcc's ppc64le default
    (16, 106, "big", "IBM_DOUBLE_DOUBLE_BE"),
])
def test_formats_no_zigcc_target_has_yet(size: int, mant_dig: int, byteorder: str,
                                         name: str, tmp_path: Path) -> None:
    text = meson.cross_file(parse("manylinux_2_17_s390x"), _tools(),
                            facts=facts(size, mant_dig, byteorder))
    assert _parse(text, tmp_path)["properties"]["longdouble_format"] == name


@pytest.mark.parametrize(("size", "mant_dig", "byteorder"), [
    (16, 64, "big"), (10, 64, "little"), (16, 53, "little"), (4, 24, "little")])
def test_a_format_numpy_does_not_know_is_left_out(size: int, mant_dig: int, byteorder: str,
                                                  tmp_path: Path) -> None:
    """No property: numpy then stops with its own message, as without zigcc."""
    assert meson.properties(facts(size, mant_dig, byteorder)) == {}
    text = meson.cross_file(parse("manylinux_2_17_aarch64"), _tools(),
                            facts=facts(size, mant_dig, byteorder))
    assert _parse(text, tmp_path)["properties"] == {"needs_exe_wrapper": True}


# ---- slow: the probe and the target itself ---------------------------------------------
VALUES = r"""
#include <string.h>
const long double zigcc_ld = -123456789.0L;  /* numpy's test value */
volatile long double zigcc_one = 1.0L, zigcc_three = 3.0L;
int ld_size(void) { return (int)sizeof(long double); }
void ld_value(unsigned char *out) { memcpy(out, (const void *)&zigcc_ld, sizeof zigcc_ld); }
void ld_third(unsigned char *out) {  /* computed at run time (soft-float where it is) */
  long double third = zigcc_one / zigcc_three;
  memcpy(out, &third, sizeof third);
}
"""
# The target's Python reads the three through ctypes and prints them.
READ = """
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
n = lib.ld_size()
a, b = ctypes.create_string_buffer(n), ctypes.create_string_buffer(n)
lib.ld_value(a); lib.ld_third(b)
print(n, a.raw.hex(), b.raw.hex())
"""
# (exponent bits, fraction bits, explicit integer bit) of each binary format.
_LAYOUT = {"IEEE_DOUBLE": (11, 52, False), "IEEE_QUAD": (15, 112, False),
           "INTEL_EXTENDED": (15, 63, True)}


def _binary(value: Fraction, exp_bits: int, frac_bits: int, explicit: bool) -> int:
    """The bits of ``value`` (normal, nonzero) rounded to nearest-even in that format."""
    sign, mag = int(value < 0), abs(value)
    e = mag.numerator.bit_length() - mag.denominator.bit_length()
    if mag / Fraction(2) ** e < 1:
        e -= 1
    scaled = mag / Fraction(2) ** e * 2 ** frac_bits  # in [2**frac_bits, 2**(frac_bits+1))
    m = round(scaled)  # Fraction rounds half to even
    if m == 2 ** (frac_bits + 1):
        m, e = m // 2, e + 1
    field = m if explicit else m - 2 ** frac_bits
    width = frac_bits + int(explicit)
    return (sign << (exp_bits + width)) | ((e + 2 ** (exp_bits - 1) - 1) << width) | field


def encode(name: str, value: Fraction) -> bytes:
    """``value`` as numpy's format ``name`` stores it (the bytes that carry the value)."""
    kind, _, order = name.rpartition("_")
    endian = "little" if order == "LE" else "big"
    if kind == "IBM_DOUBLE_DOUBLE":
        hi = Fraction(float(value))  # float() rounds to the nearest double
        lo = Fraction(float(value - hi))
        return encode("IEEE_DOUBLE_" + order, hi) + encode("IEEE_DOUBLE_" + order, lo)
    if kind.startswith("INTEL_EXTENDED"):
        return _binary(value, *_LAYOUT["INTEL_EXTENDED"]).to_bytes(10, "little")
    exp_bits, frac_bits, explicit = _LAYOUT[kind]
    size = (1 + exp_bits + frac_bits) // 8
    return (_binary(value, exp_bits, frac_bits, explicit) if value else 0).to_bytes(size, endian)


def test_encoder_against_python_floats() -> None:
    """The encoder is checked where Python itself knows the answer: IEEE doubles."""
    import struct

    for value in (-123456789.0, 1 / 3, 0.1, -2.5e-300, 1.7976931348623157e308):
        assert encode("IEEE_DOUBLE_LE", Fraction(value)) == struct.pack("<d", value)
        assert encode("IEEE_DOUBLE_BE", Fraction(value)) == struct.pack(">d", value)


DEBIAN = {**{arch: TARGETS[arch] for arch in ("arm64", "armhf", "i386", "ppc64el", "s390x",
                                               "riscv64")},
          "amd64": "manylinux_2_17_x86_64"}


@pytest.mark.parametrize("arch", DEBIAN)
def test_the_target_stores_long_double_as_the_cross_file_says(
        arch: str, real_zig: Path, debian_python: DebianPythons, tmp_path: Path) -> None:
    from zigcc.config import Settings
    from zigcc.frontend.run import probe_facts
    from zigcc.toolchain.folder import toolchain

    spec = DEBIAN[arch]
    settings = Settings.from_env(os.environ)
    probed = probe_facts(parse(spec), settings)
    assert probed is not None
    size, mant_dig, byteorder, name = PROBED[spec]
    assert (probed.size("LONG_DOUBLE"), probed.ldbl_mant_dig, probed.byteorder) == (
        size, mant_dig, byteorder)
    text = meson.cross_file(parse(spec), _tools(), facts=probed)
    assert _parse(text, tmp_path)["properties"]["longdouble_format"] == name

    tc = toolchain(spec, settings)
    (tmp_path / "ld.c").write_text(VALUES, encoding="utf-8")
    subprocess.run([str(tc.tool("cc")), "-O2", "-shared", "-fPIC", "ld.c", "-o", "ld.so"],
                   cwd=tmp_path, check=True, capture_output=True)
    py = debian_python(arch)
    run = py.run("-c", READ, str(tmp_path / "ld.so"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    n, value, third = run.stdout.split()
    assert int(n) == size
    for got, want in ((value, Fraction(-123456789)), (third, Fraction(1, 3))):
        expected = encode(name, want)
        assert bytes.fromhex(got)[:len(expected)] == expected, (name, got, expected.hex())
