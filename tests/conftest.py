"""Shared fixtures: a PATH on which every system compiler fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECTS = Path(__file__).parent / "projects"
ROOT = Path(__file__).parent.parent
SYSTEM_COMPILERS = ("cc", "gcc", "g++", "c++", "clang", "clang++", "x86_64-linux-gnu-gcc",
                    "x86_64-linux-gnu-g++", "aarch64-linux-gnu-gcc", "ld")


@pytest.fixture(scope="session")
def no_system_compiler(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose PATH starts with a folder of compilers that exit 1."""
    folder = tmp_path_factory.mktemp("no-system-compiler")
    for name in SYSTEM_COMPILERS:
        tool = folder / name
        tool.write_text(f'#!/bin/sh\necho "system compiler {name} was called" >&2\nexit 1\n')
        tool.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "CXX", "LDSHARED", "CFLAGS")}
    env["PATH"] = os.pathsep.join([str(folder), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    probe = subprocess.run(["cc", "--version"], env=env, capture_output=True)
    assert probe.returncode == 1, "the broken cc must come first on PATH"
    return env


@pytest.fixture(scope="session")
def zigcc_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, for --find-links."""
    folder = tmp_path_factory.mktemp("find-links")
    # A copy: pip builds in-tree, and each xdist worker builds its own.
    skip = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", ".ci-venv",
                                  "wheelhouse", "__pycache__", ".*_cache")
    src = shutil.copytree(ROOT, tmp_path_factory.mktemp("zigcc-src") / "zigcc", ignore=skip)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder),
                    str(src)], check=True, capture_output=True)
    return folder
