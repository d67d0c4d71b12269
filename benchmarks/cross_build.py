"""Build one real PyPI sdist with C extensions several ways, interleaved, warm caches.

  (1) system gcc, native            (2) zigcc, native
  (3) zigcc for aarch64             (4) Docker + qemu style: Debian's arm64 Python, pip and
                                        gcc, chrooted in the arm64 sysroot, every process
                                        run by qemu through binfmt
                                    (4b) only Debian's arm64 gcc/as/ld emulated, driven by
                                        this machine's Python and pip

plus the cold-cache cost of a new target (zigcc for aarch64 with empty zig and zigcc
caches), and, once each (warm caches):

  (5) `zigcc build` of the sdist for the seven manylinux arches, -j 2, isolated builds,
      against (1i), one isolated native gcc build (`pip wheel`, as a user runs it);
  (6) speed of the aarch64 wheel from (5) against the same version's PyPI aarch64 wheel,
      a micro-benchmark of the package in Debian's arm64 CPython under the same qemu.

Prints the median wall time of each and the ratios. Goals: (3)/(1) <= 1.2, (4)/(3) >= 10,
(6) >= 0.95. Needs root (binfmt_misc; the entry it adds is removed afterwards) and
qemu-user-static (.ci/install-deps.sh).

Run: python benchmarks/cross_build.py [--runs N] [--sdist regex==2026.11.19]
(the host ways build with --no-build-isolation: regex needs setuptools >= 77 installed)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
import bench_matrix
import bench_qemu
import debian_sysroots

from zigcc.config import Settings
from zigcc.python import compat
from zigcc.python import description as pytarget
from zigcc.targetenv import headers
from zigcc.toolchain.envvars import build_env
from zigcc.toolchain.folder import toolchain

TAG = "manylinux_2_17_aarch64"
PIP_ONLY = "(0) pip, nothing to compile"
DOCKER = "ZIGCC_BENCH_DOCKER_STYLE"  # marks the way that runs everything emulated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sdist", default="regex==2026.11.19",
                        help=f"NAME==VERSION, NAME one of {', '.join(bench_matrix.PACKAGES)}")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "zigcc-bench")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zigcc-bench-"))
    try:
        return run(opts.runs, opts.sdist, opts.cache, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(runs: int, sdist: str, cache: Path, work: Path) -> int:
    package, version = sdist.split("==")
    if package not in bench_matrix.PACKAGES:
        raise SystemExit(f"--sdist {sdist}: no smoke test for {package}; use one of "
                         f"{', '.join(bench_matrix.PACKAGES)}")
    src = unpack_sdist(sdist, cache, work)
    target_py = debian_sysroots.ensure_python("arm64", cache)
    root = debian_sysroots.ensure_packages("arm64", ["gcc-12", "libc6-dev"], cache)
    settings = Settings.from_env(os.environ)
    tp = pytarget.from_sysroot(target_py.root)
    target = compat.target_for(tp)
    cross = headers.python_env(tp, target, headers.prepare(tp, target, settings.cache_dir))
    gcc = emulated_gcc(root, work)
    ways: dict[str, dict[str, str]] = {
        "(1) system gcc, native": {},
        "(2) zigcc, native": build_env(toolchain("native", settings)),
        "(3) zigcc, aarch64": {**build_env(toolchain(TAG, settings)), **cross},
        "(4) docker-style, all arm64": {DOCKER: "1"},
        "(4b) arm64 gcc only emulated": {**cross, "CC": gcc, "LDSHARED": f"{gcc} -shared",
                                         "QEMU_LD_PREFIX": str(root)},
    }
    empty = work / "empty-project"  # pip's fixed cost: a project with nothing to compile
    (empty / "empty_pkg").mkdir(parents=True)
    (empty / "empty_pkg" / "__init__.py").write_text("")
    (empty / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n'
                                          'build-backend = "setuptools.build_meta"\n[project]\n'
                                          'name = "empty-pkg"\nversion = "1"\n')
    install_pip_into(root)
    times: dict[str, list[float]] = {name: [] for name in ways}
    with bench_qemu.binfmt("aarch64"):
        for name, env in ways.items():  # warm-up, and a check that every way works
            wheel = build_in_chroot(src, root, work) if DOCKER in env else build(src, env, work)
            print(f"warm-up {name}: {wheel.name}", file=sys.stderr)
            if "aarch64" in wheel.name:
                check_on_arm64(package, wheel, target_py, work)
        for i in range(runs):
            for name, env in ways.items():
                start = time.perf_counter()
                if DOCKER in env:
                    build_in_chroot(src, root, work)
                else:
                    build(src, env, work)
                times[name].append(time.perf_counter() - start)
                if name.startswith("(1)"):
                    start = time.perf_counter()
                    build(empty, {}, work)
                    times.setdefault(PIP_ONLY, []).append(time.perf_counter() - start)
                print(f"run {i + 1}/{runs} {name}: {times[name][-1]:.1f}s", file=sys.stderr)
    cold = cold_build(src, work, tp)
    report(sdist, runs, times, cold)
    report_matrix(package, version, cache, work, target_py, runs)
    return 0


def report_matrix(name: str, version: str, cache: Path, work: Path,
                  target_py: debian_sysroots.DebianPython, runs: int) -> None:
    """(5) the seven-arch `zigcc build` against (1i); (6) speed against PyPI's wheel."""
    archive = sdist_archive(f"{name}=={version}", cache)
    bench_matrix.zigcc_build_matrix(archive, work / "warm-up-matrix", 2, cache)  # warm caches
    start = time.perf_counter()
    native = build_isolated(archive, work)
    one = time.perf_counter() - start
    matrix, wheels = bench_matrix.zigcc_build_matrix(archive, work / "matrix", 2, cache)
    print(f"\n(1i) system gcc, native, isolated pip wheel: {one:.2f} s ({native.name})")
    print(f"(5) zigcc build, 7 manylinux arches, -j 2: {matrix:.2f} s total, "
          f"{matrix / len(wheels):.2f} s per wheel; (5)/(1i) = {matrix / one:.2f}")
    platform = "manylinux2014_aarch64"
    ours = next(w for w in wheels if "aarch64" in w.name)
    sites = {"zigcc": bench_matrix.install_site(ours, platform, work),
             "PyPI": bench_matrix.install_site(
                 bench_matrix.pypi_wheel(name, version, platform, work), platform, work)}
    for site in sites.values():
        bench_matrix.smoke(name, site, target_py)
    seconds = bench_matrix.speed(name, sites, target_py, max(runs, 5))
    ratio = seconds["PyPI"] / seconds["zigcc"]
    print(f"(6) {name} micro-benchmark under qemu-aarch64, median of {max(runs, 5)}: zigcc "
          f"wheel {seconds['zigcc']:.3f} s, PyPI wheel {seconds['PyPI']:.3f} s; speed ratio "
          f"(PyPI time / zigcc time) = {ratio:.2f} (goal >= 0.95: "
          f"{'met' if ratio >= 0.95 else 'NOT met'})")


def sdist_archive(spec: str, cache: Path) -> Path:
    name = spec.split("==")[0]
    return next(p for p in sorted((cache / "sdists").glob("*.tar.gz"))
                if p.name.startswith(name + "-" + spec.split("==")[1]))


def build_isolated(archive: Path, work: Path) -> Path:
    """What a user runs natively: an isolated `pip wheel` with the system compiler."""
    out = Path(tempfile.mkdtemp(dir=work))
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "CXX", "LDSHARED", "CFLAGS")}
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                           str(out), str(archive)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"isolated build failed:\n{proc.stderr[-2000:]}")
    return next(out.glob("*.whl"))


def unpack_sdist(spec: str, cache: Path, work: Path) -> Path:
    downloads = cache / "sdists"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary",
                    ":all:", "-d", str(downloads), spec], check=True)
    name = spec.split("==")[0]
    archive = next(p for p in sorted(downloads.glob("*.tar.gz")) if p.name.startswith(name))
    with tarfile.open(archive) as tf:
        tf.extractall(work / "sdist")
    return next((work / "sdist").iterdir())


def emulated_gcc(root: Path, work: Path) -> str:
    """Debian's arm64 gcc with its own arm64 binutils (as, ld) in front."""
    tools = work / "arm64-binutils"
    tools.mkdir()
    for tool in ("as", "ld"):
        (tools / tool).symlink_to(root / "usr/bin" / f"aarch64-linux-gnu-{tool}")
    return f"{root}/usr/bin/aarch64-linux-gnu-gcc-12 --sysroot={root} -B{tools}/"


def install_pip_into(root: Path) -> None:
    """pip, setuptools and wheel (pure Python) for the arm64 interpreter, in /opt/bench-site."""
    (root / "tmp").mkdir(exist_ok=True)
    site = root / "opt" / "bench-site"
    if not (site / "pip").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                        str(site), "pip", "setuptools", "wheel"], check=True)


def build_in_chroot(src: Path, root: Path, work: Path) -> Path:
    """What a Docker + qemu build does: arm64 Python, pip, gcc, as and ld, all emulated."""
    tree = Path(tempfile.mkdtemp(dir=root / "tmp"))
    try:
        shutil.copytree(src, tree / "src")
        inside = "/tmp/" + tree.name
        gcc = "aarch64-linux-gnu-gcc-12"
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/tmp",
               "PYTHONPATH": "/opt/bench-site", "CC": gcc, "LDSHARED": f"{gcc} -shared"}
        proc = subprocess.run([shutil.which("chroot") or "chroot", str(root), "/usr/bin/python3.11",
                               "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                               "--no-cache-dir", "-w", f"{inside}/out", f"{inside}/src"],
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"emulated build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        wheel = next((tree / "out").glob("*.whl"))
        return Path(shutil.copy(wheel, work))
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def build(src: Path, extra: Mapping[str, str], work: Path) -> Path:
    """pip wheel of a fresh copy of ``src`` (no build isolation: time the compile)."""
    tree = Path(tempfile.mkdtemp(dir=work))
    copy = shutil.copytree(src, tree / "src")
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "CXX", "LDSHARED", "CFLAGS")}
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "--no-build-isolation", "-w", str(tree / "out"), str(copy)],
                          env={**env, **extra}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return next((tree / "out").glob("*.whl"))


def check_on_arm64(name: str, wheel: Path, target_py: debian_sysroots.DebianPython, work: Path) -> None:
    site = bench_matrix.install_site(wheel, wheel.name[:-4].rsplit("-", 1)[1], work)
    bench_matrix.smoke(name, site, target_py)


def cold_build(src: Path, work: Path, tp: pytarget.TargetPython) -> float:
    """zigcc for aarch64 with empty zig and zigcc caches: the price of a new target."""
    caches = Path(tempfile.mkdtemp(dir=work))
    settings = Settings(caches / "zigcc")
    start = time.perf_counter()
    target = compat.target_for(tp)
    env = {**build_env(toolchain(TAG, settings)),
           **headers.python_env(tp, target, headers.prepare(tp, target, settings.cache_dir)),
           "ZIG_GLOBAL_CACHE_DIR": str(caches / "zig")}
    build(src, env, work)
    return time.perf_counter() - start


def report(sdist: str, runs: int, times: dict[str, list[float]], cold: float) -> None:
    med = {name: statistics.median(samples) for name, samples in times.items()}
    base = med["(1) system gcc, native"]
    print(f"\n{sdist}: pip wheel --no-build-isolation, median of {runs} interleaved runs, "
          "warm caches")
    print(f"{'way':28} {'median s':>9} {'ratio to (1)':>13}")
    for name, value in med.items():
        print(f"{name:28} {value:9.2f} {value / base:13.2f}")
    print(f"{'cold: zigcc, new target':28} {cold:9.2f} {cold / base:13.2f}  "
          "(empty zig + zigcc caches, once)")
    r31 = med["(3) zigcc, aarch64"] / base
    r43 = med["(4) docker-style, all arm64"] / med["(3) zigcc, aarch64"]
    r4b = med["(4b) arm64 gcc only emulated"] / med["(3) zigcc, aarch64"]
    pip = med[PIP_ONLY]
    c3, c4b = med["(3) zigcc, aarch64"] - pip, med["(4b) arm64 gcc only emulated"] - pip
    print(f"without pip's fixed cost (0): (4b)/(3) = {c4b:.1f}s / {c3:.1f}s = {c4b / c3:.1f}")
    print(f"\n(3)/(1) = {r31:.2f} (goal <= 1.2: {'met' if r31 <= 1.2 else 'NOT met'}); "
          f"(4)/(3) = {r43:.1f} (goal >= 10: {'met' if r43 >= 10 else 'NOT met'}); "
          f"(4b)/(3) = {r4b:.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
