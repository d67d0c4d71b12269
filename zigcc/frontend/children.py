"""The processes a build starts (pip, the backend's hooks, before-build commands), known so
that Ctrl-C stops them all: a child that ignores or never sees the terminal's SIGINT (started
in the background, or in its own group) is terminated, and no wheel is kept afterwards."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

INTERRUPTED = threading.Event()  # set once: every running and later child is stopped
_RUNNING: set[subprocess.Popen[Any]] = set()
_LOCK = threading.Lock()


class Interrupted(Exception):
    """The build was interrupted (Ctrl-C): nothing of it is kept."""


def run(cmd: Sequence[str], check: bool = False, **kwargs: Any
        ) -> subprocess.CompletedProcess[Any]:
    """:func:`subprocess.run`, but stopped by :func:`interrupt_all`."""
    if INTERRUPTED.is_set():
        raise Interrupted
    with subprocess.Popen(list(cmd), **kwargs) as proc:
        with _LOCK:
            _RUNNING.add(proc)
        try:
            out, err = proc.communicate()
        finally:
            with _LOCK:
                _RUNNING.discard(proc)
    if INTERRUPTED.is_set():
        raise Interrupted
    if check and proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def interrupt_all() -> None:
    """Stop every running child (SIGTERM) and refuse new ones."""
    INTERRUPTED.set()
    with _LOCK:
        running = list(_RUNNING)
    for proc in running:
        with contextlib.suppress(OSError):  # it ended meanwhile
            proc.terminate()


@contextlib.contextmanager
def pool(jobs: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool for builds: on Ctrl-C every child process is stopped first (the threads
    wait on them), then the pool waits for its threads and drops what has not started."""
    with ThreadPoolExecutor(max_workers=jobs) as executor:
        try:
            yield executor
        except KeyboardInterrupt:
            interrupt_all()
            executor.shutdown(wait=True, cancel_futures=True)
            raise
