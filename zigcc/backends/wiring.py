"""Per-backend cross configuration for one build: files rendered from the target model
(:mod:`zigcc.backends`) and the config settings / variables that hand them to the backend.

- scikit-build-core: a CMake toolchain file, as ``-C cmake.define.CMAKE_TOOLCHAIN_FILE`` (and as
  ``CMAKE_TOOLCHAIN_FILE`` in the environment, which CMake >= 3.21 reads, for any other backend
  that runs CMake itself), policy CMP0190 NEW by default and ``cmake.version >= 4.1``;
- meson-python: a meson cross file, appended to ``setup-args``;
- setuptools and the rest: the target environment alone.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zigcc.backends import cmake, meson
from zigcc.errors import ZigccError
from zigcc.python import formats
from zigcc.python.description import TargetPython
from zigcc.python.probe import TargetFacts
from zigcc.target.model import Target
from zigcc.toolchain.folder import Toolchain

CMAKE_BACKENDS = ("scikit_build_core.build", "scikit_build_core.setuptools.build_meta")
MESON_BACKENDS = ("mesonpy",)
MIN_CMAKE = ">=4.1"


@dataclass(frozen=True)
class BackendFiles:
    cmake_toolchain: Path | None = None
    meson_cross: Path | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    meson_build_config: Path | None = None  # PEP 739 file for meson's python module


def render(target: Target, tc: Toolchain, tp: TargetPython, include_dir: str, prefix: Path,
           folder: Path, build_arch: str, build_env_roots: Sequence[str] = (),
           facts: TargetFacts | None = None) -> BackendFiles:
    """Write the CMake toolchain file (and its emulator launcher) and the meson cross file of
    this build into ``folder``. ``build_env_roots`` are the folders of the build's own
    environment (pip's overlay on PYTHONPATH, a venv), whose CMake packages (pybind11,
    nanobind) find_package may use; ``facts`` (the target compiler's probe) give the cross
    file's properties (numpy's longdouble_format)."""
    folder.mkdir(parents=True, exist_ok=True)
    tools = tc.tools()
    emulator = folder / "emulator"
    emulator.write_text(cmake.emulator_script(target, build_arch), encoding="utf-8")
    emulator.chmod(0o755)
    cmake_file = folder / "toolchain.cmake"
    cmake_file.write_text(cmake.toolchain_file(
        target, tools, python_include=include_dir, python_soabi=tp.soabi,
        prefix_paths=(str(prefix), *build_env_roots), emulator=emulator), encoding="utf-8")
    cross_file = folder / "cross.ini"
    cross_file.write_text(meson.cross_file(
        target, tools,
        pkg_config_path=(str(prefix / "lib" / "pkgconfig"),), facts=facts), encoding="utf-8")
    build_config = None
    if target.os == "windows":
        # meson finds a Windows CPython's import libraries (python3.dll's for limited_api)
        # under the build interpreter's prefix unless a PEP 739 file names them (meson >= 1.10)
        build_config = folder / "build-details-meson.json"
        build_config.write_text(formats.render(tp, target, "meson", include_dir=include_dir),
                                encoding="utf-8")
    return BackendFiles(cmake_file, cross_file, {"CMAKE_TOOLCHAIN_FILE": str(cmake_file)},
                        build_config)


@dataclass(frozen=True)
class ExtraFlags:
    """Flags added to the target toolchain's (the draft PEP's ``system:cflags`` and kin):
    in CFLAGS, CXXFLAGS and LDFLAGS, which setuptools and CMake read; meson reads no
    variable in a cross build, so it gets them as ``-Dc_args`` and kin."""

    c: tuple[str, ...] = ()
    cxx: tuple[str, ...] = ()
    link: tuple[str, ...] = ()

    def environ(self, environ: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, flags in (("CFLAGS", self.c), ("CXXFLAGS", self.cxx), ("LDFLAGS", self.link)):
            if flags:
                out[name] = " ".join(filter(None, (environ.get(name, ""), shlex.join(flags))))
        return out

    def meson_args(self) -> list[str]:
        pairs = (("c_args", self.c), ("cpp_args", self.cxx), ("c_link_args", self.link),
                 ("cpp_link_args", self.link))
        # A list literal: meson takes each item whole (no splitting on commas or spaces).
        return [f"-D{option}={list(flags)!r}" for option, flags in pairs if flags]


def check_compilers(tc: Toolchain, cc: Sequence[str], cxx: Sequence[str]) -> None:
    """``system:cc`` / ``system:c++`` may only name zigcc's own shims: zigcc is the compiler."""
    for key, words, tool in (("system:cc", cc, "cc"), ("system:c++", cxx, "c++")):
        if words and os.path.realpath(words[0]) != os.path.realpath(tc.tool(tool)):
            raise ZigccError(f"config setting {key}={shlex.join(words)!r}: zigcc is the "
                             f"compiler; drop it, or name zigcc's own {tc.tool(tool)}")


def config_settings(backend: str, files: BackendFiles, user: Mapping[str, str | list[str]],
                    flags: ExtraFlags | None = None) -> dict[str, str | list[str]]:
    """The user's config settings plus the backend's cross configuration."""
    out: dict[str, str | list[str]] = {k: (list(v) if isinstance(v, list) else v)
                                       for k, v in user.items()}
    name = backend.split(":")[0]
    if name in CMAKE_BACKENDS and files.cmake_toolchain is not None:
        out.setdefault("cmake.define.CMAKE_TOOLCHAIN_FILE", str(files.cmake_toolchain))
        for key, value in cmake.POLICY_DEFINES.items():
            out.setdefault(f"cmake.define.{key}", value)
        # FindPython names modules for the target (SOABI) in a cross build only with policy
        # CMP0190, new in CMake 4.1: scikit-build-core fetches such a CMake when the build
        # machine's is older.
        out.setdefault("cmake.version", MIN_CMAKE)
    if name in MESON_BACKENDS and files.meson_cross is not None:
        _append(out, "setup-args", f"--cross-file={files.meson_cross}")
    if name in MESON_BACKENDS and files.meson_build_config is not None:
        _append(out, "setup-args", f"-Dpython.build_config={files.meson_build_config}")
    if name in MESON_BACKENDS and flags is not None:
        for arg in flags.meson_args():
            _append(out, "setup-args", arg)
    return out


def _append(settings: dict[str, str | list[str]], key: str, value: str) -> None:
    old = settings.get(key)
    if old is None:
        settings[key] = [value]
    elif isinstance(old, list):
        settings[key] = [*old, value]
    else:
        settings[key] = [old, value]
