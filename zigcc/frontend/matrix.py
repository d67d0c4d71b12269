"""The ``zigcc build`` command: plan the target x Python matrix, run it, print the summary."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend import children, compilecache, macos_targets, pythons, source, universal2
from zigcc.frontend import options as opts
from zigcc.frontend.isolated import installer
from zigcc.frontend.options import Once
from zigcc.frontend.run import (
    BuildSpec,
    Job,
    Result,
    build_one,
    machine_and_zig,
    work_folder,
)
from zigcc.python import compat, synth_macos
from zigcc.python import description as pytarget
from zigcc.python import interpreter as buildpython
from zigcc.target.model import ARCHES, Host, Target, lowest, parse


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
    b.add_argument("--build-python", action=Once, metavar="EXE", help="the build interpreter (default: "
                   "pythonX.Y of the target's version on PATH or under pyenv)")
    b.add_argument("--out-dir", action=Once, default="wheelhouse", help="where verified wheels go")
    b.add_argument("-j", "--jobs", action=Once, type=int, default=1, help="builds run in parallel")
    b.add_argument("-C", "--config-setting", action="append", default=[], metavar="KEY=VALUE",
                   help="passed to the build backend (repeatable)")
    b.add_argument("--before-all", action="append", metavar="CMD",
                   help="run once per target before its builds, with the target toolchain "
                        "(C libraries into $ZIGCC_PREFIX; repeatable)")
    b.add_argument("--before-build", action="append", metavar="CMD",
                   help="run before each build, in the project's copy (repeatable)")
    b.add_argument("--list", action="store_true", help="print the selected builds as JSON")
    b.add_argument("--only", action=Once, metavar="ID", help="run the one build with this id (see --list)")


def default_target(machine: Host) -> str:
    if machine.os == "linux" and machine.glibc is not None:
        return _lowest(machine.arch)
    return "native"


def main(args: argparse.Namespace, settings: Settings) -> int:
    machine = machine_and_zig()
    work_root = Path(tempfile.mkdtemp(prefix="zigcc-build-"))
    try:
        project = source.unpack(Path(args.src), work_root)
        pyproject = source.read_pyproject(project)
        source.check_backend_key(pyproject)
        table = source.zigcc_table(pyproject)
        cli = {"targets": args.targets, "pythons": args.pythons, "out_dir": args.out_dir,
               "jobs": args.jobs, "build_python": args.build_python,
               "config_settings": opts.parse_config_settings(args.config_setting),
               "before_all": args.before_all, "before_build": args.before_build}
        here = "{}.{}{}".format(*sys.version_info[:2], getattr(sys, "abiflags", ""))
        options = opts.from_sources(cli, settings.environ, table, [default_target(machine)],
                                    [here])
        installer(settings.environ)  # a bad ZIGCC_INSTALLER: one line before any build
        cells = plan(options, machine, settings)
        if args.only:  # before --list: `--list --only ID` lists that one build
            chosen = [c for c in cells if c.ident == args.only]
            if not chosen:
                raise ZigccError(f"--only {args.only}: no such build; the builds are "
                                 f"{', '.join(c.ident for c in cells)}")
            cells = chosen
        if args.list:
            print(json.dumps([{"id": c.ident, "target": c.target.wheel_platform,
                               "python": c.label(machine)} for c in cells], indent=2))
            return 0
        writable_out_dir(options.out_dir)
        options = compilecache.apply(options, settings, ((c.target.ident, c.python)
                                                         for c in cells))
        specs = realise(cells, options, machine, settings, work_root)
        results = run_all(specs, project, options, settings, machine, work_root)
        rows = list(zip(results, specs))
        for group in dict.fromkeys(s.part_of for s in specs if s.part_of):
            done = [(s, r) for r, s in rows if s.part_of == group]
            merged = universal2.merged_result(group, done, options.out_dir)
            print(f"{group}: merged: {merged.verdict}", flush=True)
            for line in merged.details[1:]:
                print(f"{group}:   {line}", flush=True)
            rows.append((merged, done[0][0]))
        print(summary(rows))
        return 0 if all(r.ok for r, _ in rows) else 1
    finally:
        shutil.rmtree(work_root, ignore_errors=True)


@dataclass(frozen=True)
class Planned:
    """One cell of the matrix before its target Python is made: what ``--list`` prints."""

    ident: str  # cp311-manylinux_2_17_aarch64
    target: Target
    python: str  # the --python value
    build_python: buildpython.BuildPython
    described: pytarget.TargetPython | None  # a description read from a file, else None
    spec_target: Target | None = None  # the --target as given (macOS: before its version)
    part_of: str | None = None  # the universal2 build this thin build is half of

    def label(self, machine: Host) -> str:
        """Where the target Python comes from, for ``--list``."""
        if self.described is not None:
            return self.described.source
        if self.target.is_native(machine):
            return self.build_python.executable
        return f"CPython {self.python} synthesized from {self.build_python.executable}"


def writable_out_dir(out: Path) -> None:
    """Make ``--out-dir`` (and its ``.zigcc`` folder) before any build, or say why not."""
    if out.exists() and not out.is_dir():
        raise ZigccError(f"--out-dir {out}: a file, not a folder; pass a folder")
    try:
        (out / ".zigcc").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ZigccError(f"--out-dir {out}: {exc.strerror or exc}; pass a folder you can "
                         "write to") from None


def plan(options: opts.BuildOptions, machine: Host, settings: Settings) -> list[Planned]:
    """Every (target, Python) pair, checked before any build starts; nothing is compiled.

    A target Python *description* is of one platform and pairs with the targets of that
    platform only; an ``X.Y`` Python pairs with every target: the build interpreter itself
    for the targets this machine runs natively, a target Python synthesized from it for the
    others (:mod:`zigcc.python.synth`, made by :func:`realise`).
    """
    specs = list(options.targets)
    targets = [parse(macos_targets.spelled(t), machine) for t in specs]
    described = {spec: pytarget.load(spec) for spec in options.pythons
                 if not pythons.is_version(spec)}
    cells: list[Planned] = []
    for given, spec_target in zip(specs, targets):
        for spec in options.pythons:
            tp = described.get(spec)
            if tp is not None and tp.platform != spec_target.sysconfig_platform:
                continue
            bp = pythons.build_python_for(spec, options.build_python, settings, tp)
            thin: tuple[Target, ...]
            if spec_target.arch == "universal2":  # two thin builds, merged afterwards
                thin = arm, x86 = universal2.halves(spec_target, given, bp.version,
                                                    settings.environ)
                assert arm.macos_version and x86.macos_version
                major, minor = universal2.universal2_version(arm.macos_version,
                                                             x86.macos_version)
                group = f"{bp.tag}-macosx_{major}_{minor}_universal2"
            else:
                target, warning = macos_targets.for_python(spec_target, given, bp.version,
                                                           settings.environ)
                if warning:
                    print(warning, file=sys.stderr)
                thin, group = (target,), None
            for target in thin:
                if tp is not None:
                    compat.check_compatible(tp, target, bp.version, bp.abiflags,
                                            options.build_python)
                elif target.os == "macos":  # before anything is built: python.org's OS
                    synth_macos.check_macos(target, bp.version, bp.abiflags)
                ident = f"{bp.tag}-{target.platform_tags[0]}"
                if any(c.ident == ident and c.part_of == group for c in cells):
                    raise ZigccError(f"build {ident} is selected twice; drop one "
                                     "--python/--target")
                cells.append(Planned(ident, target, spec, bp, tp, spec_target, group))
        target = spec_target
        if not any(c.spec_target is spec_target for c in cells):
            described_as = (f"a {target.sysconfig_platform} sysroot, a pack from `zigcc "
                            "dump-script` or a build-details.json")
            hint = (f"pass X.Y (this machine's interpreter) or {described_as}"
                    if target.is_native(machine) else
                    f"a foreign target needs its Python described: {described_as}")
            raise ZigccError(f"--target {target.wheel_platform}: no --python is for it; "
                             f"{hint}")
    for spec, tp in described.items():
        if not any(c.described is tp for c in cells):
            raise ZigccError(f"--python {spec} is a {tp.platform} Python but no --target is of "
                             "that platform; add one, e.g. --target "
                             f"{_lowest(tp.platform.split('-', 1)[-1])}")
    return cells


def realise(cells: Sequence[Planned], options: opts.BuildOptions, machine: Host,
            settings: Settings, work: Path) -> list[BuildSpec]:
    """The target Python of every cell (dumped, read or synthesized), one line per cell that
    has to be made, so that a cold matrix says what it is doing."""
    specs = []
    for index, cell in enumerate(cells, 1):
        if cell.described is None and not cell.target.is_native(machine):
            print(f"[{index}/{len(cells)}] {cell.target.arch} {cell.build_python.tag}: "
                  f"synthesizing CPython {cell.python} for {cell.target.platform_tags[0]}",
                  flush=True)
        tp = pythons.target_python(cell.python, cell.target, machine, cell.build_python,
                                   settings, work, cell.described, options.build_python)
        specs.append(BuildSpec(cell.ident, cell.target, tp, cell.build_python, cell.part_of))
    return specs


def _lowest(arch: str) -> str:
    """The --target to suggest for ``arch``: its lowest manylinux tag (2.17 for an arch zigcc
    does not know, which the error then names)."""
    return lowest(arch).platform_tags[0] if arch in ARCHES else f"manylinux_2_17_{arch}"


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
            for line in result.details[1:] if result.details else ():
                print(f"{label}:   {line}", flush=True)
            if not result.ok:
                print(f"{label}: log: {result.log}", flush=True)
        return result

    order = spread(specs)
    with children.pool(options.jobs) as pool:
        started = pool.map(one, [(i + 1, specs[i]) for i in order])
    results: list[Result] = list(started)
    for result, i in zip(started, order):
        results[i] = result
    return results


def spread(specs: Sequence[BuildSpec]) -> list[int]:
    """The order to start the builds in (indexes into ``specs``): by diagonals of the
    target x Python grid, so builds that run at once differ in target and in build
    interpreter.  They then neither wait for one build environment (each interpreter's is
    shared) nor compile the same file twice: a target's next Python comes a diagonal later
    and finds the first one's objects in the compile cache."""
    targets = list(dict.fromkeys(s.target.ident for s in specs))
    pythons = list(dict.fromkeys(s.build_python.executable for s in specs))

    def diagonal(i: int) -> tuple[int, int, int]:
        t = targets.index(specs[i].target.ident)
        p = pythons.index(specs[i].build_python.executable)
        return ((p - t) % len(pythons), t, i)

    return sorted(range(len(specs)), key=diagonal)


def summary(done: Sequence[tuple[Result, BuildSpec]]) -> str:
    """One row per build (a universal2 wheel's row after its two halves, under its own tag)."""
    head = ("target", "python", "wheel", "size", "seconds", "verdict")
    rows = [head]
    for result, spec in done:
        size = f"{result.wheel.stat().st_size / 1024:.0f} KiB" if result.wheel else "-"
        plat = (result.ident.split("-", 1)[1] if spec.part_of == result.ident
                else spec.target.platform_tags[0])
        rows.append((plat, spec.build_python.tag, result.wheel.name if result.wheel else "-",
                     size, f"{result.seconds:.1f}", result.verdict))
    failed = sum(not r.ok for r, _ in done)
    return table(rows) + f"\n{len(done) - failed} built, {failed} failed"


def table(rows: Sequence[Sequence[str]]) -> str:
    """``rows`` (the first is the head) as aligned columns, for the summaries."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
