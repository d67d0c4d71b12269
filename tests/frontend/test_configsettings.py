"""Config settings that choose a cross build: zigcc's keys and the draft cross-compiling PEP's
``system:`` keys, read into one CrossSettings; conflicts and unknown keys are one error."""

from __future__ import annotations

from pathlib import Path

import pytest

from zigcc.errors import ZigccError
from zigcc.frontend.configsettings import host_triple_target, parse_settings
from zigcc.target.model import parse

TRIPLES = {
    "x86_64-unknown-linux-gnu": "manylinux_2_17_x86_64",
    "aarch64-unknown-linux-gnu": "manylinux_2_17_aarch64",
    "aarch64-linux-gnu": "manylinux_2_17_aarch64",
    "armv7-unknown-linux-gnueabihf": "manylinux_2_17_armv7l",
    "i686-pc-linux-gnu": "manylinux_2_17_i686",
    "powerpc64le-unknown-linux-gnu": "manylinux_2_19_ppc64le",
    "s390x-ibm-linux-gnu": "manylinux_2_17_s390x",
    "riscv64gc-unknown-linux-gnu": "manylinux_2_27_riscv64",
    "aarch64-unknown-linux-musl": "musllinux_1_2_aarch64",
    "x86_64-unknown-linux-musl": "musllinux_1_2_x86_64",
    "aarch64-apple-darwin": "macosx_11_0_arm64",
    "x86_64-pc-windows-msvc": "win_amd64",
}


@pytest.mark.parametrize("triple", sorted(TRIPLES))
def test_clang_triples_map_to_the_lowest_libc(triple: str) -> None:
    target = parse(host_triple_target(triple))
    assert target.wheel_platform.split(".")[0] == TRIPLES[triple]


@pytest.mark.parametrize("triple", ["sparc64-unknown-linux-gnu", "armv6-unknown-linux-gnueabi",
                                    "aarch64-linux-android", "x86_64-unknown-freebsd", "", "x"])
def test_triples_zigcc_cannot_build_are_refused(triple: str) -> None:
    with pytest.raises(ZigccError, match="system:host="):
        host_triple_target(triple)


def test_native_and_auto_ask_for_nothing() -> None:
    cross = parse_settings({"system:host": "native", "system:platform_tag": "auto"})
    assert cross.target is None and cross.python is None


def test_platform_tag_pins_the_glibc_of_a_triple() -> None:
    cross = parse_settings({"system:host": "aarch64-unknown-linux-gnu",
                            "system:platform_tag": "manylinux_2_28_aarch64"})
    assert cross.target == "manylinux_2_28_aarch64"
    cross = parse_settings({"system:host": "aarch64-unknown-linux-gnu"})
    assert cross.target == "manylinux_2_17_aarch64"


@pytest.mark.parametrize("settings, names", [
    ({"zigcc:target": "manylinux_2_17_aarch64", "system:host": "s390x-ibm-linux-gnu"},
     ("zigcc:target", "system:host")),
    ({"system:platform_tag": "manylinux_2_17_x86_64", "system:host": "aarch64-linux-gnu"},
     ("system:platform_tag", "system:host")),
    ({"zigcc:target": "manylinux_2_17_aarch64", "system:platform_tag": "manylinux_2_28_aarch64"},
     ("zigcc:target", "system:platform_tag")),
    ({"system:host": "aarch64-unknown-linux-musl", "system:platform_tag": "manylinux_2_17_aarch64"},
     ("system:platform_tag", "system:host")),
    ({"zigcc:python": "3.11", "system:sysroot": "/x"}, ("zigcc:python", "system:sysroot")),
])
def test_conflicts_name_both_keys(settings: dict[str, str], names: tuple[str, str]) -> None:
    with pytest.raises(ZigccError) as info:
        parse_settings(settings)
    text = str(info.value)
    assert text.startswith(f"config settings {names[0]}=") and f" and {names[1]}=" in text
    assert "\n" not in text


@pytest.mark.parametrize("key", ["zigcc:targt", "system:compiler", "system:host_platform"])
def test_unknown_keys_are_refused(key: str) -> None:
    with pytest.raises(ZigccError, match=f"config setting '{key}' is not one zigcc knows"):
        parse_settings({key: "x"})


def test_flags_and_dirs_are_split_and_listed() -> None:
    cross = parse_settings({"system:cflags": "-DA=1 '-DB=two words'",
                            "system:cxxflags": ["-DC", "-DD"],
                            "system:include_dirs": "/inc", "system:lib_dirs": ["/l1", "/l2"],
                            "system:ldflags": "-Wl,--as-needed", "setup-args": ["-Dx=y"],
                            "cmake.define.FOO": "1"})
    assert cross.compile_flags(cxx=False) == ["-I/inc", "-DA=1", "-DB=two words"]
    assert cross.compile_flags(cxx=True) == ["-I/inc", "-DC", "-DD"]
    assert cross.link_flags() == ["-L/l1", "-L/l2", "-Wl,--as-needed"]
    assert dict(cross.backend) == {"setup-args": ["-Dx=y"], "cmake.define.FOO": "1"}


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(ZigccError, match="given twice"):
        parse_settings({"zigcc:target": ["manylinux_2_17_aarch64", "manylinux_2_17_s390x"]})


def _debian_like(root: Path) -> Path:
    lib = root / "usr" / "lib" / "python3.11"
    lib.mkdir(parents=True)
    (lib / "_sysconfigdata__linux_aarch64-linux-gnu.py").write_text("build_time_vars = {}\n")
    return root


def test_host_prefix_finds_its_python(tmp_path: Path) -> None:
    root = _debian_like(tmp_path / "root")
    assert parse_settings({"system:sysroot": str(root)}).python == str(root)
    assert parse_settings({"system:host_prefix": str(root / "usr")}).python == str(root)
    # a prefix as the target sees it, inside the sysroot
    both = {"system:sysroot": str(root), "system:host_prefix": "/usr"}
    assert parse_settings(both).python == str(root)
    details = tmp_path / "prefix" / "lib" / "python3.13" / "build-details.json"
    details.parent.mkdir(parents=True)
    details.write_text("{}")
    assert parse_settings({"system:host_prefix": str(tmp_path / "prefix")}).python == str(details)


def test_host_prefix_outside_its_sysroot_is_a_conflict(tmp_path: Path) -> None:
    root = _debian_like(tmp_path / "root")
    with pytest.raises(ZigccError, match=r"system:sysroot=.* and system:host_prefix=.* disagree"):
        parse_settings({"system:sysroot": str(root), "system:host_prefix": "/opt/python"})
    with pytest.raises(ZigccError, match=r"system:host_prefix=.*no lib/python3.X"):
        parse_settings({"system:host_prefix": str(tmp_path)})
