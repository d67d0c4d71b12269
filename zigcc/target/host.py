"""Facts about the build machine. The side effects of reading them live here."""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
from collections.abc import Mapping

from zigcc.errors import ZigccError
from zigcc.target.model import ARCHES, Host

_MACHINES = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64",
             "armv7l": "armv7l", "armv8l": "armv7l", "i386": "i686", "i686": "i686",
             "x86": "i686", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def detect() -> Host:
    """Describe the running machine (arch, OS, glibc or macOS version)."""
    machine = platform.machine().lower()
    arch = _MACHINES.get(machine)
    if arch is None or arch not in ARCHES:
        raise ZigccError(f"this machine's architecture {machine!r} is not supported; "
                         "pass --target with a wheel platform tag")
    if sys.platform.startswith("linux"):
        libc, version = platform.libc_ver()
        glibc = None
        if libc == "glibc" and version:
            major, minor = version.split(".")[:2]
            glibc = (int(major), int(minor))
        return Host("linux", arch, glibc=glibc)
    if sys.platform == "darwin":
        major, minor = ([*platform.mac_ver()[0].split("."), "0"])[:2]
        return Host("macos", arch, macos=(int(major), int(minor)))
    if sys.platform == "win32":
        return Host("windows", arch)
    raise ZigccError(f"build machines running {sys.platform!r} are not supported")





def system_dirs(multiarch: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(include dirs, lib dirs) a native gcc searches on this Linux machine, in gcc's order:
    a native build finds headers and libraries of installed -dev packages there."""
    if not sys.platform.startswith("linux"):
        return (), ()
    ma = [multiarch] if multiarch else []
    includes = ["/usr/local/include", *(f"/usr/include/{m}" for m in ma), "/usr/include"]
    libs = ["/usr/local/lib", *(f"/lib/{m}" for m in ma), *(f"/usr/lib/{m}" for m in ma),
            "/lib", "/usr/lib"]
    return (tuple(d for d in includes if os.path.isdir(d)),
            tuple(d for d in libs if os.path.isdir(d)))


def host_dirs(multiarch: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(include dirs, lib dirs) of the build machine a cross build must not see."""
    includes = {"/usr/include", "/usr/local/include", "/opt/homebrew/include"}
    libs = {"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
            "/opt/homebrew/lib"}
    if multiarch:
        libs |= {f"/lib/{multiarch}", f"/usr/lib/{multiarch}"}
    for prefix in {sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix}:
        includes.add(os.path.join(prefix, "include"))
        libs.add(os.path.join(prefix, "lib"))
    own_includes, own_libs = interpreter_dirs(sysconfig.get_config_vars())
    includes.update(own_includes)
    libs.update(own_libs)
    return tuple(sorted(includes)), tuple(sorted(libs))


def interpreter_dirs(config_vars: Mapping[str, object]) -> tuple[list[str], list[str]]:
    """(header folders, library folders) a CPython's config vars name."""
    def named(*keys: str) -> list[str]:
        return [str(config_vars[k]) for k in keys if config_vars.get(k)]
    return named("INCLUDEPY", "CONFINCLUDEPY"), named("LIBDIR", "LIBPL")
