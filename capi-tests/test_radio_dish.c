/* RADIO/DISH: groups matched exactly, zmq_join/zmq_leave and their errors, the types'
 * one-way rules, over inproc, tcp, ipc and udp (unicast on 127.0.0.1); DISH's joins
 * reach a RADIO that restarts on the same tcp port; udp pairings libzmq refuses; DGRAM's
 * addressed datagrams. */
#include <unistd.h>

#include "testutil.h"

#ifdef ZMQ_BUILD_DRAFT_API

static void msleep (int ms)
{
    usleep ((useconds_t) ms * 1000);
}

static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void send_group (void *s, const char *group, const char *body)
{
    zmq_msg_t m;
    CHECK (zmq_msg_init_size (&m, strlen (body)) == 0);
    memcpy (zmq_msg_data (&m), body, strlen (body));
    CHECK (zmq_msg_set_group (&m, group) == 0);
    CHECK_EQ_INT ((int) strlen (body), zmq_msg_send (&m, s, 0));
}

static void recv_group (void *s, const char *group, const char *body)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ_INT ((int) strlen (body), zmq_msg_recv (&m, s, 0));
    CHECK (strcmp (zmq_msg_group (&m), group) == 0);
    CHECK (memcmp (zmq_msg_data (&m), body, strlen (body)) == 0);
    zmq_msg_close (&m);
}

static void expect_nothing (void *s)
{
    msleep (100);
    char buf[16];
    CHECK_ERRNO (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

static void test_errors (void *ctx)
{
    void *dish = new_socket (ctx, ZMQ_DISH);
    void *radio = new_socket (ctx, ZMQ_RADIO);
    void *pub = new_socket (ctx, ZMQ_PUB);

    CHECK_ERRNO (zmq_leave (dish, "Movies"), EINVAL);
    CHECK (zmq_join (dish, "Movies") == 0);
    CHECK_ERRNO (zmq_join (dish, "Movies"), EINVAL);
    CHECK (zmq_leave (dish, "Movies") == 0);
    CHECK_ERRNO (zmq_leave (dish, "Movies"), EINVAL);

    char group[ZMQ_GROUP_MAX_LENGTH + 2];
    memset (group, 'A', sizeof group);
    group[ZMQ_GROUP_MAX_LENGTH + 1] = '\0';
    CHECK_ERRNO (zmq_join (dish, group), EINVAL);
    group[ZMQ_GROUP_MAX_LENGTH] = '\0';
    CHECK (zmq_join (dish, group) == 0);

    CHECK_ERRNO (zmq_join (radio, "Movies"), ENOTSUP);
    CHECK_ERRNO (zmq_leave (pub, "Movies"), ENOTSUP);

    char buf[8];
    CHECK_ERRNO (zmq_recv (radio, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERRNO (zmq_send (dish, "x", 1, 0), ENOTSUP);
    CHECK_ERRNO (zmq_send (radio, "x", 1, ZMQ_SNDMORE), EINVAL);
    /* With nobody joined a message goes nowhere, and that is no error. */
    send_group (radio, "Movies", "dropped");
    set_int (radio, ZMQ_XPUB_NODROP, 1);
    CHECK_ERRNO (zmq_setsockopt (radio, ZMQ_XPUB_NODROP, "x", 1), EINVAL);

    /* As libzmq: only a DISH binds udp, only a RADIO connects it. */
    CHECK_ERRNO (zmq_bind (radio, "udp://*:5556"), ENOCOMPATPROTO);
    CHECK_ERRNO (zmq_connect (dish, "udp://127.0.0.1:5556"), ENOCOMPATPROTO);
    CHECK_ERRNO (zmq_bind (pub, "udp://*:5556"), ENOCOMPATPROTO);
    CHECK_ERRNO (zmq_connect (dish, "udp://127.0.0.1"), ENOCOMPATPROTO);
    CHECK_ERRNO (zmq_bind (dish, "udp://nowhere"), EINVAL);

    /* Thread-safe types: no ZMQ_FD. */
    int fd;
    size_t len = sizeof fd;
    CHECK_ERRNO (zmq_getsockopt (dish, ZMQ_FD, &fd, &len), EINVAL);

    zmq_close (dish);
    zmq_close (radio);
    zmq_close (pub);
}

/* One RADIO, two DISHes with different groups; joins and leaves while connected. */
static void test_groups (void *ctx, const char *transport)
{
    void *radio = new_socket (ctx, ZMQ_RADIO);
    char endpoint[256];
    size_t size = sizeof endpoint;
    if (strcmp (transport, "tcp") == 0)
        CHECK (zmq_bind (radio, "tcp://127.0.0.1:*") == 0);
    else if (strcmp (transport, "ipc") == 0)
        CHECK (zmq_bind (radio, "ipc://*") == 0);
    else
        CHECK (zmq_bind (radio, "inproc://radio-dish") == 0);
    CHECK (zmq_getsockopt (radio, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);

    void *movies = new_socket (ctx, ZMQ_DISH);
    void *tv = new_socket (ctx, ZMQ_DISH);
    CHECK (zmq_join (movies, "Movies") == 0);
    CHECK (zmq_join (tv, "TV") == 0);
    CHECK (zmq_connect (movies, endpoint) == 0);
    CHECK (zmq_connect (tv, endpoint) == 0);
    msleep (200);

    send_group (radio, "Mov", "prefix is no match");
    send_group (radio, "Movies", "Godfather");
    send_group (radio, "TV", "Friends");
    recv_group (movies, "Movies", "Godfather");
    recv_group (tv, "TV", "Friends");
    expect_nothing (movies);
    expect_nothing (tv);

    CHECK (zmq_join (movies, "TV") == 0);
    CHECK (zmq_leave (tv, "TV") == 0);
    msleep (200);
    send_group (radio, "TV", "Seinfeld");
    recv_group (movies, "TV", "Seinfeld");
    expect_nothing (tv);

    zmq_pollitem_t items[] = {{movies, 0, ZMQ_POLLIN, 0}};
    send_group (radio, "Movies", "Alien");
    CHECK_EQ_INT (1, zmq_poll (items, 1, 2000));
    recv_group (movies, "Movies", "Alien");

    zmq_close (movies);
    zmq_close (tv);
    zmq_close (radio);
}

/* A DISH's joins are sent again to a RADIO that comes back on the same port. */
static void test_rejoin_after_reconnect (void *ctx)
{
    void *radio = new_socket (ctx, ZMQ_RADIO);
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK (zmq_bind (radio, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (radio, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);

    void *dish = new_socket (ctx, ZMQ_DISH);
    set_int (dish, ZMQ_RECONNECT_IVL, 50);
    CHECK (zmq_join (dish, "TV") == 0);
    CHECK (zmq_connect (dish, endpoint) == 0);
    msleep (200);
    send_group (radio, "TV", "first");
    recv_group (dish, "TV", "first");

    zmq_close (radio);
    msleep (100);
    radio = new_socket (ctx, ZMQ_RADIO);
    CHECK (zmq_bind (radio, endpoint) == 0);
    msleep (500);
    /* As in libzmq, the socket learns of the new connection when it next processes
     * commands: any call on it will do. */
    expect_nothing (dish);
    msleep (200);
    send_group (radio, "TV", "second");
    recv_group (dish, "TV", "second");

    zmq_close (dish);
    zmq_close (radio);
}

static void test_udp (void *ctx)
{
    int port = 20000 + (int) (getpid () % 20000);
    char bind_ep[64], connect_ep[64];
    snprintf (bind_ep, sizeof bind_ep, "udp://*:%d", port);
    snprintf (connect_ep, sizeof connect_ep, "udp://127.0.0.1:%d", port);

    void *dish = new_socket (ctx, ZMQ_DISH);
    void *radio = new_socket (ctx, ZMQ_RADIO);
    CHECK (zmq_bind (dish, bind_ep) == 0);
    CHECK (zmq_connect (radio, connect_ep) == 0);
    /* libzmq reports a udp endpoint without its scheme. */
    char last[64];
    size_t last_len = sizeof last;
    CHECK (zmq_getsockopt (radio, ZMQ_LAST_ENDPOINT, last, &last_len) == 0);
    CHECK (strcmp (last, connect_ep + strlen ("udp://")) == 0);
    msleep (100);

    /* Datagrams carry every group; the DISH keeps the ones it joined. */
    CHECK (zmq_join (dish, "TV") == 0);
    send_group (radio, "Movies", "Godfather");
    send_group (radio, "TV", "Friends");
    recv_group (dish, "TV", "Friends");
    expect_nothing (dish);

    /* libzmq's receiver reads the length byte as a signed char (and aborts past 127):
     * the longest group a datagram can carry between the two. */
    char group[128];
    memset (group, 'g', 127);
    group[127] = '\0';
    CHECK (zmq_join (dish, group) == 0);
    send_group (radio, group, "long group");
    recv_group (dish, group, "long group");

    CHECK (zmq_leave (dish, "TV") == 0);
    send_group (radio, "TV", "gone");
    expect_nothing (dish);

    CHECK (zmq_disconnect (radio, connect_ep) == 0);
    zmq_close (dish);
    zmq_close (radio);
}

/* DGRAM: the peer's ip:port, then the body, both ways. */
static void test_dgram (void *ctx)
{
    int port = 20000 + (int) ((getpid () + 1) % 20000);
    char a_ep[64], b_ep[64], b_addr[32];
    snprintf (a_ep, sizeof a_ep, "udp://127.0.0.1:%d", port);
    snprintf (b_addr, sizeof b_addr, "127.0.0.1:%d", port + 1 > 65535 ? 20000 : port + 1);
    snprintf (b_ep, sizeof b_ep, "udp://%s", b_addr);
    void *a = new_socket (ctx, ZMQ_DGRAM);
    void *b = new_socket (ctx, ZMQ_DGRAM);
    CHECK_ERRNO (zmq_connect (a, a_ep), ENOCOMPATPROTO);
    /* The receiver first: libzmq binds in its I/O thread, after zmq_bind returns. */
    CHECK (zmq_bind (b, b_ep) == 0);
    CHECK (zmq_bind (a, a_ep) == 0);
    CHECK_ERRNO (zmq_send (a, "body first", 10, 0), EINVAL);
    CHECK_EQ_INT ((int) strlen (b_addr), zmq_send (a, b_addr, strlen (b_addr), ZMQ_SNDMORE));
    CHECK_ERRNO (zmq_send (a, "x", 1, ZMQ_SNDMORE), EINVAL);
    CHECK_EQ_INT (5, zmq_send (a, "hello", 5, 0));

    char from[32] = {0}, body[16];
    int n = zmq_recv (b, from, sizeof from - 1, 0);
    CHECK (n > 0);
    int more = get_int (b, ZMQ_RCVMORE);
    CHECK_EQ_INT (1, more);
    CHECK (strcmp (from, a_ep + strlen ("udp://")) == 0);
    CHECK_EQ_INT (5, zmq_recv (b, body, sizeof body, 0));
    CHECK (memcmp (body, "hello", 5) == 0);
    CHECK_EQ_INT (0, get_int (b, ZMQ_RCVMORE));
    zmq_close (a);
    zmq_close (b);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_errors (ctx);
    test_groups (ctx, "inproc");
    test_groups (ctx, "tcp");
    test_groups (ctx, "ipc");
    test_rejoin_after_reconnect (ctx);
    test_udp (ctx);
    test_dgram (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}

#else
int main (void)
{
    SKIP ("built without the draft API: RADIO, DISH and DGRAM are draft socket types");
}
#endif
