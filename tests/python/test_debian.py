"""The foreign-architecture Debian interpreters that cross-build tests run extensions in.

Every ``(suite, arch)`` row of ``debian_sysroots.SUITES``, made by conftest's ``debian_python``
fixture; rows the mirror no longer carries (bullseye ppc64el and s390x on deb.debian.org) are
skipped with the reason.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import debian_index
import debian_sysroots
import pytest
from conftest import DebianPythons
from debian_sysroots import (
    ARCHES,
    DEFAULT_SUITES,
    SUITES,
    DebianPython,
    DebianPythonError,
    DebianUnavailableError,
    ensure_python,
)

PROBE = r"""
import ctypes, importlib.machinery, json, platform, struct, sys, sysconfig
libc = ctypes.CDLL(None)
values = (ctypes.c_int * 5)(5, 1, 4, 2, 3)
compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
libc.qsort(values, 5, ctypes.sizeof(ctypes.c_int), compare(lambda a, b: a[0] - b[0]))
print(json.dumps({
    "machine": platform.machine(),
    "byteorder": sys.byteorder,
    "pointer": struct.calcsize("P"),
    "void_p": ctypes.sizeof(ctypes.c_void_p),
    "maxsize": sys.maxsize,
    "version": list(sys.version_info[:2]),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "extension_suffixes": importlib.machinery.EXTENSION_SUFFIXES,
    "multiarch": sysconfig.get_config_var("MULTIARCH"),
    "sorted": list(values),
    "strlen": libc.strlen(b"cross"),
    "prefix": sys.prefix,
}))
"""


# suite -> (CPython, glibc) of Debian's interpreter there
EXPECTED = {
    "bullseye": ((3, 9), (2, 31)),
    "bookworm": ((3, 11), (2, 36)),
    "trixie": ((3, 13), (2, 41)),
    "sid": ((3, 14), (2, 43)),
    "sid-3.15": ((3, 15), (2, 43)),
}
# the real pyconfig.h: Debian's python3.X/pyconfig.h only includes <MULTIARCH/python3.X/pyconfig.h>
MULTIARCH = {
    "arm64": "aarch64-linux-gnu",
    "armhf": "arm-linux-gnueabihf",
    "i386": "i386-linux-gnu",
    "ppc64el": "powerpc64le-linux-gnu",
    "s390x": "s390x-linux-gnu",
    "riscv64": "riscv64-linux-gnu",
    "amd64": "x86_64-linux-gnu",  # sid rows only
}
ROWS = sorted(SUITES, key=lambda key: (list(EXPECTED).index(key[0]), key[1]))


@pytest.fixture(scope="module", params=ROWS, ids=[f"{suite}-{arch}" for suite, arch in ROWS])
def target(request: pytest.FixtureRequest, debian_python: DebianPythons) -> DebianPython:
    suite, arch = request.param
    return debian_python(arch, suite)  # skips with the reason when the mirror lacks the row


def test_table() -> None:
    """Six trixie rows, five bullseye and bookworm rows; the defaults are unchanged."""
    assert {arch for suite, arch in SUITES if suite == "trixie"} == set(MULTIARCH) - {"amd64"}
    for suite in ("bullseye", "bookworm"):
        assert {arch for name, arch in SUITES if name == suite} == set(MULTIARCH) - {
            "riscv64", "amd64"}
    for suite in ("sid", "sid-3.15"):
        assert {arch for name, arch in SUITES if name == suite} == set(MULTIARCH)
    defaults = {**dict.fromkeys(MULTIARCH, "bookworm"), "riscv64": "trixie", "amd64": "sid"}
    assert defaults == DEFAULT_SUITES
    for arch, row in ARCHES.items():
        assert row is SUITES[DEFAULT_SUITES[arch], arch] is debian_sysroots.spec(arch)
    for (suite, arch), row in SUITES.items():
        assert (row.suite, row.arch, row.multiarch) == (suite, arch, MULTIARCH[arch])
        assert (row.version, row.glibc) == EXPECTED[suite]
        assert debian_sysroots.spec(arch, suite) is row
        assert debian_sysroots._sysroot(arch, None, suite).base.name == f"{suite}-{arch}"


def test_unknown_suite_is_an_error() -> None:
    with pytest.raises(DebianPythonError, match="no Debian suite 'buster' for arm64"):
        ensure_python("arm64", suite="buster")
    with pytest.raises(DebianPythonError, match="no Debian suite 'bookworm' for riscv64"):
        debian_sysroots.spec("riscv64", "bookworm")


def test_missing_architecture_is_unavailable() -> None:
    release = "Codename: bullseye\nArchitectures: all amd64 arm64 armhf i386\nComponents: main\n"
    debian_index.check_architecture(release, "bullseye", "arm64", "http://mirror/debian")
    with pytest.raises(DebianUnavailableError, match="ZIGCC_DEBIAN_MIRROR_BULLSEYE"):
        debian_index.check_architecture(release, "bullseye", "s390x", "http://mirror/debian")
    debian_index.check_architecture("Codename: sid\n", "sid", "s390x", "http://mirror/debian")


def test_missing_pool_files_are_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .deb the index names but the pool answers 404 for: every one is named, then a skip."""
    sha = hashlib.sha256(b"deb").hexdigest()
    index = {
        "top": {"Package": "top", "Depends": "lib1, lib2", "Filename": "pool/top_1.deb"},
        "lib1": {"Package": "lib1", "Filename": "pool/lib1_1.deb"},
        "lib2": {"Package": "lib2", "Filename": "pool/lib2_1.deb"},
    }
    for stanza in index.values():
        stanza["SHA256"] = sha

    def fetch(url: str) -> bytes:
        if "lib" in url:
            raise DebianUnavailableError(f"{url}: 404 Not Found")
        return b"deb"

    monkeypatch.setattr(debian_index, "_packages_index", lambda *args: index)
    monkeypatch.setattr(debian_index, "_fetch", fetch)
    (tmp_path / "archives").mkdir()
    with pytest.raises(DebianUnavailableError, match=r"lacks 2 of the 3 .debs.*lib1_1.deb, lib2_1"):
        debian_index.download_direct(
            ["top"], "trixie", "s390x", tmp_path, tmp_path / "archives", tmp_path / "status"
        )


def test_suite_mirror_overrides_the_general_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZIGCC_DEBIAN_MIRROR", "http://general/debian/")
    monkeypatch.setenv("ZIGCC_DEBIAN_MIRROR_BULLSEYE", "http://archive/debian/")
    assert debian_sysroots.debian_mirror("bullseye") == "http://archive/debian"
    assert debian_sysroots.debian_mirror("trixie") == debian_sysroots.debian_mirror() == "http://general/debian"


@pytest.mark.slow
def test_interpreter_is_the_target(target: DebianPython) -> None:
    spec = target.spec
    result = target.run("-c", PROBE, timeout=300)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["machine"] == spec.machine
    assert info["byteorder"] == spec.byteorder
    assert info["pointer"] == info["void_p"] == spec.pointer_size
    assert info["maxsize"] == 2 ** (8 * spec.pointer_size - 1) - 1
    assert tuple(info["version"]) == target.version == spec.version == EXPECTED[target.suite][0]
    assert info["sorted"] == [1, 2, 3, 4, 5]  # a ctypes callback: libffi closures work
    assert info["strlen"] == 5
    assert info["prefix"] == str(target.root / "usr")
    major, minor = target.version
    assert info["multiarch"] == spec.multiarch
    assert info["ext_suffix"] == f".cpython-{major}{minor}-{spec.multiarch}.so" == target.ext_suffix
    assert info["extension_suffixes"][0] == target.ext_suffix


@pytest.mark.slow
def test_headers_match_the_target(target: DebianPython) -> None:
    spec = target.spec
    assert spec is debian_sysroots.SUITES[target.suite, target.arch]
    python_h, pyconfig_dir = target.include_dirs
    assert (python_h / "Python.h").is_file()
    pyconfig = (pyconfig_dir / "pyconfig.h").read_text()
    assert f"#define SIZEOF_VOID_P {target.spec.pointer_size}" in pyconfig
    assert f"#define DOUBLE_IS_{target.spec.byteorder.upper()}_ENDIAN_IEEE754 1" in pyconfig
    assert target.cflags[-2:] == ["-idirafter", str(target.root / "usr/include")]
    wrapper = (python_h / "pyconfig.h").read_text()  # Debian's: includes the multiarch one
    assert (
        f"<{target.multiarch}/python{target.version[0]}.{target.version[1]}/pyconfig.h>" in wrapper
    )
    assert target.glibc == spec.glibc == EXPECTED[target.suite][1]
    assert target.manylinux_platform_tag == "manylinux_{}_{}_{}".format(*spec.glibc, spec.machine)
    version = "python{}.{}".format(*target.version)
    real = target.root / "usr/include" / MULTIARCH[target.arch] / version / "pyconfig.h"
    assert pyconfig_dir / "pyconfig.h" == real


def _pure_wheel(folder: Path) -> Path:
    wheel = folder / "zigcc_probe-1.0-py3-none-any.whl"
    files = {
        "zigcc_probe.py": "ANSWER = 42\n",
        "zigcc_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: zigcc-probe\nVersion: 1.0\n",
        "zigcc_probe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},,\n" for name in files) + "zigcc_probe-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in {**files, "zigcc_probe-1.0.dist-info/RECORD": record}.items():
            archive.writestr(name, text)
    return wheel


@pytest.mark.slow
def test_wheel_installed_by_the_build_pip(target: DebianPython, tmp_path: Path) -> None:
    """The flow cross tests use: the build machine's pip fills a --target dir for the target."""
    site = tmp_path / "site"
    argv = [
        sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet",
        "--disable-pip-version-check", "--target", str(site),
        "--platform", target.manylinux_platform_tag, "--platform", target.linux_platform_tag,
        "--python-version", "{}.{}".format(*target.version), "--only-binary=:all:",
        str(_pure_wheel(tmp_path)),
    ]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True, text=True)
    code = "import zigcc_probe, platform; print(zigcc_probe.ANSWER, platform.machine())"
    result = target.run("-c", code, env={"PYTHONPATH": str(site)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["42", target.machine]


@pytest.mark.slow
def test_host_python_variables_do_not_leak(
    target: DebianPython, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONHOME", "/nonexistent")
    monkeypatch.setenv("PYTHONPATH", "/nonexistent")
    result = target.run("-c", "import sys; print('/nonexistent' in sys.path)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_warm_ensure_is_cheap(target: DebianPython) -> None:
    started = time.monotonic()
    again = ensure_python(target.arch, suite=target.suite)
    assert time.monotonic() - started < 0.5
    assert again == target
    if DEFAULT_SUITES[target.arch] == target.suite:
        assert ensure_python(target.arch) == target


@pytest.mark.slow
def test_unreachable_mirror_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZIGCC_DEBIAN_MIRROR", "http://127.0.0.1:9/debian")
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setattr(debian_sysroots, "_apt_update", functools.partial(debian_sysroots._apt_update, attempts=1))
    with pytest.raises(DebianPythonError, match=r"cannot download(.|\n)*127\.0\.0\.1:9"):
        ensure_python("i386", cache=tmp_path)
    assert not (tmp_path / "bookworm-i386" / "ready.json").exists()


def test_unknown_arch_is_an_error() -> None:
    with pytest.raises(DebianPythonError, match="unknown Debian architecture"):
        ensure_python("vax")


def test_relations_parse_without_versions() -> None:
    parsed = debian_sysroots._relation("libc6 (>= 2.36), python3:any | python3-minimal [riscv64], ")
    assert parsed == [["libc6"], ["python3", "python3-minimal"]]


def test_tree_fixes(tmp_path: Path) -> None:
    (tmp_path / "usr/lib/riscv64-linux-gnu").mkdir(parents=True)
    (tmp_path / "usr/bin").mkdir()
    (tmp_path / "usr/lib/riscv64-linux-gnu/libz.so.1").write_text("")
    (tmp_path / "usr/lib/libz.so").symlink_to("/usr/lib/riscv64-linux-gnu/libz.so.1")
    debian_sysroots._fix_tree(tmp_path, ARCHES["riscv64"])
    assert os.readlink(tmp_path / "lib") == "usr/lib"
    assert os.readlink(tmp_path / "bin") == "usr/bin"
    assert not (tmp_path / "sbin").exists()
    assert os.readlink(tmp_path / "usr/lib/libz.so") == "riscv64-linux-gnu/libz.so.1"
    assert (tmp_path / "lib/libz.so").resolve() == (
        tmp_path / "usr/lib/riscv64-linux-gnu/libz.so.1"
    ).resolve()
