"""Shim folders: argument passing, exit codes, concurrency, rewrite-on-change, Windows form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zigcc.target.model import parse
from zigcc.toolchain import installed
from zigcc.toolchain.flags import Context, is_link, link_extra, translate
from zigcc.toolchain.folder import Toolchain, base_args, materialise, render

TARGET = parse("manylinux_2_17_aarch64")
CTX = Context(arch="aarch64", cross=True, host_include_dirs=("/usr/include",),
              host_lib_dirs=("/usr/lib",))
PYTHON = installed.python_binary()


@pytest.fixture(scope="module")
def recorder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for zig that records its argv as JSON (to check quoting byte for byte)."""
    folder = tmp_path_factory.mktemp("rec")
    script = folder / "zig"
    script.write_text(textwrap.dedent(f"""\
        #!{sys.executable} -S
        import json, os, sys
        with open(os.environ["REC_OUT"], "w", encoding="utf-8", errors="surrogateescape") as f:
            json.dump(sys.argv[1:], f)
        sys.stderr.write("rec-stderr\\n")
        sys.exit(int(os.environ.get("REC_RC", "0")))
        """), encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture(scope="module")
def fake_tc(tmp_path_factory: pytest.TempPathFactory, recorder: Path) -> Toolchain:
    return materialise(TARGET, recorder, PYTHON, tmp_path_factory.mktemp("cache"), CTX)


def _run(tc: Toolchain, tool: str, args: list[str], cwd: Path, rc: int = 0
         ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    out = cwd / "argv.json"
    env = {**os.environ, "REC_OUT": str(out), "REC_RC": str(rc)}
    proc = subprocess.run([str(tc.tool(tool)), *args], cwd=cwd, env=env, capture_output=True,
                          text=True)
    return proc, json.loads(out.read_text(encoding="utf-8"))


ARGS = st.lists(st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=20),
    st.sampled_from(["a b", "'", '"', "$HOME", "`id`", "*", "?", "[a]", "\n", "\\", "@rsp",
                     "-DX=\"a b\"", "-I/usr/include", "-Wl,-O1", "-flto=auto", "--", "-"]),
), max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=ARGS)
def test_arguments_reach_zig_unchanged(fake_tc: Toolchain, tmp_path: Path, args: list[str]) -> None:
    proc, argv = _run(fake_tc, "cc", args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    expected_base = base_args(TARGET, Path("x"))["cc"][:-1]
    assert argv[: len(expected_base)] == expected_base
    assert argv[len(expected_base) + 1] == f"-ffile-prefix-map={tmp_path}=."
    extra = link_extra("cc") if is_link(args) else []
    assert argv[len(expected_base) + 2:] == translate(args, CTX) + extra


def test_exit_code_and_stderr_pass_through(fake_tc: Toolchain, tmp_path: Path) -> None:
    for args in (["-c", "x.c"], ["-Wl,-O1", "x.o"]):  # fast and slow paths
        proc, _ = _run(fake_tc, "cc", args, tmp_path, rc=3)
        assert proc.returncode == 3
        assert proc.stderr == "rec-stderr\n"


def test_ar_and_gnu_names(fake_tc: Toolchain, tmp_path: Path) -> None:
    _, argv = _run(fake_tc, "ar", ["rcs", "lib a.a", "x.o"], tmp_path)
    assert argv == ["ar", "rcs", "lib a.a", "x.o"]
    gnu = fake_tc.path / "aarch64-linux-gnu-g++"
    proc = subprocess.run([str(gnu), "-c", "x.cc"], cwd=tmp_path, capture_output=True,
                          env={**os.environ, "REC_OUT": str(tmp_path / "g.json")})
    assert proc.returncode == 0
    assert json.loads((tmp_path / "g.json").read_text())[:3] == ["c++", "-target",
                                                                  "aarch64-linux-gnu.2.17"]


def test_real_zig_with_awkward_arguments(tmp_path: Path, real_zig: Path) -> None:
    """Real zig: a source path with spaces and quotes, a macro with $ and quotes, an @file."""
    tc = materialise(TARGET, real_zig, PYTHON, tmp_path / "cache", CTX)
    src = tmp_path / "dir with 'quotes' and $x"
    src.mkdir()
    (src / "a b.c").write_text('const char *msg = MSG; int n = N;\n', encoding="utf-8")
    (tmp_path / "args.rsp").write_text("-DN=42\n", encoding="utf-8")
    out = tmp_path / "out.i"
    proc = subprocess.run([str(tc.tool("cc")), "-E", "-DMSG=\"a b $HOME `x` *\"",
                           "@args.rsp", str(src / "a b.c"), "-o", str(out)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert 'const char *msg = "a b $HOME `x` *";' in text
    assert "int n = 42;" in text


def test_real_zig_error_passes_through(tmp_path: Path, real_zig: Path) -> None:
    tc = materialise(TARGET, real_zig, PYTHON, tmp_path / "cache", CTX)
    (tmp_path / "bad.c").write_text("int f( { return 0; }\n", encoding="utf-8")
    proc = subprocess.run([str(tc.tool("cc")), "-c", "bad.c"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "bad.c:1:" in proc.stderr and "error" in proc.stderr


CONCURRENT = """
import sys
from pathlib import Path
from zigcc.toolchain.flags import Context
from zigcc.target.model import parse
from zigcc.toolchain.folder import materialise
tc = materialise(parse("manylinux_2_17_aarch64"), Path(sys.argv[2]), Path(sys.executable),
                 Path(sys.argv[1]), Context(arch="aarch64", cross=True))
print(tc.path)
"""


def test_sixteen_processes_on_an_empty_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    zig = installed.zig_binary()
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(cache), str(zig)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(16)]
    results = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1] for r in results]
    paths = {r[0].strip() for r in results}
    assert len(paths) == 1
    folder = Path(paths.pop())
    wanted = render(TARGET, zig, Path(sys.executable), folder, Context(arch="aarch64", cross=True),
                    cache / "objects")
    assert {p.name for p in folder.iterdir()} == set(wanted)
    for name, text in wanted.items():
        assert (folder / name).read_text() == text


def test_files_are_rewritten_only_when_content_changes(tmp_path: Path, recorder: Path) -> None:
    tc = materialise(TARGET, recorder, PYTHON, tmp_path, CTX)
    stamps = {p.name: p.stat().st_mtime_ns for p in tc.path.iterdir()}
    inodes = {p.name: p.stat().st_ino for p in tc.path.iterdir()}
    materialise(TARGET, recorder, PYTHON, tmp_path, CTX)
    assert {p.name: p.stat().st_mtime_ns for p in tc.path.iterdir()} == stamps
    assert {p.name: p.stat().st_ino for p in tc.path.iterdir()} == inodes
    other = Context(arch="aarch64", cross=True, host_include_dirs=("/opt/x",))
    materialise(TARGET, recorder, PYTHON, tmp_path, other)
    changed = {p.name for p in tc.path.iterdir() if p.stat().st_ino != inodes[p.name]}
    assert changed == {"shim.json", "cc", "c++", *(f"aarch64-linux-gnu-{n}" for n in
                                                  ("gcc", "cc", "g++", "c++"))}


def test_windows_form_and_python_fallback(tmp_path: Path, recorder: Path) -> None:
    """The .cmd shims (rendered here) call flags.py, which this test runs as Windows would."""
    tc = materialise(TARGET, recorder, PYTHON, tmp_path, CTX, windows=True)
    cmd = tc.tool("cc")
    assert cmd.name == "cc.cmd"
    text = cmd.read_text()
    assert f'"{PYTHON}" -I -S "{tc.path / "flags.py"}" cc %*' in text
    assert (tc.path / "aarch64-linux-gnu-gcc.cmd").exists()
    out = tmp_path / "argv.json"
    proc = subprocess.run([str(PYTHON), "-I", "-S", str(tc.path / "flags.py"), "cc",
                           "-Wl,-Bsymbolic-functions", "a b.c"], cwd=tmp_path,
                          env={**os.environ, "REC_OUT": str(out)})
    assert proc.returncode == 0
    argv = json.loads(out.read_text())
    assert argv[-2:] == ["a b.c", "-Wl,--strip-debug"]
    assert "-Wl,-Bsymbolic-functions" not in argv


@pytest.mark.parametrize("tool", ["cc", "c++"])
def test_link_steps_strip_debug_info(fake_tc: Toolchain, tmp_path: Path, tool: str) -> None:
    """zig's own compiler_rt / libc++ carry absolute paths in their debug info."""
    for args, slow in ((["a.o", "-shared", "-o", "x.so"], False),
                       (["a.o", "-Wl,-O1", "-o", "x.so"], True)):
        _, argv = _run(fake_tc, tool, args, tmp_path)
        assert argv[-1] == "-Wl,--strip-debug", (slow, argv)
    for args in (["-c", "a.cc"], ["--version"], ["-print-file-name=libc.so"],
                 ["-Wl,-O1", "-c", "a.cc"], ["-E", "a.c"]):
        _, argv = _run(fake_tc, tool, args, tmp_path)
        assert "-Wl,--strip-debug" not in argv


def test_response_file_rules_with_real_zig(tmp_path: Path, real_zig: Path) -> None:
    """@FILE arguments are translated; a huge result reaches zig via temporary files."""
    tc = materialise(TARGET, real_zig, PYTHON, tmp_path / "cache", CTX)
    names = [f"M{i}" for i in range(3000)]
    (tmp_path / "a.c").write_text(" ".join([*names, "Q", "S", "B", "P"]) + "\n",
                                  encoding="utf-8")
    defines = " ".join(f"-D{n}={i}" for i, n in enumerate(names))
    rsp = (f"{defines} -Wl,-O1 '-DQ=it'\\''s' \"-DS=a \\\"b\\\" c\" -DB=x\\\\\\\\y "
           "-Xlinker --exclude-libs -Xlinker ALL -DP=#p\n")
    (tmp_path / "big.rsp").write_text(rsp, encoding="utf-8")
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = subprocess.run([str(tc.tool("cc")), "-E", "-P", "a.c", "@big.rsp", "-o", "a.i"],
                          cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(temp)})
    assert proc.returncode == 0, proc.stderr
    words = (tmp_path / "a.i").read_text().split()
    assert words[:3000] == [str(i) for i in range(3000)]
    assert " ".join(words[3000:]) == "it's a \"b\" c x\\\\y #p"
    assert list(temp.iterdir()) == []  # the temporary response files are gone
    assert (tmp_path / "big.rsp").read_text(encoding="utf-8") == rsp


def test_response_file_reaches_zig_translated(fake_tc: Toolchain, tmp_path: Path) -> None:
    (tmp_path / "ld.rsp").write_text("-Wl,-rpath -Wl,/usr/lib -Wl,-z,now -lm\n")
    _, argv = _run(fake_tc, "cc", ["a.o", "@ld.rsp", "-o", "x.so"], tmp_path)
    assert argv[-6:] == ["a.o", "-Wl,-z,now", "-lm", "-o", "x.so", "-Wl,--strip-debug"]
    _, argv = _run(fake_tc, "cc", ["a.o", "@missing.rsp"], tmp_path)
    assert argv[-2:] == ["@missing.rsp", "-Wl,--strip-debug"]
