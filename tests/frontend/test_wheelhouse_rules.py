"""zigcc wheelhouse's pure parts: the target's markers and tags, uv's pins selected for a
target, the index's files chosen for it, the lock; and its bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from packaging.tags import Tag

from zigcc.frontend import index
from zigcc.frontend.wheelhouse import lock, resolve
from zigcc.frontend.wheelhouse.fetch import Choice
from zigcc.frontend.wheelhouse.resolve import Pin
from zigcc.target.model import parse

UV_OUTPUT = """\
certifi==2026.10.19.post1
numpy==2.4.6 ; python_full_version < '3.12'
numpy==2.5.5 ; python_full_version >= '3.12'
pycparser==3.12 ; implementation_name != 'PyPy'
uvloop==0.22.1 ; platform_machine == 'x86_64' or sys_platform == 'darwin'
colorama==0.4.6 ; sys_platform == 'win32'
typing-extensions==4.16.0 ; python_full_version < '3.13'
"""


def env(target: str, version: str) -> dict[str, str]:
    return resolve.marker_environment(parse(target), version)


def test_markers_are_the_targets_not_the_build_machines() -> None:
    e = env("manylinux_2_17_armv7l", "3.11.2")
    assert (e["platform_machine"], e["sys_platform"], e["platform_system"], e["os_name"]) == \
        ("armv7l", "linux", "Linux", "posix")
    assert (e["python_version"], e["python_full_version"], e["implementation_name"]) == \
        ("3.11", "3.11.2", "cpython")
    assert env("win_arm64", "3.14.0")["platform_machine"] == "ARM64"
    assert env("macosx_11_0_arm64", "3.14.0")["sys_platform"] == "darwin"


@pytest.mark.parametrize(("target", "version", "want"), [
    ("manylinux_2_17_aarch64", "3.11.9",
     {"certifi": "2026.10.19.post1", "numpy": "2.4.6", "pycparser": "3.12",
      "typing-extensions": "4.16.0"}),
    ("manylinux_2_27_riscv64", "3.13.5",
     {"certifi": "2026.10.19.post1", "numpy": "2.5.5", "pycparser": "3.12"}),
    ("manylinux_2_17_x86_64", "3.12.1",
     {"certifi": "2026.10.19.post1", "numpy": "2.5.5", "pycparser": "3.12",
      "typing-extensions": "4.16.0", "uvloop": "0.22.1"}),
])
def test_pins_for_a_target(target: str, version: str, want: dict[str, str]) -> None:
    pins = resolve.for_target(resolve.parse_pins(UV_OUTPUT), env(target, version))
    assert {p.name: p.version for p in pins} == want


def test_a_name_pinned_twice_for_one_target_is_an_error() -> None:
    pins = resolve.parse_pins("numpy==2.4.6\nnumpy==2.5.5 ; sys_platform == 'linux'\n")
    with pytest.raises(resolve.ZigccError, match=r"numpy to 2\.4\.6 and 2\.5\.5"):
        resolve.for_target(pins, env("manylinux_2_17_aarch64", "3.11.0"))


def test_pins_that_are_not_pins_are_refused() -> None:
    with pytest.raises(resolve.ZigccError, match="not a name==version pin"):
        resolve.parse_pins("numpy>=2\n")


def test_uv_is_asked_for_a_universal_resolution(tmp_path: Path) -> None:
    cmd = resolve.compile_command("uv", tmp_path / "r.in", "/py", "3.13", [tmp_path / "c.txt"],
                                  index.Sources("https://i/simple", (), ("/w",)))
    assert cmd[:3] == ["uv", "pip", "compile"] and "--universal" in cmd
    assert cmd[cmd.index("--python-version") + 1] == "3.13"
    assert cmd[cmd.index("--constraints") + 1] == str(tmp_path / "c.txt")
    assert cmd[cmd.index("--index-url") + 1] == "https://i/simple"
    assert cmd[cmd.index("--find-links") + 1] == "/w"


def tags_for(target: str, version: tuple[int, int], abiflags: str = "") -> list[Tag]:
    t = parse(target)
    return index.target_tags(version, abiflags, t.platform.installable_tags(t))


def test_installable_tags_reach_down_to_the_oldest_manylinux() -> None:
    t = parse("manylinux_2_28_aarch64")
    tags = t.platform.installable_tags(t)
    assert tags[0] == "manylinux_2_28_aarch64" and "manylinux2014_aarch64" in tags
    assert "manylinux_2_29_aarch64" not in tags and not any(x.startswith("linux_") for x in tags)
    m = parse("musllinux_1_2_x86_64")
    assert m.platform.installable_tags(m) == ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64",
                                              "musllinux_1_0_x86_64")


FILES = [index.Dist(n, "https://x/" + n) for n in (
    "pyyaml-6.0.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "pyyaml-6.0.4-cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
    "pyyaml-6.0.4-cp311-cp311-manylinux_2_28_aarch64.whl",
    "pyyaml-6.0.4-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
    "pyyaml-6.0.3-cp311-cp311-manylinux2014_armv7l.manylinux_2_17_armv7l.whl",
    "pyyaml-6.0.4-cp311-abi3-manylinux2014_armv7l.whl",
    "pyyaml-6.0.4.zip", "pyyaml-6.0.4.tar.gz", "pyyaml-6.0.3.tar.gz")]
PIN = Pin(resolve.canonicalize_name("PyYAML"), "6.0.4")


@pytest.mark.parametrize(("target", "version", "want"), [
    ("manylinux_2_17_aarch64", (3, 11),
     "pyyaml-6.0.4-cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64.whl"),
    ("manylinux_2_28_aarch64", (3, 11), "pyyaml-6.0.4-cp311-cp311-manylinux_2_28_aarch64.whl"),
    ("manylinux_2_17_armv7l", (3, 11), "pyyaml-6.0.4-cp311-abi3-manylinux2014_armv7l.whl"),
    ("manylinux_2_17_armv7l", (3, 10), None),  # cp311-abi3 needs 3.11
    ("manylinux_2_27_riscv64", (3, 13), None),
    ("manylinux_2_17_aarch64", (3, 13), None),
])
def test_the_best_index_wheel_for_a_target(target: str, version: tuple[int, int],
                                           want: str | None) -> None:
    found = index.best_wheel(FILES, PIN.version, tags_for(target, version))
    assert (found.filename if found else None) == want


def test_free_threaded_takes_no_abi3_wheel() -> None:
    assert index.best_wheel(FILES, PIN.version, tags_for("manylinux_2_17_armv7l", (3, 14), "t")) is None


def test_the_sdist_of_the_pinned_version() -> None:
    found = index.sdist(FILES, PIN.version)
    assert found is not None and found.filename == "pyyaml-6.0.4.tar.gz"
    assert index.sdist(FILES, "7.0") is None


def test_html_index_links_keep_their_hash() -> None:
    dist = index._from_url("https://i/simple/x/", "../../f/x-1.0.tar.gz#sha256=abc")
    assert dist == index.Dist("x-1.0.tar.gz", "https://i/f/x-1.0.tar.gz", "abc")


def test_a_download_with_the_wrong_hash_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "x-1.0.tar.gz"
    src.write_bytes(b"data")
    dest = tmp_path / "dest"
    with pytest.raises(index.ZigccError, match="sha256"):
        index.download(index.Dist(src.name, str(src), "0" * 64), dest)
    assert list(dest.iterdir()) == []
    got = index.download(index.Dist(src.name, str(src), index.sha256_of(src)), dest)
    assert got.read_bytes() == b"data"


def test_the_lock_pins_every_wheel_by_hash(tmp_path: Path) -> None:
    text = lock.render("cp311-manylinux_2_17_aarch64", [
        ("pyyaml", "6.0.4", tmp_path / "pyyaml.whl", "a" * 64),
        ("cffi", "2.1.1", tmp_path / "cffi.whl", "b" * 64)])
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert lines == ["cffi==2.1.1 \\", f"    --hash=sha256:{'b' * 64}",
                     "pyyaml==6.0.4 \\", f"    --hash=sha256:{'a' * 64}"]


def test_only_and_prefer_build() -> None:
    c = Choice(frozenset({"numpy"}), frozenset({"pyyaml"}))
    assert c.only("numpy") and c.prefer("numpy") and not c.only("pyyaml")
    assert c.prefer("pyyaml") and not c.prefer("cffi")
    assert Choice(frozenset({":all:"})).only("anything")


@pytest.mark.parametrize(("args", "message"), [
    ([], "no requirements"),
    (["-r", "/nonexistent/req.txt"], "-r /nonexistent/req.txt: no such file"),
    (["pyyaml", "-c", "/nonexistent/c.txt"], "-c /nonexistent/c.txt: no such file"),
    (["not a requirement!"], "requirement 'not a requirement!'"),
    (["pyyaml", "--python", "/some/sysroot"], "--python /some/sysroot: zigcc wheelhouse takes"),
])
def test_bad_input_is_one_error_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "zigcc", "wheelhouse", *args, "--out-dir",
                           str(tmp_path / "out"), "--target", "manylinux_2_17_aarch64"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR") and message in lines[0], done.stderr


def test_local_projects_are_pins_with_a_path(tmp_path: Path) -> None:
    pins = resolve.parse_pins("/src/my_app\n/d/App-2.0.tar.gz\nlib @ file:///src/lib%20x\n"
                              "numpy==2.4.6\n")
    assert [(p.name, p.version, p.path) for p in pins] == [
        ("my-app", "", "/src/my_app"), ("app", "", "/d/App-2.0.tar.gz"), ("lib", "", "/src/lib x"), ("numpy", "2.4.6", "")]
    with pytest.raises(resolve.ZigccError, match="direct URL"):
        resolve.parse_pins("lib @ https://example.org/lib-1.0.tar.gz\n")
    (tmp_path / "app").mkdir()
    written = resolve.requirements_file([str(tmp_path / "app"), "numpy"], [], tmp_path / "r.in")
    assert written.read_text().splitlines() == [str(tmp_path / "app"), "numpy"]
