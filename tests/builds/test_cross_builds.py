"""setuptools cross builds, proven in Debian's real CPython of each architecture (qemu-user).

For each architecture, with every system compiler broken on PATH: `eval "$(zigcc env
--target TAG --python <sysroot>)"` then an unmodified, isolated `pip wheel`; check the
wheel's tag, machine type, glibc versions and the absence of build-machine paths; install
it for that interpreter and import and call the extensions under emulation. The dump
tool run inside the emulated interpreter must agree with zigcc's reading of the sysroot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import debian_sysroots
import pytest
from conftest import PROJECTS

from zigcc.python import description as pytarget
from zigcc.python import dump
from zigcc.target.model import parse
from zigcc.toolchain.installed import zig_binary
from zigcc.verify import wheelcheck

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parent.parent.parent

# Debian arch -> (requested tag, (sizeof(long), sizeof(void *), byte order))
ARCHES = {
    "arm64": ("manylinux_2_17_aarch64", (8, 8, "little")),
    "armhf": ("manylinux_2_17_armv7l", (4, 4, "little")),
    "i386": ("manylinux_2_17_i686", (4, 4, "little")),
    "ppc64el": ("manylinux_2_19_ppc64le", (8, 8, "little")),
    "s390x": ("manylinux_2_17_s390x", (8, 8, "big")),
    "riscv64": ("manylinux_2_27_riscv64", (8, 8, "little")),
}

CALLS = """
import zt_cmath as m, zt_cpp as c
assert m.hypot(3, 4) == 5.0, m.hypot(3, 4)
assert m.sum_calls(lambda i: i * i, 10) == 285
print(repr(m.layout()))
assert c.word_counts("b a b") == [("a", 1), ("b", 2)]
try:
    c.word_counts("   ")
except ValueError as e:
    assert str(e) == "no words in input"
else:
    raise SystemExit("C++ exception did not become ValueError")
print("calls ok")
"""


def _build_python(version: tuple[int, int], tmp_factory: pytest.TempPathFactory) -> str:
    """An interpreter of the target's version with zigcc installed (the build Python)."""
    if sys.version_info[:2] == version:
        return sys.executable
    name = "python{}.{}".format(*version)
    candidates = [*map(str, Path.home().glob(f".pyenv/versions/{version[0]}.{version[1]}.*/bin/"
                                             f"{name}")), shutil.which(name)]
    found = next((c for c in candidates if c and subprocess.run(
        [c, "-c", ""], capture_output=True).returncode == 0), None)
    assert found, f"{name} is needed to build for a CPython {version} target; install it"
    env_dir = tmp_factory.mktemp(f"build-{name}")
    subprocess.run([found, "-m", "venv", str(env_dir)], check=True)
    py = str(env_dir / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", "-e", str(ROOT)], check=True)
    return py


@pytest.fixture(scope="module")
def build_pythons(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, int], str]:
    return {}


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_cross_build_runs_on_real_cpython(arch: str, no_system_compiler: dict[str, str],
                                          tmp_path: Path, build_pythons: dict[tuple[int, int], str],
                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    tag, layout = ARCHES[arch]
    target_py = debian_sysroots.ensure_python(arch)
    if target_py.version not in build_pythons:
        build_pythons[target_py.version] = _build_python(target_py.version, tmp_path_factory)
    py = build_pythons[target_py.version]

    out = tmp_path / "wheels"
    # arm64 also builds a Cython project: pip must install an x86_64 Cython into the isolated
    # build env (it would pick an aarch64 one if _PYTHON_HOST_PLATFORM were set globally).
    projects = ("cmath_ext", "cpp_ext", "cython_ext") if arch == "arm64" else ("cmath_ext",
                                                                              "cpp_ext")
    for project in projects:
        src = shutil.copytree(PROJECTS / project, tmp_path / project)
        script = (f'eval "$("{py}" -m zigcc env --target {tag} --python "{target_py.root}")" && '
                  f'"{py}" -m pip wheel --no-deps -w "{out}" "{src}"')
        build = subprocess.run(["sh", "-c", script], env=no_system_compiler,
                               capture_output=True, text=True)
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
        assert "system compiler" not in build.stdout + build.stderr
    wheels = sorted(out.glob("*.whl"))
    assert len(wheels) == len(projects)

    target = parse(tag)
    vtag = "cp{}{}".format(*target_py.version)
    for wheel in wheels:
        assert wheel.name.endswith(f"-{vtag}-{vtag}-{tag}.whl"), wheel.name
        assert wheelcheck.problems(wheel, target) == []
        elves = wheelcheck.wheel_elves(wheel)
        assert len(elves) == 1
        (elf,) = elves
        assert elf.name.endswith(target_py.ext_suffix)
        assert elf.machine == target.info.elf
        assert elf.max_glibc is not None and elf.max_glibc <= target.libc_version
        _assert_no_build_machine_paths(wheel, [str(tmp_path), sys.base_prefix, "/usr/include",
                                               str(target_py.root), str(zig_binary().parent),
                                               str(Path.home())])

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), "--platform", tag, "--python-version",
                    "{}.{}".format(*target_py.version), "--only-binary=:all:", *map(str, wheels)],
                   check=True)
    calls = CALLS + ("import zt_cy; assert zt_cy.primes(30) == "
                     "[2, 3, 5, 7, 11, 13, 17, 19, 23, 29]\n" if "cython_ext" in projects else "")
    run = target_py.run("-c", calls, env={"PYTHONPATH": str(site)}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [repr(layout), "calls ok"]


def _assert_no_build_machine_paths(wheel: Path, paths: list[str]) -> None:
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".so"))
    for path in paths:
        assert path.encode() not in blob, f"{path} appears in {wheel.name}"


BUILD_FIELDS = ("implementation", "version", "version_full", "abiflags", "platform", "multiarch",
                "ext_suffix", "soabi", "pointer_size", "byteorder", "gil_disabled", "debug",
                "ldlibrary")


def _run_in_chroot(target_py: debian_sysroots.DebianPython, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the target interpreter chrooted into its sysroot, so it sees only the target's
    files (qemu -L does not redirect every path, and i386 runs without qemu at all)."""
    root = target_py.root
    chroot, setarch = shutil.which("chroot"), shutil.which("setarch")
    assert chroot and setarch, "chroot and setarch (coreutils, util-linux) are needed"
    head = [setarch, target_py.machine] if target_py.spec.qemu is None else []
    inner = [f"/usr/bin/python{target_py.version[0]}.{target_py.version[1]}", *args]
    if target_py.spec.qemu:
        qemu = shutil.which(f"qemu-{target_py.spec.qemu}-static")
        assert qemu, "qemu-user-static is missing: run bash .ci/install-deps.sh"
        shutil.copy(qemu, root / "tmp" / "qemu-static")
        inner.insert(0, "/tmp/qemu-static")
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    return subprocess.run([*head, chroot, str(root), *inner], env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("arch", sorted(ARCHES))
def test_dump_in_emulated_interpreter_matches_sysroot(arch: str, tmp_path: Path) -> None:
    target_py = debian_sysroots.ensure_python(arch)
    inside_dir = target_py.root / "tmp" / f"zigcc-dump-{os.getpid()}"
    inside_dir.mkdir(parents=True)
    try:
        shutil.copy(dump.__file__, inside_dir / "dump.py")
        run = _run_in_chroot(target_py, f"/tmp/{inside_dir.name}/dump.py")
        assert run.returncode == 0, run.stderr
    finally:
        shutil.rmtree(inside_dir)
        (target_py.root / "tmp" / "qemu-static").unlink(missing_ok=True)
    (tmp_path / "t.json").write_text(run.stdout)
    dumped = pytarget.from_json(tmp_path / "t.json")
    read = pytarget.from_sysroot(target_py.root)
    for field in BUILD_FIELDS:
        assert getattr(dumped, field) == getattr(read, field), field
    # Same header folders, seen from inside the target and from outside, in the sysroot.
    outside = ["/" + os.path.relpath(d, target_py.root) for d in read.include_dirs]
    assert list(dumped.include_dirs) == outside
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["schema_version"] == "1.0"
    assert data["arbitrary_data"]["zigcc"]["EXT_SUFFIX"] == target_py.ext_suffix


def test_pack_dumped_in_emulated_interpreter_builds_with_python_m_build(
        no_system_compiler: dict[str, str], tmp_path: Path) -> None:
    """The other route: `dump.py --pack` run on the target, then `python -m build` from it.

    s390x: big-endian, so a wrong header or byte-order fact shows up in the results.
    """
    target_py = debian_sysroots.ensure_python("s390x")
    tag, layout = ARCHES["s390x"]
    script = tmp_path / "dump.py"
    script.write_text(subprocess.run([sys.executable, "-m", "zigcc", "dump-script"],
                                     capture_output=True, text=True, check=True).stdout)
    made = target_py.run(str(script), "--pack", str(tmp_path / "pack"))
    assert made.returncode == 0, made.stderr
    pack = tmp_path / "moved-pack"
    (tmp_path / "pack").rename(pack)  # packs are relocatable
    out = tmp_path / "dist"
    for project in ("cmath_ext", "cpp_ext"):
        src = shutil.copytree(PROJECTS / project, tmp_path / project)
        line = (f'eval "$("{sys.executable}" -m zigcc env --target {tag} --python "{pack}")" && '
                f'"{sys.executable}" -m build --wheel --outdir "{out}" "{src}"')
        build = subprocess.run(["sh", "-c", line], env=no_system_compiler, capture_output=True,
                               text=True)
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheels = sorted(out.glob("*.whl"))
    assert [w.name.rsplit("-", 3)[-1] for w in wheels] == [f"{tag}.whl"] * 2
    for wheel in wheels:
        assert wheelcheck.problems(wheel, parse(tag)) == []
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), "--platform", tag, "--python-version", "3.11",
                    "--only-binary=:all:", *map(str, wheels)], check=True)
    run = target_py.run("-c", CALLS, env={"PYTHONPATH": str(site)}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [repr(layout), "calls ok"]
