"""What the test fixtures that build a CPython from source share (tests/musl_cpython.py,
tests/cpython_source.py): one build per cache folder under a lock, logged build steps, a PATH of failing system tools,
and the compilers ``zigcc env`` prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import filelock

T = TypeVar("T")


@contextmanager
def locked(lock_path: Path, building: Path, log: Callable[[str], None]) -> Iterator[None]:
    """Hold the build's lock (a second process waits, saying so, up to three hours)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        log(f"waiting for another process building {building} ({lock_path})")
        lock.acquire(timeout=3 * 3600)
    try:
        yield
    finally:
        lock.release()


def ensure(load: Callable[[], T | None], build: Callable[[], None], lock_path: Path,
           building: Path, log: Callable[[str], None], rebuild: bool,
           error: type[Exception]) -> T:
    """What ``load`` finds, else built by ``build`` under the build's lock (another process may
    have built it meanwhile: looked for again under the lock); ``rebuild`` builds anyway."""
    if not rebuild and (found := load()) is not None:
        return found
    with locked(lock_path, building, log):
        if not rebuild and (found := load()) is not None:
            return found
        build()
        found = load()
        if found is None:
            raise error(f"{building}/ready.json was written but does not describe the build")
        return found


def run_step(argv: Sequence[str | os.PathLike[str]], log: Path, env: Mapping[str, str],
             cwd: Path, timeout: float = 3600, *, error: type[Exception]) -> None:
    """Run a build step, its output appended to ``log``; raise ``error`` with the log's tail
    on failure."""
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(map(str, argv))}\n")
        out.flush()
        result = subprocess.run(list(map(str, argv)), stdout=out, stderr=subprocess.STDOUT,
                                env=dict(env), cwd=cwd, timeout=timeout)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise error(f"{argv[0]} failed ({result.returncode}) in {cwd}; log {log}:\n{tail}")


def failing_tools(folder: Path, names: Sequence[str]) -> Path:
    """A folder of tools that fail, first on PATH, so that only zigcc's shims compile."""
    folder.mkdir()
    for name in names:
        tool = folder / name
        tool.write_text(f'#!/bin/sh\necho "{name} is not to be used here" >&2\nexit 1\n')
        tool.chmod(0o755)
    return folder


def zigcc_env(target: str | None, keys: Sequence[str], error: type[Exception]
              ) -> dict[str, str]:
    """What ``zigcc env [--target T] --shell json`` prints (CC, CXX, AR...), as a user runs it."""
    argv = [sys.executable, "-m", "zigcc", "env", *(["--target", target] if target else []),
            "--shell", "json"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise error(f"zigcc env{' --target ' + target if target else ''} failed:\n{out.stderr}")
    tools: dict[str, str] = json.loads(out.stdout)
    for key in keys:
        if not tools.get(key):
            raise error(f"zigcc env printed no {key}: {tools}")
    return tools
