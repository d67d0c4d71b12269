"""The architecture table: one row per CPU and its spelling in every naming scheme (wheel, zig,
GNU, Debian multiarch, CMake, meson, ELF), and the libc and OS version bounds zig imposes."""

from __future__ import annotations

from dataclasses import dataclass

Version = tuple[int, int]


@dataclass(frozen=True)
class Arch:
    """One CPU architecture and its spelling in every naming scheme."""

    name: str  # wheel/uname spelling on Linux: x86_64, aarch64, armv7l, ...
    zig: str  # zig's arch name
    mcpu: str  # baseline CPU passed as -mcpu (never the build machine's)
    gnu: str  # GNU triple's cpu part (autotools --host, tool prefixes)
    multiarch: str  # Debian multiarch cpu part (i386 for i686)
    cmake: str  # CMAKE_SYSTEM_PROCESSOR
    meson_family: str
    meson_cpu: str
    endian: str
    bits: int
    min_glibc: Version  # lowest glibc zig can provide for this arch
    elf: str  # ELF e_machine as pyelftools names it
    elf_machine: int  # ELF e_machine number
    macos: str | None = None  # macOS wheel spelling, when the arch exists there
    windows: str | None = None  # Windows wheel spelling
    musl: bool = True  # musllinux exists for this arch
    pe_machine: int | None = None  # IMAGE_FILE_MACHINE_* of Windows binaries
    macho_cpu: int | None = None  # Mach-O CPU_TYPE_* of macOS binaries


# Baselines: x86_64 = x86-64 v1 (manylinux); i686 per manylinux/Debian i386 (no SSE
# required); armv7l = ARMv7-A + VFPv3-D16 + Thumb-2, no NEON (zig's default armhf CPU
# emits NEON, which Debian armhf/manylinux armv7l do not guarantee); ppc64le = POWER8
# (the ELFv2 ABI floor); s390x = z10; riscv64 = RV64GC.
ARCHES: dict[str, Arch] = {
    a.name: a
    for a in (
        Arch("x86_64", "x86_64", "x86_64", "x86_64", "x86_64", "x86_64", "x86_64", "x86_64",
             "little", 64, (2, 17), "EM_X86_64", 62, macos="x86_64", windows="amd64",
             pe_machine=0x8664, macho_cpu=0x01000007),
        Arch("aarch64", "aarch64", "generic", "aarch64", "aarch64", "aarch64", "aarch64",
             "aarch64", "little", 64, (2, 17), "EM_AARCH64", 183, macos="arm64",
             windows="arm64", pe_machine=0xAA64, macho_cpu=0x0100000C),
        Arch("armv7l", "arm", "generic+v7a+vfp3d16+thumb2-neon-d32", "arm", "arm", "armv7l",
             "arm", "armv7l", "little", 32, (2, 17), "EM_ARM", 40),
        Arch("i686", "x86", "i686", "i686", "i386", "i686", "x86", "i686", "little", 32,
             (2, 17), "EM_386", 3, windows="win32", pe_machine=0x14C),
        Arch("ppc64le", "powerpc64le", "pwr8", "powerpc64le", "powerpc64le", "ppc64le",
             "ppc64", "ppc64le", "little", 64, (2, 19), "EM_PPC64", 21, musl=False),
        Arch("s390x", "s390x", "z10", "s390x", "s390x", "s390x", "s390x", "s390x", "big",
             64, (2, 17), "EM_S390", 22, musl=False),
        Arch("riscv64", "riscv64", "baseline_rv64", "riscv64", "riscv64", "riscv64",
             "riscv64", "riscv64", "little", 64, (2, 27), "EM_RISCV", 243, musl=False),
    )
}

MUSL_VERSION: Version = (1, 2)  # the musl zig ships (1.2.x): musllinux_1_2
# The newest glibc whose symbol versions zig 0.17 ships (lib/libc/glibc/abilists; a test
# reads the installed zig's). A wheel for a newer glibc cannot be linked against its stubs.
MAX_GLIBC: Version = (2, 44)
MIN_MACOS: dict[str, Version] = {"x86_64": (10, 9), "aarch64": (11, 0)}
# manylinux PEP 600 aliases for the legacy PEP 513/571/599 names.
LEGACY_MANYLINUX: dict[str, Version] = {"manylinux1": (2, 5), "manylinux2010": (2, 12),
                                        "manylinux2014": (2, 17)}
LEGACY_MANYLINUX_ARCHES: dict[str, tuple[str, ...]] = {
    "manylinux1": ("x86_64", "i686"),
    "manylinux2010": ("x86_64", "i686"),
    "manylinux2014": ("x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x"),
}


def elf_machine_bytes(arch: Arch) -> str:
    """The ELF e_machine field as ``od -tx1`` prints bytes 18-19 (the file's own byte order)."""
    low, high = arch.elf_machine & 0xFF, arch.elf_machine >> 8
    return f"{high:02x}{low:02x}" if arch.endian == "big" else f"{low:02x}{high:02x}"
