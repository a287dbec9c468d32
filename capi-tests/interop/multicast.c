/* One side of a multicast interoperability check (pgm://, epgm://, norm://), written
 * against the libzmq C API only and built twice, against libzmq-rs and against the real
 * libzmq; tests/multicast.rs runs each pairing in both directions inside network
 * namespaces it makes.
 *
 *   multicast pub|xpub ENDPOINT    sends the sequence below, prints "SENT <count>",
 *                                  then stays (repairs, heartbeats) until SIGTERM
 *   multicast sub|xsub ENDPOINT    prints "READY", receives and checks the sequence,
 *                                  prints "OK <count>" and exits 0
 *   multicast first ENDPOINT       a SUB: prints "READY", then "GOT <message>" for the
 *                                  first message that arrives (pgm_forge.c's victim)
 *
 * Over norm:// the sizes are norm_sizes (below) unless a third argument says "wide"
 * (wide_sizes: up to 256 KiB, which a NORM receiver's default 2 MiB buffer holds with
 * the data before it) or "large" (the 1 MiB sizes too, with a NORM buffer of 16 MiB:
 * ZMQ_NORM_BUFFER_SIZE, draft, libzmq-rs only).
 *
 * The sequence: COUNT messages, message i a single frame of sizes[i % NSIZES] bytes
 * (1 B to 1 MiB, contents derived from i), every fifth one three frames instead (a
 * short text, a sized frame, an empty frame). Failures print "FAIL: ..." and exit 1;
 * every blocking call has a timeout. */
#include <zmq.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAIL(...)                                                              \
    do {                                                                       \
        printf ("FAIL: ");                                                     \
        printf (__VA_ARGS__);                                                  \
        printf (" (errno %d: %s)\n", zmq_errno (), zmq_strerror (zmq_errno ())); \
        fflush (stdout);                                                       \
        exit (1);                                                              \
    } while (0)

static const size_t pgm_sizes[] = {1, 100, 255, 256, 1400, 4000, 70000, 1 << 20};
/* libzmq's norm engine (4.3.4 and 4.3.5) stops sending for good at the first frame
 * that does not fit its 2 KiB write buffer (send_data does not reset tx_index for the
 * frame's second chunk and loops without progress): frames up to 2000 bytes are all a
 * libzmq publisher carries. */
static const size_t norm_sizes[] = {1, 100, 255, 256, 1000, 1400, 1800, 2000};
static const size_t wide_sizes[] = {1, 100, 255, 256, 1400, 4000, 70000, 1 << 18};
#define NSIZES 8
static const size_t *sizes = pgm_sizes;
#define COUNT 40

static void set_int (void *s, int opt, int v)
{
    if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
        FAIL ("setsockopt %d", opt);
}

static unsigned char byte_at (size_t i, int seed)
{
    return (unsigned char) (i * 7 + seed * 13);
}

static void send_frame (void *s, size_t size, int seed, int flags)
{
    zmq_msg_t m;
    if (zmq_msg_init_size (&m, size) != 0)
        FAIL ("msg_init_size");
    unsigned char *d = zmq_msg_data (&m);
    for (size_t i = 0; i < size; i++)
        d[i] = byte_at (i, seed);
    if (zmq_msg_send (&m, s, flags) < 0)
        FAIL ("send %zu bytes", size);
}

static void recv_frame (void *s, size_t size, int seed, int more, int msg)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, s, 0) < 0)
        FAIL ("message %d: recv", msg);
    if (zmq_msg_size (&m) != size)
        FAIL ("message %d: %zu bytes, expected %zu", msg, zmq_msg_size (&m), size);
    const unsigned char *d = zmq_msg_data (&m);
    for (size_t i = 0; i < size; i++)
        if (d[i] != byte_at (i, seed))
            FAIL ("message %d: byte %zu differs", msg, i);
    if (zmq_msg_more (&m) != more)
        FAIL ("message %d: more %d, expected %d", msg, zmq_msg_more (&m), more);
    zmq_msg_close (&m);
}

/* Network settings both ends share: the rate (kbit/s) bounds how fast 1 MiB goes out
 * (the default 100 kbit/s would take minutes; much beyond 50 Mbit/s a veth's queues
 * overflow and everything becomes repairs); the recovery interval bounds the window. */
static int large;

static void multicast_options (void *s)
{
    if (large)
        set_int (s, 119 /* ZMQ_NORM_BUFFER_SIZE */, 16384);
    set_int (s, ZMQ_RATE, 50000);
    set_int (s, ZMQ_RECOVERY_IVL, 3000);
    set_int (s, ZMQ_SNDHWM, 0);
    set_int (s, ZMQ_RCVHWM, 0);
    set_int (s, ZMQ_LINGER, 0);
}

static volatile sig_atomic_t stop;

static void on_term (int sig)
{
    (void) sig;
    stop = 1;
}

static int publisher (void *ctx, int type, const char *endpoint)
{
    signal (SIGTERM, on_term);
    void *s = zmq_socket (ctx, type);
    if (!s)
        FAIL ("socket");
    multicast_options (s);
    if (zmq_connect (s, endpoint) != 0)
        FAIL ("connect %s", endpoint);
    for (int i = 0; i < COUNT; i++) {
        size_t size = sizes[i % NSIZES];
        if (i % 5 == 4) {
            send_frame (s, 5, i, ZMQ_SNDMORE);
            send_frame (s, size, i + 1, ZMQ_SNDMORE);
            send_frame (s, 0, i, 0);
        } else
            send_frame (s, size, i, 0);
    }
    printf ("SENT %d\n", COUNT);
    fflush (stdout);
    /* Stay for repairs until told (SIGTERM), 60 s at most. */
    for (int waited = 0; waited < 60000 && !stop; waited += 50)
        usleep (50 * 1000);
    zmq_close (s);
    return 0;
}

static int subscriber (void *ctx, int type, const char *endpoint)
{
    void *s = zmq_socket (ctx, type);
    if (!s)
        FAIL ("socket");
    multicast_options (s);
    set_int (s, ZMQ_RCVTIMEO, 15000);
    if (type == ZMQ_SUB) {
        if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0) != 0)
            FAIL ("subscribe");
    }
    if (zmq_connect (s, endpoint) != 0)
        FAIL ("connect %s", endpoint);
    if (type == ZMQ_XSUB && zmq_send (s, "\1", 1, 0) != 1)
        FAIL ("xsub subscribe");
    printf ("READY\n");
    fflush (stdout);
    for (int i = 0; i < COUNT; i++) {
        size_t size = sizes[i % NSIZES];
        if (i % 5 == 4) {
            recv_frame (s, 5, i, 1, i);
            recv_frame (s, size, i + 1, 1, i);
            recv_frame (s, 0, i, 0, i);
        } else
            recv_frame (s, size, i, 0, i);
    }
    printf ("OK %d\n", COUNT);
    fflush (stdout);
    zmq_close (s);
    return 0;
}

static int first (void *ctx, const char *endpoint)
{
    void *s = zmq_socket (ctx, ZMQ_SUB);
    multicast_options (s);
    set_int (s, ZMQ_RCVTIMEO, 15000);
    if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0) != 0 || zmq_connect (s, endpoint) != 0)
        FAIL ("subscribe to %s", endpoint);
    printf ("READY\n");
    fflush (stdout);
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    if (n < 0)
        FAIL ("recv");
    buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
    printf ("GOT %s\n", buf);
    fflush (stdout);
    zmq_close (s);
    return 0;
}

int main (int argc, char **argv)
{
    const char *extent = argc == 4 ? argv[3] : "";
    if (argc != 3 && !(argc == 4 && (!strcmp (extent, "large") || !strcmp (extent, "wide")))) {
        fprintf (stderr, "usage: multicast pub|xpub|sub|xsub|first ENDPOINT [large|wide]\n");
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    int rc;
    large = !strcmp (extent, "large");
    if (!strncmp (argv[2], "norm://", 7) && !large)
        sizes = strcmp (extent, "wide") ? norm_sizes : wide_sizes;
    if (!strcmp (argv[1], "pub") || !strcmp (argv[1], "xpub"))
        rc = publisher (ctx, !strcmp (argv[1], "pub") ? ZMQ_PUB : ZMQ_XPUB, argv[2]);
    else if (!strcmp (argv[1], "first"))
        rc = first (ctx, argv[2]);
    else if (!strcmp (argv[1], "sub") || !strcmp (argv[1], "xsub"))
        rc = subscriber (ctx, !strcmp (argv[1], "sub") ? ZMQ_SUB : ZMQ_XSUB, argv[2]);
    else {
        fprintf (stderr, "unknown role %s\n", argv[1]);
        return 2;
    }
    zmq_ctx_term (ctx);
    return rc;
}
