"""Every argument-translation rule, and the shim's fast-path filter being a superset."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zigcc.flags import Context, fast_patterns, translate

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
    (Context(arch="armv7l"), ["-march=armv7-a"], ["-mcpu=generic+v7a"]),
    (X86_64, ["-march=armv8-a"], []),
    (Context(arch="riscv64"), ["-march=rv64gc"], []),
    # macOS -bundle -> -shared; -bundle_loader pair dropped
    (MAC, ["-bundle", "-undefined", "dynamic_lookup"],
     ["-shared", "-undefined", "dynamic_lookup"]),
    (MAC, ["-bundle_loader", "/usr/bin/python3", "x.o"], ["x.o"]),
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
    # untouched
    (CROSS, ["-O2", "-g", "-fPIC", "-DX=\"a b\"", "@args.rsp", "-Wl,-z,now"],
     ["-O2", "-g", "-fPIC", "-DX=\"a b\"", "@args.rsp", "-Wl,-z,now"]),
])
def test_rule(ctx: Context, args: list[str], expected: list[str]) -> None:
    assert translate(args, ctx) == expected


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
                     "-bundle", "-bundle_loader", "-isystem", "-Wp,-DX", "-O2"]),
    st.builds(lambda a, b: a + b, st.sampled_from(["-I", "-L", "-Wl,", "-isystem", "-m"]),
              st.text(max_size=20)),
)


@pytest.mark.parametrize("ctx", [X86_64, AARCH64, CROSS, MAC], ids=["x86", "arm", "cross", "mac"])
@settings(max_examples=300, deadline=None)
@given(args=st.lists(ARG, max_size=8))
def test_fast_path_is_a_superset(ctx: Context, args: list[str]) -> None:
    """If no argument matches the shim's patterns, translation must be the identity."""
    if not any(_fast_match(a, ctx) for a in args):
        assert translate(args, ctx) == args
