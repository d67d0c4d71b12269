"""The target environment: sysconfigdata rendered as data, and a real interpreter started with
it answering for the target (sysconfig, platform, os.uname, packaging.tags, distutils)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from zigcc.python import description as pytarget
from zigcc.target.model import parse
from zigcc.targetenv import environment, sysconfigdata

AARCH64 = parse("manylinux_2_17_aarch64")
TOOLS = {"cc": "/tc/cc", "c++": "/tc/c++", "ar": "/tc/ar", "ranlib": "/tc/ranlib"}
INCLUDE = "/cache/pythons/x/include/python3.11"


def _details(**zig: Any) -> dict[str, Any]:
    """A PEP 739 description of an aarch64 CPython 3.11 (what a dump or pack holds)."""
    config = {"OPT": "-DNDEBUG -g -fwrapv -O2 -Wall", "BASECFLAGS": "-Wsign-compare",
              "CC": "aarch64-linux-gnu-gcc", "CONFIGURE_CFLAGS": "-fstack-protector-strong",
              "LDFLAGS": "-Wl,-z,relro", "SIZEOF_LONG": 8, "HOST_GNU_TYPE":
              "aarch64-unknown-linux-gnu", "prefix": "/usr", "BINDIR": "/usr/bin"}
    return {
        "schema_version": "1.0", "base_prefix": "/usr", "platform": "linux-aarch64",
        "language": {"version": "3.11"},
        "implementation": {"name": "cpython"},
        "abi": {"flags": [], "extension_suffix": ".cpython-311-aarch64-linux-gnu.so"},
        "c_api": {"headers": "/usr/include/python3.11"},
        "arbitrary_data": {"zigcc": {"MULTIARCH": "aarch64-linux-gnu", "config_vars": config,
                                     **zig}},
    }


def _target(**zig: Any) -> pytarget.TargetPython:
    return pytarget.from_details(_details(**zig), None, "test")


BUILD_VARS: dict[str, object] = {
    "CC": "gcc", "CFLAGS": "-O3", "EXT_SUFFIX": ".cpython-311-x86_64-linux-gnu.so",
    "MULTIARCH": "x86_64-linux-gnu", "prefix": "/opt/py", "BINDIR": "/opt/py/bin",
    "SIZEOF_LONG": 8, "HAVE_FORK": 1, "LDSHARED": "gcc -shared -L/opt/py/lib",
}


def test_every_build_key_kept_with_the_targets_values() -> None:
    out = sysconfigdata.sysconfig_vars(AARCH64, _target(), TOOLS, BUILD_VARS, INCLUDE)
    assert set(BUILD_VARS) <= set(out)
    assert out["HAVE_FORK"] == 1
    assert out["EXT_SUFFIX"] == ".cpython-311-aarch64-linux-gnu.so"
    assert out["SOABI"] == "cpython-311-aarch64-linux-gnu"
    assert out["MULTIARCH"] == "aarch64-linux-gnu"
    assert out["HOST_GNU_TYPE"] == "aarch64-unknown-linux-gnu"
    # Where the running installation lives stays the build interpreter's.
    assert out["prefix"] == "/opt/py" and out["BINDIR"] == "/opt/py/bin"


def test_toolchain_and_optimisation() -> None:
    out = sysconfigdata.sysconfig_vars(AARCH64, _target(), TOOLS, BUILD_VARS, INCLUDE)
    assert out["CC"] == "/tc/cc" and out["CXX"] == "/tc/c++" and out["AR"] == "/tc/ar"
    assert out["LDSHARED"] == "/tc/cc -shared"
    assert out["LDCXXSHARED"] == "/tc/c++ -shared"
    # The target's optimisation and -DNDEBUG, none of its distribution's hardening flags.
    assert out["CFLAGS"] == "-Wsign-compare -DNDEBUG -g -fwrapv -O2 -Wall"
    assert out["CONFIGURE_CFLAGS"] == "" and out["LDFLAGS"] == ""
    assert out["INCLUDEPY"] == INCLUDE and out["installed_base"] == "/cache/pythons/x"


def test_default_optimisation_and_prefix() -> None:
    tp = pytarget.from_details({**_details(), "arbitrary_data": {}}, None, "bare")
    out = sysconfigdata.sysconfig_vars(AARCH64, tp, TOOLS, BUILD_VARS, INCLUDE, prefix="/p")
    assert out["CFLAGS"] == "-DNDEBUG -g -fwrapv -O3 -Wall -I/p/include"
    assert out["LDSHARED"] == "/tc/cc -shared -L/p/lib"


def test_partial_description_gets_ilp32_sizes_on_32_bit() -> None:
    details = _details()
    details.update(platform="linux-armv7l")
    details["abi"]["extension_suffix"] = ".cpython-311-arm-linux-gnueabihf.so"
    details["arbitrary_data"] = {"zigcc": {"MULTIARCH": "arm-linux-gnueabihf"}}
    tp = pytarget.from_details(details, None, "armhf")
    out = sysconfigdata.sysconfig_vars(parse("manylinux_2_17_armv7l"), tp, TOOLS, BUILD_VARS,
                                   INCLUDE)
    assert (out["SIZEOF_LONG"], out["SIZEOF_VOID_P"], out["SIZEOF_SIZE_T"]) == (4, 4, 4)


def test_rendered_module_is_data() -> None:
    variables = {"A": "x'y", "B": 3}
    text = sysconfigdata.render_sysconfigdata(variables, AARCH64)
    tree = ast.parse(text)
    assert len(tree.body) == 1
    assert ast.literal_eval(tree.body[0].value) == variables  # type: ignore[attr-defined]


PROBE = """
import json, os, platform, sys, sysconfig
from packaging import tags
from setuptools._distutils import sysconfig as dsc
first = next(iter(tags.sys_tags()))
print(json.dumps({
    "ext": sysconfig.get_config_var("EXT_SUFFIX"), "platform": sysconfig.get_platform(),
    "include": sysconfig.get_paths()["include"], "machine": platform.machine(),
    "uname": os.uname().machine, "multiarch": sys.implementation._multiarch,
    "tag": str(first), "manylinux": [str(t) for t in tags.sys_tags()
                                     if "manylinux_2_" in str(t)][:1],
    "dist_inc": dsc.get_python_inc(), "dist_ext": dsc.get_config_var("EXT_SUFFIX"),
    "cc": sysconfig.get_config_var("CC"), "chained": os.environ.get("ZT_CHAINED"),
}))
"""


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the described target is 3.11")
def test_interpreter_started_in_it_answers_for_the_target(tmp_path: Path) -> None:
    pytest.importorskip("setuptools._distutils")
    build_vars = dict(sysconfig.get_config_vars())
    include = tmp_path / "pythons" / "x" / "include" / "python3.11"
    include.mkdir(parents=True)  # distutils takes INCLUDEPY only when it exists
    env = environment.materialise(AARCH64, _target(), TOOLS, {k: v for k, v in build_vars.items()
                                                            if isinstance(v, (str, int))},
                                str(include), tmp_path, inherited_pythonpath=str(tmp_path / "user"))
    # A sitecustomize the user had keeps running after zigcc's.
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "sitecustomize.py").write_text(
        "import os\nos.environ['ZT_CHAINED'] = 'yes'\n")
    run = subprocess.run([sys.executable, "-c", PROBE], env={**os.environ, **env.environ},
                         capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout)
    assert seen == {
        "ext": ".cpython-311-aarch64-linux-gnu.so", "platform": "linux-aarch64",
        "include": str(include), "machine": "aarch64", "uname": "aarch64",
        "multiarch": "aarch64-linux-gnu", "tag": f"{_cp()}-{_cp()}-linux_aarch64",
        "manylinux": [f"{_cp()}-{_cp()}-manylinux_2_17_aarch64"],
        "dist_inc": str(include), "dist_ext": ".cpython-311-aarch64-linux-gnu.so", "cc": "/tc/cc",
        "chained": "yes",
    }


def _cp() -> str:
    return "cp{}{}".format(*sys.version_info[:2])


def test_materialise_is_keyed_by_content(tmp_path: Path) -> None:
    a = environment.materialise(AARCH64, _target(), TOOLS, BUILD_VARS, INCLUDE, tmp_path)
    b = environment.materialise(AARCH64, _target(), TOOLS, BUILD_VARS, INCLUDE, tmp_path)
    c = environment.materialise(AARCH64, _target(), {**TOOLS, "cc": "/other/cc"}, BUILD_VARS,
                              INCLUDE, tmp_path)
    assert a.folder == b.folder != c.folder
    assert a.environ["_PYTHON_SYSCONFIGDATA_NAME"] == "_sysconfigdata__linux_aarch64-linux-gnu"
    assert (a.folder / "_sysconfigdata__linux_aarch64-linux-gnu.py").is_file()
    assert a.environ["PYTHONPATH"] == str(a.folder)


def test_extension_suffixes_answer_for_the_target(tmp_path: Path) -> None:
    """importlib.machinery.EXTENSION_SUFFIXES is the target's (meson and CMake's FindPython name
    stable-ABI modules after it: abi3t's for a 3.15t target, PEP 803), while this interpreter
    still imports its own extension modules."""
    env = environment.materialise(AARCH64, _target(), TOOLS, BUILD_VARS, INCLUDE, tmp_path)
    probe = ("import importlib.machinery, json, _decimal\n"
             "print(json.dumps([importlib.machinery.EXTENSION_SUFFIXES, _decimal.__file__]))")
    run = subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env.environ},
                         capture_output=True, text=True, check=True)
    suffixes, own = json.loads(run.stdout)
    assert suffixes == [".cpython-311-aarch64-linux-gnu.so", ".abi3.so", ".so"]
    assert own.endswith(sysconfig.get_config_var("EXT_SUFFIX"))
