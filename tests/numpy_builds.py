"""numpy 2.3.5 built from its sdist by ``zigcc build`` for a Debian architecture, once per
toolchain: the wheel the numpy tests (tests/builds/test_numpy_cross.py,
tests/builds/test_numpy_capi.py) and the wheelhouse tests share.  No pytest here
(tests/conftest.py's ``numpy_wheel`` fixture wraps it).

``ensure_numpy(arch)`` builds numpy for ``buildhelp.TARGETS[arch]`` against that architecture's
default-suite Debian CPython (its sysroot as ``--python``), with every system compiler shadowed
by a failing stub, and keeps the wheel under ``<test cache>/numpy-2.3.5-<arch>-<key>/``::

    numpy-2.3.5-cp311-cp311-manylinux_2_17_armv7l.whl
    build.log      zigcc build's output and the build's log
    ready.json     written last: key, target, zig, build_seconds (tests/conftest.py's summary)

``<key>`` (:func:`build_key`) hashes the sdist's sha256, the target, zig's version and the
contents of the zigcc files that can change the compiled bits (:data:`KEYED`, but for
:data:`UNKEYED`, other platforms' modules): a run reuses a
numpy that this exact toolchain code built, and any change there builds it again (the other
keys of the architecture are then deleted).  A file lock per architecture makes concurrent
processes (pytest-xdist's workers) wait for one build.  ``python tests/numpy_builds.py [ARCH
...]`` builds (or reuses) and prints where and how long.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import debian_sysroots
import source_builds
from buildhelp import TARGETS
from real_sdists import Sdist, ensure_sdist

ROOT = Path(__file__).resolve().parent.parent
VERSION = "2.3.5"
NUMPY = Sdist(
    "numpy", VERSION, "meson-python",
    "784db1dcdab56bf0517743e746dfb0f885fc68d948aba86eeec2cba234bdf1c0", smoke="",
    notes="numpy/_core/meson.build reads [properties] longdouble_format, else runs a test "
          "program (impossible in a cross build); no BLAS (allow-noblas)")
FORMAT = 1  # bump when what is cached changes
# zigcc's files that can change what the compiler makes of numpy (folders: every file in them)
KEYED = ("zigcc/toolchain", "zigcc/backends", "zigcc/python", "zigcc/targetenv", "zigcc/target",
         "zigcc/frontend/run.py", "zigcc/frontend/isolated.py", "zigcc/frontend/targetdeps.py")
# ... but for the modules of other platforms, which a Linux build never runs: Windows' and
# macOS' synthesis and tables, import libraries, fat files.
UNKEYED = re.compile(r"(synth_windows|synth_macos|windows_\w+|macos_\w+|macos|windows|implib|"
                     r"lipo)\.py")
_SYSTEM_TOOLS = ("cc", "gcc", "g++", "c++", "cpp", "clang", "clang++", "ld",
                 "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-g++", "x86_64-linux-gnu-cpp")
_DROPPED = {"CC", "CXX", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LDSHARED", "AR",
            "PYTHONPATH", "PIP_CONSTRAINT", "PIP_FIND_LINKS"}


class NumpyBuildError(RuntimeError):
    """numpy could not be built for the architecture."""


def _log(message: str) -> None:
    print(f"numpy_builds: {message}", file=sys.stderr, flush=True)


def keyed_files(root: Path = ROOT) -> list[Path]:
    """The files of :data:`KEYED` under ``root``, sorted (no bytecode)."""
    found: list[Path] = []
    for entry in KEYED:
        path = root / entry
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                      and p.suffix != ".pyc" and not UNKEYED.fullmatch(p.name)]
        else:
            raise NumpyBuildError(f"{path} is gone: update numpy_builds.KEYED")
    return sorted(found)


def build_key(target: str, zig_version: str, sdist_sha256: str = NUMPY.sha256,
              root: Path = ROOT) -> str:
    """16 hex digits of a sha256 over the sdist, the target, zig's version and each keyed
    file's path and contents."""
    digest = hashlib.sha256()
    for part in (sdist_sha256, target, zig_version):
        digest.update(part.encode() + b"\0")
    for path in keyed_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _zig_version() -> str:
    from zigcc.toolchain import installed

    return installed.zig_version()


def _folder_pattern(arch: str) -> re.Pattern[str]:
    return re.compile(rf"numpy-[^-]+-{re.escape(arch)}-[0-9a-f]{{16}}")


def _load(base: Path, key: str) -> Path | None:
    try:
        ready = json.loads((base / "ready.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(ready, dict) or ready.get("format") != FORMAT or ready.get("key") != key:
        return None
    wheel = base / str(ready.get("wheel"))
    return wheel if wheel.is_file() else None


def ensure_numpy(arch: str, cache: Path | None = None) -> Path:
    """numpy 2.3.5's wheel for Debian ``arch`` (a key of ``buildhelp.TARGETS``), built by
    ``zigcc build`` on first use for this toolchain (see the module's docstring)."""
    if arch not in TARGETS:
        raise NumpyBuildError(f"no target for Debian arch {arch!r}; known: {', '.join(TARGETS)}")
    target = TARGETS[arch]
    root = (cache or debian_sysroots.default_cache()).expanduser().resolve()
    key = build_key(target, _zig_version())
    base = root / f"numpy-{VERSION}-{arch}-{key}"
    lock = root / f"numpy-{arch}.lock"
    return source_builds.ensure(lambda: _load(base, key), lambda: _build(arch, key, base, cache),
                                lock, base, _log, False, NumpyBuildError)


def _build(arch: str, key: str, base: Path, cache: Path | None) -> None:
    target = TARGETS[arch]
    target_py = debian_sysroots.ensure_python(arch, cache)
    archive = ensure_sdist(NUMPY)
    if base.exists():
        shutil.rmtree(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    for stale in base.parent.glob(f".numpy-{arch}-*"):  # an interrupted build's (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".numpy-{arch}-", dir=base.parent))
    try:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
        stubs = source_builds.failing_tools(work / "no-system-compiler", _SYSTEM_TOOLS)
        env["PATH"] = os.pathsep.join([str(stubs), str(Path(sys.executable).parent),
                                       env.get("PATH", "/usr/bin:/bin")])
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        out = work / "out"
        _log(f"building numpy {VERSION} for {target} (Debian {target_py.suite}-{arch}, "
             f"Python {'.'.join(map(str, target_py.version))}) in {work}")
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "zigcc", "build", str(archive), "--target", target,
             "--python", str(target_py.root), "--out-dir", str(out)],
            env=env, capture_output=True, text=True, timeout=3 * 3600)
        seconds = round(time.monotonic() - started, 1)
        logs = "".join(p.read_text(errors="replace")
                       for p in sorted((out / ".zigcc" / "logs").glob("*.log")))
        found = sorted(out.glob("*.whl"))
        if done.returncode != 0 or len(found) != 1:
            raise NumpyBuildError(
                f"zigcc build of numpy {VERSION} for {target} exited {done.returncode} "
                f"with {[w.name for w in found]}:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
                f"\n{logs[-6000:]}")
        stage = work / "stage"
        stage.mkdir()
        wheel = found[0]
        shutil.copy2(wheel, stage / wheel.name)
        (stage / "build.log").write_text(f"$ zigcc build ...\n{done.stdout}{done.stderr}\n{logs}",
                                         encoding="utf-8")
        ready = {"format": FORMAT, "key": key, "target": target, "zig": _zig_version(),
                 "sdist_sha256": NUMPY.sha256, "python": str(target_py.root),
                 "wheel": wheel.name, "build_seconds": seconds,
                 "built": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.replace(stage, base)
        tmp = base / "ready.json.part"
        tmp.write_text(json.dumps(ready, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, base / "ready.json")
        _log(f"built numpy {VERSION} for {target} in {seconds:.0f} s: {base / wheel.name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pattern = _folder_pattern(arch)
    for old in base.parent.iterdir():
        if old != base and old.is_dir() and pattern.fullmatch(old.name):
            _log(f"removing {old} (built by other toolchain code)")
            shutil.rmtree(old, ignore_errors=True)


def build_log(wheel: Path) -> str:
    """What ``zigcc build`` printed and logged when it built ``wheel`` (an
    :func:`ensure_numpy` result)."""
    return (wheel.parent / "build.log").read_text(encoding="utf-8")


def build_seconds(wheel: Path) -> float:
    """How long the build of ``wheel`` (an :func:`ensure_numpy` result) took."""
    seconds = json.loads((wheel.parent / "ready.json").read_text(encoding="utf-8"))
    return float(seconds["build_seconds"])


def main(argv: list[str]) -> int:
    for arch in argv or list(TARGETS):
        started = time.monotonic()
        wheel = ensure_numpy(arch)
        print(f"{arch:8} {wheel}  (built in {build_seconds(wheel):.0f} s; this call "
              f"{time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
