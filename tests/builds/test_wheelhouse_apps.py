"""zigcc wheelhouse for the machines PyPI serves worst: an application of a dozen real packages
with compiled parts turned into a wheelhouse for riscv64 (Debian trixie's CPython 3.13) and
armv7l (bookworm's 3.11), installed from its lock alone and used by an application script in
that machine's CPython under qemu.

The set: numpy (built from its sdist: no riscv64 or armv7l wheel on PyPI; the build itself is
the numpy_wheel fixture, shared with tests/builds/test_numpy_cross.py, handed over with
--find-links), scikit-fmm (numpy's C API: built against the *target's* numpy headers), spglib
(ships libsymspg.so, found through RUNPATH), cffi and two packages using it (brotlicffi,
argon2-cffi-bindings), aiohttp and its C-accelerated dependencies (frozenlist, multidict, yarl,
propcache: an HTTP round trip over loopback), markupsafe, msgpack, xxhash.  Wheels on PyPI for
the target are taken from the index (verified); the rest are built.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from buildhelp import TARGETS, debian_source, run_in
from conftest import DebianPythons

from zigcc.config import Settings
from zigcc.frontend import pythons
from zigcc.target.model import parse

REQUIREMENTS = ["numpy==2.3.5", "scikit-fmm==2025.6.23", "spglib==2.8.0", "cffi",
                "brotlicffi==1.2.1.0", "argon2-cffi-bindings==25.1.0", "markupsafe==3.0.3",
                "msgpack==1.1.2", "xxhash==3.6.0", "aiohttp"]
# Every pin of the resolution (uv, 2026-12), so that each run makes the same wheelhouse.
CONSTRAINTS = ["aiohappyeyeballs==2.7.1", "aiohttp==3.14.5", "aiosignal==1.4.0",
               "attrs==26.1.0", "cffi==2.1.1", "frozenlist==1.8.0", "idna==3.20",
               "multidict==7.2.1", "propcache==0.5.4", "pycparser==3.12",
               "typing-extensions==4.16.0", "yarl==1.25.1"]
# PyPI has pure-Python py3-none-any wheels of these (what pip would install on riscv64): the
# application wants their C accelerators, so it asks for builds (--prefer-build).
PREFER_BUILD = ["aiohttp", "frozenlist", "multidict", "propcache", "yarl"]
# cffi links libffi, which the target does not have: built for it first (before-all), from
# Debian's orig tarball (a release tarball, with its configure script).
LIBFFI = ("pool/main/libf/libffi/libffi_3.4.4.orig.tar.gz",
          "d66c56ad259a82cf2a9dfc408b32bf5da52371500b84745f7fb8b645712df676")
# (--disable-exec-static-tramp: libffi 3.4.4's arm tramp.c calls an undeclared function, an
# error in clang 16+; fixed in libffi 3.4.5)
BEFORE_ALL = ("tar xzf {tarball} && cd libffi-3.4.4 && ./configure --host=$ZIGCC_HOST "
              "--prefix=$ZIGCC_PREFIX --disable-shared --with-pic --disable-docs "
              "--disable-exec-static-tramp && make -j2 install")
COMPILED = {"numpy", "scikit-fmm", "spglib", "cffi", "brotlicffi", "argon2-cffi-bindings",
            "markupsafe", "msgpack", "xxhash", "aiohttp", "frozenlist", "multidict", "yarl",
            "propcache"}

APP = r"""
import asyncio, ctypes, hashlib, sys
import numpy as np, skfmm, spglib, brotlicffi, xxhash, msgpack, markupsafe, cffi
import aiohttp, frozenlist, multidict, yarl, propcache
from aiohttp import web
from _argon2_cffi_bindings import ffi, lib

# every compiled part is the compiled one, not a pure-Python fallback
from numpy._core import _multiarray_umath
from markupsafe import _speedups
from msgpack import _cmsgpack
import frozenlist._frozenlist, multidict._multidict, yarl._quoting_c, propcache._helpers_c
import aiohttp._http_parser
assert markupsafe._escape_inner.__module__ == "markupsafe._speedups"
assert msgpack.Packer is _cmsgpack.Packer

a = np.arange(12.0).reshape(3, 4)
assert (a @ a.T).trace() == 506.0
assert np.allclose(np.fft.ifft(np.fft.fft(a[0])).real, a[0])
phi = np.ones((41, 41)); phi[20, 20] = -1
d = skfmm.distance(phi, dx=0.5)
assert abs(d[20, 30] - 4.713390207712974) < 1e-9, d[20, 30]  # x86_64 PyPI's
bcc = ([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 0, 0], [0.5, 0.5, 0.5]], [1, 1])
assert spglib.get_spacegroup(bcc) == "Im-3m (229)"
assert brotlicffi.decompress(brotlicffi.compress(b"riscv" * 99)) == b"riscv" * 99
out = ffi.new("uint8_t[32]")
rc = lib.argon2_hash(1, 64, 1, b"password", 8, b"somesalt", 8, out, 32, ffi.NULL, 0,
                     lib.Argon2_id, 0x13)
assert rc == 0 and bytes(out).hex() == EXPECTED_ARGON2, bytes(out).hex()
assert xxhash.xxh64(b"zigcc").hexdigest() == EXPECTED_XXH64
assert msgpack.unpackb(msgpack.packb({"a": [1, 2]})) == {"a": [1, 2]}
assert str(markupsafe.escape("<x>")) == "&lt;x&gt;"
ffi2 = cffi.FFI(); ffi2.cdef("size_t strlen(const char *);")
assert ffi2.dlopen(None).strlen(b"wheelhouse") == 10
md = multidict.MultiDict([("a", "1"), ("a", "2")])
assert md.getall("a") == ["1", "2"]
assert str(yarl.URL("http://h/p").with_query(q="a b")) == "http://h/p?q=a+b"

async def main():
    async def hello(request):
        return web.json_response({"got": request.query["x"], "arch": PLATFORM})
    app = web.Application(); app.router.add_get("/", hello)
    runner = web.AppRunner(app); await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0); await site.start()
    port = site._server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as s:
        async with s.get(f"http://127.0.0.1:{port}/", params={"x": "42"}) as r:
            body = await r.json()
    await runner.cleanup()
    return body

assert asyncio.run(main()) == {"got": "42", "arch": PLATFORM}
print("APP OK")
"""


@pytest.mark.parametrize("arch", ["riscv64", "armhf"])
def test_wheelhouse_of_an_application_runs_on(arch: str, tmp_path: Path,
                                              debian_python: DebianPythons,
                                              numpy_wheel, real_zig: Path) -> None:
    target_py = debian_python(arch)
    tag = TARGETS[arch]
    version = "{}.{}".format(*target_py.version)
    links = tmp_path / "links"
    links.mkdir()
    numpy = numpy_wheel(arch)
    (links / numpy.name).symlink_to(numpy)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(CONSTRAINTS) + "\n")
    out = tmp_path / "wheelhouse"
    env = {**os.environ, "PIP_CONSTRAINT": ""}
    cmd = [sys.executable, "-m", "zigcc", "wheelhouse", *REQUIREMENTS, "-c", str(constraints),
           "--target", tag, "--python", version, "--out-dir", str(out), "-j", "2",
           "--find-links", str(links), "--prefer-build", ",".join(PREFER_BUILD),
           "--before-all", BEFORE_ALL.format(tarball=debian_source(*LIBFFI))]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    print(done.stdout[-6000:])
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    rows = {ln.split()[0].split("==")[0]: ln.split() for ln in done.stdout.splitlines()
            if "==" in ln and f"-{tag}" in ln and not ln.startswith("[")}
    assert set(rows) >= COMPILED, sorted(rows)
    built = {name for name, row in rows.items() if row[2] == "built"}
    assert {"scikit-fmm", "spglib", "brotlicffi", "cffi", *PREFER_BUILD} <= built, rows
    assert rows["numpy"][2] == "index"  # from --find-links: the numpy_wheel fixture's build
    assert all(row[-1] == "ok" for row in rows.values()), rows
    for name in ("scikit-fmm", "spglib"):  # compiled against the target's numpy
        log = next((out / ".zigcc" / "logs").glob(f"{name}-*.log")).read_text()
        assert "the target's files of numpy 2.3.5: numpy/_core/include/" in log
        assert numpy.name in log

    lock = out / f"requirements-cp{version.replace('.', '')}-{tag}.txt"
    site = tmp_path / "site"
    target = parse(tag)
    platforms = [f"--platform={t}" for t in target.platform.installable_tags(target)]
    # pip evaluates dependency markers with the interpreter it runs in: one of the target's X.Y
    # (aiohttp needs typing_extensions only below 3.13)
    installer = pythons.build_python_for(version, None, Settings.from_env(os.environ),
                                         None).executable
    subprocess.run([installer, "-m", "pip", "install", "-q", "--no-index",
                    "--find-links", str(out), "--require-hashes", "-r", str(lock),
                    "--only-binary=:all:", "--target", str(site), "--python-version", version,
                    "--implementation", "cp", *platforms], check=True, env=env)
    app = APP.replace("EXPECTED_ARGON2", repr(ARGON2_ID)).replace(
        "EXPECTED_XXH64", repr(XXH64)).replace("PLATFORM", repr(target_py.spec.machine))
    ran = run_in(target_py, site, app, tmp_path)
    assert ran.returncode == 0 and "APP OK" in ran.stdout, ran.stdout + ran.stderr[-4000:]


# argon2id(t=1, m=64 KiB, p=1, "password", "somesalt", 32 bytes), version 0x13, as the
# reference implementation (and PyPI's x86_64 argon2-cffi-bindings wheel) computes it.
ARGON2_ID = "729c7a54441bc13559bdca71348c4e554599e719c08a952601ed5c83618c1bbd"
XXH64 = "42fc5e090e3b3b10"  # xxh64(b"zigcc"), PyPI's x86_64 xxhash 3.6.0
