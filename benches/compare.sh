#!/usr/bin/env bash
# libzmq's own perf tools (local_thr/remote_thr, local_lat/remote_lat, inproc_thr,
# inproc_lat, proxy_thr from libzmq 4.3.5's perf/, built unchanged from the
# zeromq-src crate's sources, never copied into this repo) against libzmq-rs and
# against the system libzmq, in one alternating run; prints medians and ratios.
#
#   benches/compare.sh [REPS]          (default 5 repetitions of every case)
#   CASES='tcp_thr_64 proxy'  ...      only the cases whose name matches one of these
#                                      (grep -E over "transport_kind_size")
#   SCALE=0.2 ...                      message counts times SCALE (a quick look)
#   REF_LIB=/path/libzmq.so REF_INCLUDE=DIR ...   another reference (default: the
#                                      system's libzmq3-dev)
#   OURS_LIB=/path/libzmq_rs.so ...    a libzmq-rs built elsewhere (no cargo build):
#                                      e.g. a copy of an earlier build as REF_LIB, to
#                                      time one change against the build before it
#
# Each repetition runs every case once with each library, the order alternating from
# one repetition to the next (ours first, then the reference first, ...), so both see
# the same machine; the table gives each side's median and the spread of its runs
# (max/min - 1), so noise shows. Throughput ratios are ours/libzmq (higher is better),
# latency ratios ours/libzmq (lower is better). 64 KiB tcp/ipc throughput is also
# given as a share of the raw loopback bandwidth of 64 KiB writes (benches/raw.c).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
SCALE=${SCALE:-1}
OUT=$PWD/target/bench/compare
vendor="$(bash capi-tests/conformance/fetch-libzmq.sh)"

if [ -z "${OURS_LIB:-}" ]; then
    cargo build --release --quiet
    OURS_LIB=$PWD/target/release/libzmq_rs.so
fi
mkdir -p "$OUT"
tools="local_thr remote_thr local_lat remote_lat inproc_thr inproc_lat proxy_thr"
REF_INCLUDE=${REF_INCLUDE:-/usr/include}
# Two trees laid out like libzmq's (perf/ next to include/), one per library, so the
# tools' "../include/zmq.h" finds the header of the library they are linked with.
for side in ours ref; do
    W="$OUT/$side"
    mkdir -p "$W/include" "$W/perf" "$W/bin" "$W/lib"
    if [ $side = ours ]; then
        cp include/zmq.h include/zmq_utils.h "$W/include/"
        ln -sf "$OURS_LIB" "$W/lib/libzmq-rs.so.5"
        link=("$OURS_LIB")
    else
        cp "$REF_INCLUDE/zmq.h" "$W/include/"
        if [ -n "${REF_LIB:-}" ]; then
            ln -sf "$REF_LIB" "$W/lib/$(readelf -d "$REF_LIB" | sed -n 's/.*soname: \[\(.*\)\].*/\1/p')"
            link=("$REF_LIB")
        else
            link=(-lzmq)
        fi
    fi
    for t in $tools; do
        cp "$vendor/perf/$t.cpp" "$W/perf/"
        if [ ! -x "$W/bin/$t" ] || [ "$W/perf/$t.cpp" -nt "$W/bin/$t" ] ||
            [ "$W/include/zmq.h" -nt "$W/bin/$t" ]; then
            g++ -O2 -w -pthread -I capi-tests/conformance/include "$W/perf/$t.cpp" "${link[@]}" \
                -o "$W/bin/$t"
        fi
    done
done
cc -O2 -pthread benches/raw.c -o "$OUT/raw"

tmp=$(mktemp -d /tmp/zmqrs-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# run SIDE KIND TRANSPORT SIZE COUNT -> msg/s (thr, proxy) or one-way us (lat);
# "hung" when the run failed or did not finish in 30 s (every case takes ~1 s). Debian's
# libzmq 4.3.4 hangs in ipc 1-byte local_thr/remote_thr: the receiver takes every byte
# and then waits forever (4.3.5 and libzmq-rs, on either side, do not).
run() {
    local side=$1 kind=$2 tr=$3 size=$4 count=$5
    local bin="$OUT/$side/bin" env=(env LD_LIBRARY_PATH="$OUT/$side/lib")
    local T=(timeout 30)
    local ep out
    case $tr in
        tcp) ep="tcp://127.0.0.1:$((20000 + RANDOM % 30000))" ;;
        ipc) ep="ipc://$tmp/$side-$RANDOM.ipc" ;;
    esac
    case $kind-$tr in
        thr-inproc) out=$("${env[@]}" "${T[@]}" "$bin/inproc_thr" "$size" "$count" 2>&1) ;;
        lat-inproc) out=$("${env[@]}" "${T[@]}" "$bin/inproc_lat" "$size" "$count" 2>&1) ;;
        proxy-inproc) out=$("${env[@]}" "${T[@]}" "$bin/proxy_thr" "$size" "$count" 2>&1) ;;
        thr-*)
            "${env[@]}" "${T[@]}" "$bin/local_thr" "$ep" "$size" "$count" >"$tmp/local" 2>&1 &
            local pid=$!
            "${env[@]}" "${T[@]}" "$bin/remote_thr" "$ep" "$size" "$count" >/dev/null 2>&1 || true
            wait $pid || true
            out=$(cat "$tmp/local")
            ;;
        lat-*)
            "${env[@]}" "${T[@]}" "$bin/local_lat" "$ep" "$size" "$count" >/dev/null 2>&1 &
            local pid=$!
            out=$("${env[@]}" "${T[@]}" "$bin/remote_lat" "$ep" "$size" "$count" 2>&1) || true
            wait $pid || true
            ;;
    esac
    case $kind in
        lat) sed -n 's/^average latency: \([0-9.]*\) \[us\]/\1/p' <<<"$out" | head -n1 | grep . || echo hung ;;
        *) sed -n 's/^mean throughput: \([0-9]*\) \[msg\/s\]/\1/p' <<<"$out" | head -n1 | grep . || echo hung ;;
    esac
}

# The cases: name kind transport size count. Counts give the reference ~0.3-1 s a run
# on this 2-core machine.
cases=()
for tr in tcp ipc; do
    cases+=("${tr}_thr_1 thr $tr 1 2000000" "${tr}_thr_64 thr $tr 64 2000000"
        "${tr}_thr_1024 thr $tr 1024 1000000" "${tr}_thr_65536 thr $tr 65536 40000")
done
cases+=("inproc_thr_1 thr inproc 1 5000000" "inproc_thr_64 thr inproc 64 5000000"
    "inproc_thr_1024 thr inproc 1024 2000000" "inproc_thr_65536 thr inproc 65536 200000"
    "proxy_thr_64 proxy inproc 64 1000000")
for tr in tcp ipc inproc; do
    cases+=("${tr}_lat_1 lat $tr 1 20000" "${tr}_lat_1024 lat $tr 1024 20000")
done
selected=()
for c in "${cases[@]}"; do
    name=${c%% *}
    if [ -z "${CASES:-}" ] || grep -Eq "$(tr ' ' '|' <<<"$CASES")" <<<"$name"; then
        selected+=("$c")
    fi
done

declare -A results
raw_tcp=() raw_ipc=()
for ((rep = 1; rep <= REPS; rep++)); do
    if ((rep % 2)); then order="ours ref"; else order="ref ours"; fi
    for c in "${selected[@]}"; do
        read -r name kind tr size count <<<"$c"
        count=$(awk -v c="$count" -v s="$SCALE" 'BEGIN { n = int(c * s); print (n < 100 ? 100 : n) }')
        for side in $order; do
            # A case that hung twice is not run again: it would only burn 30 s a time.
            if [ "$(grep -o hung <<<"${results[$name.$side]:-}" | wc -l)" -ge 2 ]; then
                results[$name.$side]+="hung "
            else
                results[$name.$side]+="$(run "$side" "$kind" "$tr" "$size" "$count") "
            fi
        done
    done
    if grep -q "_thr_65536" <<<"${selected[*]}"; then
        raw_tcp+=("$("$OUT/raw" tcp 65536 $((4 << 30)))")
        raw_ipc+=("$("$OUT/raw" ipc 65536 $((4 << 30)))")
    fi
    echo "repetition $rep of $REPS done" >&2
done

median() { tr ' ' '\n' | awk '$1 != "" && $1 != "hung"' | sort -g | awk '{ v[NR] = $1 } END { printf "%.10g\n", NR == 0 ? 0 : (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
hung() { local n; n=$(tr ' ' '\n' | grep -c hung || true); [ "$n" -gt 0 ] && echo " ($n hung in $1)" || true; }
spread() { tr ' ' '\n' | awk '$1 != "" && $1 != "hung"' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (lo > 0) printf "%.0f%%", (hi / lo - 1) * 100; else printf "-" }'; }

printf '%-18s %14s %6s %14s %6s %7s\n' case libzmq-rs spread libzmq spread ratio
thr_ratios=() lat_ratios=()
for c in "${selected[@]}"; do
    read -r name kind tr size count <<<"$c"
    o=$(median <<<"${results[$name.ours]}")
    r=$(median <<<"${results[$name.ref]}")
    ratio=$(awk -v o="$o" -v r="$r" 'BEGIN { if (r > 0 && o > 0) printf "%.2f", o / r; else printf "-" }')
    unit=msg/s
    [ "$kind" = lat ] && unit=us
    printf '%-18s %10s %-5s %6s %10s %-5s %6s %6sx' "$name" "$o" "$unit" "$(spread <<<"${results[$name.ours]}")" \
        "$r" "$unit" "$(spread <<<"${results[$name.ref]}")" "$ratio"
    printf '%s' "$(hung libzmq-rs <<<"${results[$name.ours]}")" "$(hung libzmq <<<"${results[$name.ref]}")"
    if [ "$ratio" = - ]; then
        :
    elif [ "$kind" = lat ]; then lat_ratios+=("$ratio"); else thr_ratios+=("$ratio"); fi
    if [ "$size" = 65536 ] && [ "$tr" != inproc ]; then
        raw=tcp
        [ "$tr" = ipc ] && raw="${raw_ipc[*]}" || raw="${raw_tcp[*]}"
        rawm=$(median <<<"$raw")
        awk -v o="$o" -v raw="$rawm" 'BEGIN { printf "   %.1f Gbit/s = %.0f%% of raw %.1f Gbit/s", o * 65536 * 8 / 1e9, o * 65536 * 8 / 1e9 / raw * 100, raw }'
    fi
    echo
done
geomean() { awk '{ for (i = 1; i <= NF; i++) if ($i > 0) { s += log($i); n++ } } END { printf "%.2f", n ? exp(s / n) : 0 }' <<<"$*"; }
[ ${#thr_ratios[@]} -gt 0 ] && echo "throughput geomean (ours/libzmq, higher is better): $(geomean "${thr_ratios[@]}")x"
[ ${#lat_ratios[@]} -gt 0 ] && echo "latency geomean (ours/libzmq, lower is better):    $(geomean "${lat_ratios[@]}")x"
echo "libzmq: ${REF_LIB:-system $(pkg-config --modversion libzmq 2>/dev/null || echo '?')}; $REPS repetitions, medians; load average $(cut -d' ' -f1-3 /proc/loadavg)"
