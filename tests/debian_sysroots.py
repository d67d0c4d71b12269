"""Real Debian CPython interpreters of foreign architectures, for tests and benchmarks.

Debian's own packages are unpacked into a sysroot per suite and architecture (``dpkg-deb -x``,
no maintainer scripts) and run under qemu-user: ``qemu-<cpu>-static -L <root>
<root>/usr/bin/python3.X``.  i386 runs natively through its own dynamic loader.  No pytest here:
``benchmarks/`` imports it too (``tests/conftest.py``'s ``debian_python`` fixture wraps it for
tests).  ``python tests/debian_sysroots.py [ARCH | SUITE | SUITE-ARCH | all ...]`` builds (or
reuses) sysroots and prints timings.  (Not named ``debian``: that is python-debian's package.)

:data:`SUITES` has a row per ``(suite, arch)``: bullseye (3.9), bookworm (3.11), trixie (3.13),
and sid, which has two CPythons: row suite ``sid`` is its 3.14, ``sid-3.15`` its 3.15 (a row's
suite is ``<Debian suite>[-<X.Y>]``; :attr:`ArchSpec.dist` is the Debian suite fetched).  amd64
has sid rows only (it runs natively, through the sysroot's own dynamic loader, as i386 does).
:data:`ARCHES` and ``ensure_python(arch)`` without ``suite`` mean each architecture's default
suite (:data:`DEFAULT_SUITES`: bookworm, but trixie for riscv64 and sid for amd64).  Rows the mirror no longer
carries (bullseye ppc64el and s390x on deb.debian.org) raise :class:`DebianUnavailableError`.

Downloads go through ``apt-get`` with a private state directory (the host's apt configuration and
dpkg database are never changed).  When the mirror serves an index apt refuses ("File has
unexpected size ... Mirror sync in progress?"), the Packages index is fetched directly, the
dependencies are resolved here, and a warning says the index signature was not checked (see
``tests/debian_index.py``).  Anything that cannot yield a verified, working interpreter raises
:class:`DebianPythonError`.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from debian_index import (
    KEYRING,
    DebianPythonError,
    DebianUnavailableError,
    apt_get,
    check_architecture,
    debian_mirror,
    download_direct,
)
from debian_index import installed as _installed
from debian_index import log as _log
from debian_index import relation as _relation  # noqa: F401  (tests call debian_sysroots._relation)

__all__ = ["ARCHES", "DEFAULT_SUITES", "SUITES", "ArchSpec", "DebianPython", "DebianPythonError"]
__all__ += ["DebianUnavailableError", "debian_mirror", "default_cache", "ensure_packages"]
__all__ += ["ensure_python", "spec"]

_FORMAT = 1  # bump to rebuild every cached sysroot
_I386_LOADER = "ld-linux.so.2"
_LOADERS = {"i386": f"lib/{_I386_LOADER}", "amd64": "lib64/ld-linux-x86-64.so.2"}  # native rows
_UNAVAILABLE: dict[tuple[Path, str], str] = {}  # (sysroot, mirror) -> why it cannot be had
_HOST_ONLY = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "VIRTUAL_ENV"}


@dataclass(frozen=True)
class ArchSpec:
    """A Debian architecture and what its interpreter must report about itself."""

    arch: str
    suite: str
    version: tuple[int, int]
    multiarch: str
    machine: str  # platform.machine() in the target
    qemu: str | None  # qemu-user cpu name; None: runs natively
    byteorder: str
    pointer_size: int
    glibc: tuple[int, int] = (0, 0)  # (major, minor) of the suite's libc6

    @property
    def dist(self) -> str:
        """The Debian suite the packages come from: ``sid`` for the row suite ``sid-3.15``."""
        return self.suite.partition("-")[0]


# suite: (CPython, glibc); one glibc per Debian release, point releases never change it.
# sid (unstable) moves: python3.14 3.14.10 and python3.15 3.15.2 with glibc 2.43 (2026-12).
_SUITE_VERSIONS = {
    "bullseye": ("3.9", "2.31"),
    "bookworm": ("3.11", "2.36"),
    "trixie": ("3.13", "2.41"),
    "sid": ("3.14", "2.43"),
    "sid-3.15": ("3.15", "2.43"),
}
_ARCH_TABLE = """
arm64   aarch64-linux-gnu     aarch64 aarch64 little 8 bullseye bookworm* trixie  sid sid-3.15
armhf   arm-linux-gnueabihf   armv7l  arm     little 4 bullseye bookworm* trixie  sid sid-3.15
i386    i386-linux-gnu        i686    -       little 4 bullseye bookworm* trixie  sid sid-3.15
ppc64el powerpc64le-linux-gnu ppc64le ppc64le little 8 bullseye bookworm* trixie  sid sid-3.15
s390x   s390x-linux-gnu       s390x   s390x   big    8 bullseye bookworm* trixie  sid sid-3.15
riscv64 riscv64-linux-gnu     riscv64 riscv64 little 8                   trixie* sid sid-3.15
amd64   x86_64-linux-gnu      x86_64  -       little 8                           sid* sid-3.15
"""  # a * marks the default suite: what ARCHES and ensure_python(arch) give


def _pair(version: str) -> tuple[int, int]:
    major, minor = (int(part) for part in version.split("."))
    return major, minor


def _rows() -> Iterator[tuple[bool, ArchSpec]]:
    for line in _ARCH_TABLE.strip().splitlines():
        arch, multiarch, machine, qemu, byteorder, size, *suites = line.split()
        cpu = None if qemu == "-" else qemu
        for suite in suites:
            name = suite.rstrip("*")
            python, glibc = (_pair(version) for version in _SUITE_VERSIONS[name])
            row = ArchSpec(arch, name, python, multiarch, machine, cpu, byteorder, int(size), glibc)
            yield suite.endswith("*"), row


_ROWS = list(_rows())
SUITES: dict[tuple[str, str], ArchSpec] = {(row.suite, row.arch): row for _, row in _ROWS}
"""Every known ``(suite, arch)``: ``SUITES["trixie", "arm64"]``."""
ARCHES: dict[str, ArchSpec] = {row.arch: row for default, row in _ROWS if default}
"""Each architecture's default suite's row: ``ARCHES["arm64"].suite == "bookworm"``."""
DEFAULT_SUITES: dict[str, str] = {arch: row.suite for arch, row in ARCHES.items()}


def spec(arch: str, suite: str | None = None) -> ArchSpec:
    """The row of ``arch`` in ``suite`` (default: :data:`DEFAULT_SUITES`)."""
    if arch not in ARCHES:
        raise DebianPythonError(f"unknown Debian architecture {arch!r}; known: {', '.join(ARCHES)}")
    row = SUITES.get((suite or DEFAULT_SUITES[arch], arch))
    if row is None:
        known = ", ".join(name for name, other in SUITES if other == arch)
        raise DebianPythonError(f"no Debian suite {suite!r} for {arch}; known: {known}")
    return row


_spec = spec  # the name before suites existed


@dataclass(frozen=True)
class DebianPython:
    """Debian's CPython of one architecture, unpacked in ``root``."""

    arch: str
    suite: str
    root: Path
    version: tuple[int, int]
    python: Path
    glibc: tuple[int, int] = (0, 0)

    @property
    def spec(self) -> ArchSpec:
        return spec(self.arch, self.suite)

    @property
    def multiarch(self) -> str:
        return self.spec.multiarch

    @property
    def machine(self) -> str:
        return self.spec.machine

    @property
    def ext_suffix(self) -> str:
        return ".cpython-{}{}-{}.so".format(*self.version, self.multiarch)

    @property
    def include_dirs(self) -> list[Path]:
        """Python.h's directory, then the one with the multiarch pyconfig.h."""
        name = "python{}.{}".format(*self.version)
        return [self.root / "usr/include" / name, self.root / "usr/include" / self.multiarch / name]

    @property
    def cflags(self) -> list[str]:
        """Compiler flags for these headers.  Debian's ``python3.X/pyconfig.h`` only includes
        ``<MULTIARCH/python3.X/pyconfig.h>``, so ``usr/include`` must be searchable too:
        ``-idirafter`` keeps the toolchain's own libc headers ahead of the sysroot's."""
        includes = [f"-I{directory}" for directory in self.include_dirs]
        return [*includes, "-idirafter", str(self.root / "usr/include")]

    @property
    def linux_platform_tag(self) -> str:
        """Platform tag of a plain linux wheel, e.g. ``linux_armv7l``."""
        return f"linux_{self.machine}"

    @property
    def manylinux_platform_tag(self) -> str:
        """The newest manylinux tag this glibc accepts, e.g. ``manylinux_2_36_aarch64``."""
        return "manylinux_{}_{}_{}".format(*self.glibc, self.machine)

    def command(self, *args: str | os.PathLike[str]) -> list[str]:
        """argv running this interpreter with ``args``."""
        row = self.spec
        if row.qemu is None:
            libdirs = ":".join(str(self.root / sub / row.multiarch) for sub in ("lib", "usr/lib"))
            loader = str(self.root / _LOADERS[row.arch])
            head = ["setarch", row.machine, loader, "--library-path", libdirs]
        else:
            head = [f"qemu-{row.qemu}-static", "-L", str(self.root)]
        return [*head, str(self.python), *map(str, args)]

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        timeout: float = 600,
        check: bool = False,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the interpreter, capturing text output.

        The host's PYTHONPATH, PYTHONHOME and virtualenv variables are dropped and user
        site-packages are off; ``env`` is added on top of the rest of ``os.environ``.
        """
        argv = self.command(*args)
        return subprocess.run(
            argv, env=_target_env(env), cwd=cwd, timeout=timeout, check=check, input=input,
            capture_output=True, text=True,
        )  # fmt: skip


def _target_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _HOST_ONLY and k[:5] != "QEMU_"}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra or {})
    return env


def default_cache() -> Path:
    """``$ZIGCC_TEST_CACHE``, else ``~/.cache/zigcc-tests``."""
    configured = os.environ.get("ZIGCC_TEST_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "zigcc-tests"


@dataclass(frozen=True)
class _Sysroot:
    """Where one architecture's files live: ``<cache>/<suite>-<arch>/`` and a lock beside it."""

    spec: ArchSpec
    base: Path
    root: Path
    apt: Path  # private apt state, config and cache
    status: Path  # dpkg status file listing what root holds
    archives: Path
    ready: Path  # written last, once root is verified
    lock: Path


def _sysroot(arch: str, cache: Path | None, suite: str | None) -> _Sysroot:
    row = spec(arch, suite)
    base = (cache or default_cache()).expanduser().resolve() / f"{row.suite}-{row.arch}"
    apt = base / "apt"
    return _Sysroot(
        row, base, base / "root", apt, apt / "status", apt / "cache/archives",
        base / "ready.json", base.with_name(base.name + ".lock"),
    )  # fmt: skip


@contextmanager
def _locked(s: _Sysroot) -> Iterator[None]:
    s.lock.parent.mkdir(parents=True, exist_ok=True)
    with open(s.lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _log(f"waiting for another process preparing {s.base} ({s.lock})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load_ready(s: _Sysroot) -> DebianPython | None:
    try:
        data = json.loads(s.ready.read_text())
        major, minor = data["version"]
        glibc = (int(data["glibc"][0]), int(data["glibc"][1]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    python = s.root / "usr/bin" / f"python{major}.{minor}"
    if data.get("format") != _FORMAT or not python.is_file():
        return None
    return DebianPython(s.spec.arch, s.spec.suite, s.root, (major, minor), python, glibc)


def ensure_python(arch: str, cache: Path | None = None, suite: str | None = None) -> DebianPython:
    """Debian's CPython for ``arch`` (a key of :data:`ARCHES`) in ``suite`` (default: the
    architecture's default suite), building its sysroot ``<cache>/<suite>-<arch>`` on first use.

    Idempotent and safe across processes (file lock; ``ready.json`` is written last, after
    the interpreter has been verified).  Raises :class:`DebianPythonError` when no working
    interpreter can be had, :class:`DebianUnavailableError` when the mirror does not carry
    ``suite`` for ``arch`` (bullseye ppc64el and s390x on deb.debian.org).
    """
    s = _sysroot(arch, cache, suite)
    found = _load_ready(s)
    if found is not None:
        return found
    mirror = debian_mirror(s.spec.dist)
    if (s.base, mirror) in _UNAVAILABLE:  # asked already in this process: don't download again
        raise DebianUnavailableError(_UNAVAILABLE[s.base, mirror])
    _check_tools(s.spec)
    with _locked(s):
        found = _load_ready(s)
        if found is not None:
            return found
        started = time.monotonic()
        _log(f"building the {s.spec.suite} {arch} sysroot in {s.base}")
        if s.base.exists():
            shutil.rmtree(s.base)
        for sub in ("lists/partial", "cache/archives/partial", "sources.list.d", "preferences.d"):
            (s.apt / sub).mkdir(parents=True)
        s.status.touch()
        (s.apt / "sources.list.d/debian.sources").write_text(
            f"Types: deb\nURIs: {mirror}\nSuites: {s.spec.dist}\nComponents: main\n"
            f"Architectures: {arch}\nSigned-By: {KEYRING}\n"
        )
        ver = "{}.{}".format(*s.spec.version)
        try:
            debs = _download(
                s, [f"python{ver}-minimal", f"libpython{ver}-stdlib", f"libpython{ver}-dev"]
            )
        except DebianUnavailableError as error:
            shutil.rmtree(s.base)  # nothing worth keeping; the next process asks the mirror again
            _UNAVAILABLE[s.base, mirror] = str(error)
            raise
        staging = s.base / "root.tmp"
        staging.mkdir()
        _unpack(s, debs, staging)
        staging.rename(s.root)  # before verifying: paths baked into .pyc files are final ones
        probe = DebianPython(
            arch, s.spec.suite, s.root, s.spec.version, s.root / f"usr/bin/python{ver}"
        )
        info = _verify(probe)
        _precompile(probe)
        ready = {"format": _FORMAT, "version": list(s.spec.version), "glibc": info["glibc"],
                 "build_seconds": round(time.monotonic() - started, 1)}
        _write_atomic(s.ready, json.dumps({**ready, "probe": info}, indent=2) + "\n")
        _log(f"{s.spec.suite}-{arch}: ready in {time.monotonic() - started:.1f}s: {probe.python}")
    found = _load_ready(s)
    if found is None:
        raise DebianPythonError(f"{s.ready} unreadable right after it was written")
    return found


def ensure_packages(
    arch: str, packages: Sequence[str], cache: Path | None = None, suite: str | None = None
) -> Path:
    """Unpack more Debian ``packages`` (with their dependencies) into the sysroot of ``arch``
    in ``suite`` (default: the architecture's default suite).

    Returns the sysroot.  Packages unpacked before are skipped.  Files only: no maintainer
    scripts run.  Raises :class:`DebianPythonError` on failure.
    """
    root = ensure_python(arch, cache, suite).root
    s = _sysroot(arch, cache, suite)
    wanted = [name.split(":")[0] for name in packages]
    if set(wanted) <= _installed(s.status):
        return root
    with _locked(s):
        missing = [name for name in wanted if name not in _installed(s.status)]
        if missing:
            _log(f"{s.spec.suite}-{arch}: adding {' '.join(missing)} to {root}")
            _unpack(s, _download(s, missing, refresh=False), root)
    return root


def _check_tools(row: ArchSpec) -> None:
    runner = "setarch" if row.qemu is None else f"qemu-{row.qemu}-static"
    missing = [tool for tool in ("apt-get", "dpkg-deb", "gpgv", runner) if not shutil.which(tool)]
    if missing:
        raise DebianPythonError(f"missing {missing}: run `bash .ci/install-deps.sh` as root")
    if not KEYRING.is_file():
        raise DebianPythonError(f"{KEYRING} not found: apt-get install debian-archive-keyring")


# ------------------------------------------------------------------------------------- fetching


def _apt(s: _Sysroot, *args: str) -> subprocess.CompletedProcess[str]:
    return apt_get(s.spec.arch, s.apt, s.status, s.archives, *args)


def _apt_update(s: _Sysroot, attempts: int = 3) -> str | None:
    """``apt-get update`` (retried); None on success, else apt's complaint."""
    error = ""
    for attempt in range(1, attempts + 1):
        result = _apt(s, "update")
        output = result.stdout + result.stderr
        # an unreachable mirror is only a warning ("W: Failed to fetch") to apt-get update
        if result.returncode == 0 and not re.search(r"^(E: |W: Failed)", output, re.MULTILINE):
            return None
        error = (result.stderr.strip() or result.stdout.strip())[-2000:]
        where = f"{s.spec.suite}-{s.spec.arch}"
        _log(f"{where}: apt-get update failed ({attempt}/{attempts}): {error[:300]}")
        if attempt < attempts:
            time.sleep(3 * attempt)
    return error


def _download(s: _Sysroot, names: list[str], refresh: bool = True) -> list[Path]:
    """Fetch ``names`` and what they need that the status file lacks; returns the .debs."""
    for old in s.archives.glob("*.deb"):
        old.unlink()
    errors: list[str] = []
    for update in [True] if refresh else [False, True]:  # cached lists first, if any
        problem = _apt_update(s) if update else None
        if problem is not None:
            errors.append(f"apt-get update:\n{problem}")
            break
        if update:
            _check_listed(s)
        result = _apt(s, "install", "--download-only", *names)
        if result.returncode == 0:
            return sorted(s.archives.glob("*.deb"))
        errors.append(f"apt-get install --download-only {names}:\n{result.stderr[-2000:]}")
        gone = re.findall(r"^E: Failed to fetch (\S+\.deb)\s+404\b", result.stderr, re.MULTILINE)
        if update and gone:  # fresh lists: the mirror's pool lacks what its own index names
            files = ", ".join(unquote(url.rsplit("/", 1)[-1]) for url in gone)
            raise DebianUnavailableError(
                f"Debian {s.spec.dist} on {debian_mirror(s.spec.dist)} lacks {len(gone)} "
                f".debs its own index names (404; mirror out of sync?): {files}"
            )
    where = f"{s.spec.suite}-{s.spec.arch}"
    _log(f"{where}: apt failed; resolving {names} from the mirror's Packages index itself")
    for partial in s.archives.glob("*.deb"):
        partial.unlink()
    try:
        return download_direct(names, s.spec.dist, s.spec.arch, s.base, s.archives, s.status)
    except DebianUnavailableError:
        raise
    except DebianPythonError as error:
        joined = "\n\n".join([*errors, f"direct download: {error}"])
        raise DebianPythonError(f"cannot download {names} for {where}:\n{joined}") from error


def _check_listed(s: _Sysroot) -> None:
    """apt-get update only notes ("N: Skipping acquire ... doesn't support architecture") a
    suite without ``arch``: raise :class:`DebianUnavailableError` from its InRelease instead."""
    for release in (s.apt / "lists").glob(f"*_dists_{s.spec.dist}_*Release"):
        text = release.read_text(errors="replace")
        check_architecture(text, s.spec.dist, s.spec.arch, debian_mirror(s.spec.dist))


# ------------------------------------------------------------------------------------ unpacking


def _unpack(s: _Sysroot, debs: list[Path], root: Path) -> None:
    """``dpkg-deb -x`` each .deb into ``root``, record it in the status file, fix symlinks."""
    stanzas = []
    for deb in debs:
        unpacked = subprocess.run(["dpkg-deb", "-x", deb, root], capture_output=True, text=True)
        control = subprocess.run(["dpkg-deb", "-f", deb], capture_output=True, text=True)
        if unpacked.returncode or control.returncode:
            raise DebianPythonError(f"dpkg-deb on {deb}: {unpacked.stderr}{control.stderr}")
        lines = [line for line in control.stdout.strip().splitlines() if line[:7] != "Status:"]
        stanzas.append("\n".join([lines[0], "Status: install ok installed", *lines[1:]]) + "\n\n")
    _fix_tree(root, s.spec)
    with open(s.status, "a") as status:
        status.writelines(stanzas)
    for deb in debs:  # the apt lists stay for ensure_packages; the .debs are done with
        deb.unlink()


def _fix_tree(root: Path, row: ArchSpec) -> None:
    """usr-merge symlinks (/lib -> usr/lib ...) where only /usr has the directory (trixie),
    and absolute symlinks made relative so they stay inside the sysroot."""
    for name in ("bin", "sbin", "lib", "lib64"):
        top = root / name
        if (root / "usr" / name).is_dir() and not top.exists() and not top.is_symlink():
            top.symlink_to(f"usr/{name}")
    loader = _LOADERS.get(row.arch, "")
    if row.qemu is None and not (root / loader).exists():
        raise DebianPythonError(f"{root}/{loader} missing after unpacking libc6")
    for dirpath, dirnames, filenames in os.walk(root):
        for entry in dirnames + filenames:
            link = Path(dirpath, entry)
            target = os.readlink(link) if link.is_symlink() else ""
            if target.startswith("/"):
                link.unlink()
                link.symlink_to(os.path.relpath(root / target.lstrip("/"), dirpath))


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------- verification

_PROBE = r"""
import ctypes, json, platform, sys, sysconfig
import zigcc_probe_module
libc = ctypes.CDLL(None)
libc.gnu_get_libc_version.restype = ctypes.c_char_p
print(json.dumps({
    "machine": platform.machine(),
    "byteorder": sys.byteorder,
    "pointer_size": ctypes.sizeof(ctypes.c_void_p),
    "maxsize_bits": sys.maxsize.bit_length() + 1,
    "version": list(sys.version_info[:2]),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "multiarch": sysconfig.get_config_var("MULTIARCH"),
    "prefix": sys.prefix,
    "strlen": libc.strlen(b"zigcc"),
    "pythonpath": zigcc_probe_module.OK,
    "glibc": [int(part) for part in libc.gnu_get_libc_version().decode().split(".")[:2]],
}))
"""


def _verify(python: DebianPython) -> dict[str, object]:
    """Run the interpreter; raise unless it is what ``python.spec`` says."""
    row = python.spec
    name = f"{row.suite}-{row.arch}"
    with tempfile.TemporaryDirectory(prefix="zigcc-probe-") as probe_dir:
        Path(probe_dir, "zigcc_probe_module.py").write_text("OK = True\n")
        try:
            result = python.run("-c", _PROBE, env={"PYTHONPATH": probe_dir}, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DebianPythonError(f"{name}: cannot run {python.python}: {error}") from error
    try:
        info: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise DebianPythonError(
            f"{name}: `{' '.join(python.command('-c', '...'))}` exited {result.returncode}:\n"
            f"{result.stdout[-1000:]}{result.stderr[-3000:]}"
        ) from None
    expected: dict[str, object] = {
        "machine": row.machine,
        "byteorder": row.byteorder,
        "pointer_size": row.pointer_size,
        "maxsize_bits": row.pointer_size * 8,
        "version": list(row.version),
        "ext_suffix": python.ext_suffix,
        "multiarch": row.multiarch,
        "prefix": str(python.root / "usr"),  # its own stdlib, never the host's
        "strlen": 5,
        "pythonpath": True,
        "glibc": list(row.glibc),
    }
    wrong = [f"{key}={info.get(key)!r}, not {want!r}" for key, want in expected.items()]
    wrong = [text for text, (key, want) in zip(wrong, expected.items()) if info.get(key) != want]
    if wrong or result.returncode:
        raise DebianPythonError(f"{name}: {python.python} is not as expected: {wrong}")
    return info


def _precompile(python: DebianPython) -> None:
    """Byte-compile the stdlib with the target itself: imports under qemu get ~2x faster.

    One compileall per core, each with -j1: its worker pool (forkserver in 3.13) would
    exec the foreign interpreter directly, which fails without binfmt_misc.
    """
    stdlib = python.root / "usr/lib" / "python{}.{}".format(*python.version)
    env = _target_env(None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    entries, jobs = sorted(stdlib.iterdir()), max(1, min(os.cpu_count() or 1, 4))
    argvs = [
        python.command("-m", "compileall", "-q", "-j1", *entries[i::jobs]) for i in range(jobs)
    ]
    null = subprocess.DEVNULL
    workers = [subprocess.Popen(argv, env=env, stdout=null, stderr=null) for argv in argvs]
    failed = [worker.wait(timeout=1800) for worker in workers if worker.wait(timeout=1800)]
    if failed:  # an optimisation only: the interpreter was verified already
        _log(f"{python.suite}-{python.arch}: warning: compileall {stdlib} exited {failed}")


def _targets(words: list[str]) -> list[tuple[str, str]]:
    """``ARCH`` (its default suite), ``SUITE`` (all its arches), ``SUITE-ARCH`` (``sid-arm64``,
    ``sid-3.15-arm64``) or ``all``."""
    chosen: list[tuple[str, str]] = []
    for word in words or [f"{row.suite}-{row.arch}" for row in ARCHES.values()]:
        if word == "all":
            chosen += SUITES
        elif word in ARCHES:
            chosen.append((DEFAULT_SUITES[word], word))
        elif word in {suite for suite, _ in SUITES}:
            chosen += [key for key in SUITES if key[0] == word]
        else:
            suite, _, arch = word.rpartition("-")
            chosen.append((spec(arch, suite).suite, arch))
    return list(dict.fromkeys(chosen))


def _main(argv: list[str]) -> int:
    for suite, arch in _targets(argv):
        started = time.monotonic()
        try:
            python = ensure_python(arch, suite=suite)
        except DebianUnavailableError as error:
            print(f"{arch:8} {suite:9} unavailable: {error}")
            continue
        ensured = time.monotonic() - started
        started = time.monotonic()
        python.run("-c", "pass", check=True)
        ran = time.monotonic() - started
        print(
            f"{arch:8} {python.suite:9} python{python.version[0]}.{python.version[1]}  "
            f"glibc {python.glibc[0]}.{python.glibc[1]}  "
            f"ensure_python {ensured:6.2f}s  'python -c pass' {ran:5.2f}s  {python.python}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
