"""A zig that outlives its install: isolated build environments (pip, build, uv) install
ziglang into a folder they delete afterwards. Every toolchain names one copy of zig per
version in zigcc's cache, so a second install at another path reuses zig's cache (no libc++
rebuild) and a shell set up from an install that is gone still compiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zigcc.toolchain import installed

pytestmark = pytest.mark.slow
CPP = "#include <map>\n#include <string>\nint zt(){std::map<std::string,int> m; m[\"a\"]=1;" \
      " return (int)m.size();}\n"


def _second_install(tmp_path: Path) -> Path:
    """Another ziglang install (as an isolated build env has), importable from a folder."""
    site = tmp_path / "isolated-env" / "site-packages"
    shutil.copytree(installed.zig_binary().parent, site / "ziglang", symlinks=True,
                    copy_function=os.link)
    dist = next(Path(p) for p in sys.path if (Path(p) / "ziglang").is_dir())
    for info in dist.glob("ziglang-*.dist-info"):  # its version, for zig_version()
        shutil.copytree(info, site / info.name)
    return site


def _cache_entries(zig_cache: Path) -> int:
    return sum(1 for _ in (zig_cache / "o").iterdir()) if (zig_cache / "o").is_dir() else 0


def test_stable_zig_is_made_once(tmp_path: Path) -> None:
    zig = installed.stable_zig(installed.zig_binary(), tmp_path, installed.zig_version())
    assert zig == tmp_path / "zig" / installed.zig_version() / installed.zig_binary().name
    assert installed.stable_zig(installed.zig_binary(), tmp_path, installed.zig_version()) == zig
    out = subprocess.run([str(zig), "version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == installed.zig_version()


def test_second_install_reuses_zigs_cache_and_may_disappear(tmp_path: Path) -> None:
    cache = tmp_path / "zigcc cache"
    zig_cache = tmp_path / "zig-cache"
    src = tmp_path / "zt.cpp"
    src.write_text(CPP)
    base = {**os.environ, "ZIGCC_CACHE_DIR": str(cache), "ZIG_GLOBAL_CACHE_DIR": str(zig_cache)}

    def env_of(pythonpath: str | None) -> dict[str, str]:
        env = {**base, "PYTHONPATH": pythonpath} if pythonpath else dict(base)
        out = subprocess.run([sys.executable, "-m", "zigcc", "env", "--target",
                              "manylinux_2_17_aarch64", "--shell", "json"], env=env,
                             capture_output=True, text=True, check=True)
        return {**base, **json.loads(out.stdout)}

    def build(env: dict[str, str], name: str) -> None:
        done = subprocess.run([env["CXX"], "-O2", "-shared", "-fPIC", str(src), "-o",
                               str(tmp_path / name)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    first = env_of(None)
    build(first, "a.so")  # builds libc++ for aarch64 into this empty zig cache
    before = _cache_entries(zig_cache)
    site = _second_install(tmp_path)
    second = env_of(str(site))
    assert second["CXX"] == first["CXX"]
    build(second, "b.so")
    # Nothing is rebuilt (measured: 0 new cache entries; 12 when each install's own zig was
    # used: libc++, libc++abi, libunwind and compiler_rt again).
    assert _cache_entries(zig_cache) - before <= 2, _cache_entries(zig_cache) - before
    shutil.rmtree(site.parent)  # the isolated environment is gone
    build(second, "c.so")  # a shell set up from it still compiles
    assert (tmp_path / "c.so").is_file()
