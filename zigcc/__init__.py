"""zigcc: zig (from the ziglang wheel) as a C/C++ cross toolchain for Python extensions."""

__version__ = "0.1.0"
