"""Bad input, answered in one line: a table of (command, exit code, words), run as a user
runs zigcc (a subprocess), plus the cases that need a setting or a pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from zigcc.target.model import MAX_GLIBC

ROOT = Path(__file__).parent.parent.parent


def _zigcc(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zigcc", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})}, cwd=cwd)


def _description(folder: Path, multiarch: str) -> str:
    """A PEP 739 description of an aarch64 CPython of this X.Y with ``multiarch``."""
    version = "{}.{}".format(*sys.version_info[:2])
    details = {
        "schema_version": "1.0", "base_prefix": "/usr", "platform": "linux-aarch64",
        "language": {"version": version}, "implementation": {"name": "cpython"},
        "abi": {"flags": [], "extension_suffix":
                ".cpython-{}{}-{}.so".format(*sys.version_info[:2], multiarch)},
        "arbitrary_data": {"zigcc": {"MULTIARCH": multiarch}},
    }
    path = folder / f"{multiarch}.json"
    path.write_text(json.dumps(details))
    return str(path)


def _files(folder: Path) -> dict[str, str]:
    """Broken wheels and descriptions the table refers to as {name}."""
    (folder / "notzip-1.0-py3-none-any.whl").write_text("plain text\n")
    good = folder / "good-1.0-py3-none-any.whl"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("good/__init__.py", "x = 1\n" * 200)
        zf.writestr("good-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
    data = good.read_bytes()
    (folder / "cut-1.0-py3-none-any.whl").write_bytes(data[: len(data) // 2])
    (folder / "badly_named.whl").write_bytes(data)
    nowheel = folder / "nowheel-1.0-py3-none-any.whl"
    with zipfile.ZipFile(nowheel, "w") as zf:
        zf.writestr("nowheel/__init__.py", "")
    return {"dir": str(folder), "gnu": _description(folder, "aarch64-linux-gnu")}


HIGHEST = "{}.{}".format(*MAX_GLIBC)
BAD = [
    (["env", "--target", ""], "the target is empty"),
    (["which", "cc", "--target", " "], "the target is empty"),
    (["build", str(ROOT / "examples/hello"), "--target", ""], "the target is empty"),
    (["env", "--target", "manylinux_2_99_x86_64"],
     f"newer than any zig ships; the highest is {HIGHEST} (manylinux_{HIGHEST.replace('.', '_')}"
     "_x86_64)"),
    (["env", "--target", "manylinux_2_16_aarch64"], "the lowest that works is 2.17"),
    (["env", "--target", "musllinux_1_2_aarch64", "--python", "{gnu}"],
     "the libc of the target Python and of the target must agree"),
    (["env", "--target", "manylinux_2_17_s390x", "--python", "{gnu}"],
     "is a linux-aarch64 (64-bit) Python, not one for manylinux_2_17_s390x"),
    (["env", "--shell", "tcsh"], "invalid choice: 'tcsh'"),
    (["verify", "{dir}/notzip-1.0-py3-none-any.whl", "--target", "manylinux_2_17_x86_64"],
     "not a readable zip archive"),
    (["verify", "{dir}/cut-1.0-py3-none-any.whl", "--target", "manylinux_2_17_x86_64"],
     "not a readable zip archive"),
    (["verify", "{dir}/badly_named.whl", "--target", "manylinux_2_17_x86_64"],
     "badly_named.whl"),
    (["verify", "{dir}/nowheel-1.0-py3-none-any.whl", "--target", "manylinux_2_17_x86_64"],
     "WHEEL"),
    (["verify", "{dir}/missing-1.0-py3-none-any.whl", "--target", "manylinux_2_17_x86_64"],
     "no such wheel"),
    (["build", "{dir}/nothing-here"], "no such file or folder"),
    (["build", str(ROOT / "examples/hello"), "--python", "{gnu}"],
     "no --python is for it; pass X.Y (this machine's interpreter)"),
]


@pytest.mark.parametrize(("args", "words"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_gets_one_error_line(args: list[str], words: str, tmp_path: Path) -> None:
    files = _files(tmp_path)
    run = _zigcc(*[a.format(**files) for a in args])
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert "Traceback" not in run.stderr
    if args[-1] != "tcsh":  # argparse prints its usage line first
        assert len(lines) == 1 and lines[0].startswith("ERROR "), run.stderr
    assert words in run.stderr, run.stderr


HERE = "{}.{}".format(*sys.version_info[:2])
OTHER = "3.12" if HERE != "3.12" else "3.11"  # another CPython version than zigcc runs on
PYENV = Path.home() / ".pyenv" / "versions"


def _project(folder: Path, pyproject: str) -> str:
    """A C project with this pyproject.toml (never built: every row stops before)."""
    folder.mkdir()
    (folder / "pyproject.toml").write_text(pyproject)
    (folder / "m.c").write_text("int x;\n")
    return str(folder)


# The silent wrong results and misattributed failures of the "never a wheel other than the one
# asked for" issue: (args, extra environment, exit code, words that must be there, words that
# must not). Every row runs `zigcc` as a user does; a build row writes no wheel.
SETUPTOOLS = ('[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = '
              '"setuptools.build_meta"\n[project]\nname = "p"\nversion = "1"\n')
ROWS = [
    (["build", "{hello}", "--target", "manylinux_2_17_aarch64", "--python", OTHER,
      "--build-python", sys.executable], {}, 2,
     [f"--build-python {sys.executable} is CPython", f"--python {OTHER} asks for {OTHER}"], []),
    (["build", "{hello}", "-C", "zigcc:target=manylinux_2_17_aarch64"], {}, 2,
     ["-C zigcc:target=manylinux_2_17_aarch64", "use --target and --python"], []),
    (["build", "{hello}", "-C", "system:host=aarch64-unknown-linux-gnu"], {}, 2,
     ["-C system:host=", "use --target"], []),
    (["env", "--target", "manylinux_2_17_aarch64", "--target", "manylinux_2_17_x86_64"], {}, 2,
     ["--target is given twice", "manylinux_2_17_aarch64"], []),
    (["build", "{hello}", "--out-dir", "{o1}", "--out-dir", "{o2}"], {}, 2,
     ["--out-dir is given twice"], []),
    (["build", "{wrongkey}"], {}, 2,
     ['[tool.zigcc] backend = \'mesonpy\' is read by build-backend = "zigcc.backend" only',
      "'setuptools.build_meta'"], []),
    (["build", "{hello}", "--python", HERE, "--build-python", "/bin/echo"], {}, 2,
     ["--build-python /bin/echo: not a CPython"], ["JSONDecodeError"]),
    (["build", "{hello}", "--python", HERE, "--build-python", "{nothing}"], {}, 2,
     ["--build-python", "cannot run it"], ["ZIGCC_CACHE_DIR"]),
    (["build", "{hello}", "--python", "3.6", "--build-python",
      str(PYENV / "3.6.15" / "bin" / "python3.6")], {}, 2,
     ["CPython 3.6.15 is older than 3.8", "--build-python"], ["SyntaxError"]),
    (["build", "{hello}", "--out-dir", "{afile}"], {}, 2,
     ["--out-dir", "a file, not a folder"], ["ZIGCC_CACHE_DIR"]),
    (["build", "{hello}", "--out-dir", "/proc/zigcc-out"], {}, 2,
     ["--out-dir /proc/zigcc-out", "a folder you can write to"], ["ZIGCC_CACHE_DIR"]),
    (["describe", "--target", "manylinux_2_17_aarch64", "--pack", "{afile}"], {}, 2,
     ["--pack", "not an empty folder"], ["ZIGCC_CACHE_DIR"]),
    (["describe", "--target", "manylinux_2_17_aarch64", "--pack", "/proc/zigcc/pack"], {}, 2,
     ["--pack /proc/zigcc/pack", "create it first"], ["ZIGCC_CACHE_DIR"]),
    (["doctor"], {"ZIGCC_CACHE_DIR": "/proc/zigcc-cache"}, 1,
     ["/proc/zigcc-cache", "set ZIGCC_CACHE_DIR to a writable folder"], ["MISSING", "ziglang"]),
]


@pytest.mark.parametrize(("args", "env", "code", "words", "never"), ROWS,
                         ids=[" ".join(r[0])[:70] for r in ROWS])
def test_refused_never_ignored(args: list[str], env: dict[str, str], code: int,
                               words: list[str], never: list[str], tmp_path: Path) -> None:
    if "3.6" in args and not (PYENV / "3.6.15" / "bin" / "python3.6").is_file():
        pytest.skip(f"no CPython 3.6 under {PYENV}")
    (tmp_path / "afile").write_text("x\n")
    names = {"hello": str(ROOT / "examples" / "hello"), "o1": str(tmp_path / "o1"),
             "o2": str(tmp_path / "o2"), "afile": str(tmp_path / "afile"),
             "nothing": str(tmp_path / "no-such-python"),
             "wrongkey": _project(tmp_path / "wrongkey", SETUPTOOLS +
                                  '[tool.zigcc]\nbackend = "mesonpy"\n')}
    out = tmp_path / "wheelhouse"
    argv = [a.format(**names) for a in args]
    if argv[0] == "build" and "--out-dir" not in argv:
        argv += ["--out-dir", str(out)]
    run = _zigcc(*argv, env=env, cwd=tmp_path)
    text = run.stdout + run.stderr
    assert run.returncode == code, text
    assert "Traceback" not in text
    if code == 2:
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ERROR "), run.stderr
    assert [w for w in words if w not in text] == [], text
    assert [w for w in never if w in text] == [], text
    assert list(tmp_path.rglob("*.whl")) == []


def test_an_os_error_is_one_short_line() -> None:
    """A full disk: one line, at most 300 characters, with the path and the fix."""
    import errno

    from zigcc.cli import _os_error
    from zigcc.config import Settings

    settings = Settings(Path("/cache/zigcc"))
    huge = OSError(errno.ENOSPC, "No space left on device " + "x" * 3_000_000, "/tmp/w/f.o")
    line = _os_error(huge, settings)
    assert "\n" not in line and len(line) <= 300 and line.startswith("No space left")
    nameless = _os_error(OSError(errno.ENOSPC, "No space left on device"), settings)
    assert "(no path given by the system)" in nameless and "TMPDIR" in nameless
    cache = _os_error(OSError(errno.EACCES, "Permission denied", "/cache/zigcc/t/cc"), settings)
    assert "ZIGCC_CACHE_DIR" in cache


def test_describe_maturin_is_a_format() -> None:
    run = _zigcc("describe", "--format", "maturin")
    assert run.returncode == 0, run.stderr
    assert "ext_suffix=" in run.stdout and "lib_name=" in run.stdout


def test_relative_cache_dir_becomes_absolute(tmp_path: Path, real_zig: Path) -> None:
    run = _zigcc("env", "--shell", "json", env={"ZIGCC_CACHE_DIR": "rel/cache"}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    cc = json.loads(run.stdout)["CC"]
    assert cc.startswith(str(tmp_path / "rel" / "cache") + os.sep), cc
    # The shim works from any folder.
    probe = subprocess.run([cc, "--version"], capture_output=True, text=True, cwd="/")
    assert probe.returncode == 0 and "clang" in probe.stdout


def test_a_reader_that_goes_away_is_no_error(tmp_path: Path) -> None:
    """`zigcc env | head -1`: no 'ERROR Broken pipe' line, whatever the timing."""
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-m", "zigcc", "dump-script"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # before zigcc writes: its write meets a closed pipe
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0 and err == "", err


def test_help_is_plain_text() -> None:
    top = _zigcc("--help").stdout
    assert "``" not in top and "zigcc build" in top
    env_help = _zigcc("env", "--help").stdout
    assert "--shell {sh,fish,powershell,json}" in env_help and "syntax" in env_help


def test_doctor_names_zigs_cache(tmp_path: Path, real_zig: Path) -> None:
    run = _zigcc("doctor", "--target", "native", env={"ZIG_GLOBAL_CACHE_DIR":
                                                      str(tmp_path / "zc")})
    line = next(x for x in run.stdout.splitlines() if x.startswith("zig cache"))
    assert str(tmp_path / "zc") in line


WRAPPED = ('[build-system]\nrequires = ["zigcc-toolchain", "setuptools>=64"]\n'
           'build-backend = "zigcc.backend"\n[project]\nname = "p"\nversion = "1"\n')


@pytest.mark.parametrize(("extra", "settings", "words"), [
    ("", ["-C", "zigcc:target="], "ERROR config setting zigcc:target is empty"),
    ("", ["-C", "system:host="], "ERROR config setting system:host is empty"),
    ('[tool.zigcc]\nbackend = "no_such_module"\n', [],
     "ERROR [tool.zigcc] backend = 'no_such_module': no module 'no_such_module'"),
])
def test_the_wrapper_backend_refuses(extra: str, settings: list[str], words: str,
                                     tmp_path: Path) -> None:
    _wrapped_build(tmp_path, extra, settings, words, {})


def test_the_wrapper_backend_names_an_unusable_cache(tmp_path: Path) -> None:
    _wrapped_build(tmp_path, "", [], "ERROR No such file or directory: /proc/zigcc-cache",
                   {"ZIGCC_CACHE_DIR": "/proc/zigcc-cache"})


def _wrapped_build(tmp_path: Path, extra: str, settings: list[str], words: str,
                   env: dict[str, str]) -> None:
    """`python -m build` (here without isolation: zigcc is installed) with zigcc.backend: an
    empty setting (an unset CI variable) or a backend that is not there is one ERROR line
    from the backend, and no wheel."""
    project = _project(tmp_path / "p", WRAPPED + extra)
    run = subprocess.run([sys.executable, "-m", "build", "--no-isolation",
                          "--skip-dependency-check", "--wheel", "--outdir",
                          str(tmp_path / "out"), *settings, project],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, **env})
    assert run.returncode != 0
    assert words in run.stdout + run.stderr, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert list(tmp_path.rglob("*.whl")) == []
