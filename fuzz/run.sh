#!/usr/bin/env bash
# Builds the fuzz targets (cargo-fuzz: nightly, libFuzzer, ASan) and fuzzes each one for
# SECONDS (default 10) from its checked-in corpus and regression inputs, one after
# the other on one core. New inputs go to a scratch corpus (kept in $FUZZ_KEEP/<target>
# when FUZZ_KEEP is set, so long runs can be resumed or minimised into corpus/ by hand).
# Prints one line per target: executions, time, coverage; fails if any target crashes
# (the input is left in fuzz/artifacts/<target>/).
#
#   fuzz/run.sh 30               # CI-sized
#   FUZZ_KEEP=~/fuzz fuzz/run.sh 3600 handshake_curve   # an hour on one target
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-10}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz or the nightly toolchain is missing (cargo install cargo-fuzz)" >&2
    exit 1
fi
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
start=$(date +%s)
cargo +nightly fuzz build 2>&1 | tail -n 3
echo "fuzz build: $(($(date +%s) - start)) s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
for t in "${targets[@]}"; do
    work=${FUZZ_KEEP:+$FUZZ_KEEP/$t}
    work=${work:-$scratch/$t}
    mkdir -p "$work"
    dirs=("corpus/$t")
    [ -d "regressions/$t" ] && dirs+=("regressions/$t")
    log=$scratch/$t.log
    rc=0
    cargo +nightly fuzz run "$t" "$work" "${dirs[@]}" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    if [ "$rc" -ne 0 ]; then
        failed+=("$t")
        echo "fuzz $t: CRASH after ${execs:-?} executions"
        grep -v '^ *\(at\|[0-9]*:\) ' "$log" | tail -n 40
    else
        echo "fuzz $t: ${execs:-0} executions in $secs s, $cov, corpus $(ls "$work" | wc -l) new"
    fi
done
echo "fuzz total: $(($(date +%s) - start)) s"
if [ ${#failed[@]} -ne 0 ]; then
    echo "crashed: ${failed[*]}" >&2
    exit 1
fi
