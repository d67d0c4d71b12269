"""Real PyPI sdists (setuptools with C, Cython and cffi; scikit-build-core; meson-python),
cross-built for aarch64 with `zigcc build` and no system compiler, then imported and used in
Debian's arm64 CPython under qemu (tests/real_sdists.py says what each one exercises)."""

from __future__ import annotations

from pathlib import Path

import debian_sysroots
import pytest
from buildhelp import TARGETS, install_for, logs, members, run_in, wheels, zigcc_build
from real_sdists import SDISTS, Sdist, ensure_sdist

from zigcc.target.model import parse

pytestmark = pytest.mark.slow
TAG = TARGETS["arm64"]


CASES = [pytest.param(s, id=s.id, marks=[pytest.mark.xfail(strict=True, reason=s.cross_blocker)]
                      if s.cross_blocker else []) for s in SDISTS]


@pytest.mark.parametrize("sdist", CASES)
def test_real_sdist_cross_builds_and_works_on_arm64(
        sdist: Sdist, no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    archive = ensure_sdist(sdist)
    target_py = debian_sysroots.ensure_python("arm64")
    out = tmp_path / "wheelhouse"
    done = zigcc_build(archive, TAG, target_py.root, out, no_system_compiler)
    assert done.returncode == 0, done.stdout[-2000:] + logs(out)[-6000:]
    (wheel,) = wheels(out)
    assert wheel.name.endswith(f"-{parse(TAG).wheel_platform}.whl"), wheel.name
    # Extension modules; lib*.so are libraries a wheel ships itself (spglib's libsymspg.so)
    modules = [m for m in members(wheel) if m.endswith(".so")
               and not m.rsplit("/", 1)[-1].startswith("lib")]
    assert modules and all(m.endswith((target_py.ext_suffix, ".abi3.so")) for m in modules)
    site = tmp_path / "site"
    install_for(target_py, TAG, site, [wheel])
    if sdist.runtime_deps:
        install_for(target_py, TAG, site, [], deps=list(sdist.runtime_deps))
    run = run_in(target_py, site, sdist.smoke, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
