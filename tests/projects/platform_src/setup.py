# Picks sources and flags from the platform, as many real setup.py files do: a build that
# sees the build machine adds x86 SIMD code to a foreign build and fails (or lies).
import platform
import sysconfig

from setuptools import Extension, setup

machine = platform.machine()
plat = sysconfig.get_platform()
sources = ["zt_platform.c"]
macros = [("ZT_MACHINE", f'"{machine}"'), ("ZT_PLATFORM", f'"{plat}"')]
extra = []
if machine in ("x86_64", "AMD64", "i686") or plat.endswith(("x86_64", "i686")):
    sources.append("simd_x86.c")
    macros.append(("ZT_X86", "1"))
    extra.append("-msse2")
elif machine == "aarch64":
    sources.append("simd_neon.c")
    macros.append(("ZT_NEON", "1"))
else:
    sources.append("simd_generic.c")

setup(ext_modules=[Extension("zt_platform", sources, define_macros=macros,
                             extra_compile_args=extra)])
