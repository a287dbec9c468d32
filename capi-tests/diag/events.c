/* Events ZMQRS_DEBUG reports, made to happen: run by tests/diag.rs with the variable on
 * (the lines are checked there) and off (nothing may be printed). This program only
 * checks that the events really happened, through the socket monitor and the counts,
 * and prints one summary line on stdout.
 *
 *   1. A CURVE client refused by the server's ZAP handler (status 400): both ends
 *      see HANDSHAKE_FAILED_AUTH.
 *   2. A PUB over tcp whose SUB does not read: with SNDHWM = RCVHWM = 1 the pipe fills
 *      and most messages are dropped.
 *   3. A connect to a port nobody listens on (refused), with the monitor's
 *      CONNECT_RETRIED.
 */
#include "../testutil.h"

/* Waits up to 5 s for `event` on monitor socket `mon`; returns its value. */
static uint32_t wait_event (void *mon, int event)
{
    set_int (mon, ZMQ_RCVTIMEO, 5000);
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init (&head);
        zmq_msg_init (&addr);
        CHECK (zmq_msg_recv (&head, mon, 0) == 6);
        CHECK (zmq_msg_recv (&addr, mon, 0) >= 0);
        uint16_t got;
        uint32_t value;
        memcpy (&got, zmq_msg_data (&head), 2);
        memcpy (&value, (char *) zmq_msg_data (&head) + 2, 4);
        zmq_msg_close (&head);
        zmq_msg_close (&addr);
        if (got == event)
            return value;
    }
}

static void *monitor (void *ctx, void *s, const char *name, int events)
{
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://monitor-%s", name);
    CHECK (zmq_socket_monitor (s, ep, events) == 0);
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (mon);
    CHECK (zmq_connect (mon, ep) == 0);
    return mon;
}

static void last_endpoint (void *s, char *ep, size_t size)
{
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &size) == 0);
}

/* The ZAP handler refuses one request with 400. */
static void refuse (void *handler)
{
    zmq_msg_t frames[8];
    int count = 0, more = 1;
    set_int (handler, ZMQ_RCVTIMEO, 5000);
    while (more && count < 8) {
        zmq_msg_init (&frames[count]);
        CHECK (zmq_msg_recv (&frames[count], handler, 0) >= 0);
        more = zmq_msg_more (&frames[count]);
        count++;
    }
    CHECK_EQ_INT (7, count);
    CHECK (zmq_send (handler, "1.0", 3, ZMQ_SNDMORE) == 3);
    CHECK (zmq_send (handler, zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]),
                     ZMQ_SNDMORE)
           >= 0);
    CHECK (zmq_send (handler, "400", 3, ZMQ_SNDMORE) == 3);
    CHECK (zmq_send (handler, "Unknown key", 11, ZMQ_SNDMORE) == 11);
    CHECK (zmq_send (handler, "", 0, ZMQ_SNDMORE) == 0);
    CHECK (zmq_send (handler, "", 0, 0) == 0);
    for (int i = 0; i < count; i++)
        zmq_msg_close (&frames[i]);
}

static void curve_refused (void *ctx)
{
    char server_public[41], server_secret[41], client_public[41], client_secret[41];
    CHECK (zmq_curve_keypair (server_public, server_secret) == 0);
    CHECK (zmq_curve_keypair (client_public, client_secret) == 0);

    void *handler = zmq_socket (ctx, ZMQ_REP);
    CHECK (zmq_bind (handler, "inproc://zeromq.zap.01") == 0);

    void *server = zmq_socket (ctx, ZMQ_REP);
    set_int (server, ZMQ_CURVE_SERVER, 1);
    CHECK (zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, server_secret, 40) == 0);
    CHECK (zmq_bind (server, "tcp://127.0.0.1:*") == 0);
    char ep[256];
    last_endpoint (server, ep, sizeof ep);
    void *server_mon = monitor (ctx, server, "server", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);

    void *client = zmq_socket (ctx, ZMQ_REQ);
    CHECK (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, server_public, 40) == 0);
    CHECK (zmq_setsockopt (client, ZMQ_CURVE_PUBLICKEY, client_public, 40) == 0);
    CHECK (zmq_setsockopt (client, ZMQ_CURVE_SECRETKEY, client_secret, 40) == 0);
    void *client_mon = monitor (ctx, client, "client", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    CHECK (zmq_connect (client, ep) == 0);

    refuse (handler);
    CHECK_EQ_INT (400, wait_event (server_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));
    CHECK_EQ_INT (400, wait_event (client_mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH));

    set_int (client, ZMQ_LINGER, 0);
    zmq_close (client);
    zmq_close (client_mon);
    zmq_close (server);
    zmq_close (server_mon);
    zmq_close (handler);
}

/* Returns how many of the messages sent reached the subscriber. */
static int pub_drops (void *ctx, int sent)
{
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 1);
    set_int (pub, ZMQ_SNDBUF, 4096);
    CHECK (zmq_bind (pub, "tcp://127.0.0.1:*") == 0);
    char ep[256];
    last_endpoint (pub, ep, sizeof ep);
    void *pub_mon = monitor (ctx, pub, "pub", ZMQ_EVENT_HANDSHAKE_SUCCEEDED);

    void *sub = zmq_socket (ctx, ZMQ_SUB);
    set_int (sub, ZMQ_RCVHWM, 1);
    set_int (sub, ZMQ_RCVBUF, 4096);
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0) == 0);
    CHECK (zmq_connect (sub, ep) == 0);
    wait_event (pub_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    /* The subscription travels after the handshake: wait until one message arrives. */
    set_int (sub, ZMQ_RCVTIMEO, 100);
    char buf[1024];
    memset (buf, 'x', sizeof buf);
    int received = 0;
    for (int i = 0; i < 100 && received == 0; i++) {
        CHECK (zmq_send (pub, buf, sizeof buf, 0) == sizeof buf);
        received = zmq_recv (sub, buf, sizeof buf, 0) == sizeof buf;
    }
    CHECK (received == 1);
    /* The subscriber stops reading: kernel buffers, then the pipes, fill up. */
    for (int i = 0; i < sent; i++)
        CHECK (zmq_send (pub, buf, sizeof buf, 0) == sizeof buf);
    set_int (sub, ZMQ_RCVTIMEO, 500);
    while (zmq_recv (sub, buf, sizeof buf, 0) == sizeof buf)
        received++;
    zmq_close (sub);
    zmq_close (pub);
    zmq_close (pub_mon);
    return received;
}

static void connect_refused (void *ctx)
{
    /* A port that was just free: bound and closed again by the kernel's choice. */
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    CHECK (bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    CHECK (getsockname (fd, (struct sockaddr *) &sa, &len) == 0);
    close (fd);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", ntohs (sa.sin_port));

    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    void *mon = monitor (ctx, dealer, "dealer", ZMQ_EVENT_CONNECT_RETRIED);
    CHECK (zmq_connect (dealer, ep) == 0);
    wait_event (mon, ZMQ_EVENT_CONNECT_RETRIED);
    zmq_close (dealer);
    zmq_close (mon);
    printf ("refused endpoint %s\n", ep);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    curve_refused (ctx);
    const int sent = 20000;
    int received = pub_drops (ctx, sent);
    /* 20 MB against a few hundred kB of buffers: most were dropped. */
    CHECK (received < sent / 2);
    connect_refused (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("diag events: ok, %d of %d published messages received\n", received, sent);
    return 0;
}
