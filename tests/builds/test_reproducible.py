"""Reproducible wheels: the same project from two copies in two different folders gives the
same wheel, byte for byte, with SOURCE_DATE_EPOCH set — built by `zigcc build` (isolated, in
a fresh copy, verified and retagged) natively and for aarch64."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import debian_sysroots
import pytest
from buildhelp import TARGETS, logs, wheels, zigcc_build
from conftest import PROJECTS

from zigcc.frontend.matrix import default_target
from zigcc.target import host

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("arch", ["native", "arm64"])
@pytest.mark.parametrize("project", ["cmath_ext", "cpp_ext", "cython_ext"])
def test_two_copies_give_the_same_wheel(project: str, arch: str, tmp_path: Path,
                                        no_system_compiler: dict[str, str]) -> None:
    if arch == "native":
        target = default_target(host.detect())  # this machine's arch, lowest glibc
        python = "{}.{}".format(*sys.version_info[:2])
    else:
        target, python = TARGETS[arch], str(debian_sysroots.ensure_python(arch).root)
    env = {**no_system_compiler, "SOURCE_DATE_EPOCH": "1700000000"}
    built = []
    for copy in (tmp_path / "a" / project, tmp_path / "b" / "deeper folder" / project):
        shutil.copytree(PROJECTS / project, copy)
        out = copy.parent / "wheelhouse"
        done = zigcc_build(copy, target, python, out, env)
        assert done.returncode == 0, done.stdout + logs(out)[-3000:]
        (wheel,) = wheels(out)
        built.append(wheel)
    first, second = built
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes(), f"{first.name} differs between copies"
