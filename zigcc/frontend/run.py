"""One build of the matrix: (target, Python) -> a verified wheel in the out-dir, or a failure.

Steps: resolve the target Python and the build interpreter, materialise the toolchain and the
target environment, run ``before-all`` (once per target) and ``before-build``, build the wheel
in an isolated environment with pypa/build (the target environment applies to the backend's
hooks only), verify it, and retag ``linux_<arch>`` to the target's manylinux/musllinux tag.
A wheel that fails verification is moved aside (``<out-dir>/.zigcc/rejected``), never into the
out-dir.  Everything the build prints goes to its log file.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from zigcc.backends import wiring
from zigcc.config import Settings
from zigcc.errors import ZigccError
from zigcc.frontend import children, logscan, source, targetdeps
from zigcc.frontend.isolated import EnvPool, VenvEnv
from zigcc.frontend.options import BuildOptions
from zigcc.python import naming, synth
from zigcc.python.description import TargetPython
from zigcc.python.interpreter import BuildPython
from zigcc.python.probe import TargetFacts
from zigcc.target import host
from zigcc.target.model import Host, Target
from zigcc.targetenv import environment, headers
from zigcc.toolchain import installed
from zigcc.toolchain.envvars import build_env
from zigcc.toolchain.folder import Toolchain, toolchain_for
from zigcc.verify.keep import Rejected, keep

_BEFORE_ALL_LOCK = threading.Lock()
ENVS = EnvPool()  # build environments that later builds of this process take again


@dataclass(frozen=True)
class BuildSpec:
    """One cell of the matrix."""

    ident: str  # cp311-manylinux_2_17_aarch64
    target: Target
    target_python: TargetPython
    build_python: BuildPython
    part_of: str | None = None  # the universal2 build (its ident) this thin build is half of

    def wheel_dir(self, out_dir: Path) -> Path:
        """Where its wheel goes: ``out_dir``; a universal2 half's aside, to be merged."""
        return out_dir / ".zigcc" / "thin" if self.part_of else out_dir


@dataclass(frozen=True)
class Result:
    ident: str
    wheel: Path | None
    seconds: float
    verdict: str  # "ok" or a one-line reason
    log: Path
    details: tuple[str, ...] = ()  # the failure's first error block, from the log

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


def toolchain_environ(tc: Toolchain, prefix: Path, cmake_file: Path | None) -> dict[str, str]:
    """What before-all / before-build commands get: the target toolchain, GNU triple, prefix."""
    env = {**build_env(tc), "ZIGCC_HOST": tc.target.gnu_triple, "ZIGCC_PREFIX": str(prefix),
           "PKG_CONFIG_LIBDIR": str(prefix / "lib" / "pkgconfig")}
    if cmake_file is not None:
        env["CMAKE_TOOLCHAIN_FILE"] = str(cmake_file)
    return env


class Runner:
    """pyproject_hooks' runner: the hook's output into the log, the target env added;
    ``timed``, each hook's seconds too (``zigcc: build_wheel hook: 0.61 s``)."""

    def __init__(self, base: Mapping[str, str], extra: Mapping[str, str], log: IO[str],
                 timed: bool = False) -> None:
        self._base, self._extra, self._log = dict(base), dict(extra), log
        self._timed = timed

    def __call__(self, cmd: Sequence[str], cwd: str | None = None,
                 extra_environ: Mapping[str, str] | None = None) -> None:
        env = {**self._base, **(extra_environ or {}), **self._extra}
        self._log.write(f"$ {' '.join(cmd)}\n")
        self._log.flush()
        start = time.monotonic()
        children.run(list(cmd), cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                     check=True)
        if self._timed:  # pyproject_hooks runs: python _in_process.py HOOK TMPDIR
            hook = cmd[-2] if len(cmd) > 2 else cmd[0]
            self._log.write(f"zigcc: {hook} hook: {time.monotonic() - start:.2f} s\n")


def run_commands(commands: Sequence[str], cwd: Path, env: Mapping[str, str], log: IO[str],
                 what: str) -> None:
    for command in commands:
        log.write(f"$ ({what}) {command}\n")
        log.flush()
        done = children.run(["sh", "-c", command], cwd=cwd, env=dict(env), stdout=log,
                            stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise ZigccError(f"{what} command failed (exit {done.returncode}): {command}")


@dataclass(frozen=True)
class Job:
    """Everything one build needs; ``step`` reports progress ("building", "verifying")."""

    spec: BuildSpec
    project: Path
    options: BuildOptions
    settings: Settings
    machine: Host
    work: Path
    step: Callable[[str], None]


def build_one(job: Job, log_path: Path) -> Result:
    """Build, verify and keep one wheel; never raises for a failed build."""
    start = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    details: list[str] = []
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            wheel = _build(job, log)
            verdict = "ok"
        except children.Interrupted:
            wheel, verdict = None, "interrupted"
        except Rejected as exc:  # the log may say what the build left out
            log.flush()
            verdict, details = logscan.rejection(str(exc), log_path.read_text(
                encoding="utf-8", errors="replace"))
            wheel = None
        except ZigccError as exc:
            wheel, verdict = None, logscan.one_line(str(exc))
        except Exception as exc:  # a backend failure: its output is in the log
            log.flush()
            details = logscan.build_failure(log_path.read_text(encoding="utf-8",
                                                               errors="replace"))
            # pyproject_hooks' BackendUnavailable keeps the import's traceback to itself
            inner = getattr(exc, "exception", None)
            details = details or logscan.first_error(str(getattr(inner, "traceback", "")))
            wheel, verdict = None, _backend_failure(exc, details)
        log.write(f"\nzigcc: {job.spec.ident}: {verdict}\n")
    return Result(job.spec.ident, wheel, time.monotonic() - start, verdict, log_path,
                  tuple(details))


def _backend_failure(exc: Exception, details: Sequence[str]) -> str:
    name = type(exc).__name__
    if name in ("BuildBackendException", "CalledProcessError", "BuildException"):
        reason = details[0] if details else "see the log"
        return logscan.one_line(f"the build backend failed: {reason}")
    return logscan.one_line(f"{name}: {str(exc).splitlines()[0] if str(exc) else ''}")


@dataclass(frozen=True)
class Prepared:
    """The target side of one build: its toolchain, clean headers and backend files."""

    toolchain: Toolchain
    include_dir: str
    files: wiring.BackendFiles


def prepare_target(target: Target, tp: TargetPython, settings: Settings, machine: Host,
                   folder: Path, prefix: Path,
                   build_env_roots: Sequence[str] = ()) -> Prepared:
    """Materialise the toolchain and the target's headers; render the backend files."""
    tc = toolchain_for(target, machine, settings)
    include_folder = headers.prepare(tp, target, settings.cache_dir)
    include_dir = str(include_folder / "include" / naming.include_name(tp))
    files = wiring.render(target, tc, tp, include_dir, prefix, folder, machine.arch,
                              build_env_roots, facts=probe_facts(target, settings))
    return Prepared(tc, include_dir, files)


def probe_facts(target: Target, settings: Settings) -> TargetFacts | None:
    """The target compiler's ABI probe (ELF targets; made once per zig and target, shared
    with CPython synthesis): the meson cross file's properties come from it."""
    if target.os != "linux":
        return None
    zig = installed.stable_zig(installed.zig_binary(), settings.cache_dir,
                               installed.zig_version())
    return synth.target_facts(target, zig, settings.cache_dir)[0]


def hook_environ(target: Target, tp: TargetPython, prepared: Prepared,
                 build_vars: Mapping[str, object], settings: Settings, prefix: Path,
                 inherited_pythonpath: str | None) -> tuple[dict[str, str], Path]:
    """The variables for the backend's hooks (target environment + backend files), and the
    target environment's folder."""
    tenv = environment.materialise(
        target, tp, {k: str(v) for k, v in prepared.toolchain.tools().items()}, build_vars, prepared.include_dir,
        settings.cache_dir, prefix=str(prefix) if prefix.is_dir() else None,
        inherited_pythonpath=inherited_pythonpath)
    return {**tenv.environ, **prepared.files.environ}, tenv.folder


def _build(job: Job, log: IO[str]) -> Path:
    spec, options, settings = job.spec, job.options, job.settings
    target, tp, bp = spec.target, spec.target_python, spec.build_python
    job.step("preparing the target environment")
    prefix = options.out_dir / ".zigcc" / "prefix" / target.ident
    base_env = {**settings.environ, **options.environment}
    prepared = prepare_target(target, tp, settings, job.machine, job.work / "backend",
                              prefix)
    tool_env = {**base_env, **toolchain_environ(prepared.toolchain, prefix,
                                                prepared.files.cmake_toolchain)}
    copy = source.fresh_copy(job.project, job.work / "src", options.out_dir)
    if options.before_all:
        with _BEFORE_ALL_LOCK:
            # Once per target and out-dir; again when the commands change.
            marker = prefix / ".zigcc-before-all-done"
            done = "\n".join(options.before_all) + "\n"
            if not marker.is_file() or marker.read_text(encoding="utf-8") != done:
                job.step("before-all")
                prefix.mkdir(parents=True, exist_ok=True)
                run_commands(options.before_all, copy, tool_env, log, "before-all")
                marker.write_text(done, encoding="utf-8")
    if options.before_build:
        job.step("before-build")
        run_commands(options.before_build, copy, tool_env, log, "before-build")
    hook_env, folder = hook_environ(target, tp, prepared, bp.build_vars, settings, prefix,
                                    base_env.get("PYTHONPATH"))
    backend = source.unwrap(copy)
    config = wiring.config_settings(backend, prepared.files, options.config_settings)
    log.write(f"zigcc: {spec.ident}: backend {backend}, target environment {folder}\n")
    built = _pep517(job, copy, base_env, hook_env, config, log)
    job.step("verifying")
    if children.INTERRUPTED.is_set():  # Ctrl-C while the backend finished: keep nothing
        raise children.Interrupted
    return keep(built, spec.target, spec.target_python, spec.wheel_dir(options.out_dir), log)


def _pep517(job: Job, copy: Path, base_env: Mapping[str, str], hook_env: Mapping[str, str],
            config: Mapping[str, str | list[str]], log: IO[str]) -> Path:
    from build import ProjectBuilder

    job.step("installing build requirements")
    interpreter = job.spec.build_python.executable
    requires = ProjectBuilder(copy).build_system_requires
    key = ENVS.key(interpreter, requires, base_env)
    env = ENVS.take(key, str(job.project))
    if env is None:
        env = VenvEnv(interpreter, job.work, base_env, log)
        env.install(requires)
    else:
        env.log_to(log)
        log.write(f"zigcc: reusing the build environment {env.path}\n")
    builder = ProjectBuilder.from_isolated_env(
        env, copy, runner=Runner(base_env, hook_env, log, timed=True))
    extra = builder.get_requires_for_build("wheel", dict(config))
    env.install(extra)
    changed = False
    if not job.spec.target.is_native(job.machine):
        sources = targetdeps.sources_from(base_env, job.options.out_dir)
        applied = targetdeps.apply(env.path, job.spec.target, job.spec.target_python,
                                   sources, job.work)
        for line in applied.lines:
            log.write(f"zigcc: the target's files of {line}\n")
        changed = applied.changed
    job.step("building")
    wheel = Path(builder.build("wheel", job.work / "dist", dict(config)))
    if not changed:  # one with a target's numpy headers is that target's alone
        ENVS.give(key, env, str(job.project) if set(extra) - set(requires) else None)
    return wheel


def work_folder(parent: Path, ident: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"zigcc-{ident}-", dir=parent))


def machine_and_zig() -> Host:
    """The build machine (checked once, before the matrix starts)."""
    installed.zig_binary()
    return host.detect()
