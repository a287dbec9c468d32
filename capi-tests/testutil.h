/* Assertions for the C API tests in capi-tests/: each test is a standalone program run
 * by tests/capi.rs; exit status 0 passes, 77 skips, anything else fails. */
#ifndef ZMQRS_TESTUTIL_H
#define ZMQRS_TESTUTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zmq.h>

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf (stderr, "%s:%d: CHECK failed: %s (errno %d: %s)\n", __FILE__,    \
                     __LINE__, #cond, zmq_errno (), zmq_strerror (zmq_errno ()));      \
            exit (1);                                                                  \
        }                                                                              \
    } while (0)

/* expr must fail (return -1 or NULL) with errno == err. */
#define CHECK_ERRNO(expr, err)                                                         \
    do {                                                                               \
        errno = 0;                                                                     \
        intptr_t r_ = (intptr_t) (expr);                                               \
        int failed_ = r_ == 0 || r_ == -1;                                             \
        int got_ = errno;                                                              \
        if (!failed_ || got_ != (err)) {                                               \
            fprintf (stderr, "%s:%d: %s: expected failure with errno %d (%s), got %s " \
                             "errno %d\n",                                             \
                     __FILE__, __LINE__, #expr, (err), zmq_strerror (err),             \
                     failed_ ? "failure" : "success", got_);                           \
            exit (1);                                                                  \
        }                                                                              \
    } while (0)

#define CHECK_EQ_INT(expected, actual)                                                 \
    do {                                                                               \
        long long e_ = (long long) (expected), a_ = (long long) (actual);              \
        if (e_ != a_) {                                                                \
            fprintf (stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,         \
                     __LINE__, #actual, e_, a_);                                       \
            exit (1);                                                                  \
        }                                                                              \
    } while (0)

#define SKIP(why)                                                                      \
    do {                                                                               \
        printf ("SKIP: %s\n", why);                                                    \
        exit (77);                                                                     \
    } while (0)

static inline void set_int (void *s, int option, int value)
{
    CHECK (zmq_setsockopt (s, option, &value, sizeof value) == 0);
}

/* An int option; its length must come back as sizeof (int). */
static inline int get_int (void *s, int option)
{
    int value = -12345;
    size_t len = sizeof value;
    CHECK (zmq_getsockopt (s, option, &value, &len) == 0);
    CHECK_EQ_INT (sizeof value, len);
    return value;
}

/* A plain TCP client of a tcp://127.0.0.1:PORT endpoint whose reads give up after 5 s
 * (a hostile or raw peer in the tests). */
static inline int raw_connect (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    CHECK (colon != NULL);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons ((uint16_t) atoi (colon + 1));
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct timeval tv = {5, 0};
    CHECK (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    CHECK (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    return fd;
}

#endif
