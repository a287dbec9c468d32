#!/usr/bin/env bash
# Benchmarks libzmq-rs against the reference libzmq on this machine, in the same run.
#   benches/run.sh            (reference: the system libzmq from libzmq3-dev)
#   REF_INCLUDE=DIR REF_LIB=PATH.so benches/run.sh   (e.g. a libzmq 4.3.5 built by
#                              capi-tests/conformance/build-reference.sh)
# Prints one line per case with both numbers and the ratio ours/reference.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
OUT=target/bench
mkdir -p "$OUT/soname"
ln -sf ../../release/libzmq_rs.so "$OUT/soname/libzmq-rs.so.5"
cc -O2 -Iinclude benches/inproc.c target/release/libzmq_rs.so -lpthread -o "$OUT/inproc-ours"
REF_INCLUDE=${REF_INCLUDE:-/usr/include}
if [ -n "${REF_LIB:-}" ]; then
    cc -O2 -I"$REF_INCLUDE" benches/inproc.c "$REF_LIB" -lpthread -o "$OUT/inproc-ref"
    REF_LD=$(dirname "$REF_LIB")
else
    cc -O2 -I"$REF_INCLUDE" benches/inproc.c -lzmq -lpthread -o "$OUT/inproc-ref"
    REF_LD=
fi
ours() { LD_LIBRARY_PATH="$OUT/soname" "$OUT/inproc-ours" "$@"; }
ref() { LD_LIBRARY_PATH="$REF_LD" "$OUT/inproc-ref" "$@"; }
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
printf '%-28s %14s %14s %8s\n' case libzmq-rs libzmq ratio
for size in 1 64 1024 65536; do
    n=$((size >= 65536 ? 200000 : 2000000))
    o=$(best higher ours thr "$size" "$n")
    r=$(best higher ref thr "$size" "$n")
    printf '%-28s %12s/s %12s/s %8.2f\n' "inproc thr ${size}B (msg/s)" "$o" "$r" "$(awk -v o="$o" -v r="$r" 'BEGIN{print o/r}')"
done
for size in 1 1024; do
    o=$(best lower ours lat "$size" 100000)
    r=$(best lower ref lat "$size" 100000)
    printf '%-28s %12sus %12sus %8.2f\n' "inproc lat ${size}B (rtt)" "$o" "$r" "$(awk -v o="$o" -v r="$r" 'BEGIN{print r/o}')"
done
echo "(ratio > 1: libzmq-rs is faster)"
