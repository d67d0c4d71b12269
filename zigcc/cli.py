"""The ``zigcc`` command. Bad input ends in one ``ERROR ...`` line and exit code 2."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from zigcc import __version__
from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend.options import Once, Parser
from zigcc.python import compat
from zigcc.target import host
from zigcc.target.model import Target, parse, supported
from zigcc.targetenv import headers
from zigcc.toolchain.envvars import SHELLS, build_env, format_env
from zigcc.toolchain.folder import COMPILERS, TOOLS, toolchain, toolchain_for

DESCRIPTION = ("zig as a C/C++ toolchain for Python extension modules, for this machine and "
               "others: build wheels (zigcc build), print the environment for any build (zigcc "
               "env), check wheels (zigcc verify).")


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="zigcc", description=DESCRIPTION)
    p.add_argument("--version", action="version", version=f"zigcc {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    e = sub.add_parser("env", help="print the environment that makes build tools use zig")
    e.add_argument("--target", action=Once, help="wheel platform tag, zig triple or 'native' (default; "
                   "with --python: that Python's arch at its lowest glibc)")
    e.add_argument("--python", action=Once, metavar="PATH",
                   help="the target's Python: a sysroot, a pack or dump from "
                        "`python -m zigcc.python.dump`, a build-details.json, or 'current'")
    e.add_argument("--shell", action=Once, choices=SHELLS, default="sh",
                   help="the syntax of the printed lines (default: sh, for eval \"$(zigcc env)\")")
    w = sub.add_parser("which", help="print the path of one shim")
    w.add_argument("tool", choices=[*COMPILERS, *TOOLS])
    _target_arg(w)
    sub.add_parser("targets", help="print the supported targets")
    sub.add_parser("dump-script", help="print the stdlib-only dump tool, to run on a target "
                                       "machine: python3 dump.py > target.json")
    v = sub.add_parser("verify", help="check that wheels may carry their platform tags")
    v.add_argument("wheels", nargs="+", metavar="WHEEL")
    v.add_argument("--target", action=Once, required=True, help="the target the wheels were built for")
    d = sub.add_parser("doctor", help="check zig, the cache and a compile per target")
    d.add_argument("--target", action="append", help="target to smoke-test (repeatable)")
    from zigcc.frontend import describe, matrix
    from zigcc.frontend.wheelhouse import command as wheelhouse

    matrix.add_parser(sub)
    wheelhouse.add_parser(sub)
    describe.add_parser(sub)
    return p


def _target_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", action=Once, default="native",
                   help="wheel platform tag, zig triple or 'native' (default)")




def _targets_table(rows: Sequence[Target]) -> str:
    head = ("wheel platform tag", "zig -target", "-mcpu", "sysconfig", "multiarch")
    table = [head] + [(t.wheel_platform, t.zig_target, t.mcpu, t.sysconfig_platform,
                       t.multiarch) for t in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)


def run(argv: Sequence[str] | None, settings: Settings) -> int:
    args = _parser().parse_args(argv)
    if args.command == "targets":
        print(_targets_table(supported()))
        print("\nglibc versions above each row's work too (manylinux_2_X_<arch>); "
              "ppc64le needs >= 2.19, riscv64 >= 2.27.")
        return 0
    if args.command == "dump-script":
        from zigcc.python import dump

        print(Path(dump.__file__).read_text(encoding="utf-8"), end="")
        return 0
    if args.command == "verify":
        return _verify(args.wheels, parse(args.target, host.detect()))
    if args.command == "doctor":
        from zigcc.toolchain.doctor import doctor

        return doctor(args.target or ["native"], settings, toolchain)
    if args.command == "build":
        from zigcc.frontend import matrix

        return matrix.main(args, settings)
    if args.command == "wheelhouse":
        from zigcc.frontend.wheelhouse import command as wheelhouse

        return wheelhouse.main(args, settings)
    if args.command == "describe":
        from zigcc.frontend import describe

        return describe.main(args, settings)
    if args.command == "which":
        print(toolchain(args.target, settings).tool(args.tool))
        return 0
    return _env(args.target, args.python, args.shell, settings)


def _env(spec: str | None, python: str | None, shell: str, settings: Settings) -> int:
    env: dict[str, str] = {}
    if python is None:
        tc = toolchain("native" if spec is None else spec, settings)
    else:

        from zigcc.python import description as pytarget

        tp = pytarget.load(python)
        machine = host.detect()
        target = parse(spec, machine) if spec is not None else compat.target_for(tp)
        compat.check_compatible(tp, target, sys.version_info[:2], sys.abiflags)
        tc = toolchain_for(target, machine, settings)
        env = headers.python_env(tp, target, headers.prepare(tp, target,
                                                                  settings.cache_dir))
    print(format_env({**build_env(tc), **env}, shell))
    return 0


def _verify(wheels: Sequence[str], target: Target) -> int:
    """Report every wheel: ok, its problems (exit 1), or one ERROR line when it cannot be
    read as a wheel at all (exit 2, after the others are checked)."""
    from zigcc.verify.wheelcheck import problems

    status = 0
    for wheel in wheels:
        path = Path(wheel)
        try:
            if not path.is_file():
                raise ZigccError(f"{wheel}: no such wheel; pass the path of a .whl file")
            found = problems(path, target)
        except ZigccError as exc:
            print(f"ERROR {exc}", file=sys.stderr)
            status = 2
            continue
        print("\n".join(found) if found else f"{path.name}: ok for {target.wheel_platform}")
        if found:
            status = max(status, 1)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = run(argv, Settings.from_env(os.environ))
        sys.stdout.flush()  # inside the try: a reader that has gone is seen here
        return code
    except BrokenPipeError:  # `zigcc env | head -1`: the reader has gone, nothing to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ZigccError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ERROR {_os_error(exc, Settings.from_env(os.environ))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the work folders are removed by the finally blocks
        print("ERROR interrupted; work folders removed, unfinished wheels not kept (rerun "
              "the command)", file=sys.stderr)
        return 130


def _os_error(exc: OSError, settings: Settings) -> str:
    """One line for a file-system error, with the fix for where it happened."""
    import errno

    from zigcc.frontend.logscan import one_line

    path = str(exc.filename or "")
    why = exc.strerror or type(exc).__name__
    cache = str(settings.cache_dir)
    if path == cache or path.startswith(cache + os.sep):
        fix = "ZIGCC_CACHE_DIR moves zigcc's cache to a writable folder with free space"
    elif exc.errno == errno.ENOSPC:
        fix = "free space there, or set TMPDIR / ZIGCC_CACHE_DIR to a disk with room"
    else:
        fix = "check the path and its permissions"
    return one_line(f"{why}: {path or '(no path given by the system)'} ({fix})")
