"""What a failed or refused build says about a C header or library it did not find, read from
log text as the tools print it (lines copied from real builds: PyYAML 6.0.4 with zig cc and no
libyaml, CMake 3.25, pkgconf 1.8.1, zig 0.17's linker, meson)."""

from __future__ import annotations

import pytest

from zigcc.frontend.logscan import WIDTH, build_failure, first_error, missing, rejection

PYYAML_LOG = """\
running build_ext
building 'yaml._yaml' extension
/root/.cache/zigcc/toolchains/zig-0.17.1/aarch64-linux-gnu.2.17/cc -fPIC -c yaml/_yaml.c -o build/temp/yaml/_yaml.o
In file included from yaml/_yaml.c:1255:
yaml/_yaml.h:2:10: fatal error: 'yaml.h' file not found
    2 | #include <yaml.h>
      |          ^~~~~~~~
1 error generated.
Error compiling module, falling back to pure Python
installing to build/bdist.linux-aarch64/wheel
"""
CMAKE_PKG_CONFIG_LOG = """\
-- The C compiler identification is Clang 22.1.8
-- Could NOT find OpenMP_C (missing: OpenMP_C_FLAGS OpenMP_C_LIB_NAMES)
-- Found PkgConfig: /usr/bin/pkg-config (found version "1.8.1")
-- Checking for module 'yaml-0.1'
--   Package 'yaml-0.1', required by 'virtual:world', not found
CMake Error at /usr/share/cmake-3.25/Modules/FindPkgConfig.cmake:607 (message):
  A required package was not found
Call Stack (most recent call first):
  /usr/share/cmake-3.25/Modules/FindPkgConfig.cmake:829 (_pkg_check_modules_internal)
  CMakeLists.txt:6 (pkg_check_modules)


-- Configuring incomplete, errors occurred!
"""
CMAKE_FIND_LOG = """\
-- Could NOT find ZLIB (missing: ZLIB_LIBRARY ZLIB_INCLUDE_DIR)
CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230 (message):
  Could NOT find LibYAML (missing: LIBYAML_LIBRARY LIBYAML_INCLUDE_DIR)
Call Stack (most recent call first):
  /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:600 (_FPHSA_FAILURE_MESSAGE)
"""
SETUP_PKG_CONFIG_LOG = """\
running build_ext
Package yaml-0.1 was not found in the pkg-config search path.
Perhaps you should add the directory containing `yaml-0.1.pc'
to the PKG_CONFIG_PATH environment variable
Package 'yaml-0.1', required by 'virtual:world', not found
Traceback (most recent call last):
  File "setup.py", line 9, in <module>
subprocess.CalledProcessError: Command '['pkg-config', '--cflags', 'yaml-0.1']' returned non-zero exit status 1.
"""
SYNTAX_ERROR_LOG = """\
-- Could NOT find OpenMP_C (missing: OpenMP_C_FLAGS OpenMP_C_LIB_NAMES)
zt_bad.c:2:36: error: expected ';' after return statement
    2 | static int answer(void) { return 42 }
      |                                    ^
"""
REFUSED = ("verify: pyyaml-6.0.4-cp311-cp311-linux_aarch64.whl: tagged linux_aarch64 but holds "
           "no compiled code (no ELF file); a pure-Python wheel must be tagged py3-none-any: "
           "drop plat_name / --plat-name from the build")


@pytest.mark.parametrize(("line", "kind", "name"), [
    ("yaml/_yaml.h:2:10: fatal error: 'yaml.h' file not found", "header", "yaml.h"),
    ("src/a.c:3:10: fatal error: yaml.h: No such file or directory", "header", "yaml.h"),
    ("a.c:1:10: fatal error: 'openssl/ssl.h' file not found", "header", "openssl/ssl.h"),
    ("ld.lld: error: unable to find library -lyaml", "library", "yaml"),
    ('error: unable to find dynamic system library "yaml" using strategy paths_first. '
     "searched paths: none", "library", "yaml"),
    ("/usr/bin/ld: cannot find -lyaml: No such file or directory", "library", "yaml"),
    ("../meson.build:12:4: ERROR: C shared or static library 'yaml' not found", "library",
     "yaml"),
    ('../meson.build:10:0: ERROR: Dependency "yaml-0.1" not found, tried pkgconfig and cmake',
     "meson", "yaml-0.1"),
    ("Run-time dependency yaml-0.1 found: NO (tried pkgconfig and cmake)", "meson", "yaml-0.1"),
    ("Package yaml-0.1 was not found in the pkg-config search path.", "pkg-config", "yaml-0.1"),
    ("--   Package 'yaml-0.1', required by 'virtual:world', not found", "pkg-config",
     "yaml-0.1"),
    ("--   No package 'yaml-0.1' found", "pkg-config", "yaml-0.1"),
    ("  Could NOT find LibYAML (missing: LIBYAML_LIBRARY LIBYAML_INCLUDE_DIR)", "cmake",
     "LibYAML"),
    ('  Could not find a package configuration file provided by "yaml" with any of',
     "cmake", "yaml"),
])
def test_each_spelling_names_what_is_missing(line: str, kind: str, name: str) -> None:
    found = missing(["unrelated line", line])
    assert found is not None and (found.kind, found.name) == (kind, name), found
    assert found.line == line.strip()


@pytest.mark.parametrize("line", [
    "m.c:1:10: fatal error: 'Python.h' file not found",
    "m.cpp:3:10: fatal error: 'pybind11/pybind11.h' file not found",
    "m.c:5:10: fatal error: 'numpy/arrayobject.h' file not found",
    "m.c:2:1: error: unknown type name 'yaml_parser_t'",
])
def test_python_headers_and_other_errors_are_not_a_c_library(line: str) -> None:
    assert missing([line]) is None


def test_a_compiler_error_for_a_header_gets_the_hint() -> None:
    lines = build_failure(PYYAML_LOG)
    assert lines[:3] == ["yaml/_yaml.h:2:10: fatal error: 'yaml.h' file not found",
                         "    2 | #include <yaml.h>", "      |          ^~~~~~~~"]
    hint = lines[-1]
    assert hint.startswith("hint: build the library with yaml.h for the target: "
                           "ZIGCC_BEFORE_ALL='curl -L <url> | tar xz && cd <dir> && "), hint
    for word in ("./configure --host=$ZIGCC_HOST --prefix=$ZIGCC_PREFIX", "make install",
                 "--disable-shared --with-pic", "-DCMAKE_TOOLCHAIN_FILE=$CMAKE_TOOLCHAIN_FILE"):
        assert word in hint, hint
    assert len(hint) <= WIDTH and first_error(PYYAML_LOG) == lines[:-1]


def test_a_code_error_gets_no_hint() -> None:
    """The first error is the code's own: an optional CMake lookup before it is not the
    reason."""
    assert build_failure(SYNTAX_ERROR_LOG) == first_error(SYNTAX_ERROR_LOG)
    assert len(first_error(SYNTAX_ERROR_LOG)) == 3


def test_cmake_names_the_package_its_error_is_about() -> None:
    lines = build_failure(CMAKE_PKG_CONFIG_LOG)
    assert lines[:2] == ["CMake Error at /usr/share/cmake-3.25/Modules/FindPkgConfig.cmake:607 "
                         "(message):", "  A required package was not found"]
    assert lines[2] == "--   Package 'yaml-0.1', required by 'virtual:world', not found"
    assert lines[3].startswith("hint: build the library of yaml-0.1.pc for the target")
    lines = build_failure(CMAKE_FIND_LOG)  # the REQUIRED one, not the optional ZLIB before it
    assert lines[1] == "  Could NOT find LibYAML (missing: LIBYAML_LIBRARY LIBYAML_INCLUDE_DIR)"
    assert lines[-1].startswith("hint: build CMake's package LibYAML for the target")


def test_pkg_config_run_by_setup_py_is_named() -> None:
    lines = build_failure(SETUP_PKG_CONFIG_LOG)
    assert "Package 'yaml-0.1', required by 'virtual:world', not found" in lines[-2] or \
        "Package yaml-0.1 was not found" in lines[-2], lines
    assert lines[-1].startswith("hint: build the library of yaml-0.1.pc"), lines


def test_a_refused_wheel_names_what_the_build_left_out() -> None:
    verdict, details = rejection(REFUSED, PYYAML_LOG)
    assert verdict.startswith("verify: the build did not find header yaml.h; "
                              "pyyaml-6.0.4-cp311-cp311-linux_aarch64.whl: tagged"), verdict
    assert len(verdict) <= WIDTH
    assert details[0] == verdict  # the terminal shows details[1:] under the verdict
    assert details[1] == "yaml/_yaml.h:2:10: fatal error: 'yaml.h' file not found"
    assert details[2].startswith("hint: build the library with yaml.h for the target")


def test_a_refused_wheel_with_nothing_missing_is_unchanged() -> None:
    assert rejection(REFUSED, "running build_ext\ncopying x.py\n") == (REFUSED, [])
