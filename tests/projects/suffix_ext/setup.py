# A build_ext from plain distutils (not setuptools'), and a module whose name is taken from
# sysconfig's EXT_SUFFIX by setup.py itself: both name modules for whatever interpreter the
# build process believes it runs on.
import os
import sysconfig
from distutils.command.build_ext import build_ext as distutils_build_ext

from setuptools import Extension, setup

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


class build_ext(distutils_build_ext):
    def run(self):
        super().run()
        # Record what this build believed the target's suffix and platform were.
        dest = os.path.join(self.build_lib, "zt_suffix_info.py")
        with open(dest, "w") as f:
            f.write(f"EXT_SUFFIX = {SUFFIX!r}\nPLATFORM = {sysconfig.get_platform()!r}\n")

    def get_ext_filename(self, name):
        return name.replace(".", os.sep) + SUFFIX


setup(
    ext_modules=[Extension("zt_suffix", ["zt_suffix.c"])],
    py_modules=[],
    cmdclass={"build_ext": build_ext},
)
