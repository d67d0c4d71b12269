"""zigcc wheelhouse, end to end: an application's requirements for aarch64 (Debian bookworm's
CPython 3.11) -- wheels from PyPI where they exist, built from sdists where asked
(``--only-build``: setuptools C, Cython-generated C, cffi) -- installed from the lock alone
(``pip install --no-index --find-links --require-hashes``), and an application using every
package run in Debian's arm64 CPython under qemu, an HTTP round trip over loopback included.
A second run with the wheelhouse in place rebuilds nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from buildhelp import run_in

from zigcc.target.model import parse

TARGET = "manylinux_2_17_aarch64"
REQUIREMENTS = ["pyyaml==6.0.3", "requests==2.32.5", "cffi==2.0.0", "markupsafe==3.0.3",
                "msgpack==1.1.2", "brotlicffi==1.2.0.0"]
# Every transitive pin too, so that the wheelhouse is the same on every run (-c).
CONSTRAINTS = ["certifi==2025.10.5", "charset-normalizer==3.4.4", "idna==3.11",
               "urllib3==2.5.0", "pycparser==2.23"]
BUILT = {"markupsafe", "msgpack", "brotlicffi"}

APP = r"""
import http.server, json, threading
import brotlicffi, markupsafe, msgpack, requests, yaml, cffi
from markupsafe import _speedups
from msgpack import _cmsgpack
assert yaml.__with_libyaml__, "PyPI's pyyaml wheel has libyaml"
assert markupsafe._escape_inner.__module__ == "markupsafe._speedups"
assert msgpack.Packer is _cmsgpack.Packer
doc = {"arch": "aarch64", "n": [1, 2, 3]}
assert yaml.load(yaml.dump(doc, Dumper=yaml.CDumper), Loader=yaml.CLoader) == doc
assert msgpack.unpackb(msgpack.packb(doc)) == doc
assert str(markupsafe.escape("<a>")) == "&lt;a&gt;"
packed = brotlicffi.compress(b"wheelhouse" * 100)
assert brotlicffi.decompress(packed) == b"wheelhouse" * 100 and len(packed) < 100
ffi = cffi.FFI(); ffi.cdef("size_t strlen(const char *);")
assert ffi.dlopen(None).strlen(b"zigcc") == 5

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *args): pass

server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
got = requests.get(f"http://127.0.0.1:{server.server_port}/ping", timeout=30).json()
server.shutdown()
assert got == {"path": "/ping"}, got
print("APP OK")
"""


def wheelhouse(out: Path, tmp: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    constraints = tmp / "constraints.txt"
    constraints.write_text("\n".join(CONSTRAINTS) + "\n")
    cmd = [sys.executable, "-m", "zigcc", "wheelhouse", *REQUIREMENTS, "-c", str(constraints),
           "--target", TARGET, "--python", "3.11", "--out-dir", str(out), "-j", "2",
           *[f"--only-build={name}" for name in sorted(BUILT)]]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)


def test_wheelhouse_for_aarch64_installs_from_its_lock_and_runs(
        tmp_path: Path, debian_python, real_zig: Path) -> None:
    target_py = debian_python("arm64")
    out = tmp_path / "wheelhouse"
    env = {**os.environ, "PIP_CONSTRAINT": ""}
    done = wheelhouse(out, tmp_path, env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    rows = {line.split()[0].split("==")[0]: line.split() for line in done.stdout.splitlines()
            if "==" in line and "cp311-" in line and not line.startswith("[")}
    assert set(rows) == {"pyyaml", "requests", "cffi", "markupsafe", "msgpack", "brotlicffi",
                         "certifi", "charset-normalizer", "idna", "urllib3", "pycparser"}, rows
    for name, row in rows.items():
        assert row[2] == ("built" if name in BUILT else "index"), row
        assert row[-1] == "ok", row
    lock = out / f"requirements-cp311-{TARGET}.txt"
    pins = [line.split()[0] for line in lock.read_text().splitlines()
            if "==" in line and not line.startswith("#")]
    assert len(pins) == len(rows)
    for name in BUILT:  # built with the package's optimisation kept
        log = next((out / ".zigcc" / "logs").glob(f"{name}-*.log")).read_text()
        assert any(" -O2" in ln or " -O3" in ln for ln in log.splitlines() if " -c " in ln)

    site = tmp_path / "site"
    target = parse(TARGET)
    platforms = [f"--platform={tag}" for tag in target.platform.installable_tags(target)]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--find-links",
                    str(out), "--require-hashes", "-r", str(lock), "--only-binary=:all:",
                    "--target", str(site), "--python-version", "3.11", "--implementation",
                    "cp", *platforms], check=True, env=env)
    ran = run_in(target_py, site, APP, tmp_path)
    assert ran.returncode == 0 and "APP OK" in ran.stdout, ran.stdout + ran.stderr

    again = wheelhouse(out, tmp_path, env)  # warm: nothing is built or downloaded again
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert f"{len(rows)} ok (0 built), 0 failed" in again.stdout, again.stdout[-3000:]
    assert lock.read_text() == lock.read_text()  # written again, identical
    with pytest.raises(StopIteration):
        next(line for line in again.stdout.splitlines() if " index " in line or " built " in line)
