"""Materialise a per-target toolchain folder of shims in the cache.

The folder holds ``cc``, ``c++``, ``ar``, ``ranlib``, ``strip``, ``objcopy``, their
GNU-style names (``aarch64-linux-gnu-gcc`` ...), ``flags.py`` (the translation rules, run
on the slow path), ``objcache.py`` (the compile cache, when ``ZIGCC_COMPILE_CACHE`` is
set), ``binutils.py`` (strip / objcopy: zig 0.17 cannot write ELF files, so it drops
sections itself) and ``shim.json`` (what flags.py and binutils.py need).
Writing is safe under concurrency: a file lock serialises writers, every file is written to
a temporary name and renamed into place, and a file is rewritten only when its content
changes (ccache and sccache key on the compiler's content and mtime).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import stat
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from filelock import FileLock

from zigcc import __version__
from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.target import host
from zigcc.target.model import Host, Target, parse
from zigcc.toolchain import installed
from zigcc.toolchain.flags import (
    INTRINSIC_ONLY,
    NO_LINK,
    NO_LINK_PREFIX,
    Context,
    fast_patterns,
    link_extra,
)

COMPILERS = ("cc", "c++")
TOOLS = ("ar", "ranlib")
# Run through binutils.py (not zig directly): zig objcopy cannot write ELF files.
PY_TOOLS = ("strip", "objcopy")
ALL_TOOLS = (*COMPILERS, *TOOLS, *PY_TOOLS)  # every shim a toolchain folder holds
# GNU-style names (autotools --host=<triple> looks for <triple>-gcc ...).
GNU_NAMES = {"gcc": "cc", "cc": "cc", "g++": "c++", "c++": "c++", "ar": "ar",
             "ranlib": "ranlib", "strip": "strip", "objcopy": "objcopy"}


@dataclass(frozen=True)
class Toolchain:
    """A materialised toolchain folder for one target."""

    target: Target
    path: Path
    windows: bool = False

    def tool(self, name: str) -> Path:
        """The path of a shim: cc, c++, ar, ranlib, strip or objcopy."""
        if name not in ALL_TOOLS:
            raise KeyError(name)
        return self.path / (name + ".cmd" if self.windows else name)

    def tools(self) -> dict[str, Path]:
        """Every shim by name (:data:`ALL_TOOLS`)."""
        return {name: self.tool(name) for name in ALL_TOOLS}


def base_args(target: Target, zig: Path) -> dict[str, list[str]]:
    """The zig arguments each tool starts with (before the caller's)."""
    compile_args = [
        "-target", target.zig_target,
        # zig picks the build machine's CPU when none is given: pin a baseline.
        "-mcpu=" + target.mcpu,
        # zig enables UBSan traps when no -O is given (configure checks, debug builds).
        "-fno-sanitize=undefined",
        # target("sse4.2") functions and #pragma GCC target("+crc") regions may use the
        # crc32 / crc intrinsics, as in gcc (ordinary code stays baseline).
        *target_attribute_args(target),
        # zig's bundled libc headers live inside site-packages: keep that path out.
        f"-ffile-prefix-map={zig.parent}=/zig",
    ]
    return {"cc": ["cc", *compile_args], "c++": ["c++", *compile_args],
            "ar": ["ar"], "ranlib": ["ranlib"]}


def target_attribute_args(target: Target) -> list[str]:
    """Let gcc's target("...") functions and ``#pragma GCC target`` regions use the
    intrinsics of features that no ordinary code reaches (:data:`flags.INTRINSIC_ONLY`):
    x86 crc32 and xsave, aarch64 crc, aes and sha2.

    zig passes ``-Xclang -target-feature -Xclang -crc32`` (and so on for every feature
    outside the baseline), which makes clang's target attribute not imply crc32 for
    sse4.2 as gcc does: ``__builtin_ia32_crc32di`` "needs target feature crc32"
    (crc32c's ``target("sse4.2")`` code). clang ignores ``#pragma GCC target("+crc+crypto")``
    (crc32c's aarch64 file): ``__crc32cd`` "requires target feature 'crc'". These features
    are enabled for the whole file: their instructions come only from their intrinsics, so
    ordinary code is compiled as before, and their macros (``__ARM_FEATURE_CRC32``,
    ``__CRC32__`` ...) are undefined again, so no ``#ifdef`` takes them for granted; a
    command line that enables one itself keeps its macros (:func:`flags.keep_feature_macros`).
    popcnt (ordinary code uses it: ``__builtin_popcount``) and SSE4.2's vector operations
    stay off: ``target("sse4.2,popcnt")`` works, the pragma form of it does not.
    """
    if target.arch == "aarch64" and target.mcpu != "generic":
        return []  # apple_m1 (macOS) has crc, aes and sha2 in its baseline
    features = INTRINSIC_ONLY.get(target.arch, {})
    args: list[str] = []
    for feature in features:
        args += ["-Xclang", "-target-feature", "-Xclang", "+" + feature]
    # gcc defines these only when the whole file may use the feature.
    macros = dict.fromkeys(m for ms in features.values() for m in ms)
    return args + [f"-U{macro}" for macro in macros]


def render(target: Target, zig: Path, python: Path, folder: Path, ctx: Context,
           objects: Path, windows: bool = False) -> dict[str, str]:
    """Every file of the toolchain folder, by name: pure, so it can be compared."""
    bases = base_args(target, zig)
    for tool in COMPILERS:  # native builds: the system's headers after zig's libc's
        for folder_ in ctx.system_include_dirs:
            bases[tool] += ["-idirafter", folder_]
    conf = {"zig": str(zig), "tools": bases, "context": ctx._asdict(),
            # ZIGCC_COMPILE_CACHE=1: the compile cache's folder (objcache.py)
            "objects": str(objects)}
    shim_json = json.dumps(conf, indent=1, sort_keys=True) + "\n"
    files = {"flags.py": _template("flags.py", package="zigcc.toolchain"),
             "objcache.py": _template("objcache.py", package="zigcc.toolchain"),
             "binutils.py": _template("binutils.py"), "shim.json": shim_json}
    flags_py = folder / "flags.py"
    objcache_py = folder / "objcache.py"
    binutils_py = folder / "binutils.py"
    subst = {"@VERSION@": __version__, "@TARGET@": target.zig_target,
             "@PYTHON@": str(python) if windows else shlex.quote(str(python)),
             "@FLAGS_PY@": str(flags_py) if windows else shlex.quote(str(flags_py)),
             "@OBJCACHE_PY@": shlex.quote(str(objcache_py)),
             "@ZIG@": shlex.quote(str(zig)), "@PATTERNS@": "|".join(fast_patterns(ctx)),
             "@NOLINK@": "|".join([*map(shlex.quote, NO_LINK), f"'{NO_LINK_PREFIX}'*"])}
    scripts: dict[str, str] = {}
    for tool in ALL_TOOLS:
        if windows:
            text = _template("tool.cmd")
        elif tool in PY_TOOLS:
            text = _template("pytool.sh")
        else:
            text = _template("compiler.sh" if tool in COMPILERS else "tool.sh")
        per_tool = {"@BASE@": " ".join(shlex.quote(a) for a in bases.get(tool, [])),
                    "@TOOL@": tool,
                    "@LINK_EXTRA@": " ".join(shlex.quote(a) for a in link_extra(tool, ctx)),
                    "@SCRIPT@": shlex.quote(str(binutils_py))}
        if tool in PY_TOOLS and windows:  # the .cmd form runs binutils.py, not flags.py
            per_tool["@FLAGS_PY@"] = str(binutils_py)
        for key, value in {**subst, **per_tool}.items():
            text = text.replace(key, value)
        scripts[tool] = text
    suffix = ".cmd" if windows else ""
    for tool, text in scripts.items():
        files[tool + suffix] = text
    for gnu, tool in GNU_NAMES.items():
        files[f"{target.gnu_triple}-{gnu}{suffix}"] = scripts[tool]
    return files


def materialise(target: Target, zig: Path, python: Path, cache: Path, ctx: Context,
                windows: bool = False, zig_version: str | None = None,
                alias_root: Path | None = None) -> Toolchain:
    """Write (or confirm) the toolchain folder for ``target`` under ``cache``.

    With ``zig_version`` the folder is ``toolchains/zig-<version>/<target>``: two zigcc
    installs with different zigs never rewrite each other's shims.  When the folder's path
    holds whitespace (a user profile with a space), the toolchain is given through a
    whitespace-free symlink under ``alias_root``: setuptools splits CC on spaces.
    """
    base = cache / "toolchains" / (f"zig-{zig_version}" if zig_version else "")
    folder = base / target.ident
    files = render(target, zig, python, folder, ctx, cache / "objects", windows)
    if _stale(folder, files):
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder) + ".lock"):
            for name in _stale(folder, files):
                _write_atomic(folder / name, files[name])
    if alias_root is not None and not windows and any(c.isspace() for c in str(folder)):
        return Toolchain(target, _alias(folder, alias_root), windows)
    return Toolchain(target, folder, windows)


def _alias(folder: Path, root: Path) -> Path:
    """A whitespace-free symlink to ``folder`` (kept pointing there, replaced atomically)."""
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    link = root / f"{folder.name}-{digest}"
    if link.is_symlink() and Path(os.readlink(link)) == folder:
        return link
    if any(c.isspace() for c in str(root)):
        raise ZigccError(f"{folder} holds a space and so does {root}; set ZIGCC_CACHE_DIR or "
                         "TMPDIR to a folder without spaces")
    root.mkdir(mode=0o755, parents=True, exist_ok=True)
    if hasattr(os, "getuid") and root.stat().st_uid != os.getuid():
        raise ZigccError(f"{root} belongs to another user; set TMPDIR to a folder of yours "
                         "(the toolchain cache path holds a space and needs a link there)")
    tmp = root / f".{link.name}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(folder, tmp)
    os.replace(tmp, link)
    return link


def _stale(folder: Path, files: dict[str, str]) -> list[str]:
    """Names whose file is missing or differs from the wanted content."""
    out = []
    for name, text in files.items():
        try:
            same = (folder / name).read_text(encoding="utf-8") == text
        except OSError:
            same = False
        if not same:
            out.append(name)
    return out


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        mode = 0o644 if path.suffix in (".py", ".json") else 0o755
        os.chmod(tmp, mode | stat.S_IRUSR)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _template(name: str, package: str = "zigcc.toolchain.shims") -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def context_for(target: Target, host: Host, dirs: tuple[tuple[str, ...], tuple[str, ...]],
                system: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())) -> Context:
    """The translation context: host dirs are forbidden when cross-compiling; a native
    build searches the ``system`` (include, lib) folders after zig's own, as gcc does."""
    cross = not target.is_native(host)
    includes, libs = dirs if cross else ((), ())
    sys_includes, sys_libs = ((), ()) if cross else system
    return Context(arch=target.arch, os=target.os, cross=cross, host_include_dirs=includes,
                   host_lib_dirs=libs, system_include_dirs=sys_includes,
                   system_lib_dirs=sys_libs)


def toolchain(spec: str, settings: Settings) -> Toolchain:
    """Parse ``spec`` and materialise its toolchain folder."""
    machine = host.detect()
    return toolchain_for(parse(spec, machine), machine, settings)


def toolchain_for(target: Target, machine: Host, settings: Settings) -> Toolchain:
    target.info  # noqa: B018 - raises the universal2 hint before writing anything
    multiarch = native_multiarch(machine)
    ctx = context_for(target, machine, host.host_dirs(multiarch), host.system_dirs(multiarch))
    version = installed.zig_version()
    zig = installed.stable_zig(installed.zig_binary(), settings.cache_dir, version)
    return materialise(target, zig, installed.python_binary(), settings.cache_dir, ctx,
                       windows=os.name == "nt", zig_version=version,
                       alias_root=settings.alias_root)


def native_multiarch(machine: Host) -> str | None:
    return parse("native", machine).multiarch if machine.os == "linux" else None
