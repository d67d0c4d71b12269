"""Settings from the environment: the one place zigcc reads environment variables."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    cache_dir: Path  # toolchain folders live in <cache_dir>/toolchains
    # Where whitespace-free links to toolchain folders go when cache_dir holds a space.
    alias_root: Path | None = None
    # The whole environment, for the processes zigcc starts (build backends, pip, hooks).
    environ: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        explicit = env.get("ZIGCC_CACHE_DIR")
        copy = dict(env)
        alias = alias_root(env)
        if explicit:  # absolute: the shims and CC must work from any folder
            return cls(Path(explicit).expanduser().absolute(), alias, copy)
        return cls(default_cache_dir(env, sys.platform), alias, copy)


def alias_root(env: Mapping[str, str]) -> Path:
    """``$TMPDIR/zigcc-<uid>``: short, per user, and (usually) without spaces."""
    tmp = env.get("TMPDIR") or tempfile.gettempdir()
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tmp) / f"zigcc-{uid}"


def default_cache_dir(env: Mapping[str, str], platform: str) -> Path:
    """The per-user cache folder, by the platform's convention."""
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    if platform == "win32":
        base = env.get("LOCALAPPDATA")
        return Path(base) / "zigcc" / "Cache" if base else home / "AppData/Local/zigcc/Cache"
    if platform == "darwin":
        return home / "Library" / "Caches" / "zigcc"
    xdg = env.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "zigcc"
