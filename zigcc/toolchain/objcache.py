"""The compile cache: an object file compiled once is reused by every later compile that
would make the same bytes, across builds, targets' Pythons and build folders.

A matrix compiles the same C file for each Python of a target (xxhash's ``xxhash.c`` does not
include Python.h, yet setuptools compiles it eight times with eight ``-I`` lists); zig's own
cache never sees two identical command lines there.  Like ccache's preprocessor mode, the key
is what decides the object's bytes:

* the preprocessed source (``-E`` with the same arguments), whose line markers name every
  header (a path under the build folder is written as the shims' ``-ffile-prefix-map``
  writes it into the object: ``./...``);
* every argument except the ones the preprocessed source already accounts for (``-I``,
  ``-D``, ``-include`` ...), the dependency-file ones, the output and the source's name;
* zig's binary (path, size, mtime) and this file's format number.

Only plain compiles are cached: one C/C++/Objective-C source, ``-c``, ``-o``; nothing that
reads or writes another file the key cannot see (profiles, plugins, ``@file``, split DWARF,
``-save-temps`` ...).  Everything else runs as before.  A compile's warnings are kept and
replayed on a hit; a failed compile is never stored.

The shims run this file (a copy in the toolchain folder, stdlib-only like flags.py) when
``ZIGCC_COMPILE_CACHE`` names a folder; ``zigcc build`` sets it for a matrix that builds a
target for more than one Python.  :func:`prune` keeps the folder under a size.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

FORMAT = b"zigcc-objcache-1"
OFF = ("", "0", "off", "false", "no")
ON = ("1", "on", "true", "yes")  # the folder shim.json names (zigcc's cache/objects)
SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".C", ".m", ".mm")
# Options whose value is the next argument (the ones a compile line carries).
_SEPARATE = frozenset(("-o", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-idirafter",
                       "-iquote", "-isysroot", "--sysroot", "-MF", "-MT", "-MQ", "-target",
                       "-Xclang", "-mllvm", "-arch", "-iprefix", "-iwithprefix",
                       "-iwithprefixbefore", "-F"))
# Accounted for by the preprocessed source (the flag with a joined or separate value).
_PREPROCESSOR = ("-I", "-D", "-U", "-include", "-imacros", "-isystem", "-idirafter", "-iquote",
                 "-iprefix", "-iwithprefix", "-iwithprefixbefore", "-F")
_DEPFILE = frozenset(("-MD", "-MMD", "-MP", "-MF", "-MT", "-MQ"))
# A compile with one of these reads or writes a file the key cannot see, or is no plain
# compile: it runs uncached.
_UNCACHEABLE_PREFIXES = ("@", "-fprofile", "-fcoverage", "--coverage", "-ftest-coverage",
                         "-fplugin", "-fpass-plugin", "-fsanitize-ignorelist",
                         "-fsanitize-blacklist", "-save-temps", "-ftime-trace", "-gsplit-dwarf",
                         "-MJ", "-fmodules", "-fcrash-diagnostics", "-include-pch", "-emit-",
                         "-Xpreprocessor", "-Wp,", "-B", "--serialize-diagnostics")
_UNCACHEABLE = frozenset(("-", "-x", "-E", "-S", "-M", "-MM", "-fsyntax-only", "-v", "-###",
                          "-Xassembler", "-Wa,--MD"))


class Plan(NamedTuple):
    """A cacheable compile: where its object goes, and the key's argument part."""

    output: str
    source: str
    key_args: tuple[str, ...]
    preprocess: tuple[str, ...]  # the same command with -E, writing to stdout


def plan(cmd: Sequence[str], cwd: str) -> Plan | None:
    """The cache plan of the zig command ``cmd`` (``zig cc|c++ ARGS``), or None when it is
    not a plain compile of one source to one object."""
    if len(cmd) < 3 or cmd[1] not in ("cc", "c++"):
        return None
    args = list(cmd[2:])
    output: str | None = None
    sources: list[str] = []
    key: list[str] = [cmd[0], cmd[1]]
    compiles = 0
    depfile = named_target = False
    dropped: set[int] = set()  # the output's arguments, left out of the -E run
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if arg in _UNCACHEABLE or arg.startswith(_UNCACHEABLE_PREFIXES):
            return None
        if arg in _SEPARATE:
            if value is None:
                return None
            if arg == "-o":
                output = value
                dropped |= {i, i + 1}
            elif arg in _DEPFILE:
                depfile, named_target = True, named_target or arg in ("-MT", "-MQ")
            elif arg not in _PREPROCESSOR:
                key += [arg, value]
            i += 2
            continue
        if arg == "-c":
            compiles += 1
        elif arg in _DEPFILE:
            depfile = True
        elif arg.startswith(("-MF", "-MT", "-MQ")):
            depfile, named_target = True, named_target or not arg.startswith("-MF")
        elif arg == f"-ffile-prefix-map={cwd}=.":
            key.append("-ffile-prefix-map=<cwd>=.")
        elif arg.startswith(_PREPROCESSOR):
            pass
        elif arg.startswith("-o"):
            output = arg[2:]
            dropped.add(i)
        elif not arg.startswith("-"):
            sources.append(arg)
        else:
            key.append(arg)
        i += 1
    if compiles != 1 or output is None or len(sources) != 1:
        return None
    if not sources[0].endswith(SOURCE_SUFFIXES) or (depfile and not named_target):
        return None  # a default dependency target would name -E's output, not the object
    if f"-ffile-prefix-map={cwd}=." not in args:
        key.append("cwd=" + cwd)  # the object records the build folder itself
    preprocess = [cmd[0], cmd[1]] + ["-E" if a == "-c" else a
                                     for j, a in enumerate(args) if j not in dropped]
    return Plan(output, sources[0], tuple(key), tuple(preprocess))


_MARKER = re.compile(rb'^(# \d+ ")([^"\n]*)', re.MULTILINE)


def key(plan_: Plan, preprocessed: bytes, cwd: str, zig_stat: str,
        environ: Mapping[str, str]) -> str:
    """The cache key: sha256 of everything that decides the object's bytes."""
    prefix = cwd.rstrip("/").encode() + b"/"

    def relative(m: re.Match[bytes]) -> bytes:
        path = m.group(2)
        return m.group(1) + (b"./" + path[len(prefix):] if path.startswith(prefix) else path)

    h = hashlib.sha256(FORMAT)
    for part in (zig_stat, environ.get("ZIG_LIB_DIR", ""), *plan_.key_args):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(_MARKER.sub(relative, preprocessed))
    return h.hexdigest()


def entry(folder: str, digest: str) -> str:
    return os.path.join(folder, digest[:2], digest)


def prune(folder: str, max_bytes: int, now: float | None = None) -> int:
    """Remove the least recently used entries until the folder holds at most ``max_bytes``
    (and the locks of compiles that stored nothing, a day on); the number of entries
    removed."""
    import time

    stale = (time.time() if now is None else now) - 86400
    objects = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if name.endswith(".lock") and name[:-5] + ".o" not in names:
                with contextlib.suppress(OSError):
                    if os.stat(path).st_mtime < stale:
                        os.unlink(path)
            if not name.endswith(".o"):
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            err = path[:-2] + ".stderr"
            size = st.st_size + (os.path.getsize(err) if os.path.exists(err) else 0)
            objects.append((st.st_mtime, size, path))
    total = sum(size for _, size, _ in objects)
    removed = 0
    for _, size, path in sorted(objects):
        if total <= max_bytes:
            break
        for victim in (path, path[:-2] + ".stderr", path[:-2] + ".lock"):
            with contextlib.suppress(OSError):
                os.unlink(victim)
        total -= size
        removed += 1
    return removed


def writable_output(path: str) -> bool:
    """May a hit put an object at ``path``?  Not over ``/dev/null`` or another file that is
    not a regular one (a hit replaces the file), nor into a folder that does not exist."""
    if os.path.lexists(path):
        return os.path.isfile(path)
    return os.path.isdir(os.path.dirname(os.path.abspath(path)))


def _store(base: str, obj: str, stderr: bytes) -> None:
    """Keep a compile's object and warnings under ``base`` (.o last: it marks the entry)."""
    with open(obj, "rb") as f:
        data = f.read()
    os.makedirs(os.path.dirname(base), exist_ok=True)
    if stderr:
        _write_atomic(base + ".stderr", stderr)
    _write_atomic(base + ".o", data)


def _write_atomic(path: str, data: bytes) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _hit(base: str, output: str) -> bool:
    """Copy a stored object to ``output`` (replayed warnings to stderr); False if absent or
    if it cannot be written there (the compile then runs and says why)."""
    try:
        with open(base + ".o", "rb") as f:
            data = f.read()
        _write_atomic(os.path.abspath(output), data)
    except OSError:
        return False
    try:
        os.utime(base + ".o")  # the least recently used go first (prune)
        with open(base + ".stderr", "rb") as err:
            sys.stderr.buffer.write(err.read())
    except OSError:
        pass
    return True


def compile_cached(cmd: list[str], folder: str, environ: Mapping[str, str]) -> int | None:
    """Serve ``cmd`` from the cache or compile and keep it: its exit code, or None when it
    is not cacheable (the caller runs it as usual)."""
    import subprocess

    cwd = os.getcwd()
    p = plan(cmd, cwd)
    if p is None or not writable_output(p.output):
        return None
    pre = subprocess.run(p.preprocess, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if pre.returncode != 0 or b"#embed" in pre.stdout:
        return None  # the compile itself says what is wrong
    st = os.stat(cmd[0])
    base = entry(folder, key(p, pre.stdout, cwd, f"{cmd[0]}:{st.st_size}:{st.st_mtime_ns}",
                             environ))
    if _hit(base, p.output):
        return 0
    with _claim(base):  # a build running beside this one may be compiling the same object
        if _hit(base, p.output):
            return 0
        done = subprocess.run(cmd, stderr=subprocess.PIPE)
        sys.stderr.buffer.write(done.stderr)
        if done.returncode == 0 and os.path.isfile(p.output):
            with contextlib.suppress(OSError):  # a full or read-only cache never fails a build
                _store(base, p.output, done.stderr)
    return 128 - done.returncode if done.returncode < 0 else done.returncode


@contextlib.contextmanager
def _claim(base: str) -> Iterator[None]:
    """Hold ``base``'s lock (waiting for a compile of the same key in another process to
    finish first); the kernel drops it if this process dies.  No lock, no wait."""
    try:
        import fcntl

        os.makedirs(os.path.dirname(base), exist_ok=True)
        fd = os.open(base + ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def main(argv: Sequence[str]) -> int:
    """Run as ``python -I -S objcache.py TOOL ARGS...`` from a toolchain folder."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import flags  # type: ignore[import-not-found]  # the copy beside this file

    try:
        cmd = flags.command(argv, os.environ, here)
    except flags.ShimError as exc:
        print(exc, file=sys.stderr)
        return 1
    folder = os.environ.get("ZIGCC_COMPILE_CACHE", "").strip()
    if folder.lower() in OFF:
        return int(flags.run(cmd))
    if folder.lower() in ON:
        import json

        with open(os.path.join(here, "shim.json"), encoding="utf-8") as f:
            folder = json.load(f)["objects"]
    if not os.path.isabs(folder):
        print(f"zigcc {argv[0]}: ZIGCC_COMPILE_CACHE={folder!r}: give an absolute folder, "
              "1 (zigcc's cache folder) or 0 (off)", file=sys.stderr)
        return 1
    if not flags.too_long(cmd):
        done = compile_cached(cmd, folder, os.environ)
        if done is not None:
            return done
    return int(flags.run(cmd))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
