"""Keep or reject a built wheel: verified against the target *and the target Python that was
asked for* (its interpreter and ABI tags, its module suffixes), then retagged into the out-dir;
a wheel that fails goes to ``<out-dir>/.zigcc/rejected``, never into the out-dir."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

from zigcc.errors import ZigccError
from zigcc.python import naming, synth_macos, synth_windows
from zigcc.python.model import TargetPython
from zigcc.target.model import Target
from zigcc.verify import abi3, retag, wheelcheck


class Rejected(ZigccError):
    """The built wheel failed verification (kept aside); the message starts ``verify:``."""


def python_problems(wheel: Path, tp: TargetPython) -> list[str]:
    """Tags of ``wheel`` that another Python than ``tp`` would install: a CPython ABI tag must
    be ``tp``'s (``cp312``, ``cp313t``); an ``abi3``/``abi3t`` wheel must not need a newer
    CPython, and ``tp`` must install it (abi3 GIL-enabled builds, abi3t free-threaded ones)."""
    if tp.implementation != "cpython":
        return []
    name = wheelcheck.wheel_name(wheel)
    own = naming.abi_tag(tp)
    out: list[str] = []
    abis = {tag.abi for tag in name.tags}
    stable = [abi for abi in abi3.STABLE_ABIS if abi in abis]
    runs = "abi3t" if "t" in tp.abiflags else "abi3"
    if stable and runs not in stable and own not in abis:
        which = "free-threaded" if runs == "abi3t" else "GIL-enabled"
        fix = naming.stable_abi_tag(tp)
        out.append(f"{wheel.name}: tagged {'.'.join(stable)}, which {which} CPython "
                   f"{naming.ldversion(tp.version, tp.abiflags)} does not install (it takes "
                   f"{runs}, PEP 803); a limited-API build for it is tagged "
                   + (fix or f"{own}: it has no stable ABI before 3.15"))
    for tag in sorted(name.tags, key=str):
        if tag.abi in abi3.STABLE_ABIS:
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


def keep(built: Path, target: Target, tp: TargetPython, out_dir: Path, log: IO[str],
         installing: bool = False) -> Path:
    """Verify ``built``; move it aside (``out_dir/.zigcc/rejected``) when it fails, else
    retag it into ``out_dir``.  ``installing``: an index's wheel, checked for what installs
    on ``target`` (:func:`zigcc.verify.wheelcheck.problems`)."""
    found = python_problems(built, tp)
    found += wheelcheck.problems(built, target, naming.extension_suffixes(tp, target),
                                 installing, synth_windows.export_lists(tp),
                                 synth_macos.api_names(tp))
    if found:
        log.write("zigcc verify:\n" + "\n".join(found) + "\n")
        rejected = out_dir / ".zigcc" / "rejected"
        rejected.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), rejected / built.name)
        raise Rejected(f"verify: {found[0]}" + (f" (+{len(found) - 1} more)"
                                                  if len(found) > 1 else ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    platform = built.name[:-4].rsplit("-", 1)[1]
    if platform.startswith("linux_"):
        return retag.retag(built, target.wheel_platform, out_dir)
    dest = out_dir / built.name
    shutil.copy2(built, dest.with_suffix(".tmp"))
    dest.with_suffix(".tmp").replace(dest)
    return dest
