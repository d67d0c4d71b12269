"""Free-threaded on a foreign arch: a cp314t wheel that zigcc builds for aarch64 and s390x (a
big-endian one) imports in CPython 3.14t cross-built with zigcc for that arch
(tests/cpython_cross.py), run under qemu-user, and its functions run in eight threads at once
with the GIL off.

tests/projects/ft_ext has two modules from one C source: ``zt_ft`` declares ``Py_mod_gil =
Py_MOD_GIL_NOT_USED`` and ``zt_ft_gil`` does not.  After ``import zt_ft`` the GIL must still be
off and the calls must overlap (the module counts calls in flight); after ``import zt_ft_gil`` —
the control that shows both checks can fail — the interpreter turns the GIL on and the same
calls run one at a time.  Every thread's result is checked against a pure-Python reference
computed here, with the target's byte order for the checksum of native words.

The wheel is built twice per arch: against a CPython synthesized from the native 3.14t build
interpreter (``--python 3.14t``: no target interpreter) and against the cross-built
interpreter's own PEP 739 ``build-details.json``; both are the same wheel name and both run."""

from __future__ import annotations

import json
import os
import struct
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from buildhelp import compile_lines, logs, wheels, zigcc_build
from conftest import PROJECTS
from cpython_cross import ARCHES, CrossPython

from zigcc.target.model import parse

pytestmark = pytest.mark.slow

THREADS = 8
# Per thread: primes in [lo, lo + SPAN) and the FNV-1a of WORDS words from its own seed.
FIRST, SPAN, WORDS = 1_000_000, 40_000, 40_000

RUN = r"""
import json, sys, threading
gil_at_start = sys._is_gil_enabled()
module = __import__(sys.argv[1])
gil_after_import = sys._is_gil_enabled()
jobs = json.loads(sys.argv[2])
barrier = threading.Barrier(len(jobs))
results = [None] * len(jobs)

def work(i, lo, hi, n, seed):
    barrier.wait()
    results[i] = [module.count_primes(lo, hi), module.fnv_words(n, seed)]

threads = [threading.Thread(target=work, args=(i, *job)) for i, job in enumerate(jobs)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"gil_at_start": gil_at_start, "gil_after_import": gil_after_import,
                  "gil_at_end": sys._is_gil_enabled(), "results": results,
                  "peak": module.peak_concurrency(), "file": module.__file__,
                  "byteorder": sys.byteorder}))
"""


def _jobs() -> list[tuple[int, int, int, int]]:
    return [(FIRST + i * SPAN, FIRST + (i + 1) * SPAN, WORDS, 12345 + 7919 * i)
            for i in range(THREADS)]


def _primes_below(limit: int) -> bytearray:
    sieve = bytearray([1]) * limit
    sieve[:2] = b"\0\0"
    for n in range(2, int(limit**0.5) + 1):
        if sieve[n]:
            sieve[n * n::n] = bytes(len(range(n * n, limit, n)))
    return sieve


def _fnv_words(n: int, seed: int, byteorder: str) -> int:
    words, x = [], seed
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        words.append(x)
    data = struct.pack(f"{'<' if byteorder == 'little' else '>'}{n}I", *words)
    h = 14695981039346656037
    for byte in data:
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def _expected(byteorder: str) -> list[list[int]]:
    jobs = _jobs()
    sieve = _primes_below(jobs[-1][1])
    return [[sum(sieve[lo:hi]), _fnv_words(n, seed, byteorder)] for lo, hi, n, seed in jobs]


def _build(python: str | Path, arch: str, out: Path, build_bin: Path
           ) -> tuple[Path, list[str]]:
    """`zigcc build tests/projects/ft_ext --target manylinux_2_17_<arch> --python ...` with
    the native 3.14t first on PATH (as a user who installed it would run it); the one wheel,
    and its compile lines."""
    env = {**os.environ, "PATH": os.pathsep.join([str(build_bin), os.environ["PATH"]])}
    target = ARCHES[arch].target
    done = zigcc_build(PROJECTS / "ft_ext", target, python, out, env, "-C", "compile-args=-v")
    log = logs(out)
    assert done.returncode == 0, done.stdout[-3000:] + log[-3000:]
    (wheel,) = wheels(out)
    platform = parse(target).wheel_platform  # with its manylinux2014 alias
    assert wheel.name == f"zigcc_test_ft-1.0-cp314-cp314t-{platform}.whl", wheel.name
    with zipfile.ZipFile(wheel) as archive:
        modules = sorted(n for n in archive.namelist() if n.endswith(".so"))
    assert modules == [f"zt_ft.cpython-314t-{arch}-linux-gnu.so",
                       f"zt_ft_gil.cpython-314t-{arch}-linux-gnu.so"], modules
    return wheel, compile_lines(log)


def _run(python: CrossPython, site: Path, module: str, cwd: Path) -> dict[str, Any]:
    jobs = json.dumps(_jobs())
    done = python.run("-c", textwrap.dedent(RUN), module, jobs, env={"PYTHONPATH": str(site)},
                      cwd=cwd, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.mark.parametrize("arch", list(ARCHES))
def test_cp314t_wheel_runs_threads_with_gil_off(
        arch: str, cpython_cross: Callable[[str], CrossPython],
        cpython_source: Callable[..., Any], tmp_path: Path) -> None:
    target_py = cpython_cross(arch)
    build_bin = cpython_source("3.14", True).executable.parent
    expected = _expected(ARCHES[arch].byteorder)

    for how, python in (("synthesized", "3.14t"), ("build-details", target_py.build_details)):
        wheel, lines = _build(python, arch, tmp_path / f"wheelhouse-{how}", build_bin)
        # setuptools compiles both modules with the target's optimisation, for the target's CPU
        assert len(lines) == 2, lines
        for line in lines:
            assert " -O" in line and " -DNDEBUG" in line, line
            assert "-march=native" not in line and "-msse" not in line, line

        site = tmp_path / f"site-{how}"
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)

        free = _run(target_py, site, "zt_ft", tmp_path)
        assert Path(free["file"]).parent == site, free["file"]
        assert free["byteorder"] == ARCHES[arch].byteorder
        assert free["results"] == expected, (how, free["results"])
        assert (free["gil_at_start"], free["gil_after_import"], free["gil_at_end"]) == (
            False, False, False), (how, free)
        assert free["peak"] > 1, (how, free)  # the calls really overlapped

        # The control: a module without Py_mod_gil turns the GIL on; the same calls serialize.
        held = _run(target_py, site, "zt_ft_gil", tmp_path)
        assert held["results"] == expected, (how, held["results"])
        assert (held["gil_at_start"], held["gil_after_import"]) == (False, True), (how, held)
        assert held["peak"] == 1, (how, held)
