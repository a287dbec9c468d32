# Scenario: the libzmq5-rs package. Beside Debian's libzmq5 it takes over libzmq.so.5
# (ldconfig ranks libzmq.so.5.2.5 above libzmq5's 5.2.4): an unchanged program linked
# with -lzmq and Debian's pyzmq run on it with no environment variable; removing it gives
# the machine Debian's libzmq back. Then it stands in for libzmq5 outright: dpkg lets
# libzmq5 go because libzmq5-rs provides it, pyzmq keeps working, and dpkg will not
# remove libzmq5-rs while pyzmq needs it.
#   debian-package.sh DEB SYSTEM_PROGRAMS PYZMQ_SMOKE
deb=$1 system=$2 smoke=$3
source "$(dirname "$0")/common.sh"

# expect_pyzmq VERSION: Debian's pyzmq, no LD_PRELOAD, runs its smoke test on VERSION.
expect_pyzmq() {
    local out
    out=$(env -i PATH=/usr/bin:/bin /usr/bin/python3 "$smoke" 2>&1) || fail "pyzmq smoke test: $out"
    echo "$out" | head -1
    grep -qx "zmq_version $1" <<<"$out" || fail "pyzmq runs on another library than $1: $out"
    grep -qx OK <<<"$out" || fail "pyzmq smoke test: $out"
}

step "before: Debian's libzmq"
dpkg-deb --field "$deb" Package Version Provides Conflicts Depends
expect_soname_link libzmq.so.5.2.4
expect_version "$system/version" 4.3.4
expect_pyzmq 4.3.4

step "dpkg -i: libzmq5-rs beside libzmq5"
dpkg -i "$deb"
expect_soname_link libzmq.so.5.2.5
expect_version "$system/version" 4.3.5
hello_pair "$system"
expect_pyzmq 4.3.5
dpkg -L libzmq5-rs

step "dpkg -r: Debian's libzmq again"
dpkg -r libzmq5-rs
expect_soname_link libzmq.so.5.2.4
expect_version "$system/version" 4.3.4
expect_pyzmq 4.3.4
[ ! -e "$libdir/libzmq.so.5.2.5" ] || fail "libzmq.so.5.2.5 is still there"
status=$(dpkg-query --show --showformat='${db:Status-Status}' libzmq5-rs 2>/dev/null || true)
# config-files: dpkg keeps the postrm until a purge, as for any package with one.
case "$status" in "" | not-installed | config-files) ;; *) fail "libzmq5-rs is $status after dpkg -r" ;; esac

step "libzmq5-rs instead of libzmq5"
dpkg -i "$deb"
# The -dev packages want exactly Debian's libzmq5; what only needs a libzmq5 stays.
dpkg -r libczmq-dev libzmq3-dev
dpkg -r libzmq5
[ ! -e "$libdir/libzmq.so.5.2.4" ] || fail "libzmq5's library is still there"
status=$(dpkg -s python3-zmq libczmq4)
grep -q '^Status: install ok installed' <<<"$status" || fail "pyzmq or czmq went with libzmq5"
expect_soname_link libzmq.so.5.2.5
expect_version "$system/version" 4.3.5
expect_pyzmq 4.3.5
if dpkg -r libzmq5-rs; then fail "dpkg removed libzmq5-rs although python3-zmq depends on it"; fi
dpkg -r --force-depends libzmq5-rs
# No libzmq.so.5 is left, and no link to ours dangles.
[ ! -L "$libdir/libzmq.so.5" ] || fail "libzmq.so.5 is left dangling"
echo "debian-package: OK"
