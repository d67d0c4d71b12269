"""The abi3 checks of verify, as pure functions of names: the module suffix an abi3 wheel needs,
and the CPython symbols its modules may import.  Also the generator of
zigcc/verify/stable_abi.py (:func:`render`) and, slow, the check that the module is what it
makes of CPython's manifest."""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from packaging.tags import parse_tag

from zigcc.target.model import parse
from zigcc.verify import abi3, stable_abi

# Misc/stable_abi.toml of Debian's orig tarball of the newest CPython the tests build
# (tests/cpython_source.py's SOURCES; 3.15 adds PEP 803's abi3t, whose symbols are abi3's) is
# the source of truth.
MANIFEST_VERSION = "3.15"


def render(manifest: dict[str, Any], source: str) -> str:
    """The text of zigcc/verify/stable_abi.py from a parsed ``Misc/stable_abi.toml``: every
    ``function`` and ``data`` item with its ``added`` version, grouped by version."""
    by_version: dict[tuple[int, int], list[str]] = {}
    for kind in ("function", "data"):
        for name, item in manifest[kind].items():
            major, minor = item["added"].split(".")
            by_version.setdefault((int(major), int(minor)), []).append(name)
    lines = ['"""CPython\'s Stable ABI: each function and data symbol, with the CPython version',
             "that added it to the Stable ABI.",
             "",
             "Generated (do not edit) by ``render`` in tests/verify/test_abi3_checks.py, which",
             "also checks it (slow), from Misc/stable_abi.toml of",
             f"{source}.",
             '"""',
             "",
             "from __future__ import annotations",
             "",
             "_ADDED = {"]
    for version in sorted(by_version):
        lines.append(f"    {version}: \"\"\"")
        row = ""
        for name in sorted(by_version[version]):
            if row and len(row) + 1 + len(name) > 99:
                lines.append(row)
                row = ""
            row = f"{row} {name}" if row else name
        lines += [row, '""",']
    lines += ["}",
              "",
              "# symbol -> (major, minor) of the CPython that added it",
              "STABLE_ABI: dict[str, tuple[int, int]] = {",
              "    name: version for version, names in _ADDED.items() for name in names.split()}",
              ""]
    return "\n".join(lines)


SAMPLE = {
    "function": {"PyList_Size": {"added": "3.2"}, "PyType_GetName": {"added": "3.11"},
                 "_Py_Dealloc": {"added": "3.10", "abi_only": True}},
    "data": {"_Py_NoneStruct": {"added": "3.2"}},
    "struct": {"PyObject": {"added": "3.2"}},
    "const": {"Py_TPFLAGS_BASETYPE": {"added": "3.2"}},
}


def test_render_groups_functions_and_data_by_version() -> None:
    text = render(SAMPLE, "CPython 0.0")
    scope: dict[str, Any] = {}
    exec(compile(text, "stable_abi.py", "exec"), scope)
    assert scope["STABLE_ABI"] == {"PyList_Size": (3, 2), "_Py_NoneStruct": (3, 2),
                                   "_Py_Dealloc": (3, 10), "PyType_GetName": (3, 11)}
    assert "CPython 0.0" in scope["__doc__"]


def test_the_stable_abi_data_knows_its_history() -> None:
    abi = stable_abi.STABLE_ABI
    assert abi["PyModule_Create2"] == (3, 2)
    assert abi["_Py_NoneStruct"] == (3, 2)  # data, used by Py_None
    assert abi["PyExc_TypeError"] == (3, 2)
    assert abi["PyUnicode_AsUTF8AndSize"] == (3, 10)
    assert abi["PyType_GetName"] == (3, 11)
    assert "PyUnicode_AsUTF8" not in abi and "_PyObject_GC_Malloc" not in abi
    assert "PyObject" not in abi  # structs, typedefs and macros are not symbols


@pytest.mark.parametrize(("tags", "expected"), [
    ("cp39-abi3-manylinux_2_17_aarch64", (3, 9)),
    ("cp311-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64", (3, 11)),
    ("cp310.cp39-abi3-linux_x86_64", (3, 9)),
    ("cp312-cp312-manylinux_2_17_aarch64", None),
    ("py3-none-any", None),
    ("py3-abi3-linux_x86_64", (3, 2)),
])
def test_minimum_is_the_lowest_cpython_of_the_abi3_tags(
        tags: str, expected: tuple[int, int] | None) -> None:
    assert abi3.minimum(parse_tag(tags)) == expected


def test_stable_abi_symbols_of_the_version_pass() -> None:
    used = ["PyList_Size", "PyModule_Create2", "_Py_NoneStruct", "_Py_Dealloc",
            "PyUnicode_AsUTF8AndSize", "malloc", "memcpy", "__stack_chk_fail"]
    assert abi3.symbol_problems("m.abi3.so", used, (3, 10)) == []


def test_symbols_outside_the_stable_abi_or_newer_are_one_line_each() -> None:
    used = ["PyUnicode_AsUTF8AndSize", "PyUnicode_AsUTF8", "_PyObject_GC_Malloc",
            "PyType_GetName", "PyList_Size", "PyType_GetName", "strlen"]
    assert abi3.symbol_problems("foo.abi3.so", used, (3, 9)) == [
        "module foo.abi3.so uses PyType_GetName (not in the Stable ABI of 3.9; added to it "
        "in 3.11)",
        "module foo.abi3.so uses PyUnicode_AsUTF8 (not in the Stable ABI)",
        "module foo.abi3.so uses PyUnicode_AsUTF8AndSize (not in the Stable ABI of 3.9; added "
        "to it in 3.10)",
        "module foo.abi3.so uses _PyObject_GC_Malloc (not in the Stable ABI)",
    ]
    assert abi3.symbol_problems("foo.abi3.so", used[:1], (3, 11)) == []


@pytest.mark.parametrize(("target", "module", "ok"), [
    ("manylinux_2_17_aarch64", "zt.abi3.so", True),
    ("manylinux_2_17_aarch64", "zt.cpython-311-aarch64-linux-gnu.so", False),
    ("manylinux_2_17_aarch64", "zt.so", False),
    ("musllinux_1_2_x86_64", "zt.abi3.so", True),
    ("win_amd64", "zt.pyd", True),
    ("win_amd64", "zt.cp311-win_amd64.pyd", False),
])
def test_an_abi3_module_carries_the_stable_abi_suffix(target: str, module: str,
                                                      ok: bool) -> None:
    found = abi3.suffix_problems(f"pkg/{module}", module, parse(target))
    assert (found == []) is ok, found
    if not ok:
        assert found[0].startswith(f"module pkg/{module} is in a wheel tagged abi3 but is not named "
                                   f"*{abi3.stable_suffix(parse(target))}")


def manifest_source() -> tuple[dict[str, Any], str]:
    """The parsed Misc/stable_abi.toml of CPython :data:`MANIFEST_VERSION`'s orig tarball
    (downloaded once into the test cache) and how the generated module names it."""
    import tomllib
    from buildhelp import debian_source
    from cpython_source import SOURCES

    pool_path, sha256 = SOURCES[MANIFEST_VERSION]
    with tarfile.open(debian_source(pool_path, sha256)) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/Misc/stable_abi.toml"))
        extracted = tar.extractfile(member)
        assert extracted is not None
        manifest = tomllib.loads(extracted.read().decode())
    name = Path(pool_path).name
    version = name.split("_")[1].split(".orig")[0]
    return manifest, f"CPython {version} (Debian's {name})"


@pytest.mark.slow  # downloads Debian's CPython orig tarball (about 23 MB) once
def test_stable_abi_module_is_generated_from_cpythons_manifest() -> None:
    """Regenerate with ``python -c 'import test_abi3_checks as t; t.write()'`` from tests/verify
    (tests/ on sys.path) after a new CPython source pin."""
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is new in Python 3.11")
    manifest, source = manifest_source()
    assert Path(stable_abi.__file__).read_text() == render(manifest, source)


def write() -> None:
    """Write zigcc/verify/stable_abi.py from the manifest (what the test above compares)."""
    manifest, source = manifest_source()
    Path(stable_abi.__file__).write_text(render(manifest, source))
