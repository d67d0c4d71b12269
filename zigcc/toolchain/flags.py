"""Translate gcc-style compiler arguments into ones ``zig cc`` accepts.

:func:`translate` is pure: one commented rule per known zig incompatibility.
:func:`fast_patterns` gives the shell glob patterns of every argument a rule may
touch, so the shim can skip Python entirely when no argument matches.

This file is stdlib-only and self-contained: the toolchain folder carries a copy
of it, run as a script (``main``) by the shims on their slow path, so a shim never
depends on the environment zigcc was installed in.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Callable, NamedTuple, Optional

# Imports stay light (no dataclasses; subprocess only on Windows): this file runs on
# every slow-path compile.
X86 = ("x86_64", "i686")
ARM = ("aarch64", "armv7l")


class Context(NamedTuple):
    """What the rules need to know about the target and the build machine."""

    arch: str  # zigcc arch name: x86_64, aarch64, armv7l, i686, ppc64le, ...
    os: str = "linux"  # linux / macos / windows
    cross: bool = False  # target code cannot use the build machine's headers/libs
    host_include_dirs: tuple[str, ...] = ()  # dropped with everything under them
    host_lib_dirs: tuple[str, ...] = ()  # dropped when named exactly
    # Native builds only: the build machine's system folders, searched after zig's libc
    # and the build's own (-idirafter / a trailing -L), as gcc searches them.
    system_include_dirs: tuple[str, ...] = ()
    system_lib_dirs: tuple[str, ...] = ()


# ---- features every file may use, for target("...") code's sake -----------------------
# Per arch: features outside the baseline that only intrinsics reach, with the macros saying
# "the whole file may use it". The shims enable them file-wide and undefine the macros
# (folder.target_attribute_args): clang's target("sse4.2") gets crc32 as gcc's does, and
# ``#pragma GCC target("+crc+crypto")`` regions (clang ignores the pragma) compile. Not sha3:
# clang forms its EOR3/BCAX from plain vector code.
INTRINSIC_ONLY: dict[str, dict[str, tuple[str, ...]]] = {
    "x86_64": {"crc32": ("__CRC32__",), "xsave": ("__XSAVE__",)},
    "i686": {"crc32": ("__CRC32__",), "xsave": ("__XSAVE__",)},
    "aarch64": {"crc": ("__ARM_FEATURE_CRC32",),
                "aes": ("__ARM_FEATURE_AES", "__ARM_FEATURE_CRYPTO"),
                "sha2": ("__ARM_FEATURE_SHA2", "__ARM_FEATURE_CRYPTO")},
}
_FEATURE_GROUPS = {"crypto": ("aes", "sha2")}  # a feature name that enables several


def cpu_features(args: Sequence[str]) -> set[str]:
    """The features the last ``-mcpu=`` of ``args`` adds by name (``generic+v8_2a+crc``:
    v8_2a and crc; ``+crypto``: aes and sha2 too)."""
    cpus = [a[len("-mcpu="):] for a in args if a.startswith("-mcpu=")]
    added: set[str] = set()
    for sign, name in re.findall(r"([+-])([\w.]+)", cpus[-1] if cpus else ""):
        names = {name, *_FEATURE_GROUPS.get(name, ())}
        added = added | names if sign == "+" else added - names
    return added


def keep_feature_macros(base: Sequence[str], args: Sequence[str], arch: str) -> list[str]:
    """``base`` without the ``-U`` of each macro whose features ``args`` enable themselves
    (``-march=armv8-a+crc`` keeps __ARM_FEATURE_CRC32, as in gcc; CRYPTO needs aes and sha2)."""
    enabled = cpu_features(args)
    table = INTRINSIC_ONLY.get(arch, {})
    kept = {macro for macro in {m for ms in table.values() for m in ms}
            if all(f in enabled for f, ms in table.items() if macro in ms)}
    return [a for a in base if not (a.startswith("-U") and a[2:] in kept)]


# ---- compiler rules: (arg, ctx) -> replacement list, or None when not ours ------
Rule = Callable[[str, Context], Optional[list[str]]]


def _lto(arg: str, ctx: Context) -> list[str] | None:
    # s390x: LTO objects linked with zig's libc++ fail in lld ("relocation R_390_PC32DBL
    # cannot be used against symbol '_GLOBAL_OFFSET_TABLE_'"; pybind11 adds -flto=thin
    # to Release builds). Compile and link without LTO there.
    if ctx.arch == "s390x" and (arg == "-flto" or arg.startswith("-flto=")):
        return []
    # gcc's -flto=auto / -flto=jobserver / -flto=N mean "N parallel jobs"; zig parses
    # the mode wrongly ("invalid -flto mode") and has no job count: plain -flto.
    if re.fullmatch(r"-flto=(auto|jobserver|\d+)", arg):
        return ["-flto"]
    return None


def _lto_partition(arg: str, ctx: Context) -> list[str] | None:
    # -flto-partition=* is gcc-only: zig says "unknown clang option". Drop it.
    return [] if arg.startswith("-flto-partition=") else None


def _wp(arg: str, ctx: Context) -> list[str] | None:
    # -Wp,-D_FORTIFY_SOURCE=2 / -Wp,-U_FORTIFY_SOURCE (Debian, Fedora CFLAGS): zig
    # rejects "unsupported preprocessor arg". Pass each -D/-U to the driver instead,
    # and old automake's -Wp,-MD,<depfile> as -MD -MF <depfile>; drop any other item.
    if not arg.startswith("-Wp,"):
        return None
    items, out = arg[4:].split(","), []
    for i, item in enumerate(items):
        if item[:2] in ("-D", "-U"):
            out.append(item)
        elif item in ("-MD", "-MMD") and i + 1 < len(items):
            out += [item, "-MF", items[i + 1]]
    return out


def _cf_protection(arg: str, ctx: Context) -> list[str] | None:
    # -fcf-protection is Intel CET: on any other arch clang errors "option
    # 'cf-protection=return' cannot be specified on this target".
    if arg.startswith("-fcf-protection") and ctx.arch not in X86:
        return []
    return None


def _native_cpu(arg: str, ctx: Context) -> list[str] | None:
    # -march/-mcpu=native would build for the build machine's CPU (and name an x86
    # CPU when cross-compiling); -mtune=X is read by zig as a CPU (-mtune=generic
    # disables SSE and breaks compiler_rt). The shim pins a baseline -mcpu instead.
    if arg in ("-march=native", "-mcpu=native") or arg.startswith("-mtune="):
        return []
    return None


_ARM_MARCH = re.compile(r"armv(\d+)(?:\.(\d+))?-?a((?:\+[\w-]+)*)$")
_ARM_EXT = {"crc": "crc", "crypto": "aes+sha2", "aes": "aes", "sha2": "sha2", "lse": "lse",
            "fp16": "fullfp16", "fp16fml": "fp16fml", "simd": "neon", "dotprod": "dotprod",
            "sve": "sve", "neon": "neon", "vfpv3-d16": "vfp3d16"}


def _march(arg: str, ctx: Context) -> list[str] | None:
    # zig reads -march=X as a zig CPU name: map gcc's spelling where it maps
    # (x86-64-v3 -> x86_64_v3, haswell; armv8.2-a+crc -> generic+v8_2a+crc) and drop
    # what does not (another arch's CPU, gcc-only names such as rv64gc).
    if not arg.startswith("-march="):
        return None
    name = arg[len("-march="):]
    if ctx.arch in X86 and re.fullmatch(r"[a-z0-9-]+", name) and not name.startswith("arm"):
        return ["-mcpu=" + name.replace("-", "_")]
    m = _ARM_MARCH.match(name)
    if ctx.arch in ARM and m:
        features = [f"v{m.group(1)}{'_' + m.group(2) if m.group(2) else ''}a"]
        features += [_ARM_EXT[e] for e in m.group(3).split("+")[1:] if e in _ARM_EXT]
        if ctx.arch == "aarch64" and features[0] == "v8a":
            features = features[1:]  # v8a is aarch64's base, not a feature
        return ["-mcpu=" + "+".join(["generic", *features])]
    return []


def _bundle(arg: str, ctx: Context) -> list[str] | None:
    # macOS LDSHARED says -bundle; zig ignores or crashes on it: a shared library
    # loads the same way for Python.
    return ["-shared"] if arg == "-bundle" and ctx.os == "macos" else None


def _host_dir_joined(arg: str, ctx: Context) -> list[str] | None:
    # Cross builds: -I/-isystem/-idirafter/-L into the build machine's system or
    # interpreter dirs would mix the build machine's headers and libraries into the
    # target's code (pyenv's sysconfig adds -L<prefix>/lib): drop them.
    if not ctx.cross:
        return None
    for flag in _DIR_FLAGS:
        if arg.startswith(flag) and len(arg) > len(flag):
            return [] if _is_host_dir(flag, arg[len(flag):], ctx) else None
    return None


_DIR_FLAGS = ("-isystem", "-idirafter", "-I", "-L")

COMPILER_RULES: tuple[Rule, ...] = (_lto, _lto_partition, _wp, _cf_protection,
                                    _native_cpu, _march, _bundle, _host_dir_joined)


# ---- linker rules: on the items of -Wl,a,b,c and -Xlinker a -------------------
def _linker_items(items: list[str], ctx: Context) -> list[bool]:
    """Which linker items to keep (a value item goes with its option)."""
    keep = [True] * len(items)
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        drop = 0
        # -Bsymbolic-functions (Ubuntu/Debian LDFLAGS): "unsupported linker arg";
        # it only narrows symbol interposition inside the extension. Drop.
        # --fix-cortex-a53-843419 (Debian arm64): an erratum workaround zig's linker
        # does not know. Drop. -O1: zig warns "ignoring deprecated linker
        # optimization setting". Drop.
        if item in ("-Bsymbolic-functions", "--fix-cortex-a53-843419", "-O1"):
            drop = 1
        # --exclude-libs / --dynamic-list (value joined by = or as the next item):
        # "unsupported linker arg"; both only trim the dynamic symbol table. Drop.
        elif item in ("--exclude-libs", "--dynamic-list") and nxt is not None:
            drop = 2
        elif item.startswith(("--exclude-libs=", "--dynamic-list=")):
            drop = 1
        # Cross builds: an rpath into the build machine's interpreter or system dirs
        # (pyenv's LDSHARED bakes -Wl,-rpath,<prefix>/lib into every extension).
        elif ctx.cross and item in ("-rpath", "-R") and nxt is not None and _is_host_dir(
                "-L", nxt, ctx):
            drop = 2
        elif ctx.cross and item.startswith("-rpath=") and _is_host_dir("-L", item[7:], ctx):
            drop = 1
        for j in range(i, i + drop):
            keep[j] = False
        i += max(drop, 1)
    return keep


def _linker_run(args: Sequence[str], start: int, ctx: Context) -> tuple[list[str], int]:
    """Translate the run of linker arguments at ``args[start]``.

    A run is consecutive ``-Wl,a,b`` and ``-Xlinker a`` arguments: the linker sees
    their items as one list, so a pair such as ``-Wl,-rpath -Wl,/usr/lib`` or
    ``-Xlinker --exclude-libs -Xlinker ALL`` is handled as a pair. An argument keeps
    its form; one whose items are all dropped is dropped (with its ``-Xlinker``).
    """
    groups: list[list[str]] = []  # the items of each argument of the run
    i = start
    while i < len(args):
        if args[i].startswith("-Wl,"):
            groups.append(args[i][4:].split(","))
            i += 1
        elif args[i] == "-Xlinker" and i + 1 < len(args):
            groups.append([args[i + 1]])
            i += 2
        else:
            break
    keep = iter(_linker_items([item for g in groups for item in g], ctx))
    out: list[str] = []
    j = start
    for items in groups:
        kept = [item for item in items if next(keep)]
        if args[j] == "-Xlinker":
            out += ["-Xlinker", items[0]] if kept else []
            j += 2
            continue
        if kept == items:
            out.append(args[j])
        elif kept:
            out.append("-Wl," + ",".join(kept))
        j += 1
    return out, i


def _is_host_dir(flag: str, path: str, ctx: Context) -> bool:
    if not path.startswith("/"):
        return False
    path = os.path.normpath(path)
    if flag == "-L":
        return path in ctx.host_lib_dirs or any(_under(path, d) for d in ctx.host_include_dirs)
    return any(_under(path, d) for d in ctx.host_include_dirs)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def translate(args: Sequence[str], ctx: Context, depth: int = 0) -> list[str]:
    """Return ``args`` with every zig incompatibility translated or dropped.

    ``@FILE`` arguments naming an existing file are read (see :func:`_response_file`);
    ``depth`` counts the response files being expanded around ``args``.
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if arg.startswith("-Wl,") or (arg == "-Xlinker" and nxt is not None):
            run, i = _linker_run(args, i, ctx)
            out += run
            continue
        elif arg.startswith("@") and depth < _MAX_RSP_DEPTH and os.path.isfile(arg[1:]):
            out += _response_file(arg, ctx, depth)
        elif ctx.os == "macos" and arg in ("-bundle_loader", "-arch") and nxt is not None:
            # -bundle_loader <python>: only meaningful with -bundle.  -arch <cpu> (ARCHFLAGS,
            # CMAKE_OSX_ARCHITECTURES): the shim's -target names the CPU, and a universal2
            # wheel is two builds, one per CPU, merged (zig compiles one CPU per run). Drop.
            i += 1
        elif arg in _DIR_FLAGS and nxt is not None and ctx.cross:
            # The separated form of the host-dir rule: -I <dir>, -isystem <dir>, ...
            if not _is_host_dir(arg, nxt, ctx):
                out += [arg, nxt]
            i += 1
        else:
            for rule in COMPILER_RULES:
                replaced = rule(arg, ctx)
                if replaced is not None:
                    out += replaced
                    break
            else:
                out.append(arg)
        i += 1
    return out


# ---- response files ---------------------------------------------------------------
_MAX_RSP_DEPTH = 16  # nested @files deeper than this (a cycle) stay as they are


def _response_file(arg: str, ctx: Context, depth: int) -> list[str]:
    # @FILE holds more arguments, which the rules must see too (meson and CMake put
    # LDFLAGS into response files). Read them the way gcc and clang do and pass the
    # translated arguments on in place of @FILE; the file itself is never changed.
    # An unchanged file stays @FILE when zig reads it alike: zig's own parser differs
    # from gcc's on quotes, backslashes and '#' and does not expand a nested @file.
    try:
        with open(arg[1:], encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    except OSError:  # unreadable: zig reports it
        return [arg]
    inner = parse_response_file(text)
    out = translate(inner, ctx, depth + 1)
    nested = any(a.startswith("@") and os.path.isfile(a[1:]) for a in inner)
    if out == inner and not nested and not any(c in text for c in "'\"\\#"):
        return [arg]
    return out


def parse_response_file(text: str) -> list[str]:
    """Split a response file the GNU way (libiberty, clang's GNU tokenizer).

    Whitespace separates arguments; '...' and "..." quote (an empty pair is an empty
    argument); a backslash takes the next character literally, inside quotes too.
    """
    args: list[str] = []
    token: list[str] = []
    in_token = False
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            token.append(text[i + 1])
            in_token = True
            i += 2
            continue
        if quote:
            if c == quote:
                quote = ""
            else:
                token.append(c)
        elif c in "'\"":
            quote, in_token = c, True
        elif c.isspace():
            if in_token:
                args.append("".join(token))
                token, in_token = [], False
        else:
            token.append(c)
            in_token = True
        i += 1
    if in_token:
        args.append("".join(token))
    return args


def zig_response_text(args: Sequence[str]) -> str:
    """Quote ``args`` for a response file that zig reads back as exactly ``args``.

    zig's parser: a '"' or "'" toggles quoting, 2n backslashes before a quote are n
    backslashes, 2n+1 are n and a literal '"'; other backslashes are literal. It
    cannot express a literal "'": :func:`_pack` keeps such arguments out of the file.
    """
    lines = []
    for arg in args:
        assert "'" not in arg
        out, slashes = [], 0
        for c in arg:
            if c == "\\":
                slashes += 1
                continue
            out.append("\\" * (2 * slashes + 1) + c if c == '"' else "\\" * slashes + c)
            slashes = 0
        lines.append('"' + "".join(out) + "\\" * (2 * slashes) + '"')
    return "\n".join(lines) + "\n"


# A command line longer than this goes to zig through response files (Windows
# allows 32767 characters; a huge expanded @file could also pass Linux's limits).
MAX_COMMAND_LINE = 30000


def _pack(args: list[str], folder: str) -> list[str]:
    """Move runs of ``args`` into response files in ``folder`` (order is kept)."""
    out: list[str] = []
    run: list[str] = []
    for arg in [*args, "'"]:
        if "'" not in arg:
            run.append(arg)
            continue
        if run:
            path = os.path.join(folder, f"{len(out)}.rsp")
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(zig_response_text(run))
            out.append("@" + path)
            run = []
        out.append(arg)
    return out[:-1]


def fast_patterns(ctx: Context) -> list[str]:
    """Shell ``case`` patterns matching every argument :func:`translate` may change.

    Literal parts are single-quoted, so the patterns are safe inside ``case``.
    """
    pats = ["'-flto='*", "'-flto-partition='*", "'-Wp,'*", "'-march='*", "'-mtune='*",
            "'-mcpu=native'", "'-Xlinker'", "'@'*"]
    pats += [f"'-Wl,'*'{item}'*" for item in ("-Bsymbolic-functions", "--fix-cortex-a53",
                                                "-O1", "--exclude-libs", "--dynamic-list")]
    if ctx.arch not in X86:
        pats.append("'-fcf-protection'*")
    if ctx.arch == "s390x":
        pats.append("'-flto'")
    if ctx.arch in INTRINSIC_ONLY and ctx.arch not in X86:  # -mcpu=generic+crc: see main
        pats.append("'-mcpu='*'+'*")
    if ctx.os == "macos":
        pats += ["'-bundle'", "'-bundle_loader'", "'-arch'", "'-framework'",
                 "'-Wl,'*'-framework'*"]
    if ctx.cross:
        pats += ["'-Wl,'*'-rpath'*", "'-Wl,'*'-R'*"]
        pats += [f"'{flag}'" for flag in _DIR_FLAGS]
        for d in ctx.host_include_dirs:
            pats += [f"'{flag}{_sq(d)}'*" for flag in _DIR_FLAGS]
        pats += [f"'-L{_sq(d)}'*" for d in ctx.host_lib_dirs]
        # -I/-L spelled with ./, //, or .. normalise to a host dir too.
        pats += [f"'{flag}'*'{s}'*" for flag in _DIR_FLAGS for s in ("/./", "//", "/..")]
    return pats


def _sq(text: str) -> str:
    """Quote text for use inside a single-quoted shell word."""
    return text.replace("'", "'\\''")


# ---- link steps ---------------------------------------------------------------------
# Arguments that mean "this run does not link".
NO_LINK = ("-c", "-S", "-E", "-M", "-MM", "-fsyntax-only", "--version", "-dumpversion",
           "-dumpmachine", "-v", "-###", "--help")
NO_LINK_PREFIX = "-print-"  # -print-file-name=, -print-prog-name=, ...


def link_extra(tool: str, ctx: Context | None = None) -> list[str]:
    """Arguments added to every link step of ``tool`` (cc and c++ alike).

    zig builds compiler_rt and libc++/libc++abi/libunwind itself, with debug info that
    records zig's install folder and its cache folder (or the folder of the first project
    that built them): strip debug sections so every extension is path-independent.
    A native build also searches the build machine's library folders last (``-lz`` finds
    an installed zlib, as with gcc); zig still provides libc, libm and friends itself.
    """
    system = [f"-L{d}" for d in ctx.system_lib_dirs] if ctx is not None else []
    return ["-Wl,--strip-debug", *system]


def is_link(args: Sequence[str]) -> bool:
    return not any(a in NO_LINK or a.startswith(NO_LINK_PREFIX) for a in args)


def frameworks(args: Sequence[str], sdkroot: str) -> tuple[list[str], str | None]:
    """macOS: the framework folder of Apple's SDK for a link naming ``-framework X``, or why
    it cannot link (zig ships libSystem's stubs, no framework): ``(extra args, error)``."""
    named = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-framework"]
    named += [a.split(",")[2] for a in args if a.startswith("-Wl,-framework,")]
    if not named:
        return [], None
    if not sdkroot:
        return [], (f"-framework {named[0]} needs Apple's macOS SDK, which zig does not ship: "
                    "set SDKROOT to a MacOSX.sdk folder (`xcrun --show-sdk-path` on a Mac)")
    return [f"-F{sdkroot}/System/Library/Frameworks", f"-L{sdkroot}/usr/lib"], None


# ---- the shim's slow path ---------------------------------------------------------
def with_host_dirs(ctx: Context, listed: str) -> Context:
    """``ctx`` that also drops the folders ``listed`` (os.pathsep-separated; a target
    environment names its build interpreter's prefix folders so: that interpreter is not the
    one zigcc ran under, and its headers and pyconfig.h are the build machine's)."""
    extra = tuple(os.path.normpath(d) for d in listed.split(os.pathsep) if d.startswith("/"))
    if not extra or not ctx.cross:
        return ctx
    return ctx._replace(host_include_dirs=ctx.host_include_dirs + extra,
                        host_lib_dirs=ctx.host_lib_dirs + extra)


class ShimError(Exception):
    """A command line the shim refuses: one line for stderr, exit 1."""


def command(argv: Sequence[str], environ: Mapping[str, str], here: str) -> list[str]:
    """The zig command line for ``TOOL ARGS...`` of the toolchain folder ``here``."""
    with open(os.path.join(here, "shim.json"), encoding="utf-8") as f:
        conf = json.load(f)
    c = conf["context"]
    ctx = Context(arch=c["arch"], os=c["os"], cross=c["cross"],
                  host_include_dirs=tuple(c["host_include_dirs"]),
                  host_lib_dirs=tuple(c["host_lib_dirs"]),
                  system_include_dirs=tuple(c.get("system_include_dirs", ())),
                  system_lib_dirs=tuple(c.get("system_lib_dirs", ())))
    ctx = with_host_dirs(ctx, environ.get("ZIGCC_HOST_DIRS", ""))
    tool, args = argv[0], list(argv[1:])
    base = list(conf["tools"][tool])
    if tool in ("cc", "c++"):
        base.append("-ffile-prefix-map=" + os.getcwd() + "=.")
        args = translate(args, ctx) + (link_extra(tool, ctx) if is_link(args) else [])
        if ctx.os == "macos":
            extra, error = frameworks(args, environ.get("SDKROOT", ""))
            if error:
                raise ShimError(f"zigcc {tool}: {error}")
            args += extra
        base = keep_feature_macros(base, args, ctx.arch)
    return [conf["zig"], *base, *args]


def too_long(cmd: Sequence[str]) -> bool:
    """Does ``cmd`` need response files (:data:`MAX_COMMAND_LINE`)?"""
    return sum(len(a) + 3 for a in cmd) > MAX_COMMAND_LINE


def run(cmd: list[str]) -> int:
    """Run ``cmd`` in this process's place (through response files when it is too long)."""
    if too_long(cmd):
        return _run_packed(cmd)
    if os.name == "nt":  # no exec on Windows: run, then pass the exit code through
        import subprocess

        return subprocess.call(cmd)
    os.execv(cmd[0], cmd)
    return 127  # pragma: no cover - execv does not return


def main(argv: Sequence[str]) -> int:
    """Run as ``python -I -S flags.py TOOL ARGS...`` from a toolchain folder."""
    try:
        cmd = command(argv, os.environ, os.path.dirname(os.path.abspath(__file__)))
    except ShimError as exc:
        print(exc, file=sys.stderr)
        return 1
    return run(cmd)


def _run_packed(cmd: list[str]) -> int:
    """Run ``cmd`` with its arguments in temporary response files, then remove them."""
    import shutil
    import subprocess
    import tempfile

    folder = tempfile.mkdtemp(prefix="zigcc-rsp-")
    try:
        rc = subprocess.call([cmd[0], cmd[1], *_pack(cmd[2:], folder)])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 128 - rc if rc < 0 else rc  # killed by a signal: the shell's convention


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
