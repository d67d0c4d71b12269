#!/usr/bin/env bash
# Host packages for the foreign-architecture Debian interpreters of tests/debian_sysroots.py.
# Idempotent; run as root (or with sudo available).  Only calls apt-get when something is missing.
#   qemu-user-static        qemu-<cpu>-static -L <sysroot> runs arm64/armhf/ppc64el/s390x/riscv64
#                           (no binfmt_misc registration needed)
#   gpgv, debian-archive-keyring
#                           apt's signature checks; tests/debian_sysroots.py's direct-index fallback
#   wine, wine64            runs python.org's Windows CPython (tests/windows_python.py) to import
#                           the win_amd64 wheels of tests/builds/test_windows.py
# dpkg-deb (xz and zstd data.tar) and setarch (util-linux, i386) are essential packages already.
set -euo pipefail

packages=(qemu-user-static gpgv debian-archive-keyring make pkg-config xz-utils libssl-dev zlib1g-dev libffi-dev libsqlite3-dev libbz2-dev liblzma-dev uuid-dev wine wine64)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]})); then
    sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { echo "install-deps: need root for: ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "install-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

for tool in qemu-aarch64-static qemu-arm-static qemu-ppc64le-static qemu-s390x-static \
    qemu-riscv64-static gpgv dpkg-deb setarch wine; do
    command -v "$tool" >/dev/null || { echo "install-deps: $tool still missing" >&2; exit 1; }
done
