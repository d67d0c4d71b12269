"""The processes a build starts (pip, the backend's hooks, before-build commands), known so
that Ctrl-C stops them all: a child that ignores or never sees the terminal's SIGINT (started
in the background, or in its own group) is terminated, and no wheel is kept afterwards."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

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


class Pool:
    """A thread pool whose :meth:`map` the main thread waits on in short slices.

    The kernel may hand the terminal's SIGINT to any thread; Python runs its handler (and
    raises KeyboardInterrupt) in the main thread only once that thread wakes.  An untimed wait
    for a build's result would sleep through Ctrl-C until the build ended and its wheel was
    kept; a timed one notices it within :data:`WAKE` seconds."""

    WAKE = 0.2

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self._executor = executor

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` of every item, run in the pool; the results in order (the first error
        raised, as :meth:`ThreadPoolExecutor.map` does)."""
        futures = [self._executor.submit(fn, item) for item in items]
        waiting = set(futures)
        while waiting:
            _, waiting = wait(waiting, timeout=self.WAKE)
        return [future.result() for future in futures]


@contextlib.contextmanager
def pool(jobs: int) -> Iterator[Pool]:
    """A thread pool for builds: on Ctrl-C every child process is stopped first (the threads
    wait on them), then the pool waits for its threads and drops what has not started."""
    with ThreadPoolExecutor(max_workers=jobs) as executor:
        try:
            yield Pool(executor)
        except KeyboardInterrupt:
            interrupt_all()
            executor.shutdown(wait=True, cancel_futures=True)
            raise
