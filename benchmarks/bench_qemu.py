"""Shared parts of the benchmarks that run a foreign Debian userland in a chroot under qemu-user,
the way a Docker + qemu build does: binfmt_misc registration (needs root), the chroot's
mounts and files, a timed command in the chroot, the load average.

``binfmt(arch)`` registers ``qemu-<cpu>-static`` for the architecture's ELF files with the
``F`` flag (the interpreter is opened at registration, so it works inside a chroot) and removes
the entry afterwards; ``chroot_ready(root)`` adds what a Debian image has and an unpacked
sysroot lacks (``cc``, ``c++``, ``awk`` from update-alternatives, DNS, the CA bundle) and bind-mounts
``/dev`` and ``/proc`` for the duration.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BINFMT = Path("/proc/sys/fs/binfmt_misc")
# ELF magic and mask per qemu cpu name, as qemu's own binfmt configuration has them
# (64-bit little-endian ELF, e_machine at offset 18: 0xb7 aarch64, 0xf3 riscv).
_MAGIC = r"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00{}\x00"
_MASK = (r"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff"
         r"\xff\xff")
MACHINES = {"aarch64": r"\xb7", "riscv64": r"\xf3"}
HOST_FILES = {  # host file -> where the chroot gets a copy (what an image has)
    "/etc/resolv.conf": "etc/resolv.conf",
    "/etc/ssl/certs/ca-certificates.crt": "etc/ssl/certs/ca-certificates.crt",
}


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@contextmanager
def binfmt(cpu: str) -> Iterator[None]:
    """Register qemu-<cpu>-static for ``cpu``'s ELF files; restore binfmt_misc afterwards."""
    if cpu not in MACHINES:
        raise SystemExit(f"no binfmt magic for {cpu}; known: {', '.join(MACHINES)}")
    qemu = shutil.which(f"qemu-{cpu}-static")
    if qemu is None:
        raise SystemExit(f"qemu-{cpu}-static is missing: run bash .ci/install-deps.sh")
    mounted = False
    if not (BINFMT / "register").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], check=True)
        mounted = True
    entry = f"zigcc-bench-{cpu}"
    if (BINFMT / entry).exists():  # left over by a killed run
        (BINFMT / entry).write_text("-1")
    (BINFMT / "register").write_text(f":{entry}:M::{_MAGIC.format(MACHINES[cpu])}:{_MASK}:"
                                     f"{qemu}:F")
    try:
        yield
    finally:
        (BINFMT / entry).write_text("-1")
        if mounted:
            subprocess.run(["umount", str(BINFMT)], check=True)


@contextmanager
def chroot_ready(root: Path) -> Iterator[None]:
    """``root`` made usable as a Debian image: cc/c++/awk, DNS, CA bundle; /dev and /proc bound."""
    bin_dir = root / "usr" / "bin"
    for name, real in (("cc", "gcc"), ("c++", "g++"), ("awk", "mawk")):
        if (bin_dir / real).exists() and not (bin_dir / name).is_symlink():
            (bin_dir / name).symlink_to(real)
    for host, inside in HOST_FILES.items():
        dest = root / inside
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        shutil.copy(host, dest)
    (root / "tmp").mkdir(exist_ok=True)
    os.chmod(root / "tmp", 0o1777)
    mounts = []
    try:
        for name in ("dev", "proc"):
            (root / name).mkdir(exist_ok=True)
            subprocess.run(["mount", "--bind", f"/{name}", str(root / name)], check=True)
            mounts.append(root / name)
        yield
    finally:
        for path in reversed(mounts):
            subprocess.run(["umount", "--lazy", str(path)], check=False)


@dataclass(frozen=True)
class Ran:
    seconds: float
    returncode: int | None  # None: killed at the timeout
    output: str


def run_in_chroot(root: Path, argv: Sequence[str], env: Mapping[str, str], timeout: float,
                  log: Path) -> Ran:
    """``chroot root argv`` in its own process group, timed; killed (the whole group) at
    ``timeout`` seconds.  stdout and stderr go to ``log``."""
    chroot = shutil.which("chroot") or "chroot"
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen([chroot, str(root), *argv], env=dict(env), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    seconds = time.perf_counter() - start
    return Ran(seconds, code, log.read_text(errors="replace"))
