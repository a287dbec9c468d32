/* ZMQ_RECONNECT_STOP_AFTER_DISCONNECT (a flag of ZMQ_RECONNECT_STOP; draft in zmq.h,
 * handled by every libzmq 4.3.5 build): once the socket has made a zmq_disconnect, an
 * ipc connect that the peer refuses is not tried again, so a peer that binds later is
 * never reached. Without the flag it is, after ZMQ_RECONNECT_IVL. The same program
 * passes against libzmq 4.3.5. */
#include "testutil.h"

#include <unistd.h>

#ifndef ZMQ_RECONNECT_STOP
#define ZMQ_RECONNECT_STOP 109
#endif
#ifndef ZMQ_RECONNECT_STOP_AFTER_DISCONNECT
#define ZMQ_RECONNECT_STOP_AFTER_DISCONNECT 0x4
#endif

/* Whether a message sent towards an ipc endpoint nobody listened on at first, and that
 * was refused after the socket's zmq_disconnect of another endpoint, arrives once a
 * peer binds there. */
static int reaches_late_peer (int stop_flags, int round)
{
    char late[64], other[64];
    snprintf (late, sizeof late, "ipc://@zmqrs-stop-late-%d-%d", (int) getpid (), round);
    snprintf (other, sizeof other, "ipc://@zmqrs-stop-other-%d-%d", (int) getpid (), round);
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    void *bound = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (ctx != NULL && dealer != NULL && bound != NULL);
    set_int (dealer, ZMQ_LINGER, 0);
    set_int (bound, ZMQ_LINGER, 0);
    set_int (dealer, ZMQ_RECONNECT_IVL, 20);
    set_int (dealer, ZMQ_RECONNECT_STOP, stop_flags);
    CHECK (zmq_bind (bound, other) == 0);
    CHECK (zmq_connect (dealer, other) == 0);
    CHECK (zmq_connect (dealer, late) == 0);
    usleep (100 * 1000); /* refused, and tried again */
    CHECK (zmq_disconnect (dealer, other) == 0);
    usleep (100 * 1000); /* refused again, now after the disconnect */

    void *peer = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (peer != NULL);
    set_int (peer, ZMQ_LINGER, 0);
    set_int (peer, ZMQ_RCVTIMEO, 500);
    CHECK (zmq_bind (peer, late) == 0);
    zmq_send (dealer, "hello", 5, ZMQ_DONTWAIT);
    char id[256], body[16];
    int arrived = zmq_recv (peer, id, sizeof id, 0) > 0;
    if (arrived)
        CHECK_EQ_INT (5, zmq_recv (peer, body, sizeof body, 0));
    else
        CHECK_EQ_INT (EAGAIN, zmq_errno ());
    CHECK (zmq_close (peer) == 0);
    CHECK (zmq_close (bound) == 0);
    CHECK (zmq_close (dealer) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return arrived;
}

int main (void)
{
    CHECK_EQ_INT (1, reaches_late_peer (0, 0));
    CHECK_EQ_INT (0, reaches_late_peer (ZMQ_RECONNECT_STOP_AFTER_DISCONNECT, 1));
    return 0;
}
