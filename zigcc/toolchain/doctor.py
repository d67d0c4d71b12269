"""``zigcc doctor``: what zigcc uses, and a smoke compile per target."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.toolchain import installed
from zigcc.toolchain.folder import Toolchain

SMOKE_C = "#include <math.h>\nint zigcc_smoke(double x) { return (int)sqrt(x); }\n"


def doctor(specs: list[str], settings: Settings,
           toolchain: Callable[[str, Settings], Toolchain]) -> int:
    problems = 0
    try:
        found = installed.zig_binary()
    except ZigccError as exc:
        print(f"zig        MISSING: {exc}")
        return 1
    try:
        zig = installed.stable_zig(found, settings.cache_dir, installed.zig_version())
    except OSError as exc:
        print(f"cache      UNUSABLE: {settings.cache_dir}: {exc.strerror or exc} -> set "
              "ZIGCC_CACHE_DIR to a writable folder")
        return 1
    try:
        version = subprocess.run([str(zig), "version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"zig        BROKEN: {zig} does not run ({exc}) -> pip install "
              "--force-reinstall ziglang")
        return 1
    print(f"zig        {zig} ({version}; the shims' copy of {found.parent})")
    print(f"python     {installed.python_binary()} (runs the shims' slow path)")
    print(f"cache      {settings.cache_dir} (set ZIGCC_CACHE_DIR to move it)")
    print(f"zig cache  {zig_cache_dir(settings)} (ZIG_GLOBAL_CACHE_DIR moves it)")
    for spec in specs:
        try:
            tc = toolchain(spec, settings)
        except ZigccError as exc:
            print(f"target     {spec}: ERROR {exc}")
            problems += 1
            continue
        if tc.target.os == "windows":
            print(f"target     {spec}: the first Windows build takes one to two minutes "
                  "(zig builds the MinGW C library once; later builds reuse it)", flush=True)
        ok, detail = smoke(tc)
        print(f"target     {spec} -> {tc.target.zig_target} in {tc.path}: "
              f"{'ok' if ok else 'FAILED'}{'' if ok else ': ' + detail}")
        problems += not ok
    return 1 if problems else 0


def zig_cache_dir(settings: Settings) -> Path:
    """zig's global cache: ``ZIG_GLOBAL_CACHE_DIR``, else zig's per-user default."""
    env = settings.environ
    if env.get("ZIG_GLOBAL_CACHE_DIR"):
        return Path(env["ZIG_GLOBAL_CACHE_DIR"]).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    home = Path(env.get("HOME") or Path.home())
    return (Path(xdg) if xdg else home / ".cache") / "zig"


def smoke(tc: Toolchain) -> tuple[bool, str]:
    """Compile and link a shared library using libm through the ``cc`` shim."""
    with tempfile.TemporaryDirectory(prefix="zigcc-doctor-") as tmp:
        src = Path(tmp) / "smoke.c"
        src.write_text(SMOKE_C, encoding="utf-8")
        out = Path(tmp) / "smoke.so"
        proc = subprocess.run([str(tc.tool("cc")), "-O2", "-shared", "-fPIC", str(src), "-lm",
                               "-o", str(out)], capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return False, f"{last} (run `zigcc which cc` and compile by hand to see more)"
    return True, ""
