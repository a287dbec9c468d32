/* One side of a GSSAPI exchange, written against the libzmq C API only. It is built
 * against libzmq-rs and against the real libzmq (Debian's, built with GSSAPI), and
 * tests/gssapi.rs runs it under a throwaway Kerberos realm (tests/common/kdc.rs: the
 * environment names the realm's config, keytab and credential cache).
 *
 *   gssapi_node server ENDPOINT PLAINTEXT ZAP     REP bound to ENDPOINT as the service
 *                                                  "zmqtest2" (host-based); ZAP=1: a ZAP
 *                                                  handler admits whoever GSSAPI
 *                                                  authenticated, with the principal as
 *                                                  User-Id
 *   gssapi_node client ENDPOINT PLAINTEXT PRINCIPAL
 *                                                  REQ as PRINCIPAL (a Kerberos principal
 *                                                  name), to the service "zmqtest2"
 *   gssapi_node badservice ENDPOINT SERVICE        REQ to the wrong service: the handshake
 *                                                  must fail (a monitor event) and
 *                                                  nothing be delivered
 *
 * The server prints "server: bound to <endpoint>" first, then "zap: <mechanism>
 * <credential>" for each ZAP request and "User-Id: <value>" (or "User-Id: none") for the
 * request it received. One request and its reply, each a multipart message of frames of
 * 0, 1, 255, 70000 bytes, then the server exits. Both ends send heartbeats every 50 ms
 * and the server waits 400 ms before it replies: the PINGs and PONGs travel as the
 * mechanism carries commands (wrapped, unless plaintext), and one the peer cannot read
 * would cost the reply. The server closes only once the client has gone (a monitor
 * event): closing a TCP socket with unread input (the client's PINGs) resets the
 * connection, and the reset can discard a reply still in the kernel's send queue. Exit 0 means every check held;
 * failures print "FAIL: ..." and exit 1. Every blocking call has a timeout. */
#include <zmq.h>

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                              \
    do {                                                                       \
        printf ("FAIL: ");                                                     \
        printf (__VA_ARGS__);                                                  \
        printf (" (errno %d: %s)\n", zmq_errno (), zmq_strerror (zmq_errno ())); \
        fflush (stdout);                                                       \
        exit (1);                                                              \
    } while (0)

static const size_t sizes[] = {0, 1, 255, 70000};
#define NSIZES (sizeof sizes / sizeof sizes[0])
static const char service[] = "zmqtest2";

static void set_int (void *s, int opt, int v)
{
    if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
        FAIL ("setsockopt %d", opt);
}

/* Heartbeats that must pass both ways while the server holds the reply. */
static void heartbeats (void *s)
{
    set_int (s, ZMQ_HEARTBEAT_IVL, 50);
    set_int (s, ZMQ_HEARTBEAT_TIMEOUT, 1000);
}

static void set_str (void *s, int opt, const char *v)
{
    if (zmq_setsockopt (s, opt, v, strlen (v)) != 0)
        FAIL ("setsockopt %d '%s'", opt, v);
}

/* A multipart message: one frame per size, each with its own pattern. */
static void send_parts (void *s, int seed)
{
    for (size_t i = 0; i < NSIZES; i++) {
        zmq_msg_t m;
        if (zmq_msg_init_size (&m, sizes[i]) != 0)
            FAIL ("msg_init_size");
        unsigned char *d = zmq_msg_data (&m);
        for (size_t j = 0; j < sizes[i]; j++)
            d[j] = (unsigned char) (j * 7 + seed + i);
        if (zmq_msg_send (&m, s, i + 1 < NSIZES ? ZMQ_SNDMORE : 0) < 0)
            FAIL ("send frame %zu", i);
    }
}

/* Receives what send_parts sent; prints the first frame's User-Id property. */
static void recv_parts (void *s, int seed, int show_user_id)
{
    for (size_t i = 0; i < NSIZES; i++) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, s, 0) < 0)
            FAIL ("recv frame %zu", i);
        if (zmq_msg_size (&m) != sizes[i])
            FAIL ("frame %zu: %zu bytes, expected %zu", i, zmq_msg_size (&m), sizes[i]);
        const unsigned char *d = zmq_msg_data (&m);
        for (size_t j = 0; j < sizes[i]; j++)
            if (d[j] != (unsigned char) (j * 7 + seed + i))
                FAIL ("frame %zu: byte %zu differs", i, j);
        if (zmq_msg_more (&m) != (i + 1 < NSIZES))
            FAIL ("frame %zu: MORE is %d", i, zmq_msg_more (&m));
        if (i == 0 && show_user_id) {
            const char *user = zmq_msg_gets (&m, "User-Id");
            printf ("User-Id: %s\n", user ? user : "none");
            fflush (stdout);
        }
        zmq_msg_close (&m);
    }
}

static char *recv_str (void *s)
{
    char buf[512];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    if (n < 0)
        return NULL;
    if (n > (int) sizeof buf - 1)
        n = sizeof buf - 1;
    buf[n] = 0;
    return strdup (buf);
}

/* RFC 27: admits every request, the credential (the principal) as User-Id. */
static void *zap_handler (void *handler)
{
    while (1) {
        char *version = recv_str (handler);
        if (!version)
            break;
        char *fields[6];
        for (int i = 0; i < 6; i++)
            fields[i] = recv_str (handler); /* sequence domain address id mech cred */
        int more;
        size_t len = sizeof more;
        zmq_getsockopt (handler, ZMQ_RCVMORE, &more, &len);
        if (more)
            FAIL ("ZAP request has more than one credential");
        printf ("zap: %s %s\n", fields[4], fields[5]);
        fflush (stdout);
        zmq_send (handler, version, strlen (version), ZMQ_SNDMORE);
        zmq_send (handler, fields[0], strlen (fields[0]), ZMQ_SNDMORE);
        zmq_send (handler, "200", 3, ZMQ_SNDMORE);
        zmq_send (handler, "OK", 2, ZMQ_SNDMORE);
        zmq_send (handler, fields[5], strlen (fields[5]), ZMQ_SNDMORE);
        zmq_send (handler, "", 0, 0);
        free (version);
        for (int i = 0; i < 6; i++)
            free (fields[i]);
    }
    zmq_close (handler);
    return NULL;
}

static void server (const char *endpoint, int plaintext, int zap)
{
    void *ctx = zmq_ctx_new ();
    pthread_t zap_thread;
    if (zap) {
        void *handler = zmq_socket (ctx, ZMQ_REP);
        if (zmq_bind (handler, "inproc://zeromq.zap.01") != 0)
            FAIL ("bind ZAP handler");
        pthread_create (&zap_thread, NULL, zap_handler, handler);
    }
    void *s = zmq_socket (ctx, ZMQ_REP);
    if (zmq_socket_monitor (s, "inproc://server-monitor", ZMQ_EVENT_DISCONNECTED) != 0)
        FAIL ("monitor");
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    set_int (mon, ZMQ_RCVTIMEO, 15000);
    if (zmq_connect (mon, "inproc://server-monitor") != 0)
        FAIL ("connect monitor");
    set_int (s, ZMQ_GSSAPI_SERVER, 1);
    set_str (s, ZMQ_GSSAPI_PRINCIPAL, service);
    set_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, ZMQ_GSSAPI_NT_HOSTBASED);
    set_int (s, ZMQ_GSSAPI_PLAINTEXT, plaintext);
    set_int (s, ZMQ_RCVTIMEO, 20000);
    set_int (s, ZMQ_SNDTIMEO, 20000);
    set_int (s, ZMQ_LINGER, 5000);
    heartbeats (s);
    if (zmq_bind (s, endpoint) != 0)
        FAIL ("bind %s", endpoint);
    char last[256];
    size_t len = sizeof last;
    zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, last, &len);
    printf ("server: bound to %s\n", last);
    fflush (stdout);
    int mechanism;
    len = sizeof mechanism;
    zmq_getsockopt (s, ZMQ_MECHANISM, &mechanism, &len);
    if (mechanism != ZMQ_GSSAPI)
        FAIL ("ZMQ_MECHANISM is %d", mechanism);
    recv_parts (s, 1, 1);
    /* Connections that came and went before this client's request (forged ones). */
    zmq_msg_t ev;
    zmq_msg_init (&ev);
    while (zmq_msg_recv (&ev, mon, ZMQ_DONTWAIT) >= 0)
        ;
    const struct timespec hold = {0, 400 * 1000 * 1000};
    nanosleep (&hold, NULL);
    send_parts (s, 2);
    /* The client leaves once it has the reply: its DISCONNECTED (event frame, then
     * endpoint frame). */
    if (zmq_msg_recv (&ev, mon, 0) < 0)
        FAIL ("the client did not disconnect after the reply");
    zmq_msg_close (&ev);
    zmq_close (mon);
    zmq_close (s);
    zmq_ctx_term (ctx);
    if (zap)
        pthread_join (zap_thread, NULL);
}

static void client (const char *endpoint, int plaintext, const char *principal)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_REQ);
    set_str (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, service);
    set_int (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, ZMQ_GSSAPI_NT_HOSTBASED);
    set_str (s, ZMQ_GSSAPI_PRINCIPAL, principal);
    set_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, ZMQ_GSSAPI_NT_KRB5_PRINCIPAL);
    set_int (s, ZMQ_GSSAPI_PLAINTEXT, plaintext);
    set_int (s, ZMQ_RCVTIMEO, 20000);
    set_int (s, ZMQ_SNDTIMEO, 20000);
    set_int (s, ZMQ_LINGER, 5000);
    heartbeats (s);
    if (zmq_connect (s, endpoint) != 0)
        FAIL ("connect %s", endpoint);
    send_parts (s, 1);
    recv_parts (s, 2, 0);
    zmq_close (s);
    zmq_ctx_term (ctx);
}

static void badservice (const char *endpoint, const char *wrong)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_REQ);
    set_str (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL, wrong);
    set_int (s, ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, ZMQ_GSSAPI_NT_KRB5_PRINCIPAL);
    set_str (s, ZMQ_GSSAPI_PRINCIPAL, "alice");
    set_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, ZMQ_GSSAPI_NT_USER_NAME);
    /* libzmq stalls on a failed GSSAPI call until the handshake times out. */
    set_int (s, ZMQ_HANDSHAKE_IVL, 1500);
    set_int (s, ZMQ_LINGER, 0);
    if (zmq_socket_monitor (s, "inproc://monitor", ZMQ_EVENT_ALL) != 0)
        FAIL ("monitor");
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    set_int (mon, ZMQ_RCVTIMEO, 15000);
    if (zmq_connect (mon, "inproc://monitor") != 0)
        FAIL ("connect monitor");
    if (zmq_connect (s, endpoint) != 0)
        FAIL ("connect %s", endpoint);
    int failed = 0;
    while (!failed) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, mon, 0) < 0)
            FAIL ("no handshake failure event");
        uint16_t event;
        memcpy (&event, zmq_msg_data (&m), 2);
        zmq_msg_close (&m);
        zmq_msg_init (&m);
        zmq_msg_recv (&m, mon, 0);
        zmq_msg_close (&m);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            FAIL ("the handshake succeeded");
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            || event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            printf ("event: handshake failed (%d)\n", event);
            failed = 1;
        }
    }
    /* Nothing gets through. */
    set_int (s, ZMQ_SNDTIMEO, 0);
    if (zmq_send (s, "x", 1, 0) >= 0) {
        set_int (s, ZMQ_RCVTIMEO, 300);
        char buf[4];
        if (zmq_recv (s, buf, sizeof buf, 0) >= 0)
            FAIL ("a reply came through");
    }
    zmq_close (mon);
    zmq_close (s);
    zmq_ctx_term (ctx);
}

int main (int argc, char **argv)
{
    if (argc == 5 && !strcmp (argv[1], "server"))
        server (argv[2], atoi (argv[3]), atoi (argv[4]));
    else if (argc == 5 && !strcmp (argv[1], "client"))
        client (argv[2], atoi (argv[3]), argv[4]);
    else if (argc == 4 && !strcmp (argv[1], "badservice"))
        badservice (argv[2], argv[3]);
    else {
        fprintf (stderr, "usage: see the comment at the top of gssapi_node.c\n");
        return 2;
    }
    printf ("%s: ok\n", argv[1]);
    return 0;
}
