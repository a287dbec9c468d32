/* Hostile peers on ws:// and wss:// ports: a raw TCP client sends what is not a
 * WebSocket, stops half-way through the upgrade, breaks RFC 6455 after it (an unmasked
 * client frame), sends a frame over ZMQ_MAXMSGSIZE, or sends garbage instead of TLS.
 * Each connection is dropped with its monitor events, and the REP socket goes on
 * serving a well-behaved REQ that was connected before the attacks and one that
 * connects after them. */
#include "testutil.h"

#ifdef ZMQ_BUILD_DRAFT_API

#include <poll.h>

static void *ctx;

static int recv_event (void *mon, uint32_t *value)
{
    uint8_t head[16];
    CHECK_EQ_INT (6, zmq_recv (mon, head, sizeof head, 0));
    uint16_t event;
    memcpy (&event, head, 2);
    if (value)
        memcpy (value, head + 2, 4);
    char endpoint[256];
    CHECK (zmq_recv (mon, endpoint, sizeof endpoint, 0) >= 0);
    return event;
}

static void expect_event (void *mon, int expected, uint32_t *value)
{
    CHECK_EQ_INT (expected, recv_event (mon, value));
}

static void raw_send (int fd, const void *data, size_t len)
{
    CHECK (send (fd, data, len, MSG_NOSIGNAL) == (ssize_t) len);
}

/* Reads until EOF (or a reset); returns what came, at most `cap` bytes kept. */
static size_t read_until_closed (int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    for (;;) {
        uint8_t tmp[4096];
        ssize_t n = read (fd, tmp, sizeof tmp);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            break;
        if (n < 0) {
            fprintf (stderr, "connection still open (read: %s)\n", strerror (errno));
            exit (1);
        }
        size_t keep = (size_t) n < cap - got ? (size_t) n : cap - got;
        memcpy (buf + got, tmp, keep);
        got += keep;
    }
    close (fd);
    return got;
}

static const char upgrade[] = "GET /bad HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Protocol: ZWS2.0\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";

/* The upgrade, and our side's 101 answer with the server's routing-id frame. */
static int upgraded (const char *endpoint)
{
    int fd = raw_connect (endpoint);
    raw_send (fd, upgrade, strlen (upgrade));
    char resp[512];
    size_t got = 0;
    while (got < 4 || memcmp (resp + got - 4, "\r\n\r\n", 4) != 0) {
        CHECK (got < sizeof resp);
        CHECK (read (fd, resp + got, 1) == 1);
        got++;
    }
    CHECK (memcmp (resp, "HTTP/1.1 101 ", 13) == 0);
    CHECK (strstr (resp, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != NULL);
    uint8_t id[3];
    CHECK (read (fd, id, 3) == 3);
    /* Unmasked, FIN|binary, one byte: the flags of an empty routing id. */
    CHECK (id[0] == 0x82 && id[1] == 0x01 && id[2] == 0x00);
    return fd;
}

static void bounce (void *req, void *rep, const char *what)
{
    CHECK (zmq_send (req, what, strlen (what), 0) == (int) strlen (what));
    char buf[64];
    int n = zmq_recv (rep, buf, sizeof buf, 0);
    CHECK_EQ_INT (strlen (what), n);
    CHECK (memcmp (buf, what, (size_t) n) == 0);
    CHECK (zmq_send (rep, buf, (size_t) n, 0) == n);
    CHECK_EQ_INT (n, zmq_recv (req, buf, sizeof buf, 0));
}

static void *req_to (const char *endpoint, const char *trust)
{
    void *req = zmq_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_RCVTIMEO, 5000);
    set_int (req, ZMQ_LINGER, 0);
    if (trust) {
        CHECK (zmq_setsockopt (req, ZMQ_WSS_TRUST_PEM, trust, strlen (trust)) == 0);
        CHECK (zmq_setsockopt (req, ZMQ_WSS_HOSTNAME, "localhost", 9) == 0);
    }
    CHECK (zmq_connect (req, endpoint) == 0);
    return req;
}

static char *slurp (const char *name)
{
    /* The test certificates, found from this file's path (tests/data/tls). */
    char path[1024];
    snprintf (path, sizeof path, "%s", __FILE__);
    char *slash = strrchr (path, '/');
    CHECK (slash != NULL);
    snprintf (slash, sizeof path - (size_t) (slash - path), "/../tests/data/tls/%s", name);
    FILE *f = fopen (path, "rb");
    CHECK (f != NULL);
    static char bufs[3][8192];
    static int next;
    char *buf = bufs[next++ % 3];
    size_t n = fread (buf, 1, sizeof bufs[0] - 1, f);
    buf[n] = 0;
    fclose (f);
    return buf;
}

static void run (const char *scheme)
{
    int wss = strcmp (scheme, "wss") == 0;
    ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    set_int (rep, ZMQ_RCVTIMEO, 5000);
    set_int (rep, ZMQ_LINGER, 0);
    set_int (rep, ZMQ_HANDSHAKE_IVL, 300);
    int64_t max = 1000;
    CHECK (zmq_setsockopt (rep, ZMQ_MAXMSGSIZE, &max, sizeof max) == 0);
    const char *trust = NULL;
    if (wss) {
        /* Without a certificate and key there is nothing to serve wss with: EINVAL
         * (libzmq aborts). */
        char ep0[64];
        snprintf (ep0, sizeof ep0, "wss://127.0.0.1:*/bad");
        CHECK_ERRNO (zmq_bind (rep, ep0), EINVAL);
        const char *cert = slurp ("leaf.crt"), *key = slurp ("leaf.key");
        CHECK (zmq_setsockopt (rep, ZMQ_WSS_CERT_PEM, cert, strlen (cert)) == 0);
        CHECK (zmq_setsockopt (rep, ZMQ_WSS_KEY_PEM, key, strlen (key)) == 0);
        trust = slurp ("ca.crt");
    }
    CHECK (zmq_socket_monitor (rep, "inproc://mon", ZMQ_EVENT_ALL) == 0);
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    set_int (mon, ZMQ_RCVTIMEO, 5000);
    CHECK (zmq_connect (mon, "inproc://mon") == 0);
    char bind[64];
    snprintf (bind, sizeof bind, "%s://127.0.0.1:*/bad", scheme);
    CHECK (zmq_bind (rep, bind) == 0);
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK (zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, endpoint, &len) == 0);
    CHECK (strncmp (endpoint, scheme, strlen (scheme)) == 0);
    CHECK (strstr (endpoint, "/bad") != NULL);
    expect_event (mon, ZMQ_EVENT_LISTENING, NULL);

    /* A good client before the attacks. */
    void *before = req_to (endpoint, trust);
    bounce (before, rep, "before");
    expect_event (mon, ZMQ_EVENT_ACCEPTED, NULL);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, NULL);

    uint8_t buf[512];
    uint32_t value;
    if (wss) {
        /* Not TLS at all. */
        int fd = raw_connect (endpoint);
        raw_send (fd, upgrade, strlen (upgrade));
        size_t n = read_until_closed (fd, buf, sizeof buf);
        /* At most a TLS alert came back, never HTTP. */
        CHECK (n == 0 || buf[0] == 0x15);
        expect_event (mon, ZMQ_EVENT_ACCEPTED, NULL);
        expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, NULL);
        expect_event (mon, ZMQ_EVENT_DISCONNECTED, NULL);
    } else {
        /* A ZMTP greeting on a ws port: 400, and the WS protocol error event. */
        int fd = raw_connect (endpoint);
        uint8_t greeting[10] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f};
        raw_send (fd, greeting, sizeof greeting);
        size_t n = read_until_closed (fd, buf, sizeof buf);
        CHECK (n > 13 && memcmp (buf, "HTTP/1.1 400 ", 13) == 0);
        expect_event (mon, ZMQ_EVENT_ACCEPTED, NULL);
        expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, &value);
        CHECK_EQ_INT (ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED, value);
        expect_event (mon, ZMQ_EVENT_DISCONNECTED, NULL);

        /* Half an upgrade, then silence: ZMQ_HANDSHAKE_IVL ends it. */
        fd = raw_connect (endpoint);
        raw_send (fd, upgrade, 40);
        read_until_closed (fd, buf, sizeof buf);
        expect_event (mon, ZMQ_EVENT_ACCEPTED, NULL);
        expect_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, &value);
        CHECK_EQ_INT (ETIMEDOUT, value);
        expect_event (mon, ZMQ_EVENT_DISCONNECTED, NULL);

        /* A client frame without a mask: closed with 1002. */
        fd = upgraded (endpoint);
        uint8_t unmasked[] = {0x82, 0x01, 0x00};
        raw_send (fd, unmasked, sizeof unmasked);
        n = read_until_closed (fd, buf, sizeof buf);
        CHECK (n == 4 && buf[0] == 0x88 && buf[1] == 2 && buf[2] == 0x03 && buf[3] == 0xea);
        /* A framing error, as libzmq's decoder errors: no handshake event. */
        expect_event (mon, ZMQ_EVENT_ACCEPTED, NULL);
        expect_event (mon, ZMQ_EVENT_DISCONNECTED, NULL);

        /* A frame over ZMQ_MAXMSGSIZE, after the routing ids: closed with 1009. */
        fd = upgraded (endpoint);
        uint8_t id[] = {0x82, 0x81, 1, 2, 3, 4, 0x00 ^ 1};
        raw_send (fd, id, sizeof id);
        uint8_t big[] = {0x82, 0xfe, 0x10, 0x00, 1, 2, 3, 4};
        raw_send (fd, big, sizeof big);
        n = read_until_closed (fd, buf, sizeof buf);
        CHECK (n == 4 && buf[0] == 0x88 && buf[2] == 0x03 && buf[3] == 0xf1);
        expect_event (mon, ZMQ_EVENT_ACCEPTED, NULL);
        expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, NULL);
        expect_event (mon, ZMQ_EVENT_DISCONNECTED, NULL);
    }

    if (wss) {
        /* A client that expects another name: its TLS handshake fails, it reports
         * HANDSHAKE_FAILED_NO_DETAIL and DISCONNECTED as libzmq does for a GnuTLS
         * failure, and tries again; the server sees a connection come and go. */
        void *wrong = zmq_socket (ctx, ZMQ_REQ);
        set_int (wrong, ZMQ_LINGER, 0);
        CHECK (zmq_setsockopt (wrong, ZMQ_WSS_TRUST_PEM, trust, strlen (trust)) == 0);
        CHECK (zmq_setsockopt (wrong, ZMQ_WSS_HOSTNAME, "example.org", 11) == 0);
        CHECK (zmq_socket_monitor (wrong, "inproc://mon-wrong", ZMQ_EVENT_ALL) == 0);
        void *wmon = zmq_socket (ctx, ZMQ_PAIR);
        set_int (wmon, ZMQ_RCVTIMEO, 5000);
        CHECK (zmq_connect (wmon, "inproc://mon-wrong") == 0);
        CHECK (zmq_connect (wrong, endpoint) == 0);
        int ev;
        while ((ev = recv_event (wmon, NULL)) != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            CHECK (ev == ZMQ_EVENT_CONNECT_DELAYED || ev == ZMQ_EVENT_CONNECTED);
        expect_event (wmon, ZMQ_EVENT_DISCONNECTED, NULL);
        /* Nothing was delivered: the request waits, unsent. */
        CHECK (zmq_send (wrong, "x", 1, ZMQ_DONTWAIT) == 1);
        zmq_close (wrong);
        zmq_close (wmon);
        expect_event (mon, ZMQ_EVENT_ACCEPTED, NULL);
        while ((ev = recv_event (mon, NULL)) != ZMQ_EVENT_DISCONNECTED)
            CHECK (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL || ev == ZMQ_EVENT_ACCEPTED);
    }

    /* The socket still serves: the old client and a new one. */
    bounce (before, rep, "still there");
    void *after = req_to (endpoint, trust);
    bounce (after, rep, "after");

    zmq_close (before);
    zmq_close (after);
    zmq_close (mon);
    zmq_close (rep);
    zmq_ctx_term (ctx);
}

int main (void)
{
    /* libzmq 4.3.5 names these capabilities in capitals. */
    CHECK (zmq_has ("WS") && zmq_has ("WSS"));
    CHECK (!zmq_has ("ws") && !zmq_has ("wss"));
    run ("ws");
    run ("wss");
    printf ("OK\n");
    return 0;
}

#else
int main (void)
{
    SKIP ("built without the draft API: ws and wss are draft transports");
}
#endif
