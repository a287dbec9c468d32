/* tcp socket options reach the kernel: ZMQ_TCP_MAXRT as TCP_USER_TIMEOUT and
 * ZMQ_BINDTODEVICE as SO_BINDTODEVICE, read back from the connection's descriptor (the
 * value of the CONNECTED / ACCEPTED monitor events); a device that does not exist fails
 * the bind, as in libzmq. ZMQ_PRIORITY and ZMQ_BUSY_POLL likewise (SO_PRIORITY,
 * SO_BUSY_POLL). ZMQ_AFFINITY chooses among the I/O threads.
 * ZMQ_RECONNECT_STOP_CONN_REFUSED: a refused connect is the last one. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

/* Waits for `event` on the monitor; returns its value. */
static uint32_t wait_event (void *mon, int event)
{
    for (;;) {
        uint8_t head[6];
        CHECK_EQ_INT (6, zmq_recv (mon, head, sizeof head, 0));
        char ep[256];
        CHECK (zmq_recv (mon, ep, sizeof ep, 0) >= 0);
        uint16_t ev;
        uint32_t value;
        memcpy (&ev, head, 2);
        memcpy (&value, head + 2, 4);
        if (ev == event)
            return value;
    }
}

static void *watch (void *ctx, void *s, const char *name, int events)
{
    CHECK (zmq_socket_monitor (s, name, events) == 0);
    void *mon = new_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (mon, name) == 0);
    return mon;
}

static void test_maxrt_and_device (void *ctx)
{
    char ep[256];
    size_t len = sizeof ep;
    /* SO_BINDTODEVICE needs CAP_NET_RAW (CI runs as root). */
    int root = geteuid () == 0;
    void *server = new_socket (ctx, ZMQ_ROUTER);
    if (root)
        CHECK (zmq_setsockopt (server, ZMQ_BINDTODEVICE, "lo", 2) == 0);
    void *smon = watch (ctx, server, "inproc://mon-server", ZMQ_EVENT_ACCEPTED);
    CHECK (zmq_bind (server, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len) == 0);

    void *client = new_socket (ctx, ZMQ_DEALER);
    set_int (client, ZMQ_TCP_MAXRT, 4321);
    void *cmon = watch (ctx, client, "inproc://mon-client", ZMQ_EVENT_CONNECTED);
    CHECK (zmq_connect (client, ep) == 0);

    int fd = (int) wait_event (cmon, ZMQ_EVENT_CONNECTED);
    unsigned int timeout = 0;
    socklen_t olen = sizeof timeout;
    CHECK (getsockopt (fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, &olen) == 0);
    CHECK_EQ_INT (4321, timeout);

    /* The accepted connection inherits the listener's device. */
    int afd = (int) wait_event (smon, ZMQ_EVENT_ACCEPTED);
    if (root) {
        char dev[32] = {0};
        olen = sizeof dev;
        CHECK (getsockopt (afd, SOL_SOCKET, SO_BINDTODEVICE, dev, &olen) == 0);
        CHECK (strcmp (dev, "lo") == 0);
    }

    CHECK (zmq_close (cmon) == 0);
    CHECK (zmq_close (smon) == 0);
    CHECK (zmq_close (client) == 0);
    CHECK (zmq_close (server) == 0);

    void *bad = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_setsockopt (bad, ZMQ_BINDTODEVICE, "no-such-dev0", 12) == 0);
    CHECK (zmq_bind (bad, "tcp://127.0.0.1:*") == -1);
    CHECK (zmq_close (bad) == 0);
}

#ifdef ZMQ_BUILD_DRAFT_API
/* ZMQ_PRIORITY as SO_PRIORITY and ZMQ_BUSY_POLL as SO_BUSY_POLL on both ends, read
 * back from the descriptors the monitor events name (accepted: inherited). */
static void test_priority_and_busy_poll (void *ctx)
{
    char ep[256];
    size_t len = sizeof ep;
    /* Raising SO_BUSY_POLL above the system's limit needs CAP_NET_ADMIN (CI is root). */
    int root = geteuid () == 0;
    void *server = new_socket (ctx, ZMQ_ROUTER);
    set_int (server, ZMQ_PRIORITY, 5);
    if (root)
        set_int (server, ZMQ_BUSY_POLL, 50);
    void *smon = watch (ctx, server, "inproc://mon-prio-server", ZMQ_EVENT_ACCEPTED);
    CHECK (zmq_bind (server, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    void *client = new_socket (ctx, ZMQ_DEALER);
    set_int (client, ZMQ_PRIORITY, 3);
    void *cmon = watch (ctx, client, "inproc://mon-prio-client", ZMQ_EVENT_CONNECTED);
    CHECK (zmq_connect (client, ep) == 0);

    int value = -1;
    socklen_t olen = sizeof value;
    int fd = (int) wait_event (cmon, ZMQ_EVENT_CONNECTED);
    CHECK (getsockopt (fd, SOL_SOCKET, SO_PRIORITY, &value, &olen) == 0);
    CHECK_EQ_INT (3, value);
    int afd = (int) wait_event (smon, ZMQ_EVENT_ACCEPTED);
    olen = sizeof value;
    CHECK (getsockopt (afd, SOL_SOCKET, SO_PRIORITY, &value, &olen) == 0);
    CHECK_EQ_INT (5, value);
    if (root) {
        olen = sizeof value;
        CHECK (getsockopt (afd, SOL_SOCKET, SO_BUSY_POLL, &value, &olen) == 0);
        CHECK_EQ_INT (50, value);
    }
    CHECK (zmq_close (cmon) == 0);
    CHECK (zmq_close (smon) == 0);
    CHECK (zmq_close (client) == 0);
    CHECK (zmq_close (server) == 0);
}
#endif

/* ZMQ_AFFINITY picks among the I/O threads: a bitmap that names none of them fails the
 * bind or connect with EMTHREAD, as in libzmq; inproc needs no I/O thread. */
static void test_affinity (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2) == 0);
    void *s = new_socket (ctx, ZMQ_PAIR);
    uint64_t third = 4;
    CHECK (zmq_setsockopt (s, ZMQ_AFFINITY, &third, sizeof third) == 0);
    CHECK_ERRNO (zmq_bind (s, "tcp://127.0.0.1:*"), EMTHREAD);
    CHECK_ERRNO (zmq_connect (s, "tcp://127.0.0.1:5555"), EMTHREAD);
    CHECK (zmq_bind (s, "inproc://affinity") == 0);
    uint64_t second = 2;
    CHECK (zmq_setsockopt (s, ZMQ_AFFINITY, &second, sizeof second) == 0);
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

#ifdef ZMQ_BUILD_DRAFT_API
static void test_reconnect_stop_on_refusal (void *ctx)
{
    /* A port nothing listens on: bind one, note it, close it. */
    char ep[256];
    size_t len = sizeof ep;
    void *tmp = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (tmp, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (tmp, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    CHECK (zmq_unbind (tmp, ep) == 0);
    CHECK (zmq_close (tmp) == 0);

    void *client = new_socket (ctx, ZMQ_DEALER);
    set_int (client, ZMQ_RECONNECT_IVL, 10);
    set_int (client, ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_CONN_REFUSED);
    void *mon = watch (ctx, client, "inproc://mon-refused",
                       ZMQ_EVENT_CLOSED | ZMQ_EVENT_CONNECT_RETRIED);
    CHECK (zmq_connect (client, ep) == 0);
    wait_event (mon, ZMQ_EVENT_CLOSED);
    /* No retry follows, though RECONNECT_IVL is 10 ms. */
    set_int (mon, ZMQ_RCVTIMEO, 300);
    uint8_t head[6];
    CHECK_ERRNO (zmq_recv (mon, head, sizeof head, 0), EAGAIN);
    CHECK (zmq_close (mon) == 0);
    CHECK (zmq_close (client) == 0);
}
#endif

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_maxrt_and_device (ctx);
#ifdef ZMQ_BUILD_DRAFT_API
    test_reconnect_stop_on_refusal (ctx);
    test_priority_and_busy_poll (ctx);
#endif
    test_affinity ();
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("test_tcp_options: OK\n");
    return 0;
}
