"""Real PEP 739 build-details files (CPython 3.14+) read under the names CPython's build gives
them: upstream's ``build-details.json`` and Debian's ``build-details.<abiflags>.<multiarch>.json``
(``build-details..aarch64-linux-gnu.json``), from Debian sid's packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import DebianPythons

from zigcc.python import description, dump
from zigcc.python.model import DETAILS_FILE_RE, details_file_abiflags

SID = "sid"  # tests/debian_sysroots.py's row of sid's python3.14
FACTS = ("ext_suffix", "soabi", "multiarch", "include_dirs", "libdir", "abiflags", "version",
         "version_full", "platform", "implementation", "pointer_size", "byteorder")


def _details_path(root: Path, multiarch: str, version: str = "3.14") -> Path:
    return root / "usr" / "lib" / f"python{version}" / f"build-details..{multiarch}.json"


@pytest.mark.parametrize(("name", "flags"), [
    ("build-details.json", None),
    ("build-details..aarch64-linux-gnu.json", ""),
    ("build-details.t.aarch64-linux-gnu.json", "t"),
    ("build-details.d.x86_64-linux-gnu.json", "d"),
    ("build-details.t..json", "t"),  # configure leaves MULTIARCH empty off Linux/macOS
])
def test_details_file_names(name: str, flags: str | None) -> None:
    assert DETAILS_FILE_RE.fullmatch(name)
    assert details_file_abiflags(name) == flags


@pytest.mark.parametrize("name", ["build-details_x.json", "build-details.json.bak", "details.json"])
def test_other_names_are_no_details_file_names(name: str) -> None:
    assert DETAILS_FILE_RE.fullmatch(name) is None
    with pytest.raises(ValueError):
        details_file_abiflags(name)


def test_details_root() -> None:
    root = description.details_root
    assert root("/s/usr/lib/python3.14/build-details..aarch64-linux-gnu.json", "/usr") == "/s"
    assert root("/s/usr/lib64/python3.14t/build-details.json", "/usr/") == "/s"
    assert root("/usr/lib/python3.14/build-details.json", "/usr") is None  # installed in place
    assert root("/pack/build-details.json", ".") is None  # relocatable
    assert root("/elsewhere/build-details.json", "/usr") is None  # a copy: nothing to rebase


@pytest.mark.parametrize("arch", ["arm64", "armhf"])
def test_sid_details_file_reads_like_its_sysroot(arch: str, debian_python: DebianPythons,
                                                 tmp_path: Path) -> None:
    py = debian_python(arch, SID)
    path = _details_path(py.root, py.multiarch)
    assert path.is_file()
    from_root = description.load(str(py.root))
    from_file = description.load(str(path))
    data = json.loads(path.read_text())
    alone = description.from_details(data, str(path.parent), str(path), str(py.root))
    for tp in (from_file, alone):
        assert {f: getattr(tp, f) for f in FACTS} == {f: getattr(from_root, f) for f in FACTS}
    assert from_root.version == (3, 14) and from_root.abiflags == ""
    assert from_root.ext_suffix == f".cpython-314-{py.multiarch}.so"
    assert from_root.include_dirs == (str(py.root / "usr/include/python3.14"),
                                      str(py.root / "usr/include" / py.multiarch / "python3.14"))
    real = Path(from_file.include_dirs[-1], "pyconfig.h").read_text()
    assert not dump.dispatch_targets(real) and "#define SIZEOF_VOID_P" in real
    assert description.dispatch_include_root(from_file) == str(py.root / "usr/include")
    assert from_root.libdir == alone.libdir == str(py.root / "usr/lib" / py.multiarch)
    assert from_file.libpython == from_root.libpython and from_file.source == str(path)
    description.check_buildable(from_file)
    # the name sid's own interpreter imports (upstream's), and both names the sysroot has
    run = py.run("-c", "import sysconfig; print(sysconfig._get_sysconfigdata_name())",
                 cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    own = run.stdout.strip()
    assert own == f"_sysconfigdata__linux_{py.multiarch}"
    assert from_root.sysconfigdata_name == from_file.sysconfigdata_name == own
    assert from_root.sysconfigdata_names == (own, f"_sysconfigdata__{py.multiarch}")


def _describe(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``zigcc describe`` with no python3.X anywhere (empty PATH, an empty pyenv root)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYENV", "VIRTUAL_ENV"))}
    (tmp_path / "pyenv").mkdir(exist_ok=True)
    env.update(PATH="", PYENV_ROOT=str(tmp_path / "pyenv"))
    return subprocess.run([sys.executable, "-m", "zigcc", "describe", *args], env=env,
                          capture_output=True, text=True, cwd=tmp_path)


def test_describe_needs_no_build_interpreter(debian_python: DebianPythons,
                                             tmp_path: Path) -> None:
    py = debian_python("arm64", SID)
    for spec in (py.root, _details_path(py.root, py.multiarch)):
        got = {}
        for field in ("ext_suffix", "sysconfigdata_name", "sysconfigdata_names"):
            run = _describe("--target", "manylinux_2_17_aarch64", "--python", str(spec),
                            "--get", field, tmp_path=tmp_path)
            assert run.returncode == 0, run.stderr
            got[field] = run.stdout.strip()
        assert got == {
            "ext_suffix": ".cpython-314-aarch64-linux-gnu.so",
            "sysconfigdata_name": "_sysconfigdata__linux_aarch64-linux-gnu",
            "sysconfigdata_names": "_sysconfigdata__linux_aarch64-linux-gnu "
                                   "_sysconfigdata__aarch64-linux-gnu",
        }
        run = _describe("--python", str(spec), "--format", "sysconfigdata", tmp_path=tmp_path)
        assert run.returncode == 0, run.stderr
        assert "'EXT_SUFFIX': '.cpython-314-aarch64-linux-gnu.so'" in run.stdout
    run = _describe("--target", "manylinux_2_17_aarch64", "--python", "3.14", "--get", "soabi",
                    tmp_path=tmp_path)
    assert run.returncode != 0 and "3.14" in run.stderr  # synthesis does need one


def test_cross_build_from_sid_details_file(debian_python: DebianPythons, cpython_source: Any,
                                           no_system_compiler: dict[str, str],
                                           tmp_path: Path) -> None:
    """``zigcc build --python <sid arm64>/usr/lib/python3.14/build-details..aarch64-linux-gnu.json``:
    Debian's dispatching pyconfig.h resolves, and sid's python3.14 imports the module."""
    py = debian_python("arm64", SID)
    build_python = cpython_source("3.14")
    examples = Path(__file__).resolve().parents[2] / "examples" / "hello"
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "zigcc", "build", str(examples), "--target",
                          "manylinux_2_17_aarch64", "--python",
                          str(_details_path(py.root, py.multiarch)), "--build-python",
                          str(build_python.executable), "--out-dir", str(out)],
                         env=no_system_compiler, capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    assert wheel.name.endswith("-cp314-cp314-manylinux_2_17_aarch64.manylinux2014_aarch64.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert f"hello.cpython-314-{py.multiarch}.so" in archive.namelist()
        archive.extractall(site)
    check = py.run("-c", "import hello; print(hello.fib(10))", env={"PYTHONPATH": str(site)},
                   cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "55"


def test_a_cross_builds_file_gets_the_targets_suffix() -> None:
    """CPython's cross build writes the build machine's EXTENSION_SUFFIXES into its
    build-details.json (CPython gh-136267), and a static build has no abi.extension_suffix: the
    suffix is the target's, from its multiarch, never the x86_64 one listed."""
    data = {
        "schema_version": "1.0", "base_prefix": "/usr/local", "platform": "linux-aarch64",
        "language": {"version": "3.14", "version_info": {
            "major": 3, "minor": 14, "micro": 7, "releaselevel": "final", "serial": 0}},
        "implementation": {"name": "cpython", "_multiarch": "aarch64-linux-gnu", "version": {
            "major": 3, "minor": 14, "micro": 7, "releaselevel": "final", "serial": 0}},
        "abi": {"flags": ["t"]},
        "suffixes": {"extensions": [".cpython-314t-x86_64-linux-gnu.so", ".so"]},
    }
    tp = description.from_details(data, None, "cross build-details.json")
    assert tp.ext_suffix == ".cpython-314t-aarch64-linux-gnu.so"
    assert (tp.abiflags, tp.multiarch) == ("t", "aarch64-linux-gnu")
    data["suffixes"]["extensions"][0] = ".cpython-314t-aarch64-linux-gnu.so"  # type: ignore[index]
    assert description.from_details(data, None, "x").ext_suffix == \
        ".cpython-314t-aarch64-linux-gnu.so"
