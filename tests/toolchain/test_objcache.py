"""The compile cache's rules, pure: which compiles it takes, what its key sees, pruning, when
zigcc build turns it on, and the order the matrix starts its builds in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zigcc.errors import ZigccError
from zigcc.frontend import compilecache
from zigcc.toolchain.objcache import key, plan, prune

CWD = "/tmp/zigcc-build-x/src"
ZIG = ["/c/zig/0.17.1/zig", "cc", "-target", "aarch64-linux-gnu.2.17", "-mcpu=generic",
       "-Xclang", "-target-feature", "-Xclang", "+crc", f"-ffile-prefix-map={CWD}=."]
SETUPTOOLS = [*ZIG, "-fno-strict-overflow", "-DNDEBUG", "-g", "-O3", "-Wall", "-fPIC",
              "-Ideps/xxhash", "-I/tmp/env-1/include", "-I/c/pythons/x/include/python3.12",
              "-c", "deps/xxhash/xxhash.c", "-o", "build/temp/deps/xxhash/xxhash.o"]


def test_a_setuptools_compile_is_cached_and_its_key_leaves_out_what_preprocessing_covers(
) -> None:
    p = plan(SETUPTOOLS, CWD)
    assert p is not None
    assert (p.output, p.source) == ("build/temp/deps/xxhash/xxhash.o", "deps/xxhash/xxhash.c")
    assert "-O3" in p.key_args and "-g" in p.key_args and "+crc" in p.key_args
    assert not [a for a in p.key_args if a.startswith(("-I", "-D", "build/", "deps/"))]
    assert "-ffile-prefix-map=<cwd>=." in p.key_args
    assert "-E" in p.preprocess and "-c" not in p.preprocess and "-o" not in p.preprocess
    assert "-I/c/pythons/x/include/python3.12" in p.preprocess  # -E sees the same headers


@pytest.mark.parametrize("change", [
    ["-shared"],  # a link (no -c)
    ["-c", "-E"], ["-S"], ["-fsyntax-only"],
    ["@args.rsp"], ["-fprofile-use=x.profdata"], ["-fplugin=x.so"], ["-gsplit-dwarf"],
    ["-save-temps"], ["-x", "c"], ["other.c"],  # two sources
    ["-MD", "-MF", "x.d"],  # a dependency file whose default target would be -E's output
    ["-Wp,-MD,x.d"],
])
def test_what_is_not_a_plain_compile_runs_uncached(change: list[str]) -> None:
    cmd = [*SETUPTOOLS, *change]
    if change == ["-shared"]:
        cmd = [a for a in SETUPTOOLS if a != "-c"] + change
    assert plan(cmd, CWD) is None


def test_no_output_or_an_unknown_source_runs_uncached() -> None:
    i = SETUPTOOLS.index("-o")
    assert plan(SETUPTOOLS[:i], CWD) is None
    s = SETUPTOOLS.index("deps/xxhash/xxhash.c")
    assert plan([*SETUPTOOLS[:s], "deps/x.s", *SETUPTOOLS[s + 1:]], CWD) is None


def test_meson_dependency_files_with_a_named_target_are_cached() -> None:
    cmd = [*ZIG, "-Ilib.so.p", "-MD", "-MQ", "lib.so.p/a.c.o", "-MF", "lib.so.p/a.c.o.d",
           "-o", "lib.so.p/a.c.o", "-c", "../src/a.c"]
    p = plan(cmd, CWD)
    assert p is not None and p.source == "../src/a.c"
    assert not {"-MD", "-MQ", "-MF"} & set(p.key_args)
    assert {"-MD", "-MQ", "-MF"} <= set(p.preprocess)  # -E writes this compile's dep file


def test_the_build_folder_enters_the_key_when_no_prefix_map_hides_it() -> None:
    cmd = [a for a in SETUPTOOLS if not a.startswith("-ffile-prefix-map")]
    p = plan(cmd, CWD)
    assert p is not None and f"cwd={CWD}" in p.key_args


def _key(cmd: list[str], text: bytes, cwd: str = CWD) -> str:
    p = plan(cmd, cwd)
    assert p is not None
    return key(p, text, cwd, "zig:1:2", {})


PRE = b'# 1 "deps/xxhash/xxhash.c"\n# 1 "/c/zig/lib/libc/include/string.h" 1 3\nint f;\n'


def test_key_same_source_two_python_include_lists() -> None:
    other = [a.replace("/tmp/env-1/", "/tmp/env-2/").replace("python3.12", "python3.13")
             for a in SETUPTOOLS]
    assert _key(SETUPTOOLS, PRE) == _key(other, PRE)


def test_key_changes_with_the_source_flags_zig_and_zig_lib_dir() -> None:
    base = _key(SETUPTOOLS, PRE)
    assert _key(SETUPTOOLS, PRE.replace(b"int f;", b"long f;")) != base
    assert _key([a if a != "-O3" else "-O2" for a in SETUPTOOLS], PRE) != base
    assert _key([a if a != "-fno-strict-overflow" else "-fwrapv" for a in SETUPTOOLS],
                PRE) != base
    assert _key([*SETUPTOOLS[:2], "-target", "x86_64-linux-gnu.2.17", *SETUPTOOLS[4:]],
                PRE) != base
    p = plan(SETUPTOOLS, CWD)
    assert p is not None
    assert key(p, PRE, CWD, "zig:1:3", {}) != base
    assert key(p, PRE, CWD, "zig:1:2", {"ZIG_LIB_DIR": "/elsewhere"}) != base


def test_key_paths_under_the_build_folder_count_as_the_object_records_them() -> None:
    """A build folder is mapped to ``.`` in the object: the same file in two build folders
    is one key; a header outside them keeps its path (two Pythons' pyconfig.h differ)."""
    def text(root: str, header: str) -> bytes:
        return (f'# 1 "{root}/src/a.c"\n# 1 "{header}" 1\nint x;\n'.encode())

    one = [a.replace(CWD, "/tmp/b1") for a in SETUPTOOLS]
    two = [a.replace(CWD, "/tmp/b2") for a in SETUPTOOLS]
    assert (_key(one, text("/tmp/b1", "/p/3.12/pyconfig.h"), "/tmp/b1")
            == _key(two, text("/tmp/b2", "/p/3.12/pyconfig.h"), "/tmp/b2"))
    assert (_key(one, text("/tmp/b1", "/p/3.12/pyconfig.h"), "/tmp/b1")
            != _key(one, text("/tmp/b1", "/p/3.13/pyconfig.h"), "/tmp/b1"))
    # only line markers are rewritten: a string holding the folder stays as written
    assert (_key(one, b'# 1 "a.c"\nchar *s = "/tmp/b1/x";\n', "/tmp/b1")
            != _key(two, b'# 1 "a.c"\nchar *s = "/tmp/b2/x";\n', "/tmp/b2"))


def _entry(folder: Path, name: str, size: int, age: float, now: float) -> Path:
    path = folder / name[:2] / f"{name}.o"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (now - age, now - age))
    return path


def test_prune_removes_the_least_recently_used_first(tmp_path: Path) -> None:
    now = 1_000_000.0
    old = _entry(tmp_path, "aa01", 400, 300, now)
    mid = _entry(tmp_path, "bb02", 400, 200, now)
    new = _entry(tmp_path, "cc03", 400, 100, now)
    (old.parent / "aa01.stderr").write_text("warning\n")
    (old.parent / "aa01.lock").write_text("")
    gone_lock = tmp_path / "dd" / "dd04.lock"  # a compile that stored nothing, long ago
    gone_lock.parent.mkdir()
    gone_lock.write_text("")
    os.utime(gone_lock, (now - 2 * 86400, now - 2 * 86400))
    assert prune(str(tmp_path), 900, now) == 1
    assert not old.exists() and not (old.parent / "aa01.stderr").exists()
    assert not (old.parent / "aa01.lock").exists() and not gone_lock.exists()
    assert mid.exists() and new.exists()
    assert prune(str(tmp_path), 10_000, now) == 0


CACHE = Path("/home/u/.cache/zigcc")


@pytest.mark.parametrize(("value", "cells", "expected"), [
    (None, [("aarch64", "3.12"), ("aarch64", "3.13")], CACHE / "objects"),
    (None, [("aarch64", "3.12"), ("s390x", "3.12")], None),  # nothing is compiled twice
    ("", [("aarch64", "3.12"), ("aarch64", "3.13")], CACHE / "objects"),
    ("0", [("aarch64", "3.12"), ("aarch64", "3.13")], None),
    ("Off", [("aarch64", "3.12"), ("aarch64", "3.13")], None),
    ("1", [("aarch64", "3.12")], CACHE / "objects"),
    ("on", [("aarch64", "3.12")], CACHE / "objects"),
    ("/srv/objects", [("aarch64", "3.12")], Path("/srv/objects")),
])
def test_when_zigcc_build_uses_the_compile_cache(value: str | None,
                                                  cells: list[tuple[str, str]],
                                                  expected: Path | None) -> None:
    env = {} if value is None else {"ZIGCC_COMPILE_CACHE": value}
    assert compilecache.folder(env, CACHE, cells) == expected


def test_a_relative_compile_cache_folder_is_refused() -> None:
    with pytest.raises(ZigccError, match=r"ZIGCC_COMPILE_CACHE='objects': give an absolute"):
        compilecache.folder({"ZIGCC_COMPILE_CACHE": "objects"}, CACHE, [])


def test_the_matrix_starts_builds_by_diagonals() -> None:
    """Builds next to each other differ in target and in interpreter (no two at once wait
    for one build environment or compile the same file); a target's next Python starts a
    whole diagonal later, when its first build's objects are in the compile cache."""
    from types import SimpleNamespace
    from typing import Any, cast

    from zigcc.frontend.matrix import spread

    targets = [f"t{i}" for i in range(9)]
    pythons = ["3.10", "3.11", "3.12", "3.13", "3.14"]
    specs = [SimpleNamespace(target=SimpleNamespace(ident=t),
                             build_python=SimpleNamespace(executable=p))
             for t in targets for p in pythons]
    order = spread(cast(Any, specs))
    assert sorted(order) == list(range(len(specs)))
    cells = [(specs[i].target.ident, specs[i].build_python.executable) for i in order]
    for a, b in zip(cells, cells[1:]):
        assert a[0] != b[0] and a[1] != b[1]
    for t in targets:
        at = [n for n, cell in enumerate(cells) if cell[0] == t]
        assert min(b - a for a, b in zip(at, at[1:])) >= len(targets) - 1


def test_a_hit_never_replaces_dev_null_or_writes_into_a_missing_folder(tmp_path: Path) -> None:
    from zigcc.toolchain.objcache import writable_output

    (tmp_path / "old.o").write_bytes(b"x")
    assert writable_output(str(tmp_path / "old.o")) and writable_output(str(tmp_path / "new.o"))
    assert not writable_output("/dev/null")
    assert not writable_output(str(tmp_path / "missing" / "a.o"))
    assert not writable_output(str(tmp_path))  # a folder


def test_the_joined_output_form_is_left_out_of_the_preprocessor_run_alone() -> None:
    i = SETUPTOOLS.index("-o")
    cmd = [*SETUPTOOLS[:i], "-obuild/x.o", "-Xclang", "-fno-pch-timestamp"]
    p = plan(cmd, CWD)
    assert p is not None and p.output == "build/x.o"
    assert "-obuild/x.o" not in p.preprocess
    assert p.preprocess[-2:] == ("-Xclang", "-fno-pch-timestamp")
