"""A numpy C API user cross-built: it compiles against the *target's* numpy headers (its
``_numpyconfig.h`` sizes are checked by ``_Static_assert``), taken from numpy's wheel for the
target, and runs in Debian's CPython under qemu; where no such wheel can be had the build
stops with one line saying how to supply one."""

from __future__ import annotations

import os
from pathlib import Path

import debian_sysroots
from buildhelp import install_for, logs, run_in, wheels, zigcc_build
from conftest import PROJECTS

PROJECT = PROJECTS / "npy_sizes"


def test_numpy_c_api_user_for_aarch64_uses_the_targets_numpy(
        tmp_path: Path, debian_python, real_zig: Path) -> None:
    target_py = debian_python("arm64")  # bookworm: glibc 2.36, numpy's wheels need 2.28
    debian_sysroots.ensure_packages("arm64", ["libstdc++6"])  # numpy's own C++ runtime
    out = tmp_path / "out"
    done = zigcc_build(PROJECT, "manylinux_2_28_aarch64", "3.11", out, os.environ)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    log = logs(out)
    assert "zigcc: the target's files of numpy " in log
    assert "numpy/_core/include/" in log and "aarch64" in log.split("target's files of")[1]
    site = tmp_path / "site"
    install_for(target_py, "manylinux_2_28_aarch64", site, wheels(out), deps=["numpy<2.5"])
    ran = run_in(target_py, site, "import numpy as np, npy_sizes\n"
                 "assert npy_sizes.sizes() == (8, 8, 16), npy_sizes.sizes()\n"
                 "assert npy_sizes.total(np.arange(10)) == 45\n"
                 "assert npy_sizes.total([2**40, 1]) == 2**40 + 1\nprint('OK')", tmp_path)
    assert "OK" in ran.stdout, ran.stdout + ran.stderr


def test_without_a_target_numpy_the_build_says_how_to_get_one(
        tmp_path: Path, real_zig: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "PIP_FIND_LINKS"}
    done = zigcc_build(PROJECT, "manylinux_2_17_armv7l", "3.11", out, env)
    assert done.returncode == 1
    failed = [ln for ln in done.stdout.splitlines() if "manylinux_2_17_armv7l  cp311" in ln]
    assert failed and "the build requires numpy" in failed[0], done.stdout
    assert "wheel for manylinux_2_17_armv7l in the out-dir or in PIP_FIND_LINKS" in done.stdout
    assert not wheels(out)
