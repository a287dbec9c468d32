#!/usr/bin/env bash
# ws:// and wss:// throughput and latency, libzmq-rs against the reference libzmq 4.3.5
# built with WebSocket and GnuTLS (capi-tests/conformance/build-reference.sh; needs
# libgnutls28-dev), in the same run: benches/run.sh with TRANSPORTS="ws wss".
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash capi-tests/conformance/build-reference.sh)"
TRANSPORTS="${TRANSPORTS:-ws wss}" REF_INCLUDE="$include" REF_LIB="$lib" exec bash benches/run.sh
