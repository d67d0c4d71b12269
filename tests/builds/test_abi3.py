"""abi3 wheels from every backend: setuptools (py_limited_api), meson-python (limited_api) and
scikit-build-core (wheel.py-api, USE_SABI), each asking for the limited API of 3.9, cross-built
for a synthesized CPython 3.11 with every system compiler broken, then imported and called in
Debian's real CPython of the target under qemu.  And verify's side: a module compiled without
Py_LIMITED_API in a wheel tagged abi3 is rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from buildhelp import TARGETS, install_for, logs, members, run_in, wheels, zigcc_build
from conftest import PROJECTS, DebianPythons

from zigcc.target.model import parse

pytestmark = pytest.mark.slow

MODULES = {"abi3_setuptools": "zt_abi3_st", "abi3_meson": "zt_abi3_mc",
           "abi3_skbuild": "zt_abi3_skb"}
# meson-python tags abi3 wheels with the build interpreter's CPython: it has no cp39 setting.
PYTHON_TAG = {"abi3_setuptools": "cp39", "abi3_meson": "cp311", "abi3_skbuild": "cp39"}
CALLS = """
import {module} as m
assert m.__file__.endswith(".abi3.so"), m.__file__
print(m.total([2**40, -1, 7]), m.total(list(range(1000))), m.order(), hex(m.limited()))
"""


@pytest.mark.parametrize(("project", "arch"), [
    ("abi3_setuptools", "arm64"), ("abi3_meson", "arm64"), ("abi3_skbuild", "arm64"),
    ("abi3_meson", "s390x"),
])
def test_limited_api_project_gets_an_abi3_wheel_that_runs_on_the_target(
        project: str, arch: str, no_system_compiler: dict[str, str],
        debian_python: DebianPythons, tmp_path: Path) -> None:
    target_py = debian_python(arch)
    tag = TARGETS[arch]
    out = tmp_path / "wheelhouse"
    src = shutil.copytree(PROJECTS / project, tmp_path / project)
    done = zigcc_build(src, tag, "3.11", out, no_system_compiler)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:] + logs(out)[-4000:]
    assert "system compiler" not in logs(out)
    (wheel,) = wheels(out)
    assert wheel.name.endswith(f"-{PYTHON_TAG[project]}-abi3-{parse(tag).wheel_platform}.whl"), \
        wheel.name
    module = MODULES[project]
    assert [m for m in members(wheel) if m.endswith(".so")] == [f"{module}.abi3.so"]
    site = tmp_path / "site"
    install_for(target_py, tag, site, [wheel])
    run = run_in(target_py, site, CALLS.format(module=module), tmp_path)
    assert run.returncode == 0, run.stderr
    order = "big" if arch == "s390x" else "little"
    assert run.stdout.split() == ["1099511627782", "499500", order, "0x3090000"]


def test_abi3_wheel_of_a_module_without_the_limited_api_is_rejected(
        no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """py_limited_api names the module .abi3.so and bdist_wheel tags it cp39-abi3, but without
    Py_LIMITED_API it is compiled against the full API (PyUnicode_AsUTF8): verify rejects it."""
    src = shutil.copytree(PROJECTS / "abi3_setuptools", tmp_path / "abi3_setuptools")
    setup = src / "setup.py"
    text = setup.read_text()
    macro = ',\n                           define_macros=[("Py_LIMITED_API", "0x03090000")]'
    assert macro in text
    setup.write_text(text.replace(macro, ""))
    out = tmp_path / "wheelhouse"
    done = zigcc_build(src, TARGETS["arm64"], "3.11", out, no_system_compiler)
    assert done.returncode == 1, done.stdout[-3000:] + logs(out)[-3000:]
    assert wheels(out) == []
    (rejected,) = (out / ".zigcc" / "rejected").glob("*.whl")
    assert "-cp39-abi3-" in rejected.name
    assert (f"{rejected.name}: module zt_abi3_st.abi3.so uses PyUnicode_AsUTF8 (not in the "
            "Stable ABI)") in logs(out)
    assert "0 built, 1 failed" in done.stdout
