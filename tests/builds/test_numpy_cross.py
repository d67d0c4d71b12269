"""numpy itself, cross-built from its sdist with `zigcc build` (meson-python, C and C++, SIMD
dispatch) for riscv64, armv7l, i686 and s390x (big-endian), then used and tested in Debian's
CPython of each architecture under qemu (i686 natively).  aarch64 is left out to keep CI
within its time: its numpy build passed the same tests (NEON/ASIMD dispatch, 5314 of numpy's
tests) when it was last run (``python tests/numpy_builds.py arm64`` builds it), and aarch64
modules using numpy's C API are built in tests/builds/test_target_headers.py.

The wheels come from tests/numpy_builds.py (the ``numpy_wheel`` fixture: built once per
toolchain code, cached).  numpy asks the cross file for its long double format (``[properties]
longdouble_format``) instead of running a program on the target; zigcc's cross file states it
from the target compiler's probe, and the smoke script checks the result per architecture (IEEE
binary128, x87 80-bit, or long double == double), with linalg, FFT, PCG64's platform-independent
stream and the byte order.  Then numpy's own ``numpy._core.tests.test_umath``,
``numpy.linalg.tests`` and ``numpy.fft.tests`` run (about 5300 tests; pytest and hypothesis
from PyPI's wheels for the arch): the failures must be exactly the :data:`KNOWN` ones whose cause
is present on this machine (each cause is checked by a probe, so a fixed qemu or another CPU
turns a known failure into a test failure rather than hiding it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy_builds
import pytest
from buildhelp import TARGETS, install_for, members, run_in
from conftest import DebianPythons
from debian_sysroots import DebianPython
from source_builds import zigcc_env

from zigcc.target.model import parse

TEST_DEPS = ("pytest==8.4.2", "hypothesis==6.170.27")
SUITES = ("numpy._core.tests.test_umath", "numpy.linalg.tests", "numpy.fft.tests")
# Left out of numpy.linalg.tests (the rest of linalg and FFT takes ~50 s on aarch64 under qemu):
# the test_*_generalized_* cases (the same matrices stacked: ~75% of linalg's time under qemu,
# 6 minutes on riscv64), test_openblas_threading (200 products of a 500000x2 matrix for OpenBLAS
# threads; this numpy has no BLAS) and test_sdot_bug_8577 (runs sys.executable in a subprocess:
# the foreign interpreter runs here only through `qemu-<cpu> -L`, not by exec, so it exits 127).
DESELECT = "not test_generalized_ and not test_openblas_threading and not test_sdot_bug_8577"


@dataclass(frozen=True)
class Arch:
    """What numpy must report on one Debian architecture."""

    longdouble: tuple[int, int, str]  # finfo(longdouble) (nmant, nexp), str(1/3 in it)
    baseline: tuple[str, ...]  # __cpu_baseline__
    dispatch: frozenset[str]  # a subset of __cpu_dispatch__ (empty: __cpu_dispatch__ is empty)
    known: tuple[str, ...] = ()  # keys of KNOWN that may fail there


BINARY128 = (112, 15, "0.3333333333333333333333333333333333")
ARCHES = {
    # numpy's RVV target compiles with -march=rv64gcv, which zigcc's shims drop (gcc-only ISA
    # strings are not mapped to zig CPU features): no RVV dispatch, rv64gc code only.
    "riscv64": Arch(BINARY128, (), frozenset(), ("soft-quad",)),
    # numpy's NEON on 32-bit ARM has no flags of its own: it is there when the compiler's FPU
    # is NEON by default.  zigcc's armv7l baseline (as Debian armhf, manylinux armv7l) is
    # VFPv3-D16 without NEON, so numpy has neither NEON baseline nor NEON dispatch.
    "armhf": Arch((52, 11, "0.3333333333333333"), (), frozenset()),
    # numpy's own x86 minimum is SSE2 (it adds -msse -msse2 on top of zigcc's -mcpu=i686) and
    # it dispatches up to AVX512_ICL with -m flags (AVX512_SPR needs x86_64's).
    "i386": Arch((63, 15, "0.33333333333333333334"), ("SSE", "SSE2"),
                 frozenset({"SSE3", "SSE42", "AVX", "AVX2", "AVX512F", "AVX512_SKX",
                            "AVX512_ICL"}), ("i686-hwy-fma",)),
    # s390x's binary128 is hardware (raises flags).  numpy's VX/VXE/VXE2 targets compile with
    # -mzvector -march=arch11..13; zigcc's shims drop -march= on s390x, so no vector dispatch.
    "s390x": Arch(BINARY128, (), frozenset(), ("qemu-mdebr",)),
}


@dataclass(frozen=True)
class Known:
    tests: frozenset[str]
    why: str  # the cause, as verified (the probes below check it on this machine)


KNOWN = {
    "soft-quad": Known(frozenset({
        "TestDivision::test_floor_division_errors[g]",
        "TestRemainder::test_float_divmod_errors[g]",
        "TestRemainder::test_float_remainder_errors[fmod-g]",
        "TestRemainder::test_float_remainder_errors[remainder-g]",
        "TestSpecialFloats::test_reciprocal_values",
    }), "long double (binary128) is soft-float there: zig links compiler-rt's __divtf3..., which "
        "raise no fenv flags (gcc's libgcc soft-fp does: Debian's gcc-built numpy passes these "
        "under the same qemu); probe: 1.0L/0 sets no FE_DIVBYZERO while 1.0/0 does"),
    "i686-hwy-fma": Known(frozenset({"TestAVXFloat32Transcendental::test_sincos_float32"}),
        "numpy's float32 sin/cos take the FMA-only path (NPY_SIMD_FMA3) in the [AVX2, FMA3] and "
        "AVX512_SKX targets, but its vendored Highway marks AVX2+ broken on 32-bit x86 unless "
        "the compiler is GCC >= 13 (hwy/detect_targets.h HWY_BROKEN_32BIT), so zig cc (clang) "
        "compiles them for Highway's SSE4 target, whose MulAdd is not fused: the range "
        "reduction loses precision (up to 1.8e9 ULP near zeros); only on CPUs with AVX2+FMA3 "
        "(with NPY_DISABLE_CPU_FEATURES='AVX2 FMA3 AVX512F...' it passes)"),
    "qemu-mdebr": Known(frozenset({"TestAVXFloat32Transcendental::test_sincos_float32"}),
        "qemu-user 7.2 (Debian bookworm's) computes MDEBR (short x short -> long BFP multiply) "
        "with its first operand read as a long: LLVM uses MDEBR in compiler-rt's sinf/cosf "
        "kernel, which zig links into numpy, so sinf(0.5) gives 0.49999872 under that qemu; "
        "probe: MDEBR of 0.5f by 0.5f is not 0.25"),
}

# C probes for the causes of KNOWN, compiled by zigcc for the target and run under qemu.
QUAD_PROBE = r"""
#include <fenv.h>
#include <stdio.h>
int main(void) {
    volatile long double lone = 1, lzero = 0, lq;
    volatile double done = 1, dzero = 0, dq;
    feclearexcept(FE_ALL_EXCEPT); lq = lone / lzero;
    int quad = fetestexcept(FE_DIVBYZERO) != 0;
    feclearexcept(FE_ALL_EXCEPT); dq = done / dzero;
    printf("%d %d %d\n", (int)sizeof(long double), quad, fetestexcept(FE_DIVBYZERO) != 0);
    return 0;
}
"""
MDEBR_PROBE = r"""
#include <stdio.h>
int main(void) {
    volatile float a = 0.5f, b = 0.5f;
    float fa = a, fb = b;
    double r, poison = 1.0e-300;
    /* MDEBR: the short first operand times the short second, a long result. The register's
       low half (not part of a short operand) holds poison. */
    __asm__ volatile("ld %%f2,%2\n\tler %%f2,%1\n\tmdebr %%f2,%3\n\tstd %%f2,%0"
                     : "=m"(r) : "f"(fa), "m"(poison), "f"(fb) : "f2");
    printf("%.17g\n", r);
    return 0;
}
"""


def run_probe(source: str, arch: str, target_py: DebianPython, work: Path) -> str:
    """Compile C ``source`` with zigcc for ``arch``'s target and run it in its sysroot."""
    cc = zigcc_env(TARGETS[arch], ("CC",), RuntimeError)["CC"]
    src, exe = work / "probe.c", work / "probe"
    src.write_text(source)
    subprocess.run([cc, "-O2", str(src), "-o", str(exe), "-lm"], check=True)
    row = target_py.spec
    assert row.qemu, f"{arch} runs natively; its probes run there"
    done = subprocess.run([f"qemu-{row.qemu}-static", "-L", str(target_py.root), str(exe)],
                          capture_output=True, text=True, check=True, timeout=120)
    return done.stdout.strip()


def causes_present(arch: str, target_py: DebianPython, facts: dict[str, object],
                   work: Path) -> set[str]:
    """The keys of ``ARCHES[arch].known`` whose cause this machine shows."""
    present = set()
    for key in ARCHES[arch].known:
        if key == "soft-quad":
            size, quad, double = run_probe(QUAD_PROBE, arch, target_py, work).split()
            assert (size, double) == ("16", "1"), "binary128, and double division by 0 flags"
            if quad == "0":
                present.add(key)
        elif key == "qemu-mdebr":
            if float(run_probe(MDEBR_PROBE, arch, target_py, work)) != 0.25:
                present.add(key)
        elif key == "i686-hwy-fma":
            features = facts["features"]
            assert isinstance(features, dict)
            if features["AVX2"] and features["FMA3"]:
                present.add(key)
    return present


SMOKE = """
import json, struct, sys
import numpy as np
from numpy._core import _multiarray_umath as m
assert m.__file__.endswith({suffix!r}), m.__file__
assert np.__version__ == {version!r}, np.__version__
fi = np.finfo(np.longdouble)
assert (fi.nmant, fi.nexp) == {ld_bits}, fi
third = np.longdouble(1) / np.longdouble(3)
assert str(third) == {third!r}, str(third)
a = np.array([[3., 1., 2.], [1., 5., 1.], [2., 1., 7.]])
x = np.linalg.solve(a, np.array([1., 2., 3.]))
assert np.allclose(x * 79, [-3, 26, 31]), x
assert np.isclose(np.linalg.det(a), 79.0) and np.allclose(np.linalg.inv(a) @ a, np.eye(3))
s = np.random.default_rng(12345).standard_normal(1024)
assert np.allclose(np.fft.ifft(np.fft.fft(s)).real, s)
assert np.allclose(np.fft.irfft(np.fft.rfft(s), n=1024), s)
# PCG64's stream, as PyPI's numpy 2.3.5 wheel gives it on x86_64.
assert np.random.default_rng(12345).integers(0, 1000, 5).tolist() == [699, 227, 788, 316, 204]
assert np.random.default_rng(12345).random() == 0.22733602246716966
# Byte order: native is the machine's; explicit ones are what they say on any machine.
big = sys.byteorder == "big"
assert sys.byteorder == {byteorder!r}
assert np.dtype("=i4").str == (">i4" if big else "<i4") and np.dtype("=i4").isnative
assert np.array([1], "=i4").view("u1").tolist() == ([0, 0, 0, 1] if big else [1, 0, 0, 0])
assert np.array([1], ">i4").view("u1").tolist() == [0, 0, 0, 1]
assert np.array([1], "<i4").view("u1").tolist() == [1, 0, 0, 0]
assert np.frombuffer(b"\\x00\\x00\\x01\\x02", ">u4")[0] == 258
assert np.array([1.5], "=f8").tobytes() == struct.pack("=d", 1.5)
assert (np.arange(4, dtype="<f8") + np.arange(4, dtype=">f8")).tolist() == [0, 2, 4, 6]
assert np.array([258], "<u4").byteswap().view(">u4")[0] == 258
assert m.__cpu_baseline__ == {baseline!r}, m.__cpu_baseline__
wanted = {dispatch!r}
assert wanted <= set(m.__cpu_dispatch__) if wanted else m.__cpu_dispatch__ == [], \\
    m.__cpu_dispatch__
print(json.dumps({{"features": m.__cpu_features__}}))
"""


def smoke(arch: str, target_py: DebianPython) -> str:
    a = ARCHES[arch]
    return SMOKE.format(suffix=target_py.ext_suffix, version=numpy_builds.VERSION,
                        ld_bits=a.longdouble[:2], third=a.longdouble[2],
                        byteorder=target_py.spec.byteorder, baseline=list(a.baseline),
                        dispatch=set(a.dispatch))


def install_test_deps(target_py: DebianPython, site: Path) -> None:
    """pytest and hypothesis from PyPI's wheels for that interpreter (any manylinux its glibc
    takes: hypothesis ships compiled ones, manylinux_2_31 for riscv64)."""
    machine = parse(target_py.manylinux_platform_tag)
    platforms = [f"--platform={t}" for t in machine.platform.installable_tags(machine)]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(site),
                    "--only-binary=:all:", "--python-version", "{}.{}".format(*target_py.version),
                    "--disable-pip-version-check", *platforms, *TEST_DEPS], check=True)


def failures(report: Path) -> tuple[set[str], int]:
    """The failed tests of a JUnit XML report (Class::test[param]) and how many ran."""
    root = ET.parse(report).getroot()
    failed, ran = set(), 0
    for case in root.iter("testcase"):
        if case.find("skipped") is not None:
            continue
        ran += 1
        if case.find("failure") is not None or case.find("error") is not None:
            cls = case.get("classname", "").rpartition(".")[2]
            failed.add(f"{cls}::{case.get('name')}")
    return failed, ran


@pytest.mark.parametrize("arch", list(ARCHES))
def test_numpy_cross_built_passes_its_tests_under_qemu(
        arch: str, numpy_wheel: Callable[[str], Path], debian_python: DebianPythons,
        tmp_path: Path) -> None:
    target_py = debian_python(arch)
    wheel = numpy_wheel(arch)
    log = numpy_builds.build_log(wheel)
    assert "Build type: cross build" in log
    assert wheel.name.endswith(f"-{parse(TARGETS[arch]).wheel_platform}.whl"), wheel.name
    modules = [m for m in members(wheel) if m.endswith(".so")]
    assert len(modules) > 10 and all(m.endswith(target_py.ext_suffix) for m in modules), modules

    site = tmp_path / "site"
    install_for(target_py, TARGETS[arch], site, [wheel])
    install_test_deps(target_py, site)
    ran = run_in(target_py, site, smoke(arch, target_py), tmp_path)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-3000:]
    facts = json.loads(ran.stdout.strip().splitlines()[-1])

    report = tmp_path / "numpy-tests.xml"
    start = time.monotonic()
    tests = target_py.run("-m", "pytest", "--pyargs", *SUITES, "-k", DESELECT, "-q",
                          "-p", "no:cacheprovider", f"--junitxml={report}",
                          env={"PYTHONPATH": str(site)}, cwd=tmp_path, timeout=3600)
    tested = time.monotonic() - start
    assert report.is_file(), tests.stdout[-3000:] + tests.stderr[-3000:]
    failed, count = failures(report)
    present = causes_present(arch, target_py, facts, tmp_path)
    expected = set().union(*(KNOWN[key].tests for key in present))
    print(f"numpy {numpy_builds.VERSION} for {TARGETS[arch]}: built in "
          f"{numpy_builds.build_seconds(wheel):.0f} s; {count} tests under "
          f"{'qemu' if target_py.spec.qemu else 'its loader'} in {tested:.0f} s, "
          f"{len(failed)} failed; known causes present: {sorted(present) or 'none'}")
    assert count > 5000, tests.stdout[-3000:]
    assert failed == expected, (sorted(failed ^ expected), tests.stdout[-5000:])
