"""wheelcheck.problems on real zig-built shared objects packed into small wheels."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from zigcc.errors import ZigccError
from zigcc.target.model import parse
from zigcc.verify.wheelcheck import problems, wheel_elves

# The target interpreter's importlib.machinery.EXTENSION_SUFFIXES (Debian arm64 CPython 3.11).
AARCH64_SUFFIXES = (".cpython-311-aarch64-linux-gnu.so", ".abi3.so", ".so")
MODULE_C = """#include <stdlib.h>
#include <string.h>
void *PyInit_m(void) { return malloc(strlen("m") + 1); }
"""
NEW_GLIBC_C = """#include <sys/random.h>
void *PyInit_m(void) { static char b[4]; getrandom(b, 4, 0); return b; }
"""
# name -> (target, source, extra link arguments)
BUILDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "aarch64": ("manylinux_2_17_aarch64", MODULE_C, ()),
    "x86_64": ("manylinux_2_17_x86_64", MODULE_C, ()),
    "musl": ("musllinux_1_2_x86_64", MODULE_C, ()),
    "glibc225": ("manylinux_2_28_aarch64", NEW_GLIBC_C, ()),
    "needs_foo": ("manylinux_2_17_aarch64", MODULE_C + "int foo(void);\nint g(void) "
                  "{ return foo(); }\n", ("-L.", "-lfoo")),
}


def record_line(name: str, data: bytes) -> list[str]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def make_wheel(folder: Path, filename: str, files: dict[str, bytes], *,
               tags: Sequence[str] | None = None, meta: str | None = None,
               unrecorded: Sequence[str] = (), wrong_hash: Sequence[str] = (),
               duplicate: Sequence[str] = ()) -> Path:
    """A wheel with WHEEL and RECORD; ``tags`` default to the file name's, expanded."""
    parts = filename[:-4].split("-")
    if tags is None:
        tags = [f"{py}-{abi}-{plat}" for py in parts[-3].split(".")
                for abi in parts[-2].split(".") for plat in parts[-1].split(".")]
    meta = meta or f"{parts[0]}-{parts[1]}.dist-info"
    wheel_file = ("Wheel-Version: 1.0\nGenerator: zigcc-tests\nRoot-Is-Purelib: false\n"
                  + "".join(f"Tag: {t}\n" for t in tags)).encode()
    members = {**files, f"{meta}/WHEEL": wheel_file}
    rows = [record_line(n, d + b"x" if n in wrong_hash else d) for n, d in members.items()
            if n not in unrecorded]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([*rows, [f"{meta}/RECORD", "", ""]])
    members[f"{meta}/RECORD"] = text.getvalue().encode()
    path = folder / filename
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of one case
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2020, 2, 2, 0, 0, 0)), data,
                        zipfile.ZIP_DEFLATED)
            if name in duplicate:
                zf.writestr(name, b"other")
    return path


def zigcc_cc(target: str, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "zigcc", "which", "cc", "--target", target],
                         capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, real_zig: Path) -> dict[str, bytes]:
    """Real shared objects from the zig shims, one per BUILDS entry."""
    folder = tmp_path_factory.mktemp("sos")
    env = {**os.environ, "ZIGCC_CACHE_DIR": str(folder / "cache")}
    (folder / "foo.c").write_text("int foo(void) { return 1; }\n")
    cc = zigcc_cc("manylinux_2_17_aarch64", env)
    subprocess.run([cc, "-shared", "-fPIC", "foo.c", "-Wl,-soname,libfoo.so", "-o",
                    "libfoo.so"], cwd=folder, check=True)
    out = {}
    for name, (target, source, link) in BUILDS.items():
        (folder / f"{name}.c").write_text(source)
        subprocess.run([zigcc_cc(target, env), "-O2", "-shared", "-fPIC", f"{name}.c",
                        *link, "-o", f"{name}.so"], cwd=folder, check=True)
        out[name] = (folder / f"{name}.so").read_bytes()
    return out


@dataclass(frozen=True)
class Case:
    id: str
    filename: str
    files: dict[str, str]  # member -> a BUILDS name, or "text:<content>"
    words: tuple[str, ...] = ()  # each appears in the report; () = no problems
    target: str = "manylinux_2_17_aarch64"
    suffixes: tuple[str, ...] | None = None
    options: dict[str, object] = field(default_factory=dict)


M = "m-1.0-cp311-cp311-"
A64 = "m.cpython-311-aarch64-linux-gnu.so"
PY = {"m/__init__.py": "text:x = 1\n"}
CASES = [
    Case("good", M + "manylinux_2_17_aarch64.manylinux2014_aarch64.whl", {A64: "aarch64"}),
    Case("good with the target's suffixes", M + "manylinux_2_17_aarch64.whl",
         {A64: "aarch64"}, suffixes=AARCH64_SUFFIXES),
    Case("good linux_ tag (what retag takes)", M + "linux_aarch64.whl", {A64: "aarch64"}),
    Case("good abi3", "m-1.0-cp311-abi3-manylinux_2_17_aarch64.whl", {"m.abi3.so": "aarch64"},
         suffixes=AARCH64_SUFFIXES),
    Case("good in platlib", M + "manylinux_2_17_aarch64.whl",
         {"m-1.0.data/platlib/" + A64: "aarch64"}),
    Case("good: bundled library folder is not imported", M + "manylinux_2_17_aarch64.whl",
         {A64: "aarch64", "m.libs/libx.cpython-311-x86_64-linux-gnu.so": "aarch64"}),
    Case("good musl", M + "musllinux_1_2_x86_64.whl",
         {"m.cpython-311-x86_64-linux-musl.so": "musl"}, target="musllinux_1_2_x86_64"),
    Case("good pure", "p-1.0-py3-none-any.whl", PY),
    Case("x86_64 suffix in an aarch64 wheel", M + "manylinux_2_17_aarch64.whl",
         {"m.cpython-311-x86_64-linux-gnu.so": "aarch64"},
         ("m.cpython-311-x86_64-linux-gnu.so", "for x86_64-linux-gnu", "does not import")),
    Case("x86_64 suffix, target suffixes given", M + "manylinux_2_17_aarch64.whl",
         {"m.cpython-311-x86_64-linux-gnu.so": "aarch64"},
         ("suffix .cpython-311-x86_64-linux-gnu.so is not one",), suffixes=AARCH64_SUFFIXES),
    Case("x86_64 suffix in platlib", M + "manylinux_2_17_aarch64.whl",
         {"m-1.0.data/platlib/m.cpython-311-x86_64-linux-gnu.so": "aarch64"},
         ("for x86_64-linux-gnu",)),
    Case("glibc suffix in a musllinux wheel", M + "musllinux_1_2_x86_64.whl",
         {"m.cpython-311-x86_64-linux-gnu.so": "musl"}, ("x86_64-linux-musl",),
         target="musllinux_1_2_x86_64"),
    Case(".pyd on linux", M + "manylinux_2_17_aarch64.whl", {"m.pyd": "aarch64"},
         (".pyd file",)),
    Case("module for another CPython", M + "manylinux_2_17_aarch64.whl",
         {"m.cpython-312-aarch64-linux-gnu.so": "aarch64"}, ("cp312 ABI", "cp311")),
    Case("abi3 wheel with a 3.11-only module", "m-1.0-cp311-abi3-manylinux_2_17_aarch64.whl",
         {A64: "aarch64"}, ("cp311 ABI only", "abi3")),
    Case("file named after another module", M + "manylinux_2_17_aarch64.whl",
         {"n.cpython-311-aarch64-linux-gnu.so": "aarch64"}, ("not PyInit_n", "import n")),
    Case("platform tag without compiled code", "p-1.0-py3-none-manylinux_2_17_aarch64.whl",
         PY, ("no compiled code", "py3-none-any")),
    Case("any with compiled code", "m-1.0-py3-none-any.whl", {"m.so": "aarch64"},
         ("tagged any", "compiled", "manylinux_2_17_aarch64")),
    Case("wrong machine", M + "manylinux_2_17_aarch64.whl", {A64: "x86_64"},
         ("EM_X86_64", "expected EM_AARCH64")),
    Case("tag for another arch", M + "linux_x86_64.whl", {A64: "aarch64"},
         ("platform tags ['linux_x86_64'] are not ones",)),
    Case("glibc too new", M + "manylinux_2_17_aarch64.whl", {A64: "glibc225"},
         ("needs GLIBC_2.25, above manylinux_2_17_aarch64",)),
    Case("glibc too new for the target, linux_ tag", M + "linux_aarch64.whl",
         {A64: "glibc225"}, ("GLIBC_2.25, above manylinux_2_17_aarch64",)),
    Case("library outside the policy", M + "manylinux_2_17_aarch64.whl", {A64: "needs_foo"},
         ("links libfoo.so", "auditwheel repair")),
    Case("musl libc in a manylinux wheel", M + "manylinux_2_17_x86_64.whl",
         {"m.cpython-311-x86_64-linux-gnu.so": "musl"}, ("libc.so, musl's", "musllinux_1_2"),
         target="manylinux_2_17_x86_64"),
    Case("glibc in a musllinux wheel", M + "musllinux_1_2_x86_64.whl",
         {"m.cpython-311-x86_64-linux-musl.so": "x86_64"}, ("libc.so.6", "glibc's"),
         target="musllinux_1_2_x86_64"),
    Case("WHEEL tags disagree", M + "manylinux_2_17_aarch64.whl", {A64: "aarch64"},
         ("WHEEL says cp311-cp311-linux_x86_64", "retag"),
         options={"tags": ["cp311-cp311-linux_x86_64"]}),
    Case("WHEEL without tags", "p-1.0-py3-none-any.whl", PY, ("no Tag lines",),
         options={"tags": []}),
    Case("dist-info of another project", "p-1.0-py3-none-any.whl", PY,
         ("q-1.0.dist-info does not match",), options={"meta": "q-1.0.dist-info"}),
    Case("member changed after the build", "p-1.0-py3-none-any.whl", PY,
         ("m/__init__.py: its sha256 differs from RECORD",),
         options={"wrong_hash": ["m/__init__.py"]}),
    Case("member missing from RECORD", "p-1.0-py3-none-any.whl", PY,
         ("m/__init__.py is not listed in RECORD",), options={"unrecorded": ["m/__init__.py"]}),
    Case("member twice", "p-1.0-py3-none-any.whl", PY, ("holds m/__init__.py twice",),
         options={"duplicate": ["m/__init__.py"]}),
]


def _param(case: Case) -> object:
    zig = any(not v.startswith("text:") for v in case.files.values())
    return pytest.param(case, id=case.id, marks=[pytest.mark.slow] if zig else [])


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_problems(case: Case, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    needs_zig = any(not v.startswith("text:") for v in case.files.values())
    sos: dict[str, bytes] = request.getfixturevalue("built") if needs_zig else {}
    files = {n: v[5:].encode() if v.startswith("text:") else sos[v]
             for n, v in case.files.items()}
    wheel = make_wheel(tmp_path, case.filename, files, **case.options)  # type: ignore[arg-type]
    found = problems(wheel, parse(case.target), case.suffixes)
    if not case.words:
        assert found == []
        return
    report = "\n".join(found)
    for word in case.words:
        assert word in report, report
    assert all(line.startswith(wheel.name + ": ") for line in found)
    assert len(found) == len(set(found))


@pytest.mark.slow
def test_elves_of_a_real_module(built: dict[str, bytes], tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, M + "manylinux_2_17_aarch64.whl", {A64: built["aarch64"]})
    (elf,) = wheel_elves(wheel)
    assert (elf.machine, elf.elf_type, elf.pyinit) == ("EM_AARCH64", "ET_DYN", ("PyInit_m",))
    assert elf.needed == ("libc.so.6",) and elf.max_glibc == (2, 17)
    musl = make_wheel(tmp_path, M + "musllinux_1_2_x86_64.whl", {"m.so": built["musl"]})
    assert wheel_elves(musl)[0].needed == ("libc.so",)


def _not_zip(p: Path) -> None:
    p.write_text("this is not a zip\n")


def _truncated(p: Path) -> None:
    make_wheel(p.parent, p.name, {"m/__init__.py": b"x = 1\n" * 1000})
    p.write_bytes(p.read_bytes()[:200])


def _damaged_member(p: Path) -> None:
    make_wheel(p.parent, p.name, {"m/__init__.py": b"x = 1\n" * 1000})
    data = bytearray(p.read_bytes())
    start = data.index(b"m/__init__.py") + len(b"m/__init__.py")
    data[start + 5:start + 25] = b"\xff" * 20
    p.write_bytes(bytes(data))


def _no_wheel_file(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("m/__init__.py", "x = 1\n")


BAD_INPUT = [
    ("p-1.0-py3-none-any.whl", _not_zip, "not a readable zip archive"),
    ("p-1.0-py3-none-any.whl", _truncated, "not a readable zip archive"),
    ("p-1.0-py3-none-any.whl", _damaged_member, "member m/__init__.py is damaged"),
    ("p-1.0-py3-none-any.whl", _no_wheel_file, "no <name>.dist-info/WHEEL file"),
    ("p.whl", _no_wheel_file, "Invalid wheel filename"),
    ("p-x.y-py3-none-any.whl", _no_wheel_file, "invalid version"),
]


@pytest.mark.parametrize(("name", "make", "words"), BAD_INPUT,
                         ids=[b[1].__name__.strip("_") + "-" + b[0] for b in BAD_INPUT])
def test_bad_input_raises_one_line(name: str, make: object, words: str,
                                   tmp_path: Path) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    with pytest.raises(ZigccError) as info:
        problems(path, parse("manylinux_2_17_aarch64"))
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert words in message and "; " in message


def test_universal2_target_is_verified_not_refused(tmp_path: Path) -> None:
    """universal2 has no single arch (Target.info raises) yet its wheels are checked."""
    wheel = make_wheel(tmp_path, "p-1.0-py3-none-any.whl", {"p.py": b""})
    assert problems(wheel, parse("macosx_11_0_universal2")) == []
    tagged = make_wheel(tmp_path, "p-1.0-py3-none-macosx_11_0_universal2.whl", {"p.py": b""})
    (line,) = problems(tagged, parse("macosx_11_0_universal2"))
    assert "holds no compiled code (no Mach-O file)" in line
