/* zmq_ctx_term racing threads blocked in zmq_recv, run under a leak checker by
 * tests/leak.rs: every blocked call must return -1/ETERM, termination must not hang,
 * and messages still queued or in flight (inproc and tcp, ZMQ_LINGER 0 and > 0) must
 * be freed. Prints "term_race: ok" and exits 0 when every check passed. */
#include "testutil.h"

#include <pthread.h>
#include <unistd.h>

#define ROUNDS 3
/* Bounds every blocking call: a recv that termination fails to wake gives EAGAIN
 * (a failed check) instead of a hang. Generous: valgrind is slow. */
#define TIMEOUT_MS 60000

static void *sock (void *ctx, int type, int linger)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    set_int (s, ZMQ_RCVTIMEO, TIMEOUT_MS);
    set_int (s, ZMQ_SNDTIMEO, TIMEOUT_MS);
    set_int (s, ZMQ_LINGER, linger);
    return s;
}

static void bind_loopback (void *s, char *endpoint, size_t size)
{
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
}

/* Sends 1 KiB messages without blocking until the queues are full (or `max`). */
static int fill (void *s, int max)
{
    char body[1024];
    memset (body, 'm', sizeof body);
    int sent = 0;
    while (sent < max && zmq_send (s, body, sizeof body, ZMQ_DONTWAIT) == (int) sizeof body)
        sent++;
    return sent;
}

/* A thread that owns `socket`: optionally queues messages on it first, then blocks
 * in zmq_recv until the context terminates, then closes it. */
typedef struct
{
    void *socket;
    int fill_first;
    int rc;
    int err;
} blocked_t;

static void *blocked_recv (void *arg)
{
    blocked_t *b = arg;
    if (b->fill_first)
        fill (b->socket, 200);
    char buf[64];
    b->rc = zmq_recv (b->socket, buf, sizeof buf, 0);
    b->err = zmq_errno ();
    /* A second call after ETERM keeps failing the same way. */
    if (b->rc == -1 && b->err == ETERM)
        CHECK_ERRNO (zmq_recv (b->socket, buf, sizeof buf, ZMQ_DONTWAIT), ETERM);
    CHECK (zmq_close (b->socket) == 0);
    return NULL;
}

static int eterm_checks;

static void round_with_blocked_threads (int round)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    enum { N = 5 };
    blocked_t b[N];
    memset (b, 0, sizeof b);
    char ep[256], inproc[64];

    /* 0: inproc PAIR, nothing arrives. */
    snprintf (inproc, sizeof inproc, "inproc://term-race-%d", round);
    void *pair_peer = sock (ctx, ZMQ_PAIR, 0);
    CHECK (zmq_bind (pair_peer, inproc) == 0);
    b[0].socket = sock (ctx, ZMQ_PAIR, 0);
    CHECK (zmq_connect (b[0].socket, inproc) == 0);

    /* 1: tcp DEALER connected to a ROUTER that never answers. */
    void *router = sock (ctx, ZMQ_ROUTER, 0);
    set_int (router, ZMQ_RCVHWM, 1);
    bind_loopback (router, ep, sizeof ep);
    b[1].socket = sock (ctx, ZMQ_DEALER, 0);
    CHECK (zmq_connect (b[1].socket, ep) == 0);

    /* 2: the same, with messages queued for the ROUTER and LINGER > 0: they are still
     * in flight when the context terminates. */
    b[2].socket = sock (ctx, ZMQ_DEALER, 200);
    set_int (b[2].socket, ZMQ_SNDHWM, 50);
    CHECK (zmq_connect (b[2].socket, ep) == 0);
    b[2].fill_first = 1;

    /* 3: tcp PULL bound, nobody connects. */
    b[3].socket = sock (ctx, ZMQ_PULL, 0);
    char ep3[256];
    bind_loopback (b[3].socket, ep3, sizeof ep3);

    /* 4: inproc DEALER with messages queued, LINGER > 0, to a peer that never reads. */
    char inproc4[64];
    snprintf (inproc4, sizeof inproc4, "inproc://term-race-q-%d", round);
    void *inproc_sink = sock (ctx, ZMQ_DEALER, 0);
    set_int (inproc_sink, ZMQ_RCVHWM, 10);
    CHECK (zmq_bind (inproc_sink, inproc4) == 0);
    b[4].socket = sock (ctx, ZMQ_DEALER, 200);
    set_int (b[4].socket, ZMQ_SNDHWM, 10);
    CHECK (zmq_connect (b[4].socket, inproc4) == 0);
    b[4].fill_first = 1;

    pthread_t threads[N];
    for (int i = 0; i < N; i++)
        CHECK (pthread_create (&threads[i], NULL, blocked_recv, &b[i]) == 0);

    /* Messages in flight from sockets the main thread closes before terminating:
     * tcp with LINGER 0 and with LINGER > 0, and one connect that never succeeds. */
    void *pull_tcp = sock (ctx, ZMQ_PULL, 0);
    char ep_pull[256];
    bind_loopback (pull_tcp, ep_pull, sizeof ep_pull);
    void *push0 = sock (ctx, ZMQ_PUSH, 0);
    CHECK (zmq_connect (push0, ep_pull) == 0);
    void *push1 = sock (ctx, ZMQ_PUSH, 300);
    CHECK (zmq_connect (push1, ep_pull) == 0);
    usleep (100 * 1000);
    fill (push0, 300);
    fill (push1, 300);
    CHECK (zmq_close (push0) == 0);
    CHECK (zmq_close (push1) == 0);

    /* Queued messages nobody will read go with their sockets. */
    CHECK (zmq_close (pull_tcp) == 0);
    CHECK (zmq_close (pair_peer) == 0);
    CHECK (zmq_close (router) == 0);
    CHECK (zmq_close (inproc_sink) == 0);

    /* Let the threads block (under valgrind this takes a while); a thread that is
     * not blocked yet gets ETERM from its first call all the same. */
    usleep (300 * 1000);
    CHECK (zmq_ctx_term (ctx) == 0);
    for (int i = 0; i < N; i++) {
        CHECK (pthread_join (threads[i], NULL) == 0);
        if (b[i].rc != -1 || b[i].err != ETERM) {
            fprintf (stderr, "round %d thread %d: zmq_recv gave %d, errno %d (%s)\n", round,
                     i, b[i].rc, b[i].err, zmq_strerror (b[i].err));
            exit (1);
        }
        eterm_checks++;
    }
}

/* zmq_ctx_shutdown wakes a blocked thread too; zmq_ctx_term then completes once it
 * has closed its socket. */
static void round_with_shutdown (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    blocked_t b;
    memset (&b, 0, sizeof b);
    b.socket = sock (ctx, ZMQ_SUB, 0);
    char ep[256];
    bind_loopback (b.socket, ep, sizeof ep);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, blocked_recv, &b) == 0);
    usleep (200 * 1000);
    CHECK (zmq_ctx_shutdown (ctx) == 0);
    CHECK (pthread_join (t, NULL) == 0);
    CHECK (b.rc == -1 && b.err == ETERM);
    eterm_checks++;
    CHECK (zmq_ctx_term (ctx) == 0);
}

/* Contexts that come and go: empty, with a socket closed normally, with a tcp
 * connection that carried messages. */
static void churn (void)
{
    for (int i = 0; i < 3; i++) {
        void *ctx = zmq_ctx_new ();
        CHECK (ctx != NULL);
        CHECK (zmq_ctx_term (ctx) == 0);

        ctx = zmq_ctx_new ();
        void *a = sock (ctx, ZMQ_PAIR, 0);
        void *z = sock (ctx, ZMQ_PAIR, 0);
        char ep[256];
        bind_loopback (a, ep, sizeof ep);
        CHECK (zmq_connect (z, ep) == 0);
        char buf[16];
        CHECK_EQ_INT (5, zmq_send (z, "hello", 5, 0));
        CHECK_EQ_INT (5, zmq_recv (a, buf, sizeof buf, 0));
        zmq_msg_t big;
        CHECK (zmq_msg_init_size (&big, 100000) == 0);
        memset (zmq_msg_data (&big), 'b', 100000);
        CHECK_EQ_INT (100000, zmq_msg_send (&big, a, 0));
        CHECK (zmq_close (a) == 0);
        CHECK (zmq_close (z) == 0);
        CHECK (zmq_ctx_term (ctx) == 0);
    }
}

int main (void)
{
    churn ();
    for (int round = 0; round < ROUNDS; round++)
        round_with_blocked_threads (round);
    round_with_shutdown ();
    printf ("term_race: ok, %d ETERM checks\n", eterm_checks);
    return 0;
}
