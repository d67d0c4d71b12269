"""Parts of benchmarks/cross_build.py: `zigcc build` of one sdist for the seven manylinux
arches, and the speed of the zigcc-built aarch64 wheel against PyPI's, under the same qemu.

Each package has a smoke test (does the wheel work on arm64?) and a micro-benchmark of its
compiled code, run by Debian's arm64 CPython under qemu-user.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import debian_sysroots

# package -> (smoke code printing "ok", micro-benchmark code printing seconds)
PACKAGES = {
    "bitarray": (
        "import bitarray; a = bitarray.bitarray('1101' * 1000); "
        "assert (a.count(), len(a)) == (3000, 4000); print('ok')",
        "import bitarray, time\na = bitarray.bitarray('1101' * 100000)\nt = time.perf_counter()\n"
        "for i in range(200):\n    a.count(); a.search(bitarray.bitarray('0110')); a.invert()\n"
        "print(time.perf_counter() - t)",
    ),
    "regex": (
        "import regex; assert regex.findall(r'(?i)\\bz\\w+', 'Zig zag ZIGCC') == "
        "['Zig', 'zag', 'ZIGCC']; print('ok')",
        "import regex, time\np = regex.compile(r'(\\w+)@(\\w+)\\.(com|org)')\n"
        "text = 'mail foo@bar.com or baz@qux.org now ' * 3000\nt = time.perf_counter()\n"
        "for i in range(20):\n    p.findall(text); regex.sub(r'\\s+', ' ', text)\n"
        "print(time.perf_counter() - t)",
    ),
}
# The seven manylinux arches: (target, Debian arch of its target Python, or None: native)
MATRIX = (("manylinux_2_17_x86_64", None), ("manylinux_2_17_aarch64", "arm64"),
          ("manylinux_2_17_armv7l", "armhf"), ("manylinux_2_17_i686", "i386"),
          ("manylinux_2_19_ppc64le", "ppc64el"), ("manylinux_2_17_s390x", "s390x"),
          ("manylinux_2_27_riscv64", "riscv64"))


def zigcc_build_matrix(sdist: Path, out: Path, jobs: int, cache: Path) -> tuple[float, list[Path]]:
    """Wall time of one `zigcc build` of ``sdist`` for the seven arches, and its wheels."""
    args = [sys.executable, "-m", "zigcc", "build", str(sdist), "--out-dir", str(out), "-j",
            str(jobs), "--python", "{}.{}".format(*sys.version_info[:2])]
    for target, arch in MATRIX:
        args += ["--target", target]
        if arch:
            args += ["--python", str(debian_sysroots.ensure_python(arch, cache).root)]
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"zigcc build failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != len(MATRIX):
        raise SystemExit(f"expected {len(MATRIX)} wheels, got {[w.name for w in wheels]}")
    return seconds, wheels


def pypi_wheel(name: str, version: str, platform: str, work: Path) -> Path:
    """The same version's wheel from PyPI for ``platform`` (CPython 3.11)."""
    dest = Path(tempfile.mkdtemp(dir=work))
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    "--only-binary=:all:", "--platform", platform, "--python-version", "3.11",
                    "-d", str(dest), f"{name}=={version}"], check=True)
    return next(dest.glob("*.whl"))


def install_site(wheel: Path, platform: str, work: Path) -> Path:
    site = Path(tempfile.mkdtemp(dir=work))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), "--platform", platform, "--python-version", "3.11",
                    "--only-binary=:all:", str(wheel)], check=True)
    return site


def smoke(name: str, site: Path, target_py: debian_sysroots.DebianPython) -> None:
    run = target_py.run("-c", PACKAGES[name][0], env={"PYTHONPATH": str(site)})
    if run.stdout.strip() != "ok":
        raise SystemExit(f"{name} from {site} does not work on {target_py.arch}: "
                         f"{run.stderr[-1000:]}")


def speed(name: str, sites: dict[str, Path], target_py: debian_sysroots.DebianPython, runs: int
          ) -> dict[str, float]:
    """Median seconds of the micro-benchmark per site, interleaved, same qemu."""
    samples: dict[str, list[float]] = {label: [] for label in sites}
    for _ in range(runs):
        for label, site in sites.items():
            run = target_py.run("-c", PACKAGES[name][1], env={"PYTHONPATH": str(site)})
            if run.returncode != 0:
                raise SystemExit(f"micro-benchmark failed for {label}: {run.stderr[-1000:]}")
            samples[label].append(float(run.stdout.strip()))
    return {label: statistics.median(values) for label, values in samples.items()}
