#!/usr/bin/env bash
# Build the reference libzmq 4.3.5 (drafts on, CURVE through libsodium) from
# the zeromq-src crate's vendor/ dir with CMake, for running the conformance
# suite against it:
#
#   build-reference.sh [OUTDIR]
#
# Prints two lines: `include=DIR` and `lib=PATH/libzmq.so` (also written to
# OUTDIR/paths.env).  OUTDIR defaults to $ZMQRS_CONFORMANCE_CACHE/reference.
# Needs cmake, g++, pkg-config and libsodium-dev (libgnutls28-dev, if present,
# enables wss://).  Rebuilds incrementally.
#
# The feature set is made to match include/platform.hpp (what the suite
# assumes): drafts, ipc, curve (libsodium), ws/wss; no TIPC (presetting the
# cached result of libzmq's configure-time TIPC probe turns it off, so
# zmq_has("tipc") is false as test_capabilities expects), no pgm/norm/vmci/gssapi.
# SO_PRIORITY and SO_BINDTODEVICE are switched on as in the autotools build
# (Debian's libzmq5): libzmq's CMakeLists never runs those two probes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ZMQRS_CONFORMANCE_CACHE:-${HOME:-/tmp}/.cache/libzmq-rs-conformance}"
out="${1:-$cache/reference}"
jobs="${ZMQRS_BUILD_JOBS:-2}"

for tool in cmake g++ pkg-config; do
    command -v "$tool" >/dev/null || { echo "build-reference.sh: $tool is required" >&2; exit 1; }
done
pkg-config --exists libsodium || { echo "build-reference.sh: libsodium-dev is required" >&2; exit 1; }

vendor="$("$here/fetch-libzmq.sh")"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

cmake -S "$vendor" -B "$out/build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX="$out/install" \
    -DENABLE_DRAFTS=ON \
    -DWITH_LIBSODIUM=ON -DENABLE_CURVE=ON \
    -DBUILD_TESTS=OFF -DBUILD_STATIC=OFF -DBUILD_SHARED=ON \
    -DWITH_DOCS=OFF -DWITH_DOC=OFF -DWITH_PERF_TOOL=OFF \
    -DENABLE_CPACK=OFF -DENABLE_PRECOMPILED=OFF \
    -DZMQ_HAVE_TIPC=OFF -DZMQ_HAVE_SO_PRIORITY=ON -DZMQ_HAVE_SO_BINDTODEVICE=ON \
    >"$out/cmake-configure.log" 2>&1 ||
    { tail -n 30 "$out/cmake-configure.log" >&2; exit 1; }
cmake --build "$out/build" -j "$jobs" >"$out/cmake-build.log" 2>&1 ||
    { tail -n 30 "$out/cmake-build.log" >&2; exit 1; }
cmake --install "$out/build" >"$out/cmake-install.log" 2>&1 ||
    { tail -n 30 "$out/cmake-install.log" >&2; exit 1; }

lib="$(ls "$out"/install/lib*/libzmq.so 2>/dev/null | head -n1)"
[ -n "$lib" ] || { echo "build-reference.sh: libzmq.so not found under $out/install" >&2; exit 1; }
printf 'include=%s\nlib=%s\n' "$out/install/include" "$lib" | tee "$out/paths.env"
