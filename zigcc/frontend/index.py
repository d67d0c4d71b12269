"""Find a pinned requirement's files (zigcc wheelhouse, and the target's copy of a build
requirement with target-specific headers): the index's wheel that the target installs, else its
sdist.  Indexes are read through their PEP 691 JSON (the Simple API PyPI and every current
index server speak) or PEP 503 HTML pages; ``--find-links`` folders are listed.  A download
is checked against the hash the index states, and lands whole or not at all."""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from zigcc.errors import ZigccError


@dataclass(frozen=True)
class Sources:
    """Where requirements come from: the index options users pass to pip and uv."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()

    def uv_args(self) -> list[str]:
        args = ["--index-url", self.index_url] if self.index_url else []
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        for link in self.find_links:
            args += ["--find-links", link]
        return args



PYPI = "https://pypi.org/simple/"
_JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class Dist:
    """One file of a project on an index or in a find-links folder."""

    filename: str
    url: str  # http(s):// or a local path
    sha256: str | None = None


def target_tags(version: tuple[int, int], abiflags: str, platforms: Sequence[str]
                ) -> list[Tag]:
    """The tags CPython ``version`` (``abiflags``: "" or "t") installs on a machine whose
    platform tags are ``platforms``, best first: as packaging's ``sys_tags`` orders them."""
    interpreter = f"cp{version[0]}{version[1]}"
    abis = [interpreter + abiflags]
    return [*cpython_tags(version, abis, platforms),
            *compatible_tags(version, interpreter, platforms)]


def best_wheel(files: Iterable[Dist], version: str, tags: Sequence[Tag]) -> Dist | None:
    """The wheel of ``version`` with the best tag of ``tags``; None when none fits."""
    rank = {tag: i for i, tag in enumerate(tags)}
    best: tuple[int, Dist] | None = None
    for dist in files:
        try:
            _, found, _, wheel_tags = parse_wheel_filename(dist.filename)
        except InvalidWheelFilename:
            continue
        if found != Version(version):
            continue
        score = min((rank[t] for t in wheel_tags if t in rank), default=None)
        if score is not None and (best is None or score < best[0]):
            best = (score, dist)
    return best[1] if best else None


def sdist(files: Iterable[Dist], version: str) -> Dist | None:
    """The sdist of ``version`` (``.tar.gz`` first, as PEP 625 names them)."""
    found = []
    for dist in files:
        try:
            _, found_version = parse_sdist_filename(dist.filename)
        except (InvalidSdistFilename, InvalidVersion):
            continue
        if found_version == Version(version):
            found.append(dist)
    return sorted(found, key=lambda d: not d.filename.endswith(".tar.gz"))[0] if found else None


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def _from_url(base: str, url: str) -> Dist:
    absolute = urllib.parse.urljoin(base, url)
    clean, _, fragment = absolute.partition("#")
    digest = fragment[len("sha256="):] if fragment.startswith("sha256=") else None
    return Dist(urllib.parse.unquote(clean.rsplit("/", 1)[-1]), clean, digest)


def project_files(name: str, sources: Sources) -> list[Dist]:
    """Every file of project ``name`` on the indexes and in the find-links folders."""
    out: list[Dist] = []
    for link in sources.find_links:
        folder = Path(link)
        if folder.is_dir():
            out += [Dist(p.name, str(p)) for p in sorted(folder.iterdir()) if p.is_file()]
    for index in [sources.index_url or PYPI, *sources.extra_index_urls]:
        out += _index_files(index.rstrip("/") + "/" + name + "/")
    return out


def _index_files(url: str) -> list[Dist]:
    if url.startswith("file://"):
        return []  # a local mirror: use --find-links with its folder
    request = urllib.request.Request(url, headers={"Accept": f"{_JSON}, text/html;q=0.1"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read().decode("utf-8")
            kind = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise ZigccError(f"{url}: HTTP {exc.code}; check --index-url") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ZigccError(f"{url}: {getattr(exc, 'reason', exc)}; check --index-url and the "
                         "network") from None
    if kind.startswith(_JSON):
        return [Dist(f["filename"], urllib.parse.urljoin(url, f["url"]),
                     f.get("hashes", {}).get("sha256"))
                for f in json.loads(body).get("files", [])]
    parser = _Links()
    parser.feed(body)
    return [_from_url(url, link) for link in parser.links]


def download(dist: Dist, dest: Path) -> Path:
    """``dist`` into folder ``dest``, its hash checked; a local file is copied."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / dist.filename
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=".part-")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            if "://" in dist.url:
                try:
                    with urllib.request.urlopen(dist.url, timeout=300) as response:
                        _copy(response, out, digest)
                except (urllib.error.URLError, OSError) as exc:
                    raise ZigccError(f"{dist.url}: {getattr(exc, 'reason', exc)}") from None
            else:
                with open(dist.url, "rb") as src:
                    _copy(src, out, digest)
        if dist.sha256 and digest.hexdigest() != dist.sha256:
            raise ZigccError(f"{dist.filename}: sha256 {digest.hexdigest()} but the index "
                             f"says {dist.sha256}; not used")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _copy(src: object, out: object, digest: hashlib._Hash) -> None:
    while True:
        chunk = src.read(1 << 20)  # type: ignore[attr-defined]
        if not chunk:
            return
        digest.update(chunk)
        out.write(chunk)  # type: ignore[attr-defined]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        _copy(f, _Null(), digest)
    return digest.hexdigest()


class _Null:
    def write(self, data: bytes) -> int:
        return len(data)
