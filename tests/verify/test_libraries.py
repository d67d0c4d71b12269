"""Libraries a wheel ships itself (found through RUNPATH / RPATH, as CMake installs them and
as auditwheel repair writes ``<pkg>.libs/``): real aarch64 shared objects from the zig shims,
packed into small wheels, checked by wheelcheck.problems, and loaded by the real glibc loader
of Debian's arm64 CPython under qemu, which must agree on what it finds."""

from __future__ import annotations

import os
import subprocess
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DebianPythons
from test_wheelcheck import make_wheel, zigcc_cc

from zigcc.target.model import parse
from zigcc.verify import libraries
from zigcc.verify.elf import ElfInfo
from zigcc.verify.wheelcheck import problems

TARGET = "manylinux_2_17_aarch64"
MODULE = "m/_m.cpython-311-aarch64-linux-gnu.so"
LEAF_C = "int leaf(void) { return 7; }\n"
NEW_GLIBC_C = ("#include <sys/random.h>\n"
               "int leaf(void) { char b[4]; return (int)getrandom(b, 4, 0); }\n")
MID_C = "int leaf(void);\nint mid(void) { return leaf() + 1; }\n"
FOO_C = "int foo(void);\nint leaf(void) { return foo(); }\n"


@dataclass(frozen=True)
class Lib:
    """One shared object: its source, SONAME, the libraries it links (by file name), its
    search path and whether that is a DT_RUNPATH (new dtags) or a DT_RPATH."""

    source: str
    soname: str | None = None
    needs: tuple[str, ...] = ()
    path: str | None = None
    runpath: bool = True
    target: str = TARGET


def _module(*calls: str, path: str | None = None, runpath: bool = True,
            needs: tuple[str, ...] = ()) -> Lib:
    decls = "".join(f"int {c}(void);\n" for c in calls)
    body = " + ".join(f"{c}()" for c in calls)
    return Lib(f"{decls}int PyInit__m(void) {{ return {body}; }}\n", None, needs, path, runpath)


LIBS = {
    "foo": Lib("int foo(void) { return 1; }\n", "libfoo.so"),
    "leaf": Lib(LEAF_C, "libleaf.so.1"),
    "leaf_x86_64": Lib(LEAF_C, "libleaf.so.1", target="manylinux_2_17_x86_64"),
    "leaf_glibc225": Lib(NEW_GLIBC_C, "libleaf.so.1", target="manylinux_2_28_aarch64"),
    "leaf_needs_foo": Lib(FOO_C, "libleaf.so.1", ("libfoo.so",)),
    "mid_runpath": Lib(MID_C, "libmid.so.1", ("libleaf.so.1",), "$ORIGIN"),
    "mid_bare": Lib(MID_C, "libmid.so.1", ("libleaf.so.1",)),
    "mod_lib": _module("leaf", needs=("libleaf.so.1",), path="$ORIGIN/lib"),
    "mod_libs": _module("leaf", needs=("libleaf.so.1",), path="$ORIGIN/../m.libs"),
    "mod_braces": _module("leaf", needs=("libleaf.so.1",), path="${ORIGIN}"),
    "mod_bare": _module("leaf", needs=("libleaf.so.1",)),
    "mod_build_path": _module("leaf", needs=("libleaf.so.1",), path="/tmp/build/m/lib"),
    "mod_mid": _module("mid", needs=("libmid.so.1",), path="$ORIGIN/lib"),
    "mod_mid_rpath": _module("mid", needs=("libmid.so.1",), path="$ORIGIN/lib", runpath=False),
    "mod_leaf_mid": _module("leaf", "mid", needs=("libleaf.so.1", "libmid.so.1"),
                            path="$ORIGIN/lib"),
}


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str]  # member -> a LIBS name
    loads: bool  # whether glibc's loader maps the module
    words: tuple[str, ...] = ()  # each appears in wheelcheck's report; () = no problems


CASES = [
    Case("RUNPATH $ORIGIN/lib (CMake's install)",
         {MODULE: "mod_lib", "m/lib/libleaf.so.1": "leaf"}, True),
    Case("auditwheel's <pkg>.libs", {MODULE: "mod_libs", "m.libs/libleaf.so.1": "leaf"}, True),
    Case("${ORIGIN}, beside the module", {MODULE: "mod_braces", "m/libleaf.so.1": "leaf"},
         True),
    Case("a platlib .data member", {"m-1.0.data/platlib/" + MODULE: "mod_lib",
                                    "m/lib/libleaf.so.1": "leaf"}, True),
    Case("no RUNPATH: the loader does not search the module's folder",
         {MODULE: "mod_bare", "m/libleaf.so.1": "leaf"}, False,
         (f"{MODULE}: links libleaf.so.1, which the wheel holds at m/libleaf.so.1, but the "
          "loader does not look there", "-Wl,-rpath,'$ORIGIN'")),
    Case("RUNPATH to another folder", {MODULE: "mod_lib", "m.libs/libleaf.so.1": "leaf"},
         False, ("holds at m.libs/libleaf.so.1", "-Wl,-rpath,'$ORIGIN/../m.libs'")),
    Case("a RUNPATH of the build machine",
         {MODULE: "mod_build_path", "m/lib/libleaf.so.1": "leaf"}, False,
         (f"{MODULE}: RUNPATH /tmp/build/m/lib points outside the wheel: it leaks the build "
          "machine", "-Wl,-rpath,'$ORIGIN/lib'")),
    Case("a chain through the library's own RUNPATH",
         {MODULE: "mod_mid", "m/lib/libmid.so.1": "mid_runpath", "m/lib/libleaf.so.1": "leaf"},
         True),
    Case("a RUNPATH is not inherited by the library it loads",
         {MODULE: "mod_mid", "m/lib/libmid.so.1": "mid_bare", "m/lib/libleaf.so.1": "leaf"},
         False, ("m/lib/libmid.so.1: links libleaf.so.1, which the wheel holds at "
                 "m/lib/libleaf.so.1, but the loader does not look there",)),
    Case("a DT_RPATH is inherited",
         {MODULE: "mod_mid_rpath", "m/lib/libmid.so.1": "mid_bare",
          "m/lib/libleaf.so.1": "leaf"}, True),
    Case("a name the module loaded first",
         {MODULE: "mod_leaf_mid", "m/lib/libmid.so.1": "mid_bare",
          "m/lib/libleaf.so.1": "leaf"}, True),
    Case("a shipped library of another arch",
         {MODULE: "mod_lib", "m/lib/libleaf.so.1": "leaf_x86_64"}, False,
         ("m/lib/libleaf.so.1: EM_X86_64 64-bit LE, expected EM_AARCH64",)),
    Case("a shipped library needs a newer glibc",
         {MODULE: "mod_lib", "m/lib/libleaf.so.1": "leaf_glibc225"}, True,
         ("m/lib/libleaf.so.1: needs GLIBC_2.25, above manylinux_2_17_aarch64",)),
    Case("a shipped library links outside the policy",
         {MODULE: "mod_lib", "m/lib/libleaf.so.1": "leaf_needs_foo"}, False,
         ("m/lib/libleaf.so.1: links libfoo.so, outside the manylinux_2_17_aarch64 policy",)),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, real_zig: Path) -> dict[str, bytes]:
    """Every LIBS entry, compiled and linked by the zig shims."""
    folder = tmp_path_factory.mktemp("libs")
    env = {**os.environ, "ZIGCC_CACHE_DIR": str(folder / "cache")}
    compilers: dict[str, str] = {}
    link = folder / "link"  # the libraries as linked against, by file name
    link.mkdir()
    out: dict[str, bytes] = {}
    for name, lib in LIBS.items():  # each library before what links it
        cc = compilers.setdefault(lib.target, zigcc_cc(lib.target, env))
        source = folder / f"{name}.c"
        source.write_text(lib.source)
        args = [cc, "-O2", "-shared", "-fPIC", str(source), "-o", str(folder / f"{name}.so")]
        if lib.soname:
            args.append(f"-Wl,-soname,{lib.soname}")
        args += [f"-L{link}", *(f"-l:{n}" for n in lib.needs)]
        if lib.path:
            dtags = "--enable-new-dtags" if lib.runpath else "--disable-new-dtags"
            args += [f"-Wl,-rpath,{lib.path}", f"-Wl,{dtags}"]
        subprocess.run(args, cwd=folder, check=True)
        out[name] = (folder / f"{name}.so").read_bytes()
        if lib.soname and (name in ("foo", "leaf") or name.startswith("mid")):
            (link / lib.soname).write_bytes(out[name])
    return out


def _wheel(case: Case, built: dict[str, bytes], folder: Path) -> Path:
    files = {member: built[lib] for member, lib in case.files.items()}
    return make_wheel(folder, f"m-1.0-cp311-cp311-{TARGET}.whl", files)


def test_the_libraries_are_what_the_case_says(built: dict[str, bytes]) -> None:
    """The DT_NEEDED, SONAME, RUNPATH and RPATH entries the cases rely on (as linked)."""
    from zigcc.verify.elf import inspect_elf

    mod = inspect_elf("x", built["mod_mid_rpath"])
    assert mod is not None and mod.needed == ("libmid.so.1",)
    assert (mod.rpath, mod.runpath) == (("$ORIGIN/lib",), ())
    both = inspect_elf("x", built["mod_leaf_mid"])
    assert both is not None and both.needed == ("libleaf.so.1", "libmid.so.1")
    assert both.runpath == ("$ORIGIN/lib",) and both.rpath == ()
    mid = inspect_elf("x", built["mid_runpath"])
    assert mid is not None and (mid.soname, mid.runpath) == ("libmid.so.1", ("$ORIGIN",))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_library_the_wheel_ships(case: Case, built: dict[str, bytes], tmp_path: Path
                                   ) -> None:
    report = problems(_wheel(case, built, tmp_path), parse(TARGET))
    if not case.words:
        assert report == []
        return
    text = "\n".join(report)
    for word in case.words:
        assert word in text, report
    if "libfoo" not in text:  # a library found in the wheel is never outside the policy
        assert "policy" not in text, report


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_real_loader_agrees(case: Case, built: dict[str, bytes], tmp_path: Path,
                                debian_python: DebianPythons) -> None:
    """glibc's loader (Debian arm64, under qemu) maps the module exactly when the case says:
    what wheelcheck counts as found in the wheel is what the loader finds."""
    target_py = debian_python("arm64")
    site = tmp_path / "site"
    with zipfile.ZipFile(_wheel(case, built, tmp_path)) as zf:
        zf.extractall(site)
    module = next(p for p in site.rglob("_m.*.so"))
    if "platlib" in str(module):  # installed: the .data/platlib tree lands in site-packages
        (site / "m" / module.name).write_bytes(module.read_bytes())
        module = site / "m" / module.name
    run = target_py.run("-c", "import ctypes, sys; ctypes.CDLL(sys.argv[1])", str(module),
                        cwd=tmp_path)
    assert (run.returncode == 0) == case.loads, run.stderr[-2000:]
    if not case.loads:
        assert "cannot open shared object file" in run.stderr or "wrong ELF" in run.stderr \
            or "ELF" in run.stderr, run.stderr[-2000:]


# ---------------------------------------------------------------- the rules, on descriptions


def _elf(name: str, needed: Sequence[str] = (), *, runpath: Sequence[str] = (),
         rpath: Sequence[str] = (), soname: str = "", module: bool = False) -> ElfInfo:
    return ElfInfo(name, "EM_AARCH64", 64, True, None, tuple(needed), "ET_DYN",
                   ("PyInit_x",) if module else (), soname=soname, runpath=tuple(runpath),
                   rpath=tuple(rpath))


@pytest.mark.parametrize(("entry", "word"), [
    ("/tmp/build/lib", "leaks the build machine"),
    ("/usr/local/lib", "leaks the build machine"),
    ("lib", "relative to the current directory, not to this file; write $ORIGIN/lib"),
    ("./lib", "write $ORIGIN/lib"),
])
def test_a_search_path_out_of_the_wheel_is_a_problem(entry: str, word: str) -> None:
    found = libraries.path_problems(_elf("m/x.so", runpath=[entry]))
    assert len(found) == 1 and word in found[0] and entry in found[0], found


@pytest.mark.parametrize("entry", ["$ORIGIN", "${ORIGIN}/../m.libs", "$ORIGIN/lib", "",
                                   "$LIB"])
def test_origin_entries_are_not_problems(entry: str) -> None:
    assert libraries.path_problems(_elf("m/x.so", runpath=[entry])) == []


def test_a_soname_without_its_file_is_named() -> None:
    """The wheel has the library only under its full version's name: the loader opens the
    DT_NEEDED name, which no file has."""
    elves = [_elf("m/x.so", ["libq.so.1"], runpath=["$ORIGIN/lib"], module=True),
             _elf("m/lib/libq.so.1.2.3", soname="libq.so.1")]
    linked = libraries.link(elves)
    assert linked.shipped.get("m/x.so", frozenset()) == frozenset()
    (line,) = libraries.needed_problems(elves[0], ["libq.so.1"], linked, TARGET)
    assert "the SONAME of m/lib/libq.so.1.2.3" in line and "no file" in line, line


def test_a_runpath_above_site_packages_finds_nothing() -> None:
    elves = [_elf("m/x.so", ["libq.so.1"], runpath=["$ORIGIN/../../lib"], module=True),
             _elf("lib/libq.so.1", soname="libq.so.1")]
    linked = libraries.link(elves)
    assert linked.shipped.get("m/x.so", frozenset()) == frozenset()
    assert linked.stranded["m/x.so"] == {"libq.so.1": "lib/libq.so.1"}


def test_one_module_failing_is_enough() -> None:
    """Two modules load the same library, one of them through the other's already-loaded
    name: each module is its own load tree, so the one that cannot find it is reported."""
    elves = [_elf("m/a.so", ["libq.so.1"], runpath=["$ORIGIN/lib"], module=True),
             _elf("m/b.so", ["libq.so.1"], module=True),
             _elf("m/lib/libq.so.1", soname="libq.so.1")]
    linked = libraries.link(elves)
    assert linked.shipped["m/a.so"] == frozenset({"libq.so.1"})
    assert linked.stranded == {"m/b.so": {"libq.so.1": "m/lib/libq.so.1"}}
