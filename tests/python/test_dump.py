"""zigcc/dump.py: a lone-file PEP 739 dump run on every installed CPython 3.8+."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from zigcc.python import description as pytarget
from zigcc.python import dump

DUMP_SOURCE = Path(dump.__file__)
PYENV = Path("/root/.pyenv/versions")
PYENV_VERSIONS = ("3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0")
DEBIAN_PYTHON = Path("/usr/bin/python3.11")


def _interpreters() -> list[Path]:
    return [
        PYENV / v / "bin" / "python"
        for v in PYENV_VERSIONS
        if (PYENV / v / "bin" / "python").exists()
    ]


# ---------------------------------------------------------------- PEP 739 validator
# Schema 1.0 (peps/pep-0739/python-build-info-v1.0.schema.json), written out by hand.

TOP_KEYS = {
    "schema_version", "base_prefix", "base_interpreter", "platform", "language",
    "implementation", "abi", "suffixes", "libpython", "c_api", "arbitrary_data",
}  # fmt: skip
TOP_REQUIRED = {"schema_version", "base_prefix", "platform", "language", "implementation"}
VERSION_KEYS = {"major", "minor", "micro", "releaselevel", "serial"}
RELEASE_LEVELS = {"alpha", "beta", "candidate", "final"}
# Paths that are absolute or relative to base_prefix (base_prefix itself: to the file's dir).
PATH_KEYS = (
    ("base_interpreter",),
    ("libpython", "dynamic"),
    ("libpython", "dynamic_stableabi"),
    ("libpython", "static"),
    ("c_api", "headers"),
    ("c_api", "pkgconfig_path"),
)


def _version_object(obj: Any, where: str) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: not an object"]
    errors = (
        [f"{where}: keys {sorted(obj)} != {sorted(VERSION_KEYS)}"]
        if set(obj) != VERSION_KEYS
        else []
    )
    for key in ("major", "minor", "micro", "serial"):
        if key in obj and (not isinstance(obj[key], (int, float)) or isinstance(obj[key], bool)):
            errors.append(f"{where}.{key}: not a number")
    if obj.get("releaselevel") not in RELEASE_LEVELS:
        errors.append(f"{where}.releaselevel: {obj.get('releaselevel')!r} not in enum")
    return errors


def _section(data: Mapping[str, Any], key: str, allowed: set[str], required: set[str]) -> list[str]:
    if key not in data:
        return []
    sec = data[key]
    if not isinstance(sec, dict):
        return [f"{key}: not an object"]
    errors = [f"{key}: extra keys {sorted(set(sec) - allowed)}" for _ in [0] if set(sec) - allowed]
    errors += [f"{key}: missing {sorted(required - set(sec))}" for _ in [0] if required - set(sec)]
    return errors


def validate_pep739(data: Any, location: Path) -> list[str]:
    """Problems of ``data`` (loaded from ``location``) against build-details.json 1.0."""
    if not isinstance(data, dict):
        return ["top level: not an object"]
    errors = (
        [f"unknown top-level keys {sorted(set(data) - TOP_KEYS)}"] if set(data) - TOP_KEYS else []
    )
    errors += (
        [f"missing required keys {sorted(TOP_REQUIRED - set(data))}"]
        if TOP_REQUIRED - set(data)
        else []
    )
    if data.get("schema_version") != "1.0":
        errors.append(f"schema_version {data.get('schema_version')!r} != '1.0' (a string)")
    for key in ("base_prefix", "base_interpreter", "platform"):
        if key in data and not isinstance(data[key], str):
            errors.append(f"{key}: not a string")
    errors += _section(data, "language", {"version", "version_info"}, {"version"})
    lang = data.get("language", {})
    if not re.fullmatch(r"\d+\.\d+", str(lang.get("version"))):
        errors.append("language.version: not 'X.Y'")
    if "version_info" in lang:
        errors += _version_object(lang["version_info"], "language.version_info")
    impl = data.get("implementation", {})
    errors += _section(
        data, "implementation", set(impl), {"name", "version", "hexversion", "cache_tag"}
    )
    errors += _version_object(impl.get("version"), "implementation.version")
    if not isinstance(impl.get("name"), str) or impl.get("name") != str(impl.get("name")).lower():
        errors.append("implementation.name: not a lower-case string")
    extra = set(impl) - {"name", "version", "hexversion", "cache_tag"}
    errors += [
        f"implementation.{k}: PEP 421 extras need a leading _"
        for k in extra
        if not k.startswith("_")
    ]
    errors += _section(
        data,
        "abi",
        {"flags", "extension_suffix", "stable_abi_suffix"},
        {"flags", "extension_suffix"},
    )
    abi = data.get("abi", {})
    if "flags" in abi and not isinstance(abi["flags"], list):
        errors.append("abi.flags: not an array")
    errors += [
        f"abi.{k}: not a string"
        for k in ("extension_suffix", "stable_abi_suffix")
        if k in abi and not isinstance(abi[k], str)
    ]
    for kind, suffixes in data.get("suffixes", {}).items():
        if not isinstance(suffixes, list) or not all(isinstance(s, str) for s in suffixes):
            errors.append(f"suffixes.{kind}: not an array of strings")
    errors += _section(
        data, "libpython", {"dynamic", "dynamic_stableabi", "static", "link_extensions"}, set()
    )
    lib = data.get("libpython", {})
    if "dynamic_stableabi" in lib and "dynamic" not in lib:
        errors.append("libpython.dynamic_stableabi without libpython.dynamic")
    if ("link_extensions" in lib) != ("dynamic" in lib):
        errors.append("libpython.link_extensions must be present exactly when dynamic is")
    if "link_extensions" in lib and not isinstance(lib["link_extensions"], bool):
        errors.append("libpython.link_extensions: not a boolean")
    errors += _section(data, "c_api", {"headers", "pkgconfig_path"}, {"headers"})
    if "arbitrary_data" in data and not isinstance(data["arbitrary_data"], dict):
        errors.append("arbitrary_data: not an object")
    return errors + _path_errors(data, location)


def _path_errors(data: Mapping[str, Any], location: Path) -> list[str]:
    """Path rules: base_prefix absolute or relative to the file's dir; the rest absolute or
    relative to base_prefix; every path exists."""
    base = data.get("base_prefix")
    if not isinstance(base, str):
        return []
    base_path = Path(base) if os.path.isabs(base) else (location.parent / base)
    errors = [] if base_path.is_dir() else [f"base_prefix {base!r} does not resolve to a dir"]
    for keys in PATH_KEYS:
        node: Any = data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            continue
        if not isinstance(node, str):
            errors.append(f"{'.'.join(keys)}: not a string")
            continue
        resolved = Path(node) if os.path.isabs(node) else base_path / node
        if not resolved.exists():
            errors.append(f"{'.'.join(keys)}: {node!r} does not resolve ({resolved})")
    return errors


def test_validator_catches_problems(tmp_path: Path) -> None:
    bad = {
        "schema_version": 1,
        "language": {"version": "3"},
        "implementation": {"name": "CPython", "foo": 1},
    }
    problems = "\n".join(validate_pep739(bad, tmp_path / "x.json"))
    for needle in (
        "base_prefix",
        "schema_version",
        "language.version",
        "implementation.name",
        "implementation.foo",
    ):
        assert needle in problems


# ---------------------------------------------------------------- helpers


PROBE = r"""
import json, struct, sys, sysconfig
v = sysconfig.get_config_vars()
keys = ["EXT_SUFFIX", "SOABI", "MULTIARCH", "LDLIBRARY", "LIBDIR", "LIBPL", "INCLUDEPY",
        "Py_ENABLE_SHARED", "Py_GIL_DISABLED", "Py_DEBUG"]
print(json.dumps({
    "vars": {k: v.get(k) for k in keys},
    "abiflags": sys.abiflags,
    "sysconfigdata_name": sysconfig._get_sysconfigdata_name(),
    "platform": sysconfig.get_platform(),
    "pointer_size": struct.calcsize("P") * 8,
    "byteorder": sys.byteorder,
    "version": list(sys.version_info[:3]),
    "base_prefix": sys.base_prefix,
    "n_vars": len(v),
}))
"""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def run_lone_dump(python: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `zigcc dump-script`'s output alone in ``workdir`` (no zigcc importable)."""
    lone = workdir / "dump.py"
    if not lone.exists():
        script = subprocess.run([sys.executable, "-m", "zigcc", "dump-script"],
                                capture_output=True, text=True, check=True).stdout
        assert script == DUMP_SOURCE.read_text(encoding="utf-8")
        lone.write_text(script, encoding="utf-8")
    return subprocess.run(
        [str(python), str(lone), *args], cwd=workdir, env=_clean_env(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def probe(python: Path) -> dict[str, Any]:
    out = subprocess.run(
        [str(python), "-c", PROBE], env=_clean_env(), capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


# ---------------------------------------------------------------- every CPython


def test_enough_interpreters() -> None:
    assert len(_interpreters()) >= 3, f"need at least 3 of {PYENV_VERSIONS} under {PYENV}"


@pytest.mark.parametrize("version", PYENV_VERSIONS)
def test_lone_dump_is_valid_pep739(version: str, tmp_path: Path) -> None:
    python = PYENV / version / "bin" / "python"
    if not python.exists():
        pytest.skip(f"CPython {version} not installed")
    proc = run_lone_dump(python, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    out = tmp_path / "build-details.json"
    out.write_text(proc.stdout)
    assert validate_pep739(data, out) == []
    facts = probe(python)
    zig = data["arbitrary_data"]["zigcc"]
    cv = facts["vars"]
    assert os.path.isabs(data["base_prefix"]) and data["base_prefix"] == facts["base_prefix"]
    assert data["language"]["version"] == "{}.{}".format(*facts["version"])
    assert data["platform"] == zig["sysconfig_platform"] == facts["platform"]
    assert data["abi"]["extension_suffix"] == zig["EXT_SUFFIX"] == cv["EXT_SUFFIX"]
    assert data["abi"]["flags"] == list(facts["abiflags"]) and zig["abiflags"] == facts["abiflags"]
    assert zig["SOABI"] == cv["SOABI"] and zig["MULTIARCH"] == cv["MULTIARCH"]
    assert data["implementation"]["_multiarch"] == cv["MULTIARCH"]
    assert zig["sysconfigdata_name"] == facts["sysconfigdata_name"]
    assert zig["pointer_size"] == facts["pointer_size"] and zig["byteorder"] == facts["byteorder"]
    assert zig["Py_GIL_DISABLED"] is bool(cv["Py_GIL_DISABLED"])
    assert zig["Py_DEBUG"] is bool(cv["Py_DEBUG"])
    assert zig["Py_ENABLE_SHARED"] is bool(cv["Py_ENABLE_SHARED"])
    for key in ("LDLIBRARY", "LIBDIR", "LIBPL"):
        assert zig[key] == cv[key], key
    assert data["c_api"]["headers"] == cv["INCLUDEPY"] == zig["pyconfig_dir"]
    assert zig["version_full"] == "{}.{}.{}".format(*facts["version"])
    assert zig["config_vars"]["EXT_SUFFIX"] == cv["EXT_SUFFIX"]
    assert len(zig["config_vars"]) >= facts["n_vars"] - 2  # only userbase & non-JSON values dropped
    nodot = "{}{}".format(*facts["version"][:2])
    assert zig["tags"][0] == f"cp{nodot}-cp{nodot}{facts['abiflags']}-{zig['platform_tags'][0]}"
    assert f"cp{nodot}-abi3-manylinux_2_17_x86_64" in zig["tags"]
    assert "py3-none-any" in zig["tags"] and zig["tags"][-1] == "py30-none-any"
    assert (
        zig["platform_tags"][0] == "linux_x86_64"
        and zig["platform_tags"][-1] == "manylinux2014_x86_64"
    )


def test_module_invocation_and_output_file(tmp_path: Path) -> None:
    target = tmp_path / "bd.json"
    env = dict(os.environ, PYTHONPATH=str(DUMP_SOURCE.parent.parent))
    proc = subprocess.run(
        [sys.executable, "-m", "zigcc.python.dump", "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    assert validate_pep739(json.loads(target.read_text()), target) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bd.json"]  # no temp file left
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_tags_agree_with_packaging() -> None:
    tags = pytest.importorskip("packaging.tags")
    expected = [str(t) for t in tags.sys_tags()]
    ours = dump.collect()["arbitrary_data"]["zigcc"]["tags"]
    assert set(ours) <= set(expected), sorted(set(ours) - set(expected))[:5]
    # Same relative priority; packaging moved linux_<arch> from last to first in 2024.
    positions = [expected.index(t) for t in ours if "-linux_" not in t]
    assert positions == sorted(positions), "same relative priority as packaging.tags"


def test_tag_helpers() -> None:
    ft = dump.interpreter_tags(3, 13, "t", ["linux_x86_64"])
    assert ft[0] == "cp313-cp313t-linux_x86_64" and not any("abi3" in t for t in ft)
    dbg = dump.interpreter_tags(3, 12, "d", ["win_amd64"])
    assert dbg[:3] == ["cp312-cp312d-win_amd64", "cp312-cp312-win_amd64", "cp312-abi3-win_amd64"]
    musl = dump.platform_tags("linux-aarch64", 64, "aarch64-linux-musl", ("musl", 1, 2))
    assert musl == [
        "linux_aarch64",
        "musllinux_1_2_aarch64",
        "musllinux_1_1_aarch64",
        "musllinux_1_0_aarch64",
    ]
    arm = dump.platform_tags("linux-aarch64", 32, "arm-linux-gnueabihf", ("glibc", 2, 17))
    assert arm == ["linux_armv8l", "linux_armv7l", "manylinux_2_17_armv7l", "manylinux2014_armv7l"]
    assert dump.platform_tags("linux-armv7l", 32, "arm-linux-gnueabi", ("glibc", 2, 31)) == [
        "linux_armv7l"
    ]
    assert dump.platform_tags("win-amd64", 64, None, None) == ["win_amd64"]
    mac = dump.platform_tags("macosx-11.0-arm64", 64, None, None, (13, 2))
    assert mac == [f"macosx_{m}_0_{a}" for m in (13, 12, 11) for a in ("arm64", "universal2")]


def test_find_real_pyconfig_dir(tmp_path: Path) -> None:
    inc = tmp_path / "include"
    (inc / "python3.11").mkdir(parents=True)
    for arch in ("aarch64-linux-gnu", "x86_64-linux-gnu"):
        (inc / arch / "python3.11").mkdir(parents=True)
        (inc / arch / "python3.11" / "pyconfig.h").write_text("#define SIZEOF_VOID_P 8\n")
    (inc / "python3.11" / "pyconfig.h").write_text(
        "#if defined(__x86_64__)\n# include <x86_64-linux-gnu/python3.11/pyconfig.h>\n"
        "#elif defined(__aarch64__)\n#  include <aarch64-linux-gnu/python3.11/pyconfig.h>\n#endif\n"
    )
    main = str(inc / "python3.11")
    assert dump.find_real_pyconfig_dir(main, "aarch64-linux-gnu") == str(
        inc / "aarch64-linux-gnu" / "python3.11"
    )
    assert dump.find_real_pyconfig_dir(main, None) == str(inc / "x86_64-linux-gnu" / "python3.11")
    real = str(inc / "x86_64-linux-gnu" / "python3.11")
    assert dump.find_real_pyconfig_dir(real, "x86_64-linux-gnu") == real
    assert dump.find_real_pyconfig_dir(str(tmp_path), None) is None


@pytest.mark.skipif(not DEBIAN_PYTHON.exists(), reason="no Debian system python3.11")
def test_debian_dispatching_pyconfig_is_recorded(tmp_path: Path) -> None:
    proc = run_lone_dump(DEBIAN_PYTHON, tmp_path)
    assert proc.returncode == 0, proc.stderr
    zig = json.loads(proc.stdout)["arbitrary_data"]["zigcc"]
    headers = Path(json.loads(proc.stdout)["c_api"]["headers"])
    if not dump.dispatch_targets((headers / "pyconfig.h").read_text()):
        pytest.skip("this python3.11's pyconfig.h does not dispatch")
    assert zig["pyconfig_dir"] == f"/usr/include/{zig['MULTIARCH']}/python3.11"


# ---------------------------------------------------------------- --pack


def _check_pack(pack: Path, expected_suffix: str) -> pytarget.TargetPython:
    details = pack / "build-details.json"
    data = json.loads(details.read_text())
    assert validate_pep739(data, details) == []
    assert data["base_prefix"] == "." and "base_interpreter" not in data
    assert not os.path.isabs(data["c_api"]["headers"])
    assert (pack / data["c_api"]["headers"] / "Python.h").is_file()
    pyconfig = (pack / data["c_api"]["headers"] / "pyconfig.h").read_text()
    assert dump.dispatch_targets(pyconfig) == [] and "SIZEOF_VOID_P" in pyconfig
    target = pytarget.from_pack(str(pack))
    assert target.ext_suffix == expected_suffix
    assert target.include_dirs == (str(pack / data["c_api"]["headers"]),)
    assert Path(target.include_dirs[0], "Python.h").is_file()
    assert target.libpython and Path(target.libpython).is_file()
    assert Path(target.libpython).parent == pack / "lib" and target.libdir == str(pack / "lib")
    assert target.ldlibrary == Path(target.libpython).name
    assert target.config_vars["INCLUDEPY"] == target.include_dirs[0]
    pytarget.check_buildable(target)
    return target


@pytest.mark.parametrize("version", [PYENV_VERSIONS[0], PYENV_VERSIONS[-1]])
def test_pack_is_relocatable(version: str, tmp_path: Path) -> None:
    python = PYENV / version / "bin" / "python"
    if not python.exists():
        pytest.skip(f"CPython {version} not installed")
    proc = run_lone_dump(python, tmp_path, "--pack", "pack")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr
    suffix = probe(python)["vars"]["EXT_SUFFIX"]
    before = _check_pack(tmp_path / "pack", suffix)
    moved = tmp_path / "elsewhere" / "deeper"
    moved.parent.mkdir()
    (tmp_path / "pack").rename(moved)
    after = _check_pack(moved, suffix)
    assert after.version == before.version and after.soabi == before.soabi
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.py", "elsewhere"]  # no staging left
    assert moved.stat().st_mode & 0o777 == 0o777 & ~_umask()


@pytest.mark.skipif(not DEBIAN_PYTHON.exists(), reason="no Debian system python3.11")
def test_pack_of_debian_python_merges_pyconfig(tmp_path: Path) -> None:
    proc = run_lone_dump(DEBIAN_PYTHON, tmp_path, "--pack", str(tmp_path / "deb"))
    assert proc.returncode == 0, proc.stderr
    target = _check_pack(tmp_path / "deb", probe(DEBIAN_PYTHON)["vars"]["EXT_SUFFIX"])
    assert target.multiarch == "x86_64-linux-gnu" and pytarget.dispatch_include_root(target) is None


def test_pack_into_existing_empty_dir(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert dump.main(["--pack", str(tmp_path / "empty")]) == 0
    assert (tmp_path / "empty" / "build-details.json").is_file()


# ---------------------------------------------------------------- bad input


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR "), proc.stderr
    return lines[0]


def test_unwritable_output(tmp_path: Path) -> None:
    line = _one_error_line(
        run_lone_dump(Path(sys.executable), tmp_path, "-o", "missing/dir/out.json")
    )
    assert "missing/dir" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.py"]


def test_non_empty_pack_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "keep.txt").write_text("mine")
    line = _one_error_line(run_lone_dump(Path(sys.executable), tmp_path, "--pack", "pack"))
    assert str(tmp_path / "pack") in line and "not an empty dir" in line
    assert [p.name for p in (tmp_path / "pack").iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.py", "pack"]


def test_pack_parent_missing(tmp_path: Path) -> None:
    line = _one_error_line(run_lone_dump(Path(sys.executable), tmp_path, "--pack", "no/such/pack"))
    assert "no/such" in line


def test_bad_arguments_are_one_line(tmp_path: Path) -> None:
    _one_error_line(run_lone_dump(Path(sys.executable), tmp_path, "-o", "a.json", "--pack", "b"))
    _one_error_line(run_lone_dump(Path(sys.executable), tmp_path, "--bogus"))


def test_failed_pack_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_copy(src: str, dst: str, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device", dst)

    monkeypatch.setattr(shutil, "copytree", broken_copy)
    assert dump.main(["--pack", str(tmp_path / "pack")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("ERROR zigcc.dump: ") and "No space left" in err[0]
    assert list(tmp_path.iterdir()) == []
