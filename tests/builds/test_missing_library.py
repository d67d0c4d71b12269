"""A C library the target lacks, with the real PyYAML sdist cross-built for aarch64: without
libyaml its optional extension is left out and the refusal names yaml.h with the hint that
builds it; with libyaml 0.2.5 (Debian's orig tarball) built in before-all for the target into
ZIGCC_PREFIX, the wheel has yaml._yaml compiled against it, and yaml.CLoader works in Debian's
arm64 CPython under qemu."""

from __future__ import annotations

from pathlib import Path

import debian_sysroots
import pytest
from buildhelp import (
    TARGETS,
    debian_source,
    install_for,
    logs,
    members,
    run_in,
    wheels,
    zigcc_build,
)
from real_sdists import PYYAML, ensure_sdist

from zigcc.target.model import parse

pytestmark = pytest.mark.slow
TAG = TARGETS["arm64"]
LIBYAML_SOURCE = ("pool/main/liby/libyaml/libyaml_0.2.5.orig.tar.gz",
                  "fa240dbf262be053f3898006d502d514936c818e422afdcf33921c63bed9bf2e")
# Debian's orig tarball is the git tree (no configure script): CMake with the target's
# toolchain file, a static PIC library into the per-target prefix.
BEFORE_ALL = ('d=$(mktemp -d) && tar xzf "$ZT_LIBYAML_SOURCE" -C "$d" && '
              'cmake -S "$d/libyaml-0.2.5" -B "$d/build" -DCMAKE_TOOLCHAIN_FILE="$CMAKE_TOOLCHAIN_FILE" '
              '-DCMAKE_INSTALL_PREFIX="$ZIGCC_PREFIX" -DCMAKE_BUILD_TYPE=Release '
              "-DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF "
              '-DCMAKE_POLICY_VERSION_MINIMUM=3.5 && cmake --build "$d/build" -j 2 && '
              'cmake --install "$d/build" && rm -rf "$d"')


def test_without_libyaml_the_refusal_names_yaml_h(no_system_compiler: dict[str, str],
                                                  tmp_path: Path) -> None:
    target_py = debian_sysroots.ensure_python("arm64")
    out = tmp_path / "wheelhouse"
    done = zigcc_build(ensure_sdist(PYYAML), TAG, target_py.root, out, no_system_compiler)
    assert done.returncode == 1, done.stdout + logs(out)[-3000:]
    assert wheels(out) == [] and len(list((out / ".zigcc" / "rejected").glob("*.whl"))) == 1
    lines = done.stdout.splitlines()
    verdict = next(line for line in lines if ": verify: " in line)
    assert "verify: the build did not find header yaml.h; pyyaml-6.0.4" in verdict, verdict
    assert any("fatal error: 'yaml.h' file not found" in line for line in lines), done.stdout
    (hint,) = [line for line in lines if "hint: " in line]
    assert "ZIGCC_BEFORE_ALL='" in hint and "--host=$ZIGCC_HOST --prefix=$ZIGCC_PREFIX" in hint
    row = lines[-2]  # the summary's row names it too
    assert "yaml.h" in row, done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_a_library_missing_at_link_time_is_named(no_system_compiler: dict[str, str],
                                                 tmp_path: Path) -> None:
    """A required extension linking a library the target lacks: the build fails, and the
    terminal shows the linker's words and the hint."""
    src = tmp_path / "needs_lib"
    src.mkdir()
    (src / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools>=64"]\n'
                                        'build-backend = "setuptools.build_meta"\n')
    (src / "setup.py").write_text(
        "from setuptools import Extension, setup\n"
        "setup(name='zt_needs', version='1.0', ext_modules=[Extension('zt_needs', "
        "['zt_needs.c'], libraries=['zt_absent'])])\n")
    (src / "zt_needs.c").write_text("#include <Python.h>\nint zt_absent_fn(void);\n"
                                    "PyMODINIT_FUNC PyInit_zt_needs(void) "
                                    "{ zt_absent_fn(); return NULL; }\n")
    target_py = debian_sysroots.ensure_python("arm64")
    out = tmp_path / "wheelhouse"
    done = zigcc_build(src, TAG, target_py.root, out, no_system_compiler)
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    verdict = next(line for line in lines if "the build backend failed" in line)
    assert "zt_absent" in verdict, done.stdout
    (hint,) = [line for line in lines if "hint: " in line]
    assert "hint: build the library -lzt_absent for the target" in hint, hint
    assert wheels(out) == [] and "Traceback" not in done.stdout + done.stderr


def test_libyaml_built_in_before_all_makes_the_extension(no_system_compiler: dict[str, str],
                                                         tmp_path: Path) -> None:
    target_py = debian_sysroots.ensure_python("arm64")
    out = tmp_path / "wheelhouse"
    env = {**no_system_compiler, "ZIGCC_BEFORE_ALL": BEFORE_ALL,
           "ZT_LIBYAML_SOURCE": str(debian_source(*LIBYAML_SOURCE))}
    done = zigcc_build(ensure_sdist(PYYAML), TAG, target_py.root, out, env)
    assert done.returncode == 0, done.stdout[-3000:] + logs(out)[-6000:]
    prefix = out / ".zigcc" / "prefix"
    assert list(prefix.glob("*/lib/libyaml.a")) and list(prefix.glob("*/include/yaml.h"))
    (wheel,) = wheels(out)
    assert wheel.name.endswith(f"-cp311-cp311-{parse(TAG).wheel_platform}.whl"), wheel.name
    assert "yaml/_yaml" + target_py.ext_suffix in members(wheel)
    site = tmp_path / "site"
    install_for(target_py, TAG, site, [wheel])
    run = run_in(target_py, site, PYYAML.smoke, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
