"""zigcc/pytarget.py: one TargetPython from an interpreter, a JSON, a pack or a sysroot."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from zigcc.python import description as pytarget
from zigcc.python.description import TargetPython, TargetPythonError

REPO = Path(__file__).resolve().parent.parent.parent
MULTIARCH = "aarch64-linux-gnu"

# Debian bookworm arm64 python3.11 (3.11.2), a subset of its build_time_vars.
DEBIAN_ARM64_VARS: dict[str, Any] = {
    "ABIFLAGS": "",
    "AR": "aarch64-linux-gnu-gcc-ar",
    "BINDIR": "/usr/bin",
    "BINLIBDEST": "/usr/lib/aarch64-linux-gnu/python3.11",
    "BLDLIBRARY": "-lpython3.11",
    "CC": "aarch64-linux-gnu-gcc",
    "CCSHARED": "-fPIC",
    "CFLAGS": "-Wsign-compare -DNDEBUG -g -fwrapv -O2 -Wall -g   -fstack-protector-strong "
    "-Wformat -Werror=format-security  -g -fwrapv -O2   ",
    "CONFIG_ARGS": "'--enable-shared' '--prefix=/usr' '--libdir=/usr/lib/aarch64-linux-gnu' "
    "'--enable-ipv6' '--with-system-ffi' 'CC=aarch64-linux-gnu-gcc'",
    "CONFINCLUDEDIR": "/usr/include",
    "CONFINCLUDEPY": "/usr/include/python3.11",
    "CXX": "aarch64-linux-gnu-g++",
    "DESTLIB": "/usr/lib/python3.11",
    "DESTSHARED": "/usr/lib/python3.11/lib-dynload",
    "DOUBLE_IS_BIG_ENDIAN_IEEE754": 0,
    "DOUBLE_IS_LITTLE_ENDIAN_IEEE754": 1,
    "EXE": "",
    "EXT_SUFFIX": ".cpython-311-aarch64-linux-gnu.so",
    "HOST_GNU_TYPE": "aarch64-unknown-linux-gnu",
    "INCLUDEDIR": "/usr/include",
    "INCLUDEPY": "/usr/include/python3.11",
    "INSTALL": "/usr/bin/install -c",
    "INSTSONAME": "libpython3.11.so.1.0",
    "LDFLAGS": "  -g -fwrapv -O2   ",
    "LDLIBRARY": "libpython3.11.so",
    "LDSHARED": "aarch64-linux-gnu-gcc -shared -Wl,-O1 -Wl,-Bsymbolic-functions   -g -fwrapv -O2   ",
    "LDVERSION": "3.11",
    "LIBDEST": "/usr/lib/python3.11",
    "LIBDIR": "/usr/lib/aarch64-linux-gnu",
    "LIBPC": "/usr/lib/aarch64-linux-gnu/pkgconfig",
    "LIBPL": "/usr/lib/python3.11/config-3.11-aarch64-linux-gnu",
    "LIBPYTHON": "",
    "LIBRARY": "libpython3.11.a",
    "MACHDEP": "linux",
    "MACHDESTLIB": "/usr/lib/aarch64-linux-gnu/python3.11",
    "MULTIARCH": "aarch64-linux-gnu",
    "PY3LIBRARY": "libpython3.so",
    "Py_DEBUG": 0,
    "Py_ENABLE_SHARED": 1,
    "SCRIPTDIR": "/usr/lib",
    "SHLIB_SUFFIX": ".so",
    "SIZEOF_LONG": 8,
    "SIZEOF_VOID_P": 8,
    "SOABI": "cpython-311-aarch64-linux-gnu",
    "TZPATH": "/usr/share/zoneinfo:/usr/lib/zoneinfo:/usr/share/lib/zoneinfo:/etc/zoneinfo",
    "VERSION": "3.11",
    "WITH_PYMALLOC": 1,
    "datarootdir": "/usr/share",
    "exec_prefix": "/usr",
    "prefix": "/usr",
    "srcdir": "..",
}
DISPATCH_PYCONFIG = """\
#if defined(__linux__)
# if defined(__x86_64__) && defined(__LP64__)
#  include <x86_64-linux-gnu/python3.11/pyconfig.h>
# elif defined(__aarch64__) && defined(__AARCH64EL__)
#  include <aarch64-linux-gnu/python3.11/pyconfig.h>
# elif defined(__ARM_EABI__) && defined(__ARM_PCS_VFP)
#  include <arm-linux-gnueabihf/python3.11/pyconfig.h>
# else
#   error unknown multiarch location for pyconfig.h
# endif
#endif
"""
REAL_PYCONFIG = "#ifndef Py_PYCONFIG_H\n#define Py_PYCONFIG_H\n#define SIZEOF_VOID_P 8\n#endif\n"


def write_sysconfigdata(path: Path, build_vars: dict[str, Any], trap: bool = True) -> None:
    """A _sysconfigdata module whose execution would kill the process (exit code 3)."""
    body = "import os; os._exit(3)\n" if trap else ""
    body += "# system configuration generated and used by the sysconfig module\n"
    body += f"build_time_vars = {build_vars!r}\n"
    body += "raise SystemExit('executed, not parsed')\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def make_debian_sysroot(
    root: Path, version: str = "3.11", build_vars: dict[str, Any] | None = None
) -> Path:
    """A fake Debian arm64 layout for python``version`` under ``root``."""
    bvars = dict(DEBIAN_ARM64_VARS if build_vars is None else build_vars)
    if version != "3.11":
        bvars = json.loads(
            json.dumps(bvars).replace("3.11", version).replace("311", version.replace(".", ""))
        )
    libdest = root / "usr" / "lib" / f"python{version}"
    write_sysconfigdata(libdest / f"_sysconfigdata__linux_{MULTIARCH}.py", bvars)
    decoy = dict(bvars, EXT_SUFFIX=".decoy.so")  # the non-multiarch twin and a debug build
    write_sysconfigdata(libdest / f"_sysconfigdata__{MULTIARCH}.py", decoy)
    write_sysconfigdata(libdest / f"_sysconfigdata_d_linux_{MULTIARCH}.py", decoy)
    inc = root / "usr" / "include" / f"python{version}"
    inc.mkdir(parents=True)
    (inc / "Python.h").write_text('#include "pyconfig.h"\n')
    (inc / "patchlevel.h").write_text(f'#define PY_VERSION              "{version}.2"\n')
    (inc / "pyconfig.h").write_text(DISPATCH_PYCONFIG.replace("3.11", version))
    real = root / "usr" / "include" / MULTIARCH / f"python{version}"
    real.mkdir(parents=True)
    (real / "pyconfig.h").write_text(REAL_PYCONFIG)
    libdir = root / "usr" / "lib" / MULTIARCH
    libdir.mkdir(parents=True, exist_ok=True)
    (libdir / f"libpython{version}.so.1.0").write_bytes(b"\x7fELF fake")
    (libdir / f"libpython{version}.so.1").symlink_to(f"libpython{version}.so.1.0")
    (libdir / f"libpython{version}.so").symlink_to(f"libpython{version}.so.1")
    return root


def _one_line(exc: pytest.ExceptionInfo[TargetPythonError], path: Path) -> str:
    text = str(exc.value)
    assert "\n" not in text and str(path) in text, text
    return text


# ---------------------------------------------------------------- sysroot


def test_from_sysroot_debian_arm64(tmp_path: Path) -> None:
    root = make_debian_sysroot(tmp_path / "sysroot")
    usr = root / "usr"
    t = pytarget.from_sysroot(str(root))
    assert t.implementation == "cpython"
    assert t.version == (3, 11) and t.version_full == "3.11.2"
    assert t.abiflags == ""
    assert t.platform == "linux-aarch64"
    assert t.multiarch == MULTIARCH
    assert t.ext_suffix == ".cpython-311-aarch64-linux-gnu.so"
    assert t.soabi == "cpython-311-aarch64-linux-gnu"
    assert t.pointer_size == 64 and t.byteorder == "little"
    assert t.gil_disabled is False and t.debug is False
    assert t.include_dirs == (
        str(usr / "include" / "python3.11"),
        str(usr / "include" / MULTIARCH / "python3.11"),
    )
    assert t.libdir == str(usr / "lib" / MULTIARCH)
    assert t.ldlibrary == "libpython3.11.so"
    assert t.libpython == str(usr / "lib" / MULTIARCH / "libpython3.11.so")
    assert t.sysconfigdata_name == "_sysconfigdata__linux_aarch64-linux-gnu"
    assert t.source == str(root)
    cv = t.config_vars
    assert cv["INCLUDEPY"] == str(usr / "include" / "python3.11")
    assert cv["LIBDIR"] == t.libdir and cv["LIBPL"] == str(
        usr / "lib/python3.11/config-3.11-aarch64-linux-gnu"
    )
    assert cv["prefix"] == str(usr) and cv["srcdir"] == ".."  # relative values untouched
    assert cv["TZPATH"] == DEBIAN_ARM64_VARS["TZPATH"] and cv["INSTALL"] == "/usr/bin/install -c"
    assert cv["CC"] == "aarch64-linux-gnu-gcc" and cv["SIZEOF_VOID_P"] == 8
    with pytest.raises(TypeError):
        cv["CC"] = "gcc"  # type: ignore[index]
    assert pytarget.dispatch_include_root(t) == str(usr / "include")
    pytarget.check_buildable(t)
    assert pytarget.load(str(root)) == t


def test_sysroot_module_is_parsed_not_run(tmp_path: Path) -> None:
    """Loading in a child process: os._exit(3) at the top of the module would show."""
    root = make_debian_sysroot(tmp_path / "sysroot")
    code = "import sys; from zigcc.python import description as pytarget; print(pytarget.from_sysroot(sys.argv[1]).ext_suffix)"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-c", code, str(root)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ".cpython-311-aarch64-linux-gnu.so"


def test_sysroot_absolute_symlink_and_static_only(tmp_path: Path) -> None:
    bvars = dict(DEBIAN_ARM64_VARS, Py_ENABLE_SHARED=0, LDLIBRARY="libpython3.11.a")
    root = make_debian_sysroot(tmp_path / "r", build_vars=bvars)
    libdir = root / "usr" / "lib" / MULTIARCH
    for name in ("libpython3.11.so", "libpython3.11.so.1", "libpython3.11.so.1.0"):
        (libdir / name).unlink()
    config = root / "usr/lib/python3.11/config-3.11-aarch64-linux-gnu"
    config.mkdir(parents=True)
    (config / "libpython3.11.a").write_bytes(b"!<arch>\n")
    # Debian-style link, but absolute: it must resolve inside the sysroot, not on the host.
    (libdir / "libpython3.11.a").symlink_to(
        "/usr/lib/python3.11/config-3.11-aarch64-linux-gnu/libpython3.11.a"
    )
    t = pytarget.from_sysroot(str(root))
    assert t.ldlibrary == "libpython3.11.a"
    assert t.libpython == str(config / "libpython3.11.a")


def test_sysroot_several_pythons(tmp_path: Path) -> None:
    root = make_debian_sysroot(tmp_path / "sysroot")
    make_debian_sysroot(root, version="3.13")
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_sysroot(str(root))
    text = _one_line(exc, root)
    assert "3.11, 3.13" in text and "version" in text
    assert (
        pytarget.from_sysroot(str(root), (3, 13)).ext_suffix == ".cpython-313-aarch64-linux-gnu.so"
    )
    assert pytarget.from_sysroot(str(root), (3, 11)).version_full == "3.11.2"
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_sysroot(str(root), (3, 12))
    assert "3.12" in _one_line(exc, root)


def test_sysroot_without_sysconfigdata(tmp_path: Path) -> None:
    (tmp_path / "usr" / "lib" / "python3.11").mkdir(parents=True)
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_sysroot(str(tmp_path))
    text = _one_line(exc, tmp_path)
    assert "no usr/lib/python3.*/_sysconfigdata_*.py found" in text and "zigcc.python.dump" in text
    with pytest.raises(TargetPythonError):
        pytarget.load(str(tmp_path))


def test_sysroot_bad_sysconfigdata(tmp_path: Path) -> None:
    bad = tmp_path / "usr/lib/python3.11" / f"_sysconfigdata__linux_{MULTIARCH}.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("build_time_vars = dict(os.environ)\n")
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_sysroot(str(tmp_path))
    assert "build_time_vars" in _one_line(exc, bad)
    write_sysconfigdata(bad, {k: v for k, v in DEBIAN_ARM64_VARS.items() if k != "EXT_SUFFIX"})
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_sysroot(str(tmp_path))
    assert "EXT_SUFFIX" in _one_line(exc, bad)


def test_arch_helpers() -> None:
    assert pytarget.linux_sysconfig_platform("arm-linux-gnueabihf") == "linux-armv7l"
    assert pytarget.linux_sysconfig_platform("powerpc64le-linux-gnu") == "linux-ppc64le"
    assert pytarget.linux_sysconfig_platform("i386-linux-gnu") == "linux-i686"
    assert pytarget.guess_pointer_size("arm-linux-gnueabihf") == 32
    assert pytarget.guess_pointer_size("x86_64-linux-gnux32") == 32
    assert pytarget.guess_pointer_size("s390x-linux-gnu") == 64
    assert pytarget.guess_byteorder("s390x-linux-gnu") == "big"
    assert pytarget.guess_byteorder("linux-ppc64le") == "little"
    assert (
        pytarget.soabi_from_suffix(".cpython-313t-x86_64-linux-gnu.so")
        == "cpython-313t-x86_64-linux-gnu"
    )
    assert pytarget.soabi_from_suffix(".cp311-win_amd64.pyd") == "cp311-win_amd64"
    assert pytarget.soabi_from_suffix(".so") is None


# ---------------------------------------------------------------- JSON, packs, running


def _dump_running(path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-m", "zigcc.python.dump", "-o", str(path)], env=env, check=True)


BUILD_FIELDS = [f.name for f in dataclasses.fields(TargetPython) if f.name != "source"]


def test_running_equals_its_dump(tmp_path: Path) -> None:
    _dump_running(tmp_path / "bd.json")
    running = pytarget.from_running_interpreter()
    dumped = pytarget.from_json(str(tmp_path / "bd.json"))
    for name in BUILD_FIELDS:
        assert getattr(running, name) == getattr(dumped, name), name
    assert running.source == "running interpreter" and dumped.source == str(tmp_path / "bd.json")
    assert pytarget.load("current") == running
    assert hash(running) == hash(dataclasses.replace(dumped, source=running.source))


def test_running_matches_sysconfig() -> None:
    import struct
    import sysconfig

    t = pytarget.from_running_interpreter()
    assert t.version == sys.version_info[:2] and t.abiflags == sys.abiflags
    assert t.ext_suffix == sysconfig.get_config_var("EXT_SUFFIX")
    assert t.soabi == sysconfig.get_config_var("SOABI")
    assert t.platform == sysconfig.get_platform()
    assert t.pointer_size == struct.calcsize("P") * 8 and t.byteorder == sys.byteorder
    assert t.include_dirs[0] == sysconfig.get_config_var("INCLUDEPY")
    assert t.config_vars["EXT_SUFFIX"] == t.ext_suffix
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.abiflags = "t"  # type: ignore[misc]


def write_plain_314(prefix: Path, freethreaded: bool = False) -> Path:
    """A CPython 3.14-style build-details.json with relative paths (no zigcc extras)."""
    flags = ["t"] if freethreaded else []
    name = "python3.14" + "".join(flags)
    (prefix / "include" / name).mkdir(parents=True)
    (prefix / "include" / name / "Python.h").write_text("")
    (prefix / "include" / name / "pyconfig.h").write_text(REAL_PYCONFIG)
    (prefix / "lib").mkdir()
    (prefix / "lib" / f"lib{name}.so.1.0").write_bytes(b"")
    details: dict[str, Any] = {
        "schema_version": "1.0",
        "base_prefix": "../..",
        "base_interpreter": "./bin/python3.14",
        "platform": "linux-riscv64",
        "language": {"version": "3.14", "version_info": {"major": 3, "minor": 14, "micro": 0, "releaselevel": "candidate", "serial": 3}},
        "implementation": {"name": "cpython", "version": {"major": 3, "minor": 14, "micro": 0, "releaselevel": "candidate", "serial": 3}, "hexversion": 51249347, "cache_tag": "cpython-314", "_multiarch": "riscv64-linux-gnu"},
        "abi": {"flags": flags, "extension_suffix": f".cpython-314{''.join(flags)}-riscv64-linux-gnu.so", "stable_abi_suffix": ".abi3.so"},
        "suffixes": {"source": [".py"], "bytecode": [".pyc"], "extensions": [".so"]},
        "libpython": {"dynamic": f"./lib/lib{name}.so.1.0", "link_extensions": False},
        "c_api": {"headers": f"./include/{name}"},
    }  # fmt: skip
    if freethreaded:
        del details["abi"]["extension_suffix"]  # static builds may omit it
    path = prefix / "lib" / name / "build-details.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(details))
    return path


def test_plain_pep739_file(tmp_path: Path) -> None:
    path = write_plain_314(tmp_path / "prefix")
    t = pytarget.load(str(path))
    prefix = tmp_path / "prefix"
    assert (t.version, t.version_full, t.abiflags) == ((3, 14), "3.14.0rc3", "")
    assert t.platform == "linux-riscv64" and t.multiarch == "riscv64-linux-gnu"
    assert (
        t.ext_suffix == ".cpython-314-riscv64-linux-gnu.so"
        and t.soabi == "cpython-314-riscv64-linux-gnu"
    )
    assert t.pointer_size == 64 and t.byteorder == "little"
    assert t.include_dirs == (str(prefix / "include" / "python3.14"),)
    assert t.libdir == str(prefix / "lib") and t.ldlibrary == "libpython3.14.so.1.0"
    assert t.libpython == str(prefix / "lib" / "libpython3.14.so.1.0")
    assert t.sysconfigdata_name == "_sysconfigdata__linux_riscv64-linux-gnu"
    assert t.config_vars["EXT_SUFFIX"] == t.ext_suffix and t.config_vars["Py_ENABLE_SHARED"] == 1
    assert t.config_vars["INCLUDEPY"] == t.include_dirs[0] and "CC" not in t.config_vars


def test_plain_pep739_freethreaded_without_suffix(tmp_path: Path) -> None:
    t = pytarget.from_json(str(write_plain_314(tmp_path / "p", freethreaded=True)))
    assert t.gil_disabled and t.abiflags == "t" and not t.debug
    assert t.ext_suffix == ".cpython-314t-riscv64-linux-gnu.so"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an object"),
        (json.dumps({"base_prefix": "/usr"}), "missing key schema_version"),
        (json.dumps({"schema_version": 1}), "schema_version"),
        (json.dumps({"schema_version": "2.0"}), "only 1.x"),
        (
            json.dumps(
                {
                    "schema_version": "1.0",
                    "base_prefix": ".",
                    "arbitrary_data": {"zigcc": {"format": 9}},
                }
            ),
            "arbitrary_data.zigcc.format",
        ),
        (
            json.dumps({"schema_version": "1.0", "platform": "linux-x86_64"}),
            "missing key base_prefix",
        ),
        (
            json.dumps(
                {
                    "schema_version": "1.0",
                    "base_prefix": ".",
                    "platform": "x",
                    "language": {"version": 3},
                }
            ),
            "language.version",
        ),
    ],
)
def test_bad_json(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bd.json"
    path.write_text(content)
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_json(str(path))
    assert needle in _one_line(exc, path)


def test_missing_inputs(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    for loader in (pytarget.from_json, pytarget.load):
        with pytest.raises(TargetPythonError) as exc:
            loader(str(missing))
        _one_line(exc, missing)
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_pack(str(tmp_path))
    assert "build-details.json" in _one_line(exc, tmp_path)
    with pytest.raises(TargetPythonError) as exc:
        pytarget.from_sysroot(str(missing))
    _one_line(exc, missing)


def test_load_dispatch(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    _dump_running(pack / "build-details.json")
    assert pytarget.load(str(pack)).source == str(pack / "build-details.json")
    assert (
        pytarget.load(str(pack / "build-details.json")).ext_suffix
        == pytarget.load("current").ext_suffix
    )


def test_check_buildable(tmp_path: Path) -> None:
    root = make_debian_sysroot(tmp_path / "sysroot")
    (root / "usr/include/python3.11/Python.h").unlink()
    t = pytarget.from_sysroot(str(root))
    with pytest.raises(TargetPythonError) as exc:
        pytarget.check_buildable(t)
    assert "Python.h" in _one_line(exc, root / "usr/include/python3.11")


# ---------------------------------------------------------------- sysroots with build-details


def _write_debian_details(root: Path, version: str, flags: str = "") -> Path:
    """Debian's ``build-details.<flags>.<multiarch>.json`` for python``version``+``flags``."""
    tag = version.replace(".", "") + flags
    libdest = root / "usr" / "lib" / f"python{version}{flags}"
    details = {
        "schema_version": "1.0", "base_prefix": "/usr", "platform": "linux-aarch64",
        "language": {"version": version},
        "implementation": {"name": "cpython", "_multiarch": MULTIARCH,
                           "version": {"major": 3, "minor": int(version[2:]), "micro": 9,
                                       "releaselevel": "final", "serial": 0}},
        "abi": {"flags": list(flags)},
        "suffixes": {"extensions": [f".cpython-{tag}-{MULTIARCH}.so", ".abi3.so", ".so"]},
        "libpython": {"static": f"/usr/lib/{MULTIARCH}/libpython{version}{flags}.a"},
        "c_api": {"headers": f"/usr/include/python{version}{flags}"},
    }
    path = libdest / f"build-details.{flags}.{MULTIARCH}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(details))
    return path


def test_sysroot_with_several_build_details(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_debian_sysroot(root, "3.14")
    make_debian_sysroot(root, "3.15")
    d314, d315 = (_write_debian_details(root, v) for v in ("3.14", "3.15"))
    bvars = json.loads(json.dumps(DEBIAN_ARM64_VARS).replace("3.11", "3.14t").replace("311", "314t"))
    bvars.update(ABIFLAGS="t", Py_GIL_DISABLED=1, VERSION="3.14")
    write_sysconfigdata(root / "usr/lib/python3.14t" / f"_sysconfigdata_t_linux_{MULTIARCH}.py",
                        bvars)
    d314t = _write_debian_details(root, "3.14", "t")
    inc = root / "usr/include/python3.14t"
    inc.mkdir()
    (inc / "pyconfig.h").write_text(REAL_PYCONFIG)
    with pytest.raises(TargetPythonError, match="passing its build-details file"):
        pytarget.load(str(root))
    for path, version, flags in ((d314, (3, 14), ""), (d315, (3, 15), ""), (d314t, (3, 14), "t")):
        tp = pytarget.load(str(path))
        assert (tp.version, tp.abiflags, tp.version_full) == (version, flags, f"{version[1]}.9"
                                                              .join(("3.", "")))
        assert tp.ext_suffix == f".cpython-3{version[1]}{flags}-{MULTIARCH}.so"
        assert tp.include_dirs[0] == str(root / f"usr/include/python3.{version[1]}{flags}")
        assert tp.config_vars["ABIFLAGS"] == flags and tp.source == str(path)
        assert tp == dataclasses.replace(
            pytarget.from_sysroot(str(root), version, threaded=bool(flags)), source=str(path))
    # the sysconfigdata names of the chosen ABI only: upstream's, then Debian's legacy one
    tp = pytarget.from_sysroot(str(root), (3, 14), threaded=False)
    assert tp.sysconfigdata_names == (f"_sysconfigdata__linux_{MULTIARCH}",
                                      f"_sysconfigdata__{MULTIARCH}")
    assert tp.ext_suffix == f".cpython-314-{MULTIARCH}.so"  # the details file's, not the decoy's


def test_sysroot_sysconfigdata_name_is_the_interpreters(tmp_path: Path) -> None:
    """Debian's 3.11 imports its legacy name, 3.13+ upstream's (``sys.platform`` in the name)."""
    root = make_debian_sysroot(tmp_path / "root")
    libdest = root / "usr/lib/python3.11"
    assert pytarget.from_sysroot(str(root)).sysconfigdata_name == f"_sysconfigdata__linux_{MULTIARCH}"
    (libdest / "sysconfig.py").write_text(
        "def _get_sysconfigdata_name():\n"
        "    multiarch = getattr(sys.implementation, '_multiarch', '')\n"
        "    return os.environ.get('_PYTHON_SYSCONFIGDATA_NAME',\n"
        "        f'_sysconfigdata_{sys.abiflags}_{multiarch}')\n\ndef other(): platform\n")
    tp = pytarget.from_sysroot(str(root))
    assert tp.sysconfigdata_name == f"_sysconfigdata__{MULTIARCH}"
    assert tp.ext_suffix == ".cpython-311-aarch64-linux-gnu.so"  # still read from upstream's
