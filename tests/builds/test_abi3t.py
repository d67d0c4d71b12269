"""abi3t (PEP 803, the Stable ABI of free-threaded CPython 3.15): a limited-API project built
for CPython 3.15t by each backend -- setuptools (py_limited_api, Py_LIMITED_API with the
free-threaded headers), meson-python (limited-api, limited_api: '3.15') and scikit-build-core
(wheel.py-api "cp315.cp315t", CMake 4.4's USE_SABI) -- gives one ``cp315-abi3.abi3t`` wheel
whose module is named ``*.abi3t-<triplet>.so``.  Natively (x86_64, the source-built 3.15t as
build interpreter and target) that wheel imports and computes in the source-built CPython
3.15t, with the GIL staying off while 8 threads call it, and in the GIL-enabled 3.15; cross-built
for aarch64 (a CPython 3.15t synthesized from the x86_64 one) in Debian sid's arm64 CPython 3.15
under qemu.  And verify's side: a module compiled without the limited API in a wheel tagged
abi3.abi3t is rejected."""

from __future__ import annotations

import json
import shutil
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import packaging
import pytest
from buildhelp import TARGETS, install_for, logs, members, run_in, wheels, zigcc_build
from conftest import PROJECTS, DebianPythons

from zigcc.target.model import parse

pytestmark = pytest.mark.slow

MODULES = {"abi3t_setuptools": "zt_abi3t_st", "abi3t_meson": "zt_abi3t_mc",
           "abi3t_skbuild": "zt_abi3t_skb"}
NATIVE = "manylinux_2_17_x86_64"
# What the module computes everywhere: a sum, the byte order and Py_TARGET_ABI3T as compiled.
EXPECTED = ["1099511627782", "499500", "little", "0x30f0000"]
CALLS = """
import {module} as m
print(m.total([2**40, -1, 7]), m.total(list(range(1000))), m.order(), hex(m.abi3t()))
"""
# In a source-built 3.15[t]: the wheel's tags are ones this interpreter installs (packaging's
# newest rules, PEP 803's abi3t included), the module is the abi3t file, and 8 threads at once
# compute right; free-threaded, the GIL stays off (the module declares Py_mod_gil).
THREADED = """
import json, sys, threading
sys.path[:0] = [{packaging!r}, {site!r}]
from packaging.tags import parse_tag, sys_tags
import {module} as m
installs = sorted(str(t) for t in parse_tag({tags!r}) if t in set(sys_tags()))
out = m.total([2**40, -1, 7]), m.total(list(range(1000))), m.order(), hex(m.abi3t())
results, barrier = [], threading.Barrier(8)
def work():
    barrier.wait()
    results.append(sum(m.total([i, i, 1]) == 2 * i + 1 for i in range(20000)))
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({{"file": m.__file__, "out": [str(v) for v in out], "threads": results,
                  "installs": installs, "gil": sys._is_gil_enabled()}}))
"""


@pytest.mark.parametrize("free_threaded", [False, True], ids=["3.15", "3.15t"])
def test_the_rules_are_the_real_315s(free_threaded: bool, cpython_source: Any) -> None:
    """The platform seam's EXTENSION_SUFFIXES and stable-ABI suffix of CPython 3.15[t] are
    what the source-built interpreter reports (its first ``.abi*`` suffix is the one CPython's
    build-details.json, CMake and setuptools name limited-API modules by)."""
    python = cpython_source("3.15", free_threaded)
    run = python.run("-I", "-c", "import importlib.machinery, json, sysconfig; print(json.dumps("
                     "[importlib.machinery.EXTENSION_SUFFIXES, sysconfig.get_config_var("
                     "'SOABI_PLATFORM')]))")
    assert run.returncode == 0, run.stderr
    real, triplet = json.loads(run.stdout)
    rules = parse(NATIVE).platform
    stable = rules.stable_abi_suffix(python.abiflags, (3, 15), triplet)
    assert list(rules.extension_suffixes(python.ext_suffix, stable, (3, 15), python.abiflags,
                                         triplet)) == real
    assert stable == next(s for s in real if s.startswith(".abi"))
    assert stable == (".abi3t-x86_64-linux-gnu.so" if free_threaded
                      else ".abi3-x86_64-linux-gnu.so")


def _build(project: str, target: str, build_python: Path, env: dict[str, str],
           tmp_path: Path) -> tuple[str, Path]:
    """``zigcc build`` of ``project`` for CPython 3.15t on ``target`` with the source-built
    3.15t as build interpreter: its output and its one wheel."""
    out = tmp_path / "wheelhouse"
    src = shutil.copytree(PROJECTS / project, tmp_path / project)
    done = zigcc_build(src, target, "3.15t", out, env, "--build-python", str(build_python))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:] + logs(out)[-4000:]
    assert "system compiler" not in logs(out)
    (wheel,) = wheels(out)
    return done.stdout, wheel


def _tag(wheel: Path) -> str:
    """The wheel's tags as its file name has them (``cp315-abi3.abi3t-<platforms>``)."""
    return "-".join(wheel.name[:-4].split("-")[-3:])


@pytest.mark.parametrize("project", sorted(MODULES))
def test_abi3t_wheel_imports_in_315t_and_315(project: str, cpython_source: Any,
                                             no_system_compiler: dict[str, str],
                                             tmp_path: Path) -> None:
    ft, gil = cpython_source("3.15", True), cpython_source("3.15")
    _, wheel = _build(project, NATIVE, ft.executable, no_system_compiler, tmp_path)
    plat = parse(NATIVE).wheel_platform
    assert wheel.name.endswith(f"-cp315-abi3.abi3t-{plat}.whl"), wheel.name
    module = MODULES[project]
    so = f"{module}.abi3t-x86_64-linux-gnu.so"
    assert [m for m in members(wheel) if m.endswith(".so")] == [so]
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    vendored = tmp_path / "vendored"  # packaging (this checkout's, pure Python) for the tags
    shutil.copytree(Path(packaging.__file__).parent, vendored / "packaging")
    code = textwrap.dedent(THREADED.format(packaging=str(vendored), site=str(site),
                                           module=module, tags=_tag(wheel)))
    for python, installs in ((ft, "abi3t"), (gil, "abi3")):
        run = python.run("-I", "-c", code)
        assert run.returncode == 0, f"{python.ldversion}: {run.stderr}"
        info = json.loads(run.stdout)
        assert info["file"] == str(site / so)
        assert info["out"] == EXPECTED, python.ldversion
        assert info["threads"] == [20000] * 8
        assert info["gil"] is (not python.free_threaded)
        assert info["installs"] == [f"cp315-{installs}-{p}" for p in sorted(plat.split("."))]


@pytest.mark.parametrize("project", sorted(MODULES))
def test_abi3t_wheel_cross_built_for_aarch64_runs_in_debians_315(
        project: str, cpython_source: Any, no_system_compiler: dict[str, str],
        debian_python: DebianPythons, tmp_path: Path) -> None:
    """The aarch64 CPython 3.15t is synthesized (no distribution ships one to run); Debian sid's
    GIL-enabled arm64 3.15 imports the abi3.abi3t module too."""
    target_py = debian_python("arm64", "sid-3.15")
    tag = TARGETS["arm64"]
    shown, wheel = _build(project, tag, cpython_source("3.15", True).executable,
                          no_system_compiler, tmp_path)
    assert f"synthesizing CPython 3.15t for {tag}" in shown
    assert wheel.name.endswith(f"-cp315-abi3.abi3t-{parse(tag).wheel_platform}.whl"), wheel.name
    module = MODULES[project]
    assert [m for m in members(wheel) if m.endswith(".so")] == \
        [f"{module}.abi3t-aarch64-linux-gnu.so"]
    site = tmp_path / "site"
    install_for(target_py, tag, site, [wheel])
    run = run_in(target_py, site, CALLS.format(module=module), tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == EXPECTED


def test_abi3t_wheel_of_a_module_without_the_limited_api_is_rejected(
        cpython_source: Any, no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """setuptools names the module .abi3t-<triplet>.so and tags the wheel cp315-abi3.abi3t
    whenever py_limited_api is set, but without Py_LIMITED_API the free-threaded headers give
    the full API (PyUnicode_AsUTF8, the free-threaded reference counting): verify rejects it."""
    src = shutil.copytree(PROJECTS / "abi3t_setuptools", tmp_path / "abi3t_setuptools")
    setup = src / "setup.py"
    text = setup.read_text()
    macro = ',\n                           define_macros=[("Py_LIMITED_API", "0x030f0000")]'
    assert macro in text
    setup.write_text(text.replace(macro, ""))
    out = tmp_path / "wheelhouse"
    done = zigcc_build(src, TARGETS["arm64"], "3.15t", out, no_system_compiler,
                       "--build-python", str(cpython_source("3.15", True).executable))
    assert done.returncode == 1, done.stdout[-3000:] + logs(out)[-3000:]
    assert wheels(out) == []
    (rejected,) = (out / ".zigcc" / "rejected").glob("*.whl")
    assert "-cp315-abi3.abi3t-" in rejected.name
    module = "zt_abi3t_st.abi3t-aarch64-linux-gnu.so"
    for name in ("PyUnicode_AsUTF8", "_Py_MergeZeroLocalRefcount"):
        assert f"{rejected.name}: module {module} uses {name} (not in the Stable ABI)" in \
            logs(out), logs(out)[-3000:]
    assert "0 built, 1 failed" in done.stdout
