"""Median wall time of one cached compile: zig directly, the zigcc shim, python -m ziglang, gcc.

Run: python benchmarks/shim_overhead.py [--runs N]. Prints a table with the ratio of each
way to calling zig directly; (2b) is the shim with an argument that a translation rule
rewrites, which takes the Python slow path. Goal: shim - zig <= 3 ms. The four ways are interleaved so
that machine noise hits them alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zigcc.config import Settings
from zigcc.toolchain import installed
from zigcc.toolchain.folder import base_args, toolchain

SOURCE = "#include <stdio.h>\n#include <math.h>\nint f(double x) { printf(\"%f\", sqrt(x)); return 0; }\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=25)
    runs = parser.parse_args().runs
    tc = toolchain("native", Settings.from_env(os.environ))
    zig = installed.zig_binary()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "t.c").write_text(SOURCE)
        args = ["-O2", "-c", "t.c", "-o", "t.o"]
        direct = [str(zig), *base_args(tc.target, zig)["cc"], f"-ffile-prefix-map={work}=.",
                  *args]
        ways = {
            "(1) zig cc directly": direct,
            "(2) zigcc cc shim": [str(tc.tool("cc")), *args],
            "(2b) shim, slow path": [str(tc.tool("cc")), "-flto-partition=none", *args],
            "(3) python -m ziglang cc": [sys.executable, "-m", "ziglang", *direct[1:]],
        }
        gcc = shutil.which("gcc")
        if gcc:
            ways["(4) system gcc"] = [gcc, *args]
        for cmd in ways.values():  # warm zig's cache and the page cache
            subprocess.run(cmd, cwd=work, check=True)
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(runs):
            for name, cmd in ways.items():
                start = time.perf_counter()
                subprocess.run(cmd, cwd=work, check=True)
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times["(1) zig cc directly"])
    print(f"cached compile of a small C file, median of {runs} interleaved runs each")
    print(f"{'way':28} {'median ms':>10} {'ratio to (1)':>13} {'minus (1), ms':>14}")
    for name, samples in times.items():
        med = statistics.median(samples)
        print(f"{name:28} {med * 1000:10.1f} {med / base:13.2f} {(med - base) * 1000:14.1f}")
    overhead = (statistics.median(times["(2) zigcc cc shim"]) - base) * 1000
    print(f"\nshim overhead: {overhead:.1f} ms (goal <= 3 ms): "
          f"{'met' if overhead <= 3 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
