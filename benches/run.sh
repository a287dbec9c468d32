#!/usr/bin/env bash
# Benchmarks libzmq-rs against the reference libzmq on this machine, in the same run.
#   benches/run.sh            (reference: the system libzmq from libzmq3-dev)
#   REF_INCLUDE=DIR REF_LIB=PATH.so benches/run.sh   (e.g. a libzmq 4.3.5 built by
#                              capi-tests/conformance/build-reference.sh)
#   TRANSPORTS="ws wss" ...    (which transports; ws/wss need a reference built with
#                              them: benches/ws.sh runs that against build-reference.sh's)
# Prints one line per case with both numbers and the ratio ours/reference.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
OUT=target/bench
mkdir -p "$OUT/soname"
ln -sf ../../release/libzmq_rs.so "$OUT/soname/libzmq-rs.so.5"
cc -O2 -DZMQ_BUILD_DRAFT_API -Iinclude benches/perf.c target/release/libzmq_rs.so -lpthread -o "$OUT/perf-ours"
REF_INCLUDE=${REF_INCLUDE:-/usr/include}
if [ -n "${REF_LIB:-}" ]; then
    cc -O2 -DZMQ_BUILD_DRAFT_API -I"$REF_INCLUDE" benches/perf.c "$REF_LIB" -lpthread -o "$OUT/perf-ref"
    REF_LD=$(dirname "$REF_LIB")
else
    cc -O2 -DZMQ_BUILD_DRAFT_API -I"$REF_INCLUDE" benches/perf.c -lzmq -lpthread -o "$OUT/perf-ref"
    REF_LD=
fi
# Every run is bounded: a run that hangs (either library) counts as 0 msg/s / 1e9 us.
ours() { LD_LIBRARY_PATH="$OUT/soname" timeout 60 "$OUT/perf-ours" "$@" || echo "${HUNG:-0}"; }
ref() { LD_LIBRARY_PATH="$REF_LD" timeout 60 "$OUT/perf-ref" "$@" || echo "${HUNG:-0}"; }
# Best of 3 runs each, interleaved so both see the same machine state.
best() { # higher|lower CMD...
    local dir=$1; shift
    local b=
    for _ in 1 2 3; do
        v=$("$@")
        if [ -z "$b" ] || awk -v v="$v" -v b="$b" -v d="$dir" 'BEGIN { exit !((d == "higher") ? v > b : v < b) }'; then b=$v; fi
    done
    echo "$b"
}
printf '%-30s %14s %14s %8s\n' case libzmq-rs libzmq ratio
for t in ${TRANSPORTS:-inproc tcp ipc}; do
    for size in 1 64 1024 65536; do
        n=$((size >= 65536 ? 100000 : 1000000))
        o=$(best higher ours thr "$t" "$size" "$n")
        r=$(best higher ref thr "$t" "$size" "$n")
        printf '%-30s %12s/s %12s/s %8.2f\n' "$t thr ${size}B (msg/s)" "$o" "$r" "$(awk -v o="$o" -v r="$r" 'BEGIN{print o/r}')"
    done
    for size in 1 1024; do
        o=$(HUNG=1e9 best lower ours lat "$t" "$size" 20000)
        r=$(HUNG=1e9 best lower ref lat "$t" "$size" 20000)
        printf '%-30s %12sus %12sus %8.2f\n' "$t lat ${size}B (rtt)" "$o" "$r" "$(awk -v o="$o" -v r="$r" 'BEGIN{print r/o}')"
    done
done
echo "(ratio > 1: libzmq-rs is faster)"
