"""The ``zigcc wheelhouse`` command: options, the plan per target x Python, the summary."""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend import children, compilecache, index, matrix, pythons, targetdeps
from zigcc.frontend import options as opts
from zigcc.frontend.isolated import installer
from zigcc.frontend.options import Once
from zigcc.frontend.run import BuildSpec, machine_and_zig
from zigcc.frontend.wheelhouse import fetch, lock, resolve
from zigcc.frontend.wheelhouse.fetch import Choice, Item, Row, obtain
from zigcc.target.model import Host


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    w = sub.add_parser(
        "wheelhouse", help="every wheel an application needs, for a target machine",
        description="Resolve requirements for each target x Python (uv, the target's "
        "markers), take the index's wheels that fit the target, build the rest from their "
        "sdists with zigcc build, verify every wheel and write a lock with hashes.")
    w.add_argument("requirements", nargs="*", metavar="REQ", help="requirements (PEP 508)")
    w.add_argument("-r", "--requirement", action="append", default=[], dest="req_files",
                   metavar="FILE", help="a requirements file (repeatable)")
    w.add_argument("-c", "--constraint", action="append", default=[], dest="constraints",
                   metavar="FILE", help="a constraints file (repeatable)")
    w.add_argument("--target", action="append", dest="targets", metavar="T",
                   help="wheel platform tag (repeatable; default: this machine's)")
    w.add_argument("--python", action="append", dest="pythons", metavar="X.Y",
                   help="the target's CPython, X.Y or X.Yt (repeatable)")
    w.add_argument("--build-python", action=Once, metavar="EXE",
                   help="the build interpreter (default: pythonX.Y on PATH, pyenv, uv)")
    w.add_argument("--out-dir", action=Once, default="wheelhouse",
                   help="where the wheels and the locks go (default: wheelhouse)")
    w.add_argument("-j", "--jobs", action=Once, type=int, default=1,
                   help="downloads and builds run in parallel")
    w.add_argument("--index-url", action=Once, metavar="URL", help="the package index")
    w.add_argument("--extra-index-url", action="append", default=[], metavar="URL")
    w.add_argument("-f", "--find-links", action="append", default=[], metavar="DIR",
                   help="a folder of wheels and sdists to use as well")
    w.add_argument("--only-build", action="append", default=[], metavar="NAME",
                   help="never take the index's wheel of NAME (:all: for every one)")
    w.add_argument("--prefer-build", action="append", default=[], metavar="NAME",
                   help="build NAME from its sdist when it has one (:all: for every one)")
    w.add_argument("-C", "--config-setting", action="append", default=[], metavar="KEY=VALUE",
                   help="passed to every build backend (repeatable)")
    w.add_argument("--before-all", action="append", default=[], metavar="CMD",
                   help="run once per target before the builds (C libraries into "
                        "$ZIGCC_PREFIX)")
    w.add_argument("--plan", action="store_true",
                   help="print the builds as JSON ({\"include\": [...]}, a CI matrix) and stop")
    w.add_argument("--only", action="append", default=[], metavar="ID",
                   help="do only these items (ids from --plan; comma-separated or repeated); "
                        "no lock is written")
    w.add_argument("--merge", action="append", default=[], metavar="DIR",
                   help="first take the wheels of these wheelhouses (the parts --only made)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    machine = machine_and_zig()
    work = Path(tempfile.mkdtemp(prefix="zigcc-wheelhouse-"))
    try:
        cli = {"targets": args.targets, "pythons": args.pythons, "out_dir": args.out_dir,
               "jobs": args.jobs, "build_python": args.build_python,
               "config_settings": opts.parse_config_settings(args.config_setting),
               "before_all": args.before_all}
        here = "{}.{}{}".format(*sys.version_info[:2], getattr(sys, "abiflags", ""))
        options = opts.from_sources(cli, settings.environ, {},
                                    [matrix.default_target(machine)], [here])
        for spec in options.pythons:
            if not pythons.is_version(spec):
                raise ZigccError(f"--python {spec}: zigcc wheelhouse takes X.Y or X.Yt")
        choice = Choice(_names(args.only_build, "--only-build"),
                        _names(args.prefer_build, "--prefer-build"))
        sources = index.Sources(args.index_url, tuple(args.extra_index_url),
                                  tuple(args.find_links))
        installer(settings.environ)
        cells = matrix.plan(options, machine, settings)
        matrix.writable_out_dir(options.out_dir)
        options = compilecache.apply(options, settings, ((c.target.ident, c.python)
                                                         for c in cells))
        reqs = resolve.requirements_file(args.requirements, [Path(f) for f in args.req_files],
                                         work / "requirements.in")
        constraints = [Path(c).absolute() for c in args.constraints]
        for c in constraints:
            if not c.is_file():
                raise ZigccError(f"-c {c}: no such file; pass a constraints file")
        for part in args.merge:
            merge(Path(part), options.out_dir)
        with contextlib.redirect_stdout(sys.stderr if args.plan else sys.stdout):
            specs = matrix.realise(cells, options, machine, settings, work)
            items = _items(specs, reqs, constraints, sources, options, settings)
        if args.plan:
            print(json.dumps({"include": plan(items, sources, choice, options.out_dir)},
                             indent=1))
            return 0
        only = {i.strip() for value in args.only for i in value.split(",") if i.strip()}
        if only:
            unknown = sorted(only - {fetch.ident(i) for i in items})
            if unknown:
                raise ZigccError(f"--only {unknown[0]}: no such item; --plan lists them")
            items = [i for i in items if fetch.ident(i) in only]
        rows = _run(items, sources, choice, options, settings, machine, work)
        if not only:
            _write_locks(specs, rows, options.out_dir)
        print(summary(rows))
        return 0 if all(r.ok for r in rows) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def plan(items: Sequence[Item], sources: index.Sources, choice: Choice, out_dir: Path
         ) -> list[dict[str, str]]:
    """The items to build (not in the wheelhouse, not taken from the index), for a CI
    matrix: each job runs ``--only ID``, a last one ``--merge``s the parts."""
    out = []
    for item in items:
        decision = fetch.decide(item, sources, choice, out_dir)
        if decision.source in ("build", "local"):
            out.append({"id": fetch.ident(item), "requirement": str(item.pin),
                        "build": item.spec.ident,
                        "target": item.spec.target.platform_tags[0],
                        "python": "{}.{}{}".format(*item.spec.target_python.version,
                                                   item.spec.target_python.abiflags)})
    return out


def merge(part: Path, out_dir: Path) -> None:
    """Copy a part's wheels (and where each came from) into the wheelhouse."""
    if not part.is_dir():
        raise ZigccError(f"--merge {part}: no such folder; pass the out-dir of an --only run")
    for wheel in sorted(part.glob("*.whl")):
        shutil.copy2(wheel, out_dir / wheel.name)
        origin = part / ".zigcc" / "origin" / wheel.name
        if origin.is_file():
            dest = out_dir / ".zigcc" / "origin" / wheel.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, dest)


def _names(values: Sequence[str], option: str) -> frozenset[str]:
    from packaging.utils import canonicalize_name
    out = set()
    for value in values:
        for name in value.split(","):
            if name.strip():
                out.add(name.strip() if name.strip() == ":all:" else canonicalize_name(name))
    return frozenset(out)


def _items(specs: Sequence[BuildSpec], reqs: Path, constraints: Sequence[Path],
           sources: index.Sources, options: opts.BuildOptions, settings: Settings
           ) -> list[Item]:
    """One item per (cell, pin): uv resolves once per build interpreter and version."""
    resolved: dict[tuple[str, str], list[resolve.Pin]] = {}
    logs = options.out_dir / ".zigcc" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    items: list[Item] = []
    for spec in specs:
        version = "{}.{}".format(*spec.target_python.version)
        key = (spec.build_python.executable, version)
        if key not in resolved:
            print(f"resolving for CPython {version} with uv", flush=True)
            resolved[key] = resolve.resolve(reqs, spec.build_python.executable, version,
                                            constraints, sources, settings.environ,
                                            logs / f"resolve-{version}.log")
        env = resolve.marker_environment(spec.target, spec.target_python.version_full)
        pins = resolve.for_target(resolved[key], env)
        shared = [str(p) for p in pins if p.name in targetdeps.TARGET_FILES]
        constraints_file = None
        if shared:
            constraints_file = options.out_dir / ".zigcc" / f"build-constraints-{spec.ident}.txt"
            constraints_file.write_text("\n".join(shared) + "\n", encoding="utf-8")
        items += [Item(spec, pin, constraints_file) for pin in pins]
    return items


def phases(items: Sequence[Item]) -> list[list[Item]]:
    """Items whose target builds other builds need (numpy: :mod:`zigcc.frontend.targetdeps`)
    first, the rest after them."""
    first = [i for i in items if i.pin.name in targetdeps.TARGET_FILES]
    return [group for group in (first, [i for i in items if i not in first]) if group]


def _run(items: Sequence[Item], sources: index.Sources, choice: Choice,
         options: opts.BuildOptions, settings: Settings, machine: Host,
         work: Path) -> list[Row]:
    lock_ = threading.Lock()
    total = len(items)

    def one(index_item: tuple[int, Item]) -> Row:
        index, item = index_item
        label = f"[{index}/{total}] {item.pin} {item.spec.ident}"

        def step(what: str) -> None:
            with lock_:
                print(f"{label}: {what}", flush=True)

        row = obtain(item, sources, choice, options, settings, machine, work, step)
        step(f"{row.verdict} ({row.source}, {row.seconds:.1f} s)")
        return row

    numbered = list(enumerate(items, 1))
    with children.pool(options.jobs) as pool:
        rows: dict[int, Row] = {}
        for group in phases(items):
            chosen = [pair for pair in numbered if pair[1] in group]
            rows.update(zip((n for n, _ in chosen), pool.map(one, chosen)))
        return [rows[n] for n, _ in numbered]


def _write_locks(specs: Sequence[BuildSpec], rows: Sequence[Row], out_dir: Path) -> None:
    for spec in specs:
        mine = [r for r in rows if r.ident == spec.ident]
        path = lock.lock_path(out_dir, spec.ident)
        if not all(r.ok for r in mine):
            path.unlink(missing_ok=True)  # no lock that cannot install
            continue
        text = lock.render(spec.ident, [(r.name, r.version, r.wheel, r.sha256)
                                        for r in mine if r.wheel is not None],
                           spec.target.platform.installable_tags(spec.target))
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def summary(rows: Sequence[Row]) -> str:
    head = ("requirement", "build", "from", "wheel", "seconds", "verdict")
    table = [head] + [(f"{r.name}=={r.version}", r.ident, r.source,
                       r.wheel.name if r.wheel else "-", f"{r.seconds:.1f}", r.verdict)
                      for r in rows]
    failed = sum(not r.ok for r in rows)
    built = sum(r.source == "built" for r in rows)
    return matrix.table(table) + f"\n{len(rows) - failed} ok ({built} built), {failed} failed"
