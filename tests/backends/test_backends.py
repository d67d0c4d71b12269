"""CMake toolchain files, meson cross files, and the strip / objcopy shims."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from zigcc.backends import cmake, meson
from zigcc.target.model import Target, parse
from zigcc.toolchain import installed
from zigcc.toolchain.flags import Context
from zigcc.toolchain.folder import Toolchain, materialise, render

TOOLS = ("cc", "c++", "ar", "ranlib", "strip", "objcopy")
TARGETS = {
    "manylinux_2_17_aarch64": ("Linux", "aarch64", "aarch64", "aarch64", "little"),
    "manylinux_2_17_s390x": ("Linux", "s390x", "s390x", "s390x", "big"),
    "musllinux_1_2_armv7l": ("Linux", "armv7l", "arm", "armv7l", "little"),
}
ELF_MACHINE = {"aarch64": "EM_AARCH64", "s390x": "EM_S390", "x86_64": "EM_X86_64"}
DEBUG = (".debug_info", ".debug_line", ".debug_str", ".debug_abbrev")


def fake_tools(folder: str = "/opt/zig cc/tc") -> dict[str, Path]:
    return {name: Path(folder) / name for name in TOOLS}


def _cmake_sets(text: str) -> dict[str, str]:
    """``set(NAME value...)`` lines of a toolchain file, by name (value as written)."""
    out = {}
    for line in text.splitlines():
        if line.startswith("set("):
            name, _, rest = line[4:-1].partition(" ")
            out[name] = rest
    return out


# ---- CMake: rendered text -----------------------------------------------------------
@pytest.mark.parametrize("spec", TARGETS)
def test_cmake_toolchain_file(spec: str) -> None:
    target = parse(spec)
    text = cmake.toolchain_file(target, fake_tools(), prefix_paths=["/opt/target prefix"])
    sets = _cmake_sets(text)
    system, processor = TARGETS[spec][:2]
    assert sets["CMAKE_SYSTEM_NAME"] == f'"{system}"'
    assert sets["CMAKE_SYSTEM_PROCESSOR"] == f'"{processor}"'
    assert sets["CMAKE_C_COMPILER"] == '"/opt/zig cc/tc/cc"'
    assert sets["CMAKE_ASM_COMPILER"] == '"/opt/zig cc/tc/cc"'
    assert sets["CMAKE_CXX_COMPILER"] == '"/opt/zig cc/tc/c++"'
    for var, tool in (("CMAKE_AR", "ar"), ("CMAKE_RANLIB", "ranlib"), ("CMAKE_STRIP", "strip"),
                      ("CMAKE_OBJCOPY", "objcopy")):
        assert sets[var].startswith(f'"/opt/zig cc/tc/{tool}" CACHE FILEPATH'), var
    assert sets["CMAKE_FIND_ROOT_PATH"] == '"/opt/target prefix"'
    assert sets["CMAKE_FIND_ROOT_PATH_MODE_PROGRAM"] == "NEVER"
    for kind in ("LIBRARY", "INCLUDE", "PACKAGE"):
        assert sets[f"CMAKE_FIND_ROOT_PATH_MODE_{kind}"] == "ONLY"
    assert "CMAKE_SYSROOT" not in text
    assert "CMAKE_TRY_COMPILE_TARGET_TYPE" not in text
    assert "Python" not in "".join(sets)  # no python facts given


def test_cmake_python_facts_and_quoting() -> None:
    text = cmake.toolchain_file(
        parse("manylinux_2_17_aarch64"), fake_tools('/a "b"/$HOME/x\\y'),
        python_include="/t/include/python3.11", python_soabi="cpython-311-aarch64-linux-gnu",
        python_executable="/usr/bin/python3")
    sets = _cmake_sets(text)
    for prefix in ("Python", "Python3"):
        assert sets[f"{prefix}_INCLUDE_DIR"].startswith('"/t/include/python3.11" CACHE PATH')
        assert sets[f"{prefix}_SOABI"].startswith('"cpython-311-aarch64-linux-gnu" CACHE STRING')
        assert sets[f"{prefix}_EXECUTABLE"].startswith('"/usr/bin/python3" CACHE FILEPATH')
    # $ and " escaped; a backslash in a string path becomes / (CMake's separator).
    assert sets["CMAKE_C_COMPILER"] == '"/a \\"b\\"/\\$HOME/x\\\\y/cc"'
    # No prefix: the shim folder is the root, so re-rooting still applies.
    assert sets["CMAKE_FIND_ROOT_PATH"] == '"/a \\"b\\"/\\$HOME/x\\\\y"'
    with pytest.raises(ValueError, match="';'"):
        cmake.toolchain_file(parse("manylinux_2_17_aarch64"), fake_tools("/a;b"))


# ---- meson: rendered text -----------------------------------------------------------
def _parse_machine_file(text: str, tmp_path: Path) -> dict[str, dict[str, object]]:
    machinefile = pytest.importorskip("mesonbuild.machinefile")
    path = tmp_path / "cross.ini"
    path.write_text(text, encoding="utf-8")
    sections: dict[str, dict[str, object]] = machinefile.parse_machine_files([str(path)], "/src")
    return sections


@pytest.mark.parametrize("spec", TARGETS)
def test_meson_cross_file(spec: str, tmp_path: Path) -> None:
    target = parse(spec)
    tools = fake_tools("/opt/it's a dir/tc")
    text = meson.cross_file(target, tools, python="/usr/bin/python3.11",
                            pkg_config_path=["/opt/prefix/lib/pkgconfig"])
    assert "c_args" not in text and "cpp_args" not in text
    parsed = _parse_machine_file(text, tmp_path)
    binaries = parsed["binaries"]
    for key, tool in (("c", "cc"), ("cpp", "c++"), ("ar", "ar"), ("strip", "strip"),
                      ("objcopy", "objcopy")):
        assert binaries[key] == str(tools[tool])
    assert binaries["python"] == "/usr/bin/python3.11"
    assert binaries["pkg-config"] == "pkg-config"
    _, _, family, cpu, endian = TARGETS[spec]
    assert parsed["host_machine"] == {"system": "linux", "cpu_family": family, "cpu": cpu,
                                      "endian": endian}
    assert parsed["properties"] == {"needs_exe_wrapper": True,
                                    "pkg_config_libdir": ["/opt/prefix/lib/pkgconfig"]}


def test_meson_without_optional_entries(tmp_path: Path) -> None:
    text = meson.cross_file(parse("manylinux_2_17_s390x"), fake_tools())
    parsed = _parse_machine_file(text, tmp_path)
    assert "python" not in parsed["binaries"] and "pkg-config" not in parsed["binaries"]
    assert parsed["properties"] == {"needs_exe_wrapper": True}


@pytest.mark.parametrize("value", ["plain", "it's", "a''b", "'lead", "C:\\it's\\x y",
                                   "/$x/@y/%z"])
def test_meson_quote_round_trips(value: str, tmp_path: Path) -> None:
    parsed = _parse_machine_file(f"[constants]\nv = {meson.quote(value)}\n"
                                 "[binaries]\nc = v\n", tmp_path)
    assert parsed["binaries"]["c"] == value


def test_meson_quote_refuses_what_it_cannot_express() -> None:
    for value in ("ends with '", "three '''", "a\nb"):
        with pytest.raises(ValueError):
            meson.quote(value)


# ---- the strip / objcopy shims ------------------------------------------------------
CTX = Context(arch="aarch64", cross=True)


def test_render_has_strip_and_objcopy(tmp_path: Path) -> None:
    target = parse("manylinux_2_17_aarch64")
    files = render(target, Path("/z/zig"), Path("/py/python3"), tmp_path, CTX, tmp_path / "objects")
    for tool in ("strip", "objcopy"):
        assert files[tool] == files[f"aarch64-linux-gnu-{tool}"]
        assert f"binutils.py' {tool} \"$@\"" in files[tool] or f"binutils.py {tool}" in files[tool]
    assert "binutils.py" in files
    win = render(target, Path("/z/zig"), Path("/py/python3"), tmp_path, CTX, tmp_path / "objects",
                 windows=True)
    assert f'"{tmp_path / "binutils.py"}" strip %*' in win["strip.cmd"]
    assert f'"{tmp_path / "flags.py"}" cc %*' in win["cc.cmd"]


@pytest.fixture(scope="module")
def real_tc(tmp_path_factory: pytest.TempPathFactory, real_zig: Path) -> Toolchain:
    return materialise(parse("manylinux_2_17_aarch64"), real_zig,
                       installed.python_binary(), tmp_path_factory.mktemp("cache"), CTX)


def test_strip_refuses_what_it_cannot_do(real_tc: Toolchain, tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("not an object\n")
    (tmp_path / "lib.a").write_bytes(b"!<arch>\n")
    cases = [
        ("strip", ["x.txt"], "not an ELF file"),
        ("strip", ["lib.a"], "ar archive"),
        ("strip", ["-R", ".comment", "x.txt"], "option -R is not supported"),
        ("strip", [], "no input files"),
        ("objcopy", ["--add-section", "a=b", "x.txt", "y"], "cannot write ELF files"),
        ("objcopy", ["-O", "elf64-x86-64", "x.txt", "y"], "output format"),
    ]
    for tool, args, message in cases:
        proc = subprocess.run([str(real_tc.tool(tool)), *args], cwd=tmp_path,
                              capture_output=True, text=True)
        assert proc.returncode == 1, (args, proc)
        assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
        assert proc.stderr.startswith(f"zigcc {tool}: ")


# ---- slow: real objects -------------------------------------------------------------
MODULE_C = """\
#include <Python.h>
static int helper(int x) { return x * 2; }
static PyObject *f(PyObject *s, PyObject *a) { return PyLong_FromLong(helper(21)); }
static PyMethodDef M[] = {{"f", f, METH_NOARGS, 0}, {0}};
static struct PyModuleDef D = {PyModuleDef_HEAD_INIT, "zm", 0, -1, M};
PyMODINIT_FUNC PyInit_zm(void) { return PyModule_Create(&D); }
"""


def _toolchain(spec: str) -> Toolchain:
    from zigcc.config import Settings
    from zigcc.toolchain.folder import toolchain

    return toolchain(spec, Settings.from_env(os.environ))


def _elf(path: Path) -> tuple[str, list[str], set[str]]:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        names = [s.name for s in elf.iter_sections()]
        dynsym = elf.get_section_by_name(".dynsym")
        dyn = ({s.name for s in dynsym.iter_symbols() if s.name}
               if isinstance(dynsym, SymbolTableSection) else set())
        return elf["e_machine"], names, dyn


def _python_headers(tmp_path: Path) -> Path:
    """The build interpreter's headers, copied (cross shims drop -I into its folders)."""
    dst = tmp_path / "py include"
    shutil.copytree(sysconfig.get_paths()["include"], dst)
    return dst


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["manylinux_2_17_aarch64", "manylinux_2_17_s390x",
                                  "manylinux_2_17_x86_64"])
def test_strip_and_objcopy_real_modules(spec: str, tmp_path: Path,
                                        no_system_compiler: dict[str, str]) -> None:
    tc = _toolchain(spec)
    arch = spec.rsplit("_", 1)[1] if "x86_64" not in spec else "x86_64"
    env = no_system_compiler
    include = _python_headers(tmp_path)
    (tmp_path / "m.c").write_text(MODULE_C)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    _run([str(tc.tool("cc")), "-g", "-O1", "-fPIC", f"-I{include}", "-c", "m.c", "-o", "m.o"],
         tmp_path, env)
    # The shims link with -Wl,--strip-debug; link once with zig itself to keep debug info.
    _run([str(tc.tool("cc")), "-shared", "m.o", "-o", "shim.so"], tmp_path, env)
    _run([str(installed.zig_binary()), "cc", "-target", tc.target.zig_target, "-shared", "m.o",
          "-o", "debug.so"], tmp_path, env)
    machine, names, dyn = _elf(tmp_path / "debug.so")
    assert machine == ELF_MACHINE[arch]
    assert set(DEBUG) <= set(names) and ".symtab" in names and "PyInit_zm" in dyn

    cases = {  # output: (tool, args, debug gone, symtab gone)
        "all.so": ("strip", ["debug.so", "-o", "all.so"], True),
        "s.so": ("strip", ["-s", "-o", "s.so", "debug.so"], True),
        "g.so": ("strip", ["-g", "-o", "g.so", "debug.so"], False),
        "S.so": ("strip", ["-S", "-o", "S.so", "debug.so"], False),
        "unneeded.so": ("strip", ["--strip-unneeded", "-o", "unneeded.so", "debug.so"], True),
        "oc_all.so": ("objcopy", ["--strip-all", "debug.so", "oc_all.so"], True),
        "oc_debug.so": ("objcopy", ["-g", "debug.so", "oc_debug.so"], False),
        "shim_stripped.so": ("strip", ["-o", "shim_stripped.so", "shim.so"], True),
    }
    for out, (tool, args, symtab_gone) in cases.items():
        _run([str(tc.tool(tool)), *args], tmp_path, env)
        machine, names, dyn_after = _elf(tmp_path / out)
        assert machine == ELF_MACHINE[arch]
        assert not set(DEBUG) & set(names), (out, names)
        assert (".symtab" not in names) == symtab_gone, (out, names)
        assert dyn_after == dyn, out
    # In place, like GNU strip, keeping the file mode.
    shutil.copy(tmp_path / "debug.so", tmp_path / "inplace.so")
    (tmp_path / "inplace.so").chmod(0o751)
    _run([str(tc.tool("strip")), "inplace.so"], tmp_path, env)
    assert (tmp_path / "inplace.so").read_bytes() == (tmp_path / "all.so").read_bytes()
    assert (tmp_path / "inplace.so").stat().st_mode & 0o777 == 0o751
    # A relocatable object: --strip-debug keeps what its relocations need; it relinks.
    _run([str(tc.tool("strip")), "--strip-debug", "-o", "m_stripped.o", "m.o"], tmp_path, env)
    _, names, _ = _elf(tmp_path / "m_stripped.o")
    assert not set(DEBUG) & set(names) and ".symtab" in names
    _run([str(tc.tool("cc")), "-shared", "m_stripped.o", "-o", "relinked.so"], tmp_path, env)
    # zig objcopy's own output formats pass through.
    _run([str(tc.tool("objcopy")), "-O", "binary", "-j", ".text", "all.so", "text.bin"],
         tmp_path, env)
    assert (tmp_path / "text.bin").stat().st_size > 0
    if arch == "x86_64":
        for out in ("all.so", "g.so", "unneeded.so", "oc_all.so", "inplace.so", "relinked.so"):
            folder = tmp_path / ("load_" + out)
            folder.mkdir()
            shutil.copy(tmp_path / out, folder / f"zm{suffix}")
            proc = _run([sys.executable, "-c", "import zm; print(zm.f())"], folder, env)
            assert proc.stdout.strip() == "42", out


# ---- slow: CMake --------------------------------------------------------------------
CMAKELISTS = """\
cmake_minimum_required(VERSION 3.18)
project(zt C CXX)
message(STATUS "ZT_PROCESSOR=${CMAKE_SYSTEM_PROCESSOR}")
add_library(ztc SHARED a.c b.cpp)
install(TARGETS ztc LIBRARY DESTINATION lib)
find_library(ZT_Z z)
message(STATUS "ZT_Z=${ZT_Z}")
find_library(ZT_M m)
message(STATUS "ZT_M=${ZT_M}")
if(DEFINED Python_INCLUDE_DIR)
  find_package(Python COMPONENTS Development.Module REQUIRED)
  message(STATUS "ZT_PY_INCLUDE=${Python_INCLUDE_DIRS}")
  message(STATUS "ZT_PY_SOABI=${Python_SOABI}")
  find_package(Python3 COMPONENTS Interpreter Development.Module REQUIRED)
  message(STATUS "ZT_PY3_EXE=${Python3_EXECUTABLE}")
  message(STATUS "ZT_PY3_SOABI=${Python3_SOABI}")
endif()
"""
SOURCES = {"a.c": "int zt_c(int x) { return x + 1; }\n",
           "b.cpp": '#include <string>\nextern "C" int zt_cpp(const char *s) '
                    "{ return (int)std::string(s).size(); }\n"}
HOST_LIBS = Path("/usr/lib/x86_64-linux-gnu")


def _project(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _status(out: str, key: str) -> str:
    for line in out.splitlines():
        if f"{key}=" in line:
            return line.split(f"{key}=", 1)[1].strip()
    raise AssertionError(f"{key} not in output:\n{out}")


def _tools(tc: Toolchain) -> dict[str, Path]:
    return {name: tc.tool(name) for name in TOOLS}


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["manylinux_2_17_aarch64", "manylinux_2_17_s390x"])
def test_cmake_cross_build(spec: str, tmp_path: Path, no_system_compiler: dict[str, str]
                           ) -> None:
    if shutil.which("cmake", path=no_system_compiler["PATH"]) is None:
        pytest.skip("cmake is not installed")
    tc = _toolchain(spec)
    arch = spec.rsplit("_", 1)[1]
    env = no_system_compiler
    src = _project(tmp_path / "src dir", {"CMakeLists.txt": CMAKELISTS, **SOURCES})
    # A per-target prefix holding a libz.so built for the target.
    prefix = tmp_path / "target prefix"
    (prefix / "lib").mkdir(parents=True)
    (tmp_path / "z.c").write_text("int zlibVersion(void) { return 0; }\n")
    _run([str(tc.tool("cc")), "-shared", "z.c", "-o", str(prefix / "lib" / "libz.so")],
         tmp_path, env)
    include = _python_headers(tmp_path)
    soabi = f"cpython-3{sys.version_info[1]}-{arch}-linux-gnu"
    text = cmake.toolchain_file(tc.target, _tools(tc), python_include=str(include),
                                python_soabi=soabi, prefix_paths=[str(prefix)],
                                python_executable=sys.executable)
    toolchain_file = tmp_path / "tool chain.cmake"
    toolchain_file.write_text(text, encoding="utf-8")
    build = tmp_path / "build"
    proc = _run(["cmake", "-G", "Ninja", "-S", str(src), "-B", str(build),
                 f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-DCMAKE_BUILD_TYPE=Release"],
                tmp_path, env)
    out = proc.stdout
    assert _status(out, "ZT_PROCESSOR") == tc.target.cmake_system_processor == arch
    assert _status(out, "ZT_Z") == str(prefix / "lib" / "libz.so")
    assert _status(out, "ZT_M") == "ZT_M-NOTFOUND"  # the build machine's libm stays out
    assert _status(out, "ZT_PY_INCLUDE") == str(include)
    assert _status(out, "ZT_PY_SOABI") == soabi
    assert _status(out, "ZT_PY3_EXE") == sys.executable
    _run(["cmake", "--build", str(build)], tmp_path, env)
    machine, _, dyn = _elf(build / "libztc.so")
    assert machine == ELF_MACHINE[arch]
    assert {"zt_c", "zt_cpp"} <= dyn
    # cmake --install --strip runs the strip shim.
    _run(["cmake", "--install", str(build), "--prefix", str(tmp_path / "inst"), "--strip"],
         tmp_path, env)
    machine, names, dyn_after = _elf(tmp_path / "inst" / "lib" / "libztc.so")
    assert machine == ELF_MACHINE[arch] and dyn_after == dyn and ".symtab" not in names


@pytest.mark.slow
def test_cmake_finds_nothing_of_the_build_machine_without_prefixes(
        tmp_path: Path, no_system_compiler: dict[str, str]) -> None:
    if shutil.which("cmake", path=no_system_compiler["PATH"]) is None:
        pytest.skip("cmake is not installed")
    if not (HOST_LIBS / "libz.so").exists():
        pytest.skip("the build machine has no /usr/lib/x86_64-linux-gnu/libz.so")
    tc = _toolchain("manylinux_2_17_aarch64")
    src = _project(tmp_path / "src", {"CMakeLists.txt": CMAKELISTS, **SOURCES})
    toolchain_file = tmp_path / "tc.cmake"
    toolchain_file.write_text(cmake.toolchain_file(tc.target, _tools(tc)), encoding="utf-8")
    proc = _run(["cmake", "-G", "Ninja", "-S", str(src), "-B", str(tmp_path / "b"),
                 f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}"], tmp_path, no_system_compiler)
    assert _status(proc.stdout, "ZT_Z") == "ZT_Z-NOTFOUND"
    assert _status(proc.stdout, "ZT_M") == "ZT_M-NOTFOUND"


# ---- slow: meson --------------------------------------------------------------------
MESON_BUILD = """\
project('zt', 'c', 'cpp')
message('ZT_CPU_FAMILY=' + host_machine.cpu_family())
shared_library('ztm', 'a.c', 'b.cpp', install: true)
"""


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["manylinux_2_17_aarch64", "manylinux_2_17_s390x"])
def test_meson_cross_build(spec: str, tmp_path: Path, no_system_compiler: dict[str, str]
                           ) -> None:
    for tool in ("meson", "ninja"):
        if shutil.which(tool, path=no_system_compiler["PATH"]) is None:
            pytest.skip(f"{tool} is not installed")
    tc = _toolchain(spec)
    target: Target = tc.target
    arch = spec.rsplit("_", 1)[1]
    env = no_system_compiler
    src = _project(tmp_path / "src dir", {"meson.build": MESON_BUILD, **SOURCES})
    cross = tmp_path / "cross file.ini"
    cross.write_text(meson.cross_file(target, _tools(tc), python=sys.executable),
                     encoding="utf-8")
    build = tmp_path / "build"
    proc = _run(["meson", "setup", "--cross-file", str(cross), str(build), str(src)],
                tmp_path, env)
    assert _status(proc.stdout, "ZT_CPU_FAMILY") == target.meson["cpu_family"]
    log = (build / "meson-logs" / "meson-log.txt").read_text(encoding="utf-8")
    assert "Could not invoke sanity" not in log and "are not runnable" not in log
    assert "Cannot run cross check" in log  # needs_exe_wrapper: compiled, never run
    assert f"C compiler for the host machine: {tc.tool('cc')}" in log
    assert f"C++ compiler for the host machine: {tc.tool('c++')}" in log
    # meson also probes the build machine's compilers (the broken ones here) and goes on
    # without them: the project has no native: true target.
    _run(["meson", "compile", "-C", str(build)], tmp_path, env)
    machine, _, dyn = _elf(build / "libztm.so")
    assert machine == ELF_MACHINE[arch]
    assert {"zt_c", "zt_cpp"} <= dyn
    # meson install --strip runs the strip shim from the cross file.
    _run(["meson", "install", "-C", str(build), "--strip", "--destdir", str(tmp_path / "d")],
         tmp_path, env)
    installed = next((tmp_path / "d").rglob("libztm.so"))
    machine, names, dyn_after = _elf(installed)
    assert machine == ELF_MACHINE[arch] and dyn_after == dyn and ".symtab" not in names
