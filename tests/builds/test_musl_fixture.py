"""The musl CPython 3.11 fixture (tests/musl_cpython.py) is a real, dynamically linked musl
interpreter that loads extension modules with dlopen: what a musllinux_1_2_x86_64 wheel needs."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import packaging
import pytest
from conftest import MuslPythons
from elftools.elf.elffile import ELFFile
from musl_cpython import MuslPython, elf_interpreter, ensure_musl_python, toolchain

pytestmark = pytest.mark.slow

# CPython 3.11's rule: configure turns the x86_64-linux-gnu triplet into x86_64-linux-musl when
# the build system is musl (native builds, as on Alpine and in this fixture).
EXT_SUFFIX = ".cpython-311-x86_64-linux-musl.so"
SOABI = "cpython-311-x86_64-linux-musl"
MULTIARCH = "x86_64-linux-musl"


@pytest.fixture(scope="module")
def musl(musl_python: MuslPythons) -> MuslPython:
    return musl_python()


def _json(musl: MuslPython, code: str, **kwargs: object) -> dict[str, object]:
    result = musl.run("-c", textwrap.dedent(code), **kwargs)  # type: ignore[arg-type]
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_cached(musl: MuslPython) -> None:
    """A second call reuses the build: same interpreter, same facts."""
    again = ensure_musl_python()
    assert again == musl
    assert musl.python.is_file() and musl.prefix / "bin" / "python3.11" == musl.python
    assert musl.command("-V") == [str(musl.python), "-V"]
    assert musl.version_info[:2] == (3, 11)


def test_linked_against_musl(musl: MuslPython) -> None:
    """An x86_64 dynamic executable whose PT_INTERP is the fixture's musl loader, needing only
    libc.so (no libpython, no glibc symbol versions)."""
    with musl.python.open("rb") as handle:
        elf = ELFFile(handle)
        assert elf["e_machine"] == "EM_X86_64"
        assert elf.elfclass == 64
        interps = [seg.get_interp_name() for seg in elf.iter_segments()
                   if seg["p_type"] == "PT_INTERP"]
        assert elf.get_section_by_name(".gnu.version_r") is None  # no GLIBC_2.x requirements
        dynamic = elf.get_section_by_name(".dynamic")
        needed = [tag.needed for tag in dynamic.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    assert interps == [str(musl.loader)]
    assert elf_interpreter(musl.python) == str(musl.loader)
    assert needed == ["libc.so"]
    assert musl.loader.name == "ld-musl-x86_64.so.1"
    assert musl.loader.resolve().name == "libc.so"  # musl's loader is its libc
    banner = subprocess.run([str(musl.loader)], capture_output=True, text=True)
    lines = banner.stderr.splitlines()
    assert lines[0] == "musl libc (x86_64)", banner.stderr
    assert lines[1] == f"Version {musl.musl_version}"
    assert musl.musl_version.startswith("1.2.")
    # The interpreter reports its own loader: /proc/self/maps has it mapped.
    maps = musl.run("-c", "print(open('/proc/self/maps').read())")
    assert maps.returncode == 0, maps.stderr
    mapped = {line.split()[-1] for line in maps.stdout.splitlines() if "/" in line}
    assert str(musl.loader.resolve()) in mapped
    assert not any("x86_64-linux-gnu" in path or "/libc.so.6" in path for path in mapped)


def test_sysconfig_abi(musl: MuslPython) -> None:
    """EXT_SUFFIX / SOABI / MULTIARCH as CPython 3.11 reports them on musl."""
    info = _json(musl, """
        import importlib.machinery, json, sys, sysconfig
        print(json.dumps({
            "EXT_SUFFIX": sysconfig.get_config_var("EXT_SUFFIX"),
            "SOABI": sysconfig.get_config_var("SOABI"),
            "MULTIARCH": sysconfig.get_config_var("MULTIARCH"),
            "suffixes": importlib.machinery.EXTENSION_SUFFIXES,
            "platform": sysconfig.get_platform(),
            "version": list(sys.version_info[:2]),
            "prefix": sys.prefix,
            "executable": sys.executable,
        }))
    """)
    print(f"musl CPython: {info}")
    assert info["EXT_SUFFIX"] == EXT_SUFFIX == musl.ext_suffix
    assert info["SOABI"] == SOABI == musl.soabi
    assert info["MULTIARCH"] == MULTIARCH == musl.multiarch
    assert info["suffixes"] == [EXT_SUFFIX, ".abi3.so", ".so"]
    assert info["platform"] == "linux-x86_64"
    assert info["version"] == [3, 11]
    assert info["prefix"] == str(musl.prefix)
    assert info["executable"] == str(musl.python)


# (module, a statement exercising it): the extension modules are .so files loaded with dlopen.
STDLIB = {
    "math": "assert math.isclose(math.gamma(5), 24.0) and math.lcm(4, 6) == 12",
    "_struct": "import struct; assert struct.unpack('<q', struct.pack('<q', -2)) == (-2,)",
    "select": "assert select.poll() and select.epoll().close() is None",
    "_socket": "import socket; a, b = socket.socketpair(); a.sendall(b'x'); assert b.recv(1) == b'x'",
    "_json": "import json, json.decoder; assert json.decoder.c_scanstring is _json.scanstring; "
             "assert json.loads('[1, {\"a\": null}]') == [1, {'a': None}]",
    "zlib": "assert zlib.decompress(zlib.compress(b'musl' * 100)) == b'musl' * 100",
    "binascii": "assert binascii.crc32(b'abc') == 891568578",
    "_sha256": "import hashlib; assert hashlib.sha256(b'').hexdigest().startswith('e3b0c442')",
    "_blake2": "import hashlib; assert hashlib.blake2b(b'', digest_size=4).hexdigest() == '1271cf25'",
    "_ctypes": "import ctypes; libc = ctypes.CDLL(None); assert libc.strlen(b'musl') == 4",
    "_decimal": "import decimal; assert str(decimal.Decimal(1) / 8) == '0.125'",
    "_datetime": "import datetime; assert datetime.date(2024, 2, 29).isoformat() == '2024-02-29'",
    "pyexpat": "import xml.dom.minidom as m; assert m.parseString('<a b=\"1\"/>').firstChild.tagName == 'a'",
    "_posixsubprocess": "import subprocess, sys; assert subprocess.run([sys.executable, '-c', "
                        "'print(7)'], capture_output=True).stdout == b'7\\n'",
    "array": "assert array.array('d', [1.5]).tobytes() == bytes.fromhex('000000000000f83f')",
    "unicodedata": "assert unicodedata.name('\\u00e9') == 'LATIN SMALL LETTER E WITH ACUTE'",
}


@pytest.mark.parametrize("name", sorted(STDLIB))
def test_stdlib_extension_modules(musl: MuslPython, name: str) -> None:
    """Each is a shared module in lib-dynload (so importing it exercises musl's dlopen) and
    works."""
    code = textwrap.dedent(f"""
        import importlib, json
        {name} = importlib.import_module({name!r})
        {STDLIB[name]}
        print(json.dumps({name}.__file__))
    """)
    result = musl.run("-c", code)
    assert result.returncode == 0, result.stderr
    path = Path(json.loads(result.stdout))
    assert path == musl.lib_dynload / f"{name}{EXT_SUFFIX}"


def test_ctypes_callback(musl: MuslPython) -> None:
    """libffi closures (C calling back into Python) work under musl."""
    code = """
        import ctypes
        libc = ctypes.CDLL(None)
        CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
        values = (ctypes.c_int * 5)(5, 1, 4, 2, 3)
        libc.qsort(values, 5, ctypes.sizeof(ctypes.c_int), CMP(lambda a, b: a[0] - b[0]))
        print(list(values))
    """
    result = musl.run("-c", textwrap.dedent(code))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[1,", "2,", "3,", "4,", "5]"]


def test_missing_modules_are_the_optional_ones(musl: MuslPython) -> None:
    """What the build leaves out needs third-party libraries (or Debian's libc.so lacks crypt)."""
    optional = {"_bz2", "_crypt", "_curses", "_curses_panel", "_dbm", "_gdbm", "_hashlib",
                "_lzma", "_sqlite3", "_ssl", "_tkinter", "_uuid", "nis", "readline"}
    assert set(musl.missing_modules) <= optional
    assert not set(STDLIB) & set(musl.missing_modules)


SPAM = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>

static PyObject *describe(PyObject *self, PyObject *args) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s:%d", MODNAME, (int)sizeof(void *));
    return PyUnicode_FromString(buf);
}
static PyMethodDef methods[] = {{"describe", describe, METH_NOARGS, NULL}, {NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, MODNAME, NULL, -1, methods};
#define INIT2(name) PyInit_##name
#define INIT(name) INIT2(name)
PyMODINIT_FUNC INIT(MODULE)(void) { return PyModule_Create(&def); }
"""


def test_zigcc_built_extension_imports(musl: MuslPython, tmp_path: Path) -> None:
    """A module compiled by zigcc's musllinux_1_2_x86_64 toolchain against the fixture's
    headers imports (dlopen) under both the version-specific and the abi3 suffix."""
    tools = toolchain()
    (tmp_path / "spam.c").write_text(SPAM)
    site = tmp_path / "site"
    site.mkdir()
    builds = {"spam": (EXT_SUFFIX, []), "spam3": (".abi3.so", ["-DPy_LIMITED_API=0x030b0000"])}
    for module, (suffix, extra) in builds.items():
        out = site / f"{module}{suffix}"
        compiled = subprocess.run(
            [tools["CC"], "-shared", "-fPIC", "-O2", f"-I{musl.include_dir}", *extra,
             f"-DMODULE={module}", f'-DMODNAME="{module}"', str(tmp_path / "spam.c"), "-o",
             str(out)], capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert compiled.returncode == 0, compiled.stderr
        assert elf_interpreter(out) is None  # a shared object, loaded by the interpreter's musl
    result = musl.run("-c", "import spam, spam3; print(spam.describe(), spam3.describe(), "
                            "spam.__file__, spam3.__file__)", env={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    describe, describe3, file, file3 = result.stdout.split()
    assert (describe, describe3) == ("spam:8", "spam3:8")
    assert (file, file3) == (str(site / f"spam{EXT_SUFFIX}"), str(site / "spam3.abi3.so"))


def test_packaging_detects_musllinux(musl: MuslPython, tmp_path: Path) -> None:
    """packaging (as pip uses it) reads the interpreter's PT_INTERP, runs that loader and finds
    musl 1.2: musllinux_1_2_x86_64 wheels are installable, manylinux ones are not."""
    shutil.copytree(Path(packaging.__file__).parent, tmp_path / "packaging")
    info = _json(musl, """
        import json, sys
        from packaging import _musllinux, tags
        print(json.dumps({
            "musl": list(_musllinux._get_musl_version(sys.executable) or ()),
            "platforms": list(tags.platform_tags()),
            "sys_tags": [str(tag) for tag in tags.sys_tags()],
        }))
    """, env={"PYTHONPATH": str(tmp_path)})
    assert info["musl"] == [1, 2]
    platforms = info["platforms"]
    assert isinstance(platforms, list)
    assert "musllinux_1_2_x86_64" in platforms
    assert not [tag for tag in platforms if tag.startswith("manylinux")]
    assert "cp311-cp311-musllinux_1_2_x86_64" in info["sys_tags"]  # type: ignore[operator]
    assert "cp311-abi3-musllinux_1_2_x86_64" in info["sys_tags"]  # type: ignore[operator]


def test_host_environment_is_dropped(musl: MuslPython, monkeypatch: pytest.MonkeyPatch) -> None:
    """run() drops the host's PYTHONPATH / PYTHONHOME / VIRTUAL_ENV; env= adds variables."""
    monkeypatch.setenv("PYTHONPATH", "/nonexistent-host-path")
    monkeypatch.setenv("PYTHONHOME", "/nonexistent-host-home")
    monkeypatch.setenv("VIRTUAL_ENV", "/nonexistent-venv")
    info = _json(musl, """
        import json, os, sys
        print(json.dumps({"path": sys.path, "env": {k: os.environ.get(k) for k in
                         ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "EXTRA")}}))
    """, env={"EXTRA": "1"})
    assert info["env"] == {"PYTHONPATH": None, "PYTHONHOME": None, "VIRTUAL_ENV": None,
                           "EXTRA": "1"}
    assert not [entry for entry in info["path"] if "nonexistent" in entry]  # type: ignore[union-attr]
