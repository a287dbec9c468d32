# Sourced by the scenarios: checks that fail loudly, with what was run.
set -euo pipefail
multiarch=$(gcc -print-multiarch)
libdir=/usr/lib/$multiarch

step() { echo "== $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

# expect_version PROGRAM VERSION: PROGRAM is examples/version.c; the library it loads
# must be VERSION (4.3.5 is libzmq-rs, Debian 12's libzmq is 4.3.4).
expect_version() {
    local out
    out=$("$1")
    echo "$1: $out"
    case "$out" in
        "Current ZeroMQ version is $2 "*) ;;
        *) fail "$1 runs on another library than $2: $out" ;;
    esac
}

# expect_soname_link TARGET: where ldconfig pointed libzmq.so.5.
expect_soname_link() {
    local target
    target=$(readlink "$libdir/libzmq.so.5" || true)
    echo "$libdir/libzmq.so.5 -> $target"
    [ "$target" = "$1" ] || fail "libzmq.so.5 points at '$target', not $1"
    # Debian's merged /usr: ldconfig may list it under /lib. (The listing is taken whole
    # first: grep -q leaving a pipe early kills the writer with SIGPIPE, which pipefail
    # turns into a failure whenever the timing lets it.)
    local cache
    cache=$(ldconfig -p)
    grep -Eq "libzmq\.so\.5 .*=> (/usr)?/lib/$multiarch/libzmq\.so\.5\$" <<<"$cache" ||
        fail "ldconfig's cache has no libzmq.so.5 in $libdir"
}

# hello_pair DIR: DIR's hello_server and hello_client talk over tcp.
hello_pair() {
    local out=$SCRATCH/hello_server.out
    : >"$out" # before the server's own redirection, which may come after our first look
    "$1/hello_server" 'tcp://127.0.0.1:*' 3 >"$out" &
    local server=$!
    local endpoint=""
    for _ in $(seq 100); do
        endpoint=$(sed -n 's/^hello_server: bound to //p' "$out")
        [ -n "$endpoint" ] && break
        sleep 0.1
    done
    [ -n "$endpoint" ] || fail "hello_server printed no endpoint"
    "$1/hello_client" "$endpoint" 3 || fail "hello_client"
    wait "$server" || fail "hello_server"
    [ "$(grep -c 'Received Hello' "$out")" = 3 ] || fail "hello_server did not serve 3 requests"
}
