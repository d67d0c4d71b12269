"""The CPython 3.14 / 3.14t / 3.15 / 3.15t fixtures (tests/cpython_source.py): built from
Debian's source with zigcc's native toolchain, they report what CPython reports for
x86_64-linux-gnu, carry PEP 739's build-details.json, and serve as zigcc's build interpreter for
the native target, free-threaded ones included."""

from __future__ import annotations

import json
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from buildhelp import logs, wheels, zigcc_build
from conftest import ROOT
from cpython_source import SOURCES, BuiltPython, ensure_cpython

pytestmark = pytest.mark.slow

BUILDS = ("3.14", "3.14t", "3.15", "3.15t")
TARGET = "manylinux_2_17_x86_64"  # the native target: the build interpreter is the target
# examples/hello/hello.c
FIB_90 = 2880067194370816120
GREETING = "hello zigcc from C (sqrt(2) = 1.4142135623730951)"


@pytest.fixture(scope="module", params=BUILDS)
def built(request: pytest.FixtureRequest, cpython_source: Callable[..., BuiltPython]
          ) -> BuiltPython:
    name: str = request.param
    return cpython_source(name.rstrip("t"), name.endswith("t"))


def _json(python: BuiltPython, code: str, *options: str) -> dict[str, Any]:
    """Run ``code`` isolated (``-I``: no PYTHON* variables, no user site), with ``options``
    (e.g. ``-X gil=0``) before it; its stdout, as JSON."""
    result = python.run("-I", *options, "-c", textwrap.dedent(code))
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _tags(python: BuiltPython) -> str:
    """The wheel's python and ABI tags: ``cp314-cp314t``."""
    nodot = python.version.replace(".", "")
    return f"cp{nodot}-cp{nodot}{python.abiflags}"


def test_reports_its_build(built: BuiltPython) -> None:
    """Version, abiflags, Py_GIL_DISABLED and the GIL at run time; a second call is cached."""
    info = _json(built, """
        import json, sys, sysconfig
        print(json.dumps({"version_info": list(sys.version_info[:2]), "abiflags": sys.abiflags,
                          "Py_GIL_DISABLED": sysconfig.get_config_var("Py_GIL_DISABLED"),
                          "gil": sys._is_gil_enabled(), "executable": sys.executable,
                          "prefix": sys.prefix, "version": sys.version}))
    """)
    expected_version = Path(SOURCES[built.version][0]).name.split("_")[1].split(".orig")[0]
    assert built.version_full == expected_version.replace("~", "")
    assert built.version_full in info["version"]
    assert info["version_info"] == [int(part) for part in built.version.split(".")]
    assert info["abiflags"] == built.abiflags == ("t" if built.free_threaded else "")
    assert info["Py_GIL_DISABLED"] == (1 if built.free_threaded else 0)
    assert info["gil"] is (not built.free_threaded)
    assert Path(info["executable"]) == built.executable
    assert Path(info["prefix"]) == built.prefix
    assert built.info["CC"] and "/toolchains/" in str(built.info["CC"])  # zigcc's shim built it
    started = time.monotonic()
    again = ensure_cpython(built.version, built.free_threaded)
    assert time.monotonic() - started < 1
    assert again == built


def test_abi_names(built: BuiltPython) -> None:
    """EXT_SUFFIX / SOABI / MULTIARCH are CPython's for x86_64-linux-gnu."""
    info = _json(built, """
        import importlib.machinery, json, sysconfig
        names = ("EXT_SUFFIX", "SOABI", "MULTIARCH", "LDVERSION", "INCLUDEPY")
        print(json.dumps({**{n: sysconfig.get_config_var(n) for n in names},
                          "suffixes": importlib.machinery.EXTENSION_SUFFIXES}))
    """)
    soabi = f"cpython-{built.version.replace('.', '')}{built.abiflags}-x86_64-linux-gnu"
    assert info["SOABI"] == built.soabi == soabi
    assert info["EXT_SUFFIX"] == built.ext_suffix == f".{soabi}.so"
    assert info["MULTIARCH"] == "x86_64-linux-gnu"
    assert info["LDVERSION"] == built.ldversion
    assert Path(info["INCLUDEPY"]) == built.include_dir
    assert (built.include_dir / "Python.h").is_file()
    assert info["suffixes"][0] == built.ext_suffix
    assert info["suffixes"][-1] == ".so"


def test_build_details(built: BuiltPython) -> None:
    """PEP 739's build-details.json, installed in the stdlib folder, agrees with sysconfig."""
    assert built.build_details.is_file()
    details = json.loads(built.build_details.read_text())
    info = _json(built, """
        import importlib.machinery, json, sys, sysconfig
        v, impl = sys.version_info, sys.implementation
        print(json.dumps({"platform": sysconfig.get_platform(),
                          "version": sysconfig.get_python_version(),
                          "version_info": [v.major, v.minor, v.micro, v.releaselevel, v.serial],
                          "impl_version": list(impl.version), "cache_tag": impl.cache_tag,
                          "hexversion": sys.hexversion, "abiflags": sys.abiflags,
                          "prefix": sysconfig.get_config_var("prefix"),
                          "MULTIARCH": sysconfig.get_config_var("MULTIARCH"),
                          "INCLUDEPY": sysconfig.get_config_var("INCLUDEPY"),
                          "LIBDIR": sysconfig.get_config_var("LIBDIR"),
                          "LIBRARY": sysconfig.get_config_var("LIBRARY"),
                          "suffixes": importlib.machinery.EXTENSION_SUFFIXES,
                          "bindir": sysconfig.get_path("scripts")}))
    """)
    fields = ("major", "minor", "micro", "releaselevel", "serial")
    assert details["schema_version"] == "1.0"
    assert details["base_prefix"] == info["prefix"] == str(built.prefix)
    assert details["platform"] == info["platform"] == "linux-x86_64"
    assert details["language"]["version"] == info["version"] == built.version
    assert [details["language"]["version_info"][k] for k in fields] == info["version_info"]
    implementation = details["implementation"]
    assert implementation["name"] == "cpython"
    assert [implementation["version"][k] for k in fields] == info["impl_version"]
    assert implementation["cache_tag"] == info["cache_tag"]
    assert implementation["hexversion"] == info["hexversion"]
    assert implementation["_multiarch"] == info["MULTIARCH"] == "x86_64-linux-gnu"
    assert details["abi"]["flags"] == list(info["abiflags"]) == list(built.abiflags)
    assert details["suffixes"]["extensions"] == info["suffixes"]
    assert details["suffixes"]["extensions"][0] == built.ext_suffix
    assert details["c_api"]["headers"] == info["INCLUDEPY"] == str(built.include_dir)
    # base_interpreter is bin/python3.X, also in t builds (a hard link to python3.Xt there).
    base = Path(details["base_interpreter"])
    assert base.parent == Path(info["bindir"]) == built.executable.parent
    assert base.samefile(built.executable)
    static = Path(details["libpython"]["static"])
    assert static == Path(info["LIBDIR"]) / info["LIBRARY"] and static.is_file()


def test_zigcc_builds_hello_with_it(built: BuiltPython, no_system_compiler: dict[str, str],
                                    tmp_path: Path) -> None:
    """``zigcc build examples/hello --python 3.X[t] --build-python <it>`` for the native target
    gives a cp3X[t] wheel that imports in it; free-threaded, 8 threads call it at once with
    the GIL disabled."""
    out = tmp_path / "wheels"
    result = zigcc_build(ROOT / "examples" / "hello", TARGET, built.ldversion, out,
                         no_system_compiler, "--build-python", str(built.executable))
    output = result.stdout + result.stderr
    if result.returncode != 0 and "locate_file" in output + (logs(out) if out.is_dir() else ""):
        # zigcc/frontend/isolated.py installs build requirements with *this* interpreter's pip
        # (pip --python VENV): a pip older than the build interpreter (23.2 with 3.15) crashes.
        pip = metadata.version("pip")
        pytest.fail(f"pip {pip} of {sys.executable} cannot install into CPython "
                    f"{built.version_full} (TypeError ... 'locate_file'); zigcc's isolated.py "
                    f"uses it for the build requirements:\n{output[-2000:]}")
    assert result.returncode == 0, (output[-6000:] + (logs(out)[-4000:] if out.is_dir() else ""))
    assert "system compiler" not in result.stdout + result.stderr
    (wheel,) = wheels(out)
    assert f"-{_tags(built)}-manylinux" in wheel.name, wheel.name
    assert wheel.name.endswith("_x86_64.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    (so,) = site.glob("hello*.so")
    assert so.name == f"hello{built.ext_suffix}"
    code = f"""
        import json, sys, threading
        sys.path.insert(0, {str(site)!r})
        import hello
        ref = [0, 1]
        while len(ref) < 94:
            ref.append(ref[-1] + ref[-2])
        results, barrier = [], threading.Barrier(8)
        def work():
            barrier.wait()
            results.append(sum(hello.fib(i % 94) == ref[i % 94] for i in range(20000)))
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(json.dumps({{"file": hello.__file__, "fib": hello.fib(90),
                          "greet": hello.greet("zigcc"), "threads": results,
                          "gil": sys._is_gil_enabled()}}))
    """
    # hello.c does not declare Py_mod_gil: a free-threaded CPython would turn the GIL back on
    # when importing it (with a RuntimeWarning), so -X gil=0 keeps it off.
    info = _json(built, code, *(["-X", "gil=0"] if built.free_threaded else []))
    assert Path(info["file"]) == site / so.name
    assert info["fib"] == FIB_90
    assert info["greet"] == GREETING
    assert info["threads"] == [20000] * 8  # every call of every thread right
    assert info["gil"] is (not built.free_threaded)


def test_cli_reuses_the_cache(built: BuiltPython) -> None:
    """``python tests/cpython_source.py 3.X[t]`` prints the cached build's facts at once."""
    import subprocess

    name = built.version + ("t" if built.free_threaded else "")
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "cpython_source.py"), name],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert str(built.executable) in done.stdout
    assert built.ext_suffix in done.stdout
