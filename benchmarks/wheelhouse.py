"""`zigcc wheelhouse` for riscv64 against the way users build today: `pip wheel` in Debian's
riscv64 CPython with Debian's riscv64 gcc, all under qemu (a Docker + qemu build).

The application is tests/builds/test_wheelhouse_apps.py's (REQUIREMENTS, CONSTRAINTS); every
package is built from its sdist on both sides, one run, side by side:

  zigcc     `zigcc wheelhouse REQS -c CONSTRAINTS --target manylinux_2_27_riscv64 --python 3.13
            --only-build :all: -j 2` into a fresh out-dir (zig and zigcc caches as they are:
            warm after the first run; cffi's libffi built by --before-all, as the test does);
            per package the seconds of its summary, total the wall time of the whole command
            (resolution and --before-all included).
  emulated  Debian trixie's riscv64 userland (python3, python3-pip, gcc, g++, make, cmake,
            ninja-build, pkgconf, patchelf, libffi-dev) in a chroot, every process run by
            qemu-riscv64-static through binfmt_misc; for each pin of the zigcc run (same
            versions), numpy first: `python3 -m pip wheel --no-deps --no-binary NAME NAME==VER`
            with build isolation.  Build requirements: PyPI's wheels for riscv64 where there
            are any (pure-Python ones, or riscv64 ones), else pip builds them from their sdists
            under qemu too (counted in that package's seconds; pip's wheel cache is fresh per
            run and shared by the packages of the run); the wheels built before (numpy for
            scikit-fmm and spglib) are offered with --find-links.  Sequential, as `pip wheel`
            runs; each build stops at --timeout (shown as ">= T").

Prints a table: package, zigcc seconds, emulated seconds, ratio; totals; the goal (emulated /
zigcc >= 10) met or not; the load averages at the start and end of each side (the machine may
be shared).  Needs root (chroot, bind mounts of /dev and /proc, a binfmt_misc entry; all
removed afterwards), qemu-user-static (.ci/install-deps.sh) and the network (PyPI, Debian).
The chroot's sysroot is ~/.cache/zigcc-bench/trixie-riscv64 (not the tests' one).

Run (numpy under qemu takes hours; scikit-fmm and spglib need it at build time):
  python benchmarks/wheelhouse.py --skip numpy --skip scikit-fmm --skip spglib --timeout 1200
  python benchmarks/wheelhouse.py --only numpy --timeout 5400
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests"), str(HERE.parent / "tests" / "builds")]
import bench_qemu  # noqa: E402
import debian_sysroots  # noqa: E402
from buildhelp import debian_source  # noqa: E402
from test_wheelhouse_apps import BEFORE_ALL, CONSTRAINTS, LIBFFI, REQUIREMENTS  # noqa: E402

TAG = "manylinux_2_27_riscv64"
PYTHON = "3.13"
CHROOT_PACKAGES = ["python3", "python3-pip", "python3-dev", "gcc", "g++", "libc6-dev", "make",
                   "cmake", "ninja-build", "pkgconf", "patchelf", "libffi-dev", "dash", "bash",
                   "coreutils", "sed", "grep", "findutils", "diffutils", "mawk", "tar", "gzip"]
NEEDS_LIBFFI = {"cffi", "brotlicffi", "argon2-cffi-bindings"}  # zigcc side: --before-all
FIRST = ("numpy",)  # built first on both sides: the others' build requirement


@dataclass
class Result:
    name: str
    version: str
    zigcc: float | None  # seconds in zigcc's summary; None: not in it
    zigcc_verdict: str
    zigcc_wheel: str
    emulated: float | None = None
    emulated_status: str = "not run"  # ok, failed, timeout
    emulated_wheel: str = "-"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(req: str) -> str:
    return canonical(re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip", action="append", default=[], metavar="NAME",
                        help="leave out this requirement of the application (repeatable)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="only these requirements (repeatable)")
    parser.add_argument("--timeout", type=float, default=1200,
                        help="seconds per emulated build (default 1200)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="zigcc's -j (default 2)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "zigcc-bench")
    parser.add_argument("--json", type=Path, help="also write the results here")
    opts = parser.parse_args()
    known = [requirement_name(r) for r in REQUIREMENTS]
    for option, names in (("--skip", opts.skip), ("--only", opts.only)):
        for name in names:
            if canonical(name) not in known:
                print(f"ERROR {option} {name}: not a requirement of the application; one of "
                      f"{', '.join(known)}", file=sys.stderr)
                return 2
    reqs = [r for r in REQUIREMENTS
            if requirement_name(r) not in {canonical(n) for n in opts.skip}
            and (not opts.only or requirement_name(r) in {canonical(n) for n in opts.only})]
    if not reqs:
        print("ERROR --skip/--only: no requirement left; keep at least one", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="zigcc-bench-wheelhouse-"))
    try:
        return run(reqs, opts.timeout, opts.jobs, opts.cache, work, opts.json)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(reqs: list[str], timeout: float, jobs: int, cache: Path, work: Path,
        json_out: Path | None) -> int:
    root = debian_sysroots.ensure_packages("riscv64", CHROOT_PACKAGES, cache)
    load: dict[str, tuple[str, str]] = {}
    start_load = bench_qemu.loadavg()
    wall, results = zigcc_side(reqs, jobs, work)
    load["zigcc"] = (start_load, bench_qemu.loadavg())
    order = sorted(results, key=lambda r: r.name not in FIRST)
    start_load = bench_qemu.loadavg()
    built_deps = emulated_side(order, root, timeout)
    load["emulated"] = (start_load, bench_qemu.loadavg())
    report(reqs, wall, order, timeout, load, built_deps)
    if json_out:
        json_out.write_text(json.dumps({"requirements": reqs, "zigcc_wall": wall,
                                        "timeout": timeout, "load": load,
                                        "built_build_requirements": built_deps,
                                        "results": [asdict(r) for r in order]}, indent=1))
    return 0


def zigcc_side(reqs: list[str], jobs: int, work: Path) -> tuple[float, list[Result]]:
    constraints = work / "constraints.txt"
    constraints.write_text("\n".join(CONSTRAINTS) + "\n")
    out = work / "zigcc-wheelhouse"
    cmd = [sys.executable, "-m", "zigcc", "wheelhouse", *reqs, "-c", str(constraints),
           "--target", TAG, "--python", PYTHON, "--only-build", ":all:", "-j", str(jobs),
           "--out-dir", str(out)]
    if NEEDS_LIBFFI & {requirement_name(r) for r in reqs}:
        cmd += ["--before-all", BEFORE_ALL.format(tarball=debian_source(*LIBFFI))]
    env = {**os.environ, "PIP_CONSTRAINT": ""}
    print(f"zigcc: {' '.join(cmd[1:6])} ... (load {bench_qemu.loadavg()})", file=sys.stderr)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        print(f"  zigcc| {line}", end="", file=sys.stderr, flush=True)
    code = proc.wait()
    wall = time.perf_counter() - start
    results = []
    for line in lines:
        cols = line.split()
        if len(cols) == 6 and "==" in cols[0] and cols[1].endswith(TAG):
            name, version = cols[0].split("==")
            results.append(Result(canonical(name), version, float(cols[4]), cols[5], cols[3]))
    if not results:
        raise SystemExit(f"zigcc wheelhouse exited {code} without a summary")
    return wall, results


def emulated_side(results: list[Result], root: Path, timeout: float) -> list[str]:
    """Each pin built by pip in the riscv64 chroot; returns the build requirements pip built
    from their sdists (its wheel cache)."""
    inside = Path(tempfile.mkdtemp(prefix="zigcc-bench-", dir=root / "tmp"))
    here = "/tmp/" + inside.name
    wheels = inside / "wheels"
    for sub in ("wheels", "home", "logs"):
        (inside / sub).mkdir()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": f"{here}/home", "LC_ALL": "C.UTF-8",
           "PIP_CERT": "/etc/ssl/certs/ca-certificates.crt", "PIP_DEFAULT_TIMEOUT": "180",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "TMPDIR": "/tmp"}
    try:
        with bench_qemu.binfmt("riscv64"), bench_qemu.chroot_ready(root):
            for r in results:
                argv = ["/usr/bin/python3", "-m", "pip", "wheel", "--no-deps", "--no-binary",
                        r.name, "--find-links", f"{here}/wheels", "--cache-dir",
                        f"{here}/pip-cache", "-w", f"{here}/wheels", f"{r.name}=={r.version}"]
                print(f"emulated: {r.name}=={r.version} (load {bench_qemu.loadavg()})",
                      file=sys.stderr, flush=True)
                ran = bench_qemu.run_in_chroot(root, argv, env, timeout,
                                               inside / "logs" / f"{r.name}.log")
                r.emulated = ran.seconds
                stem = f"{r.name.replace('-', '_')}-{r.version}-"
                made = [w for w in wheels.glob("*.whl") if canonical(w.name).startswith(
                    canonical(stem))]
                r.emulated_status = ("timeout" if ran.returncode is None else
                                     "ok" if ran.returncode == 0 and made else "failed")
                r.emulated_wheel = made[0].name if made else "-"
                print(f"emulated: {r.name}=={r.version}: {r.emulated_status} "
                      f"{ran.seconds:.1f} s", file=sys.stderr, flush=True)
                if r.emulated_status == "failed":
                    print(ran.output[-3000:], file=sys.stderr)
        ours = {canonical(f"{r.name}-{r.version}") for r in results}
        return sorted(w.name for w in (inside / "pip-cache").rglob("*.whl")
                      if canonical("-".join(w.name.split("-")[:2])) not in ours)
    finally:
        shutil.rmtree(inside, ignore_errors=True)


def wheel_tags(wheel: str) -> str:
    """``cp313-cp313-manylinux_2_27_riscv64`` of a wheel's name (``-`` for none)."""
    return "-" if wheel == "-" else "-".join(wheel[:-4].split("-")[-3:])


def report(reqs: list[str], wall: float, results: list[Result], timeout: float,
           load: dict[str, tuple[str, str]], built_deps: list[str]) -> None:
    rows = [("package", "zigcc s", "emulated s", "ratio", "tags: zigcc / emulated wheel")]
    emulated_total = 0.0
    bound = False  # a total with a timed-out build is a lower bound
    for r in results:
        z = f"{r.zigcc:.1f}" if r.zigcc is not None else "-"
        if r.zigcc_verdict != "ok":
            z += f" ({r.zigcc_verdict})"
        if r.emulated is None:
            e, ratio = "-", "-"
        else:
            emulated_total += r.emulated
            mark = {"ok": "", "timeout": ">= ", "failed": ""}[r.emulated_status]
            bound = bound or r.emulated_status == "timeout"
            e = f"{mark}{r.emulated:.1f}" + (" FAILED" if r.emulated_status == "failed" else "")
            ratio = f"{mark}{r.emulated / r.zigcc:.1f}" if r.zigcc else "-"
        rows.append((f"{r.name}=={r.version}", z, e, ratio,
                     f"{wheel_tags(r.zigcc_wheel)} / {wheel_tags(r.emulated_wheel)}"))
    zigcc_sum = sum(r.zigcc or 0.0 for r in results)
    mark = ">= " if bound else ""
    total_ratio = emulated_total / wall
    rows.append(("total (zigcc: wall time, -j 2)", f"{wall:.1f}", f"{mark}{emulated_total:.1f}",
                 f"{mark}{total_ratio:.1f}", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"\nzigcc wheelhouse {TAG} cp{PYTHON.replace('.', '')} vs pip wheel in Debian "
          f"trixie riscv64 under qemu; requirements: {' '.join(reqs)}")
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j in (0, 4) else c.rjust(w)
                        for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0 or i == len(rows) - 2:
            print("  ".join("-" * w for w in widths))
    met = total_ratio >= 10
    print(f"\nemulated / zigcc (wall) = {mark}{total_ratio:.1f}: goal >= 10 "
          f"{'met' if met else 'NOT met' + (' (a lower bound)' if bound else '')}; "
          f"sum of zigcc's per-package seconds {zigcc_sum:.1f} (builds overlap at -j 2)")
    if bound:
        print(f">= : stopped at --timeout {timeout:.0f} s")
    for side, (start, end) in load.items():
        print(f"load average (1 5 15 min), {side}: start {start}, end {end}")
    print("build requirements pip built from sdists under qemu: "
          + (", ".join(built_deps) if built_deps else "none (all from PyPI wheels)"))


if __name__ == "__main__":
    raise SystemExit(main())
