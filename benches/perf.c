/* Throughput and latency over inproc, tcp, ipc, ws or wss, written against the libzmq C API
 * only, so the same source is built against libzmq-rs and against the reference libzmq.
 *   perf thr TRANSPORT SIZE COUNT -> messages/s of PUSH -> PULL between two threads
 *   perf lat TRANSPORT SIZE COUNT -> mean round trip (us) of PAIR ping-pong
 * TRANSPORT is inproc, tcp (127.0.0.1), ipc, ws or wss (127.0.0.1; wss with the test
 * certificates in $BENCH_CERTS, default tests/data/tls); the receiver binds, the other
 * thread connects to what ZMQ_LAST_ENDPOINT reports. */
#include <zmq.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *ctx;
static size_t size;
static long count;
static char endpoint[256];

static int wss;

static void set_file (void *s, int opt, const char *name)
{
    const char *dir = getenv ("BENCH_CERTS");
    char path[1024], buf[16384];
    snprintf (path, sizeof path, "%s/%s", dir ? dir : "tests/data/tls", name);
    FILE *f = fopen (path, "rb");
    if (!f) {
        fprintf (stderr, "open %s\n", path);
        exit (1);
    }
    size_t n = fread (buf, 1, sizeof buf, f);
    fclose (f);
    zmq_setsockopt (s, opt, buf, n);
}

/* wss: the connecting side trusts the test CA and expects "localhost". */
static void connect_options (void *s)
{
    if (wss) {
        set_file (s, ZMQ_WSS_TRUST_PEM, "ca.crt");
        zmq_setsockopt (s, ZMQ_WSS_HOSTNAME, "localhost", 9);
    }
}

static void bind_any (void *s, const char *transport, const char *name)
{
    char ep[256];
    if (strcmp (transport, "inproc") == 0)
        snprintf (ep, sizeof ep, "inproc://%s", name);
    else if (strcmp (transport, "tcp") == 0)
        snprintf (ep, sizeof ep, "tcp://127.0.0.1:*");
    else if (strcmp (transport, "ws") == 0)
        snprintf (ep, sizeof ep, "ws://127.0.0.1:*/bench");
    else if (strcmp (transport, "wss") == 0) {
        wss = 1;
        set_file (s, ZMQ_WSS_CERT_PEM, "leaf.crt");
        set_file (s, ZMQ_WSS_KEY_PEM, "leaf.key");
        snprintf (ep, sizeof ep, "wss://127.0.0.1:*/bench");
    } else
        snprintf (ep, sizeof ep, "ipc://*");
    if (zmq_bind (s, ep) != 0) {
        fprintf (stderr, "bind %s: %s\n", ep, zmq_strerror (zmq_errno ()));
        exit (1);
    }
    size_t len = sizeof endpoint;
    zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &len);
}

static double now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die (const char *what)
{
    fprintf (stderr, "%s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static void *thr_sender (void *arg)
{
    (void) arg;
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    connect_options (s);
    if (zmq_connect (s, endpoint) != 0)
        die ("connect");
    for (long i = 0; i < count; i++) {
        zmq_msg_t m;
        zmq_msg_init_size (&m, size);
        if (zmq_msg_send (&m, s, 0) < 0)
            die ("send");
    }
    zmq_close (s);
    return NULL;
}

static void *lat_echo (void *arg)
{
    (void) arg;
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    connect_options (s);
    if (zmq_connect (s, endpoint) != 0)
        die ("connect");
    zmq_msg_t m;
    zmq_msg_init (&m);
    for (long i = 0; i < count; i++) {
        if (zmq_msg_recv (&m, s, 0) < 0 || zmq_msg_send (&m, s, 0) < 0)
            die ("echo");
    }
    zmq_msg_close (&m);
    zmq_close (s);
    return NULL;
}

int main (int argc, char **argv)
{
    if (argc != 5) {
        fprintf (stderr, "usage: %s thr|lat inproc|tcp|ipc|ws|wss SIZE COUNT\n", argv[0]);
        return 2;
    }
    const char *transport = argv[2];
    size = strtoul (argv[3], NULL, 10);
    count = strtol (argv[4], NULL, 10);
    ctx = zmq_ctx_new ();
    pthread_t t;
    if (strcmp (argv[1], "thr") == 0) {
        void *s = zmq_socket (ctx, ZMQ_PULL);
        bind_any (s, transport, "thr");
        pthread_create (&t, NULL, thr_sender, NULL);
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, s, 0) < 0)
            die ("recv");
        double start = now ();
        for (long i = 1; i < count; i++)
            if (zmq_msg_recv (&m, s, 0) < 0)
                die ("recv");
        double secs = now () - start;
        printf ("%.0f\n", (count - 1) / secs);
        zmq_msg_close (&m);
        zmq_close (s);
    } else {
        void *s = zmq_socket (ctx, ZMQ_PAIR);
        bind_any (s, transport, "lat");
        pthread_create (&t, NULL, lat_echo, NULL);
        zmq_msg_t m;
        zmq_msg_init_size (&m, size);
        double start = now ();
        for (long i = 0; i < count; i++) {
            if (zmq_msg_send (&m, s, 0) < 0 || zmq_msg_recv (&m, s, 0) < 0)
                die ("ping");
        }
        double secs = now () - start;
        printf ("%.3f\n", secs / count * 1e6);
        zmq_msg_close (&m);
        zmq_close (s);
    }
    pthread_join (t, NULL);
    zmq_ctx_term (ctx);
    return 0;
}
