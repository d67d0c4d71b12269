"""The wheelhouse's lock: per target x Python, every pin with the sha256 of its wheel, so that
``pip install --no-index --find-links DIR --require-hashes -r requirements-<id>.txt`` installs
exactly the wheelhouse (pip's hash-checking mode)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def render(ident: str, wheels: Sequence[tuple[str, str, Path, str]],
           platforms: Sequence[str] = ()) -> str:
    """``wheels``: (name, version, wheel, sha256) of one target x Python, sorted by name;
    ``platforms``: the target's installable platform tags, for installing from elsewhere."""
    lock = f"requirements-{ident}.txt"
    lines = [f"# zigcc wheelhouse lock for {ident}. On the target:",
             f"#   pip install --no-index --find-links DIR --require-hashes -r {lock}"]
    if platforms:
        lines += ["# Into a folder, from another machine (pip needs every platform tag):",
                  f"#   pip install --no-index --find-links DIR --require-hashes -r {lock} "
                  "--only-binary :all: --target SITE "
                  + " ".join(f"--platform {p}" for p in platforms)]
    for name, version, _wheel, digest in sorted(wheels):
        lines.append(f"{name}=={version} \\\n    --hash=sha256:{digest}")
    return "\n".join(lines) + "\n"


def lock_path(out_dir: Path, ident: str) -> Path:
    return out_dir / f"requirements-{ident}.txt"
