"""Build requirements whose files are the *target's*: numpy's C headers and static library.

An isolated build environment holds build requirements for the build machine (they run
there), but numpy also ships what its C API users compile and link against:
``_numpyconfig.h`` (``NPY_SIZEOF_LONG``, ``NPY_SIZEOF_INTP``, ``NPY_SIZEOF_LONGDOUBLE``: 8, 8,
16 on x86_64, all wrong for i686 and armv7l) and ``libnpymath.a`` (x86_64 code).  For a
foreign target those folders are replaced, in the build environment only, by the same
version's from a wheel of numpy *for the target*: one in the out-dir (zigcc wheelhouse builds
numpy first), in ``--find-links``/``PIP_FIND_LINKS`` folders, or on the index.  None found:
the build stops with one line saying how to get one, rather than compile against the build
machine's sizes."""

from __future__ import annotations

import dataclasses
import re
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from zigcc.errors import ZigccError
from zigcc.frontend import index
from zigcc.python.model import TargetPython
from zigcc.target.arches import MAX_GLIBC
from zigcc.target.model import Target

# distribution -> the folders of its wheel that are the target's (numpy 2: _core, 1: core)
TARGET_FILES: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy/_core/include/", "numpy/_core/lib/", "numpy/core/include/",
              "numpy/core/lib/"),
}


def installed(site: Path) -> dict[str, str]:
    """The :data:`TARGET_FILES` distributions installed in ``site``, by version."""
    found: dict[str, str] = {}
    for info in site.glob("*.dist-info"):
        m = re.match(r"(.+?)-([^-]+)\.dist-info$", info.name)
        if m and canonicalize_name(m.group(1)) in TARGET_FILES:
            found[canonicalize_name(m.group(1))] = m.group(2)
    return found


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found:
        raise ZigccError(f"{venv}: no lib/pythonX.Y/site-packages in the build environment")
    return found[0]


def sources_from(environ: Mapping[str, str], out_dir: Path) -> index.Sources:
    """Where pip looks (``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``, ``PIP_FIND_LINKS``), and
    the out-dir first."""
    links = [str(out_dir), *environ.get("PIP_FIND_LINKS", "").split()]
    return index.Sources(environ.get("PIP_INDEX_URL") or None,
                         tuple(environ.get("PIP_EXTRA_INDEX_URL", "").split()), tuple(links))


# numpy's _numpyconfig.h sizes -> the target CPython's pyconfig.h names for the same types
SIZES = {"NPY_SIZEOF_LONG": "SIZEOF_LONG", "NPY_SIZEOF_LONGDOUBLE": "SIZEOF_LONG_DOUBLE",
         "NPY_SIZEOF_PY_INTPTR_T": "SIZEOF_VOID_P", "NPY_SIZEOF_INTP": "SIZEOF_SIZE_T",
         "NPY_SIZEOF_WCHAR_T": "SIZEOF_WCHAR_T", "NPY_SIZEOF_OFF_T": "SIZEOF_OFF_T"}


def size_mismatches(config_h: str, tp: TargetPython) -> list[str]:
    """The sizes numpy's ``_numpyconfig.h`` text states that the target's differ from."""
    out = []
    for npy, cpython in SIZES.items():
        m = re.search(rf"#define {npy} (\d+)", config_h)
        want = tp.config_vars.get(cpython)
        if m and isinstance(want, int) and int(m.group(1)) != want:
            out.append(f"{npy} {m.group(1)} (the target's: {want})")
    return out


def target_wheel(name: str, version: str, target: Target, tp: TargetPython,
                 sources: index.Sources, work: Path) -> Path | None:
    """A wheel of ``name==version`` for ``target``'s arch, libc and ``tp``, downloaded into
    ``work`` when it comes from an index.  Its glibc may be newer than the target's: only its
    headers and static libraries are used, and they do not depend on it."""
    if target.libc == "gnu":
        target = dataclasses.replace(target, libc_version=MAX_GLIBC)
    tags = index.target_tags(tp.version, tp.abiflags, target.platform.installable_tags(target))
    best = index.best_wheel(index.project_files(name, sources), version, tags)
    if best is None:
        return None
    return Path(best.url) if "://" not in best.url else index.download(best, work)


def overlay(site: Path, wheel: Path, folders: Sequence[str]) -> list[str]:
    """Replace ``folders`` of ``site`` by the wheel's; the folders the wheel has."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        present = [f for f in folders if any(n.startswith(f) for n in names)]
        for folder in present:
            shutil.rmtree(site / folder, ignore_errors=True)
        for name in names:
            if any(name.startswith(f) for f in present) and not name.endswith("/"):
                dest = site / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(name))
    return present


@dataclasses.dataclass(frozen=True)
class Applied:
    lines: tuple[str, ...]  # one per distribution, for the log
    changed: bool  # files of the build environment were replaced: it is the target's now


def apply(venv: Path, target: Target, tp: TargetPython, sources: index.Sources, work: Path
          ) -> Applied:
    """Give the build environment ``venv`` the target's files of every :data:`TARGET_FILES`
    distribution it holds."""
    site = site_packages(venv)
    done: list[str] = []
    changed = False
    for name, version in sorted(installed(site).items()):
        wheel = target_wheel(name, version, target, tp, sources, work)
        header = site / "numpy" / "_core" / "include" / "numpy" / "_numpyconfig.h"
        if wheel is None and name == "numpy" and header.is_file() and \
                not size_mismatches(header.read_text(encoding="utf-8"), tp):
            done.append(f"{name} {version}: none for the target; the build machine's "
                        "_numpyconfig.h states the target's sizes, so it is kept")
            continue
        if wheel is None:
            raise ZigccError(
                f"the build requires {name} {version}, whose C headers here are this "
                f"machine's: put a {name} {version} wheel for {target.platform_tags[0]} in "
                "the out-dir or in PIP_FIND_LINKS (zigcc wheelhouse builds it first)")
        folders = overlay(site, wheel, TARGET_FILES[name])
        changed = True
        done.append(f"{name} {version}: {', '.join(folders)} from {wheel.name}")
    return Applied(tuple(done), changed)

