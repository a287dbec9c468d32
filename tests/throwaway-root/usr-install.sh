# Scenario: `cmake --install` of a build configured with -DCMAKE_INSTALL_PREFIX=/usr and
# -DZMQRS_LIBZMQ_COMPAT=ON, then ldconfig: consumers build with pkg-config and CMake
# without any hint, and a program built against Debian's libzmq runs on ours; the
# uninstall target and ldconfig bring Debian's libzmq back. Then the same with the
# README's route, a compat build installed to the default prefix /usr/local.
#   usr-install.sh BUILD LOCAL_BUILD REPO SYSTEM_PROGRAMS
build=$1 local_build=$2 repo=$3 system=$4
source "$(dirname "$0")/common.sh"

step "before: Debian's libzmq"
expect_version "$system/version" 4.3.4

step "install to /usr, then ldconfig"
cmake --install "$build"
ldconfig
expect_soname_link libzmq.so.5.2.5
expect_version "$system/version" 4.3.5
hello_pair "$system"

step "pkg-config finds libzmq-rs in its default path"
[ "$(pkg-config --variable=prefix libzmq-rs)" = /usr ] || fail "prefix is $(pkg-config --variable=prefix libzmq-rs)"
[ "$(pkg-config --variable=libdir libzmq-rs)" = "$libdir" ] || fail "libdir is $(pkg-config --variable=libdir libzmq-rs)"
[ "$(pkg-config --variable=includedir libzmq-rs)" = /usr/include ] || fail "includedir is $(pkg-config --variable=includedir libzmq-rs)"
# shellcheck disable=SC2046
cc "$repo/examples/version.c" -o "$SCRATCH/version-pc" $(pkg-config --cflags --libs libzmq-rs)
expect_version "$SCRATCH/version-pc" 4.3.5
# shellcheck disable=SC2046
cc "$repo/examples/version.c" -o "$SCRATCH/version-libzmq-pc" $(pkg-config --cflags --libs libzmq)
expect_version "$SCRATCH/version-libzmq-pc" 4.3.5

step "CMake finds libzmq-rs without CMAKE_PREFIX_PATH"
mkdir "$SCRATCH/consumer"
cat >"$SCRATCH/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(libzmq-rs 4.3 REQUIRED)
message(STATUS "libzmq-rs from \${libzmq-rs_DIR}")
add_executable(version "$repo/examples/version.c")
target_link_libraries(version libzmq-rs::libzmq-rs)
CMAKE
cmake -S "$SCRATCH/consumer" -B "$SCRATCH/consumer/build" | grep "libzmq-rs from $libdir/cmake/libzmq-rs" ||
    fail "find_package did not find $libdir/cmake/libzmq-rs"
cmake --build "$SCRATCH/consumer/build" >/dev/null
expect_version "$SCRATCH/consumer/build/version" 4.3.5

step "uninstall, then ldconfig: Debian's libzmq again"
cmake --build "$build" --target uninstall >/dev/null
ldconfig
for gone in "$libdir/libzmq.so.5.2.5" "$libdir/libzmq-rs.so" "$libdir/libzmq-rs.a" \
    "$libdir/pkgconfig/libzmq-rs.pc" "$libdir/cmake/libzmq-rs" /usr/share/doc/libzmq-rs; do
    [ ! -e "$gone" ] || fail "$gone is still there after uninstall"
done
if pkg-config --exists libzmq-rs; then fail "pkg-config still finds libzmq-rs"; fi
expect_soname_link libzmq.so.5.2.4
expect_version "$system/version" 4.3.4
hello_pair "$system"

step "install to /usr/local, then ldconfig: ours comes first"
cmake --install "$local_build" --strip
ldconfig
[ -e /usr/local/lib/libzmq.so.5 ] || fail "no /usr/local/lib/libzmq.so.5"
expect_version "$system/version" 4.3.5
hello_pair "$system"
cmake --build "$local_build" --target uninstall >/dev/null
ldconfig
[ ! -e /usr/local/lib/libzmq.so.5.2.5 ] || fail "/usr/local/lib/libzmq.so.5.2.5 is still there"
expect_soname_link libzmq.so.5.2.4
expect_version "$system/version" 4.3.4
echo "usr-install: OK"
