"""Two successive isolated `pip wheel` runs of a C++ project that lists zigcc-toolchain
(pip installs zigcc and ziglang into a fresh folder for each run and deletes it afterwards),
from empty zig and zigcc caches.  The second run must not rebuild libc++ for the target.

    python benchmarks/isolated_builds.py

Prints one row per run: wall seconds, new zig cache entries, and the ratio to the first run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_isolated_reuse import cpp_project, entries  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="zigcc-bench-isolated-") as tmp:
        work = Path(tmp)
        links = work / "links"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                        str(links), str(ROOT)], check=True)
        src = cpp_project(work / "project")
        zig_cache = work / "zig-cache"
        env = {**os.environ, "PIP_FIND_LINKS": str(links), "ZIG_GLOBAL_CACHE_DIR": str(zig_cache),
               "ZIGCC_CACHE_DIR": str(work / "zigcc-cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        env.pop("CC", None)
        env.pop("CXX", None)
        rows = []
        for run in (1, 2):
            before = entries(zig_cache)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(work / f"dist{run}"), str(src)], env=env, check=True)
            rows.append((run, time.perf_counter() - start, entries(zig_cache) - before))
    first = rows[0][1]
    print(f"{'isolated pip wheel':<22}{'seconds':>9}{'new zig cache entries':>23}{'ratio':>8}")
    for run, seconds, added in rows:
        label = "1 (empty caches)" if run == 1 else "2 (fresh isolated env)"
        print(f"{label:<22}{seconds:>9.1f}{added:>23}{seconds / first:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
