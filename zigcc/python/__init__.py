"""The target's Python, the third stage of the pipeline (target model -> toolchain -> target
Python -> target environment -> backends -> frontend -> verify).

- :mod:`zigcc.python.model`: the frozen :class:`~zigcc.python.model.TargetPython` and its rules;
- :mod:`zigcc.python.description`: read one from a dump, a pack, a PEP 739
  build-details.json, a Debian sysroot (:mod:`zigcc.python.sysroot`) or the running
  interpreter;
- :mod:`zigcc.python.dump`: the stdlib-only dump tool that runs on a target machine;
- :mod:`zigcc.python.interpreter`: the *build* interpreter that runs a build backend.
"""
