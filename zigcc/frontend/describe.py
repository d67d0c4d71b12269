"""``zigcc describe``: a target's Python, in every consumer's format.

The target Python is synthesized from the build interpreter of ``--python X.Y`` (foreign
targets; the interpreter itself for this machine's) or read from a description (a sysroot,
pack, dump or build-details.json).  Out of it come: a target pack (``--pack DIR``: the
synthesized ``build-details.json`` and ``include/``, to inspect, keep or pass to ``--python``
later), one rendered file (``--format``: PEP 739 build-details.json, meson's
``python.build_config``, a ``PYO3_CONFIG_FILE``, the ``_sysconfigdata`` module, or the
``pyconfig.h``), or one field (``--get sysconfigdata_name``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend.options import Once
from zigcc.python import compat, formats
from zigcc.python.model import DETAILS_NAME, TargetPython
from zigcc.target.model import Host, Target, parse
from zigcc.targetenv import headers, sysconfigdata

FORMATS = (*formats.FORMATS, "sysconfigdata", "pyconfig.h")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    d = sub.add_parser("describe", help="a target's Python: a pack, a rendered file, a field",
                       description=(__doc__ or "").split("\n\n")[1].replace("\n", " "))
    d.add_argument("--target", action=Once, metavar="T", help="wheel platform tag or zig triple (default: "
                   "this machine; with a description, its arch at the lowest glibc)")
    d.add_argument("--python", action=Once, metavar="VER|DESCRIPTION", help="X.Y (synthesized from the "
                   "build interpreter of that version) or a sysroot, pack, dump or "
                   "build-details.json (default: this interpreter's X.Y)")
    what = d.add_mutually_exclusive_group()
    what.add_argument("--pack", action=Once, metavar="DIR", help="write the synthesized target pack into "
                      "the new folder DIR")
    what.add_argument("--format", action=Once, choices=FORMATS, help="print this rendering (default: "
                      "build-details)")
    what.add_argument("--get", action=Once, metavar="FIELD", help="print one field, e.g. "
                      "sysconfigdata_name, multiarch, ext_suffix, soabi, platform_tag")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from zigcc.frontend.run import machine_and_zig
    from zigcc.python import naming

    machine = machine_and_zig()
    if args.pack:
        check_pack_dest(Path(args.pack))  # before any synthesis
    work = Path(tempfile.mkdtemp(prefix="zigcc-describe-"))
    try:
        target, tp = resolve(args.target, args.python, machine, settings, work)
        if args.pack:
            try:
                write_pack(tp, Path(args.pack))
            except OSError as exc:
                raise ZigccError(f"--pack {args.pack}: {exc.strerror or exc}; pass a new "
                                 "folder you can write to") from None
            print(f"wrote {args.pack}: {tp.ext_suffix} for {target.wheel_platform}")
        elif args.get:
            print(formats.lookup(tp, target, args.get))
        elif args.format == "pyconfig.h":
            print(Path(tp.include_dirs[-1], "pyconfig.h").read_text(encoding="utf-8"), end="")
        else:
            include = str(headers.prepare(tp, target, settings.cache_dir) / "include" /
                          naming.include_name(tp))
            if args.format == "sysconfigdata":
                print(sysconfigdata.render_module(tp, target, include), end="")
            else:
                print(formats.render(tp, target, args.format or "build-details",
                                     include_dir=include), end="")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def resolve(target_spec: str | None, python: str | None, machine: Host, settings: Settings,
            work: Path) -> tuple[Target, TargetPython]:
    from zigcc.frontend.pythons import is_version, resolve_python
    from zigcc.python import description

    here = "{}.{}{}".format(*sys.version_info[:2], getattr(sys, "abiflags", ""))
    spec = python or here
    if is_version(spec):  # synthesized from (or dumped by) the build interpreter of X.Y
        target = parse(target_spec or "native", machine)
        tp, _ = resolve_python(spec, target, machine, None, settings, work)
        return target, tp
    tp = description.load(spec)  # a description is read as is: no build interpreter
    target = compat.target_for(tp) if target_spec is None else parse(target_spec, machine)
    compat.check_compatible(tp, target, tp.version, tp.abiflags)
    return target, tp


def check_pack_dest(dest: Path) -> None:
    """``--pack DIR`` must be a new (or empty) folder in a folder that exists."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ZigccError(f"--pack {dest}: exists and is not an empty folder; pass a new "
                         "--pack DIR")
    if not dest.parent.is_dir():
        raise ZigccError(f"--pack {dest}: {dest.parent} is no folder; create it first")
    if not os.access(dest.parent, os.W_OK):
        raise ZigccError(f"--pack {dest}: {dest.parent} is not writable; pass a --pack DIR "
                         "in a folder you can write to")


def write_pack(tp: TargetPython, dest: Path) -> None:
    """Copy a synthesized pack (a folder with build-details.json) to the new folder ``dest``."""
    pack = Path(tp.source).parent if tp.source.endswith(DETAILS_NAME) else None
    if pack is None or "synth" not in pack.parts:
        raise ZigccError(f"{tp.source} is not synthesized; --pack writes synthesized target "
                         "Pythons (make a pack of a real one on the target with "
                         "`python -m zigcc.python.dump --pack DIR`)")
    check_pack_dest(dest)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".zigcc-pack-"))
    try:
        shutil.copytree(pack, tmp / "pack", ignore=shutil.ignore_patterns("*.lock"))
        if dest.is_dir():
            dest.rmdir()
        os.replace(tmp / "pack", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
