"""zigcc/python/formats.py: one TargetPython rendered as build-details.json (read back by
zigcc), meson's python.build_config (a real aarch64/i686 cross configure and build), a
PYO3_CONFIG_FILE (checked by a strict parser of PyO3's rules), a _sysconfigdata module, and
one-field lookups."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import DebianPythons
from elftools.elf.elffile import ELFFile
from test_dump import validate_pep739

from zigcc.errors import ZigccError
from zigcc.python import description
from zigcc.python import formats as fmts
from zigcc.python.model import TargetPython
from zigcc.target import host
from zigcc.target.model import Target, parse
from zigcc.targetenv import headers, sysconfigdata

# Debian arch -> the zigcc target a wheel for it is built for.
DEBIAN_TARGETS = {
    "arm64": "manylinux_2_17_aarch64", "armhf": "manylinux_2_17_armv7l",
    "i386": "manylinux_2_17_i686", "ppc64el": "manylinux_2_19_ppc64le",
    "s390x": "manylinux_2_17_s390x", "riscv64": "manylinux_2_27_riscv64",
}
SYSROOTS = (
    "bookworm-arm64", "bookworm-armhf", "bookworm-i386", "bookworm-ppc64el", "bookworm-s390x",
    "trixie-riscv64", "trixie-arm64", "trixie-armhf", "trixie-i386",
    "bullseye-arm64", "bullseye-armhf", "bullseye-i386",
)
COMPARED = [f.name for f in dataclasses.fields(TargetPython) if f.name != "source"]


def _sysroot(debian_python: DebianPythons, name: str) -> tuple[TargetPython, Target]:
    """Debian's CPython ``suite-arch`` (made by the fixture when not cached yet), described."""
    suite, arch = name.split("-", 1)
    root = debian_python(arch, suite).root
    return description.load(str(root)), parse(DEBIAN_TARGETS[arch])


def _same(a: TargetPython, b: TargetPython) -> list[str]:
    """Names of the fields (all but source) in which two descriptions differ."""
    diff = []
    for name in COMPARED:
        left, right = getattr(a, name), getattr(b, name)
        if name == "config_vars":
            left, right = dict(left), dict(right)
        if left != right:
            diff.append(name)
    return diff


# ---------------------------------------------------------------- build-details round trip


@pytest.mark.parametrize("name", SYSROOTS)
def test_build_details_round_trip(name: str, tmp_path: Path, debian_python: DebianPythons
                                  ) -> None:
    tp, target = _sysroot(debian_python, name)
    text = fmts.render(tp, target, "build-details")
    data = json.loads(text)
    assert validate_pep739(data, tmp_path / "build-details.json") == []
    assert _same(description.from_details(data, None, "rendered"), tp) == []
    path = tmp_path / "build-details.json"
    path.write_text(text, encoding="utf-8")
    assert _same(description.from_json(str(path)), tp) == []
    assert data["abi"]["extension_suffix"] == tp.ext_suffix
    assert data["implementation"]["_multiarch"] == tp.multiarch
    assert data["implementation"]["cache_tag"] == f"cpython-{tp.version[0]}{tp.version[1]}"
    info = data["language"]["version_info"]
    assert f"{info['major']}.{info['minor']}.{info['micro']}" == tp.version_full
    assert data["arbitrary_data"]["zigcc"]["platform_tags"][0] == target.platform_tags[0]


def test_round_trip_of_the_running_interpreter() -> None:
    tp = description.from_running_interpreter()
    host = parse(f"linux_{os.uname().machine}") if sys.platform == "linux" else None
    if host is None:
        pytest.skip("the build machine is not Linux")
    back = description.from_details(json.loads(fmts.render(tp, host, "build-details")), None,
                                    "rendered")
    assert _same(back, tp) == []


def test_round_trip_of_a_pack(tmp_path: Path) -> None:
    if sys.platform != "linux":
        pytest.skip("the build machine is not Linux")
    pack = tmp_path / "pack"
    subprocess.run([sys.executable, "-m", "zigcc.python.dump", "--pack", str(pack)], check=True)
    tp = description.from_pack(str(pack))
    target = parse(f"linux_{os.uname().machine}")
    data = json.loads(fmts.render(tp, target, "build-details"))
    assert data["base_prefix"] == str(pack)  # not the prefix of the machine dumped on
    assert _same(description.from_details(data, None, "rendered"), tp) == []
    meson = json.loads(fmts.render(tp, target, "meson"))  # one header folder: no include_dir
    assert meson["c_api"]["headers"] == tp.include_dirs[0] == data["c_api"]["headers"]
    assert tp.include_dirs[0].startswith(str(pack))


def test_prerelease_version_info_and_hexversion(debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, "bookworm-arm64")
    pre = dataclasses.replace(tp, version_full=f"{tp.version[0]}.{tp.version[1]}.0rc2")
    data = json.loads(fmts.render(pre, target, "build-details"))
    assert data["language"]["version_info"]["releaselevel"] == "candidate"
    assert data["implementation"]["hexversion"] == (3 << 24) | (11 << 16) | (0xC << 4) | 2


def test_include_dir_replaces_the_header_folders(tmp_path: Path,
                                                 debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, "bookworm-arm64")
    data = json.loads(fmts.render(tp, target, "build-details", include_dir=str(tmp_path)))
    assert data["c_api"]["headers"] == str(tmp_path)
    assert description.from_details(data, None, "x").include_dirs == (str(tmp_path),)


# ---------------------------------------------------------------- meson (pure checks)


@pytest.mark.parametrize("name", SYSROOTS)
def test_meson_build_config_has_what_meson_reads(name: str, tmp_path: Path,
                                                 debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, name)
    with pytest.raises(ZigccError, match=r"only dispatches .* pass include_dir="):
        fmts.render(tp, target, "meson")
    data = json.loads(fmts.render(tp, target, "meson", include_dir=str(tmp_path)))
    assert validate_pep739(data, tmp_path / "b.json") == []
    # mesonbuild/modules/python.py and dependencies/python.py index these unconditionally.
    assert data["language"]["version"] == f"{tp.version[0]}.{tp.version[1]}"
    assert data["abi"]["extension_suffix"] == tp.ext_suffix
    assert data["abi"]["stable_abi_suffix"] == ".abi3.so"
    assert data["libpython"]["link_extensions"] is False
    assert data["implementation"]["name"] == "cpython" and data["abi"]["flags"] == []
    assert data["c_api"] == {"headers": str(tmp_path)}  # no pkgconfig_path: host paths
    paths = [data["base_prefix"], data["c_api"]["headers"], data["libpython"].get("dynamic")]
    assert all(os.path.isabs(p) for p in paths if p is not None)  # valid on this machine


def test_meson_free_threaded_and_without_libpython(tmp_path: Path,
                                                   debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, "trixie-arm64")
    ft = dataclasses.replace(tp, abiflags="t", gil_disabled=True, libpython=None,
                             ext_suffix=".cpython-313t-aarch64-linux-gnu.so",
                             soabi="cpython-313t-aarch64-linux-gnu")
    spec = json.loads(fmts.render(ft, target, "build-details"))
    assert "stable_abi_suffix" not in spec["abi"] and "libpython" not in spec
    assert spec["suffixes"]["extensions"] == [ft.ext_suffix, ".so"]
    data = json.loads(fmts.render(ft, target, "meson", include_dir=str(tmp_path)))
    assert data["abi"]["flags"] == ["t"]
    assert data["abi"]["stable_abi_suffix"] == ft.ext_suffix  # meson needs the key
    assert data["libpython"] == {"link_extensions": False}


# ---------------------------------------------------------------- PyO3

PYO3_STRINGS = {"lib_name", "lib_dir", "executable", "python_framework_prefix"}
PYO3_BOOLS = {"shared", "abi3", "suppress_build_script_link_lines"}
PYO3_KEYS = {"implementation", "version", "pointer_width", "build_flags",
             "extra_build_script_line", *PYO3_STRINGS, *PYO3_BOOLS}
MATURIN_KEYS = {"ext_suffix", "abiflags", "abi_tag"}


def parse_pyo3_config(text: str, extra_keys: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A strict reading of pyo3-build-config's ``InterpreterConfig::from_reader``: every line
    ``key=value`` (split at the first ``=``; no blank or comment line), keys known, each once
    (``extra_build_script_line`` repeats), values trimmed and typed as PyO3 parses them."""
    assert text.endswith("\n"), "the file ends with a newline"
    out: dict[str, Any] = {"extra_build_script_line": []}
    for number, line in enumerate(text[:-1].split("\n"), 1):
        assert "=" in line, f"line {number}: expected key=value pair: {line!r}"
        key, value = line.split("=", 1)
        assert key in PYO3_KEYS | extra_keys, f"line {number}: unknown config key {key!r}"
        assert key == "extra_build_script_line" or key not in out, f"{key} given twice"
        raw = value
        value = value.strip()
        assert value == raw, f"line {number}: PyO3 would trim {raw!r}"
        if key == "implementation":
            assert value in ("CPython", "PyPy", "GraalVM"), value
        elif key == "version":
            assert re.fullmatch(r"\d{1,3}\.\d{1,3}", value), value  # two u8
            out[key] = tuple(int(p) for p in value.split("."))
            continue
        elif key in PYO3_BOOLS:
            assert value in ("true", "false"), f"{key}: Rust's bool parses only true/false"
            out[key] = value == "true"
            continue
        elif key == "pointer_width":
            assert value.isdigit() and int(value) < 2**32, value
            out[key] = int(value)
            continue
        elif key == "build_flags":
            flags = value.split(",") if value else []
            assert set(flags) <= set(fmts.PYO3_FLAGS), f"unknown or empty flags: {flags}"
            out[key] = flags
            continue
        elif key == "extra_build_script_line":
            out[key].append(value)
            continue
        out[key] = value
    assert "version" in out, "missing value for version"
    return out


@pytest.mark.parametrize("name", SYSROOTS)
def test_pyo3_config_file_parses(name: str, debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, name)
    cfg = parse_pyo3_config(fmts.render(tp, target, "pyo3"))
    assert cfg["implementation"] == "CPython"
    assert cfg["version"] == tp.version
    assert cfg["shared"] is True  # Debian's libpython3.X.so: Py_ENABLE_SHARED = 1
    assert cfg["abi3"] is False
    assert cfg["lib_name"] == f"python{tp.version[0]}.{tp.version[1]}"
    assert cfg["lib_dir"] == tp.libdir
    assert cfg["pointer_width"] == tp.pointer_size == target.info.bits
    assert cfg["build_flags"] == []
    assert cfg["suppress_build_script_link_lines"] is True  # Linux: never link libpython
    assert "executable" not in cfg  # the target's interpreter does not run here
    maturin = parse_pyo3_config(fmts.render(tp, target, "maturin"), frozenset(MATURIN_KEYS))
    assert maturin["ext_suffix"] == tp.ext_suffix
    assert maturin["abi_tag"] == f"{tp.version[0]}{tp.version[1]}"
    assert maturin["abiflags"] == ""
    with pytest.raises(AssertionError, match="unknown config key 'ext_suffix'"):
        parse_pyo3_config(fmts.render(tp, target, "maturin"))


def test_pyo3_flags_of_debug_and_free_threaded_builds(debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, "trixie-arm64")
    cv = {**tp.config_vars, "LDVERSION": "3.13td", "Py_TRACE_REFS": 1}
    odd = dataclasses.replace(tp, abiflags="td", gil_disabled=True, debug=True,
                              config_vars=cv)
    cfg = parse_pyo3_config(fmts.render(odd, target, "pyo3"))
    assert cfg["build_flags"] == ["Py_DEBUG", "Py_REF_DEBUG", "Py_TRACE_REFS",
                                  "Py_GIL_DISABLED"]
    assert cfg["lib_name"] == "python3.13td"


def test_pyo3_refuses_a_value_it_would_change(tmp_path: Path,
                                              debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, "bookworm-arm64")
    with pytest.raises(ZigccError, match="PyO3 reads one line"):
        fmts.render(dataclasses.replace(tp, libdir="/a\nb"), target, "pyo3")
    with pytest.raises(ZigccError, match="PyO3 does not support implementation 'micropython'"):
        fmts.render(dataclasses.replace(tp, implementation="micropython"), target, "pyo3")


# ---------------------------------------------------------------- sysconfigdata


def test_sysconfigdata_is_the_target_environments_module(
        tmp_path: Path, debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, "bookworm-arm64")
    tools = {"cc": "/tc/cc", "c++": "/tc/c++", "ar": "/tc/ar"}
    build = {"HAVE_FORK": 1, "prefix": "/opt/py"}
    text = sysconfigdata.render_module(tp, target, str(tmp_path), build_vars=build, tools=tools)
    expected = sysconfigdata.render_sysconfigdata(
        sysconfigdata.sysconfig_vars(target, tp, tools, build, str(tmp_path)), target)
    assert text == expected
    variables = _build_time_vars(sysconfigdata.render_module(tp, target, str(tmp_path)))
    assert variables["EXT_SUFFIX"] == ".cpython-311-aarch64-linux-gnu.so"
    assert variables["MULTIARCH"] == "aarch64-linux-gnu"
    assert variables["INCLUDEPY"] == str(tmp_path)
    assert variables["CC"] == "zig cc -target aarch64-linux-gnu.2.17 -mcpu=generic"
    with pytest.raises(ZigccError, match="format 'sysconfigdata' takes one header folder"):
        sysconfigdata.render_module(tp, target)


def _build_time_vars(text: str) -> dict[str, Any]:
    tree = ast.parse(text)
    assign = next(n for n in tree.body if isinstance(n, ast.Assign))
    value: dict[str, Any] = ast.literal_eval(assign.value)
    return value


# ---------------------------------------------------------------- lookup


@pytest.mark.parametrize(("name", "expected"), [
    ("bookworm-arm64", {
        "sysconfigdata_name": "_sysconfigdata__aarch64-linux-gnu",
        "multiarch": "aarch64-linux-gnu", "ext_suffix": ".cpython-311-aarch64-linux-gnu.so",
        "soabi": "cpython-311-aarch64-linux-gnu", "platform": "linux-aarch64",
        "platform_tag": "manylinux_2_17_aarch64", "host_gnu_type": "aarch64-unknown-linux-gnu",
        "pointer_width": "64", "byteorder": "little", "version": "3.11", "abiflags": ""}),
    ("trixie-riscv64", {
        "sysconfigdata_name": "_sysconfigdata__linux_riscv64-linux-gnu",
        "multiarch": "riscv64-linux-gnu", "ext_suffix": ".cpython-313-riscv64-linux-gnu.so",
        "soabi": "cpython-313-riscv64-linux-gnu", "platform": "linux-riscv64",
        "platform_tag": "manylinux_2_27_riscv64", "host_gnu_type": "riscv64-unknown-linux-gnu",
        "pointer_width": "64", "byteorder": "little", "version": "3.13", "abiflags": ""}),
    ("bookworm-armhf", {
        "sysconfigdata_name": "_sysconfigdata__arm-linux-gnueabihf",
        "multiarch": "arm-linux-gnueabihf", "platform": "linux-armv7l",
        "platform_tag": "manylinux_2_17_armv7l", "pointer_width": "32"}),
    ("bookworm-s390x", {"byteorder": "big", "multiarch": "s390x-linux-gnu"}),
])
def test_lookup(name: str, expected: Mapping[str, str], debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, name)
    assert {field: fmts.lookup(tp, target, field) for field in expected} == expected
    include = fmts.lookup(tp, target, "include_dir")
    assert os.path.isfile(os.path.join(include, "Python.h"))


@pytest.mark.parametrize("name", SYSROOTS)
def test_every_field_answers(name: str, debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, name)
    for field in fmts.FIELDS:
        assert isinstance(fmts.lookup(tp, target, field), str)


def test_unknown_format_and_field(debian_python: DebianPythons) -> None:
    tp, target = _sysroot(debian_python, "bookworm-arm64")
    with pytest.raises(ZigccError) as err:
        fmts.render(tp, target, "cmake")
    assert str(err.value) == ("unknown format 'cmake'; known formats: build-details, meson, "
                              "pyo3, maturin")
    with pytest.raises(ZigccError) as err:
        fmts.lookup(tp, target, "SOABI")
    message = str(err.value)
    assert "\n" not in message and message.startswith("unknown field 'SOABI'; known fields: ")
    assert all(field in message for field in ("sysconfigdata_name", "multiarch", "soabi"))
    with pytest.raises(ZigccError, match="has no libdir"):
        fmts.lookup(dataclasses.replace(tp, libdir=None), target, "libdir")


# ---------------------------------------------------------------- slow: meson for real

MESON_BUILD = """\
project('t', 'c')
py = import('python').find_installation()
py.extension_module('m', 'm.c', install: true)
"""
MODULE_C = """\
#include <Python.h>
#if PY_MINOR_VERSION != @MINOR@ || PY_MICRO_VERSION != @MICRO@
#error "not the target's headers"
#endif
_Static_assert(sizeof(void *) == SIZEOF_VOID_P, "a pyconfig.h of another architecture");
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&def); }
"""
ELF_MACHINE = {"aarch64": "EM_AARCH64", "i686": "EM_386"}


def _meson_version() -> tuple[int, ...] | None:
    if shutil.which("meson") is None or shutil.which("ninja") is None:
        return None
    out = subprocess.run(["meson", "--version"], capture_output=True, text=True).stdout
    return tuple(int(p) for p in re.findall(r"\d+", out)[:2])


def _run(cmd: list[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bookworm-arm64", "trixie-i386"])
def test_meson_cross_build_with_build_config(name: str, tmp_path: Path,
                                             no_system_compiler: dict[str, str],
                                             debian_python: DebianPythons) -> None:
    version = _meson_version()
    if version is None or version < (1, 10):
        pytest.skip("meson >= 1.10 (python.build_config) and ninja are needed")
    tp, target = _sysroot(debian_python, name)
    from zigcc import config
    from zigcc.backends import meson
    from zigcc.toolchain.folder import toolchain_for

    tc = toolchain_for(target, host.detect(), config.Settings.from_env(os.environ))
    tools = {n: tc.tool(n) for n in ("cc", "c++", "ar", "ranlib", "strip", "objcopy")}
    cross = tmp_path / "cross.ini"
    cross.write_text(meson.cross_file(target, tools, python=sys.executable), encoding="utf-8")
    minor = f"{tp.version[0]}.{tp.version[1]}"
    include = headers.prepare(tp, target, tmp_path / "cache") / "include" / f"python{minor}"
    build_config = tmp_path / "build config.json"
    build_config.write_text(fmts.render(tp, target, "meson", include_dir=str(include)),
                            encoding="utf-8")
    src = tmp_path / "src"
    src.mkdir()
    (src / "meson.build").write_text(MESON_BUILD, encoding="utf-8")
    micro = tp.version_full.split(".")[2]
    (src / "m.c").write_text(MODULE_C.replace("@MINOR@", str(tp.version[1]))
                             .replace("@MICRO@", micro), encoding="utf-8")
    env = no_system_compiler
    build = tmp_path / "build"
    _run(["meson", "setup", "--cross-file", str(cross), f"-Dpython.build_config={build_config}",
          str(build), str(src)], tmp_path, env)
    log = (build / "meson-logs" / "meson-log.txt").read_text(encoding="utf-8")
    assert "Skipping pkgconfig lookup, c_api.pkgconfig_path" in log
    assert f"Run-time dependency python found: YES {minor}" in log
    _run(["ninja", "-C", str(build)], tmp_path, env)
    module = build / f"m{tp.ext_suffix}"
    assert module.is_file(), sorted(p.name for p in build.iterdir())
    commands = json.loads((build / "compile_commands.json").read_text(encoding="utf-8"))
    assert f"-I{include}" in commands[0]["command"]
    with module.open("rb") as handle:
        elf = ELFFile(handle)
        assert elf.header["e_machine"] == ELF_MACHINE[target.arch]
        needed = [t.needed for t in elf.get_section_by_name(".dynamic").iter_tags()
                  if t.entry.d_tag == "DT_NEEDED"]
    assert not any("python" in lib for lib in needed), needed  # link_extensions false
    _run(["meson", "install", "-C", str(build), "--destdir", str(tmp_path / "dest")],
         tmp_path, env)
    assert [p.name for p in (tmp_path / "dest").rglob("m.*")] == [module.name]
    # The plain description names Debian's dispatching pyconfig.h as the header folder:
    # meson configures, but the compile cannot find <multiarch>/python3.X/pyconfig.h.
    raw = tmp_path / "raw.json"
    raw.write_text(fmts.render(tp, target, "build-details"), encoding="utf-8")
    _run(["meson", "setup", "--cross-file", str(cross), f"-Dpython.build_config={raw}",
          str(tmp_path / "raw"), str(src)], tmp_path, env)
    proc = subprocess.run(["ninja", "-C", str(tmp_path / "raw")], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert f"'{tp.multiarch}/python{minor}/pyconfig.h' file not found" in proc.stdout
