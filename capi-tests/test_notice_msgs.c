/* The draft ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG and ZMQ_HICCUP_MSG: a hello reaches
 * every new peer first (before anything queued), over inproc in both bind orders and
 * over tcp; a ROUTER gets its disconnect message in the leaving peer's name; a DEALER
 * gets its hiccup message when the connection it made breaks. Types that do not use
 * an option ignore it. */
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

static void recv_expect (void *s, const char *expected, int more)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK_EQ_INT ((int) strlen (expected), n);
    CHECK (memcmp (buf, expected, n) == 0);
    CHECK_EQ_INT (more, get_int (s, ZMQ_RCVMORE));
}

static void test_hello (void *ctx, const char *endpoint, int connect_first)
{
    char ep[256];
    void *router = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_setsockopt (router, ZMQ_HELLO_MSG, "R-hello", 7) == 0);
    CHECK (zmq_setsockopt (router, ZMQ_ROUTING_ID, "R", 1) == 0);
    void *dealer = new_socket (ctx, ZMQ_DEALER);
    CHECK (zmq_setsockopt (dealer, ZMQ_HELLO_MSG, "D-hello", 7) == 0);
    CHECK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1) == 0);
    if (connect_first) {
        CHECK (zmq_connect (dealer, endpoint) == 0);
        CHECK (zmq_send (dealer, "queued", 6, 0) == 6);
        CHECK (zmq_bind (router, endpoint) == 0);
    } else {
        CHECK (zmq_bind (router, endpoint) == 0);
        size_t len = sizeof ep;
        CHECK (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
        CHECK (zmq_connect (dealer, ep) == 0);
        CHECK (zmq_send (dealer, "queued", 6, 0) == 6);
    }
    /* Each side's hello comes before anything else from it. */
    recv_expect (dealer, "R-hello", 0);
    recv_expect (router, "D", 1);
    recv_expect (router, "D-hello", 0);
    recv_expect (router, "D", 1);
    recv_expect (router, "queued", 0);
    CHECK (zmq_close (dealer) == 0);
    CHECK (zmq_close (router) == 0);
}

static void test_disconnect (void *ctx, const char *endpoint)
{
    char ep[256];
    size_t len = sizeof ep;
    void *router = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_setsockopt (router, ZMQ_DISCONNECT_MSG, "gone", 4) == 0);
    CHECK (zmq_bind (router, endpoint) == 0);
    CHECK (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    void *dealer = new_socket (ctx, ZMQ_DEALER);
    CHECK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "peer", 4) == 0);
    CHECK (zmq_connect (dealer, ep) == 0);
    CHECK (zmq_send (dealer, "hi", 2, 0) == 2);
    recv_expect (router, "peer", 1);
    recv_expect (router, "hi", 0);
    CHECK (zmq_close (dealer) == 0);
    recv_expect (router, "peer", 1);
    recv_expect (router, "gone", 0);
    CHECK (zmq_close (router) == 0);
}

static void test_hiccup (void *ctx)
{
    char ep[256];
    size_t len = sizeof ep;
    void *router = new_socket (ctx, ZMQ_ROUTER);
    CHECK (zmq_bind (router, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    void *dealer = new_socket (ctx, ZMQ_DEALER);
    CHECK (zmq_setsockopt (dealer, ZMQ_HICCUP_MSG, "hiccup", 6) == 0);
    /* PUB does not use a hello message: setting one is accepted and ignored. */
    void *pub = new_socket (ctx, ZMQ_PUB);
    CHECK (zmq_setsockopt (pub, ZMQ_HELLO_MSG, "x", 1) == 0);
    CHECK (zmq_close (pub) == 0);

    CHECK (zmq_connect (dealer, ep) == 0);
    CHECK (zmq_send (dealer, "up", 2, 0) == 2);
    char id[256];
    int idn = zmq_recv (router, id, sizeof id, 0);
    CHECK (idn > 0);
    recv_expect (router, "up", 0);
    CHECK (zmq_close (router) == 0);
    recv_expect (dealer, "hiccup", 0);
    CHECK (zmq_close (dealer) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_hello (ctx, "inproc://hello-a", 0);
    test_hello (ctx, "inproc://hello-b", 1);
    test_hello (ctx, "tcp://127.0.0.1:*", 0);
    test_disconnect (ctx, "inproc://disc");
    test_disconnect (ctx, "tcp://127.0.0.1:*");
    test_hiccup (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("test_notice_msgs: OK\n");
    return 0;
}

#else
int main (void)
{
    SKIP ("built without the draft API: ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG and ZMQ_HICCUP_MSG are draft options");
}
#endif
