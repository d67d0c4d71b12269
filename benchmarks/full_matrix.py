"""The full matrix with no target interpreter: `zigcc build` of one real sdist for the seven
manylinux arches + musllinux x86_64 and aarch64, x eight CPythons (3.10-3.15 and the
free-threaded 3.14t and 3.15t; each target's Python synthesized from the build interpreter:
pyenv's up to 3.13, the source-built ones of tests/cpython_source.py for 3.14 and 3.15, put on
PATH), 72 wheels, -j 2 -- from empty zigcc and zig caches (cold), then warm: with the compile
cache off, with it on (empty at the start of the run: objects are shared only across the
Pythons of that run), and the same installing with uv -- against one isolated native
`pip wheel` of the same sdist with gcc.  Seconds per wheel are printed, per Python too (the
warm compile-cache run's build times, from its summary).

    python benchmarks/full_matrix.py [--sdist xxhash==4.1.0] [--pythons 3.12,3.14t]

Goal (issue 7, tightened by issue 15 with shared build environments): the warm matrix in
<= 5x one native gcc build (issue 15 states it for 45 wheels: --pythons 3.10,3.11,3.12,3.13,3.14).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import real_sdists  # noqa: E402

TARGETS = ("manylinux_2_17_x86_64", "manylinux_2_17_aarch64", "manylinux_2_17_armv7l",
           "manylinux_2_17_i686", "manylinux_2_19_ppc64le", "manylinux_2_17_s390x",
           "manylinux_2_27_riscv64", "musllinux_1_2_x86_64", "musllinux_1_2_aarch64")
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.14t", "3.15t")
GOAL = 5


def matrix(sdist: Path, out: Path, env: dict[str, str], pythons: tuple[str, ...]
           ) -> tuple[float, dict[str, list[float]]]:
    cmd = [sys.executable, "-m", "zigcc", "build", str(sdist), "--out-dir", str(out), "-j", "2"]
    for target in TARGETS:
        cmd += ["--target", target]
    for python in pythons:
        cmd += ["--python", python]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    wheels = list(out.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != len(TARGETS) * len(pythons):
        failed = [line for line in done.stdout.splitlines()
                  if line.startswith(("manylinux", "musllinux")) and not line.endswith(" ok")]
        logs = "".join(log.read_text()[-1500:] for log in (out / ".zigcc" / "logs").glob("*.log")
                       if not log.read_text().rstrip().endswith(": ok"))
        raise SystemExit(f"zigcc build: {len(wheels)} wheels; failed:\n" + "\n".join(failed)
                         + "\n" + logs)
    per_python: dict[str, list[float]] = {}
    for line in done.stdout.splitlines():  # the summary: target python wheel size seconds ok
        cols = line.split()
        if line.startswith(("manylinux", "musllinux")) and cols[-1] == "ok":
            per_python.setdefault(cols[1], []).append(float(cols[-2]))
    for log in (out / ".zigcc" / "logs").glob("*.log"):  # "zigcc: build_wheel hook: 0.61 s"
        for hook, spent in re.findall(r"^zigcc: (\w+) hook: ([\d.]+) s$", log.read_text(),
                                      re.MULTILINE):
            per_python.setdefault(f"hook {hook}", []).append(float(spent))
    return seconds, per_python


def build_interpreters(pythons: tuple[str, ...]) -> list[str]:
    """PATH folders of the source-built CPythons 3.14/3.15[t] (pyenv here stops at 3.13)."""
    import cpython_source

    dirs = []
    for spec in pythons:
        version, free = spec.rstrip("t"), spec.endswith("t")
        if tuple(int(x) for x in version.split(".")) >= (3, 14):
            dirs.append(str(cpython_source.ensure_cpython(version, free).executable.parent))
    return list(dict.fromkeys(dirs))


def native_gcc(sdist: Path, work: Path) -> float:
    """What a user runs natively: an isolated `pip wheel` with the system compiler."""
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "CXX", "LDSHARED", "CFLAGS")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(work / "gcc"), str(sdist)], env=env, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", default="xxhash==4.1.0", help="NAME==VERSION of "
                        "tests/real_sdists.py")
    parser.add_argument("--pythons", default=",".join(PYTHONS), help="comma-separated")
    parser.add_argument("--warm-only", action="store_true", help="the warm runs only, with "
                        "this machine's caches (no cold run)")
    args = parser.parse_args()
    pythons = tuple(p for p in args.pythons.split(",") if p)
    name, version = args.sdist.split("==")
    spec = next(s for s in real_sdists.SDISTS if (s.name, s.version) == (name, version))
    sdist = real_sdists.ensure_sdist(spec)
    path = os.pathsep.join([*build_interpreters(pythons), os.environ.get("PATH", "")])
    with tempfile.TemporaryDirectory(prefix="zigcc-bench-matrix-") as tmp:
        work = Path(tmp)
        native_gcc(sdist, work)  # warm pip's caches for the build requirements
        gcc = min(native_gcc(sdist, work) for _ in range(2))
        env = {**os.environ, "PATH": path, "ZIGCC_CACHE_DIR": str(work / "zigcc-cache"),
               "ZIG_GLOBAL_CACHE_DIR": str(work / "zig-cache")}
        if args.warm_only:
            env = {**os.environ, "PATH": path}
            cold = float("nan")
        else:
            cold, _ = matrix(sdist, work / "cold", env, pythons)
        # Warm toolchain, zig and pip caches; the compile cache empty (a folder of its own
        # per run), so objects are shared only across the Pythons of this run's matrix.
        off, _ = matrix(sdist, work / "off", {**env, "ZIGCC_COMPILE_CACHE": "0"}, pythons)
        warm, per_python = matrix(sdist, work / "warm", {
            **env, "ZIGCC_COMPILE_CACHE": str(work / "objects-pip")}, pythons)
        uv, _ = matrix(sdist, work / "uv", {**env, "ZIGCC_INSTALLER": "uv",
                                            "ZIGCC_COMPILE_CACHE": str(work / "objects-uv")},
                       pythons)
    wheels = len(TARGETS) * len(pythons)
    print(f"{args.sdist}: {wheels} wheels ({len(TARGETS)} targets x {len(pythons)} "
          "Pythons, synthesized), zigcc build -j 2")
    print(f"{'run':<44}{'seconds':>9}{'s/wheel':>9}{'x native gcc':>14}")
    print(f"{'one native gcc pip wheel':<44}{gcc:>9.1f}{gcc:>9.1f}{1:>14.2f}")
    for label, seconds in (("matrix, cold caches", cold),
                           ("warm, compile cache off", off),
                           ("warm, compile cache (empty at start)", warm),
                           ("warm, compile cache (empty), ZIGCC_INSTALLER=uv", uv)):
        print(f"{label:<44}{seconds:>9.1f}{seconds / wheels:>9.2f}{seconds / gcc:>14.2f}")
    print(f"\n{'warm, per Python':<18}{'wheels':>7}{'mean s/wheel':>14}{'max':>7}")
    for python, times in per_python.items():
        if not python.startswith("hook "):
            print(f"{python:<18}{len(times):>7}{sum(times) / len(times):>14.2f}"
                  f"{max(times):>7.1f}")
    print(f"\nwarm, compile cache: where the {2 * warm:.0f} CPU-seconds (2 cores x wall) went")
    for name, times in per_python.items():
        if name.startswith("hook "):
            print(f"  the backend's {name[5:]} hook (its process): {sum(times):6.1f} s "
                  f"({sum(times) / len(times):.2f} s per wheel)")
    for label, seconds in (("pip", warm), ("uv", uv)):
        verdict = "met" if seconds <= GOAL * gcc else "NOT met"
        print(f"goal: warm <= {GOAL}x native gcc, installing with {label}: {verdict} "
              f"({seconds / gcc:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
