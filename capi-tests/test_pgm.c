/* pgm:// and epgm:// at the API: zmq_has, the socket types that may use them
 * (ENOCOMPATPROTO for the others), endpoints with no such interface, a group that
 * is no multicast address or no port (EINVAL; none needs a name service),
 * bind as connect, ZMQ_LAST_ENDPOINT, unbind/disconnect, and a PUB and a
 * SUB on one endpoint closing cleanly (with linger) while the PUB has messages queued.
 * Debian's libzmq passes it too. The wire: tests/multicast.rs. */
#include "testutil.h"

int main (void)
{
    if (!zmq_has ("pgm"))
        SKIP ("zmq_has (\"pgm\") is false: OpenPGM (libpgm-5.3-0) is not installed");
    void *ctx = zmq_ctx_new ();

    const int refused[] = {ZMQ_REQ, ZMQ_REP, ZMQ_DEALER, ZMQ_ROUTER, ZMQ_PAIR,
                           ZMQ_PUSH, ZMQ_PULL, ZMQ_STREAM};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        void *s = zmq_socket (ctx, refused[i]);
        CHECK_ERRNO (zmq_connect (s, "epgm://127.0.0.1;239.192.7.7:5555"), ENOCOMPATPROTO);
        CHECK_ERRNO (zmq_bind (s, "pgm://127.0.0.1;239.192.7.7:5555"), ENOCOMPATPROTO);
        CHECK (zmq_close (s) == 0);
    }

    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK_ERRNO (zmq_connect (sub, "epgm://127.0.0.1;239.192.7.7"), EINVAL);
    CHECK_ERRNO (zmq_connect (sub, "epgm://255.255.255.255;239.192.7.7:5555"), EINVAL);
    CHECK_ERRNO (zmq_connect (sub, "epgm://127.0.0.1;10.0.0.1:5555"), EINVAL);
    CHECK (zmq_close (sub) == 0);

    /* A publisher and a subscriber on one endpoint of this host: made, bound (a
     * connect), reported, unbound. */
    const char *ep = "epgm://127.0.0.1;239.192.7.7:15931";
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_RATE, 10000);
    CHECK (zmq_bind (pub, ep) == 0);
    char last[256];
    size_t len = sizeof last;
    CHECK (zmq_getsockopt (pub, ZMQ_LAST_ENDPOINT, last, &len) == 0);
    CHECK (strcmp (last, ep) == 0);
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0) == 0);
    CHECK (zmq_connect (sub, ep) == 0);
    for (int i = 0; i < 20; i++)
        CHECK (zmq_send (pub, "queued", 6, 0) == 6);
    CHECK (zmq_unbind (pub, ep) == 0);
    CHECK_ERRNO (zmq_unbind (pub, ep), ENOENT);
    CHECK (zmq_bind (pub, ep) == 0);
    CHECK (zmq_send (pub, "more", 4, 0) == 4);
    set_int (pub, ZMQ_LINGER, 200);
    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_disconnect (sub, ep) == 0);
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
