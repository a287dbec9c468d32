/* ROUTER over inproc: routing ids (peer's, generated, ZMQ_CONNECT_ROUTING_ID),
 * routing by id, multipart atomicity, ZMQ_ROUTER_MANDATORY, ZMQ_ROUTER_HANDOVER,
 * ZMQ_PROBE_ROUTER and the ROUTER options. */
#include "testutil.h"

/* Every blocking call of these tests gives up after two seconds. */
static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 2000);
    set_int (s, ZMQ_SNDTIMEO, 2000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void *named (void *ctx, int type, const char *routing_id)
{
    void *s = new_socket (ctx, type);
    CHECK (zmq_setsockopt (s, ZMQ_ROUTING_ID, routing_id, strlen (routing_id)) == 0);
    return s;
}

static void send_str (void *s, const char *str, int flags)
{
    CHECK_EQ_INT ((int) strlen (str), zmq_send (s, str, strlen (str), flags));
}

/* Receives one frame: its text must be `expected` and its MORE flag `more`. */
static void recv_part (void *s, const char *expected, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n] = 0;
    if (strcmp (buf, expected) != 0) {
        fprintf (stderr, "expected '%s', got '%s'\n", expected, buf);
        exit (1);
    }
    CHECK_EQ_INT (more, get_int (s, ZMQ_RCVMORE));
}

static void recv_str (void *s, const char *expected)
{
    recv_part (s, expected, 0);
}

static void check_nothing (void *s)
{
    char buf[16];
    CHECK_ERRNO (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

static void test_routing_by_id (void *ctx)
{
    void *router = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (router, "inproc://router-ids") == 0);
    void *d1 = named (ctx, ZMQ_DEALER, "D1"), *d2 = named (ctx, ZMQ_DEALER, "D2");
    void *anon1 = new_socket (ctx, ZMQ_DEALER), *anon2 = new_socket (ctx, ZMQ_DEALER);
    CHECK (zmq_connect (d1, "inproc://router-ids") == 0);
    CHECK (zmq_connect (d2, "inproc://router-ids") == 0);
    CHECK (zmq_connect (anon1, "inproc://router-ids") == 0);
    CHECK (zmq_connect (anon2, "inproc://router-ids") == 0);

    send_str (d2, "from d2", 0);
    recv_part (router, "D2", 1);
    recv_str (router, "from d2");
    send_str (d1, "from", ZMQ_SNDMORE);
    send_str (d1, "d1", 0);
    recv_part (router, "D1", 1);
    recv_part (router, "from", 1);
    recv_part (router, "d1", 0);

    /* peers without a routing id get a generated one: zero byte, then 4 bytes */
    unsigned char id1[16], id2[16];
    send_str (anon1, "a1", 0);
    CHECK_EQ_INT (5, zmq_recv (router, id1, sizeof id1, 0));
    CHECK_EQ_INT (0, id1[0]);
    CHECK_EQ_INT (1, get_int (router, ZMQ_RCVMORE));
    recv_str (router, "a1");
    send_str (anon2, "a2", 0);
    CHECK_EQ_INT (5, zmq_recv (router, id2, sizeof id2, 0));
    CHECK_EQ_INT (0, id2[0]);
    CHECK (memcmp (id1, id2, 5) != 0);
    recv_str (router, "a2");

    /* replies reach exactly the peer named */
    send_str (router, "D1", ZMQ_SNDMORE);
    send_str (router, "to d1", 0);
    CHECK_EQ_INT (5, zmq_send (router, id2, 5, ZMQ_SNDMORE));
    send_str (router, "to anon2", ZMQ_SNDMORE);
    send_str (router, "part 2", ZMQ_SNDMORE);
    send_str (router, "part 3", 0);
    recv_str (d1, "to d1");
    recv_part (anon2, "to anon2", 1);
    recv_part (anon2, "part 2", 1);
    recv_part (anon2, "part 3", 0);
    check_nothing (d2);
    check_nothing (anon1);

    /* unknown ids and lone routing-id frames are dropped silently */
    send_str (router, "nobody", ZMQ_SNDMORE);
    send_str (router, "lost", 0);
    send_str (router, "D2", 0);
    send_str (router, "D2", ZMQ_SNDMORE);
    send_str (router, "only this", 0);
    recv_str (d2, "only this");
    check_nothing (d2);
    CHECK_EQ_INT (ZMQ_POLLOUT, get_int (router, ZMQ_EVENTS));

    /* fair queuing between peers */
    for (int i = 0; i < 3; i++) {
        send_str (d1, "x", 0);
        send_str (d2, "y", 0);
    }
    int from_d1 = 0, from_d2 = 0;
    for (int i = 0; i < 6; i++) {
        char id[8];
        CHECK_EQ_INT (2, zmq_recv (router, id, sizeof id, 0));
        if (memcmp (id, "D1", 2) == 0) {
            from_d1++;
            recv_str (router, "x");
        } else {
            CHECK (memcmp (id, "D2", 2) == 0);
            from_d2++;
            recv_str (router, "y");
        }
        CHECK (from_d1 - from_d2 <= 1 && from_d2 - from_d1 <= 1);
    }

    CHECK (zmq_close (router) == 0 && zmq_close (d1) == 0 && zmq_close (d2) == 0);
    CHECK (zmq_close (anon1) == 0 && zmq_close (anon2) == 0);
}

static void test_mandatory (void *ctx)
{
    void *router = new_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    set_int (router, ZMQ_SNDHWM, 1);
    CHECK (zmq_bind (router, "inproc://router-mandatory") == 0);
    CHECK_ERRNO (zmq_send (router, "X", 1, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_EQ_INT (0, get_int (router, ZMQ_EVENTS));

    void *dealer = named (ctx, ZMQ_DEALER, "X");
    set_int (dealer, ZMQ_RCVHWM, 1);
    CHECK (zmq_connect (dealer, "inproc://router-mandatory") == 0);
    send_str (dealer, "Hello", 0);
    recv_part (router, "X", 1);
    recv_str (router, "Hello");
    CHECK_EQ_INT (ZMQ_POLLOUT, get_int (router, ZMQ_EVENTS));

    /* the pipe holds the router's SNDHWM plus the dealer's RCVHWM */
    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "1", 0);
    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "2", 0);
    CHECK_ERRNO (zmq_send (router, "X", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), EAGAIN);
    set_int (router, ZMQ_SNDTIMEO, 50);
    CHECK_ERRNO (zmq_send (router, "X", 1, ZMQ_SNDMORE), EAGAIN);
    CHECK_EQ_INT (0, get_int (router, ZMQ_EVENTS) & ZMQ_POLLOUT);
    recv_str (dealer, "1");
    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "3", 0);
    recv_str (dealer, "2");
    recv_str (dealer, "3");

    /* a peer that went away is unreachable */
    CHECK (zmq_close (dealer) == 0);
    CHECK_ERRNO (zmq_send (router, "X", 1, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK (zmq_close (router) == 0);
}

static void test_handover (void *ctx)
{
    void *router = new_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_ROUTER_HANDOVER, 1);
    CHECK (zmq_bind (router, "inproc://router-handover") == 0);
    void *one = named (ctx, ZMQ_DEALER, "X");
    CHECK (zmq_connect (one, "inproc://router-handover") == 0);
    send_str (one, "Hello", 0);
    recv_part (router, "X", 1);
    recv_str (router, "Hello");

    void *two = named (ctx, ZMQ_DEALER, "X");
    CHECK (zmq_connect (two, "inproc://router-handover") == 0);
    send_str (two, "Hello two", 0);
    recv_part (router, "X", 1);
    recv_str (router, "Hello two");
    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "to the new one", 0);
    recv_str (two, "to the new one");
    check_nothing (one);
    CHECK (zmq_close (router) == 0 && zmq_close (one) == 0 && zmq_close (two) == 0);

    /* without handover the second peer with the same id is ignored */
    router = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (router, "inproc://router-no-handover") == 0);
    one = named (ctx, ZMQ_DEALER, "X");
    CHECK (zmq_connect (one, "inproc://router-no-handover") == 0);
    send_str (one, "Hello", 0);
    recv_part (router, "X", 1);
    recv_str (router, "Hello");
    two = named (ctx, ZMQ_DEALER, "X");
    CHECK (zmq_connect (two, "inproc://router-no-handover") == 0);
    send_str (two, "ignored", 0);
    check_nothing (router);
    send_str (router, "X", ZMQ_SNDMORE);
    send_str (router, "to the first", 0);
    recv_str (one, "to the first");
    check_nothing (two);
    CHECK (zmq_close (router) == 0 && zmq_close (one) == 0 && zmq_close (two) == 0);
}

static void test_connect_routing_id (void *ctx)
{
    void *dealer = new_socket (ctx, ZMQ_DEALER);
    CHECK_ERRNO (zmq_setsockopt (dealer, ZMQ_CONNECT_ROUTING_ID, "x", 1), EINVAL);
    CHECK (zmq_close (dealer) == 0);

    void *bound = named (ctx, ZMQ_ROUTER, "B");
    void *bound2 = named (ctx, ZMQ_ROUTER, "Z");
    CHECK (zmq_bind (bound, "inproc://router-crid") == 0);
    CHECK (zmq_bind (bound2, "inproc://router-crid-2") == 0);
    void *conn = named (ctx, ZMQ_ROUTER, "Y");
    CHECK_ERRNO (zmq_setsockopt (conn, ZMQ_CONNECT_ROUTING_ID, "", 0), EINVAL);
    CHECK (zmq_setsockopt (conn, ZMQ_CONNECT_ROUTING_ID, "conn1", 5) == 0);
    CHECK (zmq_connect (conn, "inproc://router-crid") == 0);
    /* the option applied to that connection only */
    CHECK (zmq_connect (conn, "inproc://router-crid-2") == 0);

    send_str (conn, "conn1", ZMQ_SNDMORE);
    send_str (conn, "hi", 0);
    recv_part (bound, "Y", 1);
    recv_str (bound, "hi");
    send_str (bound, "Y", ZMQ_SNDMORE);
    send_str (bound, "ok", 0);
    recv_part (conn, "conn1", 1);
    recv_str (conn, "ok");

    send_str (conn, "Z", ZMQ_SNDMORE);
    send_str (conn, "hi Z", 0);
    recv_part (bound2, "Y", 1);
    recv_str (bound2, "hi Z");
    check_nothing (bound);
    CHECK (zmq_close (conn) == 0 && zmq_close (bound) == 0 && zmq_close (bound2) == 0);
}

static void test_router_to_router (void *ctx)
{
    void *server = named (ctx, ZMQ_ROUTER, "server");
    CHECK (zmq_bind (server, "inproc://router-router") == 0);
    void *client = named (ctx, ZMQ_ROUTER, "client");
    set_int (client, ZMQ_ROUTER_MANDATORY, 1);
    CHECK (zmq_connect (client, "inproc://router-router") == 0);
    send_str (client, "server", ZMQ_SNDMORE);
    send_str (client, "ping", 0);
    recv_part (server, "client", 1);
    recv_str (server, "ping");
    send_str (server, "client", ZMQ_SNDMORE);
    send_str (server, "pong", 0);
    recv_part (client, "server", 1);
    recv_str (client, "pong");
    CHECK (zmq_close (client) == 0 && zmq_close (server) == 0);
}

static void test_probe_router (void *ctx)
{
    void *server = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (server, "inproc://router-probe") == 0);

    void *dealer = named (ctx, ZMQ_DEALER, "X");
    set_int (dealer, ZMQ_PROBE_ROUTER, 1);
    CHECK (zmq_connect (dealer, "inproc://router-probe") == 0);
    recv_part (server, "X", 1);
    recv_str (server, "");
    send_str (server, "X", ZMQ_SNDMORE);
    send_str (server, "Hello", 0);
    recv_str (dealer, "Hello");

    void *client = named (ctx, ZMQ_ROUTER, "C");
    set_int (client, ZMQ_PROBE_ROUTER, 1);
    CHECK (zmq_connect (client, "inproc://router-probe") == 0);
    recv_part (server, "C", 1);
    recv_str (server, "");
    send_str (server, "C", ZMQ_SNDMORE);
    send_str (server, "Hello", 0);
    char id[16];
    CHECK_EQ_INT (5, zmq_recv (client, id, sizeof id, 0));
    recv_str (client, "Hello");
    CHECK (zmq_close (server) == 0 && zmq_close (dealer) == 0 && zmq_close (client) == 0);
}

/* ZMQ_ROUTER_RAW: plain TCP connections, as a STREAM's (CZMQ's zsock tests set it). */
static void test_router_raw (void *ctx)
{
    void *router = new_socket (ctx, ZMQ_ROUTER);
    set_int (router, ZMQ_ROUTER_RAW, 1);
    set_int (router, ZMQ_RCVTIMEO, 2000);
    CHECK (zmq_bind (router, "tcp://127.0.0.1:*") == 0);
    char ep[64];
    size_t len = sizeof ep;
    CHECK (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    int port = atoi (strrchr (ep, ':') + 1);

    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct timeval tv = {2, 0};
    CHECK (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((unsigned short) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);

    /* The connection is announced as [id, empty frame]; no ZMTP greeting is sent. */
    unsigned char id[256];
    int id_len = zmq_recv (router, id, sizeof id, 0);
    CHECK_EQ_INT (5, id_len);
    CHECK_EQ_INT (0, id[0]);
    CHECK (get_int (router, ZMQ_RCVMORE) == 1);
    char buf[64];
    CHECK_EQ_INT (0, zmq_recv (router, buf, sizeof buf, 0));

    /* Bytes in come as [id, bytes]; bytes out go as they are, MORE ignored. */
    CHECK (write (fd, "hello", 5) == 5);
    unsigned char from[256];
    CHECK_EQ_INT (id_len, zmq_recv (router, from, sizeof from, 0));
    CHECK (memcmp (from, id, (size_t) id_len) == 0);
    CHECK_EQ_INT (5, zmq_recv (router, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "hello", 5) == 0);
    CHECK (zmq_send (router, id, (size_t) id_len, ZMQ_SNDMORE) == id_len);
    CHECK (zmq_send (router, "world", 5, ZMQ_SNDMORE) == 5);
    size_t got = 0;
    while (got < 5) {
        ssize_t n = read (fd, buf + got, sizeof buf - got);
        CHECK (n > 0);
        got += (size_t) n;
    }
    CHECK (memcmp (buf, "world", 5) == 0);
    close (fd);
    CHECK (zmq_close (router) == 0);
}

static void test_options (void *ctx)
{
    void *router = new_socket (ctx, ZMQ_ROUTER);
    int bad = -1;
    int opts[] = {ZMQ_ROUTER_MANDATORY, ZMQ_ROUTER_HANDOVER, ZMQ_PROBE_ROUTER,
                  ZMQ_ROUTER_RAW};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        CHECK_ERRNO (zmq_setsockopt (router, opts[i], &bad, sizeof bad), EINVAL);
        CHECK_ERRNO (zmq_setsockopt (router, opts[i], &bad, 1), EINVAL);
        set_int (router, opts[i], 0);
    }
    int four = 4;
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_EQ_INT (0, get_int (router, ZMQ_ROUTER_NOTIFY));
    set_int (router, ZMQ_ROUTER_NOTIFY, ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT);
    CHECK_EQ_INT (3, get_int (router, ZMQ_ROUTER_NOTIFY));
    CHECK_ERRNO (zmq_setsockopt (router, ZMQ_ROUTER_NOTIFY, &four, sizeof four), EINVAL);
#endif
    CHECK_EQ_INT (ZMQ_ROUTER, get_int (router, ZMQ_TYPE));

    void *dealer = new_socket (ctx, ZMQ_DEALER);
    CHECK_ERRNO (zmq_setsockopt (dealer, ZMQ_ROUTER_MANDATORY, &four, sizeof four), EINVAL);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_ERRNO (zmq_setsockopt (dealer, ZMQ_ROUTER_NOTIFY, &four, sizeof four), EINVAL);
#endif
    CHECK (zmq_close (router) == 0 && zmq_close (dealer) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_routing_by_id (ctx);
    test_mandatory (ctx);
    test_handover (ctx);
    test_connect_routing_id (ctx);
    test_router_to_router (ctx);
    test_probe_router (ctx);
    test_options (ctx);
    test_router_raw (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
