/* tipc:// addresses and errors, whether the kernel has TIPC or not: libzmq's address
 * forms, EINVAL for malformed ones, EAFNOSUPPORT for a bind where the kernel has no
 * TIPC, and a connect there that retries (ZMQ_EVENT_CONNECT_RETRIED) and closes at
 * once. Debian's libzmq 4.3.4 passes all of it but the errno of malformed addresses,
 * which it leaves as it was (often EAGAIN). The transport: test_tipc_transport.c. */
#include "testutil.h"

static int kernel_has_tipc (void)
{
    int fd = socket (30 /* AF_TIPC */, SOCK_STREAM, 0);
    if (fd >= 0) {
        close (fd);
        return 1;
    }
    return 0;
}

static void expect_last_endpoint (void *s, const char *expected)
{
    char ep[256];
    size_t len = sizeof ep;
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    if (strcmp (ep, expected) != 0) {
        fprintf (stderr, "LAST_ENDPOINT %s, expected %s\n", ep, expected);
        exit (1);
    }
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (zmq_has ("tipc"));

    /* Malformed, reserved types, empty ranges, bad domains: both directions. */
    const char *bad[] = {"tipc://{5560,0}@1.1.1x", "tipc://{10,0,0}", "tipc://{64,0}",
                         "tipc://{5560,5,3}", "tipc://garbage", "tipc://{ 5560 , 0 , 0}",
                         "tipc://{5560,0,0}@1.2", "tipc://{5560}", "tipc://", NULL};
    for (int i = 0; bad[i]; i++) {
        void *s = zmq_socket (ctx, ZMQ_PAIR);
        CHECK_ERRNO (zmq_bind (s, bad[i]), EINVAL);
        CHECK_ERRNO (zmq_connect (s, bad[i]), EINVAL);
        CHECK (zmq_close (s) == 0);
    }

    void *s = zmq_socket (ctx, ZMQ_REQ);
    set_int (s, ZMQ_LINGER, 0);
    /* A socket identity cannot be bound, nor "any identity" connected to. */
    CHECK_ERRNO (zmq_bind (s, "tipc://<1.2.3:123123>"), EINVAL);
    CHECK_ERRNO (zmq_connect (s, "tipc://<*>"), EINVAL);

    /* Connects take every valid form and report it as libzmq resolves it. */
    CHECK (zmq_connect (s, "tipc://{5560,0,0}") == 0);
    expect_last_endpoint (s, "tipc://{5560, 0, 0}");
    CHECK (zmq_connect (s, "tipc://{5560,0}") == 0);
    expect_last_endpoint (s, "tipc://{5560, 0, 16777216}");
    CHECK (zmq_connect (s, "tipc://{5560,0}@1.1.1") == 0);
    expect_last_endpoint (s, "tipc://{5560, 0, 16781313}");
    CHECK (zmq_connect (s, "tipc://<1.2.3:4>") == 0);
    expect_last_endpoint (s, "tipc://<1.2.3:4>");
    CHECK (zmq_connect (s, "tipc://{-1,0,0}trailing") == 0);
    expect_last_endpoint (s, "tipc://{4294967295, 0, 0}");
    CHECK (zmq_disconnect (s, "tipc://{5560,0}@1.1.1") == 0);
    CHECK (zmq_close (s) == 0);

    if (!kernel_has_tipc ()) {
        /* A bind fails as libzmq's does where socket (AF_TIPC) does. */
        void *b = zmq_socket (ctx, ZMQ_REP);
        CHECK_ERRNO (zmq_bind (b, "tipc://{5560,0,0}"), EAFNOSUPPORT);
        CHECK_ERRNO (zmq_bind (b, "tipc://<*>"), EAFNOSUPPORT);
        CHECK (zmq_close (b) == 0);

        /* A connect retries, like one to a peer that is not there yet. */
        void *c = zmq_socket (ctx, ZMQ_DEALER);
        set_int (c, ZMQ_LINGER, 0);
        set_int (c, ZMQ_RECONNECT_IVL, 20);
        CHECK (zmq_socket_monitor (c, "inproc://tipc-mon", ZMQ_EVENT_CONNECT_RETRIED) == 0);
        void *mon = zmq_socket (ctx, ZMQ_PAIR);
        set_int (mon, ZMQ_RCVTIMEO, 5000);
        CHECK (zmq_connect (mon, "inproc://tipc-mon") == 0);
        CHECK (zmq_connect (c, "tipc://{5560,0,0}") == 0);
        zmq_msg_t ev;
        zmq_msg_init (&ev);
        CHECK (zmq_msg_recv (&ev, mon, 0) == 6);
        uint16_t event;
        memcpy (&event, zmq_msg_data (&ev), 2);
        CHECK_EQ_INT (ZMQ_EVENT_CONNECT_RETRIED, event);
        CHECK (zmq_msg_recv (&ev, mon, 0) >= 0); /* the endpoint */
        zmq_msg_close (&ev);
        /* Queued messages wait for a peer, as on any transport. */
        CHECK (zmq_send (c, "x", 1, ZMQ_DONTWAIT) == 1);
        CHECK (zmq_close (mon) == 0);
        CHECK (zmq_close (c) == 0);
    }
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
