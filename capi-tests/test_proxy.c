/* zmq_proxy / zmq_proxy_steerable over inproc: forwarding, capture, PAUSE/RESUME,
 * STATISTICS, TERMINATE, and ETERM when the context goes away. */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

static void *ctx;

struct proxy_args {
    void *frontend, *backend, *capture, *control;
    int rc, err;
};

static void *run_proxy (void *arg)
{
    struct proxy_args *a = arg;
    a->rc = a->control ? zmq_proxy_steerable (a->frontend, a->backend, a->capture, a->control)
                       : zmq_proxy (a->frontend, a->backend, a->capture);
    a->err = zmq_errno ();
    zmq_close (a->frontend);
    zmq_close (a->backend);
    if (a->capture)
        zmq_close (a->capture);
    if (a->control)
        zmq_close (a->control);
    return NULL;
}

static void expect (void *s, const char *want)
{
    char buf[64];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n] = 0;
    if (strcmp (buf, want) != 0) {
        fprintf (stderr, "expected %s, got %s\n", want, buf);
        exit (1);
    }
}

static void command (void *control, const char *cmd)
{
    CHECK (zmq_send (control, cmd, strlen (cmd), 0) == (int) strlen (cmd));
    char buf[8];
    CHECK_EQ_INT (0, zmq_recv (control, buf, sizeof buf, 0));
}

static void test_steerable (void)
{
    struct proxy_args a = {0};
    a.frontend = zmq_socket (ctx, ZMQ_PULL);
    a.backend = zmq_socket (ctx, ZMQ_PUSH);
    a.capture = zmq_socket (ctx, ZMQ_PUSH);
    a.control = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_bind (a.frontend, "inproc://p-in") == 0);
    CHECK (zmq_bind (a.backend, "inproc://p-out") == 0);
    CHECK (zmq_bind (a.capture, "inproc://p-cap") == 0);
    CHECK (zmq_bind (a.control, "inproc://p-ctl") == 0);
    void *in = zmq_socket (ctx, ZMQ_PUSH), *out = zmq_socket (ctx, ZMQ_PULL);
    void *cap = zmq_socket (ctx, ZMQ_PULL), *ctl = zmq_socket (ctx, ZMQ_PAIR);
    set_int (out, ZMQ_RCVTIMEO, 2000);
    set_int (cap, ZMQ_RCVTIMEO, 2000);
    set_int (ctl, ZMQ_RCVTIMEO, 2000);
    CHECK (zmq_connect (in, "inproc://p-in") == 0);
    CHECK (zmq_connect (out, "inproc://p-out") == 0);
    CHECK (zmq_connect (cap, "inproc://p-cap") == 0);
    CHECK (zmq_connect (ctl, "inproc://p-ctl") == 0);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, run_proxy, &a) == 0);

    CHECK (zmq_send (in, "one", 3, ZMQ_SNDMORE) == 3);
    CHECK (zmq_send (in, "two", 3, 0) == 3);
    expect (out, "one");
    expect (out, "two");
    expect (cap, "one");
    expect (cap, "two");

    command (ctl, "PAUSE");
    CHECK (zmq_send (in, "held", 4, 0) == 4);
    set_int (out, ZMQ_RCVTIMEO, 100);
    CHECK_ERRNO (zmq_recv (out, NULL, 0, 0), EAGAIN);
    set_int (out, ZMQ_RCVTIMEO, 2000);
    command (ctl, "RESUME");
    expect (out, "held");
    expect (cap, "held");

    CHECK (zmq_send (ctl, "STATISTICS", 10, 0) == 10);
    uint64_t stats[8];
    for (int i = 0; i < 8; i++) {
        zmq_msg_t m;
        CHECK (zmq_msg_init (&m) == 0);
        CHECK_EQ_INT (8, zmq_msg_recv (&m, ctl, 0));
        memcpy (&stats[i], zmq_msg_data (&m), 8);
        CHECK_EQ_INT (i < 7, zmq_msg_more (&m));
        zmq_msg_close (&m);
    }
    /* frontend received 3 frames (10 bytes); backend sent the same */
    CHECK_EQ_INT (3, stats[0]);
    CHECK_EQ_INT (10, stats[1]);
    CHECK_EQ_INT (0, stats[2]);
    CHECK_EQ_INT (0, stats[4]);
    CHECK_EQ_INT (3, stats[6]);
    CHECK_EQ_INT (10, stats[7]);

    command (ctl, "TERMINATE");
    CHECK (pthread_join (t, NULL) == 0);
    CHECK_EQ_INT (0, a.rc);
    zmq_close (in);
    zmq_close (out);
    zmq_close (cap);
    zmq_close (ctl);
}

static void test_term_ends_proxy (void)
{
    void *c = zmq_ctx_new ();
    struct proxy_args a = {0};
    a.frontend = zmq_socket (c, ZMQ_DEALER);
    a.backend = zmq_socket (c, ZMQ_DEALER);
    CHECK (zmq_bind (a.frontend, "inproc://t-in") == 0);
    CHECK (zmq_bind (a.backend, "inproc://t-out") == 0);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, run_proxy, &a) == 0);
    usleep (20 * 1000);
    CHECK (zmq_ctx_term (c) == 0);
    CHECK (pthread_join (t, NULL) == 0);
    CHECK_EQ_INT (-1, a.rc);
    CHECK_EQ_INT (ETERM, a.err);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    test_steerable ();
    CHECK (zmq_ctx_term (ctx) == 0);
    test_term_ends_proxy ();
    return 0;
}
