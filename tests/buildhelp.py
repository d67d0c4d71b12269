"""Helpers for the `zigcc build` tests: run the real command, install wheels for a Debian
interpreter, run code in it under qemu.  No pytest here (the real-sdist tests share it)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import debian_sysroots
from debian_index import debian_mirror

# zlib's source as Debian ships it (bookworm): for a C library the target has no copy of.
ZLIB_SOURCE = ("pool/main/z/zlib/zlib_1.2.13.dfsg.orig.tar.bz2",
               "71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1")

# Debian arch -> the target zigcc builds for it
TARGETS = {
    "arm64": "manylinux_2_17_aarch64",
    "armhf": "manylinux_2_17_armv7l",
    "i386": "manylinux_2_17_i686",
    "ppc64el": "manylinux_2_19_ppc64le",
    "s390x": "manylinux_2_17_s390x",
    "riscv64": "manylinux_2_27_riscv64",
}


def zigcc_build(src: Path | str, target: str, python: Path | str, out: Path,
                env: Mapping[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """`zigcc build SRC --target T --python P --out-dir OUT` as a user runs it."""
    cmd = [sys.executable, "-m", "zigcc", "build", str(src), "--target", target, "--python",
           str(python), "--out-dir", str(out), *extra]
    return subprocess.run(cmd, env=dict(env), capture_output=True, text=True, timeout=1800)


def zigcc_matrix(src: Path | str, out: Path, pythons: Sequence[str], targets: Sequence[str],
                 path: Sequence[Path]) -> subprocess.CompletedProcess[str]:
    """`zigcc build` of a targets x Pythons matrix, ``-j 2``, with ``path`` (the source-built
    interpreters) first on PATH: how a user who installed them runs it (no --build-python)."""
    import os

    cmd = [sys.executable, "-m", "zigcc", "build", str(src), "--out-dir", str(out), "-j", "2"]
    for python in pythons:
        cmd += ["--python", python]
    for target in targets:
        cmd += ["--target", target]
    env = {**os.environ, "PATH": os.pathsep.join([*map(str, path), os.environ["PATH"]])}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env=env)


def wheels(out: Path) -> list[Path]:
    return sorted(out.glob("*.whl"))


def logs(out: Path) -> str:
    return "".join(p.read_text() for p in sorted((out / ".zigcc" / "logs").glob("*.log")))


def compile_lines(log: str, toolchain_marker: str = "/toolchains/") -> list[str]:
    """The C/C++ compile commands (``-c``) the backend ran through zigcc's shims."""
    return [line for line in log.splitlines()
            if toolchain_marker in line and re.search(r"\s-c\s", line)]


def install_for(target_py: debian_sysroots.DebianPython, tag: str, site: Path,
                wheel_files: Sequence[Path], deps: Sequence[str] = ()) -> None:
    """Install wheels (and PyPI dependencies) for that interpreter, as pip would there."""
    args = [sys.executable, "-m", "pip", "install", "-q", "--target", str(site), "--platform",
            tag, "--python-version", "{}.{}".format(*target_py.version), "--only-binary=:all:",
            "--disable-pip-version-check"]
    if not deps:
        args.append("--no-deps")
    subprocess.run([*args, *map(str, wheel_files), *deps], check=True)


def run_in(target_py: debian_sysroots.DebianPython, site: Path, code: str, cwd: Path
           ) -> subprocess.CompletedProcess[str]:
    return target_py.run("-c", code, env={"PYTHONPATH": str(site)}, cwd=cwd)


def members(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def debian_source(pool_path: str, sha256: str) -> Path:
    """A Debian source tarball, downloaded once into the test cache and checked."""
    dest = debian_sysroots.default_cache() / "sources" / Path(pool_path).name
    if dest.is_file() and hashlib.sha256(dest.read_bytes()).hexdigest() == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(f"{debian_mirror()}/{pool_path}", timeout=120) as response:
        data = response.read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise RuntimeError(f"{pool_path}: sha256 {got}, expected {sha256}")
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return dest
