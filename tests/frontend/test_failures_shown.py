"""A failed build says why on the terminal, as pip and cibuildwheel do, and Ctrl-C leaves
nothing behind: real builds (isolated environments, zig), so slow."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HERE = "{}.{}".format(*sys.version_info[:2])
SETUP = ("from setuptools import Extension, setup\n"
         "setup(name='zt_bad', version='1.0', ext_modules=[Extension('zt_bad', ['zt_bad.c'])])\n")
BROKEN_C = ("#include <Python.h>\n"
            "static int answer(void) { return 42 }\n")  # a C syntax error on line 2


def _project(folder: Path, pyproject: str, files: dict[str, str]) -> Path:
    folder.mkdir()
    (folder / "pyproject.toml").write_text(pyproject)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _build(src: Path, out: Path, env: dict[str, str], *extra: str
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zigcc", "build", str(src), "--python", HERE,
                           "--out-dir", str(out), *extra], capture_output=True, text=True,
                          env=env, timeout=900)


def test_a_compiler_error_is_shown_on_the_terminal(tmp_path: Path,
                                                   no_system_compiler: dict[str, str]) -> None:
    src = _project(tmp_path / "bad", '[build-system]\nrequires = ["setuptools>=64"]\n'
                   'build-backend = "setuptools.build_meta"\n',
                   {"setup.py": SETUP, "zt_bad.c": BROKEN_C})
    out = tmp_path / "wheelhouse"
    run = _build(src, out, no_system_compiler)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    error = [line for line in lines if "zt_bad.c:2:" in line and "error:" in line]
    assert error, run.stdout  # the compiler's own words, file:line: error: ...
    assert any("return 42 }" in line for line in lines), run.stdout  # and the source line
    assert "Traceback" not in run.stdout + run.stderr
    assert list(out.glob("*.whl")) == []


def test_a_missing_wrapped_backend_is_named(tmp_path: Path, zigcc_wheels: Path,
                                            no_system_compiler: dict[str, str]) -> None:
    """zigcc build runs the backend zigcc.backend wraps: one that is not installed is named
    on the terminal, not 'see the log'."""
    src = _project(tmp_path / "nobackend", '[build-system]\nrequires = ["zigcc-toolchain"]\n'
                   'build-backend = "zigcc.backend"\n[tool.zigcc]\nbackend = "no_such_module"\n'
                   '[project]\nname = "p"\nversion = "1"\n', {})
    out = tmp_path / "wheelhouse"
    run = _build(src, out, {**no_system_compiler, "PIP_FIND_LINKS": str(zigcc_wheels)})
    assert run.returncode == 1, run.stdout + run.stderr
    verdict = run.stdout.splitlines()[-2]  # the summary's row
    assert "no_such_module" in verdict and "see the log" not in verdict, run.stdout
    assert list(out.glob("*.whl")) == []


def _ctrl_c_as_in_a_terminal() -> None:
    """A process started in the background (CI's runner, a pytest worker) may inherit SIGINT
    ignored; in a terminal Ctrl-C is delivered, so the test restores that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_and_removes_its_work(tmp_path: Path,
                                               no_system_compiler: dict[str, str]) -> None:
    """SIGINT in the middle of a build (a before-build step that takes a minute, so the
    interrupt always lands before the wheel exists): exit 130, one ERROR line, no traceback,
    no work folder left in TMPDIR, no wheel; the same build without the pause succeeds."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    src = Path(__file__).parent.parent.parent / "examples" / "hello"
    out = tmp_path / "wheelhouse"
    env = {**no_system_compiler, "TMPDIR": str(tmp)}
    cmd = [sys.executable, "-m", "zigcc", "build", str(src), "--python", HERE,
           "--target", "manylinux_2_17_x86_64", "--out-dir", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**env, "ZIGCC_BEFORE_BUILD": "sleep 60"},
                            start_new_session=True, preexec_fn=_ctrl_c_as_in_a_terminal)
    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        if ": before-build" in line or time.monotonic() > deadline:
            break
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    rest, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, (proc.returncode, rest, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1].startswith("ERROR interrupted"), err
    left = [p.name for p in tmp.iterdir() if p.name.startswith("zigcc-")]
    assert left == [], left
    assert list(out.glob("*.whl")) == []
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(list(out.glob("*.whl"))) == 1


POOL_SCRIPT = """
import signal, threading, time
from zigcc.frontend import children

def build(seconds):
    time.sleep(0.5)  # the main thread is waiting for the result by now
    # Ctrl-C as the kernel may deliver it: to this worker thread, not to the main one
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)
    time.sleep(seconds)
    # what a build checks before it keeps its wheel
    print("interrupted before the build ended:", children.INTERRUPTED.is_set(), flush=True)

try:
    with children.pool(1) as pool:
        list(pool.map(build, [3]))
except KeyboardInterrupt:
    print("KeyboardInterrupt")
"""


def test_ctrl_c_reaching_a_worker_thread_stops_the_build_before_it_ends(tmp_path: Path) -> None:
    """The main thread must notice a SIGINT handled in a worker thread while the build still
    runs (an untimed wait noticed it only after the build ended and its wheel was kept)."""
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT)
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=60, preexec_fn=_ctrl_c_as_in_a_terminal)
    assert ran.stdout.splitlines() == ["interrupted before the build ended: True",
                                       "KeyboardInterrupt"], ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr
