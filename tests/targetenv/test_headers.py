"""Pointing setuptools at a target Python: compatibility checks and the generated files."""

from __future__ import annotations

import configparser
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zigcc.errors import ZigccError
from zigcc.python import compat
from zigcc.python import description as pytarget
from zigcc.target.model import parse
from zigcc.targetenv import headers

HERE = pytarget.from_running_interpreter()


def _native_tag() -> str:
    return {"x86_64": "manylinux_2_17_x86_64", "aarch64": "manylinux_2_17_aarch64"}[
        HERE.platform.split("-")[1]]


def test_target_for_uses_the_arch_floor() -> None:
    assert compat.target_for(dataclasses.replace(HERE, platform="linux-riscv64")
                                 ).zig_target == "riscv64-linux-gnu.2.27"
    assert compat.target_for(dataclasses.replace(HERE, platform="linux-armv7l")
                                 ).wheel_platform == "manylinux_2_17_armv7l.manylinux2014_armv7l"
    with pytest.raises(ZigccError, match="pass --target"):
        compat.target_for(dataclasses.replace(HERE, platform="macosx-11.0-arm64"))
    # A musl Python (CPython names it *-linux-musl) gets a musllinux target.
    musl = dataclasses.replace(HERE, platform="linux-aarch64", multiarch="aarch64-linux-musl",
                               ext_suffix=".cpython-313-aarch64-linux-musl.so")
    assert compat.target_for(musl).wheel_platform == "musllinux_1_2_aarch64"
    with pytest.raises(ZigccError, match="must agree"):
        compat.check_compatible(musl, parse("manylinux_2_17_aarch64"), HERE.version,
                                    HERE.abiflags)


@pytest.mark.parametrize(("change", "target", "message"), [
    ({"version": (3, 99)}, None, "run it with the same version: python3.99 -m zigcc"),
    ({"abiflags": "t"}, None, f"python3.{sys.version_info[1]}t"),
    ({}, "manylinux_2_17_s390x", "not one for manylinux_2_17_s390x"),
    ({"byteorder": "big"}, None, "big-endian"),
])
def test_incompatible_target_pythons_are_refused(change: dict[str, object], target: str | None,
                                                 message: str) -> None:
    tp = dataclasses.replace(HERE, **change)  # type: ignore[arg-type]
    with pytest.raises(ZigccError, match=message.replace(".", r"\.").replace("(", r"\(")):
        compat.check_compatible(tp, parse(target or _native_tag()), sys.version_info[:2],
                                    sys.abiflags)


def test_prepare_merges_the_real_pyconfig_and_writes_the_dist_config(tmp_path: Path) -> None:
    """A Debian-style include dir whose pyconfig.h only dispatches to the multiarch one."""
    main, real = tmp_path / "usr/include/python3.11", tmp_path / "usr/include/x/python3.11"
    main.mkdir(parents=True)
    real.mkdir(parents=True)
    (main / "Python.h").write_text("#include \"pyconfig.h\"\n")
    (main / "pyconfig.h").write_text("#include <x/python3.11/pyconfig.h>\n")
    (real / "pyconfig.h").write_text("#define SIZEOF_LONG 8\n")
    tp = dataclasses.replace(HERE, include_dirs=(str(main), str(real)), source=str(tmp_path))
    target = parse(_native_tag())
    folder = headers.prepare(tp, target, tmp_path / "cache")
    assert headers.prepare(tp, target, tmp_path / "cache") == folder  # cached
    assert folder.stat().st_mode & 0o777 == 0o755  # like the toolchain folders
    inc = folder / "include" / "python{}.{}{}".format(*tp.version, tp.abiflags)
    assert (inc / "pyconfig.h").read_text() == "#define SIZEOF_LONG 8\n"
    assert (inc / "Python.h").is_file()
    cfg = configparser.ConfigParser()
    cfg.read(folder / "setup.cfg")
    assert cfg["build_ext"]["include_dirs"] == str(inc)
    assert cfg["bdist_wheel"]["plat_name"] == target.platform_tags[0]
    env = headers.python_env(tp, target, folder)
    assert env["SETUPTOOLS_EXT_SUFFIX"] == tp.ext_suffix
    assert env["DIST_EXTRA_CONFIG"] == str(folder / "setup.cfg")
    # Never CFLAGS: distutils would replace the interpreter's -DNDEBUG -O3 with it.
    assert not {"CFLAGS", "CXXFLAGS", "LDFLAGS"} & set(env)


def test_prepare_without_headers_says_what_to_install(tmp_path: Path) -> None:
    tp = dataclasses.replace(HERE, include_dirs=(str(tmp_path / "none"),), source="/x/sysroot")
    with pytest.raises(ZigccError, match=r"/x/sysroot: no Python\.h in .*none; .*libpython3\.X-dev"):
        headers.prepare(tp, parse(_native_tag()), tmp_path)
    assert not any((tmp_path / "pythons").iterdir())  # nothing half written


@pytest.mark.parametrize(("python", "needle"), [
    ("/nonexistent/sysroot", "/nonexistent/sysroot"),
    ("{tmp}", "_sysconfigdata"),
])
def test_cli_bad_python_is_one_line(python: str, needle: str, tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "zigcc", "env", "--python",
                          python.format(tmp=tmp_path)], capture_output=True, text=True,
                         env={**os.environ, "ZIGCC_CACHE_DIR": str(tmp_path / "c")})
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("ERROR ") and out.stderr.count("\n") == 1
    assert needle in out.stderr


def test_cli_env_for_the_running_interpreter(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "zigcc", "env", "--python", "current",
                          "--shell", "json"], capture_output=True, text=True, check=True,
                         env={**os.environ, "ZIGCC_CACHE_DIR": str(tmp_path)})
    assert f'"SETUPTOOLS_EXT_SUFFIX": "{HERE.ext_suffix}"' in out.stdout
