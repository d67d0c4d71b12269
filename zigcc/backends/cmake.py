"""A CMake toolchain file for a zigcc target (``cmake -DCMAKE_TOOLCHAIN_FILE=...``).

What it sets and why:

* ``CMAKE_SYSTEM_NAME`` / ``CMAKE_SYSTEM_PROCESSOR`` from the target: CMake is then in
  cross-compiling mode (``CMAKE_CROSSCOMPILING``), so it never runs what it builds.
* The compilers, ``ar``/``ranlib`` (also as ``CMAKE_<LANG>_COMPILER_AR``/``_RANLIB``, which
  IPO uses), ``strip`` and ``objcopy`` are the toolchain's shims.
* ``CMAKE_FIND_ROOT_PATH`` is the per-target prefixes, with programs searched on the
  build machine (``NEVER``) and libraries, headers and packages only under those
  prefixes (``ONLY``).  With no prefix the toolchain folder itself is the root: CMake does
  not re-root anything when the root list is empty, which would let the build machine's
  ``/usr/lib/<triple>/libz.so`` through.  The build's isolated environment
  (``$VIRTUAL_ENV``: pybind11's or nanobind's CMake packages) is a root as well.  ``CMAKE_SYSROOT`` stays unset: zig brings its
  own libc and headers for every target.
* Python (FindPython, CMake >= 3.16 "Artifacts Specification"): ``Python_INCLUDE_DIR``
  given as a cache entry replaces the header search, and ``Development.Module`` needs no
  library on ELF/Mach-O targets, so nothing of the target has to run.  On Windows
  (``Development.Module`` and ``.SABIModule`` link the DLL's import library) FindPython finds
  ``libpython3XY.a`` / ``libpython3.a`` itself in the interpreter's LIBPL, which answers for
  the target; ``Python_LIBRARY`` is deliberately not set: given while only
  ``Development.SABIModule`` is searched, FindPython (CMake 4.4) never derives the library's
  ABI and reports the component missing.  scikit-build-core sets ``PYTHON_LIBRARY``
  (pybind11's classic mode) and ``Python_SABI_LIBRARY`` for Windows from the same sysconfig
  values.  Without the Interpreter component FindPython asks the build machine's
  ``python3.X-config`` instead (its ``--libs`` are Linux's: ``-ldl``), so Windows builds
  need Interpreter.  ``Python_SOABI`` as a cache entry is kept by FindPython when no
  interpreter is searched with Development (``if(NOT DEFINED Python_SOABI)`` in
  FindPython/Support.cmake); when the
  Interpreter is searched in the same call, FindPython resets SOABI from the interpreter
  path (it came out empty in cross mode with CMake 3.25 and 4.4): projects should then
  search Development.Module in a call of its own.
  ``Python_EXECUTABLE`` pins the build machine's interpreter for the Interpreter
  component: with policy CMP0190 OLD (the default below ``cmake_minimum_required(VERSION
  4.1)``) it is not checked against the target; with CMP0190 NEW, Interpreter together
  with Development needs ``CMAKE_CROSSCOMPILING_EMULATOR`` and is refused without one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath

from zigcc.target.arches import elf_machine_bytes
from zigcc.target.model import Target

TOOL_VARIABLES = (
    ("cc", ("CMAKE_C_COMPILER", "CMAKE_ASM_COMPILER")),
    ("c++", ("CMAKE_CXX_COMPILER",)),
    ("ar", ("CMAKE_AR", "CMAKE_C_COMPILER_AR", "CMAKE_CXX_COMPILER_AR")),
    ("ranlib", ("CMAKE_RANLIB", "CMAKE_C_COMPILER_RANLIB", "CMAKE_CXX_COMPILER_RANLIB")),
    ("strip", ("CMAKE_STRIP",)),
    ("objcopy", ("CMAKE_OBJCOPY",)),
)
# Tools CMake looks up with find_program: set as cache entries so that lookup is skipped.
CACHED_TOOLS = {"CMAKE_AR", "CMAKE_RANLIB", "CMAKE_STRIP", "CMAKE_OBJCOPY",
                "CMAKE_C_COMPILER_AR", "CMAKE_CXX_COMPILER_AR", "CMAKE_C_COMPILER_RANLIB",
                "CMAKE_CXX_COMPILER_RANLIB"}


def quote(value: str) -> str:
    """A CMake quoted argument holding ``value`` literally.

    Inside ``"..."`` CMake expands ``${...}``/``$ENV{...}`` and reads ``\\`` escapes; a
    ``;`` would make the value a list and a newline cannot be part of a path.
    """
    if any(c in value for c in ";\n\r\0"):
        raise ValueError(f"a CMake toolchain path cannot contain ';' or a newline: {value!r}")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def _path(value: str | PurePath) -> str:
    # CMake wants forward slashes (a backslash in a Windows path would be an escape).
    return value.as_posix() if isinstance(value, PurePath) else value.replace("\\", "/")


def toolchain_file(target: Target, tools: Mapping[str, PurePath], *,
                   python_include: str | None = None, python_soabi: str | None = None,
                   prefix_paths: Sequence[str] = (),
                   python_executable: str | None = None,
                   emulator: str | PurePath | None = None) -> str:
    """The text of a CMake toolchain file for ``target`` using the shims in ``tools``.

    ``tools`` maps ``cc``, ``c++``, ``ar``, ``ranlib``, ``strip``, ``objcopy`` to paths
    (missing keys are left to CMake).  ``prefix_paths`` are per-target install prefixes
    (``<prefix>/lib``, ``<prefix>/include``, ``<prefix>/lib/cmake``) that find_library /
    find_path / find_package may use; nothing of the build machine is found.
    """
    lines = [
        f"# zigcc toolchain file for {target.zig_target} (-mcpu={target.mcpu}). "
        "Generated by zigcc.",
        f"set(CMAKE_SYSTEM_NAME {quote(target.cmake_system_name)})",
        f"set(CMAKE_SYSTEM_PROCESSOR {quote(target.cmake_system_processor)})",
        "",
    ]
    for key, variables in TOOL_VARIABLES:
        if key not in tools:
            continue
        path = quote(_path(tools[key]))
        for var in variables:
            if var in CACHED_TOOLS:
                lines.append(f'set({var} {path} CACHE FILEPATH "zigcc {key}" FORCE)')
            else:
                lines.append(f"set({var} {path})")
    roots = [_path(p) for p in prefix_paths]
    if not roots and "cc" in tools:
        # An empty root list disables re-rooting: root at the (library-free) shim folder.
        roots = [_path(PurePath(tools["cc"]).parent)]
    lines += [
        "",
        "# Libraries, headers and packages come from the target's prefixes only.",
        "set(CMAKE_FIND_ROOT_PATH " + " ".join(quote(r) for r in roots) + ")",
        "# The build's own isolated environment (pybind11, nanobind, numpy headers: CMake",
        "# packages installed as build requirements) is a root too; the build machine is not.",
        "if(DEFINED ENV{VIRTUAL_ENV})",
        '  list(APPEND CMAKE_FIND_ROOT_PATH "$ENV{VIRTUAL_ENV}")',
        "endif()",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)",
    ]
    if emulator is not None:
        lines += [
            "",
            "# Build-machine programs run as they are; target code is refused with one line",
            "# (try_run and add_test in a cross build). FindPython's Interpreter component",
            "# then describes the target (CMP0190 NEW: SOABI and headers from the interpreter).",
            f"set(CMAKE_CROSSCOMPILING_EMULATOR {quote(_path(emulator))})",
        ]
    python: list[str] = []
    for prefix in ("Python", "Python3"):
        if python_executable is not None:
            python.append(f'set({prefix}_EXECUTABLE {quote(_path(python_executable))} '
                          'CACHE FILEPATH "zigcc: the build machine\'s interpreter")')
        if python_include is not None:
            python.append(f'set({prefix}_INCLUDE_DIR {quote(_path(python_include))} '
                          'CACHE PATH "zigcc: the target\'s Python headers")')
        if python_soabi is not None:
            python.append(f'set({prefix}_SOABI {quote(python_soabi)} '
                          'CACHE STRING "zigcc: the target\'s SOABI")')
    if python:
        lines += ["", "# FindPython: the target's artifacts, no target interpreter is run.",
                  *python]
    return "\n".join(lines) + "\n"


# Cache definitions for the CMake command line (a policy default must be known before the
# project's cmake_minimum_required, i.e. before the toolchain file is read).
POLICY_DEFINES = {"CMAKE_POLICY_DEFAULT_CMP0190": "NEW"}



def emulator_script(target: Target, build_arch: str) -> str:
    """A POSIX sh ``CMAKE_CROSSCOMPILING_EMULATOR``: runs build-machine programs (the
    interpreter FindPython asks) unchanged, and refuses the target's executables with one
    line, so that a try_run in a cross build fails loudly instead of running the wrong code.
    """
    refuse = elf_machine_bytes(target.info) if target.arch != build_arch else None
    check = "" if refuse is None else (
        '\nif [ "$(od -An -N4 -tx1 "$1" 2>/dev/null | tr -d \' \\n\')" = 7f454c46 ] && \\\n'
        f'   [ "$(od -An -j18 -N2 -tx1 "$1" 2>/dev/null | tr -d \' \\n\')" = {refuse} ]; then\n'
        f'  echo "zigcc: $1 is {target.arch} code; a cross build cannot run it (CMake '
        'try_run/add_test): give its result as a cache value" >&2\n'
        "  exit 126\nfi")
    return (f"#!/bin/sh\n# zigcc: CMAKE_CROSSCOMPILING_EMULATOR for {target.zig_target} on a "
            f"{build_arch} build machine. Generated by zigcc.{check}\nexec \"$@\"\n")
