/* czmq (Debian's libczmq, built against the real libzmq) on libzmq-rs through
 * LD_PRELOAD: zsock REQ/REP and PUB/SUB, zmsg multipart, zpoller, zactor (its pipe is
 * an inproc PAIR) and zcert/CURVE. Prints the libzmq version it ran on. */
#include <czmq.h>

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

static void echo_actor (zsock_t *pipe, void *args)
{
    (void) args;
    zsock_signal (pipe, 0);
    for (;;) {
        char *s = zstr_recv (pipe);
        if (!s || streq (s, "$TERM")) {
            zstr_free (&s);
            break;
        }
        zstr_sendf (pipe, "echo %s", s);
        zstr_free (&s);
    }
}

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("zmq_version %d.%d.%d\n", major, minor, patch);

    zsock_t *rep = zsock_new_rep ("tcp://127.0.0.1:*");
    CHECK (rep);
    zsock_t *req = zsock_new_req (zsock_endpoint (rep));
    CHECK (req);
    zsock_set_rcvtimeo (rep, 5000);
    zsock_set_rcvtimeo (req, 5000);
    zmsg_t *m = zmsg_new ();
    zmsg_addstr (m, "hello");
    zmsg_addstr (m, "world");
    CHECK (zmsg_send (&m, req) == 0);
    m = zmsg_recv (rep);
    CHECK (m && zmsg_size (m) == 2);
    char *a = zmsg_popstr (m), *b = zmsg_popstr (m);
    CHECK (streq (a, "hello") && streq (b, "world"));
    zstr_free (&a);
    zstr_free (&b);
    zmsg_destroy (&m);
    zstr_send (rep, "reply");
    char *r = zstr_recv (req);
    CHECK (r && streq (r, "reply"));
    zstr_free (&r);

    zsock_t *pub = zsock_new_pub ("inproc://czmq-smoke");
    zsock_t *sub = zsock_new_sub ("inproc://czmq-smoke", "a");
    zsock_set_rcvtimeo (sub, 5000);
    zstr_send (pub, "b-filtered");
    zstr_send (pub, "a-kept");
    zpoller_t *poller = zpoller_new (sub, NULL);
    CHECK (zpoller_wait (poller, 5000) == sub);
    r = zstr_recv (sub);
    CHECK (r && streq (r, "a-kept"));
    zstr_free (&r);
    zpoller_destroy (&poller);

    zactor_t *actor = zactor_new (echo_actor, NULL);
    zstr_send (actor, "ping");
    r = zstr_recv (actor);
    CHECK (r && streq (r, "echo ping"));
    zstr_free (&r);
    zactor_destroy (&actor);

    if (zsys_has_curve ()) {
        zcert_t *server_cert = zcert_new ();
        zcert_t *client_cert = zcert_new ();
        zsock_t *server = zsock_new (ZMQ_PULL);
        zcert_apply (server_cert, server);
        zsock_set_curve_server (server, 1);
        zsock_set_rcvtimeo (server, 5000);
        int port = zsock_bind (server, "tcp://127.0.0.1:*");
        CHECK (port > 0);
        zsock_t *client = zsock_new (ZMQ_PUSH);
        zcert_apply (client_cert, client);
        zsock_set_curve_serverkey (client, zcert_public_txt (server_cert));
        CHECK (zsock_connect (client, "tcp://127.0.0.1:%d", port) == 0);
        zstr_send (client, "sealed");
        r = zstr_recv (server);
        CHECK (r && streq (r, "sealed"));
        zstr_free (&r);
        zsock_destroy (&client);
        zsock_destroy (&server);
        zcert_destroy (&client_cert);
        zcert_destroy (&server_cert);
    }

    zsock_destroy (&sub);
    zsock_destroy (&pub);
    zsock_destroy (&req);
    zsock_destroy (&rep);
    printf ("OK\n");
    return 0;
}
