/* ZMQ_SOCKS_PROXY beyond libzmq's test_socks: a proxy that refuses (no acceptable
 * method, bad credentials, destination unreachable) makes the client close and try
 * again after ZMQ_RECONNECT_IVL, until it succeeds; the destination's host name
 * reaches the proxy unresolved (a .invalid name could not be resolved locally); and
 * the destination's first bytes, sent in the same segment as the proxy's reply, are
 * not lost. */
#define _GNU_SOURCE
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static const char dest_name[] = "name.invalid";

struct proxy {
    int listener;
    int dest_port;
    int accepted;
};

static void read_exact (int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv (fd, buf + got, len - got, 0);
        if (n <= 0) {
            fprintf (stderr, "proxy: short read (%zd)\n", n);
            exit (1);
        }
        got += (size_t) n;
    }
}

static void write_all (int fd, const void *buf, size_t len)
{
    CHECK (send (fd, buf, len, MSG_NOSIGNAL) == (ssize_t) len);
}

/* The one method the client offers: username/password with the credentials of the
 * draft ZMQ_SOCKS_USERNAME and _PASSWORD, else none. */
#ifdef ZMQ_BUILD_DRAFT_API
#define METHOD 2
#else
#define METHOD 0
#endif

static void expect_greeting (int fd)
{
    unsigned char g[3];
    read_exact (fd, g, 3);
    CHECK (g[0] == 5 && g[1] == 1 && g[2] == METHOD);
}

#if METHOD == 2
static void expect_credentials (int fd)
{
    unsigned char b[2 + 255 + 1 + 255];
    read_exact (fd, b, 2);
    CHECK (b[0] == 1 && b[1] == 4);
    read_exact (fd, b, 4 + 1 + 4);
    CHECK (memcmp (b, "user", 4) == 0 && b[4] == 4 && memcmp (b + 5, "pass", 4) == 0);
}
#endif

static void expect_request (int fd)
{
    unsigned char b[5 + sizeof dest_name + 2];
    size_t name_len = strlen (dest_name);
    read_exact (fd, b, 5 + name_len + 2);
    CHECK (b[0] == 5 && b[1] == 1 && b[2] == 0);
    CHECK (b[3] == 3); /* a name, not an address */
    CHECK (b[4] == name_len && memcmp (b + 5, dest_name, name_len) == 0);
    int port = (b[5 + name_len] << 8) | b[5 + name_len + 1];
    CHECK (port > 0);
}

static void relay (int a, int b)
{
    struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buf[4096];
    for (;;) {
        if (poll (p, 2, 10000) <= 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv (p[i].fd, buf, sizeof buf, 0);
            if (n <= 0)
                return;
            if (send (p[1 - i].fd, buf, (size_t) n, MSG_NOSIGNAL) != n)
                return;
        }
    }
}

static void *proxy_main (void *arg)
{
    struct proxy *px = arg;
    for (int round = 0; round < 4; round++) {
        int c = accept (px->listener, NULL, NULL);
        CHECK (c >= 0);
        px->accepted++;
        expect_greeting (c);
        if (round == 0) {
            write_all (c, "\x05\xff", 2); /* no acceptable method */
            close (c);
            continue;
        }
        write_all (c, METHOD == 2 ? "\x05\x02" : "\x05\x00", 2);
#if METHOD == 2
        expect_credentials (c);
        if (round == 1) {
            write_all (c, "\x01\x01", 2); /* credentials refused */
            close (c);
            continue;
        }
        write_all (c, "\x01\x00", 2);
#endif
        expect_request (c);
        if (round == 1 || round == 2) {
            /* (Round 1 gets here without credentials.) General failure, then connection
             * refused, with a bound address of the IPv4 kind. */
            write_all (c, round == 1 ? "\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00"
                                     : "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00",
                       10);
            close (c);
            continue;
        }
        int d = socket (AF_INET, SOCK_STREAM, 0);
        CHECK (d >= 0);
        struct sockaddr_in sa;
        memset (&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        sa.sin_port = htons ((uint16_t) px->dest_port);
        CHECK (connect (d, (struct sockaddr *) &sa, sizeof sa) == 0);
        /* The destination greets at once: its first bytes go out with the reply, in
         * one segment, with a reply naming a host (variable length). */
        unsigned char out[64 + 4096];
        size_t n = 0;
        memcpy (out, "\x05\x00\x00\x03\x09localhost\x00\x01", 16);
        n = 16;
        struct pollfd p = {d, POLLIN, 0};
        CHECK (poll (&p, 1, 5000) == 1);
        ssize_t got = recv (d, out + n, 4096, 0);
        CHECK (got > 0);
        n += (size_t) got;
        write_all (c, out, n);
        relay (c, d);
        close (d);
        close (c);
    }
    return NULL;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);

    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (push);
    set_int (push, ZMQ_LINGER, 0);
    CHECK (zmq_bind (push, "tcp://127.0.0.1:*") == 0);
    char ep[256];
    size_t len = sizeof ep;
    CHECK (zmq_getsockopt (push, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    int dest_port = atoi (strrchr (ep, ':') + 1);

    struct proxy px = {socket (AF_INET, SOCK_STREAM, 0), dest_port, 0};
    CHECK (px.listener >= 0);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (px.listener, (struct sockaddr *) &sa, sizeof sa) == 0);
    socklen_t slen = sizeof sa;
    CHECK (getsockname (px.listener, (struct sockaddr *) &sa, &slen) == 0);
    CHECK (listen (px.listener, 8) == 0);
    pthread_t thread;
    CHECK (pthread_create (&thread, NULL, proxy_main, &px) == 0);

    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (pull);
    set_int (pull, ZMQ_LINGER, 0);
    set_int (pull, ZMQ_RCVTIMEO, 10000);
    set_int (pull, ZMQ_RECONNECT_IVL, 20);
    char proxy_addr[64];
    snprintf (proxy_addr, sizeof proxy_addr, "127.0.0.1:%d", ntohs (sa.sin_port));
    CHECK (zmq_setsockopt (pull, ZMQ_SOCKS_PROXY, proxy_addr, strlen (proxy_addr)) == 0);
#if METHOD == 2
    CHECK (zmq_setsockopt (pull, ZMQ_SOCKS_USERNAME, "user", 4) == 0);
    CHECK (zmq_setsockopt (pull, ZMQ_SOCKS_PASSWORD, "pass", 4) == 0);
#endif
    char dest[128];
    snprintf (dest, sizeof dest, "tcp://%s:%d", dest_name, dest_port);
    /* Not resolved here: the proxy does that. */
    CHECK (zmq_connect (pull, dest) == 0);

    CHECK (zmq_send (push, "hello", 5, 0) == 5);
    char buf[16];
    CHECK_EQ_INT (5, zmq_recv (pull, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "hello", 5) == 0);

    CHECK (zmq_close (pull) == 0);
    CHECK (pthread_join (thread, NULL) == 0);
    CHECK_EQ_INT (4, px.accepted);
    close (px.listener);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
