"""The environment that points ordinary build tools at a toolchain, and its shell forms."""

from __future__ import annotations

import json
from collections.abc import Mapping

from zigcc.errors import ZigccError
from zigcc.toolchain.folder import Toolchain

SHELLS = ("sh", "fish", "powershell", "json")


def build_env(tc: Toolchain) -> dict[str, str]:
    """CC, CXX, AR, RANLIB and the shared-library link lines for ``tc``.

    LDSHARED/LDCXXSHARED are set because distutils otherwise keeps the build
    interpreter's own link line (with its -L/-rpath into the interpreter's prefix).
    """
    cc, cxx = str(tc.tool("cc")), str(tc.tool("c++"))
    return {
        "CC": cc,
        "CXX": cxx,
        "AR": str(tc.tool("ar")),
        "RANLIB": str(tc.tool("ranlib")),
        "LDSHARED": f"{cc} -shared",
        "LDCXXSHARED": f"{cxx} -shared",
        "ZIGCC_TARGET": tc.target.zig_target,
        "ZIGCC_TOOLCHAIN": str(tc.path),
    }


def format_env(env: Mapping[str, str], shell: str) -> str:
    """Render ``env`` as lines a shell can eval (or JSON)."""
    if shell == "json":
        return json.dumps(dict(env), indent=2, sort_keys=True)
    if shell == "sh":
        return "\n".join(f"export {k}={_sh_quote(v)}" for k, v in env.items())
    if shell == "fish":
        return "\n".join(f"set -gx {k} {_fish_quote(v)}" for k, v in env.items())
    if shell == "powershell":
        return "\n".join(f"$env:{k} = {_ps_quote(v)}" for k, v in env.items())
    raise ZigccError(f"unknown shell {shell!r}; use one of {', '.join(SHELLS)}")


def _sh_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ps_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
