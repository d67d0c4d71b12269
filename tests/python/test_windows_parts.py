"""The pure parts of Windows targets: names and tags, the generated pyconfig.h, the export
list parsed from preprocessed headers, the .def text, and the PE import rules."""

from __future__ import annotations

import pytest

from zigcc.python import synth_windows
from zigcc.python import windows_exports as wx
from zigcc.python.windows_pyconfig import render_pyconfig
from zigcc.target import host
from zigcc.target.model import parse
from zigcc.toolchain.implib import dlltool_command
from zigcc.verify import pe

WIN = parse("win_amd64", host.detect())


def test_win_amd64_names() -> None:
    rules = WIN.platform
    assert WIN.zig_target == "x86_64-windows-gnu"
    assert WIN.sysconfig_platform == "win-amd64"
    assert rules.ext_suffix((3, 13), "", "win_amd64") == ".cp313-win_amd64.pyd"
    assert rules.soabi((3, 13), "", "win_amd64") == "cp313-win_amd64"
    assert rules.plain_suffix(".cp313-win_amd64.pyd") == ".pyd"  # abi3 modules
    assert rules.stable_abi_suffixes((3, 13), "") == ()
    assert rules.markers(WIN) == {"os_name": "nt", "sys_platform": "win32",
                                  "platform_system": "Windows", "platform_machine": "AMD64"}


def test_pyconfig_is_python_orgs_view() -> None:
    text = render_pyconfig((3, 13), "", "x86_64")
    for line in ("#define MS_WIN64", "#define MS_WIN32", "#define Py_ENABLE_SHARED 1",
                 "#define HAVE_DECLSPEC_DLL", "#define SIZEOF_LONG 4", "#define SIZEOF_WCHAR_T 2",
                 "#define SIZEOF_VOID_P 8", "#define WITH_MIMALLOC 1"):
        assert line + "\n" in text, line
    assert "pragma comment" not in text and "Py_GIL_DISABLED" not in text
    assert "#define Py_GIL_DISABLED 1" in render_pyconfig((3, 14), "t", "aarch64")
    small = render_pyconfig((3, 12), "", "i686")
    assert "MS_WIN64" not in small and "#define SIZEOF_VOID_P 4" in small
    assert "WITH_MIMALLOC" not in small
    with pytest.raises(ValueError, match="riscv64"):
        render_pyconfig((3, 13), "", "riscv64")


PREPROCESSED = '''# 1 "probe.c"
# 1 "/inc/python3.13/Python.h" 1
__attribute__((dllimport)) PyObject * PyLong_FromLong(long);
extern __attribute__((dllimport)) PyTypeObject PyLong_Type;
extern __attribute__((dllimport)) int (*PyOS_InputHook)(void);
extern __attribute__((dllimport)) const unsigned char * const _Py_ctype_table[256];
__attribute__((dllimport)) __attribute__((deprecated)) void Py_Old(void) ;
__attribute__((dllimport)) void Py_Used(void);
static inline int Py_Inline(PyObject *o) { return PyLong_Check(o); }
int not_imported(void);
# 12 "/zig/lib/libc/include/any-windows-any/stdio.h" 1
__attribute__ ((__dllimport__)) int puts(const char *);
# 20 "/inc/python3.13/object.h" 1
__attribute__((dllimport)) void Py_Used(void);
'''


def test_exports_from_preprocessed_headers() -> None:
    found = wx.exports(PREPROCESSED, ["/inc/python3.13"])
    assert found.functions == ("PyLong_FromLong", "Py_Old", "Py_Used")
    assert found.data == ("PyLong_Type", "PyOS_InputHook", "_Py_ctype_table")
    text = wx.render_def("python313.dll", found)
    assert text.splitlines()[:2] == ["LIBRARY python313.dll", "EXPORTS"]
    assert "PyLong_Type DATA" in text and "PyLong_FromLong\n" in text
    assert wx.def_names(text) == found.names


def test_dll_names_and_dlltool() -> None:
    assert synth_windows.dll_names((3, 13), "") == ("python313.dll", "python3.dll")
    assert synth_windows.dll_names((3, 14), "t") == ("python314t.dll", "python3t.dll")
    assert synth_windows.limited_api_hex((3, 13)) == "0x030D0000"
    from pathlib import Path
    cmd = dlltool_command(Path("zig"), Path("p.def"), Path("libp.a"), "aarch64")
    assert cmd == ["zig", "dlltool", "-d", "p.def", "-l", "libp.a", "-m", "arm64"]


def _module(imports: dict[str, tuple[str, ...]], machine: int = 0x8664) -> pe.PeInfo:
    return pe.PeInfo("m.pyd", machine, True, imports, ("PyInit_m",))


def test_pe_import_rules() -> None:
    allowed = pe.python_dlls({"cp313"})
    assert allowed == {"python313.dll", "python3.dll"}
    assert pe.python_dlls({"abi3"}) == {"python3.dll"}
    good = _module({"python313.dll": ("PyLong_FromLong",), "KERNEL32.dll": ("Sleep",),
                    "api-ms-win-crt-runtime-l1-1-0.dll": ("_initterm",)})
    assert pe.problems(good, "x86_64", allowed, (), {"python313.dll": {"PyLong_FromLong"}}) \
        == []
    assert pe.problems(good, "aarch64", allowed) == [
        "PE machine 0x8664, expected 0xaa64 for aarch64"]
    bad = _module({"python312.dll": ("PyLong_FromLong",), "msvcrt.dll": ("puts",),
                   "libstdc++-6.dll": ("x",), "libgcc_s_seh-1.dll": ("y",),
                   "libfoo.dll": ("z",), "libbar.dll": ("w",)})
    found = pe.problems(bad, "x86_64", allowed, {"libbar.dll"})
    assert len(found) == 5, found
    assert found[0].startswith("imports python312.dll, but its wheel's tags allow")
    assert "old Visual C++ 6 runtime" in found[1] and "MinGW's C++ runtime" in found[2]
    assert "MinGW runtime DLL" in found[3] and found[4].startswith("imports libfoo.dll")
    missing = pe.problems(good, "x86_64", allowed, (), {"python313.dll": {"Py_Other"}})
    assert missing == ["imports PyLong_FromLong from python313.dll, which python313.dll does "
                       "not export: the module would fail to load; use only the C API of "
                       "that version"]
    abi3 = pe.problems(good, "x86_64", pe.python_dlls({"abi3"}))
    assert abi3 and "imports python313.dll" in abi3[0]


def test_build_plans_every_windows_cpu() -> None:
    """``zigcc build --list`` plans a synthesized CPython for win_amd64, win_arm64 and win32
    (nothing compiled)."""
    import json
    import subprocess
    import sys

    from conftest import PROJECTS

    base = [sys.executable, "-m", "zigcc", "build", str(PROJECTS / "synth_ext"), "--python",
            sys.version.split()[0].rsplit(".", 1)[0], "--list", "--target"]
    for tag in ("win_amd64", "win_arm64", "win32"):
        listed = subprocess.run([*base, tag], capture_output=True, text=True)
        assert listed.returncode == 0, listed.stderr
        (cell,) = json.loads(listed.stdout)
        assert cell["target"] == tag and "synthesized" in cell["python"]


def test_pyconfig_asks_for_python3_dll_under_the_limited_api() -> None:
    """The linker directive of python.org's #pragma lib: libpython3.a under Py_LIMITED_API,
    libpython3XY[t].a otherwise, with the pack's folder quoted (a space in it links; the
    real link is in tests/builds/test_windows.py)."""
    text = render_pyconfig((3, 13), "", "x86_64", "/c a/libs")
    limited, full = text.split("#ifdef Py_LIMITED_API\n")[1].split("#else\n")
    assert '-defaultlib:\\\\\\"/c a/libs/libpython3.a\\\\\\"' in limited, limited
    assert "libpython313.a" in full and "libpython3.a" not in full, full
    assert "libpython3t.a" in render_pyconfig((3, 14), "t", "aarch64")
    assert '-defaultlib:\\\\\\"libpython314t.a' in render_pyconfig((3, 14), "t", "aarch64")
    with pytest.raises(ValueError, match="quote"):
        render_pyconfig((3, 13), "", "x86_64", '/a"b')
