"""verify's rules for PEP 803's abi3t: what a wheel tagged ``abi3t`` / ``abi3.abi3t`` claims,
the module suffixes every CPython of the claims imports, the functions an abi3t module cannot
use (they take a PyModuleDef, opaque in abi3t), the tags a build for a given CPython must carry,
and a WHEEL file whose Tag line holds a compressed tag set (meson-python's).  Slow: the same
rules on real modules, compiled by zig against the source-built CPython 3.15 / 3.15t headers,
packed into wheels."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.tags import parse_tag
from test_wheelcheck import make_wheel, zigcc_cc

from zigcc.python import description as pytarget
from zigcc.target.model import parse
from zigcc.verify import abi3
from zigcc.verify.keep import python_problems
from zigcc.verify.retag import retag
from zigcc.verify.wheelcheck import problems, wheel_tags

AARCH64 = parse("manylinux_2_17_aarch64")
TRIPLET = "aarch64-linux-gnu"


@pytest.mark.parametrize(("tags", "claims", "minimum"), [
    ("cp315-abi3.abi3t-linux_aarch64", {"abi3": (3, 15), "abi3t": (3, 15)}, (3, 15)),
    ("cp316-abi3t-linux_aarch64", {"abi3t": (3, 16)}, (3, 16)),
    ("cp39-abi3-linux_aarch64", {"abi3": (3, 9)}, (3, 9)),
    ("cp316.cp315-abi3t-linux_aarch64", {"abi3t": (3, 15)}, (3, 15)),
    ("cp315-cp315t-linux_aarch64", {}, None),
])
def test_claims_are_per_stable_abi(tags: str, claims: dict[str, tuple[int, int]],
                                   minimum: tuple[int, int] | None) -> None:
    assert abi3.claims(parse_tag(tags)) == claims
    assert abi3.minimum(parse_tag(tags)) == minimum


def test_abi3t_tags_before_315_are_refused() -> None:
    """packaging lets free-threaded 3.13 and 3.14 install cp3X-abi3t wheels; they import no
    abi3t module."""
    assert abi3.tag_problems(parse_tag("cp315-abi3.abi3t-linux_aarch64")) == []
    assert abi3.tag_problems(parse_tag("cp39-abi3-linux_aarch64")) == []
    (found,) = abi3.tag_problems(parse_tag("cp39-abi3.abi3t-linux_aarch64"))
    assert found.startswith("tagged cp39-abi3t, but abi3t begins with CPython 3.15 (PEP 803)")


@pytest.mark.parametrize(("claims", "suffixes"), [
    ({"abi3": (3, 9)}, (".abi3.so",)),
    ({"abi3": (3, 15)}, (f".abi3-{TRIPLET}.so", ".abi3.so", f".abi3t-{TRIPLET}.so", ".abi3t.so")),
    ({"abi3t": (3, 15)}, (f".abi3t-{TRIPLET}.so", ".abi3t.so")),
    ({"abi3": (3, 15), "abi3t": (3, 15)}, (f".abi3t-{TRIPLET}.so", ".abi3t.so")),
    ({"abi3": (3, 9), "abi3t": (3, 15)}, ()),  # 3.9 imports abi3's only, 3.15t abi3t's only
])
def test_suffixes_every_claimed_cpython_imports(claims: dict[str, tuple[int, int]],
                                               suffixes: tuple[str, ...]) -> None:
    assert abi3.stable_suffixes(AARCH64, claims, TRIPLET) == suffixes
    # Windows has no stable-ABI suffix of its own: plain .pyd, abi3t too.
    assert abi3.stable_suffixes(parse("win_amd64"), claims, "") == (".pyd",)


BOTH = {"abi3": (3, 15), "abi3t": (3, 15)}


@pytest.mark.parametrize(("module", "claims", "words"), [
    (f"m.abi3t-{TRIPLET}.so", BOTH, ()),
    ("m.abi3t.so", BOTH, ()),
    ("m.abi3.so", BOTH, ("is not named *.abi3t-aarch64-linux-gnu.so or *.abi3t.so",
                         "abi3's suffix, which free-threaded CPython does not import",
                         "Py_TARGET_ABI3T")),
    (f"m.abi3-{TRIPLET}.so", BOTH, ("abi3's suffix",)),
    ("m.abi3t-x86_64-linux-gnu.so", BOTH, ("not every CPython it claims",)),
    ("m.cpython-315t-aarch64-linux-gnu.so", BOTH, ("not built for the Stable ABI",
                                                   "Py_LIMITED_API")),
    (f"m.abi3-{TRIPLET}.so", {"abi3": (3, 9)},
     ("is not named *.abi3.so", "not every CPython it claims (abi3 from 3.9) imports",
      "3.14 and earlier do not import")),
    ("m.abi3t.so", {"abi3": (3, 9), "abi3t": (3, 15)}, ("no suffix is imported by every",)),
])
def test_an_abi3t_module_carries_a_suffix_every_claimed_cpython_imports(
        module: str, claims: dict[str, tuple[int, int]], words: tuple[str, ...]) -> None:
    found = abi3.suffix_problems(f"pkg/{module}", module, AARCH64, claims, TRIPLET)
    if not words:
        assert found == []
        return
    (line,) = found
    assert line.startswith(f"module pkg/{module} is in a wheel tagged {'.'.join(claims)}")
    for word in words:
        assert word in line, line


def test_an_abi3t_module_does_not_define_a_pymoduledef() -> None:
    used = ["PyModule_Create2", "PyList_Size", "_Py_DecRef", "PyModuleDef_Init"]
    found = abi3.abi3t_symbol_problems("m.abi3t.so", used)
    assert [line.split(",")[0] for line in found] == [
        "module m.abi3t.so uses PyModuleDef_Init", "module m.abi3t.so uses PyModule_Create2"]
    assert all("opaque in abi3t" in line and "PyModExport_" in line for line in found)
    assert abi3.abi3t_symbol_problems("m.abi3t.so", ["PyModule_FromSlotsAndSpec"]) == []


def test_the_stable_abi_of_315_has_its_new_functions() -> None:
    """3.15's additions (PEP 793's module export and slots API among them) are in the table
    the symbol check reads: an abi3t module of 3.15 uses them."""
    for name in ("PyModule_FromSlotsAndSpec", "PyModule_Exec", "PyABIInfo_Check", "Py_SIZE"):
        assert abi3.symbol_problems("m.abi3t.so", [name], (3, 15)) == []
        assert "added to it in 3.15" in abi3.symbol_problems("m.abi3.so", [name], (3, 14))[0]


def _python(version: str, flags: list[str]) -> pytarget.TargetPython:
    nodot = version.replace(".", "") + "".join(flags)
    details = {
        "schema_version": "1.0", "base_prefix": "/usr", "platform": "linux-aarch64",
        "language": {"version": version}, "implementation": {"name": "cpython"},
        "abi": {"flags": flags, "extension_suffix": f".cpython-{nodot}-{TRIPLET}.so"},
        "arbitrary_data": {"zigcc": {"MULTIARCH": TRIPLET}},
    }
    return pytarget.from_details(details, None, f"cpython-{version}")


@pytest.mark.parametrize(("wheel", "version", "flags", "problem"), [
    ("p-1-cp315-abi3.abi3t-linux_aarch64.whl", "3.15", ["t"], None),
    ("p-1-cp315-abi3.abi3t-linux_aarch64.whl", "3.15", [], None),
    ("p-1-cp315-abi3t-linux_aarch64.whl", "3.16", ["t"], None),
    ("p-1-cp315-abi3-linux_aarch64.whl", "3.15", ["t"],
     "tagged abi3, which free-threaded CPython 3.15t does not install (it takes abi3t, PEP 803); "
     "a limited-API build for it is tagged abi3.abi3t"),
    ("p-1-cp315-abi3t-linux_aarch64.whl", "3.15", [],
     "tagged abi3t, which GIL-enabled CPython 3.15 does not install"),
    ("p-1-cp314-abi3-linux_aarch64.whl", "3.14", ["t"],
     "a limited-API build for it is tagged cp314t: it has no stable ABI before 3.15"),
    ("p-1-cp316-abi3.abi3t-linux_aarch64.whl", "3.15", ["t"], "which needs CPython 3.16"),
])
def test_the_stable_abi_tag_is_one_the_python_asked_for_installs(
        wheel: str, version: str, flags: list[str], problem: str | None) -> None:
    found = python_problems(Path(wheel), _python(version, flags))
    if problem is None:
        assert found == []
    else:
        assert problem in "\n".join(found), found


def test_retag_takes_a_compressed_tag_line(tmp_path: Path) -> None:
    """meson-python writes ``Tag: cp315-abi3.abi3t-linux_aarch64``; the retagged wheel lists
    each tag on its own line, as the wheel spec has them."""
    name = "p-1.0-cp315-abi3.abi3t-linux_aarch64.whl"
    wheel = make_wheel(tmp_path, name, {"p.py": b"x = 1\n"},
                       tags=["cp315-abi3.abi3t-linux_aarch64"])
    out = retag(wheel, "manylinux_2_17_aarch64", tmp_path / "out")
    assert out.name == "p-1.0-cp315-abi3.abi3t-manylinux_2_17_aarch64.whl"
    with zipfile.ZipFile(out) as zf:
        tags = wheel_tags(zf.read("p-1.0.dist-info/WHEEL"))
    assert tags == ["cp315-abi3-manylinux_2_17_aarch64", "cp315-abi3t-manylinux_2_17_aarch64"]


# ---------------------------------------------------------------- real modules (slow)

ABI3T_C = Path(__file__).parents[1] / "projects" / "abi3t_setuptools" / "zt_abi3t_st.c"
ABI3_C = Path(__file__).parents[1] / "projects" / "abi3_setuptools" / "zt_abi3_st.c"


@pytest.fixture(scope="module")
def modules(cpython_source: Any, real_zig: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, bytes]:
    """aarch64 modules from zig and CPython 3.15's real headers: ``abi3t`` (the test project's
    PyModExport module, free-threaded headers and Py_LIMITED_API, as setuptools compiles it)
    and ``abi3`` (the abi3 test project's PyModuleDef module, GIL-enabled headers)."""
    import os

    folder = tmp_path_factory.mktemp("abi3t")
    env = {**os.environ, "ZIGCC_CACHE_DIR": str(folder / "cache")}
    cc = zigcc_cc("manylinux_2_17_aarch64", env)
    builds = {"abi3t": (ABI3T_C, cpython_source("3.15", True), "0x030f0000"),
              "abi3": (ABI3_C, cpython_source("3.15"), "0x03090000")}
    out = {}
    for name, (source, python, limited) in builds.items():
        subprocess.run([cc, "-O2", "-shared", "-fPIC", f"-I{python.include_dir}",
                        f"-DPy_LIMITED_API={limited}", str(source), "-o", f"{name}.so"],
                       cwd=folder, check=True, env=env)
        out[name] = (folder / f"{name}.so").read_bytes()
    return out


W = "zt-1.0-cp315-abi3.abi3t-manylinux_2_17_aarch64.whl"
SLOW_CASES = [
    ("abi3t module, abi3t suffix", W, "zt_abi3t_st.abi3t-aarch64-linux-gnu.so", "abi3t", ()),
    ("abi3t module, plain abi3t suffix", W, "zt_abi3t_st.abi3t.so", "abi3t", ()),
    ("abi3 module named for abi3t", W, "zt_abi3_st.abi3t-aarch64-linux-gnu.so", "abi3",
     ("uses PyModule_Create2, which takes a PyModuleDef, opaque in abi3t",)),
    ("abi3t module named for abi3", W, "zt_abi3t_st.abi3.so", "abi3t",
     ("abi3's suffix, which free-threaded CPython does not import",)),
    ("abi3t claimed from 3.9", "zt-1.0-cp39-abi3.abi3t-manylinux_2_17_aarch64.whl",
     "zt_abi3t_st.abi3t.so", "abi3t",
     ("tagged cp39-abi3t, but abi3t begins with CPython 3.15",
      "no suffix is imported by every CPython")),
]


@pytest.mark.parametrize(("filename", "member", "module", "words"),
                         [pytest.param(*c[1:], id=c[0]) for c in SLOW_CASES])
def test_real_modules_in_abi3t_wheels(filename: str, member: str, module: str,
                                      words: tuple[str, ...], modules: dict[str, bytes],
                                      tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, filename, {member: modules[module]})
    # The target interpreter's EXTENSION_SUFFIXES: an aarch64 CPython 3.15t.
    suffixes = (".cpython-315t-aarch64-linux-gnu.so", f".abi3t-{TRIPLET}.so", ".abi3t.so", ".so")
    found = problems(wheel, AARCH64, suffixes)
    if not words:
        assert found == []
        return
    report = "\n".join(found)
    for word in words:
        assert word in report, report
