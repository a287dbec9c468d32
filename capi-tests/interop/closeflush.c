/* Delivery at close: one side of a close-flush check, written against the libzmq C API
 * only and built against libzmq-rs and against the real libzmq (tests/closeflush.rs).
 *
 *   closeflush send TYPE ENDPOINT bind|connect SIZE COUNT LINGER
 *   closeflush recv TYPE ENDPOINT bind|connect SIZE COUNT
 *
 * The sender does what real programs do: it sends COUNT messages of SIZE bytes (then
 * "END", where the pattern allows), closes its socket and terminates its context at
 * once, with ZMQ_LINGER as given, and exits. It prints "TERM <ms>" with the time
 * zmq_ctx_term took. The receiver checks every message's size and bytes and prints
 * "OK <count>". A binding side first prints "ENDPOINT <last endpoint>".
 *
 * TYPE names the sender's socket: rep (the receiver's REQ asks first), push, dealer,
 * pair, router (the receiver's DEALER, routing id "R", says hello first), pub (the
 * receiver's SUB prints "READY" once a probe arrived; the sender probes until it reads
 * "go" on stdin). Failures print "FAIL: ..." and exit 1; every wait has a timeout. */
#include <zmq.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...)                                                              \
    do {                                                                       \
        printf ("FAIL: ");                                                     \
        printf (__VA_ARGS__);                                                  \
        printf (" (errno %d: %s)\n", zmq_errno (), zmq_strerror (zmq_errno ())); \
        fflush (stdout);                                                       \
        exit (1);                                                              \
    } while (0)

static void set_int (void *s, int opt, int v)
{
    if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
        FAIL ("setsockopt %d", opt);
}

static unsigned char byte_at (size_t msg, size_t i)
{
    /* Cheap enough for 64 MiB; a frame shifted or swapped shows. */
    return (unsigned char) (msg * 31 + i * 7 + (i >> 8) * 13);
}

static void send_data (void *s, size_t size, size_t n, int flags)
{
    zmq_msg_t m;
    if (zmq_msg_init_size (&m, size) != 0)
        FAIL ("msg_init_size %zu", size);
    unsigned char *d = zmq_msg_data (&m);
    for (size_t i = 0; i < size; i++)
        d[i] = byte_at (n, i);
    if (zmq_msg_send (&m, s, flags) < 0)
        FAIL ("send message %zu", n);
}

static void send_str (void *s, const char *str, int flags)
{
    if (zmq_send (s, str, strlen (str), flags) < 0)
        FAIL ("send %s", str);
}

static int is_str (zmq_msg_t *m, const char *str)
{
    return zmq_msg_size (m) == strlen (str)
           && memcmp (zmq_msg_data (m), str, strlen (str)) == 0;
}

static void check_data (zmq_msg_t *m, size_t size, size_t n)
{
    if (zmq_msg_size (m) != size)
        FAIL ("message %zu has %zu bytes, expected %zu", n, zmq_msg_size (m), size);
    const unsigned char *d = zmq_msg_data (m);
    for (size_t i = 0; i < size; i++)
        if (d[i] != byte_at (n, i))
            FAIL ("message %zu: byte %zu differs", n, i);
}

static void recv_msg (void *s, zmq_msg_t *m, const char *what)
{
    if (zmq_msg_recv (m, s, 0) < 0)
        FAIL ("receive %s", what);
}

static void print_endpoint (void *s)
{
    char ep[256];
    size_t len = sizeof ep;
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len) != 0)
        FAIL ("LAST_ENDPOINT");
    printf ("ENDPOINT %s\n", ep);
    fflush (stdout);
}

static void attach (void *s, const char *endpoint, const char *how)
{
    if (strcmp (how, "bind") == 0) {
        if (zmq_bind (s, endpoint) != 0)
            FAIL ("bind %s", endpoint);
        print_endpoint (s);
    } else if (zmq_connect (s, endpoint) != 0)
        FAIL ("connect %s", endpoint);
}

static double now_ms (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* PUB: probe until the harness says every subscriber has seen a probe. */
static void probe_until_go (void *s)
{
    for (int i = 0; i < 3000; i++) {
        if (zmq_send (s, "probe", 5, ZMQ_DONTWAIT) < 0 && zmq_errno () != EAGAIN)
            FAIL ("send probe");
        struct pollfd p = {0, POLLIN, 0};
        if (poll (&p, 1, 10) == 1) {
            char line[16];
            if (!fgets (line, sizeof line, stdin) || strncmp (line, "go", 2) != 0)
                FAIL ("expected go on stdin");
            return;
        }
    }
    FAIL ("no go within 30 s");
}

static int sender (const char *type, const char *endpoint, const char *how, size_t size,
                   size_t count, int linger)
{
    void *ctx = zmq_ctx_new ();
    int st = strcmp (type, "rep") == 0      ? ZMQ_REP
             : strcmp (type, "push") == 0   ? ZMQ_PUSH
             : strcmp (type, "dealer") == 0 ? ZMQ_DEALER
             : strcmp (type, "pair") == 0   ? ZMQ_PAIR
             : strcmp (type, "router") == 0 ? ZMQ_ROUTER
             : strcmp (type, "pub") == 0    ? ZMQ_PUB
                                            : -1;
    if (st < 0)
        FAIL ("unknown type %s", type);
    void *s = zmq_socket (ctx, st);
    set_int (s, ZMQ_LINGER, linger);
    /* Nothing may be dropped for want of room (PUB drops at its mark): the mark holds
     * the whole batch and the probes, with room for the reader's late reports. */
    set_int (s, ZMQ_SNDHWM, (int) (2 * count) + 10000);
    set_int (s, ZMQ_SNDTIMEO, 30000);
    set_int (s, ZMQ_RCVTIMEO, 30000);
    attach (s, endpoint, how);

    zmq_msg_t m;
    zmq_msg_init (&m);
    switch (st) {
        case ZMQ_REP:
            recv_msg (s, &m, "request");
            send_data (s, size, 0, 0);
            break;
        case ZMQ_ROUTER: {
            recv_msg (s, &m, "routing id");
            zmq_msg_t hello;
            zmq_msg_init (&hello);
            recv_msg (s, &hello, "hello");
            zmq_msg_close (&hello);
            for (size_t n = 0; n < count; n++) {
                zmq_msg_t id;
                zmq_msg_init (&id);
                zmq_msg_copy (&id, &m);
                if (zmq_msg_send (&id, s, ZMQ_SNDMORE) < 0)
                    FAIL ("send routing id");
                send_data (s, size, n, 0);
            }
            if (zmq_msg_send (&m, s, ZMQ_SNDMORE) < 0)
                FAIL ("send routing id");
            send_str (s, "END", 0);
            break;
        }
        case ZMQ_PUB:
            probe_until_go (s);
            /* fall through */
        default:
            for (size_t n = 0; n < count; n++)
                send_data (s, size, n, 0);
            send_str (s, "END", 0);
    }
    zmq_msg_close (&m);
    /* As real programs do: close and terminate right after the last send. */
    double t0 = now_ms ();
    zmq_close (s);
    zmq_ctx_term (ctx);
    printf ("TERM %.0f\n", now_ms () - t0);
    return 0;
}

static int receiver (const char *type, const char *endpoint, const char *how, size_t size,
                     size_t count)
{
    void *ctx = zmq_ctx_new ();
    int st = strcmp (type, "rep") == 0      ? ZMQ_REQ
             : strcmp (type, "push") == 0   ? ZMQ_PULL
             : strcmp (type, "dealer") == 0 ? ZMQ_ROUTER
             : strcmp (type, "pair") == 0   ? ZMQ_PAIR
             : strcmp (type, "router") == 0 ? ZMQ_DEALER
             : strcmp (type, "pub") == 0    ? ZMQ_SUB
                                            : -1;
    if (st < 0)
        FAIL ("unknown type %s", type);
    void *s = zmq_socket (ctx, st);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 30000);
    /* No receive mark: libzmq's engine stops reading at a full pipe, and if the
     * connection ends meanwhile (the sender closed: EPOLLHUP on ipc) it drops what the
     * kernel still holds for it, whoever the sender is. That is the receiver's loss,
     * not the sender's, which is what this program checks. */
    set_int (s, ZMQ_RCVHWM, 0);
    if (st == ZMQ_DEALER && zmq_setsockopt (s, ZMQ_ROUTING_ID, "R", 1) != 0)
        FAIL ("routing id");
    if (st == ZMQ_SUB && zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0) != 0)
        FAIL ("subscribe");
    attach (s, endpoint, how);

    zmq_msg_t m;
    zmq_msg_init (&m);
    size_t got = 0;
    if (st == ZMQ_REQ) {
        send_str (s, "request", 0);
        recv_msg (s, &m, "reply");
        check_data (&m, size, 0);
        got = 1;
    } else {
        if (st == ZMQ_DEALER)
            send_str (s, "hello", 0);
        int ready = st != ZMQ_SUB;
        while (1) {
            if (st == ZMQ_ROUTER)
                recv_msg (s, &m, "routing id");
            if (zmq_msg_recv (&m, s, 0) < 0)
                FAIL ("receive data after %zu messages", got);
            if (!ready) {
                if (!is_str (&m, "probe"))
                    FAIL ("expected a probe first");
                ready = 1;
                printf ("READY\n");
                fflush (stdout);
                continue;
            }
            if (st == ZMQ_SUB && is_str (&m, "probe"))
                continue;
            if (is_str (&m, "END"))
                break;
            check_data (&m, size, got);
            got++;
        }
    }
    zmq_msg_close (&m);
    if (got != count)
        FAIL ("%zu messages, expected %zu", got, count);
    printf ("OK %zu\n", got);
    fflush (stdout);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}

int main (int argc, char **argv)
{
    if (argc < 7)
        FAIL ("usage: closeflush send|recv TYPE ENDPOINT bind|connect SIZE COUNT [LINGER]");
    size_t size = strtoul (argv[5], NULL, 10);
    size_t count = strtoul (argv[6], NULL, 10);
    if (strcmp (argv[1], "send") == 0 && argc == 8)
        return sender (argv[2], argv[3], argv[4], size, count, atoi (argv[7]));
    if (strcmp (argv[1], "recv") == 0)
        return receiver (argv[2], argv[3], argv[4], size, count);
    FAIL ("bad arguments");
}
