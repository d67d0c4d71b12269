"""Templates of the shim scripts zigcc writes into a toolchain folder."""
