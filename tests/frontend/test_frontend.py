"""`zigcc build` options, matrix planning and bad input (fast: nothing is compiled)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zigcc.backends import wiring
from zigcc.errors import ZigccError
from zigcc.frontend import options
from zigcc.frontend.matrix import default_target
from zigcc.python import interpreter as buildpython
from zigcc.target.model import Host

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "hello"


def test_config_settings_repeat_into_lists() -> None:
    got = options.parse_config_settings(["a=1", "setup-args=-Dx=1", "setup-args=-Dy=2", "e="])
    assert got == {"a": "1", "setup-args": ["-Dx=1", "-Dy=2"], "e": ""}
    with pytest.raises(ZigccError, match=r"'novalue'.*KEY=VALUE"):
        options.parse_config_settings(["novalue"])


def test_precedence_cli_then_environment_then_pyproject() -> None:
    table = {"targets": ["musllinux_1_2_x86_64"], "pythons": "3.12",
             "config-settings": {"k": "toml", "list": ["a", "b"]},
             "environment": {"FOO": 1}, "before-all": "make lib"}
    env = {"ZIGCC_BUILD_TARGETS": "manylinux_2_17_s390x  manylinux_2_17_aarch64"}
    got = options.from_sources({"pythons": ["3.11"], "config_settings": {"k": "cli"}}, env,
                               table, ["native"], ["3.13"])
    assert got.targets == ("manylinux_2_17_s390x", "manylinux_2_17_aarch64")  # environment
    assert got.pythons == ("3.11",)  # command line
    assert got.config_settings == {"k": "cli", "list": ["a", "b"]}
    assert got.environment == {"FOO": "1"}
    assert got.before_all == ("make lib",)  # pyproject
    bare = options.from_sources({}, {}, {}, ["native"], ["3.13"])
    assert (bare.targets, bare.pythons, bare.jobs) == (("native",), ("3.13",), 1)


@pytest.mark.parametrize(("table", "words"), [
    ({"target": ["x"]}, "unknown key 'target'"),
    ({"targets": [1]}, "expected a string or a list of strings"),
    ({"environment": "A=1"}, "environment = 'A=1': expected a table"),
])
def test_bad_pyproject_tables(table: dict[str, object], words: str) -> None:
    with pytest.raises(ZigccError, match=words):
        options.from_sources({}, {}, table, ["native"], ["3.11"])


def test_backend_config_settings_are_added_not_replacing_the_users() -> None:
    files = wiring.BackendFiles(Path("/t/toolchain.cmake"), Path("/t/cross.ini"))
    meson = wiring.config_settings("mesonpy", files, {"setup-args": "-Dfoo=1"})
    assert meson == {"setup-args": ["-Dfoo=1", "--cross-file=/t/cross.ini"]}
    cmake = wiring.config_settings("scikit_build_core.build", files, {})
    assert cmake == {"cmake.define.CMAKE_TOOLCHAIN_FILE": "/t/toolchain.cmake",
                     "cmake.define.CMAKE_POLICY_DEFAULT_CMP0190": "NEW",
                     "cmake.version": ">=4.1"}
    assert wiring.config_settings("setuptools.build_meta", files, {"a": "b"}) == {"a": "b"}


def test_build_python_candidates(tmp_path: Path) -> None:
    (tmp_path / "versions" / "3.12.1").mkdir(parents=True)
    (tmp_path / "versions" / "3.12.4").mkdir(parents=True)
    (tmp_path / "versions" / "3.1.0").mkdir(parents=True)
    got = buildpython.candidates((3, 12), "", ["/usr/bin", ""], tmp_path)
    assert got == ["/usr/bin/python3.12", str(tmp_path / "versions/3.12.4/bin/python3.12"),
                   str(tmp_path / "versions/3.12.1/bin/python3.12")]


def test_uv_managed_pythons_are_candidates(tmp_path: Path) -> None:
    for name in ("cpython-3.14.0-linux-x86_64-gnu", "cpython-3.14.2-linux-x86_64-gnu",
                 "cpython-3.14.2+freethreaded-linux-x86_64-gnu",
                 "cpython-3.14.2+debug-linux-x86_64-gnu", "cpython-3.13.9-linux-x86_64-gnu",
                 "pypy-3.14.0-linux-x86_64-gnu"):
        (tmp_path / name).mkdir()
    plain = buildpython.candidates((3, 14), "", [], None, tmp_path)
    assert plain == [str(tmp_path / "cpython-3.14.2-linux-x86_64-gnu/bin/python3.14"),
                     str(tmp_path / "cpython-3.14.0-linux-x86_64-gnu/bin/python3.14")]
    threaded = buildpython.candidates((3, 14), "t", [], None, tmp_path)
    assert threaded == [str(tmp_path / "cpython-3.14.2+freethreaded-linux-x86_64-gnu/bin/"
                            "python3.14t")]


def test_a_uv_managed_python_is_found(tmp_path: Path) -> None:
    """A real CPython in uv's layout (a link to pyenv's), with nothing on PATH or in pyenv."""
    version = sys.version_info[:2]
    real = Path(sys.base_prefix) / "bin" / "python{}.{}".format(*version)
    if not real.is_file():
        pytest.skip(f"no {real}")
    folder = tmp_path / "uv" / "cpython-{}.{}.99-linux-x86_64-gnu".format(*version) / "bin"
    folder.mkdir(parents=True)
    (folder / real.name).symlink_to(real)
    env = {"PATH": "", "HOME": str(tmp_path), "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv")}
    found = buildpython.find(version, sys.abiflags, env)
    assert found.executable == str(folder / real.name) and found.version == version
    with pytest.raises(ZigccError, match=r"`uv python install 3\.99t` or `pyenv install "
                       r"3\.99t`\) or pass --build-python"):
        buildpython.find((3, 99), "t", env)


def test_default_target_is_the_lowest_glibc_of_this_arch() -> None:
    assert default_target(Host("linux", "aarch64", (2, 36))) == "manylinux_2_17_aarch64"
    assert default_target(Host("linux", "riscv64", (2, 39))) == "manylinux_2_27_riscv64"


def _zigcc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zigcc", *args], capture_output=True,
                          text=True, timeout=120)


def test_list_prints_the_matrix_as_json() -> None:
    here = "{}.{}".format(*sys.version_info[:2])
    run = _zigcc("build", str(EXAMPLE), "--list", "--python", here)
    assert run.returncode == 0, run.stderr
    # examples/hello's [tool.zigcc] targets: this machine, and aarch64 (synthesized Python)
    native, aarch64 = json.loads(run.stdout)
    assert native["id"].startswith("cp{}{}-manylinux_2_".format(*sys.version_info[:2]))
    assert aarch64["id"] == "cp{}{}-manylinux_2_17_aarch64".format(*sys.version_info[:2])
    assert "synth" in aarch64["python"]
    assert set(native) == set(aarch64) == {"id", "target", "python"}


def test_list_honours_only() -> None:
    here = "{}.{}".format(*sys.version_info[:2])
    one = "cp{}{}-manylinux_2_17_aarch64".format(*sys.version_info[:2])
    run = _zigcc("build", str(EXAMPLE), "--list", "--python", here, "--only", one)
    assert run.returncode == 0, run.stderr
    assert [entry["id"] for entry in json.loads(run.stdout)] == [one]


def test_list_makes_no_toolchain_and_runs_no_compiler(tmp_path: Path) -> None:
    """--list plans a matrix with a synthesized (foreign) target Python and empty caches:
    no zig copy, toolchain or pack is made, and zig's own cache is never created."""
    here = "{}.{}".format(*sys.version_info[:2])
    caches = {"ZIGCC_CACHE_DIR": tmp_path / "zigcc", "ZIG_GLOBAL_CACHE_DIR": tmp_path / "zig",
              "ZIG_LOCAL_CACHE_DIR": tmp_path / "zig-local", "TMPDIR": tmp_path / "tmp"}
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, **{k: str(v) for k, v in caches.items()}}
    run = subprocess.run([sys.executable, "-m", "zigcc", "build", str(EXAMPLE), "--list",
                          "--python", here], capture_output=True, text=True, timeout=120,
                         env=env)
    assert run.returncode == 0, run.stderr
    native, aarch64 = json.loads(run.stdout)
    assert os.path.isabs(native["python"]), native  # the build interpreter itself
    assert aarch64["python"].startswith(f"CPython {here} synthesized from "), aarch64
    for name in ("ZIGCC_CACHE_DIR", "ZIG_GLOBAL_CACHE_DIR", "ZIG_LOCAL_CACHE_DIR"):
        assert not caches[name].exists(), f"{name}: {sorted(caches[name].rglob('*'))[:5]}"
    assert [p.name for p in (tmp_path / "tmp").iterdir()] == []


@pytest.mark.parametrize(("args", "words"), [
    (["build", "/nonexistent/src"], "/nonexistent/src: no such file or folder"),
    (["build", str(EXAMPLE), "--target", "manylinux_2_17_arm64"], "unknown target"),
    (["build", str(EXAMPLE), "--only", "cp99-nothing"], "--only cp99-nothing: no such build"),
    (["build", str(EXAMPLE), "-j", "0"], "-j 0"),
    (["build", str(EXAMPLE), "-C", "oops"], "KEY=VALUE"),
    (["build", str(EXAMPLE), "--python", "/nonexistent/sysroot"], "/nonexistent/sysroot"),
    (["build", str(EXAMPLE), "--target", "macosx_10_9_universal2", "--python", "3.13"],
     "--target macosx_10_9_x86_64: python.org's CPython 3.13 for macOS runs on macOS 10.13"),
    (["build", str(EXAMPLE), "--target", "macosx_10_9_x86_64", "--python", "3.13"],
     "CPython 3.13 for macOS runs on macOS 10.13 and later (x86_64); use macosx_10_13_x86_64"),
    (["build", str(EXAMPLE), "--target", "macosx_10_9_x86_64", "--python", "3.13"],
     "or MACOSX_DEPLOYMENT_TARGET=10.13"),
    (["build", str(EXAMPLE), "--python", "3.99"], "no python3.99 found"),
])
def test_bad_input_is_one_error_line(args: list[str], words: str) -> None:
    if "3.11" in args and sys.version_info[:2] != (3, 11):
        args = [a if a != "3.11" else "{}.{}".format(*sys.version_info[:2]) for a in args]
    run = _zigcc(*args)
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR "), run.stderr
    assert words in lines[0]
    assert "Traceback" not in run.stderr


def _aarch64_description(tmp_path: Path) -> Path:
    details = {
        "schema_version": "1.0", "base_prefix": "/usr", "platform": "linux-aarch64",
        "language": {"version": "{}.{}".format(*sys.version_info[:2])},
        "implementation": {"name": "cpython"},
        "abi": {"flags": [], "extension_suffix": ".cpython-3x-aarch64-linux-gnu.so"},
        "arbitrary_data": {"zigcc": {"MULTIARCH": "aarch64-linux-gnu"}},
    }
    path = tmp_path / "aarch64.json"
    path.write_text(json.dumps(details))
    return path


def test_descriptions_pair_with_the_targets_of_their_platform(tmp_path: Path) -> None:
    aarch64 = _aarch64_description(tmp_path)
    run = _zigcc("build", str(EXAMPLE), "--list", "--target", "manylinux_2_17_aarch64",
                 "--target", "manylinux_2_28_aarch64", "--python", str(aarch64))
    assert run.returncode == 0, run.stderr
    ids = [entry["id"] for entry in json.loads(run.stdout)]
    cp = "cp{}{}".format(*sys.version_info[:2])
    assert ids == [f"{cp}-manylinux_2_17_aarch64", f"{cp}-manylinux_2_28_aarch64"]


@pytest.mark.parametrize(("targets", "native_too", "words"), [
    (["manylinux_2_17_s390x"], False, "manylinux_2_17_s390x.manylinux2014_s390x: no --python "
     "is for it"),
    (["manylinux_2_17_x86_64"], True, "is a linux-aarch64 Python but no --target is of that "
     "platform; add one, e.g. --target manylinux_2_17_aarch64"),
])
def test_description_and_target_that_do_not_pair(tmp_path: Path, targets: list[str],
                                                 native_too: bool, words: str) -> None:
    args = [a for t in targets for a in ("--target", t)]
    if native_too:
        args += ["--python", "{}.{}".format(*sys.version_info[:2])]
    run = _zigcc("build", str(EXAMPLE), "--list", *args, "--python",
                 str(_aarch64_description(tmp_path)))
    assert run.returncode == 2 and words in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


PIP_23 = (">=3.7", [f"Programming Language :: Python :: 3.{m}" for m in range(7, 13)])
PIP_26 = (">=3.10", [f"Programming Language :: Python :: 3.{m}" for m in range(10, 16)])


@pytest.mark.parametrize(("pip", "version", "admits"), [
    (PIP_23, "3.11.7", True), (PIP_23, "3.12.1", True), (PIP_23, "3.13.0", False),
    (PIP_23, "3.15.0rc2", False), (PIP_26, "3.9.18", False), (PIP_26, "3.14.7", True),
    (PIP_26, "3.15.0rc2", True), ((">=3.8", []), "3.16.0", True),
])
def test_which_pip_installs_into_which_python(pip: tuple[str, list[str]], version: str,
                                              admits: bool) -> None:
    """pip 23.2.1's and 26.3's metadata: an older pip than the build interpreter (23.2 under
    3.15 crashes) is not used; the venv's own ensurepip pip is."""
    from zigcc.frontend.isolated import pip_admits

    assert pip_admits(version, *pip) is admits


@pytest.mark.parametrize(("uv", "environ", "expected"), [
    (False, {}, ["pip", "install", "--no-warn-script-location", "--no-compile", "--no-input",
                 "--disable-pip-version-check", "-r", "req.txt"]),
    (False, {"PYTHONDONTWRITEBYTECODE": "1"},
     ["pip", "install", "--no-warn-script-location", "--no-input",
      "--disable-pip-version-check", "-r", "req.txt"]),
    (True, {}, ["pip", "install", "--python", "/v/bin/python", "-r", "req.txt"]),
    (True, {"PYTHONDONTWRITEBYTECODE": "x"},
     ["pip", "install", "--python", "/v/bin/python", "--compile-bytecode", "-r", "req.txt"]),
])
def test_shared_environments_are_byte_compiled_when_hooks_write_no_bytecode(
        uv: bool, environ: dict[str, str], expected: list[str]) -> None:
    from zigcc.frontend.isolated import install_command

    assert install_command(["pip"], uv, "/v/bin/python", "req.txt", environ) == expected
