"""configure-style feature checks, batched: a few compiles per target, never run.

* headers: one preprocessor pass, ``__has_include`` for every header (and glibc's
  ``__stub_`` list of functions that exist only to fail with ENOSYS);
* compile checks: one translation unit with one small function per check; checks whose
  lines have errors failed (``-ferror-limit=0``), and the rest is compiled again to
  confirm, so a check can only pass in a file that compiles cleanly;
* functions: glibc: one ``-shared`` link against zig's stubs of the target's glibc
  version, then a symbol that stayed undefined *and* unversioned is missing (the library
  providing each symbol is recorded, e.g. ``librt.so.1``); musl: a declaration check
  (musl's headers declare exactly its library) confirmed by a static link.

The results are a frozen :class:`TargetChecks`, JSON-serialisable, cached per target.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import SymbolTableSection

from zigcc.errors import ZigccError
from zigcc.python import ccrun

FORMAT = 2
# What CPython's pyconfig.h makes every file see: the checks compile under the same rules.
FEATURES = ("#define _GNU_SOURCE 1\n#define _FILE_OFFSET_BITS 64\n#define _LARGEFILE_SOURCE 1\n"
            "#define _REENTRANT 1\n")
LINK_LIBS = ("-lm", "-lpthread", "-ldl", "-lrt", "-lutil", "-lresolv")
_ROUNDS = 4  # compile-check rounds: errors seen, drop them, confirm (+ cascades)
_UNDEFINED = re.compile(r"undefined symbol: (\S+)")


@dataclass(frozen=True)
class TargetChecks:
    """Which headers exist, which checks compile, which functions link, for one target."""

    headers: frozenset[str]
    compiles: frozenset[str]
    functions: frozenset[str]
    providers: tuple[tuple[str, str], ...]  # (function, shared library) for glibc targets
    inputs: str = ""  # digest of what was checked (see inputs_digest): stale caches show
    format: int = FORMAT

    def provider(self, function: str) -> str | None:
        return dict(self.providers).get(function)

    def to_dict(self) -> dict[str, Any]:
        return {"headers": sorted(self.headers), "compiles": sorted(self.compiles),
                "functions": sorted(self.functions), "providers": dict(self.providers),
                "inputs": self.inputs, "format": self.format}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetChecks:
        if data.get("format") != FORMAT:
            raise ZigccError(f"cached target checks have format {data.get('format')!r}, not "
                             f"{FORMAT}; delete the cache entry to check again")
        try:
            return cls(frozenset(map(str, data["headers"])), frozenset(map(str, data["compiles"])),
                       frozenset(map(str, data["functions"])),
                       tuple(sorted((str(k), str(v)) for k, v in data["providers"].items())),
                       str(data["inputs"]))
        except (KeyError, AttributeError, TypeError) as exc:
            raise ZigccError(f"cached target checks are incomplete ({exc}); delete the cache "
                             "entry to check again") from None


def inputs_digest(headers: Iterable[str], compiles: Mapping[str, tuple[tuple[str, ...], str]],
                  functions: Iterable[str], prelude: Sequence[str]) -> str:
    """A short digest of a set of checks: results of other checks must not be reused."""
    text = json.dumps([FORMAT, sorted(set(headers)), sorted((k, list(v[0]), v[1]) for k, v in
                                                            compiles.items()),
                       sorted(set(functions)), list(prelude)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_checks(cc: ccrun.Compiler, workdir: Path, *, headers: Iterable[str],
               compiles: Mapping[str, tuple[tuple[str, ...], str]], functions: Iterable[str],
               prelude: Sequence[str], glibc: bool, target: str | None = None,
               darwin: bool = False) -> TargetChecks:
    """Run every check for one target: for glibc a preprocessor run, the compile checks
    (twice: once to find the failures, once to confirm the rest) and one link; for musl two
    more compiles for the declarations and a static link instead; for macOS (``darwin``) one
    link of a dylib against libSystem, as configure's own function checks there.

    ``compiles`` maps a check name to (headers it needs, C statements); ``prelude`` lists the
    headers every compile check and declaration check may use (the missing ones are skipped).
    """
    where = ccrun.label(cc, target)
    workdir.mkdir(parents=True, exist_ok=True)
    wanted = sorted(set(headers) | set(prelude) | {h for hs, _ in compiles.values() for h in hs})
    names = sorted(set(functions))
    present, stubs = preprocess(cc, workdir, wanted, names, where)
    includes = [h for h in prelude if h in present]
    runnable = {name: body for name, (needs, body) in compiles.items() if set(needs) <= present}
    for needs, _ in compiles.values():
        includes += [h for h in needs if h in present and h not in includes]
    passed = compile_batch(cc, workdir, includes, runnable, where, "zigcc_checks.c")
    providers: dict[str, str] = {}
    if glibc:
        found, providers = link_glibc(cc, workdir, names, where)
    elif darwin:
        found = link_static(cc, workdir, names, where, darwin=True)
    else:
        declared = compile_batch(cc, workdir, includes, {n: _address_of(n) for n in names},
                                 where, "zigcc_decls.c")
        found = link_static(cc, workdir, sorted(declared), where)
    found = found - stubs
    return TargetChecks(present, frozenset(passed),
                        frozenset(found), tuple(sorted((k, v) for k, v in providers.items()
                                                       if k in found)),
                        inputs_digest(headers, compiles, functions, prelude))


def preprocess(cc: ccrun.Compiler, workdir: Path, headers: Sequence[str],
               functions: Sequence[str], where: str) -> tuple[frozenset[str], frozenset[str]]:
    """One preprocessor run: the headers ``__has_include`` finds, and the functions glibc's
    ``<gnu/stubs.h>`` lists as always failing with ENOSYS (configure rejects those too)."""
    lines = []
    for i, header in enumerate(headers):
        lines += [f"#if __has_include(<{header}>)", f"zigcc_header {i} yes", "#endif"]
    lines += ["#if __has_include(<gnu/stubs.h>)", "#include <gnu/stubs.h>", "#endif"]
    for i, function in enumerate(functions):
        lines += [f"#if defined __stub_{function} || defined __stub___{function}",
                  f"zigcc_stub {i} yes", "#endif"]
    (workdir / "zigcc_headers.c").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = ccrun.run(cc, ["-E", "-P", *ccrun.QUIET, "zigcc_headers.c"], workdir, where)
    if proc.returncode != 0:
        raise ccrun.failure("checking headers", where, proc)
    found = re.findall(r"^zigcc_header (\d+) yes$", proc.stdout, re.M)
    stubs = re.findall(r"^zigcc_stub (\d+) yes$", proc.stdout, re.M)
    return (frozenset(headers[int(i)] for i in found),
            frozenset(functions[int(i)] for i in stubs))


def compile_batch(cc: ccrun.Compiler, workdir: Path, includes: Sequence[str],
                  checks: Mapping[str, str], where: str, name: str) -> frozenset[str]:
    """The checks that compile: one function per check, failing lines dropped, rerun clean."""
    remaining = dict(sorted(checks.items()))
    for _ in range(_ROUNDS):
        text, lines = _batch_source(includes, remaining)
        (workdir / name).write_text(text, encoding="utf-8")
        # -c, not -fsyntax-only: zig cc then fails to move an object it never wrote.
        proc = ccrun.run(cc, ["-c", "-ferror-limit=0", *ccrun.QUIET,
                              "-Werror=implicit-function-declaration", name,
                              "-o", name[:-2] + ".o"], workdir, where)
        if proc.returncode == 0:
            return frozenset(remaining)
        failed = {lines[n] for n in ccrun.error_lines(proc.stderr, name) if n in lines}
        if not failed:  # an error outside the checks: a header, not a check, is broken
            raise ccrun.failure(f"the batch of compile checks ({name})", where, proc)
        remaining = {k: v for k, v in remaining.items() if k not in failed}
    raise ZigccError(f"{where}: the compile checks in {name} did not settle after "
                     f"{_ROUNDS} rounds; run `zigcc doctor` and report it")


def _batch_source(includes: Sequence[str], checks: Mapping[str, str]) -> tuple[str, dict[int, str]]:
    head = [*FEATURES.splitlines(), *(f"#include <{h}>" for h in includes)]
    lines: dict[int, str] = {}
    body: list[str] = []
    for i, (name, code) in enumerate(checks.items()):
        lines[len(head) + len(body) + 1] = name
        body.append(f"void zigcc_check_{i}(void) {{ {code} }}")
    return "\n".join(head + body) + "\n", lines


def _address_of(function: str) -> str:
    return f"void (*volatile p)(void) = (void (*)(void))&{function}; (void)p;"


def _references(names: Sequence[str], main: bool, prefix: str = "") -> str:
    """C referencing every name as a symbol (``prefix``: Mach-O's ``_`` before C names)."""
    decls = [f'extern char zigcc_fn_{i} __asm__("{prefix}{n}");' for i, n in enumerate(names)]
    refs = ", ".join(f"&zigcc_fn_{i}" for i in range(len(names))) or "0"
    tail = ["int main(void) { return zigcc_refs[0] == 0; }"] if main else []
    return "\n".join([*decls, f"__attribute__((used)) const void *const zigcc_refs[] = {{{refs}}};",
                      *tail, ""])


def link_glibc(cc: ccrun.Compiler, workdir: Path, names: Sequence[str],
               where: str) -> tuple[frozenset[str], dict[str, str]]:
    """Link one shared object referencing every name against the target glibc's stubs."""
    (workdir / "zigcc_funcs.c").write_text(_references(names, main=False), encoding="utf-8")
    out = workdir / "zigcc_funcs.so"
    proc = ccrun.run(cc, ["-shared", "-fPIC", *ccrun.QUIET, "zigcc_funcs.c", "-o", out.name,
                          *LINK_LIBS], workdir, where)
    if proc.returncode != 0 or not out.is_file():
        raise ccrun.failure("linking the function checks", where, proc)
    missing, providers = _unresolved(out.read_bytes(), where)
    found = frozenset(n for n in names if n not in missing)
    return found, {n: providers[n] for n in found if n in providers}


def _unresolved(data: bytes, where: str) -> tuple[set[str], dict[str, str]]:
    """Undefined dynamic symbols that no versioned library provides, and who provides the rest."""
    try:
        elf = ELFFile(io.BytesIO(data))
        dynsym = elf.get_section_by_name(".dynsym")
        versym = elf.get_section_by_name(".gnu.version")
        verneed = elf.get_section_by_name(".gnu.version_r")
        if not isinstance(dynsym, SymbolTableSection):
            raise ZigccError(f"{where}: the function-check library has no dynamic symbols")
        files: dict[int, str] = {}
        if isinstance(verneed, GNUVerNeedSection):
            for need, auxes in verneed.iter_versions():
                for aux in auxes:
                    files[aux["vna_other"]] = str(need.name)
        missing: set[str] = set()
        providers: dict[str, str] = {}
        for index, symbol in enumerate(dynsym.iter_symbols()):
            if not symbol.name or symbol["st_shndx"] != "SHN_UNDEF":
                continue
            ndx = versym.get_symbol(index)["ndx"] if isinstance(versym, GNUVerSymSection) else 0
            if isinstance(ndx, int) and ndx in files:
                providers[symbol.name] = files[ndx]
            else:
                missing.add(symbol.name)
    except ELFError as exc:
        raise ZigccError(f"{where}: the function-check library is not ELF: {exc}") from None
    return missing, providers


def link_static(cc: ccrun.Compiler, workdir: Path, names: Sequence[str],
                where: str, darwin: bool = False) -> frozenset[str]:
    """musl: link a static program referencing every name; drop what the linker reports.
    ``darwin``: a dylib against libSystem (what configure's AC_CHECK_FUNCS links on macOS)."""
    remaining = list(names)
    prefix = "_" if darwin else ""
    args = ["-shared"] if darwin else ["-static", *LINK_LIBS]
    for _ in range(len(names) // 10 + 2):
        (workdir / "zigcc_funcs.c").write_text(
            _references(remaining, main=not darwin, prefix=prefix), "utf-8")
        proc = ccrun.run(cc, [*args, *ccrun.QUIET, "zigcc_funcs.c", "-o", "zigcc_funcs"],
                         workdir, where)
        if proc.returncode == 0:
            return frozenset(remaining)
        reported = {n[len(prefix):] for n in _UNDEFINED.findall(proc.stderr)
                    if n.startswith(prefix)}
        undefined = reported & set(remaining)
        if not undefined:
            raise ccrun.failure("linking the function checks", where, proc)
        remaining = [n for n in remaining if n not in undefined]
    raise ZigccError(f"{where}: the function checks did not link; run `zigcc doctor`")
