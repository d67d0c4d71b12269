"""Which macOS version a macOS wheel claims, as cibuildwheel and delocate decide it (pure).

A ``--target`` that names its version (``macosx_11_0_arm64``, ``aarch64-macos.12.0``) is
taken as given (synthesis refuses one below what python.org's CPython of that version runs
on).  One without a version (``macosx_arm64``, ``aarch64-macos``) takes
``MACOSX_DEPLOYMENT_TARGET`` when it is set, else the lowest the arch and the CPython version
allow (:meth:`~zigcc.target.platforms.macos.MacOS.lowest_for_python`: 10.9 for x86_64 up to
3.11, 10.13 for 3.12 and 3.13, 10.15 from 3.14; 11.0 for arm64); a deployment target below
that lowest is raised to it with a warning, as cibuildwheel does.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from zigcc.errors import ZigccError
from zigcc.target.model import Target

_UNVERSIONED_TAG = re.compile(r"macosx_(arm64|x86_64|universal2)$")
_UNVERSIONED_ZIG = re.compile(r"(aarch64|x86_64)-macos(?:-none)?$")
_DEPLOYMENT = re.compile(r"(\d+)(?:\.(\d+))?(?:\.\d+)?$")


def spelled(spec: str) -> str:
    """A spec ``zigcc.target.model.parse`` reads: ``macosx_arm64`` -> ``aarch64-macos``."""
    m = _UNVERSIONED_TAG.match(spec)
    if m is None:
        return spec
    # universal2: any version; a versionless spec's is decided per CPython (for_python)
    return {"arm64": "aarch64-macos", "x86_64": "x86_64-macos"}.get(
        m.group(1), "macosx_10_9_universal2")


def versionless(spec: str) -> bool:
    """True for a macOS target spec that names no macOS version."""
    return bool(_UNVERSIONED_TAG.match(spec) or _UNVERSIONED_ZIG.match(spec))


def deployment_target(environ: Mapping[str, str]) -> tuple[int, int] | None:
    """``MACOSX_DEPLOYMENT_TARGET`` as (major, minor); None when unset or empty."""
    text = environ.get("MACOSX_DEPLOYMENT_TARGET", "").strip()
    if not text:
        return None
    m = _DEPLOYMENT.match(text)
    if m is None:
        raise ZigccError(f"MACOSX_DEPLOYMENT_TARGET={text!r} is not a macOS version; use "
                         "e.g. 11.0 or 10.13")
    major = int(m.group(1))
    return major, 0 if major >= 11 else int(m.group(2) or 0)  # tags name 11+ by major only


def for_python(target: Target, spec: str, version: tuple[int, int],
               environ: Mapping[str, str]) -> tuple[Target, str | None]:
    """The target a build of CPython ``version`` makes for ``spec`` and, when the deployment
    target had to be raised, a warning saying so."""
    if target.os != "macos" or not versionless(spec):
        return target, None
    low = target.platform.lowest_for_python(target.arch, version)
    wanted = deployment_target(environ)
    if wanted is None:
        return dataclasses.replace(target, macos_version=low), None
    if wanted >= low:
        return dataclasses.replace(target, macos_version=wanted), None
    return dataclasses.replace(target, macos_version=low), (
        f"WARNING MACOSX_DEPLOYMENT_TARGET={wanted[0]}.{wanted[1]} is below what "
        f"{target.info.macos} CPython {version[0]}.{version[1]} from python.org runs on; "
        f"building for macOS {low[0]}.{low[1]}")
