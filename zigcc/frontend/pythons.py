"""The Pythons of one build: the build interpreter and the target Python of a ``--python``
value (the side effects live here: running the build interpreter's dump, synthesizing a foreign
target's CPython with zig).

Planning (:func:`build_python_for`) only finds the build interpreter and reads descriptions;
:func:`target_python` makes the target Python (a dump of the build interpreter for a target this
machine runs, a synthesized CPython for a foreign one) when a build needs it.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import threading
from pathlib import Path

from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.python import compat
from zigcc.python import description as pytarget
from zigcc.python import interpreter as buildpython
from zigcc.target.model import Host, Target
from zigcc.toolchain import installed

VERSION = re.compile(r"(\d+)\.(\d+)(t?)")
_DUMPS: dict[str, pytarget.TargetPython] = {}
_DUMPS_LOCK = threading.Lock()


def is_version(spec: str) -> bool:
    """True for an ``X.Y`` / ``X.Yt`` value (a Python to find or synthesize, not a file)."""
    return VERSION.fullmatch(spec) is not None


def build_python_for(spec: str, build_python: str | None, settings: Settings,
                     described: pytarget.TargetPython | None) -> buildpython.BuildPython:
    """The build interpreter of one ``--python`` value: ``--build-python``, else pythonX.Y of
    the value's (or the description's) version and ABI on PATH or under pyenv."""
    match = VERSION.fullmatch(spec)
    asked = ((int(match.group(1)), int(match.group(2))), match.group(3)) if match else None
    if build_python:
        bp = buildpython.resolve(build_python)
        if asked is not None and (bp.version, bp.abiflags) != asked:
            raise ZigccError(f"--build-python {build_python} is CPython {bp.version_full}"
                             f"{bp.abiflags} but --python {spec} asks for {spec}; pass "
                             f"--build-python with a python{spec}, or drop --build-python")
        return bp
    if asked is not None:
        return buildpython.find(*asked, settings.environ)
    tp = described or pytarget.load(spec)
    return buildpython.find(tp.version, tp.abiflags, settings.environ)


def target_python(spec: str, target: Target, machine: Host, bp: buildpython.BuildPython,
                  settings: Settings, work: Path,
                  described: pytarget.TargetPython | None = None,
                  build_python: str | None = None) -> pytarget.TargetPython:
    """The target Python of one ``--python`` value, checked against the build interpreter
    (``build_python``: the ``--build-python`` it came from, for the error)."""
    if is_version(spec):
        tp = _dump(bp.executable, work) if target.is_native(machine) else \
            synthesized(target, bp, settings)
    else:
        tp = described or pytarget.load(spec)
    compat.check_compatible(tp, target, bp.version, bp.abiflags, build_python)
    return tp


def resolve_python(spec: str, target: Target, machine: Host, build_python: str | None,
                   settings: Settings, work: Path, described: pytarget.TargetPython | None = None
                   ) -> tuple[pytarget.TargetPython, buildpython.BuildPython]:
    """The target Python and the build interpreter of one ``--python`` value."""
    bp = build_python_for(spec, build_python, settings, described)
    return target_python(spec, target, machine, bp, settings, work, described,
                         build_python), bp


def synthesized(target: Target, bp: buildpython.BuildPython, settings: Settings
                ) -> pytarget.TargetPython:
    """The target's CPython X.Y, synthesized from the build interpreter's headers."""
    from zigcc.python import synth

    zig = installed.stable_zig(installed.zig_binary(), settings.cache_dir,
                               installed.zig_version())
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


def python_in_prefix(prefix: str, root: str | None) -> str:
    """A target-Python spec for a host prefix: its build-details.json, or its sysroot."""
    path = os.path.abspath(prefix)
    if root is not None:
        root_abs = os.path.abspath(root)
        inside = path == root_abs or path.startswith(root_abs.rstrip(os.sep) + os.sep)
        path = path if inside else os.path.join(root_abs, prefix.lstrip("/\\"))
        if not os.path.isdir(path):
            raise ZigccError(f"config settings system:sysroot={root!r} and system:host_prefix="
                             f"{prefix!r} disagree: {path} is not a folder; drop one of them")
    details = sorted(glob.glob(os.path.join(glob.escape(path), "lib", "python3*",
                                            "build-details.json")))
    if details:
        return details[-1]
    data = glob.glob(os.path.join(glob.escape(path), "lib", "python3*", "_sysconfigdata_*.py"))
    if data and os.path.basename(path.rstrip(os.sep)) == "usr":
        return os.path.dirname(path.rstrip(os.sep))
    if data and root is not None:
        return os.path.abspath(root)
    raise ZigccError(f"config setting system:host_prefix={prefix!r}: no "
                     "lib/python3.X/build-details.json or _sysconfigdata there; pass the "
                     "prefix of the target's Python (e.g. <sysroot>/usr) or system:sysroot")
