/* The draft thread-safe types: CLIENT/SERVER routing by zmq_msg_routing_id, PEER's
 * zmq_connect_peer, SCATTER/GATHER, CHANNEL; their single-frame rule (EINVAL on
 * ZMQ_SNDMORE); no ZMQ_FD; and a socket shared by threads: one thread blocked in recv
 * while another sends on the same socket, over inproc and tcp. */
#include <poll.h>
#include <pthread.h>

#include "testutil.h"

#ifdef ZMQ_BUILD_DRAFT_API

static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void bind_any (void *s, const char *transport, char *endpoint, size_t size)
{
    if (strcmp (transport, "tcp") == 0)
        CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    else {
        static int n;
        char name[64];
        snprintf (name, sizeof name, "inproc://ts-%d", n++);
        CHECK (zmq_bind (s, name) == 0);
    }
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
}

static void send_str (void *s, const char *str)
{
    CHECK_EQ_INT ((int) strlen (str), zmq_send (s, str, strlen (str), 0));
}

/* Receives one message, checks its text, returns its routing id. */
static uint32_t recv_msg_str (void *s, const char *expected)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    int n = zmq_msg_recv (&m, s, 0);
    CHECK_EQ_INT ((int) strlen (expected), n);
    CHECK (memcmp (zmq_msg_data (&m), expected, n) == 0);
    uint32_t id = zmq_msg_routing_id (&m);
    zmq_msg_close (&m);
    return id;
}

static void send_to (void *s, uint32_t id, const char *str, int expect_errno)
{
    zmq_msg_t m;
    zmq_msg_init_size (&m, strlen (str));
    memcpy (zmq_msg_data (&m), str, strlen (str));
    if (id)
        CHECK (zmq_msg_set_routing_id (&m, id) == 0);
    if (expect_errno) {
        CHECK_ERRNO (zmq_msg_send (&m, s, 0), expect_errno);
        zmq_msg_close (&m);
    } else
        CHECK_EQ_INT ((int) strlen (str), zmq_msg_send (&m, s, 0));
}

static void test_client_server (void *ctx, const char *transport)
{
    char ep[256];
    void *server = new_socket (ctx, ZMQ_SERVER);
    bind_any (server, transport, ep, sizeof ep);
    void *a = new_socket (ctx, ZMQ_CLIENT);
    void *b = new_socket (ctx, ZMQ_CLIENT);
    CHECK (zmq_connect (a, ep) == 0);
    CHECK (zmq_connect (b, ep) == 0);

    send_str (a, "from a");
    uint32_t ida = recv_msg_str (server, "from a");
    send_str (b, "from b");
    uint32_t idb = recv_msg_str (server, "from b");
    CHECK (ida != 0 && idb != 0 && ida != idb);

    /* Replies go to the peer the routing id names, and only there. */
    send_to (server, idb, "to b", 0);
    send_to (server, ida, "to a", 0);
    recv_msg_str (a, "to a");
    recv_msg_str (b, "to b");

    /* No routing id, or an unknown one: EHOSTUNREACH. */
    send_to (server, 0, "nobody", EHOSTUNREACH);
    send_to (server, ida ^ idb ^ 0x5a5a5a5a, "nobody", EHOSTUNREACH);

    /* Single frames only. */
    CHECK_ERRNO (zmq_send (a, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERRNO (zmq_send (server, "x", 1, ZMQ_SNDMORE), EINVAL);

    CHECK (zmq_close (a) == 0);
    CHECK (zmq_close (b) == 0);
    CHECK (zmq_close (server) == 0);
}

static void test_options (void *ctx)
{
    int types[] = {ZMQ_CLIENT, ZMQ_SERVER, ZMQ_SCATTER, ZMQ_GATHER, ZMQ_PEER, ZMQ_CHANNEL};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        void *s = zmq_socket (ctx, types[i]);
        CHECK (s);
        CHECK_EQ_INT (1, get_int (s, ZMQ_THREAD_SAFE));
        CHECK_EQ_INT (types[i], get_int (s, ZMQ_TYPE));
        int fd;
        size_t len = sizeof fd;
        CHECK_ERRNO (zmq_getsockopt (s, ZMQ_FD, &fd, &len), EINVAL);
        CHECK (zmq_close (s) == 0);
    }
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_EQ_INT (0, get_int (dealer, ZMQ_THREAD_SAFE));
    /* zmq_connect_peer is PEER's only. */
    errno = 0;
    CHECK_EQ_INT (0, zmq_connect_peer (dealer, "inproc://nowhere"));
    CHECK_EQ_INT (ENOTSUP, errno);
    CHECK (zmq_close (dealer) == 0);
}

static void test_peer (void *ctx)
{
    char ep[256];
    void *bound = new_socket (ctx, ZMQ_PEER);
    bind_any (bound, "tcp", ep, sizeof ep);
    void *peer = new_socket (ctx, ZMQ_PEER);
    uint32_t id = zmq_connect_peer (peer, ep);
    CHECK (id != 0);
    /* The connecting side can address its peer before it ever heard from it. */
    send_to (peer, id, "hello", 0);
    uint32_t back = recv_msg_str (bound, "hello");
    send_to (bound, back, "world", 0);
    CHECK_EQ_INT (id, recv_msg_str (peer, "world"));

    set_int (peer, ZMQ_IMMEDIATE, 1);
    errno = 0;
    CHECK_EQ_INT (0, zmq_connect_peer (peer, ep));
    CHECK_EQ_INT (EFAULT, errno);
    CHECK (zmq_close (peer) == 0);
    CHECK (zmq_close (bound) == 0);
}

static void test_scatter_gather_channel (void *ctx, const char *transport)
{
    char ep[256];
    void *gather = new_socket (ctx, ZMQ_GATHER);
    bind_any (gather, transport, ep, sizeof ep);
    void *s1 = new_socket (ctx, ZMQ_SCATTER);
    void *s2 = new_socket (ctx, ZMQ_SCATTER);
    CHECK (zmq_connect (s1, ep) == 0);
    CHECK (zmq_connect (s2, ep) == 0);
    send_str (s1, "one");
    send_str (s2, "two");
    char buf[16];
    int got = 0;
    for (int i = 0; i < 2; i++) {
        int n = zmq_recv (gather, buf, sizeof buf, 0);
        CHECK_EQ_INT (3, n);
        got |= memcmp (buf, "one", 3) == 0 ? 1 : memcmp (buf, "two", 3) == 0 ? 2 : 0;
    }
    CHECK_EQ_INT (3, got);
    CHECK_ERRNO (zmq_send (s1, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_ERRNO (zmq_send (gather, "x", 1, 0), ENOTSUP);
    CHECK (zmq_close (s1) == 0);
    CHECK (zmq_close (s2) == 0);
    CHECK (zmq_close (gather) == 0);

    void *c1 = new_socket (ctx, ZMQ_CHANNEL);
    bind_any (c1, transport, ep, sizeof ep);
    void *c2 = new_socket (ctx, ZMQ_CHANNEL);
    CHECK (zmq_connect (c2, ep) == 0);
    send_str (c2, "ping");
    CHECK_EQ_INT (4, zmq_recv (c1, buf, sizeof buf, 0));
    send_str (c1, "pong");
    CHECK_EQ_INT (4, zmq_recv (c2, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "pong", 4) == 0);
    CHECK_ERRNO (zmq_send (c1, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK (zmq_close (c1) == 0);
    CHECK (zmq_close (c2) == 0);
}

/* ---- one socket, several threads ---- */

struct shared
{
    void *client;
    int received;
};

static void *receiver (void *arg)
{
    struct shared *sh = arg;
    char buf[16];
    /* Blocks (with the socket released) until the reply arrives. */
    int n = zmq_recv (sh->client, buf, sizeof buf, 0);
    sh->received = n == 5 && memcmp (buf, "reply", 5) == 0;
    return NULL;
}

#define SENDERS 3
#define PER_SENDER 3000

static void *sender (void *client)
{
    for (int i = 0; i < PER_SENDER; i++)
        send_str (client, "m");
    return NULL;
}

static void test_shared_socket (void *ctx, const char *transport)
{
    char ep[256];
    void *server = new_socket (ctx, ZMQ_SERVER);
    bind_any (server, transport, ep, sizeof ep);
    void *client = new_socket (ctx, ZMQ_CLIENT);
    CHECK (zmq_connect (client, ep) == 0);

    /* A thread waits in recv; this thread sends on the same socket meanwhile. */
    struct shared sh = {client, 0};
    pthread_t t;
    CHECK (pthread_create (&t, NULL, receiver, &sh) == 0);
    send_str (client, "request");
    uint32_t id = recv_msg_str (server, "request");
    send_to (server, id, "reply", 0);
    CHECK (pthread_join (t, NULL) == 0);
    CHECK_EQ_INT (1, sh.received);

    /* Several threads send at once through a small high-water mark, so they block and
     * are woken in turn; every message arrives. */
    set_int (server, ZMQ_RCVHWM, 10);
    void *small = new_socket (ctx, ZMQ_CLIENT);
    set_int (small, ZMQ_SNDHWM, 10);
    CHECK (zmq_connect (small, ep) == 0);
    pthread_t senders[SENDERS];
    for (int i = 0; i < SENDERS; i++)
        CHECK (pthread_create (&senders[i], NULL, sender, small) == 0);
    char buf[16];
    for (int i = 0; i < SENDERS * PER_SENDER; i++)
        CHECK_EQ_INT (1, zmq_recv (server, buf, sizeof buf, 0));
    for (int i = 0; i < SENDERS; i++)
        CHECK (pthread_join (senders[i], NULL) == 0);

    CHECK (zmq_close (small) == 0);
    CHECK (zmq_close (client) == 0);
    CHECK (zmq_close (server) == 0);
}

/* zmq_poller_fd: only for a poller holding a thread-safe socket; it turns readable
 * when the socket has something for zmq_poller_wait. */
static void test_poller_fd (void *ctx)
{
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    void *p = zmq_poller_new ();
    CHECK (zmq_poller_add (p, dealer, NULL, ZMQ_POLLIN) == 0);
    zmq_fd_t fd;
    CHECK_ERRNO (zmq_poller_fd (p, &fd), EINVAL);
    CHECK (zmq_poller_destroy (&p) == 0);
    CHECK (zmq_close (dealer) == 0);

    void *server = new_socket (ctx, ZMQ_SERVER);
    CHECK (zmq_bind (server, "inproc://poller-fd") == 0);
    void *client = new_socket (ctx, ZMQ_CLIENT);
    CHECK (zmq_connect (client, "inproc://poller-fd") == 0);
    p = zmq_poller_new ();
    CHECK (zmq_poller_add (p, server, server, ZMQ_POLLIN) == 0);
    CHECK (zmq_poller_fd (p, &fd) == 0);
    zmq_poller_event_t ev;
    /* Whatever the descriptor said so far, nothing is there yet. */
    CHECK_ERRNO (zmq_poller_wait (p, &ev, 0), EAGAIN);
    send_str (client, "ping");
    struct pollfd pfd = {fd, POLLIN, 0};
    CHECK_EQ_INT (1, poll (&pfd, 1, 5000));
    CHECK (zmq_poller_wait (p, &ev, 0) == 0);
    CHECK (ev.socket == server && (ev.events & ZMQ_POLLIN));
    recv_msg_str (server, "ping");
    CHECK (zmq_poller_destroy (&p) == 0);
    CHECK (zmq_close (client) == 0);
    CHECK (zmq_close (server) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_options (ctx);
    const char *transports[] = {"inproc", "tcp"};
    for (int i = 0; i < 2; i++) {
        test_client_server (ctx, transports[i]);
        test_scatter_gather_channel (ctx, transports[i]);
        test_shared_socket (ctx, transports[i]);
    }
    test_peer (ctx);
    test_poller_fd (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("test_thread_safe_types: OK\n");
    return 0;
}

#else
int main (void)
{
    SKIP ("built without the draft API: the thread-safe socket types and the poller are draft API");
}
#endif
