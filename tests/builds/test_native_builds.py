"""Native builds with no system compiler: `eval "$(zigcc env)"` then an isolated pip wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import PROJECTS

pytestmark = pytest.mark.slow

CHECKS = {
    "cmath_ext": "import zt_cmath as m; assert m.hypot(3, 4) == 5.0; "
                 "assert m.sum_calls(lambda i: i * i, 10) == 285; "
                 "import struct, sys; assert m.layout() == (struct.calcsize('l'), "
                 "struct.calcsize('P'), sys.byteorder), m.layout()",
    "cpp_ext": "import zt_cpp as m; assert m.word_counts('b a b') == [('a', 1), ('b', 2)]\n"
               "try:\n    m.word_counts('  ')\nexcept ValueError as e:\n"
               "    assert str(e) == 'no words in input'\nelse:\n    raise SystemExit('no raise')",
    "cython_ext": "import zt_cy as m; assert m.primes(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]",
}


@pytest.mark.parametrize("project", sorted(CHECKS))
def test_pip_wheel_with_zig_only(project: str, no_system_compiler: dict[str, str],
                                 tmp_path: Path) -> None:
    out = tmp_path / "wheels"
    src = shutil.copytree(PROJECTS / project, tmp_path / project)  # pip builds in-tree
    script = (f'eval "$("{sys.executable}" -m zigcc env)" && '
              f'"{sys.executable}" -m pip wheel --no-deps -w "{out}" "{src}"')
    build = subprocess.run(["sh", "-c", script], env=no_system_compiler, capture_output=True,
                           text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "system compiler" not in build.stdout + build.stderr
    (wheel,) = out.glob("*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, env=no_system_compiler)
    run = subprocess.run([str(py), "-c", CHECKS[project]], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # The extension was linked by zig (lld), not by a system toolchain.
    so = next((env_dir / "lib").glob("python3*/site-packages/zt_*.so"))
    comment = subprocess.run(["readelf", "-p", ".comment", str(so)], capture_output=True,
                             text=True).stdout
    assert "Linker: LLD" in comment and "GCC:" not in comment


def test_cache_path_with_a_space(no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """A user profile with a space (Windows-style): setuptools splits CC on whitespace, so the
    toolchain reaches it through a space-free link, and the build works."""
    out = tmp_path / "wheels"
    src = shutil.copytree(PROJECTS / "cmath_ext", tmp_path / "cmath_ext")
    env = {**no_system_compiler, "ZIGCC_CACHE_DIR": str(tmp_path / "Jane Doe" / "zigcc cache")}
    script = (f'eval "$("{sys.executable}" -m zigcc env)" && echo "CC=$CC" && '
              f'"{sys.executable}" -m pip wheel --no-deps -w "{out}" "{src}"')
    build = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    cc = next(line[3:] for line in build.stdout.splitlines() if line.startswith("CC="))
    assert " " not in cc and Path(cc).resolve().is_relative_to(tmp_path / "Jane Doe")
    assert len(list(out.glob("*.whl"))) == 1
