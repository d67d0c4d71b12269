"""A numpy C API package cross-built against the numpy that zigcc built for the target.

tests/projects/npy_sizes compiles against numpy's headers, and its ``_Static_assert``s fail
unless ``_numpyconfig.h`` states the target's sizes of long, pointers and long double.  The
build environment's numpy is this machine's (x86_64: 8, 8, 16), wrong for armv7l (4, 4, 8)
and i686 (4, 4, 12); zigcc replaces its headers and ``libnpymath.a`` by those of numpy's wheel
*for the target*, here the one tests/numpy_builds.py built from the sdist (no numpy 2.3.5
wheel for these three targets is on PyPI), handed over with ``PIP_FIND_LINKS``; a pip
constraint (``PIP_CONSTRAINT``) pins the build environment's numpy to the same 2.3.5.  The
module then runs in Debian's CPython of the arch under qemu with that numpy installed.
Without the wheel the build stops with one line (tests/builds/test_target_headers.py has the
armv7l case without a target Python; here it is i686 with Debian's).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy_builds
import pytest
from buildhelp import TARGETS, install_for, logs, members, run_in, wheels, zigcc_build
from conftest import PROJECTS, DebianPythons

from zigcc.target.model import parse

PROJECT = PROJECTS / "npy_sizes"
# Debian arch -> (sizeof long, sizeof void *, sizeof long double) there
SIZES = {"armhf": (4, 4, 8), "i386": (4, 4, 12), "s390x": (8, 8, 16)}


def _constraint(folder: Path) -> Path:
    pins = folder / "constraints.txt"
    pins.write_text(f"numpy=={numpy_builds.VERSION}\n")
    return pins


@pytest.mark.parametrize("arch", list(SIZES))
def test_numpy_c_api_package_builds_against_the_targets_numpy(
        arch: str, no_system_compiler: dict[str, str], debian_python: DebianPythons,
        numpy_wheel: Callable[[str], Path], tmp_path: Path) -> None:
    target_py = debian_python(arch)
    numpy = numpy_wheel(arch)
    links = tmp_path / "links"
    links.mkdir()
    (links / numpy.name).symlink_to(numpy)
    env = {**no_system_compiler, "PIP_FIND_LINKS": str(links),
           "PIP_CONSTRAINT": str(_constraint(tmp_path))}
    out = tmp_path / "out"
    done = zigcc_build(PROJECT, TARGETS[arch], target_py.root, out, env)
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-4000:]
    log = logs(out)
    assert (f"zigcc: the target's files of numpy {numpy_builds.VERSION}: numpy/_core/include/, "
            f"numpy/_core/lib/ from {numpy.name}") in log, log[-4000:]
    (wheel,) = wheels(out)
    assert wheel.name.endswith(f"-{parse(TARGETS[arch]).wheel_platform}.whl"), wheel.name
    assert [m for m in members(wheel) if m.endswith(".so")] == [f"npy_sizes{target_py.ext_suffix}"]

    site = tmp_path / "site"
    install_for(target_py, TARGETS[arch], site, [wheel, numpy])
    ran = run_in(target_py, site, "import numpy as np, npy_sizes\n"
                 f"assert np.__version__ == {numpy_builds.VERSION!r}\n"
                 f"assert npy_sizes.sizes() == {SIZES[arch]}, npy_sizes.sizes()\n"
                 "assert npy_sizes.total(np.arange(10)) == 45\n"
                 "assert npy_sizes.total(np.arange(10, dtype=np.int8)) == 45\n"
                 "big = 2**31 - 1 if np.dtype(np.long).itemsize == 4 else 2**40\n"
                 "assert npy_sizes.total([big, -1]) == big - 1\n"
                 "print('OK')", tmp_path)
    assert ran.stdout.strip() == "OK", ran.stdout + ran.stderr[-3000:]


def test_without_the_targets_numpy_wheel_the_build_stops_in_one_line(
        no_system_compiler: dict[str, str], debian_python: DebianPythons,
        tmp_path: Path) -> None:
    target_py = debian_python("i386")
    env = {k: v for k, v in no_system_compiler.items() if k != "PIP_FIND_LINKS"}
    env["PIP_CONSTRAINT"] = str(_constraint(tmp_path))  # PyPI has no numpy 2.3.5 for i686
    out = tmp_path / "out"
    done = zigcc_build(PROJECT, TARGETS["i386"], target_py.root, out, env)
    assert done.returncode == 1, done.stdout[-3000:]
    failed = [ln for ln in done.stdout.splitlines() if f"{TARGETS['i386']}  cp311" in ln]
    assert len(failed) == 1, done.stdout
    assert f"the build requires numpy {numpy_builds.VERSION}, whose C headers here are this " \
           "machine's" in failed[0], failed[0]
    assert f"wheel for {TARGETS['i386']} in the out-dir or in PIP_FIND_LINKS" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not wheels(out)
