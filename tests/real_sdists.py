"""Real PyPI sdists that the slow cross-build tests build for aarch64 and run under qemu.

Each entry is pinned by version and sha256. ``smoke`` runs in the target's Python
(``python3 -c SMOKE``) with ``runtime_deps`` from PyPI's aarch64 wheels (``pip install
--target DIR --platform manylinux2014_aarch64 --only-binary=:all:``): it asserts that the
compiled module was imported (no pure-Python fallback) and checks a computed value, as
cross-checked against PyPI's binary wheels. The sdists stay in a cache, never committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sdist:
    name: str
    version: str
    backend: str  # "setuptools", "scikit-build-core" or "meson-python"
    sha256: str
    smoke: str
    runtime_deps: tuple[str, ...] = ()
    notes: str = ""
    cross_blocker: str = ""  # why a cross build cannot work (it must run target code)

    @property
    def id(self) -> str:  # a pytest id; argon2-cffi-bindings comes twice
        return f"{self.name}-{self.version}"


def _so(module: str) -> str:
    return f"import {module} as _m\nassert _m.__file__.endswith('.so'), _m.__file__\n"


ARGON2_SMOKE = _so("_argon2_cffi_bindings._ffi") + (
    "from _argon2_cffi_bindings import ffi, lib\n"
    "out = ffi.new('uint8_t[32]')\n"
    "rc = lib.argon2_hash(2, 256, 2, b'password', 8, b'somesalt', 8, out, 32,"
    " ffi.NULL, 0, lib.Argon2_id, lib.ARGON2_VERSION_13)\n"
    "assert rc == lib.ARGON2_OK, rc\n"
    "assert bytes(out).hex() == "
    "'6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037'\n"
)

SDISTS: tuple[Sdist, ...] = (
    Sdist(
        "xxhash", "4.1.0", "setuptools",
        "c9b288e4c1f5dae54417bc8a05e6f6daf505783d916b4783f4dd2f2e7d5db486",
        _so("xxhash._xxhash") + "import xxhash\n"
        "assert xxhash.xxh64_intdigest(b'') == 0xEF46DB3751D8E999\n"
        "assert xxhash.xxh3_64_intdigest(b'') == 0x2D06800538D394C2\n"
        "assert xxhash.xxh64_hexdigest(b'zigcc') == '42fc5e090e3b3b10'\n",
        notes="plain C, vendored libxxhash; setup.py adds xxh_x86dispatch.c when "
              "sysconfig.get_platform() names x86 (wrong platform -> x86 code for aarch64)",
    ),
    Sdist(
        "pyrsistent", "0.20.0", "setuptools",
        "4c48f78f62ab596c679086084d0dd13254ae4f3d6c72a83ffdf5ebdef8f265a4",
        _so("pvectorc") + "from pyrsistent import pvector\n"
        "v = pvector(range(100)).set(5, 'x')\n"
        "assert type(v).__module__ == 'pvectorc' and v[5] == 'x' and len(v) == 100\n",
        notes="plain C; cmdclass is a distutils.command.build_ext subclass that swallows "
              "compile errors (silent pure-Python fallback)",
    ),
    Sdist(
        "markupsafe", "3.0.4", "setuptools",
        "2e9ad7dd851bf45fab9f75cbff4cb493fee9979e8d8c7c9c3ee119022518edd6",
        _so("markupsafe._speedups") + "import markupsafe\n"
        "assert markupsafe._escape_inner.__module__ == 'markupsafe._speedups'\n"
        "assert str(markupsafe.escape('<a href=\"x\">&</a>')) == "
        "'&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;'\n",
        notes="plain C; setuptools build_ext subclass that turns compile errors into a "
              "warning (silent pure-Python fallback)",
    ),
    Sdist(
        "cytoolz", "1.2.0", "setuptools",
        "fdd8ded8a93e1be009577fccddaacf78aa21cbe7dc6ec53c229def0198a1ffa5",
        _so("cytoolz.itertoolz") + "import cytoolz\n"
        "assert cytoolz.frequencies('abracadabra') == "
        "{'a': 5, 'b': 2, 'r': 2, 'c': 1, 'd': 1}\n"
        "assert list(cytoolz.sliding_window(2, [1, 2, 3])) == [(1, 2), (2, 3)]\n",
        runtime_deps=("toolz==1.2.0",),
        notes="Cython in build-system.requires; setup.py re-cythonizes all 5 .pyx at build",
    ),
    Sdist(
        "frozenlist", "1.8.0", "setuptools",
        "3ede829ed8d842f6cd48fc7081d7a41001a56f1f38603f9d49bf3020d59a31ad",
        _so("frozenlist._frozenlist") + "import frozenlist\n"
        "assert frozenlist.FrozenList is _m.FrozenList\n"
        "f = frozenlist.FrozenList([1, 2]); f.freeze()\n"
        "assert f.frozen and hash(f) == hash((1, 2))\n",
        notes="in-tree PEP 517 backend wrapping setuptools.build_meta; asks for Cython "
              "dynamically and cythonizes before build_ext",
    ),
    Sdist(
        "argon2-cffi-bindings", "25.1.0", "setuptools",
        "b957f3e6ea4d55d820e40ff76f450952807013d361a65d7f28acc0acbf29229d",
        ARGON2_SMOKE, runtime_deps=("cffi==2.1.1",),
        notes="cffi_modules=; _ffi_build.py picks SSE2 opt.c when platform.machine() is "
              "x86 (unless ARCHFLAGS/ARGON2_CFFI_USE_SSE2); abi3 wheel (cp311-abi3)",
    ),
    Sdist(
        "cmarkgfm", "2025.10.22", "setuptools",
        "5bec61007b65b919488442c838c58a6c8bf4741f5103c593b2ef180d39818eda",
        _so("cmarkgfm._cmark") + "import cmarkgfm\n"
        "assert cmarkgfm.github_flavored_markdown_to_html('~~x~~ *y*') == "
        "'<p><del>x</del> <em>y</em></p>\\n'\n",
        runtime_deps=("cffi==2.1.1",),
        notes="cffi_modules=, vendored cmark-gfm C (about 40 files); abi3 .so",
    ),
    Sdist(
        "brotlicffi", "1.2.1.0", "setuptools",
        "5d0b89e959f643aab4c58c15c06e1e87b6f6605e5e88c3c1c28f5ce1c58c4e5f",
        _so("brotlicffi._brotlicffi") + "import brotlicffi\n"
        "assert brotlicffi.compress(b'hello') == b'\\x0b\\x02\\x80hello\\x03'\n"
        "d = b'zigcc ' * 1000; assert brotlicffi.decompress(brotlicffi.compress(d)) == d\n",
        runtime_deps=("cffi==2.1.1",),
        notes="cffi_modules=; build_ext subclass runs build_clib first: vendored brotli "
              "as a static lib (uses AR/RANLIB); looks at sysconfig Py_GIL_DISABLED",
    ),
    Sdist(
        "argon2-cffi-bindings", "26.2.0", "scikit-build-core",
        "f21ab89bb9850f32b9ca038d9961424bb0d3669d579cbbbfed068cffa6fc0643",
        ARGON2_SMOKE, runtime_deps=("cffi==2.1.1",),
        notes="C only, cffi source checked in; CMake picks SSE2 opt.c + -msse2 from "
              "CMAKE_SYSTEM_PROCESSOR; FindPython Development.Module, abi3 (cp310-abi3)",
    ),
    Sdist(
        "levenshtein", "0.27.5", "scikit-build-core",
        "22021caf5867a46fae5ab927bbdcb430599d7e5ee3898449cbbe430ff07b7d08",
        _so("Levenshtein.levenshtein_cpp") + "import Levenshtein\n"
        "assert Levenshtein.distance('kitten', 'sitting') == 3\n"
        "assert Levenshtein.median(['SpSm', 'mpamm', 'Spam', 'Spa', 'Sua', 'hSam']) "
        "== 'Spam'\n",
        runtime_deps=("rapidfuzz==3.13.0",),
        notes="C++ (Cython-generated .cxx shipped, vendored rapidfuzz-cpp); "
              "python_add_library WITH_SOABI (needs the target's SOABI)",
    ),
    Sdist(
        "spglib", "2.8.0", "scikit-build-core",
        "12a224434b5659793353937625fd7eb91c00c8952c18ca729a7a8117b1e29e8f",
        _so("spglib._spglib") + "import spglib\n"
        "maps = open('/proc/self/maps').read()\n"
        "assert '/spglib/lib/libsymspg.so.2' in maps, 'libsymspg.so.2 not from the wheel'\n"
        "assert spglib.spg_get_version() == '2.8.0', spglib.spg_get_version()\n"
        "bcc = ([[3, 0, 0], [0, 3, 0], [0, 0, 3]], [[0, 0, 0], [0.5, 0.5, 0.5]], [1, 1])\n"
        "assert spglib.get_spacegroup(bcc) == 'Im-3m (229)', spglib.get_spacegroup(bcc)\n"
        "rutile = ([[4.6, 0, 0], [0, 4.6, 0], [0, 0, 2.95]], [[0, 0, 0], [0.5, 0.5, 0.5], "
        "[0.3, 0.3, 0], [0.7, 0.7, 0], [0.2, 0.8, 0.5], [0.8, 0.2, 0.5]], [1, 1, 2, 2, 2, 2])\n"
        "assert spglib.get_spacegroup(rutile) == 'P4_2/mnm (136)', spglib.get_spacegroup(rutile)\n",
        runtime_deps=("numpy==2.2.6", "typing-extensions==4.12.2"),
        notes="pybind11 C++ module linking the C library libsymspg.so.2, which CMake builds "
              "(add_subdirectory) and installs in spglib/lib/: the module finds it through "
              "RUNPATH $ORIGIN/lib, a library the wheel ships itself (as auditwheel accepts)",
    ),
    Sdist(
        "mapbox-earcut", "2.1.0", "scikit-build-core",
        "fb0c1e43581a635bbaabf4a5149009014d370c515816c4d5a7d8118477f28d48",
        _so("mapbox_earcut._core") + "import numpy as np, mapbox_earcut as e\n"
        "v = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float32)\n"
        "t = e.triangulate_float32(v, np.array([4], dtype=np.uint32))\n"
        "assert t.tolist() == [2, 3, 0, 2, 0, 1], t\n",
        runtime_deps=("numpy==2.2.6",),
        notes="nanobind C++",
        cross_blocker="nanobind_add_stub imports the freshly built module with the build "
                      "machine's interpreter to write type stubs: the aarch64 module cannot be "
                      "imported there ('No module named _core'); only a target interpreter "
                      "(under emulation) could run that step",
    ),
    Sdist(
        "contourpy", "1.3.3", "meson-python",
        "083e12155b210502d0bca491432bb04d56dc3432f95a979b429f2848c3dbe880",
        _so("contourpy._contourpy") + "import numpy as np, contourpy\n"
        "z = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float)\n"
        "lines = contourpy.contour_generator(z=z).lines(0.5)\n"
        "assert len(lines) == 1 and lines[0].tolist() == "
        "[[0.5, 1], [1, 0.5], [1.5, 1], [1, 1.5], [0.5, 1]]\n",
        runtime_deps=("numpy==2.2.6",),
        notes="pybind11 C++ (meson dependency('pybind11')); the slowest: 33-59 s",
    ),
    Sdist(
        "scikit-fmm", "2025.6.23", "meson-python",
        "a3208f5f3881e40b7878d1121ba39b8d57f1bc38fb4e5f0d9d1c66a9b007e44f",
        _so("skfmm.cfmm") + "import numpy as np, skfmm\n"
        "phi = np.arange(-5, 6, dtype=float) + 0.5\n"
        "assert np.allclose(skfmm.distance(phi), phi)\n",
        runtime_deps=("numpy==2.2.6",),
        notes="C++ against the NumPy C API; numpy is a build requirement, include dir "
              "from meson property numpy-include-dir or run_command(py, np.get_include())",
    ),
    Sdist(
        "crc32c", "2.9.post0", "setuptools",
        "6a089e0340de8438e836a09e613c6b541675d0f3aa92b3fe34295aaba62f014f",
        _so("crc32c._crc32c") + "import crc32c\n"
        "assert crc32c.hardware_based is True, 'the software path was chosen'\n"
        "assert crc32c.crc32c(b'123456789') == 0xE3069283\n"
        # 5000 bytes: the 1024-byte blocks whose four lanes vmull_p64 merges, then the tail.
        "data = bytes((i * 131 + 7) & 255 for i in range(5000))\n"
        "crc = 0xFFFFFFFF\n"
        "for b in data:\n"
        "    crc ^= b\n"
        "    for _ in range(8):\n"
        "        crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))\n"
        "assert crc32c.crc32c(data) == crc ^ 0xFFFFFFFF\n"
        "assert crc32c.crc32c(data[1000:], crc32c.crc32c(data[:1000])) == crc ^ 0xFFFFFFFF\n",
        notes="plain C; crc32c_arm64.c enables crc and pmull with #pragma GCC target"
              "(\"+crc+crypto\"), which clang ignores (the shims enable those features for "
              "every file, their macros undefined); hardware_based: getauxval(AT_HWCAP)",
    ),
)


# Not in SDISTS: its C extension needs libyaml, which the target lacks until a before-all step
# builds it (tests/builds/test_missing_library.py); without it the build falls back to pure
# Python and the wheel is refused.
PYYAML = Sdist(
    "pyyaml", "6.0.4", "setuptools",
    "e24bf71af8a432d7808fabff134d38dfe16d3cbb41f2873bb4b1e42422de0a1a",
    _so("yaml._yaml") + "import yaml\n"
    "assert yaml.__with_libyaml__ and yaml.CLoader.__module__ == 'yaml.cyaml'\n"
    "doc = {'name': 'zigcc', 'arches': ['aarch64', 's390x'], 'n': 3, 'f': 1.5, 'ok': True}\n"
    "text = yaml.dump(doc, Dumper=yaml.CDumper)\n"
    "assert yaml.load(text, Loader=yaml.CLoader) == doc, text\n"
    "assert yaml.load('a: [1, 2]', Loader=yaml.CLoader) == {'a': [1, 2]}\n",
    notes="in-tree PEP 517 backend over setuptools; Cython-built yaml._yaml links -lyaml and is "
          "skipped (pure-Python fallback) when yaml.h is missing",
)

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cached(s: Sdist, folder: Path) -> Path | None:
    stem = re.sub(r"[-_.]+", "_", s.name).lower()
    for path in folder.glob("*.tar.gz"):
        base = path.name[: -len(".tar.gz")]
        name, _, version = base.rpartition("-")
        if re.sub(r"[-_.]+", "_", name).lower() == stem and version == s.version:
            return path
    return None


def ensure_sdist(s: Sdist, cache: Path | None = None) -> Path:
    """Return the cached sdist of ``s``, downloading it first when missing.

    The file is found through PyPI's simple index (PEP 691 JSON) and fetched directly:
    ``pip download`` would run the build backend to prepare metadata. Raises RuntimeError
    when the download fails or the sha256 differs.
    """
    if cache is None:
        root = os.environ.get("ZIGCC_TEST_CACHE")
        base = Path(root) if root else Path.home() / ".cache" / "zigcc-tests"
        cache = base / "sdists"
    cache.mkdir(parents=True, exist_ok=True)
    path = _cached(s, cache)
    if path is None:
        path = _download(s, cache)
    actual = _sha256(path)
    if actual != s.sha256:
        raise RuntimeError(f"{path}: sha256 {actual}, expected {s.sha256}")
    return path


def _download(s: Sdist, cache: Path) -> Path:
    index = f"https://pypi.org/simple/{re.sub(r'[-_.]+', '-', s.name).lower()}/"
    request = urllib.request.Request(index, headers={
        "Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    for entry in files:
        if entry.get("hashes", {}).get("sha256") == s.sha256:
            with urllib.request.urlopen(entry["url"], timeout=300) as response:
                data = response.read()
            dest = cache / entry["filename"]
            tmp = dest.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(dest)
            return dest
    raise RuntimeError(f"{index}: no file of {s.id} with sha256 {s.sha256}")
