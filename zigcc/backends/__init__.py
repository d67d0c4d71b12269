"""Cross configuration for build systems, rendered from the target model.

Each backend is pure: it takes a :class:`~zigcc.target.model.Target` and the toolchain's tool
paths and returns the text of a file (a CMake toolchain file, a meson cross file); it
reads no environment and runs nothing.
"""

from __future__ import annotations

from zigcc.backends import cmake, meson

__all__ = ["cmake", "meson"]
