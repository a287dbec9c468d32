#!/usr/bin/env bash
# Sanitizer runs (nightly Rust), run by tests/sanitizers.rs as part of the README's
# test command:
#   asan   the Rust unit tests, and the C API tests (capi-tests/test_*.c compiled with
#          -fsanitize=address against the library built with -Zsanitizer=address),
#          under AddressSanitizer + LeakSanitizer; one target dir for both
#   tsan   the unit tests whose code crosses threads (spsc queue, pipes, mailbox,
#          signaler, block pool, context, sockets, the I/O lane) and the C programs
#          racing threads and zmq_ctx_term, under ThreadSanitizer, with std rebuilt
#          instrumented (-Zbuild-std: the nightly rust-src component)
# Usage: .ci/sanitizers.sh [asan|tsan]...   (default: both). Exits non-zero on any
# report or when nightly or rust-src is missing (.ci/run installs them).
# Builds in target/asan and target/tsan, never in the target dir of the cargo that
# runs the test (whose lock and artifacts are its own).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
target=x86_64-unknown-linux-gnu
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
trap 'exit 143' TERM INT
status=0

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "sanitizers.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
    exit 1
fi

run_asan() {
    export RUSTFLAGS="-Zsanitizer=address" ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
    export LSAN_OPTIONS="suppressions=$repo/.ci/lsan.supp:print_suppressions=0"
    local t0=$(date +%s)
    cargo +nightly test --release --lib --target $target --target-dir target/asan || status=1
    echo "asan unit tests: $(($(date +%s) - t0)) s"
    # The C tests: the executables carry gcc's ASan runtime, which the instrumented
    # library's checks resolve to.
    printf '#!/bin/sh\nexec cc -fsanitize=address -fno-omit-frame-pointer "$@"\n' >"$scratch/asan-cc"
    chmod +x "$scratch/asan-cc"
    t0=$(date +%s)
    cargo +nightly build --release --target $target --target-dir target/asan &&
        ZMQRS_TEST_CC="$scratch/asan-cc" cargo +nightly test --release --target $target \
            --target-dir target/asan --test capi -- --nocapture || status=1
    echo "asan C API tests: $(($(date +%s) - t0)) s"
    unset RUSTFLAGS ASAN_OPTIONS LSAN_OPTIONS
}

run_tsan() {
    if ! rustup component list --toolchain nightly --installed | grep -q '^rust-src'; then
        echo "sanitizers.sh: tsan needs nightly's rust-src (rustup component add rust-src --toolchain nightly)" >&2
        exit 1
    fi
    export RUSTFLAGS="-Zsanitizer=thread" TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
    # One build for the unit tests and the C programs: `cargo test` rebuilds std for
    # the test harness, and a separate `cargo build` would rebuild std and every
    # dependency again. The library of an integration test's build (here capi's) is
    # the cdylib too, left in deps/ (only `cargo build` copies it up).
    local t0=$(date +%s)
    cargo +nightly test -Zbuild-std --release --target $target --target-dir target/tsan \
        --lib --test capi --no-run || status=1
    echo "tsan build: $(($(date +%s) - t0)) s"
    t0=$(date +%s)
    cargo +nightly test -Zbuild-std --release --lib --target $target --target-dir target/tsan -- \
        spsc:: pipe:: mailbox:: signaler:: pool:: ctx:: socket::tests:: io::lane:: || status=1
    echo "tsan unit tests: $(($(date +%s) - t0)) s"
    # The C programs that race threads against each other and against zmq_ctx_term,
    # compiled with -fsanitize=thread against the instrumented library.
    t0=$(date +%s)
    local lib=$repo/target/tsan/$target/release/deps
    [ -f "$lib/libzmq_rs.so" ] || { echo "tsan: no $lib/libzmq_rs.so"; return 1; }
    mkdir -p "$lib/soname"
    ln -sf "$lib/libzmq_rs.so" "$lib/soname/libzmq-rs.so.5"
    for src in capi-tests/leak/term_race.c capi-tests/test_thread_safe_types.c \
        capi-tests/test_ctx_threads.c capi-tests/test_core_inproc.c capi-tests/test_proxy.c; do
        local exe=$scratch/$(basename "$src" .c)
        cc -std=gnu11 -g -O1 -fsanitize=thread -DZMQ_BUILD_DRAFT_API -Iinclude -Icapi-tests \
            "$src" .ci/tsan_shim.c -o "$exe" "$lib/libzmq_rs.so" -lpthread || { status=1; continue; }
        if (cd "$scratch" && LD_LIBRARY_PATH=$lib/soname timeout 300 "$exe" >"$exe.log" 2>&1); then
            echo "tsan $(basename "$src"): clean"
        else
            echo "tsan $(basename "$src"): FAILED"; grep -v '^ *#' "$exe.log" | head -40; status=1
        fi
    done
    echo "tsan C programs: $(($(date +%s) - t0)) s"
    unset RUSTFLAGS TSAN_OPTIONS
}

for what in "${@:-asan tsan}"; do
    for w in $what; do "run_$w"; done
done
exit $status
