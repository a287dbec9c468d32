#!/usr/bin/env bash
# Print the path of libzmq 4.3.5's source tree (the `vendor/` dir of the
# crates.io package zeromq-src =0.3.6+4.3.5), fetching it through cargo into
# the cargo registry cache if needed.  Nothing of libzmq is kept in this repo.
#
# Cache: ${ZMQRS_CONFORMANCE_CACHE:-$HOME/.cache/libzmq-rs-conformance}/fetch
# holds a scratch cargo project whose only dependency is zeromq-src.
set -euo pipefail

ZEROMQ_SRC_VERSION="0.3.6+4.3.5"
cache="${ZMQRS_CONFORMANCE_CACHE:-${HOME:-/tmp}/.cache/libzmq-rs-conformance}"
proj="$cache/fetch"
mkdir -p "$proj/src"
# A file of its own: several runs (tests, engineers) may share the cache.
new="$(mktemp "$proj/Cargo.toml.XXXXXX")"
cat > "$new" <<TOML
[package]
name = "libzmq-rs-conformance-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
zeromq-src = "=$ZEROMQ_SRC_VERSION"

[workspace]
TOML
if ! cmp -s "$new" "$proj/Cargo.toml" 2>/dev/null; then
    mv "$new" "$proj/Cargo.toml"
else
    rm -f "$new"
fi
[ -f "$proj/src/lib.rs" ] || : > "$proj/src/lib.rs"

# Offline first (no network when the crate is already unpacked), then online.
if ! (cd "$proj" && cargo fetch --offline --target x86_64-unknown-linux-gnu >/dev/null 2>&1); then
    (cd "$proj" && cargo fetch --target x86_64-unknown-linux-gnu >&2)
fi
manifest=$(cd "$proj" && cargo metadata --offline --format-version 1 2>/dev/null |
    grep -o "\"manifest_path\":\"[^\"]*/zeromq-src-$ZEROMQ_SRC_VERSION/Cargo.toml\"" |
    head -n1 | sed 's/^"manifest_path":"//; s/"$//') || true
if [ -z "$manifest" ]; then
    # Fall back to the usual registry location.
    manifest=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"zeromq-src-$ZEROMQ_SRC_VERSION"/Cargo.toml 2>/dev/null | head -n1) || true
fi
vendor="$(dirname "${manifest:-/nonexistent/x}")/vendor"
if [ ! -f "$vendor/include/zmq.h" ] || [ ! -d "$vendor/tests" ]; then
    echo "fetch-libzmq.sh: could not locate zeromq-src-$ZEROMQ_SRC_VERSION/vendor" >&2
    exit 1
fi
echo "$vendor"
