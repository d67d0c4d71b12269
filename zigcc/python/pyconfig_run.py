"""The side of :mod:`zigcc.python.pyconfig` that runs the target's compiler: the probe and
the checks of one target, and a whole ``pyconfig.h`` in one call."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from zigcc.python import cchecks, ccrun, probe
from zigcc.python import pyconfig_table as table
from zigcc.python.cchecks import TargetChecks
from zigcc.python.probe import TargetFacts
from zigcc.python.pyconfig import (
    CHECK_FUNCTIONS,
    CHECK_HEADERS,
    Version,
    check_abiflags,
    libc_name,
    render_pyconfig,
)
from zigcc.target.model import Target
from zigcc.toolchain.folder import base_args


def compiler_for(target: Target, zig: Path) -> list[str]:
    """The target's C compiler without the build machine's include folders.

    A toolchain's ``cc`` shim for the *native* target adds the host's ``/usr/include`` after
    zig's headers (native builds find system libraries there); host headers must not leak
    into a synthesized pyconfig.h, so probes and checks call zig with the target's base
    arguments only.
    """
    return [str(zig), *base_args(target, zig)["cc"]]


def collect(cc: ccrun.Compiler, workdir: Path, libc: str,
            target: str | None = None) -> tuple[TargetFacts, TargetChecks]:
    """Probe and check one target (glibc: 4 compiles and a link; musl: 6 and a link).

    Cache both results with their ``to_dict``; pass :func:`compiler_for`'s command, not a
    native toolchain's shim (it adds the build machine's include folders).
    """
    facts = probe.probe(cc, workdir, target)
    checks = cchecks.run_checks(cc, workdir, headers=CHECK_HEADERS,
                                compiles=table.COMPILE_CHECKS, functions=CHECK_FUNCTIONS,
                                prelude=table.PRELUDE, glibc=libc_name(libc) == "gnu",
                                target=target)
    return facts, checks


def cached_facts(path: Path, make: Callable[[Path], tuple[TargetFacts, TargetChecks]]
                 ) -> tuple[TargetFacts, TargetChecks]:
    """The facts and checks kept at ``path``: made once, by ``make(work folder)``, under a
    lock (concurrent builds of one target wait for the first)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            if not path.is_file():
                work = path.parent / f"work-{path.stem}"
                work.mkdir(exist_ok=True)
                facts, checks = make(work)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"facts": facts.to_dict(),
                                           "checks": checks.to_dict()}), encoding="utf-8")
                os.replace(tmp, path)
                shutil.rmtree(work, ignore_errors=True)
    data = json.loads(path.read_text(encoding="utf-8"))
    return TargetFacts.from_dict(data["facts"]), TargetChecks.from_dict(data["checks"])


def synthesize(cc: ccrun.Compiler, workdir: Path, version: Version, abiflags: str, libc: str,
               target: str = "") -> str:
    """Probe, check and render in one call (no caching)."""
    check_abiflags(version, abiflags)
    facts, checks = collect(cc, workdir, libc, target or None)
    return render_pyconfig(version, abiflags, libc, facts, checks, target)
