"""The target model, as one exhaustive table (in the style of pypa/packaging's tag tests)."""

from __future__ import annotations

import pytest

from zigcc.errors import ZigccError
from zigcc.target.model import Host, parse, supported

# spec -> (zig -target, -mcpu, wheel platform tag, sysconfig platform, multiarch,
#          GNU triple, CMake (system, processor), meson (cpu_family, cpu, endian))
TABLE = {
    "manylinux_2_17_x86_64": ("x86_64-linux-gnu.2.17", "x86_64",
                              "manylinux_2_17_x86_64.manylinux2014_x86_64", "linux-x86_64",
                              "x86_64-linux-gnu", "x86_64-linux-gnu", ("Linux", "x86_64"),
                              ("x86_64", "x86_64", "little")),
    "manylinux2014_x86_64": ("x86_64-linux-gnu.2.17", "x86_64",
                             "manylinux_2_17_x86_64.manylinux2014_x86_64", "linux-x86_64",
                             "x86_64-linux-gnu", "x86_64-linux-gnu", ("Linux", "x86_64"),
                             ("x86_64", "x86_64", "little")),
    "manylinux_2_28_x86_64": ("x86_64-linux-gnu.2.28", "x86_64", "manylinux_2_28_x86_64",
                              "linux-x86_64", "x86_64-linux-gnu", "x86_64-linux-gnu",
                              ("Linux", "x86_64"), ("x86_64", "x86_64", "little")),
    "manylinux_2_17_aarch64": ("aarch64-linux-gnu.2.17", "generic",
                               "manylinux_2_17_aarch64.manylinux2014_aarch64", "linux-aarch64",
                               "aarch64-linux-gnu", "aarch64-linux-gnu", ("Linux", "aarch64"),
                               ("aarch64", "aarch64", "little")),
    "aarch64-linux-gnu.2.17": ("aarch64-linux-gnu.2.17", "generic",
                               "manylinux_2_17_aarch64.manylinux2014_aarch64", "linux-aarch64",
                               "aarch64-linux-gnu", "aarch64-linux-gnu", ("Linux", "aarch64"),
                               ("aarch64", "aarch64", "little")),
    "manylinux_2_17_armv7l": ("arm-linux-gnueabihf.2.17", "generic+v7a+vfp3d16+thumb2-neon-d32",
                              "manylinux_2_17_armv7l.manylinux2014_armv7l", "linux-armv7l",
                              "arm-linux-gnueabihf", "arm-linux-gnueabihf", ("Linux", "armv7l"),
                              ("arm", "armv7l", "little")),
    "arm-linux-gnueabihf.2.31": ("arm-linux-gnueabihf.2.31",
                                 "generic+v7a+vfp3d16+thumb2-neon-d32", "manylinux_2_31_armv7l",
                                 "linux-armv7l", "arm-linux-gnueabihf", "arm-linux-gnueabihf",
                                 ("Linux", "armv7l"), ("arm", "armv7l", "little")),
    "manylinux2014_i686": ("x86-linux-gnu.2.17", "i686",
                           "manylinux_2_17_i686.manylinux2014_i686", "linux-i686",
                           "i386-linux-gnu", "i686-linux-gnu", ("Linux", "i686"),
                           ("x86", "i686", "little")),
    "manylinux_2_19_ppc64le": ("powerpc64le-linux-gnu.2.19", "pwr8", "manylinux_2_19_ppc64le",
                               "linux-ppc64le", "powerpc64le-linux-gnu",
                               "powerpc64le-linux-gnu", ("Linux", "ppc64le"),
                               ("ppc64", "ppc64le", "little")),
    "manylinux_2_17_s390x": ("s390x-linux-gnu.2.17", "z10",
                             "manylinux_2_17_s390x.manylinux2014_s390x", "linux-s390x",
                             "s390x-linux-gnu", "s390x-linux-gnu", ("Linux", "s390x"),
                             ("s390x", "s390x", "big")),
    "manylinux_2_27_riscv64": ("riscv64-linux-gnu.2.27", "baseline_rv64",
                               "manylinux_2_27_riscv64", "linux-riscv64", "riscv64-linux-gnu",
                               "riscv64-linux-gnu", ("Linux", "riscv64"),
                               ("riscv64", "riscv64", "little")),
    "musllinux_1_2_x86_64": ("x86_64-linux-musl", "x86_64", "musllinux_1_2_x86_64",
                             "linux-x86_64", "x86_64-linux-musl", "x86_64-linux-musl",
                             ("Linux", "x86_64"), ("x86_64", "x86_64", "little")),
    "musllinux_1_2_aarch64": ("aarch64-linux-musl", "generic", "musllinux_1_2_aarch64",
                              "linux-aarch64", "aarch64-linux-musl", "aarch64-linux-musl",
                              ("Linux", "aarch64"), ("aarch64", "aarch64", "little")),
    "musllinux_1_2_armv7l": ("arm-linux-musleabihf", "generic+v7a+vfp3d16+thumb2-neon-d32",
                             "musllinux_1_2_armv7l", "linux-armv7l", "arm-linux-musleabihf",
                             "arm-linux-musleabihf", ("Linux", "armv7l"),
                             ("arm", "armv7l", "little")),
    "musllinux_1_2_i686": ("x86-linux-musl", "i686", "musllinux_1_2_i686", "linux-i686",
                           "i386-linux-musl", "i686-linux-musl", ("Linux", "i686"),
                           ("x86", "i686", "little")),
    "x86_64-linux-musl": ("x86_64-linux-musl", "x86_64", "musllinux_1_2_x86_64",
                          "linux-x86_64", "x86_64-linux-musl", "x86_64-linux-musl",
                          ("Linux", "x86_64"), ("x86_64", "x86_64", "little")),
    "linux_x86_64": ("x86_64-linux-gnu.2.17", "x86_64",
                     "manylinux_2_17_x86_64.manylinux2014_x86_64", "linux-x86_64",
                     "x86_64-linux-gnu", "x86_64-linux-gnu", ("Linux", "x86_64"),
                     ("x86_64", "x86_64", "little")),
    "macosx_11_0_arm64": ("aarch64-macos.11.0", "apple_m1", "macosx_11_0_arm64",
                          "macosx-11.0-arm64", "aarch64-apple-darwin", "aarch64-apple-darwin",
                          ("Darwin", "arm64"), ("aarch64", "aarch64", "little")),
    "macosx_10_9_x86_64": ("x86_64-macos.10.9", "x86_64", "macosx_10_9_x86_64",
                           "macosx-10.9-x86_64", "x86_64-apple-darwin", "x86_64-apple-darwin",
                           ("Darwin", "x86_64"), ("x86_64", "x86_64", "little")),
    "win_amd64": ("x86_64-windows-gnu", "x86_64", "win_amd64", "win-amd64",
                  "x86_64-w64-mingw32", "x86_64-w64-mingw32", ("Windows", "AMD64"),
                  ("x86_64", "x86_64", "little")),
    "win_arm64": ("aarch64-windows-gnu", "generic", "win_arm64", "win-arm64",
                  "aarch64-w64-mingw32", "aarch64-w64-mingw32", ("Windows", "ARM64"),
                  ("aarch64", "aarch64", "little")),
    "win32": ("x86-windows-gnu", "i686", "win32", "win32", "i686-w64-mingw32",
              "i686-w64-mingw32", ("Windows", "X86"), ("x86", "i686", "little")),
}


@pytest.mark.parametrize("spec", sorted(TABLE))
def test_table(spec: str) -> None:
    t = parse(spec)
    zig, mcpu, wheel, sysconfig, multiarch, gnu, cmake, meson = TABLE[spec]
    assert t.zig_target == zig
    assert t.mcpu == mcpu
    assert t.wheel_platform == wheel
    assert t.sysconfig_platform == sysconfig
    assert t.multiarch == multiarch
    assert t.gnu_triple == gnu
    assert (t.cmake_system_name, t.cmake_system_processor) == cmake
    assert (t.meson["cpu_family"], t.meson["cpu"], t.meson["endian"]) == meson
    # Every claimed tag parses back to the same target.
    for tag in t.platform_tags:
        if not tag.startswith("linux_"):
            assert parse(tag) == t


def test_platform_tags_order() -> None:
    assert parse("manylinux_2_17_aarch64").platform_tags == (
        "manylinux_2_17_aarch64", "manylinux2014_aarch64", "linux_aarch64")
    assert parse("manylinux_2_27_riscv64").platform_tags == (
        "manylinux_2_27_riscv64", "linux_riscv64")


@pytest.mark.parametrize(("host", "zig", "mcpu"), [
    (Host("linux", "x86_64", glibc=(2, 36)), "x86_64-linux-gnu.2.36", "x86_64"),
    (Host("linux", "aarch64", glibc=(2, 31)), "aarch64-linux-gnu.2.31", "generic"),
    (Host("linux", "x86_64"), "x86_64-linux-musl", "x86_64"),
    (Host("macos", "aarch64", macos=(14, 2)), "aarch64-macos.14.2", "apple_m1"),
    (Host("windows", "x86_64"), "x86_64-windows-gnu", "x86_64"),
])
def test_native_is_host_arch_and_libc_with_baseline_cpu(host: Host, zig: str, mcpu: str) -> None:
    t = parse("native", host)
    assert (t.zig_target, t.mcpu) == (zig, mcpu)
    assert t.is_native(host)
    assert not parse("manylinux_2_17_aarch64").is_native(Host("linux", "x86_64", (2, 36)))


@pytest.mark.parametrize(("spec", "message"), [
    ("manylinux1_x86_64", "lowest that works is 2.17 (manylinux_2_17_x86_64)"),
    ("manylinux2010_i686", "lowest that works is 2.17 (manylinux_2_17_i686)"),
    ("manylinux_2_12_x86_64", "lowest that works is 2.17"),
    ("manylinux_2_17_ppc64le", "lowest that works is 2.19 (manylinux_2_19_ppc64le)"),
    ("manylinux2014_ppc64le", "lowest that works is 2.19"),
    ("manylinux_2_26_riscv64", "lowest that works is 2.27 (manylinux_2_27_riscv64)"),
    ("riscv64-linux-gnu.2.17", "lowest that works is 2.27"),
    ("musllinux_1_1_x86_64", "use musllinux_1_2_x86_64"),
    ("musllinux_1_2_s390x", "not supported for s390x"),
    ("macosx_10_6_x86_64", "lowest macOS zig supports for x86_64 is 10.9"),
    ("macosx_10_15_arm64", "lowest macOS zig supports for aarch64 is 11.0"),
    ("manylinx_2_17_aarch64", "did you mean 'manylinux_2_17_aarch64'"),
    ("aarch64-linux-gnux", "did you mean"),
    ("manylinux_2_17_mips", "unknown target"),
    ("macosx_11_0_aarch64", "unknown target"),
    ("win_amd65", "'win_amd64'"),
])
def test_bad_targets_fail_with_one_line_naming_the_fix(spec: str, message: str) -> None:
    with pytest.raises(ZigccError) as exc:
        parse(spec)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_universal2_parses_but_has_no_single_compiler() -> None:
    t = parse("macosx_11_0_universal2")
    assert t.platform_tags == ("macosx_11_0_universal2",)
    with pytest.raises(ZigccError, match="builds both and merges them"):
        t.zig_target  # noqa: B018


def test_supported_covers_the_issue_list() -> None:
    names = {t.platform_tags[0] for t in supported()}
    for arch in ("x86_64", "aarch64", "armv7l", "i686", "s390x"):
        assert f"manylinux_2_17_{arch}" in names
    assert {"manylinux_2_19_ppc64le", "manylinux_2_27_riscv64", "musllinux_1_2_x86_64",
            "musllinux_1_2_aarch64", "musllinux_1_2_armv7l", "musllinux_1_2_i686",
            "macosx_11_0_arm64", "macosx_10_9_x86_64", "win_amd64", "win_arm64",
            "win32"} <= names


def test_max_glibc_is_the_newest_the_installed_zig_ships() -> None:
    """MAX_GLIBC matches zig's lib/libc/glibc/abilists: libraries, then versions."""
    from zigcc.target.model import MAX_GLIBC
    from zigcc.toolchain.installed import zig_binary

    data = (zig_binary().parent / "lib" / "libc" / "glibc" / "abilists").read_bytes()
    at = 1
    for _ in range(data[0]):  # NUL-terminated library names
        at = data.index(0, at) + 1
    count, at = data[at], at + 1
    versions = [(data[at + 3 * i], data[at + 3 * i + 1]) for i in range(count)]
    assert max(versions) == MAX_GLIBC
    newer = Host("linux", "x86_64", (MAX_GLIBC[0], MAX_GLIBC[1] + 3))
    assert parse("native", newer).libc_version == MAX_GLIBC
