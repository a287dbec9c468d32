#!/usr/bin/env bash
# Instructions per message, counted by callgrind (noise-free, unlike wall-clock time on
# a shared machine): libzmq's perf tools (built by benches/compare.sh) against libzmq-rs
# and against the system libzmq, each run under valgrind.
#
#   benches/instructions.sh [CASE...]     CASE: tcp_64 (default), ipc_64, inproc_64,
#                                         tcp_1, tcp_1024, ... (transport_size)
#   COUNT=100000 ...                      messages per run
#   OURS_LIB=... REF_LIB=...              other builds, as for benches/compare.sh
#
# Per message and per library: `send` is the application thread's zmq_sendmsg
# (inclusive of everything it calls), `recv` its zmq_recvmsg, and `sender`/`receiver`
# every instruction of the process (its application and I/O threads, set-up included,
# which the count amortises), for inproc the one process holding both.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-100000}
OUT=$PWD/target/bench/compare
# Builds the tools (once) and points them at the libraries to count.
CASES=none bash benches/compare.sh 0 >/dev/null
tmp=$(mktemp -d /tmp/zmqrs-callgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

VG=(valgrind --tool=callgrind --dump-instr=no --compress-strings=no --compress-pos=no)

# inclusive FILE FUNCTION -> instructions spent in FUNCTION and what it called
inclusive() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        awk -v f="$2" '{ gsub(",", "", $1) } $0 ~ ("[: ]" f " ") || $0 ~ ("[: ]" f "$") { print $1; exit }' |
        grep . || echo 0
}
total() {
    callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
}
per() { awk -v a="$1" -v n="$COUNT" 'BEGIN { printf "%.0f", a / n }'; }

printf '%-12s %-9s %8s %8s %9s %9s\n' case library send recv sender receiver
for c in "${@:-tcp_64}"; do
    tr=${c%_*}
    size=${c#*_}
    for side in ours ref; do
        bin="$OUT/$side/bin"
        export LD_LIBRARY_PATH="$OUT/$side/lib"
        if [ "$tr" = inproc ]; then
            "${VG[@]}" --callgrind-out-file="$tmp/both" "$bin/inproc_thr" "$size" "$COUNT" >/dev/null 2>&1
            recv_f=$tmp/both send_f=$tmp/both
            sender=-
            receiver=$(per "$(total "$tmp/both")")
        else
            case $tr in
                tcp) ep="tcp://127.0.0.1:$((20000 + RANDOM % 30000))" ;;
                ipc) ep="ipc://$tmp/s.ipc" ;;
            esac
            "${VG[@]}" --callgrind-out-file="$tmp/recv" "$bin/local_thr" "$ep" "$size" "$COUNT" >/dev/null 2>&1 &
            pid=$!
            sleep 1
            "${VG[@]}" --callgrind-out-file="$tmp/send" "$bin/remote_thr" "$ep" "$size" "$COUNT" >/dev/null 2>&1
            wait $pid
            recv_f=$tmp/recv send_f=$tmp/send
            sender=$(per "$(total "$tmp/send")")
            receiver=$(per "$(total "$tmp/recv")")
        fi
        send=$(per "$(inclusive "$send_f" zmq_sendmsg)")
        recv=$(per "$(inclusive "$recv_f" zmq_recvmsg)")
        printf '%-12s %-9s %8s %8s %9s %9s\n' "$c" "$side" "$send" "$recv" "$sender" "$receiver"
    done
done
