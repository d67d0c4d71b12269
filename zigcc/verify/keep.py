"""Keep or reject a built wheel: verified against the target *and the target Python that was
asked for* (its interpreter and ABI tags, its module suffixes), then retagged into the out-dir;
a wheel that fails goes to ``<out-dir>/.zigcc/rejected``, never into the out-dir."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

from zigcc.errors import ZigccError
from zigcc.python import naming
from zigcc.python.model import TargetPython
from zigcc.target.model import Target
from zigcc.verify import retag, wheelcheck


def python_problems(wheel: Path, tp: TargetPython) -> list[str]:
    """Tags of ``wheel`` that another Python than ``tp`` would install: a CPython ABI tag must
    be ``tp``'s (``cp312``, ``cp313t``); an ``abi3`` wheel must not need a newer CPython."""
    if tp.implementation != "cpython":
        return []
    name = wheelcheck.wheel_name(wheel)
    own = naming.abi_tag(tp)
    out: list[str] = []
    for tag in sorted(name.tags, key=str):
        if tag.abi == "abi3":
            version = tag.interpreter[2:]
            if tag.interpreter.startswith("cp") and version.isdigit() and \
                    (int(version[0]), int(version[1:])) > tp.version:
                out.append(f"{wheel.name}: tagged {tag}, which needs CPython "
                           f"{version[0]}.{version[1:]}, but it was built for {own}")
        elif tag.abi != "none" and tag.abi != own:
            out.append(f"{wheel.name}: tagged {tag.abi} but built for {own} (--python asked "
                       f"for CPython {naming.ldversion(tp.version, tp.abiflags)}); the build "
                       "ran another interpreter")
    return out


def keep(built: Path, target: Target, tp: TargetPython, out_dir: Path, log: IO[str]) -> Path:
    """Verify ``built``; move it aside (``out_dir/.zigcc/rejected``) when it fails, else
    retag it into ``out_dir``."""
    found = python_problems(built, tp)
    found += wheelcheck.problems(built, target, naming.extension_suffixes(tp, target))
    if found:
        log.write("zigcc verify:\n" + "\n".join(found) + "\n")
        rejected = out_dir / ".zigcc" / "rejected"
        rejected.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), rejected / built.name)
        raise ZigccError(f"verify: {found[0]}" + (f" (+{len(found) - 1} more)"
                                                  if len(found) > 1 else ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    platform = built.name[:-4].rsplit("-", 1)[1]
    if platform.startswith("linux_"):
        return retag.retag(built, target.wheel_platform, out_dir)
    dest = out_dir / built.name
    shutil.copy2(built, dest.with_suffix(".tmp"))
    dest.with_suffix(".tmp").replace(dest)
    return dest
