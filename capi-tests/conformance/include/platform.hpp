/* Stand-in for libzmq's generated src/platform.hpp, used only to compile
 * libzmq's own test programs (tests/test_*.cpp and their testutil*.cpp)
 * against a C-API-only library.  run.sh places it where the tests look for
 * "../src/platform.hpp".
 *
 * It states the build configuration the tests assume for a Linux x86_64
 * library -- libzmq-rs and the reference built by build-reference.sh alike:
 * draft API on, ipc, CURVE (via libsodium), ws/wss; no TIPC, PGM, NORM, VMCI
 * or GSSAPI.  test_capabilities checks zmq_has() against exactly these
 * macros, so a change of feature set is made here.  */

#ifndef __ZMQ_PLATFORM_HPP_INCLUDED__
#define __ZMQ_PLATFORM_HPP_INCLUDED__

#if !defined __linux__
#error "the conformance suite's platform.hpp describes Linux only"
#endif
#define ZMQ_HAVE_LINUX

/* Transports and mechanisms the library is expected to provide.
 * (ZMQ_HAVE_WS/WSS are informative: the tests decide on zmq.h's draft
 * ZMQ_WSS_* options and on zmq_has().)  */
#define ZMQ_HAVE_IPC
#define ZMQ_HAVE_STRUCT_SOCKADDR_UN
#define ZMQ_HAVE_CURVE
#define ZMQ_HAVE_WS
#define ZMQ_HAVE_WSS
/* Not provided: ZMQ_HAVE_TIPC, ZMQ_HAVE_OPENPGM, ZMQ_HAVE_NORM,
 * ZMQ_HAVE_VMCI, HAVE_LIBGSSAPI_KRB5.  */

/* Operating-system facilities the tests and the few libzmq helper sources
 * compiled into test_security_curve (err.cpp, random.cpp, clock.cpp) use.  */
#define ZMQ_USE_CV_IMPL_STL11
#define ZMQ_IOTHREAD_POLLER_USE_EPOLL
#define ZMQ_IOTHREAD_POLLER_USE_EPOLL_CLOEXEC
#define ZMQ_POLL_BASED_ON_POLL
#define ZMQ_HAVE_PPOLL
#define ZMQ_CACHELINE_SIZE 64
#define HAVE_POSIX_MEMALIGN 1
#define HAVE_FORK
#define HAVE_CLOCK_GETTIME
#define HAVE_MKDTEMP
#define HAVE_ACCEPT4
#define HAVE_STRNLEN
#define HAVE_IF_NAMETOINDEX
#define ZMQ_HAVE_UIO
#define ZMQ_HAVE_NOEXCEPT
#define ZMQ_HAVE_EVENTFD
#define ZMQ_HAVE_EVENTFD_CLOEXEC
#define ZMQ_HAVE_IFADDRS
#define ZMQ_HAVE_SO_PEERCRED
#define ZMQ_HAVE_BUSY_POLL
#define ZMQ_HAVE_SOCK_CLOEXEC
#define ZMQ_HAVE_SO_KEEPALIVE
#define ZMQ_HAVE_TCP_KEEPCNT
#define ZMQ_HAVE_TCP_KEEPIDLE
#define ZMQ_HAVE_TCP_KEEPINTVL
#define ZMQ_HAVE_PTHREAD_SETNAME_2
#define ZMQ_HAVE_PTHREAD_SET_AFFINITY
/* ZMQ_PRIORITY and ZMQ_BINDTODEVICE work, as in libzmq's autotools build
 * (Debian's libzmq5); test_setsockopt checks ZMQ_PRIORITY only when this is
 * defined.  */
#define ZMQ_HAVE_SO_PRIORITY
#define ZMQ_HAVE_SO_BINDTODEVICE
/* Not on Linux: ZMQ_HAVE_LOCAL_PEERCRED (BSD).  */

#endif
