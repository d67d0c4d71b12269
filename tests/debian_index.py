"""Getting Debian packages for ``tests/debian_sysroots.py``: ``apt-get`` with private state and
a fallback.

The fallback: when the mirror serves an index ``apt-get`` refuses ("File has unexpected size ...
Mirror sync in progress?"), the suite's InRelease is checked with ``gpgv``, ``Packages.xz`` is
fetched (by hash first), dependencies are resolved here (versions ignored) and each .deb is
checked against the index's SHA256.  If ``Packages.xz`` does not match the signed InRelease, it
is used anyway with a warning that the index signature was not checked.

:class:`DebianUnavailableError` (tests turn it into a skip) says what the mirror does not have:
a suite whose Release no longer lists the architecture (bullseye on deb.debian.org keeps only
amd64, arm64, armhf and i386 for its LTS; the rest moved to archive.debian.org), or any file
answered with 404, e.g. .debs the mirror's own index names but its pool lacks (seen for trixie
ppc64el and s390x after the 13.8 point release).  Other failures stay :class:`DebianPythonError`.

Also home to what both modules share: :class:`DebianPythonError`, the mirror and keyring, the log
and the dpkg status reader.  Nothing here imports ``debian_sysroots``: ``python
tests/debian_sysroots.py`` runs that file as ``__main__``, and importing it again would make a
second ``DebianPythonError`` class.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import re
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
DEFAULT_MIRROR = "http://deb.debian.org/debian"


class DebianPythonError(RuntimeError):
    """A Debian interpreter or package could not be provided."""


class DebianUnavailableError(DebianPythonError):
    """The mirror does not carry this suite for this architecture (any more): skip, don't fail."""


def log(message: str) -> None:
    print(f"[tests/debian_sysroots] {message}", file=sys.stderr, flush=True)


def debian_mirror(suite: str | None = None) -> str:
    """``$ZIGCC_DEBIAN_MIRROR_<SUITE>`` (e.g. ``ZIGCC_DEBIAN_MIRROR_BULLSEYE``), else
    ``$ZIGCC_DEBIAN_MIRROR``, else the first Debian mirror of the host's apt sources."""
    specific = os.environ.get(f"ZIGCC_DEBIAN_MIRROR_{suite.upper()}") if suite else None
    configured = specific or os.environ.get("ZIGCC_DEBIAN_MIRROR")
    if configured:
        return configured.rstrip("/")
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        if path.suffix in (".list", ".sources") and path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                for url in re.findall(r"https?://\S+", line.split("#")[0]):
                    if str(url).rstrip("/").endswith("/debian"):
                        return str(url).rstrip("/")
    return DEFAULT_MIRROR


def apt_get(
    arch: str, state: Path, status: Path, archives: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``apt-get ARGS`` for ``arch`` with its own state, sources and cache under ``state``:
    the host's apt configuration and dpkg database are never changed."""
    options = {
        "APT::Architecture": arch,
        "APT::Architectures": arch,
        "Dir::State": state,
        "Dir::State::Lists": state / "lists",
        "Dir::State::status": status,
        "Dir::Cache": state / "cache",
        "Dir::Cache::archives": archives,
        "Dir::Etc::SourceList": "/dev/null",
        "Dir::Etc::SourceParts": state / "sources.list.d",
        "Dir::Etc::Preferences": "/dev/null",
        "Dir::Etc::PreferencesParts": state / "preferences.d",
        "APT::Install-Recommends": "false",
        "APT::Sandbox::User": "root" if os.geteuid() == 0 else "",
        "APT::Update::Post-Invoke-Success::": "",
        "Acquire::Check-Valid-Until": "false",
        "Acquire::Languages": "none",
        "Debug::NoLocking": "true",
    }
    argv = ["apt-get", "-q", "-y", *(f"-o{key}={value}" for key, value in options.items()), *args]
    env = {**os.environ, "LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800)


def installed(status: Path) -> set[str]:
    try:
        return set(re.findall(r"^Package: (\S+)", status.read_text(), flags=re.MULTILINE))
    except OSError:
        return set()


def check_architecture(release: str, suite: str, arch: str, mirror: str) -> None:
    """Raise :class:`DebianUnavailableError` when the text of ``suite``'s (In)Release on
    ``mirror`` has an ``Architectures:`` field without ``arch``."""
    found = re.search(r"^Architectures:(.*)$", release, flags=re.MULTILINE)
    listed = found.group(1).split() if found else []
    if listed and arch not in listed:
        raise DebianUnavailableError(
            f"Debian {suite} on {mirror} no longer carries {arch} (its Release lists only "
            f"{' '.join(listed)}); point ZIGCC_DEBIAN_MIRROR_{suite.upper()} at a mirror that "
            "does, e.g. http://archive.debian.org/debian"
        )


def _fetch(url: str) -> bytes:
    problem: Exception | None = None
    for attempt in range(3):
        time.sleep(2 * attempt)
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                return bytes(response.read())
        except Exception as error:  # urllib raises many kinds
            problem = error
            if getattr(error, "code", None) == 404:
                raise DebianUnavailableError(f"{url}: 404 Not Found") from error
    raise DebianPythonError(f"cannot fetch {url}: {problem}")


def _signed_sha256(mirror: str, suite: str, arch: str, workdir: Path) -> dict[str, str]:
    """SHA256 of each file the suite's InRelease lists, after checking its signature and
    that it carries ``arch``."""
    inrelease = workdir / "InRelease"
    inrelease.write_bytes(_fetch(f"{mirror}/dists/{suite}/InRelease"))
    argv = ["gpgv", "--keyring", str(KEYRING), "--output", "-", str(inrelease)]
    check = subprocess.run(argv, capture_output=True, text=True)
    if check.returncode != 0:
        raise DebianPythonError(f"bad signature on {suite}'s InRelease:\n{check.stderr}")
    check_architecture(check.stdout, suite, arch, mirror)
    section, hashes = "", {}
    for line in check.stdout.splitlines():
        if not line.startswith(" "):
            section = line.strip()
        elif section == "SHA256:":
            digest, _size, name = line.split()
            hashes[name] = digest
    return hashes


def _packages_index(mirror: str, suite: str, arch: str, workdir: Path) -> dict[str, dict[str, str]]:
    dists = f"{mirror}/dists/{suite}"
    relative = f"main/binary-{arch}/Packages.xz"
    expected = _signed_sha256(mirror, suite, arch, workdir).get(relative)
    data = b""
    if expected:
        with suppress(DebianPythonError):
            data = _fetch(f"{dists}/main/binary-{arch}/by-hash/SHA256/{expected}")
    if not expected or hashlib.sha256(data).hexdigest() != expected:
        data = _fetch(f"{dists}/{relative}")
        if hashlib.sha256(data).hexdigest() != expected:
            log(
                f"WARNING: {dists}/{relative} does not match the signed InRelease (mirror "
                "mid-sync?); using it anyway: the index signature was NOT checked (each .deb "
                "is still checked against this index's SHA256)"
            )
    keep = {"Package", "Depends", "Pre-Depends", "Provides", "Filename", "SHA256"}
    index: dict[str, dict[str, str]] = {}
    for block in lzma.decompress(data).decode("utf-8", "replace").split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if line[:1].isalnum())
        stanza = {key: value.strip() for key, value in fields.items() if key in keep}
        if "Package" in stanza and "Filename" in stanza:
            index.setdefault(stanza["Package"], stanza)
    return index


def relation(text: str) -> list[list[str]]:
    """``a (>= 1) | b:any, c [riscv64]`` -> ``[['a', 'b'], ['c']]``: versions are ignored."""
    alternatives = (group.split("|") for group in text.split(","))
    groups = [[re.split(r"[\s(\[:]", alt.strip())[0] for alt in alts] for alts in alternatives]
    return [[alt for alt in group if alt] for group in groups if any(group)]


def download_direct(
    names: list[str], suite: str, arch: str, workdir: Path, archives: Path, status: Path
) -> list[Path]:
    """Fetch ``names`` and what they need that the ``status`` file lacks into ``archives``;
    returns the .debs there.  ``workdir`` receives the suite's InRelease."""
    mirror = debian_mirror(suite)
    index = _packages_index(mirror, suite, arch, workdir)
    unknown = [name for name in names if name not in index]
    if unknown:
        raise DebianPythonError(f"{unknown} not in the {suite} {arch} index")
    providers: dict[str, list[str]] = {}
    for name, stanza in index.items():
        for provided in relation(stanza.get("Provides", "")):
            providers.setdefault(provided[0], []).append(name)
    have = installed(status)
    queue = list(names)
    while queue:
        name = queue.pop()
        if name in have:
            continue
        have.add(name)
        depends = index[name].get("Pre-Depends", "") + "," + index[name].get("Depends", "")
        for group in relation(depends):
            if any(alt in have or have.intersection(providers.get(alt, ())) for alt in group):
                continue
            real = [alt for alt in group if alt in index]
            real += [provider for alt in group for provider in providers.get(alt, ())]
            if not real:
                raise DebianPythonError(f"{name}: nothing satisfies {' | '.join(group)}")
            queue.append(real[0])
    chosen, missing = sorted(have - installed(status)), []
    for name in chosen:
        filename = index[name]["Filename"]
        try:
            data = _fetch(f"{mirror}/{filename}")
        except DebianUnavailableError:
            missing.append(filename)
            continue
        if hashlib.sha256(data).hexdigest() != index[name].get("SHA256"):
            raise DebianPythonError(f"{filename}: SHA256 differs from the index")
        (archives / Path(filename).name).write_bytes(data)
    if missing:
        raise DebianUnavailableError(
            f"Debian {suite} on {mirror} lacks {len(missing)} of the {len(chosen)} .debs its "
            f"own index names (404; mirror out of sync?): "
            + ", ".join(Path(filename).name for filename in missing)
        )
    log(f"{arch}: downloaded {len(chosen)} packages directly from {mirror}")
    return sorted(archives.glob("*.deb"))
