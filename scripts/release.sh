#!/usr/bin/env bash
# scripts/release.sh: the release binaries. Static (musl) executables for 64-bit Linux on x86_64 and
# on aarch64 (Raspberry Pi 4/5 with a 64-bit OS, ARM servers), with SHA-256 sums:
#   dist/frontdesk-VERSION-x86_64-linux
#   dist/frontdesk-VERSION-aarch64-linux
#   dist/SHA256SUMS
# Each binary names its commit and build date (`frontdesk version`): FRONTDESK_BUILD_COMMIT and
# SOURCE_DATE_EPOCH default to the checkout's HEAD and its commit time, so a rebuild of one commit says
# the same.
#
# Usage: scripts/release.sh [OUT_DIR]          (default: dist)
#        RELEASE_TARGETS="aarch64-unknown-linux-musl" scripts/release.sh   one target only
# Needs (Debian): rustup, musl-tools (x86_64), gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (aarch64); rustup adds the Rust
# targets itself. Cross-built objects use the aarch64 GNU compiler for SQLite's C and link against the
# musl C library that Rust ships for the target (self-contained), so the result depends on nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

out=${1:-dist}
[[ $out == /* ]] || out=$root/$out
read -r -a targets <<<"${RELEASE_TARGETS:-x86_64-unknown-linux-musl aarch64-unknown-linux-musl}"
version=$(sed -nE 's/^version = "([^"]+)"/\1/p' Cargo.toml | head -n1)
target_dir=${CARGO_TARGET_DIR:-$root/target}
[[ $target_dir == /* ]] || target_dir=$root/$target_dir

export FRONTDESK_BUILD_COMMIT=${FRONTDESK_BUILD_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

mkdir -p "$out"
built=()
for target in "${targets[@]}"; do
    arch=${target%%-*}
    case $target in
        x86_64-unknown-linux-musl)
            cc=musl-gcc ;;
        aarch64-unknown-linux-musl)
            cc=aarch64-linux-gnu-gcc
            export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=$cc
            # SQLite compiled against glibc's headers would call open64, fstat64… (its large-file
            # defines), which musl no longer has; on a 64-bit target the plain calls are 64-bit anyway.
            export CFLAGS_aarch64_unknown_linux_musl="-DSQLITE_DISABLE_LFS" ;;
        *) echo "release.sh: unknown target $target" >&2; exit 2 ;;
    esac
    command -v "$cc" >/dev/null || { echo "release.sh: $cc is missing (apt-get install -y musl-tools gcc-aarch64-linux-gnu)" >&2; exit 1; }
    if command -v rustup >/dev/null; then rustup target add "$target" >/dev/null; fi
    echo "==== $target (commit $FRONTDESK_BUILD_COMMIT)"
    # The C compiler for SQLite (the cc crate reads CC_<target>).
    env "CC_${target//-/_}=$cc" cargo build --release --locked --target "$target" --bin frontdesk
    name=frontdesk-$version-$arch-linux
    install -m 0755 "$target_dir/$target/release/frontdesk" "$out/$name"
    # Static: no program interpreter, no shared libraries.
    if command -v readelf >/dev/null && readelf -l "$out/$name" | grep -q 'Requesting program interpreter'; then
        echo "release.sh: $name is not static" >&2; exit 1
    fi
    built+=("$name")
done
# The sums of this version's binaries in OUT_DIR (a one-target run keeps the other's, if built before).
(cd "$out" && sha256sum "frontdesk-$version-"*-linux >SHA256SUMS)
echo "==== $out"
(cd "$out" && cat SHA256SUMS)
