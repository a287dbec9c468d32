/* One side of an interoperability check, written against the libzmq C API only. It is
 * built twice, against libzmq-rs and against the real libzmq, and tests/interop.rs runs
 * every pairing in both directions over tcp and ipc (tests/ws.rs: over ws and wss, against
 * the reference libzmq with GnuTLS).
 *
 *   node ROLE ENDPOINT bind|connect
 *
 * A binding node prints "ENDPOINT <last endpoint>" first. Exit 0 means every check of
 * the exchange held; failures print "FAIL: ..." and exit 1. Every blocking call has a
 * timeout. */
#include <zmq.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                              \
    do {                                                                       \
        printf ("FAIL: ");                                                     \
        printf (__VA_ARGS__);                                                  \
        printf (" (errno %d: %s)\n", zmq_errno (), zmq_strerror (zmq_errno ())); \
        exit (1);                                                              \
    } while (0)

static const size_t sizes[] = {0, 1, 255, 256, 70000, 1 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void set_int (void *s, int opt, int v)
{
    if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
        FAIL ("setsockopt %d", opt);
}

static void fill (zmq_msg_t *m, size_t size, int seed)
{
    if (zmq_msg_init_size (m, size) != 0)
        FAIL ("msg_init_size");
    unsigned char *d = zmq_msg_data (m);
    for (size_t i = 0; i < size; i++)
        d[i] = (unsigned char) (i * 7 + seed);
}

static void check (zmq_msg_t *m, size_t size, int seed, const char *what)
{
    if (zmq_msg_size (m) != size)
        FAIL ("%s: size %zu, expected %zu", what, zmq_msg_size (m), size);
    const unsigned char *d = zmq_msg_data (m);
    for (size_t i = 0; i < size; i++)
        if (d[i] != (unsigned char) (i * 7 + seed))
            FAIL ("%s: byte %zu differs", what, i);
}

static void send_frame (void *s, size_t size, int seed, int flags)
{
    zmq_msg_t m;
    fill (&m, size, seed);
    if (zmq_msg_send (&m, s, flags) < 0)
        FAIL ("send %zu bytes", size);
}

static void send_str (void *s, const char *str, int flags)
{
    if (zmq_send (s, str, strlen (str), flags) != (int) strlen (str))
        FAIL ("send '%s'", str);
}

static void recv_msg (void *s, zmq_msg_t *m, const char *what)
{
    zmq_msg_init (m);
    if (zmq_msg_recv (m, s, 0) < 0)
        FAIL ("recv %s", what);
}

static void expect_str (void *s, const char *str)
{
    zmq_msg_t m;
    recv_msg (s, &m, str);
    if (zmq_msg_size (&m) != strlen (str) || memcmp (zmq_msg_data (&m), str, strlen (str)))
        FAIL ("expected '%s', got %.*s", str, (int) zmq_msg_size (&m),
              (char *) zmq_msg_data (&m));
    zmq_msg_close (&m);
}

/* Echo servers: the whole request (all frames) goes back once it is read. With `user`,
 * every frame must come from that authenticated user (ZAP's User-Id). */
static void serve_echo (void *s, int count, const char *user)
{
    for (int i = 0; i < count; i++) {
        zmq_msg_t parts[8];
        int n = 0, more;
        do {
            if (n == 8)
                FAIL ("too many parts");
            recv_msg (s, &parts[n], "request");
            const char *got = zmq_msg_gets (&parts[n], "User-Id");
            if (user && (!got || strcmp (got, user) != 0))
                FAIL ("User-Id of a request: %s", got ? got : "(none)");
            more = zmq_msg_more (&parts[n]);
            n++;
        } while (more);
        for (int j = 0; j < n; j++)
            if (zmq_msg_send (&parts[j], s, j < n - 1 ? ZMQ_SNDMORE : 0) < 0)
                FAIL ("echo");
    }
}

/* The client side of request/reply: every size, then a 3-part message. */
static void run_client (void *s, int add_delimiter)
{
    for (size_t i = 0; i < NSIZES; i++) {
        if (add_delimiter)
            send_str (s, "", ZMQ_SNDMORE);
        send_frame (s, sizes[i], (int) i, 0);
        zmq_msg_t m;
        if (add_delimiter) {
            recv_msg (s, &m, "delimiter");
            if (zmq_msg_size (&m) != 0 || !zmq_msg_more (&m))
                FAIL ("reply delimiter");
            zmq_msg_close (&m);
        }
        recv_msg (s, &m, "reply");
        check (&m, sizes[i], (int) i, "reply body");
        /* the server's ZMQ_METADATA is visible on messages from it */
        const char *foo = zmq_msg_gets (&m, "X-Foo");
        if (!foo || strcmp (foo, "bar") != 0)
            FAIL ("X-Foo metadata missing on reply");
        zmq_msg_close (&m);
    }
    if (add_delimiter)
        send_str (s, "", ZMQ_SNDMORE);
    send_str (s, "one", ZMQ_SNDMORE);
    send_str (s, "two", ZMQ_SNDMORE);
    send_str (s, "three", 0);
    if (add_delimiter)
        expect_str (s, "");
    expect_str (s, "one");
    expect_str (s, "two");
    expect_str (s, "three");
}

static void serve_router (void *s, int count)
{
    for (int i = 0; i < count; i++) {
        zmq_msg_t id;
        recv_msg (s, &id, "routing id");
        if (zmq_msg_size (&id) != 7 || memcmp (zmq_msg_data (&id), "client1", 7))
            FAIL ("routing id is not the peer's ZMQ_ROUTING_ID");
        if (zmq_msg_send (&id, s, ZMQ_SNDMORE) < 0)
            FAIL ("route back");
        int more;
        do {
            zmq_msg_t m;
            recv_msg (s, &m, "body");
            more = zmq_msg_more (&m);
            if (zmq_msg_send (&m, s, more ? ZMQ_SNDMORE : 0) < 0)
                FAIL ("echo");
        } while (more);
    }
}

static void run_publisher (void *s)
{
    /* An XPUB sees the subscriptions arrive, so it knows when to publish. */
    int seen = 0;
    while (seen < 2) {
        zmq_msg_t m;
        recv_msg (s, &m, "subscription");
        const char *d = zmq_msg_data (&m);
        if (zmq_msg_size (&m) < 1 || d[0] != 1)
            FAIL ("subscription message");
        seen++;
        zmq_msg_close (&m);
    }
    for (int i = 0; i < 5; i++) {
        send_str (s, "B-filtered", 0);
        send_str (s, "A-topic", ZMQ_SNDMORE);
        send_frame (s, sizes[i], i, 0);
    }
    send_str (s, "END", 0);
}

static void run_subscriber (void *s)
{
    if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "A", 1) || zmq_setsockopt (s, ZMQ_SUBSCRIBE, "END", 3))
        FAIL ("subscribe");
    for (int i = 0; i < 5; i++) {
        expect_str (s, "A-topic");
        zmq_msg_t m;
        recv_msg (s, &m, "published body");
        check (&m, sizes[i], i, "published body");
        zmq_msg_close (&m);
    }
    expect_str (s, "END");
}

/* A ZAP handler (RFC 27) for the PLAIN roles: admin/secret is let in as user "admin",
 * anyone else is refused with 400. Runs until the context terminates. */
static void zap_handler (void *handler)
{
    for (;;) {
        zmq_msg_t parts[8];
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init (&m);
            if (zmq_msg_recv (&m, handler, 0) < 0) {
                zmq_close (handler);
                return;
            }
            more = zmq_msg_more (&m);
            if (n < 8)
                parts[n++] = m;
            else
                zmq_msg_close (&m);
        }
#define PART_IS(i, str)                                                        \
    (zmq_msg_size (&parts[i]) == strlen (str)                                  \
     && memcmp (zmq_msg_data (&parts[i]), str, strlen (str)) == 0)
        int ok = n == 8 && PART_IS (0, "1.0") && PART_IS (5, "PLAIN") && PART_IS (6, "admin")
                 && PART_IS (7, "secret");
        zmq_send (handler, zmq_msg_data (&parts[0]), zmq_msg_size (&parts[0]), ZMQ_SNDMORE);
        zmq_send (handler, zmq_msg_data (&parts[1]), zmq_msg_size (&parts[1]), ZMQ_SNDMORE);
        send_str (handler, ok ? "200" : "400", ZMQ_SNDMORE);
        send_str (handler, ok ? "OK" : "refused", ZMQ_SNDMORE);
        send_str (handler, ok ? "admin" : "", ZMQ_SNDMORE);
        zmq_send (handler, "", 0, 0);
        for (int i = 0; i < n; i++)
            zmq_msg_close (&parts[i]);
    }
}

/* XSUB: subscriptions are messages the application sends (\1 + topic). */
static void run_xsubscriber (void *s)
{
    send_str (s, "\1A", 0);
    send_str (s, "\1END", 0);
    for (int i = 0; i < 5; i++) {
        expect_str (s, "A-topic");
        zmq_msg_t m;
        recv_msg (s, &m, "published body");
        check (&m, sizes[i], i, "published body");
        zmq_msg_close (&m);
    }
    expect_str (s, "END");
}

/* Heartbeats: a connection idle for 15 heartbeat intervals stays up (each side answers
 * the other's PINGs within the timeout), then, once the harness freezes the server
 * (SIGSTOP after "FREEZE"), the client's heartbeat timeout notices the dead peer. */
#define HB_IVL 100
#define HB_TIMEOUT 500

static int next_event (void *mon, int timeout_ms)
{
    set_int (mon, ZMQ_RCVTIMEO, timeout_ms);
    zmq_msg_t m;
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, mon, 0) < 0)
        return -1;
    uint16_t ev;
    memcpy (&ev, zmq_msg_data (&m), sizeof ev);
    zmq_msg_close (&m);
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, mon, 0) < 0)
        FAIL ("monitor endpoint frame");
    zmq_msg_close (&m);
    return ev;
}

/* Watches `s` from before its connect, so no event is missed. */
static void *watch (void *ctx, void *s)
{
    if (zmq_socket_monitor (s, "inproc://hb-mon", ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED))
        FAIL ("monitor");
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    if (zmq_connect (mon, "inproc://hb-mon"))
        FAIL ("monitor connect");
    return mon;
}

static void run_heartbeat_client (void *s, void *mon)
{
    send_str (s, "", ZMQ_SNDMORE);
    send_str (s, "before idle", 0);
    expect_str (s, "");
    expect_str (s, "before idle");
    if (next_event (mon, 5000) != ZMQ_EVENT_CONNECTED)
        FAIL ("CONNECTED event");
    /* Idle: no event may come (a DISCONNECTED would be a lost heartbeat). */
    int ev = next_event (mon, 15 * HB_IVL);
    if (ev != -1)
        FAIL ("event %d on an idle connection with heartbeats", ev);
    send_str (s, "", ZMQ_SNDMORE);
    send_str (s, "after idle", 0);
    expect_str (s, "");
    expect_str (s, "after idle");
    printf ("FREEZE\n");
    fflush (stdout);
    /* The frozen peer answers no PING: DISCONNECTED within the timeout (plus slack). */
    ev = next_event (mon, 10 * HB_TIMEOUT);
    if (ev != ZMQ_EVENT_DISCONNECTED)
        FAIL ("no DISCONNECTED after the peer froze (got %d)", ev);
    zmq_close (mon);
}

/* wss: the certificates come from the directory $WSS_CERTS (tests/data/tls): the
 * server presents leaf.crt, the client trusts ca.crt and expects "localhost". */
static void set_file (void *s, int opt, const char *name)
{
    const char *dir = getenv ("WSS_CERTS");
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", dir ? dir : ".", name);
    FILE *f = fopen (path, "rb");
    if (!f)
        FAIL ("open %s", path);
    char buf[16384];
    size_t n = fread (buf, 1, sizeof buf, f);
    fclose (f);
    if (zmq_setsockopt (s, opt, buf, n))
        FAIL ("setsockopt %d from %s", opt, path);
}

static void wss_setup (void *s, int bind)
{
    if (bind) {
        set_file (s, ZMQ_WSS_CERT_PEM, "leaf.crt");
        set_file (s, ZMQ_WSS_KEY_PEM, "leaf.key");
    } else {
        set_file (s, ZMQ_WSS_TRUST_PEM, "ca.crt");
        if (zmq_setsockopt (s, ZMQ_WSS_HOSTNAME, "localhost", 9))
            FAIL ("ZMQ_WSS_HOSTNAME");
    }
}

int main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: node ROLE ENDPOINT bind|connect\n");
        return 2;
    }
    const char *role = argv[1], *endpoint = argv[2];
    int bind = strcmp (argv[3], "bind") == 0;
    struct {
        const char *name;
        int type;
    } roles[] = {{"rep", ZMQ_REP},     {"req", ZMQ_REQ},   {"router", ZMQ_ROUTER},
                 {"dealer", ZMQ_DEALER}, {"pub", ZMQ_XPUB}, {"sub", ZMQ_SUB},
                 {"push", ZMQ_PUSH},   {"pull", ZMQ_PULL}, {"pair", ZMQ_PAIR},
                 {"xsub", ZMQ_XSUB},   {"hb-router", ZMQ_ROUTER},
                 {"hb-dealer", ZMQ_DEALER}, {"plain-rep", ZMQ_REP},
                 {"plain-req", ZMQ_REQ}, {"curve-rep", ZMQ_REP},
                 {"curve-req", ZMQ_REQ}, {"curve-router", ZMQ_ROUTER},
                 {"curve-dealer", ZMQ_DEALER}};
    int type = -1;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp (roles[i].name, role) == 0)
            type = roles[i].type;
    if (type < 0)
        FAIL ("unknown role %s", role);

    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, type);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    set_int (s, ZMQ_SNDTIMEO, 10000);
    set_int (s, ZMQ_LINGER, 2000);
    int heartbeat = strncmp (role, "hb-", 3) == 0;
    int plain = strncmp (role, "plain-", 6) == 0;
    if (plain && type == ZMQ_REP) {
        void *handler = zmq_socket (ctx, ZMQ_REP);
        if (zmq_bind (handler, "inproc://zeromq.zap.01"))
            FAIL ("bind the ZAP handler");
        zmq_threadstart (zap_handler, handler);
        set_int (s, ZMQ_PLAIN_SERVER, 1);
    } else if (plain) {
        if (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "admin", 5)
            || zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "secret", 6))
            FAIL ("PLAIN credentials");
    }
    /* CURVE without a ZAP handler: encrypted, unauthenticated (libzmq's "Stonehouse").
     * The server's key pair is fixed so that the client knows its public key. */
    const char *server_public = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    const char *server_secret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
    int curve = strncmp (role, "curve-", 6) == 0;
    if (curve && (type == ZMQ_REP || type == ZMQ_ROUTER)) {
        set_int (s, ZMQ_CURVE_SERVER, 1);
        if (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40))
            FAIL ("CURVE server key");
    } else if (curve) {
        char pub[41], sec[41];
        if (zmq_curve_keypair (pub, sec))
            FAIL ("zmq_curve_keypair");
        if (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40)
            || zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, pub, 40)
            || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, sec, 40))
            FAIL ("CURVE client keys");
    }
    if (heartbeat) {
        set_int (s, ZMQ_HEARTBEAT_IVL, HB_IVL);
        set_int (s, ZMQ_HEARTBEAT_TIMEOUT, HB_TIMEOUT);
        set_int (s, ZMQ_LINGER, 0);
    }
    if (type == ZMQ_REP || type == ZMQ_ROUTER || type == ZMQ_PAIR) {
        if (zmq_setsockopt (s, ZMQ_METADATA, "X-Foo:bar", 9))
            FAIL ("ZMQ_METADATA");
    }
    if (type == ZMQ_DEALER || type == ZMQ_REQ)
        if (zmq_setsockopt (s, ZMQ_ROUTING_ID, "client1", 7))
            FAIL ("ZMQ_ROUTING_ID");
    if (strncmp (endpoint, "wss://", 6) == 0)
        wss_setup (s, bind);
    void *mon = heartbeat && !bind ? watch (ctx, s) : NULL;
    if (bind) {
        if (zmq_bind (s, endpoint))
            FAIL ("bind %s", endpoint);
        char ep[256];
        size_t len = sizeof ep;
        zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len);
        printf ("ENDPOINT %s\n", ep);
        fflush (stdout);
    } else if (zmq_connect (s, endpoint))
        FAIL ("connect %s", endpoint);

    const int requests = (int) NSIZES + 1;
    if (heartbeat && type == ZMQ_ROUTER) {
        serve_router (s, 2);
        /* Waits to be frozen and killed by the harness; ends by itself otherwise. */
        set_int (s, ZMQ_RCVTIMEO, 20000);
        zmq_msg_t m;
        zmq_msg_init (&m);
        zmq_msg_recv (&m, s, 0);
        zmq_msg_close (&m);
    } else if (heartbeat)
        run_heartbeat_client (s, mon);
    else if (plain && type == ZMQ_REP)
        serve_echo (s, requests, "admin");
    else if (type == ZMQ_XSUB)
        run_xsubscriber (s);
    else if (type == ZMQ_REP)
        serve_echo (s, requests, NULL);
    else if (type == ZMQ_ROUTER)
        serve_router (s, requests);
    else if (type == ZMQ_REQ)
        run_client (s, 0);
    else if (type == ZMQ_DEALER)
        run_client (s, 1);
    else if (type == ZMQ_XPUB)
        run_publisher (s);
    else if (type == ZMQ_SUB)
        run_subscriber (s);
    else if (type == ZMQ_PUSH) {
        for (size_t i = 0; i < NSIZES; i++)
            send_frame (s, sizes[i], (int) i, i % 2 ? ZMQ_SNDMORE : 0);
        send_str (s, "last", 0);
    } else if (type == ZMQ_PULL) {
        for (size_t i = 0; i < NSIZES; i++) {
            zmq_msg_t m;
            recv_msg (s, &m, "pushed");
            check (&m, sizes[i], (int) i, "pushed");
            if (zmq_msg_more (&m) != (int) (i % 2))
                FAIL ("MORE flag of part %zu", i);
            zmq_msg_close (&m);
        }
        expect_str (s, "last");
    } else if (type == ZMQ_PAIR) {
        if (bind) {
            expect_str (s, "ping");
            send_str (s, "pong", 0);
        } else {
            send_str (s, "ping", 0);
            zmq_msg_t m;
            recv_msg (s, &m, "pong");
            const char *st = zmq_msg_gets (&m, "Socket-Type");
            if (!st || strcmp (st, "PAIR") != 0)
                FAIL ("Socket-Type property");
            zmq_msg_close (&m);
        }
    }
    zmq_close (s);
    zmq_ctx_term (ctx);
    printf ("OK %s\n", role);
    return 0;
}
