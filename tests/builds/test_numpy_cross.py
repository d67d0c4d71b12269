"""numpy itself, cross-built for aarch64 from its sdist with `zigcc build` (meson-python, C and
C++, SIMD dispatch), then used and tested in Debian's arm64 CPython under qemu.

numpy asks the cross file for its long double format (``[properties] longdouble_format``)
instead of running a program on the target; zigcc's cross file states it from the target
compiler's probe. Under qemu the wheel computes (linalg, FFT, random, quad-precision long
double) and runs numpy's own ``numpy._core.tests.test_umath`` (about 4700 tests, a minute or
two), with pytest and hypothesis installed from PyPI's aarch64 wheels. Five of those fail, for
one known reason (:data:`KNOWN_FAILURES`); any other failure, or one of those passing, fails
the test.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

from buildhelp import TARGETS, install_for, logs, members, run_in, wheels, zigcc_build
from conftest import DebianPythons
from real_sdists import Sdist, ensure_sdist

from zigcc.target.model import parse

TAG = TARGETS["arm64"]
SMOKE = """
import numpy as np
from numpy._core import _multiarray_umath as m
assert m.__file__.endswith('.cpython-311-aarch64-linux-gnu.so'), m.__file__
assert np.__version__ == '2.3.5'
# aarch64's long double is IEEE binary128 (soft-float): 112 fraction bits.
assert np.finfo(np.longdouble).nmant == 112, np.finfo(np.longdouble)
third = np.longdouble(1) / np.longdouble(3)
assert str(third) == '0.3333333333333333333333333333333333', str(third)
a = np.array([[3., 1., 2.], [1., 5., 1.], [2., 1., 7.]])
x = np.linalg.solve(a, np.array([1., 2., 3.]))
assert np.allclose(x * 79, [-3, 26, 31]), x
s = np.random.default_rng(12345).standard_normal(1024)
assert np.allclose(np.fft.ifft(np.fft.fft(s)).real, s)
assert np.allclose(np.fft.irfft(np.fft.rfft(s), n=1024), s)
# PCG64's stream, as PyPI's numpy 2.3.5 wheel gives it on x86_64.
assert np.random.default_rng(12345).integers(0, 1000, 5).tolist() == [699, 227, 788, 316, 204]
assert np.random.default_rng(12345).random() == 0.22733602246716966
assert m.__cpu_baseline__ == ['NEON', 'NEON_FP16', 'NEON_VFPV4', 'ASIMD'], m.__cpu_baseline__
assert {'ASIMDHP', 'ASIMDFHM', 'SVE'} <= set(m.__cpu_dispatch__), m.__cpu_dispatch__
"""
NUMPY = Sdist(
    "numpy", "2.3.5", "meson-python",
    "784db1dcdab56bf0517743e746dfb0f885fc68d948aba86eeec2cba234bdf1c0", SMOKE,
    notes="numpy/_core/meson.build reads [properties] longdouble_format, else runs a test "
          "program (impossible in a cross build); no BLAS (allow-noblas)")
TEST_DEPS = ("pytest==8.4.2", "hypothesis==6.170.27")
# Long double (dtype 'g') division by zero and 0/0 set no floating-point exception flag:
# aarch64's binary128 arithmetic is compiler-rt's soft-float (__divtf3 ...), linked by zig,
# which never raises fenv flags; gcc's builds use libgcc's soft-fp, which does.
KNOWN_FAILURES = {
    "TestDivision::test_floor_division_errors[g]",
    "TestRemainder::test_float_divmod_errors[g]",
    "TestRemainder::test_float_remainder_errors[fmod-g]",
    "TestRemainder::test_float_remainder_errors[remainder-g]",
    "TestSpecialFloats::test_reciprocal_values",
}


def _failures(report: Path) -> tuple[set[str], int]:
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


def test_numpy_cross_builds_and_passes_its_umath_tests_on_arm64(
        no_system_compiler: dict[str, str], debian_python: DebianPythons,
        tmp_path: Path) -> None:
    archive = ensure_sdist(NUMPY)
    target_py = debian_python("arm64")
    out = tmp_path / "wheelhouse"
    start = time.monotonic()
    done = zigcc_build(archive, TAG, target_py.root, out, no_system_compiler)
    built = time.monotonic() - start
    assert done.returncode == 0, done.stdout[-2000:] + logs(out)[-6000:]
    log = logs(out)
    assert "Build type: cross build" in log
    (wheel,) = wheels(out)
    assert wheel.name.endswith(f"-{parse(TAG).wheel_platform}.whl"), wheel.name
    modules = [m for m in members(wheel) if m.endswith(".so")]
    assert len(modules) > 10 and all(m.endswith(target_py.ext_suffix) for m in modules)

    site = tmp_path / "site"
    install_for(target_py, TAG, site, [wheel])
    install_for(target_py, TAG, site, [], deps=list(TEST_DEPS))
    smoke = run_in(target_py, site, NUMPY.smoke, tmp_path)
    assert smoke.returncode == 0, smoke.stderr[-3000:]

    report = tmp_path / "umath.xml"
    start = time.monotonic()
    tests = target_py.run("-m", "pytest", "--pyargs", "numpy._core.tests.test_umath", "-q",
                          "-p", "no:cacheprovider", f"--junitxml={report}",
                          env={"PYTHONPATH": str(site)}, cwd=tmp_path, timeout=1800)
    tested = time.monotonic() - start
    assert report.is_file(), tests.stdout[-3000:] + tests.stderr[-3000:]
    failed, ran = _failures(report)
    print(f"numpy 2.3.5 for aarch64: built in {built:.0f} s; test_umath under qemu: {ran} "
          f"tests in {tested:.0f} s, {len(failed)} failed")
    assert ran > 4000, tests.stdout[-3000:]
    assert failed == KNOWN_FAILURES, tests.stdout[-5000:]
