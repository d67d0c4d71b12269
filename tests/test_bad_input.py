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

ROOT = Path(__file__).parent.parent


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
