"""Obtain one pin's wheel for one target x Python: the wheel already in the wheelhouse, the
index's wheel for the target's tags (verified like a built one), or one built from the sdist
with zigcc build's steps.  Every outcome is a :class:`Row` of the summary; nothing raises."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend import children, index, logscan, source
from zigcc.frontend.index import Sources
from zigcc.frontend.options import BuildOptions
from zigcc.frontend.run import BuildSpec, Job, Result, build_one, work_folder
from zigcc.frontend.wheelhouse.resolve import Pin
from zigcc.target.model import Host
from zigcc.verify.keep import keep

_KEEP_LOCKS: dict[str, threading.Lock] = {}
_KEEP_GUARD = threading.Lock()


@dataclass(frozen=True)
class Choice:
    """``--only-build`` / ``--prefer-build`` names (canonical, or ``:all:``)."""

    only_build: frozenset[str] = frozenset()
    prefer_build: frozenset[str] = frozenset()

    def only(self, name: str) -> bool:
        return ":all:" in self.only_build or name in self.only_build

    def prefer(self, name: str) -> bool:
        return self.only(name) or ":all:" in self.prefer_build or name in self.prefer_build


@dataclass(frozen=True)
class Item:
    spec: BuildSpec
    pin: Pin
    # pins of the same target x Python that build environments must use (numpy: the build
    # compiles against the target copy of the version the application runs)
    build_constraints: Path | None = None


@dataclass(frozen=True)
class Row:
    name: str
    version: str
    ident: str
    source: str  # "index", "built", "cached" or "-" (failed before either)
    wheel: Path | None
    sha256: str
    seconds: float
    verdict: str  # "ok" or one line
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


def _origin_file(out_dir: Path, wheel_name: str) -> Path:
    return out_dir / ".zigcc" / "origin" / wheel_name


def cached(out_dir: Path, pin: Pin, tags: list[Tag], choice: Choice) -> Path | None:
    """A wheel of ``pin`` in the wheelhouse that the target installs (and, for a name
    ``--only-build`` names, one that was built)."""
    if not out_dir.is_dir():
        return None
    rank = {tag: i for i, tag in enumerate(tags)}
    best: tuple[int, Path] | None = None
    for path in out_dir.glob("*.whl"):
        try:
            name, version, _, wheel_tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        if name != pin.name or version != Version(pin.version):
            continue
        origin = _origin_file(out_dir, path.name)
        if choice.only(pin.name) and (not origin.is_file() or
                                      origin.read_text(encoding="utf-8") != "built"):
            continue
        score = min((rank[t] for t in wheel_tags if t in rank), default=None)
        if score is not None and (best is None or score < best[0]):
            best = (score, path)
    return best[1] if best else None


@dataclass(frozen=True)
class Decision:
    """Where one item's wheel comes from, decided before anything is downloaded or built."""

    source: str  # "cached", "index", "build", "local" or "-" (none: ``why`` says)
    dist: index.Dist | None = None  # the index's wheel or sdist
    cached: Path | None = None
    why: str = ""


def tags_of(item: Item) -> list[Tag]:
    tp, target = item.spec.target_python, item.spec.target
    return index.target_tags(tp.version, tp.abiflags, target.platform.installable_tags(target))


def decide(item: Item, sources: Sources, choice: Choice, out_dir: Path) -> Decision:
    """The wheel in the wheelhouse, else the index's wheel for the target (unless
    ``--only-build``/``--prefer-build`` say otherwise), else the sdist to build."""
    pin = item.pin
    if pin.path:  # a local project: always built, it may have changed
        return Decision("local")
    tags = tags_of(item)
    found = cached(out_dir, pin, tags, choice)
    if found is not None:
        return Decision("cached", cached=found)
    files = index.project_files(pin.name, sources)
    wheel = None if choice.only(pin.name) else index.best_wheel(files, pin.version, tags)
    sdist = index.sdist(files, pin.version)
    if wheel is not None and (sdist is None or not choice.prefer(pin.name)):
        return Decision("index", wheel)
    if sdist is None:
        why = ("it has no sdist and --only-build names it" if choice.only(pin.name) else
               f"no wheel for {tags[0]} (or any of its {len(tags)} compatible tags) and no "
               "sdist")
        return Decision("-", why=f"{pin}: {why}")
    return Decision("build", sdist)


def ident(item: Item) -> str:
    """The item's id for ``--plan`` and ``--only``: ``numpy-2.4.6-cp311-manylinux_2_17_armv7l``."""
    return f"{item.pin.name}-{item.pin.version or 'local'}-{item.spec.ident}"


def obtain(item: Item, sources: Sources, choice: Choice, options: BuildOptions,
           settings: Settings, machine: Host, work: Path,
           step: Callable[[str], None]) -> Row:
    spec, pin = item.spec, item.pin
    start = time.monotonic()
    log = options.out_dir / ".zigcc" / "logs" / f"{ident(item)}.log"

    def row(source_: str, wheel: Path | None, verdict: str) -> Row:
        digest = index.sha256_of(wheel) if wheel is not None else ""
        if wheel is not None and source_ != "cached":
            origin = _origin_file(options.out_dir, wheel.name)
            origin.parent.mkdir(parents=True, exist_ok=True)
            origin.write_text(source_, encoding="utf-8")
        version = str(parse_wheel_filename(wheel.name)[1]) if wheel and pin.path else \
            pin.version
        return Row(pin.name, version, spec.ident, source_, wheel, digest,
                   time.monotonic() - start, verdict, log)

    try:
        decision = decide(item, sources, choice, options.out_dir)
        if decision.source == "cached":
            return row("cached", decision.cached, "ok")
        if decision.source == "-":
            return row("-", None, decision.why)
        if decision.source == "index":
            assert decision.dist is not None
            step(f"taking {decision.dist.filename} from the index")
            return row("index", _take(decision.dist, item, options, work, log), "ok")
        if decision.dist is not None:
            step(f"building {decision.dist.filename}")
            folder = work_folder(work, f"{canonicalize_name(pin.name)}-sdist")
            src = index.download(decision.dist, folder)
        else:
            step(f"building {pin.path}")
            src = Path(pin.path)
        built = _build(src, item, options, settings, machine, work, log, step)
        return row("built", built.wheel if built.ok else None, built.verdict)
    except children.Interrupted:
        return row("-", None, "interrupted")
    except ZigccError as exc:
        return row("-", None, logscan.one_line(str(exc)))


def _take(dist: index.Dist, item: Item, options: BuildOptions, work: Path, log: Path) -> Path:
    """The index's wheel, verified against the target and its Python, into the out-dir."""
    folder = work_folder(work, f"{canonicalize_name(item.pin.name)}-index")
    downloaded = index.download(dist, folder)
    log.parent.mkdir(parents=True, exist_ok=True)
    with _KEEP_GUARD:
        guard = _KEEP_LOCKS.setdefault(dist.filename, threading.Lock())
    with guard, open(log, "w", encoding="utf-8") as out:
        out.write(f"zigcc: {item.pin} for {item.spec.ident}: {dist.url}\n")
        return keep(downloaded, item.spec.target, item.spec.target_python, options.out_dir,
                    out, installing=True)


def _build(src: Path, item: Item, options: BuildOptions, settings: Settings,
           machine: Host, work: Path, log: Path, step: Callable[[str], None]) -> Result:
    folder = work_folder(work, f"{canonicalize_name(item.pin.name)}-src")
    project = source.unpack(src, folder)
    if item.build_constraints is not None:
        file = str(item.build_constraints)
        options = dataclasses.replace(options, environment={
            **options.environment, "PIP_CONSTRAINT": file, "UV_CONSTRAINT": file})
    job = Job(item.spec, project, options, settings, machine, work_folder(folder, "build"),
              step)
    return build_one(job, log)
