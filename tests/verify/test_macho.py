"""macOS wheels' Mach-O files: real modules from the real zig (arm64 at 11.0, x86_64 at 10.13,
fat), packed into small wheels and held to zigcc.verify.macho through wheelcheck: good ones
pass, each deliberately wrong one is rejected for its reason.  The TAPI stub reader runs on
the installed zig's own libSystem.tbd (read at test time), the rules also on hand-made
descriptions."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from machohelp import api_names, build, make_wheel, strip_signature

from zigcc.target.model import parse
from zigcc.toolchain import installed, lipo
from zigcc.verify import macho, tbd
from zigcc.verify.elf import inspect_binary
from zigcc.verify.wheelcheck import problems

SO = "m.cpython-313-darwin.so"
ARM = "m-1.0-cp313-cp313-macosx_11_0_arm64.whl"
X86 = "m-1.0-cp313-cp313-macosx_10_13_x86_64.whl"
U2 = "m-1.0-cp313-cp313-macosx_10_13_universal2.whl"
CALLS_HELPER = """#include <Python.h>
extern long helper(long);
static PyObject *f(PyObject *s, PyObject *a) { return PyLong_FromLong(helper(PyLong_AsLong(a))); }
static PyMethodDef methods[] = {{"f", f, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&def); }
"""
CALLS_MISSING = """#include <Python.h>
extern PyObject *PyFoo_DoesNotExist(void);
static PyObject *f(PyObject *s, PyObject *a) { return PyFoo_DoesNotExist(); }
static PyMethodDef methods[] = {{"f", f, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "m", NULL, -1, methods};
PyMODINIT_FUNC PyInit_m(void) { return PyModule_Create(&def); }
"""
HELPER = "long helper(long x) { return 2 * x; }\n"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, real_zig: Path) -> dict[str, bytes]:
    """Every module and library the cases use, each built once."""
    d = tmp_path_factory.mktemp("macho")
    a64, x64 = "aarch64-macos.11.0", "x86_64-macos.10.13"
    out = {"arm64": build(real_zig, a64, d / "arm64.so"),
           "x86_64": build(real_zig, x64, d / "x86_64.so"),
           "arm64_12": build(real_zig, "aarch64-macos.12.0", d / "arm64_12.so"),
           "missing": build(real_zig, a64, d / "missing.so", CALLS_MISSING)}
    (d / "rpath").mkdir()
    out["libhelper"] = build(real_zig, a64, d / "rpath" / "libhelper.dylib", HELPER,
                             "-install_name", "@rpath/libhelper.dylib", module=False)
    out["uses_shipped"] = build(real_zig, a64, d / "uses_shipped.so", CALLS_HELPER,
                                "rpath/libhelper.dylib", "-Wl,-rpath,@loader_path/.dylibs")
    (d / "local").mkdir()
    build(real_zig, a64, d / "local" / "libhelper.dylib", HELPER, "-install_name",
          "/usr/local/lib/libhelper.dylib", module=False)
    out["uses_local"] = build(real_zig, a64, d / "uses_local.so", CALLS_HELPER,
                              "local/libhelper.dylib")
    (d / "fw").mkdir()
    build(real_zig, a64, d / "fw" / "libPython.dylib", "long Py_Fake(void) { return 1; }\n",
          "-install_name", "/Library/Frameworks/Python.framework/Versions/3.13/Python",
          module=False)
    out["uses_python"] = build(real_zig, a64, d / "uses_python.so", "#include <Python.h>\n"
                               "long Py_Fake(void);\nPyMODINIT_FUNC PyInit_m(void) "
                               "{ return PyLong_FromLong(Py_Fake()); }\n", "fw/libPython.dylib")
    out["unsigned"] = strip_signature(out["arm64"])
    out["fat"] = lipo.fat([out["arm64"], out["x86_64"]])
    return out


@pytest.fixture(scope="session")
def api(real_zig: Path) -> frozenset[str]:
    return api_names(real_zig)


def test_zig_output_as_read(built: dict[str, bytes]) -> None:
    """What zig writes: a dylib, macOS 11.0 in LC_BUILD_VERSION and signed on arm64; 10.13 in
    LC_VERSION_MIN_MACOSX on x86_64 (unsigned); only libSystem; PyInit_m exported."""
    arm = macho.inspect_macho(SO, built["arm64"])
    x86 = macho.inspect_macho(SO, built["x86_64"])
    assert arm is not None and x86 is not None and not arm.fat
    (a,), (x,) = arm.slices, x86.slices
    assert (a.arch, a.filetype, a.platform, a.minos, a.signed) == ("arm64", 6, 1, (11, 0), True)
    assert (x.arch, x.filetype, x.platform, x.minos, x.signed) == ("x86_64", 6, 1, (10, 13),
                                                                    False)
    assert a.dylibs == x.dylibs == ("/usr/lib/libSystem.B.dylib",)
    assert arm.pyinit == ("PyInit_m",)
    assert {"PyLong_FromLong", "PyLong_AsLong", "PyModule_Create2"} <= set(arm.py_imports)
    fat = macho.inspect_macho(SO, built["fat"])
    assert fat is not None and fat.fat and [s.arch for s in fat.slices] == ["x86_64", "arm64"]
    binary = inspect_binary(SO, built["fat"])
    assert binary is not None and binary.cpus == (lipo.CPU_X86_64, lipo.CPU_ARM64)


# name, wheel file name, members (name -> built key), target, words of the one expected line
# (or of several: a tuple per line); () = no problems
CASES = [
    ("good arm64", ARM, {SO: "arm64"}, "macosx_11_0_arm64", ()),
    ("good x86_64 10.13", X86, {SO: "x86_64"}, "macosx_10_13_x86_64", ()),
    ("good universal2 at x86_64's 10.13", U2, {SO: "fat"}, "macosx_10_13_universal2", ()),
    ("good: library shipped, found through @rpath", ARM,
     {"pkg/" + SO: "uses_shipped", "pkg/.dylibs/libhelper.dylib": "libhelper"},
     "macosx_11_0_arm64", ()),
    ("shipped library missing", ARM, {"pkg/" + SO: "uses_shipped"}, "macosx_11_0_arm64",
     (("links @rpath/libhelper.dylib, which the wheel does not ship",
       "looked for pkg/.dylibs/libhelper.dylib"), ("uses helper,",))),
    ("library outside /usr/lib", ARM, {SO: "uses_local"}, "macosx_11_0_arm64",
     (("links /usr/local/lib/libhelper.dylib, which is not on every Mac",),
      ("uses helper, which neither the Python C API nor macOS's libSystem provides",))),
    ("links Python.framework", ARM, {SO: "uses_python"}, "macosx_11_0_arm64",
     (("links /Library/Frameworks/Python.framework/Versions/3.13/Python, a Python library",
       "-undefined dynamic_lookup"), ("uses Py_Fake",))),
    ("undefined non-API symbol", ARM, {SO: "missing"}, "macosx_11_0_arm64",
     (("uses PyFoo_DoesNotExist,", "symbol not found"),)),
    ("minimum macOS above the tag", ARM, {SO: "arm64_12"}, "macosx_11_0_arm64",
     (("needs macOS 12.0", "macosx_11_0 tag", "-target aarch64-macos.11.0"),)),
    ("arm64 without a code signature", ARM, {SO: "unsigned"}, "macosx_11_0_arm64",
     (("has no code signature (LC_CODE_SIGNATURE)", "Apple Silicon"),)),
    ("x86_64 file in an arm64 wheel", ARM, {SO: "x86_64"}, "macosx_11_0_arm64",
     (("holds x86_64 code, but its wheel is tagged arm64",),)),
    ("fat file in an arm64 wheel", ARM, {SO: "fat"}, "macosx_11_0_arm64",
     (("holds x86_64 code, but its wheel is tagged arm64",),)),
    ("thin file in a universal2 wheel", U2, {SO: "x86_64"}, "macosx_10_13_universal2",
     (("has no arm64 code (a thin x86_64 file) but its wheel is tagged universal2",),)),
    ("unsigned arm64 slice of a universal2 file", U2, {SO: "fat_unsigned"},
     "macosx_10_13_universal2", (("arm64 slice: has no code signature",),)),
]


@pytest.mark.parametrize(("wheel_name", "members", "target", "lines"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_wheel_of_real_modules(wheel_name: str, members: dict[str, str], target: str,
                               lines: tuple[tuple[str, ...], ...], built: dict[str, bytes],
                               api: frozenset[str], tmp_path: Path) -> None:
    files = {n: _file(built, key) for n, key in members.items()}
    wheel = make_wheel(tmp_path, wheel_name, files)
    found = problems(wheel, parse(target), macho_api=api)
    assert len(found) == len(lines), found
    for line, words in zip(found, lines):
        assert line.startswith(f"{wheel.name}: "), line
        for word in words:
            assert word in line, line


def _file(built: dict[str, bytes], key: str) -> bytes:
    if key == "fat_unsigned":
        return lipo.fat([strip_signature(built["arm64"]), built["x86_64"]])
    return built[key]


def test_undefined_symbols_unchecked_without_the_api(built: dict[str, bytes],
                                                     tmp_path: Path) -> None:
    """Without the C API names, every other check still runs."""
    wheel = make_wheel(tmp_path, ARM, {SO: built["missing"]})
    assert problems(wheel, parse("macosx_11_0_arm64")) == []
    unsigned = make_wheel(tmp_path, ARM, {SO: built["unsigned"]})
    (line,) = problems(unsigned, parse("macosx_11_0_arm64"))
    assert "has no code signature" in line


def test_the_api_names_come_from_real_headers(api: frozenset[str]) -> None:
    """zig cc -E of CPython 3.13's Python.h for macOS: its visibility("default") declarations
    are the C API, and none of the C library's."""
    assert {"PyLong_FromLong", "PyExc_ValueError", "_Py_NoneStruct", "PyType_Ready",
            "PyModule_Create2"} <= api
    assert not {"printf", "malloc", "strlen", "PyInit_m"} & api
    assert len(api) > 1000


def test_module_without_pyinit(real_zig: Path, tmp_path: Path) -> None:
    data = build(real_zig, "aarch64-macos.11.0", tmp_path / "n.so",
                 "#include <Python.h>\nPyObject *f(void) { return PyLong_FromLong(1); }\n")
    wheel = make_wheel(tmp_path, ARM, {SO: data})
    (line,) = problems(wheel, parse("macosx_11_0_arm64"))
    assert "exports no PyInit_m" in line


# ---- fast: no zig ----------------------------------------------------------------------------
def _slice(**changes: object) -> macho.Slice:
    fields: dict[str, object] = dict(cputype=macho.CPU_ARM64, cpusubtype=0, filetype=8,
                                     platform=1, minos=(11, 0), signed=True,
                                     dylibs=("/usr/lib/libSystem.B.dylib",), rpaths=(),
                                     undefined=(("_PyLong_FromLong", 0), ("_printf", 1)),
                                     pyinit=("PyInit_m",))
    fields.update(changes)
    return macho.Slice(**fields)  # type: ignore[arg-type]


def _check(*slices: macho.Slice, arch: str = "aarch64", tag: tuple[int, int] = (11, 0),
           shipped: tuple[str, ...] = (), name: str = "pkg/m.so") -> list[str]:
    info = macho.MachOInfo(name, len(slices) > 1, slices)
    return macho.problems(info, arch, tag, {"PyLong_FromLong"},
                          {"arm64": {"_printf"}, "x86_64": {"_printf"}}, shipped)


def test_rules_on_descriptions() -> None:
    assert _check(_slice()) == []
    x86 = _slice(cputype=macho.CPU_X86_64, minos=(10, 9), signed=False)
    assert _check(x86, _slice(), arch="universal2", tag=(10, 9)) == []  # arm64 held to 11.0
    assert _check(x86, _slice(minos=(12, 0)), arch="universal2", tag=(10, 9)) == [
        "arm64 slice: needs macOS 12.0 (its minimum OS version), above macOS 11.0, what the "
        "wheel's macosx_10_9 tag means for arm64: older Macs would install it and fail to load it; build it with -target "
        "aarch64-macos.11.0 (MACOSX_DEPLOYMENT_TARGET=11.0) or tag the wheel macosx_12_0"]
    (dup,) = _check(_slice(), _slice(), arch="arm64")
    assert "holds arm64 twice" in dup
    (e,) = _check(_slice(cpusubtype=2))
    assert e.startswith("arm64e code")
    (exe,) = _check(_slice(filetype=2))
    assert exe.startswith("a MH_EXECUTE file")
    (ios,) = _check(_slice(platform=2))
    assert ios.startswith("built for iOS, not macOS")
    (none,) = _check(_slice(minos=None, platform=None))
    assert "names no minimum macOS" in none


@pytest.mark.parametrize(("path", "rpaths", "shipped", "words"), [
    ("/System/Library/Frameworks/Security.framework/Versions/A/Security", (), (), ""),
    ("/usr/lib/libc++.1.dylib", (), (), ""),
    ("@loader_path/.dylibs/libz.1.dylib", (), ("pkg/.dylibs/libz.1.dylib",), ""),
    ("@loader_path/../m.libs/libz.dylib", (), ("m.libs/libz.dylib",), ""),
    ("@rpath/libz.dylib", ("/opt/x", "@loader_path/../lib"), ("lib/libz.dylib",), ""),
    ("@rpath/libz.dylib", ("/opt/x",), (), "no @loader_path LC_RPATH to find it by"),
    ("@loader_path/libz.dylib", (), (), "does not ship (looked for pkg/libz.dylib)"),
    ("@executable_path/libz.dylib", (), (), "beside the python executable"),
    ("/usr/lib/libpython3.13.dylib", (), (), "a Python library"),
    ("libz.dylib", (), (), "not on every Mac"),
])
def test_library_paths(path: str, rpaths: tuple[str, ...], shipped: tuple[str, ...],
                       words: str) -> None:
    found = _check(_slice(dylibs=("/usr/lib/libSystem.B.dylib", path), rpaths=rpaths),
                   shipped=shipped)
    assert (found == []) if not words else (len(found) == 1 and words in found[0]), found


def test_undefined_symbols() -> None:
    shipped = _slice(dylibs=("/usr/lib/libSystem.B.dylib", "@loader_path/libh.dylib"),
                     undefined=(("_helper", 2), ("_PyLong_FromLong", 0)))
    assert _check(shipped, shipped=("pkg/libh.dylib",)) == []  # bound to the shipped library
    cxx = (("__ZNSt3__14coutE", 2), ("___cxa_throw", 2), ("___gxx_personality_v0", 2))
    (line,) = _check(_slice(undefined=cxx))
    assert line.startswith("uses _ZNSt3__14coutE, __cxa_throw, __gxx_personality_v0, which")
    assert _check(_slice(undefined=cxx, dylibs=("/usr/lib/libSystem.B.dylib",
                                                "/usr/lib/libc++.1.dylib"))) == []
    many = tuple((f"_x{i}", 0) for i in range(7))
    (line,) = _check(_slice(undefined=many))
    assert line.startswith("uses x0, x1, x2, x3, x4 (+2 more), which")


def test_not_macho_and_broken() -> None:
    java = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + b"\0" * 64  # a Java 17 class file
    assert macho.inspect_macho("A.class", java) is None and inspect_binary("A.class", java) is None
    assert macho.inspect_macho("x.so", b"\x7fELF" + b"\0" * 60) is None
    with pytest.raises(ValueError, match=r"^m\.so: not a readable Mach-O file"):
        macho.inspect_macho("m.so", b"\xcf\xfa\xed\xfe" + b"\0" * 12)
    assert macho.tag_minimum(["macosx_11_0_arm64", "macosx_10_13_x86_64"]) == (10, 13)
    assert macho.tag_minimum(["any"]) is None
    assert macho.installed_path("m-1.0.data/platlib/m/x.so") == "m/x.so"


def test_broken_macho_in_a_wheel_is_a_finding(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, ARM, {SO: b"\xcf\xfa\xed\xfe" + b"\0" * 12})
    found = problems(wheel, parse("macosx_11_0_arm64"))
    assert any(f"{SO}: not a readable Mach-O file" in line for line in found), found
    linux = make_wheel(tmp_path, "m-1.0-py3-none-any.whl",
                       {"m/data.bin": b"\xcf\xfa\xed\xfe" + b"\0" * 12})
    assert problems(linux, parse("manylinux_2_17_x86_64")) == []  # not a module: not read


# ---- TAPI stubs --------------------------------------------------------------------------------
def _stubs() -> Path:
    files = tbd.stub_files(installed.zig_binary().parent / "lib")
    if not files:
        pytest.skip("this zig ships no libc/darwin/libSystem*.tbd")
    return files[0]


def test_tbd_of_the_installed_zig() -> None:
    """The first document of zig's libSystem.tbd, cut out of the file at test time, then the
    whole file: libSystem.B.dylib and what it re-exports, per arch."""
    text = _stubs().read_text()
    second = text.find("\n---", 4)
    first = text[:second] if second > 0 else text
    (lib,) = tbd.parse(first)
    assert lib.install_name == "/usr/lib/libSystem.B.dylib"
    assert "x86_64-macos" in lib.targets and lib.exports
    names = tbd.system_names(installed.zig_binary().parent / "lib")
    for name in ("_printf", "_malloc", "dyld_stub_binder", "___stack_chk_fail",
                 "_pthread_create", "___cxa_atexit", "__Unwind_Resume", "_close$NOCANCEL"):
        assert name in names["arm64"] and name in names["x86_64"], name
    assert "_PyLong_FromLong" not in names["arm64"]
    assert len(names["arm64"]) > 5000


def test_tbd_text_forms() -> None:
    text = """--- !tapi-tbd
tbd-version: 4
targets: [ x86_64-macos, arm64-macos ]
install-name: '/usr/lib/libx.dylib'
exports:
  - targets: [ x86_64-macos, arm64e-macos,
               arm64-maccatalyst ]
    symbols: [ _a, '$ld$hide$os10.4$_b', 'it''s', "_q\\"x" ]
    objc-classes: [ Foo ]
  - targets: [ x86_64-maccatalyst ]
    symbols: [ _catalyst_only ]
  # a comment
reexports:
  - targets: [ x86_64-macos ]
    weak-symbols: [ _w ]
...
--- !tapi-tbd-v3
archs: [ x86_64 ]
install-name: /usr/lib/libold.dylib
exports:
  - archs: [ x86_64 ]
    symbols: [ _old ]
    re-exports: [ _re ]
...
"""
    libs = tbd.parse(text)
    assert [lib.install_name for lib in libs] == ["/usr/lib/libx.dylib", "/usr/lib/libold.dylib"]
    assert libs[0].exports[0].targets == ("x86_64-macos", "arm64e-macos", "arm64-maccatalyst")
    arm, x86 = tbd.exported(libs, "arm64"), tbd.exported(libs, "x86_64")
    assert arm == {"_a", "$ld$hide$os10.4$_b", "it's", '_q"x', "_OBJC_CLASS_$_Foo",
                   "_OBJC_METACLASS_$_Foo"}
    assert x86 == arm | {"_w", "_old", "_re"}


@pytest.mark.slow
def test_tbd_agrees_with_zigs_linker(real_zig: Path, tmp_path: Path) -> None:
    """Every symbol zig's linker bound to libSystem (two-level ordinal 1) is one the stubs
    export for that arch: the stub reader reads what the linker reads."""
    src = tmp_path / "s.c"
    src.write_text("#include <stdio.h>\n#include <stdlib.h>\n#include <pthread.h>\n"
                   "#include <math.h>\nvoid *g(size_t n) { return malloc(n); }\n"
                   "int f(double x) { printf(\"%f\", sin(x)); return (int)(long)pthread_self(); }"
                   "\n")
    names = tbd.system_names(installed.zig_binary().parent / "lib")
    for target, arch in (("aarch64-macos.11.0", "arm64"), ("x86_64-macos.10.13", "x86_64")):
        out = tmp_path / f"{arch}.dylib"
        subprocess.run([str(real_zig), "cc", "-target", target, "-shared", "-O2", str(src),
                        "-o", str(out)], check=True, capture_output=True)
        info = macho.inspect_macho(out.name, out.read_bytes())
        assert info is not None
        bound = {n for n, ordinal in info.slices[0].undefined if ordinal == 1}
        assert {"_malloc", "_printf", "_sin"} <= bound
        assert bound <= names[arch], bound - names[arch]


def test_visibility_marker_of_the_export_reader() -> None:
    """What PyAPI_FUNC/PyAPI_DATA become on macOS, collected; hidden and dllimport ones not."""
    from zigcc.python import windows_exports as wx

    text = '''# 1 "/inc/python3.13/Python.h" 1
__attribute__ ((visibility ("default"))) PyObject * PyLong_FromLong(long);
extern __attribute__ ((visibility ("default"))) PyTypeObject PyLong_Type;
__attribute__ ((visibility ("hidden"))) void _Py_Local(void);
__attribute__((dllimport)) void Py_Windows(void);
static inline int Py_Inline(void) { return 0; }
# 3 "/usr/include/stdio.h" 1
__attribute__ ((visibility ("default"))) int printf(const char *, ...);
'''
    found = wx.exports(text, ["/inc/python3.13"], marker="visibility")
    assert (found.functions, found.data) == (("PyLong_FromLong",), ("PyLong_Type",))
    assert wx.exports(text, ["/inc/python3.13"]).names == {"Py_Windows"}  # the default
