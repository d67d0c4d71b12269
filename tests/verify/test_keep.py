"""Keeping a wheel checks it against the Python that was asked for, not only against itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from zigcc.python import description as pytarget
from zigcc.verify.keep import python_problems


def _python(version: str, flags: list[str]) -> pytarget.TargetPython:
    nodot = version.replace(".", "") + "".join(flags)
    details = {
        "schema_version": "1.0", "base_prefix": "/usr", "platform": "linux-aarch64",
        "language": {"version": version}, "implementation": {"name": "cpython"},
        "abi": {"flags": flags,
                "extension_suffix": f".cpython-{nodot}-aarch64-linux-gnu.so"},
        "arbitrary_data": {"zigcc": {"MULTIARCH": "aarch64-linux-gnu"}},
    }
    return pytarget.from_details(details, None, f"cpython-{version}")


@pytest.mark.parametrize(("wheel", "version", "flags", "problem"), [
    ("p-1-cp312-cp312-linux_aarch64.whl", "3.12", [], None),
    ("p-1-cp311-cp311-linux_aarch64.whl", "3.12", [], "tagged cp311 but built for cp312"),
    ("p-1-cp313-cp313-linux_aarch64.whl", "3.13", ["t"], "tagged cp313 but built for cp313t"),
    ("p-1-cp313-cp313t-linux_aarch64.whl", "3.13", ["t"], None),
    ("p-1-cp39-abi3-linux_aarch64.whl", "3.12", [], None),
    ("p-1-cp313-abi3-linux_aarch64.whl", "3.12", [], "which needs CPython 3.13"),
    ("p-1-py3-none-linux_aarch64.whl", "3.12", [], None),
])
def test_the_wheel_is_for_the_python_asked_for(wheel: str, version: str, flags: list[str],
                                               problem: str | None) -> None:
    found = python_problems(Path(wheel), _python(version, flags))
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0], found
