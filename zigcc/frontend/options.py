"""``zigcc build`` options: command line > environment > ``[tool.zigcc]`` in pyproject.toml.

Frozen data, explicit inputs: the parsed command line, the environment as a mapping and the
project's pyproject table.  Bad values raise :class:`~zigcc.errors.ZigccError` naming the key.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from zigcc.errors import ZigccError

ConfigSettings = dict[str, "str | list[str]"]


class Parser(argparse.ArgumentParser):
    """argparse with zigcc's error form: one ``ERROR`` line naming the option, exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"ERROR {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


class Once(argparse.Action):
    """A single-valued option given twice is refused, never silently overridden."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if getattr(namespace, f"_once_{self.dest}", False):
            parser.error(f"{option_string} is given twice ({getattr(namespace, self.dest)!r} "
                         f"and {values!r}); give it once")
        setattr(namespace, f"_once_{self.dest}", True)
        setattr(namespace, self.dest, values)
_KNOWN_KEYS = frozenset(("targets", "pythons", "environment", "config-settings", "before-all",
                         "before-build", "build-python", "backend"))
# Environment variables, each a whitespace-separated list (commands: one per line).
ENV_KEYS = {"targets": "ZIGCC_BUILD_TARGETS", "pythons": "ZIGCC_BUILD_PYTHONS",
            "before-all": "ZIGCC_BEFORE_ALL", "before-build": "ZIGCC_BEFORE_BUILD"}


@dataclass(frozen=True)
class BuildOptions:
    targets: tuple[str, ...]
    pythons: tuple[str, ...]
    out_dir: Path
    jobs: int = 1
    build_python: str | None = None
    config_settings: Mapping[str, str | list[str]] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)
    before_all: tuple[str, ...] = ()
    before_build: tuple[str, ...] = ()


def parse_config_settings(items: Sequence[str]) -> ConfigSettings:
    """``-C key=value`` pairs; a repeated key becomes a list (as pypa/build does)."""
    out: ConfigSettings = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ZigccError(f"-C {item!r}: config settings are KEY=VALUE, e.g. "
                             "-C setup-args=-Dfoo=bar")
        old = out.get(key)
        if old is None:
            out[key] = value
        elif isinstance(old, list):
            old.append(value)
        else:
            out[key] = [old, value]
    return out


def from_sources(cli: Mapping[str, Any], env: Mapping[str, str], table: Mapping[str, Any],
                 default_targets: Sequence[str], default_pythons: Sequence[str]
                 ) -> BuildOptions:
    """Merge the command line (``cli``: targets, pythons, out_dir, jobs, build_python,
    config_settings), the environment and ``[tool.zigcc]`` (``table``)."""
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ZigccError(f"[tool.zigcc] has unknown key {unknown[0]!r}; known keys: "
                         f"{', '.join(sorted(_KNOWN_KEYS))}")

    def pick(key: str, default: Sequence[str]) -> tuple[str, ...]:
        if cli.get(key.replace("-", "_")):
            return tuple(cli[key.replace("-", "_")])
        value = env.get(ENV_KEYS[key], "")
        if value.strip():
            lines = value.splitlines() if key.startswith("before") else value.split()
            return tuple(x for x in lines if x.strip())
        return _strings(table, key) or tuple(default)

    settings: ConfigSettings = {}
    for key, value in _mapping(table, "config-settings").items():
        settings[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
        _not_zigccs(key, f"[tool.zigcc] config-settings {key!r}")
    for key, value in (cli.get("config_settings") or {}).items():
        _not_zigccs(key, f"-C {key}={value}")
        settings[key] = value
    jobs = 1 if cli.get("jobs") is None else int(cli["jobs"])
    if jobs < 1:
        raise ZigccError(f"-j {jobs}: the number of parallel builds must be at least 1")
    return BuildOptions(
        targets=pick("targets", default_targets),
        pythons=pick("pythons", default_pythons),
        out_dir=Path(cli.get("out_dir") or "wheelhouse").absolute(),
        jobs=jobs,
        build_python=cli.get("build_python") or _optional_str(table, "build-python"),
        config_settings=settings,
        environment={k: str(v) for k, v in _mapping(table, "environment").items()},
        before_all=pick("before-all", ()),
        before_build=pick("before-build", ()),
    )


def _not_zigccs(key: str, where: str) -> None:
    """zigcc build reads the target and Python from its own options, so a ``zigcc:`` or
    ``system:`` config setting (read by ``zigcc.backend`` only) would be dropped: refuse it."""
    if key.startswith(("zigcc:", "system:")):
        raise ZigccError(f"{where}: zigcc build does not pass zigcc:/system: settings to the "
                         "backend; use --target and --python (--build-python) instead")


def _strings(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ZigccError(f"[tool.zigcc] {key} = {value!r}: expected a string or a list of strings")


def _mapping(table: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, Mapping):
        raise ZigccError(f"[tool.zigcc] {key} = {value!r}: expected a table")
    return value


def _optional_str(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ZigccError(f"[tool.zigcc] {key} = {value!r}: expected a string")
    return value
