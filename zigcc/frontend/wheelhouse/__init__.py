"""``zigcc wheelhouse``: every wheel an application needs, for another machine.

resolve (uv, for the target's markers) -> find (the index's wheel for the target's tags, else
its sdist) -> build (zigcc build's steps) -> verify -> lock (hashes) -> summary."""
