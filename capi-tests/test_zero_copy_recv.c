/* ZMQ_ZERO_COPY_RECV (a context option; draft in zmq.h, handled by every libzmq 4.3.5
 * build). On, the default: a received body of more than 33 bytes that arrived whole in
 * one read points into the read buffer instead of being copied, so the bodies of
 * messages read together lie back to back, each header apart. Off: each body is copied
 * into an allocation of its own. Either way a received message stays valid and its own
 * after its socket and context are gone, and writing into one leaves the others
 * alone. The same program passes against libzmq 4.3.5. */
#include "testutil.h"

#include <unistd.h>

#ifndef ZMQ_ZERO_COPY_RECV
#define ZMQ_ZERO_COPY_RECV 10
#endif

#define COUNT 20
#define SIZE 100
/* A short ZMTP frame's header: flags and a one-byte length. */
#define HEADER 2

static unsigned char byte_of (int msg, int i)
{
    return (unsigned char) (msg * 31 + i * 7 + 1);
}

/* Receives COUNT messages queued before the connection was up (so the sender writes
 * them in one go and the receiver reads them in one go); returns how many consecutive
 * pairs lie exactly one frame apart in memory. */
static int adjacent_pairs (const char *endpoint, int zero_copy)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    if (zero_copy >= 0)
        CHECK (zmq_ctx_set (ctx, ZMQ_ZERO_COPY_RECV, zero_copy) == 0);
    CHECK_EQ_INT (zero_copy != 0, zmq_ctx_get (ctx, ZMQ_ZERO_COPY_RECV));
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (pull != NULL && push != NULL);
    set_int (pull, ZMQ_RCVTIMEO, 10000);
    set_int (pull, ZMQ_LINGER, 0);
    set_int (push, ZMQ_LINGER, 0);
    CHECK (zmq_bind (pull, endpoint) == 0);
    char last[256];
    size_t len = sizeof last;
    CHECK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, last, &len) == 0);
    CHECK (zmq_connect (push, last) == 0);
    for (int m = 0; m < COUNT; m++) {
        unsigned char body[SIZE];
        for (int i = 0; i < SIZE; i++)
            body[i] = byte_of (m, i);
        CHECK_EQ_INT (SIZE, zmq_send (push, body, SIZE, 0));
    }
    /* Every byte in the receiver's kernel buffer before it reads the first. */
    zmq_pollitem_t item = {pull, 0, ZMQ_POLLIN, 0};
    CHECK_EQ_INT (1, zmq_poll (&item, 1, 10000));

    zmq_msg_t msgs[COUNT];
    for (int m = 0; m < COUNT; m++) {
        CHECK (zmq_msg_init (&msgs[m]) == 0);
        CHECK_EQ_INT (SIZE, zmq_msg_recv (&msgs[m], pull, 0));
    }
    int pairs = 0;
    for (int m = 0; m + 1 < COUNT; m++) {
        const char *a = zmq_msg_data (&msgs[m]);
        const char *b = zmq_msg_data (&msgs[m + 1]);
        pairs += b - a == SIZE + HEADER;
    }
    /* The messages outlive their socket and context... */
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    /* ...and each is its own: writing into one changes no other. */
    memset (zmq_msg_data (&msgs[0]), 0xff, SIZE);
    for (int m = 1; m < COUNT; m++) {
        const unsigned char *d = zmq_msg_data (&msgs[m]);
        for (int i = 0; i < SIZE; i++)
            CHECK_EQ_INT (byte_of (m, i), d[i]);
    }
    /* A copy shares the body and keeps it after the original is closed. */
    zmq_msg_t copy;
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_copy (&copy, &msgs[1]) == 0);
    CHECK (zmq_msg_data (&copy) == zmq_msg_data (&msgs[1]));
    for (int m = 0; m < COUNT; m++)
        CHECK (zmq_msg_close (&msgs[m]) == 0);
    CHECK_EQ_INT (byte_of (1, SIZE - 1), ((unsigned char *) zmq_msg_data (&copy))[SIZE - 1]);
    CHECK (zmq_msg_close (&copy) == 0);
    return pairs;
}

int main (void)
{
    char ipc[64];
    snprintf (ipc, sizeof ipc, "ipc://@zmqrs-zero-copy-%d", (int) getpid ());
    const char *endpoints[] = {"tcp://127.0.0.1:*", ipc};
    for (int e = 0; e < 2; e++) {
        /* The default is on. */
        int by_default = adjacent_pairs (endpoints[e], -1);
        int on = adjacent_pairs (endpoints[e], 1);
        int off = adjacent_pairs (endpoints[e], 0);
        printf ("%s: adjacent bodies by default %d, on %d, off %d (of %d)\n", endpoints[e],
                by_default, on, off, COUNT - 1);
        CHECK (by_default > 0);
        CHECK (on > 0);
        CHECK_EQ_INT (0, off);
    }
    return 0;
}
