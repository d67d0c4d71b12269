"""Every argument-translation rule, and the shim's fast-path filter being a superset."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zigcc.toolchain.flags import (
    Context,
    fast_patterns,
    parse_response_file,
    translate,
    zig_response_text,
)

AARCH64 = Context(arch="aarch64")
X86_64 = Context(arch="x86_64")
CROSS = Context(arch="aarch64", cross=True,
                host_include_dirs=("/usr/include", "/root/.pyenv/versions/3.11.7/include"),
                host_lib_dirs=("/usr/lib", "/root/.pyenv/versions/3.11.7/lib"))
MAC = Context(arch="aarch64", os="macos")


@pytest.mark.parametrize(("ctx", "args", "expected"), [
    # -Wl,-Bsymbolic-functions: unsupported linker arg -> dropped, others kept
    (X86_64, ["-Wl,-Bsymbolic-functions"], []),
    (X86_64, ["-Wl,-O1,-Bsymbolic-functions,-z,relro"], ["-Wl,-z,relro"]),
    # -flto=auto / -flto=N / -flto=jobserver -> -flto; explicit zig modes kept
    (X86_64, ["-flto=auto"], ["-flto"]),
    (X86_64, ["-flto=8"], ["-flto"]),
    (X86_64, ["-flto=jobserver"], ["-flto"]),
    (X86_64, ["-flto=thin"], ["-flto=thin"]),
    # s390x: lld cannot link LTO objects with zig's libc++ there: no LTO at all
    (Context("s390x", cross=True), ["-flto=thin", "-O3", "-flto"], ["-O3"]),
    # -flto-partition=* is gcc-only
    (X86_64, ["-flto-partition=none", "-O2"], ["-O2"]),
    # -Wp,-D/-U -> driver -D/-U
    (X86_64, ["-Wp,-D_FORTIFY_SOURCE=2"], ["-D_FORTIFY_SOURCE=2"]),
    (X86_64, ["-Wp,-U_FORTIFY_SOURCE,-D_FORTIFY_SOURCE=3"],
     ["-U_FORTIFY_SOURCE", "-D_FORTIFY_SOURCE=3"]),
    (X86_64, ["-Wp,-MD,.deps/a.Po"], ["-MD", "-MF", ".deps/a.Po"]),
    (X86_64, ["-Wp,-C"], []),
    # -fcf-protection only on x86
    (AARCH64, ["-fcf-protection"], []),
    (AARCH64, ["-fcf-protection=full"], []),
    (X86_64, ["-fcf-protection=full"], ["-fcf-protection=full"]),
    (Context(arch="i686"), ["-fcf-protection"], ["-fcf-protection"]),
    # --exclude-libs / --dynamic-list, joined or as the next item
    (X86_64, ["-Wl,--exclude-libs,ALL"], []),
    (X86_64, ["-Wl,--exclude-libs=ALL,-z,now"], ["-Wl,-z,now"]),
    (X86_64, ["-Wl,--dynamic-list=syms.txt"], []),
    (X86_64, ["-Wl,--dynamic-list,syms.txt,--as-needed"], ["-Wl,--as-needed"]),
    # --fix-cortex-a53-843419
    (AARCH64, ["-Wl,--fix-cortex-a53-843419"], []),
    # native CPU and -mtune: never the build machine's CPU
    (X86_64, ["-march=native"], []),
    (X86_64, ["-mcpu=native"], []),
    (X86_64, ["-mtune=generic"], []),
    (AARCH64, ["-mtune=native"], []),
    # -march: map what maps
    (X86_64, ["-march=x86-64-v3"], ["-mcpu=x86_64_v3"]),
    (X86_64, ["-march=haswell"], ["-mcpu=haswell"]),
    (AARCH64, ["-march=x86-64-v2"], []),
    (AARCH64, ["-march=armv8-a"], ["-mcpu=generic"]),
    (AARCH64, ["-march=armv8.2-a+crc+fp16"], ["-mcpu=generic+v8_2a+crc+fullfp16"]),
    (AARCH64, ["-march=armv8.2-a+fp16fml"], ["-mcpu=generic+v8_2a+fp16fml"]),  # numpy's ASIMDFHM
    (Context(arch="armv7l"), ["-march=armv7-a"], ["-mcpu=generic+v7a"]),
    (X86_64, ["-march=armv8-a"], []),
    (Context(arch="riscv64"), ["-march=rv64gc"], []),
    # macOS -bundle -> -shared; -bundle_loader pair dropped
    (MAC, ["-bundle", "-undefined", "dynamic_lookup"],
     ["-shared", "-undefined", "dynamic_lookup"]),
    (MAC, ["-bundle_loader", "/usr/bin/python3", "x.o"], ["x.o"]),
    # -arch: the shim's -target names the CPU; a universal2 wheel is two builds, merged
    (MAC, ["-arch", "arm64", "-arch", "x86_64", "-c", "x.c"], ["-c", "x.c"]),
    (AARCH64, ["-arch", "arm64"], ["-arch", "arm64"]),
    (X86_64, ["-bundle"], ["-bundle"]),
    # cross: build-machine include/lib/rpath dirs dropped, joined or separate
    (CROSS, ["-I/usr/include", "-Iinclude", "-I/sysroot/usr/include/python3.11"],
     ["-Iinclude", "-I/sysroot/usr/include/python3.11"]),
    (CROSS, ["-I/usr/include/python3.11", "-isystem", "/usr/include/x86_64-linux-gnu"], []),
    (CROSS, ["-I", "/root/.pyenv/versions/3.11.7/include/python3.11", "-c", "a.c"],
     ["-c", "a.c"]),
    (CROSS, ["-I/usr//include/../include"], []),
    (CROSS, ["-L/usr/lib", "-L/root/.pyenv/versions/3.11.7/lib", "-L", "/usr/lib"], []),
    (CROSS, ["-L/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/x"],
     ["-L/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/x"]),
    (CROSS, ["-Wl,-rpath,/root/.pyenv/versions/3.11.7/lib"], []),
    (CROSS, ["-Wl,-rpath=/usr/lib,-z,relro"], ["-Wl,-z,relro"]),
    (CROSS, ["-Wl,-rpath,$ORIGIN/lib"], ["-Wl,-rpath,$ORIGIN/lib"]),
    (AARCH64, ["-I/usr/include", "-Wl,-rpath,/usr/lib"], ["-I/usr/include", "-Wl,-rpath,/usr/lib"]),
    # -Xlinker X: the same linker rules; a dropped item drops its -Xlinker
    (X86_64, ["-Xlinker", "-Bsymbolic-functions", "-o", "x.so"], ["-o", "x.so"]),
    (X86_64, ["-Xlinker", "--exclude-libs", "-Xlinker", "ALL", "-Xlinker", "-z",
              "-Xlinker", "now"], ["-Xlinker", "-z", "-Xlinker", "now"]),
    (X86_64, ["-Xlinker", "--exclude-libs=ALL", "-Xlinker", "--as-needed"],
     ["-Xlinker", "--as-needed"]),
    (CROSS, ["-Xlinker", "-rpath", "-Xlinker", "/usr/lib", "a.o"], ["a.o"]),
    (CROSS, ["-Xlinker", "-rpath", "-Xlinker", "$ORIGIN"],
     ["-Xlinker", "-rpath", "-Xlinker", "$ORIGIN"]),
    (AARCH64, ["-Xlinker", "-rpath", "-Xlinker", "/usr/lib"],
     ["-Xlinker", "-rpath", "-Xlinker", "/usr/lib"]),
    (X86_64, ["-Xlinker"], ["-Xlinker"]),
    (X86_64, ["-Xlinker", "-O1", "-Xlinker"], ["-Xlinker"]),
    # a pair split over two -Wl, arguments (or -Wl, and -Xlinker) is still a pair
    (CROSS, ["-Wl,-rpath", "-Wl,/usr/lib", "-Wl,-z,now"], ["-Wl,-z,now"]),
    (CROSS, ["-Wl,-rpath", "-Xlinker", "/root/.pyenv/versions/3.11.7/lib"], []),
    (CROSS, ["-Wl,-rpath", "-Wl,$ORIGIN"], ["-Wl,-rpath", "-Wl,$ORIGIN"]),
    (X86_64, ["-Wl,--exclude-libs", "-Wl,ALL,--as-needed"], ["-Wl,--as-needed"]),
    (X86_64, ["-Wl,--dynamic-list", "x.o", "-Wl,syms"], ["-Wl,--dynamic-list", "x.o", "-Wl,syms"]),
    # untouched
    (CROSS, ["-O2", "-g", "-fPIC", "-DX=\"a b\"", "@args.rsp", "-Wl,-z,now"],
     ["-O2", "-g", "-fPIC", "-DX=\"a b\"", "@args.rsp", "-Wl,-z,now"]),
])
def test_rule(ctx: Context, args: list[str], expected: list[str]) -> None:
    assert translate(args, ctx) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("-O2  -g\n\t-fPIC\n", ["-O2", "-g", "-fPIC"]),
    ("'-DX=a b' \"-DY=it's\"", ["-DX=a b", "-DY=it's"]),
    ("-DZ=\\\"q\\\" a\\ b c\\\\d", ['-DZ="q"', "a b", "c\\d"]),
    ("'' \"\" x", ["", "", "x"]),
    ("\"a\\\"b\" 'c\\'d'", ['a"b', "c'd"]),
    ("-DH=#x # y", ["-DH=#x", "#", "y"]),
    ("ab'cd'\"ef\"", ["abcdef"]),
    ("", []),
])
def test_parse_response_file(text: str, expected: list[str]) -> None:
    """GNU (libiberty / clang) response-file quoting."""
    assert parse_response_file(text) == expected


def test_response_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ldflags = "-Wl,-O1,-Bsymbolic-functions -Xlinker --exclude-libs -Xlinker ALL\n-lm\n"
    (tmp_path / "ld.rsp").write_text(ldflags, encoding="utf-8")
    assert translate(["a.o", "@ld.rsp", "-o", "x.so"], X86_64) == ["a.o", "-lm", "-o", "x.so"]
    assert (tmp_path / "ld.rsp").read_text(encoding="utf-8") == ldflags  # untouched
    # nothing to translate and nothing zig reads differently: @FILE stays
    (tmp_path / "plain.rsp").write_text("-DN=42 -Iinclude\n", encoding="utf-8")
    assert translate(["@plain.rsp"], X86_64) == ["@plain.rsp"]
    # GNU quoting that zig's own parser reads differently: passed on expanded
    (tmp_path / "q.rsp").write_text("\"-DS=it's\"\n", encoding="utf-8")
    assert translate(["@q.rsp"], X86_64) == ["-DS=it's"]
    # nested @files (zig does not expand them) and cross-build dirs inside
    (tmp_path / "outer.rsp").write_text("@inner.rsp -I/usr/include\n", encoding="utf-8")
    (tmp_path / "inner.rsp").write_text("-Wl,-rpath -Wl,/usr/lib -lz\n", encoding="utf-8")
    assert translate(["@outer.rsp", "-c"], CROSS) == ["-lz", "-c"]
    # a cycle ends; a missing file and a lone @ are arguments like any other
    (tmp_path / "loop.rsp").write_text("-O1 @loop.rsp", encoding="utf-8")
    assert translate(["@loop.rsp"], X86_64)[-1] == "@loop.rsp"
    assert translate(["@missing.rsp", "@", "@@"], X86_64) == ["@missing.rsp", "@", "@@"]


@given(args=st.lists(st.text(st.characters(blacklist_categories=("Cs",),
                                           blacklist_characters="\x00'")), max_size=6))
def test_zig_response_text_round_trips(args: list[str]) -> None:
    """What zig reads back (its parser, mirrored here) is exactly what was written."""
    assert _zig_parse(zig_response_text(args)) == args


def _zig_parse(text: str) -> list[str]:
    """zig's std.process IteratorGeneral(comments, single_quotes), in Python."""
    args, i = [], 0
    while True:
        while i < len(text) and (text[i] in " \t\r\n" or text[i] == "#"):
            if text[i] == "#":
                while i < len(text) and text[i] != "\n":
                    i += 1
            else:
                i += 1
        if i >= len(text):
            return args
        token, slashes, quoted = [], 0, False
        while i < len(text):
            c = text[i]
            if c in "\"'":
                token.append("\\" * (slashes // 2))
                if slashes % 2 == 0:
                    quoted = not quoted
                else:
                    token.append('"')
                slashes = 0
            elif c == "\\":
                slashes += 1
            elif c in " \t\r\n" and not quoted:
                break
            else:
                token.append("\\" * slashes + c)
                slashes = 0
            i += 1
        token.append("\\" * slashes)
        args.append("".join(token))


def _fast_match(arg: str, ctx: Context) -> bool:
    """Evaluate the shim's case patterns the way sh does ('...' literal, * wildcard)."""
    for pat in fast_patterns(ctx):
        glob = "".join(part if i % 2 == 0 else part.replace("[", "[[]").replace("?", "[?]")
                       for i, part in enumerate(pat.split("'")))
        if fnmatchcase(arg, glob):
            return True
    return False


ARG = st.one_of(
    st.text(min_size=0, max_size=30),
    st.sampled_from(["-flto=auto", "-Wl,-O1", "-I/usr/include", "-I", "-L", "/usr/lib",
                     "-Wl,-rpath,/usr/lib", "-march=native", "-mtune=x", "-fcf-protection",
                     "-bundle", "-bundle_loader", "-isystem", "-Wp,-DX", "-O2", "-Xlinker",
                     "-rpath", "-Bsymbolic-functions", "--exclude-libs", "@x.rsp", "-Wl,-rpath",
                     "-Wl,/usr/lib"]),
    st.builds(lambda a, b: a + b, st.sampled_from(["-I", "-L", "-Wl,", "-isystem", "-m", "@"]),
              st.text(max_size=20)),
)


@pytest.mark.parametrize("ctx", [X86_64, AARCH64, CROSS, MAC], ids=["x86", "arm", "cross", "mac"])
@settings(max_examples=300, deadline=None)
@given(args=st.lists(ARG, max_size=8))
def test_fast_path_is_a_superset(ctx: Context, args: list[str]) -> None:
    """If no argument matches the shim's patterns, translation must be the identity."""
    if not any(_fast_match(a, ctx) for a in args):
        assert translate(args, ctx) == args


def test_a_build_interpreters_folders_are_dropped_too() -> None:
    """ZIGCC_HOST_DIRS (set by the target environment) adds the build interpreter's folders
    to those a cross build drops; a native build keeps everything."""
    from zigcc.toolchain.flags import with_host_dirs

    cross = with_host_dirs(Context(arch="aarch64", cross=True),
                           "/py/3.9/include/python3.9:/py/3.9/lib:relative")
    args = ["-I/py/3.9/include/python3.9", "-I/proj/inc", "-L/py/3.9/lib", "-c", "m.c"]
    assert translate(args, cross) == ["-I/proj/inc", "-c", "m.c"]
    native = with_host_dirs(Context(arch="x86_64"), "/py/3.9/include/python3.9")
    assert translate(args, native) == args


def test_frameworks_need_apples_sdk() -> None:
    """zig ships libSystem's stubs for macOS, no framework: a link naming one needs SDKROOT,
    and says so in one line without it."""
    from zigcc.toolchain.flags import frameworks

    assert frameworks(["-shared", "a.o", "-o", "m.so"], "") == ([], None)
    extra, error = frameworks(["-shared", "a.o", "-framework", "CoreFoundation"], "")
    assert extra == [] and error is not None and "\n" not in error
    assert error.startswith("-framework CoreFoundation needs Apple's macOS SDK") and "SDKROOT" in error
    _, error = frameworks(["a.o", "-Wl,-framework,Security"], "")
    assert error is not None and "-framework Security" in error
    assert frameworks(["-framework", "Security"], "/sdk") == (
        ["-F/sdk/System/Library/Frameworks", "-L/sdk/usr/lib"], None)
