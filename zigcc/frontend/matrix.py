"""The ``zigcc build`` command: plan the target x Python matrix, run it, print the summary."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend import options as opts
from zigcc.frontend import source
from zigcc.frontend.isolated import installer
from zigcc.frontend.run import (
    BuildSpec,
    Job,
    Result,
    build_one,
    machine_and_zig,
    work_folder,
)
from zigcc.python import compat
from zigcc.python import description as pytarget
from zigcc.python import interpreter as buildpython
from zigcc.target.model import ARCHES, Host, Target, lowest, parse
from zigcc.toolchain import installed

_VERSION = re.compile(r"(\d+)\.(\d+)(t?)")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    b = sub.add_parser("build", help="build verified wheels for a target x Python matrix",
                       description="Build wheels of a project folder or sdist in isolated "
                       "environments whose build backend sees only the target.")
    b.add_argument("src", nargs="?", default=".", help="project folder or sdist (default: .)")
    b.add_argument("--target", action="append", dest="targets", metavar="T",
                   help="wheel platform tag or zig triple (repeatable; default: this "
                        "machine's arch at its lowest glibc)")
    b.add_argument("--python", action="append", dest="pythons", metavar="VER|DESCRIPTION",
                   help="X.Y (the build interpreter itself for native targets, a CPython "
                        "synthesized from it for foreign ones) or the target's "
                        "Python: a sysroot, a pack, a dump or a build-details.json (repeatable)")
    b.add_argument("--build-python", metavar="EXE", help="the build interpreter (default: "
                   "pythonX.Y of the target's version on PATH or under pyenv)")
    b.add_argument("--out-dir", default="wheelhouse", help="where verified wheels go")
    b.add_argument("-j", "--jobs", type=int, default=1, help="builds run in parallel")
    b.add_argument("-C", "--config-setting", action="append", default=[], metavar="KEY=VALUE",
                   help="passed to the build backend (repeatable)")
    b.add_argument("--list", action="store_true", help="print the selected builds as JSON")
    b.add_argument("--only", metavar="ID", help="run the one build with this id (see --list)")


def default_target(machine: Host) -> str:
    if machine.os == "linux" and machine.glibc is not None:
        return _lowest(machine.arch)
    return "native"


def main(args: argparse.Namespace, settings: Settings) -> int:
    machine = machine_and_zig()
    work_root = Path(tempfile.mkdtemp(prefix="zigcc-build-"))
    try:
        project = source.unpack(Path(args.src), work_root)
        table = source.zigcc_table(source.read_pyproject(project))
        cli = {"targets": args.targets, "pythons": args.pythons, "out_dir": args.out_dir,
               "jobs": args.jobs, "build_python": args.build_python,
               "config_settings": opts.parse_config_settings(args.config_setting)}
        here = "{}.{}{}".format(*sys.version_info[:2], getattr(sys, "abiflags", ""))
        options = opts.from_sources(cli, settings.environ, table, [default_target(machine)],
                                    [here])
        installer(settings.environ)  # a bad ZIGCC_INSTALLER: one line before any build
        specs = plan(options, machine, settings, work_root)
        if args.list:
            print(json.dumps([{"id": s.ident, "target": s.target.wheel_platform,
                               "python": s.target_python.source} for s in specs], indent=2))
            return 0
        if args.only:
            chosen = [s for s in specs if s.ident == args.only]
            if not chosen:
                raise ZigccError(f"--only {args.only}: no such build; the builds are "
                                 f"{', '.join(s.ident for s in specs)}")
            specs = chosen
        results = run_all(specs, project, options, settings, machine, work_root)
        print(summary(results, specs))
        return 0 if all(r.ok for r in results) else 1
    finally:
        shutil.rmtree(work_root, ignore_errors=True)


def plan(options: opts.BuildOptions, machine: Host, settings: Settings, work: Path
         ) -> list[BuildSpec]:
    """Every (target, Python) pair, checked before any build starts.

    A target Python *description* is of one platform and pairs with the targets of that
    platform only; an ``X.Y`` Python pairs with every target: the build interpreter itself
    for the targets this machine runs natively, a target Python synthesized from it for the
    others (:mod:`zigcc.python.synth`).
    """
    targets = [parse(t, machine) for t in options.targets]
    for target in targets:
        if target.os != "linux":
            raise ZigccError(f"--target {target.wheel_platform}: zigcc build makes Linux "
                             "wheels for now; `zigcc env` covers macOS and Windows compilers")
    described = {spec: pytarget.load(spec) for spec in options.pythons
                 if not _VERSION.fullmatch(spec)}
    specs: list[BuildSpec] = []
    for target in targets:
        for spec in options.pythons:
            tp = described.get(spec)
            if tp is not None and tp.platform != target.sysconfig_platform:
                continue
            tp, bp = resolve_python(spec, target, machine, options.build_python, settings, work,
                                    tp)
            ident = f"{bp.tag}-{target.platform_tags[0]}"
            if any(s.ident == ident for s in specs):
                raise ZigccError(f"build {ident} is selected twice; drop one --python/--target")
            specs.append(BuildSpec(ident, target, tp, bp))
        if not any(s.target == target for s in specs):
            described_as = (f"a {target.sysconfig_platform} sysroot, a pack from `zigcc "
                            "dump-script` or a build-details.json")
            hint = (f"pass X.Y (this machine's interpreter) or {described_as}"
                    if target.is_native(machine) else
                    f"a foreign target needs its Python described: {described_as}")
            raise ZigccError(f"--target {target.wheel_platform}: no --python is for it; "
                             f"{hint}")
    for spec, tp in described.items():
        if not any(s.target_python is tp for s in specs):
            raise ZigccError(f"--python {spec} is a {tp.platform} Python but no --target is of "
                             "that platform; add one, e.g. --target "
                             f"{_lowest(tp.platform.split('-', 1)[-1])}")
    return specs


def _lowest(arch: str) -> str:
    """The --target to suggest for ``arch``: its lowest manylinux tag (2.17 for an arch zigcc
    does not know, which the error then names)."""
    return lowest(arch).platform_tags[0] if arch in ARCHES else f"manylinux_2_17_{arch}"


_DUMPS: dict[str, pytarget.TargetPython] = {}
_DUMPS_LOCK = threading.Lock()


def resolve_python(spec: str, target: Target, machine: Host, build_python: str | None,
                   settings: Settings, work: Path, described: pytarget.TargetPython | None = None
                   ) -> tuple[pytarget.TargetPython, buildpython.BuildPython]:
    """The target Python and the build interpreter of one ``--python`` value."""
    version = _VERSION.fullmatch(spec)
    if version:
        want = (int(version.group(1)), int(version.group(2)))
        bp = (buildpython.resolve(build_python) if build_python
              else buildpython.find(want, version.group(3), settings.environ))
        tp = _dump(bp.executable, work) if target.is_native(machine) else \
            synthesized(target, bp, settings)
    else:
        tp = described or pytarget.load(spec)
        bp = (buildpython.resolve(build_python) if build_python
              else buildpython.find(tp.version, tp.abiflags, settings.environ))
    compat.check_compatible(tp, target, bp.version, bp.abiflags)
    return tp, bp


def synthesized(target: Target, bp: buildpython.BuildPython, settings: Settings
                ) -> pytarget.TargetPython:
    """The target's CPython X.Y, synthesized from the build interpreter's headers."""

    from zigcc.python import synth

    zig = installed.stable_zig(installed.zig_binary(), settings.cache_dir, installed.zig_version())
    headers = synth.BuildHeaders(bp.version, bp.abiflags, bp.version_full, bp.include_dir)
    return synth.synthesize(target, headers, zig, settings.cache_dir)


def _dump(executable: str, work: Path) -> pytarget.TargetPython:
    """The build interpreter described as a target (native builds)."""
    from zigcc.python import dump

    with _DUMPS_LOCK:
        if executable not in _DUMPS:
            out = work / f"native-{len(_DUMPS)}.json"
            run = subprocess.run([executable, "-I", dump.__file__, "-o", str(out)],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise ZigccError(f"{executable}: the dump tool failed: "
                                 f"{(run.stderr.strip().splitlines() or ['?'])[-1]}")
            _DUMPS[executable] = pytarget.from_json(str(out))
        return _DUMPS[executable]


def run_all(specs: Sequence[BuildSpec], project: Path, options: opts.BuildOptions,
            settings: Settings, machine: Host, work: Path) -> list[Result]:

    total = len(specs)
    lock = threading.Lock()

    def one(index_spec: tuple[int, BuildSpec]) -> Result:
        index, spec = index_spec
        label = f"[{index}/{total}] {spec.target.arch} {spec.build_python.tag}"

        def step(what: str) -> None:
            with lock:
                print(f"{label}: {what}", flush=True)

        log = options.out_dir / ".zigcc" / "logs" / f"{project.name}-{spec.ident}.log"
        step(f"start ({spec.ident}, log {log})")
        job = Job(spec, project, options, settings, machine,
                  work_folder(work, spec.ident), step)
        result = build_one(job, log)
        with lock:
            print(f"{label}: {result.verdict} ({result.seconds:.1f} s)", flush=True)
        return result

    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        return list(pool.map(one, enumerate(specs, 1)))


def summary(results: Sequence[Result], specs: Sequence[BuildSpec]) -> str:
    head = ("target", "python", "wheel", "size", "seconds", "verdict")
    rows = [head]
    for result, spec in zip(results, specs):
        size = f"{result.wheel.stat().st_size / 1024:.0f} KiB" if result.wheel else "-"
        rows.append((spec.target.platform_tags[0], spec.build_python.tag,
                     result.wheel.name if result.wheel else "-", size,
                     f"{result.seconds:.1f}", result.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} built, {failed} failed")
    return "\n".join(lines)
