/* Delivery at close within one process: what a socket sent before zmq_close, zmq_unbind
 * or zmq_disconnect reaches its peer, over inproc, tcp and ipc (libzmq's documented
 * ZMQ_LINGER behaviour; the same program passes against libzmq 4.3.5). The cross-process
 * matrix against the real libzmq is tests/closeflush.rs. */
#include "testutil.h"

#include <pthread.h>

static void fill_send (void *s, size_t size, int seed, int flags)
{
    zmq_msg_t m;
    CHECK (zmq_msg_init_size (&m, size) == 0);
    unsigned char *d = zmq_msg_data (&m);
    for (size_t i = 0; i < size; i++)
        d[i] = (unsigned char) (seed + i * 7);
    CHECK ((size_t) zmq_msg_send (&m, s, flags) == size);
}

static void recv_check (void *s, size_t size, int seed)
{
    zmq_msg_t m;
    CHECK (zmq_msg_init (&m) == 0);
    CHECK ((size_t) zmq_msg_recv (&m, s, 0) == size);
    const unsigned char *d = zmq_msg_data (&m);
    for (size_t i = 0; i < size; i++)
        CHECK (d[i] == (unsigned char) (seed + i * 7));
    CHECK (zmq_msg_close (&m) == 0);
}

static void *socket_with (void *ctx, int type, int linger)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    set_int (s, ZMQ_LINGER, linger);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    set_int (s, ZMQ_SNDTIMEO, 10000);
    return s;
}

static void bind_any (void *s, const char *endpoint, char *out, size_t len)
{
    CHECK (zmq_bind (s, endpoint) == 0);
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &len) == 0);
}

static const size_t sizes[] = {1, 1000, 70000, 8 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* The sender closes before the receiver has read anything; then it all arrives. */
static void closed_sender_delivers (const char *transport, int stype, int rtype)
{
    void *ctx = zmq_ctx_new ();
    char ep[256];
    void *r = socket_with (ctx, rtype, 0);
    if (rtype == ZMQ_SUB)
        CHECK (zmq_setsockopt (r, ZMQ_SUBSCRIBE, "", 0) == 0);
    bind_any (r, transport, ep, sizeof ep);
    void *s = socket_with (ctx, stype, -1);
    CHECK (zmq_connect (s, ep) == 0);
    if (stype == ZMQ_PUB) {
        /* A subscription must reach the publisher first. */
        int seen = 0;
        set_int (r, ZMQ_RCVTIMEO, 50);
        for (int i = 0; i < 200 && !seen; i++) {
            zmq_send (s, "probe", 5, 0);
            char buf[8];
            seen = zmq_recv (r, buf, sizeof buf, 0) == 5;
        }
        CHECK (seen);
        set_int (r, ZMQ_RCVTIMEO, 10000);
        char buf[8];
        while (zmq_recv (r, buf, sizeof buf, ZMQ_DONTWAIT) == 5)
            ;
    }
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < NSIZES; i++)
            fill_send (s, sizes[i], (int) (round * 10 + i), 0);
    CHECK (zmq_close (s) == 0);
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < NSIZES; i++)
            recv_check (r, sizes[i], (int) (round * 10 + i));
    CHECK (zmq_close (r) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

/* zmq_ctx_term in one thread while another is still receiving: the sender's context
 * ends only once everything left its process. */
struct drain
{
    void *ctx;
    const char *ep;
    int ok;
};

static void *drain_later (void *arg)
{
    struct drain *d = arg;
    void *r = socket_with (d->ctx, ZMQ_PULL, 0);
    usleep (200 * 1000);
    CHECK (zmq_connect (r, d->ep) == 0);
    for (size_t i = 0; i < NSIZES; i++)
        recv_check (r, sizes[i], (int) i);
    d->ok = 1;
    CHECK (zmq_close (r) == 0);
    return NULL;
}

static void term_waits_for_delivery (const char *transport)
{
    void *sctx = zmq_ctx_new ();
    void *rctx = zmq_ctx_new ();
    void *s = socket_with (sctx, ZMQ_PUSH, -1);
    char ep[256];
    bind_any (s, transport, ep, sizeof ep);
    struct drain d = {rctx, ep, 0};
    pthread_t t;
    CHECK (pthread_create (&t, NULL, drain_later, &d) == 0);
    for (size_t i = 0; i < NSIZES; i++)
        fill_send (s, sizes[i], (int) i, 0);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_ctx_term (sctx) == 0);
    CHECK (pthread_join (t, NULL) == 0);
    CHECK (d.ok);
    CHECK (zmq_ctx_term (rctx) == 0);
}

/* zmq_unbind and zmq_disconnect end connections after what was queued on them. */
static void unbind_and_disconnect_flush (const char *transport)
{
    void *ctx = zmq_ctx_new ();
    char ep[256];
    void *push = socket_with (ctx, ZMQ_PUSH, -1);
    bind_any (push, transport, ep, sizeof ep);
    void *pull = socket_with (ctx, ZMQ_PULL, 0);
    CHECK (zmq_connect (pull, ep) == 0);
    /* The first message waits for the connection: after it, the pipe exists. */
    fill_send (push, 10, 99, 0);
    recv_check (pull, 10, 99);
    for (size_t i = 0; i < NSIZES; i++)
        fill_send (push, sizes[i], (int) i, 0);
    CHECK (zmq_unbind (push, ep) == 0);
    for (size_t i = 0; i < NSIZES; i++)
        recv_check (pull, sizes[i], (int) i);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);

    pull = socket_with (ctx, ZMQ_PULL, 0);
    bind_any (pull, transport, ep, sizeof ep);
    push = socket_with (ctx, ZMQ_PUSH, -1);
    CHECK (zmq_connect (push, ep) == 0);
    for (size_t i = 0; i < NSIZES; i++)
        fill_send (push, sizes[i], (int) i, 0);
    CHECK (zmq_disconnect (push, ep) == 0);
    for (size_t i = 0; i < NSIZES; i++)
        recv_check (pull, sizes[i], (int) i);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

int main (void)
{
    const char *transports[] = {"inproc://close-flush", "tcp://127.0.0.1:*", "ipc://*"};
    for (int t = 0; t < 3; t++) {
        closed_sender_delivers (transports[t], ZMQ_PUSH, ZMQ_PULL);
        closed_sender_delivers (transports[t], ZMQ_PUB, ZMQ_SUB);
        closed_sender_delivers (transports[t], ZMQ_DEALER, ZMQ_DEALER);
        closed_sender_delivers (transports[t], ZMQ_PAIR, ZMQ_PAIR);
    }
    term_waits_for_delivery ("tcp://127.0.0.1:*");
    term_waits_for_delivery ("ipc://*");
    unbind_and_disconnect_flush ("tcp://127.0.0.1:*");
    unbind_and_disconnect_flush ("ipc://*");
    return 0;
}
