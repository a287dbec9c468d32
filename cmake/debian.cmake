# The Debian package of the runtime library (`cpack` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr). In compat mode it is libzmq5-rs: libzmq.so.5.2.5 with
# soname libzmq.so.5, installed beside Debian's libzmq5 (libzmq.so.5.2.4), whose files it
# leaves alone. ldconfig points libzmq.so.5 at the highest-numbered file with that soname,
# ours, so every program and binding linked with -lzmq runs on libzmq-rs; removing the
# package runs ldconfig again and libzmq.so.5 is Debian's libzmq once more. It provides
# libzmq5 (= 4.3.5), so what depends on libzmq5 is satisfied by it alone; it conflicts
# with a libzmq5 of 4.3.5 or later, which would ship a libzmq.so.5.2.5 of its own.
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    message(STATUS "Debian package: configure with -DCMAKE_INSTALL_PREFIX=/usr to make one")
    return()
endif()

if(ZMQRS_LIBZMQ_COMPAT)
    set(ZMQRS_DEB_NAME libzmq5-rs)
    set(CPACK_COMPONENTS_ALL runtime deb)
    set(CPACK_DEBIAN_PACKAGE_PROVIDES "libzmq5 (= ${PROJECT_VERSION})")
    set(CPACK_DEBIAN_PACKAGE_CONFLICTS "libzmq5 (>= ${PROJECT_VERSION}~)")
    set(ZMQRS_DEB_SUMMARY "ZeroMQ messaging library, the libzmq 4.3.5 ABI in Rust (libzmq5 stand-in)")
else()
    set(ZMQRS_DEB_NAME libzmq-rs5)
    set(CPACK_COMPONENTS_ALL runtime soname deb)
    set(ZMQRS_DEB_SUMMARY "ZeroMQ messaging library, the libzmq 4.3.5 ABI in Rust (as libzmq-rs.so.5)")
endif()

install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${ZMQRS_DEB_NAME}
        RENAME copyright COMPONENT deb EXCLUDE_FROM_ALL)

# postinst and postrm: ldconfig after every change, so libzmq.so.5 follows; after a removal
# that leaves no other libzmq.so.5.*, the link ldconfig made to ours would dangle.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(ZMQRS_DEB_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
    set(ZMQRS_DEB_LIBDIR "/usr/${CMAKE_INSTALL_LIBDIR}")
endif()
foreach(script postinst postrm)
    # The templates are mode 755, which configure_file keeps.
    configure_file(cmake/debian/${script}.in ${CMAKE_BINARY_DIR}/debian/${script} @ONLY)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Install with DESTDIR, so install-time code sees the real prefix (/usr).
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_PACKAGE_NAME ${ZMQRS_DEB_NAME})
set(CPACK_DEBIAN_PACKAGE_NAME ${ZMQRS_DEB_NAME})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}+rs${ZMQRS_CRATE_VERSION}")
set(CPACK_DEBIAN_PACKAGE_VERSION "${PROJECT_VERSION}+rs${ZMQRS_CRATE_VERSION}")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "The libzmq-rs developers")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://zeromq.org")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${ZMQRS_DEB_SUMMARY}")
# CPack writes the summary as the synopsis and this as the extended description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "libzmq-rs is a memory-safe Rust engine behind libzmq 4.3.5's C ABI: every
function, constant and struct layout of zmq.h, and ZMTP 3.1 on the wire (NULL,
PLAIN, CURVE). Programs and bindings built for libzmq run on it unchanged.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/debian/postinst ${CMAKE_BINARY_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
