"""The zigcc command: env in every shell form, which, targets, doctor, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zigcc.toolchain import installed
from zigcc.toolchain.envvars import format_env


def zigcc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zigcc", *args], capture_output=True,
                          text=True, env=env)


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ZIGCC_CACHE_DIR": str(tmp_path / "c a$che")}


def test_env_sh_is_safe_to_eval(cache_env: dict[str, str]) -> None:
    out = zigcc("env", "--target", "manylinux_2_17_aarch64", env=cache_env)
    assert out.returncode == 0, out.stderr
    script = out.stdout + '\nprintf "%s\\n" "$CC" "$LDSHARED" "$ZIGCC_TARGET"'
    shown = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True)
    cc, ldshared, target = shown.stdout.splitlines()
    zig = f"zig-{installed.zig_version()}"  # folders are keyed by the zig that renders them
    # The cache path holds a space, which setuptools would split CC on: a space-free link.
    assert not any(c.isspace() for c in cc), cc
    assert Path(cc).resolve() == (Path(cache_env["ZIGCC_CACHE_DIR"]) / "toolchains" / zig /
                                  "aarch64-linux-gnu.2.17/cc").resolve()
    assert ldshared == cc + " -shared"
    assert target == "aarch64-linux-gnu.2.17"
    assert Path(cc).is_file() and os.access(cc, os.X_OK)


def test_env_json_and_default_native(cache_env: dict[str, str]) -> None:
    out = zigcc("env", "--shell", "json", env=cache_env)
    data = json.loads(out.stdout)
    assert set(data) >= {"CC", "CXX", "AR", "RANLIB", "LDSHARED", "LDCXXSHARED"}
    assert data["ZIGCC_TARGET"].startswith(("x86_64-linux-gnu.2.", "aarch64-linux-gnu.2."))


@pytest.mark.parametrize(("shell", "line"), [
    ("sh", "export A='it'\\''s $x'"),
    ("fish", "set -gx A 'it\\'s $x'"),
    ("powershell", "$env:A = 'it''s $x'"),
])
def test_shell_quoting(shell: str, line: str) -> None:
    assert format_env({"A": "it's $x"}, shell) == line


def test_fish_quoting_round_trips_if_fish_exists() -> None:
    if not any((Path(d) / "fish").exists() for d in os.environ["PATH"].split(os.pathsep)):
        pytest.skip("fish is not installed")
    out = subprocess.run(["fish", "-c", format_env({"A": "it's \\ $x"}, "fish") + "; echo $A"],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "it's \\ $x\n"


def test_which(cache_env: dict[str, str]) -> None:
    out = zigcc("which", "c++", "--target", "win_amd64", env=cache_env)
    real = (Path(cache_env["ZIGCC_CACHE_DIR"]) / "toolchains" / f"zig-{installed.zig_version()}" /
            "x86_64-windows-gnu/c++")
    assert Path(out.stdout.strip()).resolve() == real.resolve()


def test_targets_lists_the_table() -> None:
    out = zigcc("targets").stdout
    for name in ("manylinux_2_19_ppc64le", "riscv64-linux-gnu.2.27", "musllinux_1_2_i686",
                 "macosx_11_0_arm64", "win32", "generic+v7a+vfp3d16+thumb2-neon-d32"):
        assert name in out


@pytest.mark.parametrize(("args", "needle"), [
    (["env", "--target", "manylinux_2_17_ppc64le"], "manylinux_2_19_ppc64le"),
    (["env", "--target", "manylinux1_x86_64"], "lowest that works is 2.17"),
    (["which", "cc", "--target", "muslinux_1_2_x86_64"], "did you mean 'musllinux_1_2_x86_64'"),
    (["env", "--target", "macosx_11_0_universal2"], "builds both and merges them"),
])
def test_errors_are_one_line_with_exit_2(cache_env: dict[str, str], args: list[str],
                                         needle: str) -> None:
    out = zigcc(*args, env=cache_env)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith("ERROR ") and out.stderr.count("\n") == 1
    assert needle in out.stderr


def test_unwritable_cache_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = zigcc("env", env={**os.environ, "ZIGCC_CACHE_DIR": str(blocker / "sub")})
    assert out.returncode == 2
    assert out.stderr.startswith("ERROR ") and out.stderr.count("\n") == 1
    assert "ZIGCC_CACHE_DIR" in out.stderr


@pytest.mark.slow
def test_doctor_smoke_compiles(cache_env: dict[str, str]) -> None:
    out = zigcc("doctor", "--target", "native", "--target", "manylinux_2_17_aarch64",
                "--target", "manylinux_2_17_ppc64le", env=cache_env)
    assert out.returncode == 1  # the ppc64le glibc request is refused
    assert "zig " in out.stdout and "(0." in out.stdout
    assert "manylinux_2_17_aarch64 -> aarch64-linux-gnu.2.17" in out.stdout
    assert out.stdout.count(": ok") == 2
    assert "manylinux_2_17_ppc64le: ERROR" in out.stdout


@pytest.mark.slow
def test_verify_reports_each_wheel(cache_env: dict[str, str], tmp_path: Path) -> None:
    """A real aarch64 .so in a wheel tagged right and in one tagged for x86_64."""
    from test_wheelcheck import make_wheel

    cc = zigcc("which", "cc", "--target", "manylinux_2_17_aarch64", env=cache_env).stdout.strip()
    (tmp_path / "m.c").write_text("int f(int x) { return x + 1; }\n")
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "m.c", "-o", "m.so"], cwd=tmp_path,
                   check=True)
    wheels = []
    for tag in ("linux_x86_64", "manylinux_2_17_aarch64"):
        wheel = make_wheel(tmp_path, f"m-1.0-cp311-cp311-{tag}.whl",
                           {"m.cpython-311-aarch64-linux-gnu.so": (tmp_path / "m.so").read_bytes()})
        wheels.append(str(wheel))
    out = zigcc("verify", *wheels, "--target", "manylinux_2_17_aarch64", env=cache_env)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert "platform tags ['linux_x86_64'] are not ones" in lines[0]
    assert lines[-1] == ("m-1.0-cp311-cp311-manylinux_2_17_aarch64.whl: ok for "
                         "manylinux_2_17_aarch64.manylinux2014_aarch64")
    good = zigcc("verify", wheels[1], "--target", "manylinux_2_17_aarch64", env=cache_env)
    assert good.returncode == 0


def _write_bad(path: Path, kind: str) -> None:
    import zipfile

    from test_wheelcheck import make_wheel

    if kind == "not a zip":
        path.write_bytes(b"\x00" * 100)
    elif kind == "truncated":
        make_wheel(path.parent, path.name, {"p/__init__.py": b"x = 1\n" * 500})
        path.write_bytes(path.read_bytes()[:-60])
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("p/__init__.py", "")


@pytest.mark.parametrize(("name", "kind", "needle"), [
    ("p-1.0-py3-none-any.whl", "not a zip", "not a readable zip archive"),
    ("p-1.0-py3-none-any.whl", "truncated", "not a readable zip archive"),
    ("p_1.0_py3_none_any.whl", "no WHEEL", "Invalid wheel filename"),
    ("p-1.0-py3-none-any.whl", "no WHEEL", "no <name>.dist-info/WHEEL"),
    ("missing-1.0-py3-none-any.whl", "missing", "no such wheel"),
])
def test_verify_bad_input_is_one_error_line(tmp_path: Path, name: str, kind: str,
                                            needle: str) -> None:
    path = tmp_path / name
    if kind != "missing":
        _write_bad(path, kind)
    out = zigcc("verify", str(path), "--target", "manylinux_2_17_aarch64")
    assert out.returncode == 2
    assert out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"ERROR {path}: ") and out.stderr.count("\n") == 1
    assert needle in out.stderr and "; " in out.stderr


def test_verify_checks_every_wheel_after_a_bad_one(tmp_path: Path) -> None:
    from test_wheelcheck import make_wheel

    bad = tmp_path / "q-1.0-py3-none-any.whl"
    bad.write_text("not a zip")
    good = make_wheel(tmp_path, "p-1.0-py3-none-any.whl", {"p.py": b""})
    out = zigcc("verify", str(bad), str(good), "--target", "manylinux_2_17_aarch64")
    assert out.returncode == 2
    assert out.stderr.count("ERROR ") == 1 and "Traceback" not in out.stderr
    assert out.stdout == ("p-1.0-py3-none-any.whl: ok for "
                          "manylinux_2_17_aarch64.manylinux2014_aarch64\n")
