/* REQ and REP over inproc: round trips with several peers, envelopes, EFSM,
 * ZMQ_REQ_CORRELATE and ZMQ_REQ_RELAXED, malformed replies and requests. */
#include "testutil.h"

/* Every blocking call of these tests gives up after two seconds. */
static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 2000);
    set_int (s, ZMQ_SNDTIMEO, 2000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void send_str (void *s, const char *str, int flags)
{
    CHECK_EQ_INT ((int) strlen (str), zmq_send (s, str, strlen (str), flags));
}

/* Receives one frame: its text must be `expected` and its MORE flag `more`. */
static void recv_part (void *s, const char *expected, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n] = 0;
    if (strcmp (buf, expected) != 0) {
        fprintf (stderr, "expected '%s', got '%s'\n", expected, buf);
        exit (1);
    }
    CHECK_EQ_INT (more, get_int (s, ZMQ_RCVMORE));
}

static void recv_str (void *s, const char *expected)
{
    recv_part (s, expected, 0);
}

static void test_round_trip_and_efsm (void *ctx)
{
    void *rep = new_socket (ctx, ZMQ_REP);
    void *req = new_socket (ctx, ZMQ_REQ);
    CHECK_EQ_INT (ZMQ_REQ, get_int (req, ZMQ_TYPE));
    CHECK (zmq_bind (rep, "inproc://reqrep-basic") == 0);
    CHECK (zmq_connect (req, "inproc://reqrep-basic") == 0);

    char buf[16];
    CHECK_ERRNO (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    CHECK_ERRNO (zmq_send (rep, "x", 1, 0), EFSM);
    CHECK_EQ_INT (ZMQ_POLLOUT, get_int (req, ZMQ_EVENTS));
    CHECK_EQ_INT (0, get_int (rep, ZMQ_EVENTS));

    for (int i = 0; i < 3; i++) {
        send_str (req, "hello", ZMQ_SNDMORE);
        send_str (req, "world", 0);
        CHECK_ERRNO (zmq_send (req, "again", 5, 0), EFSM);
        CHECK_EQ_INT (0, get_int (req, ZMQ_EVENTS));
        recv_part (rep, "hello", 1);
        recv_part (rep, "world", 0);
        CHECK_ERRNO (zmq_recv (rep, buf, sizeof buf, 0), EFSM);
        CHECK_EQ_INT (ZMQ_POLLOUT, get_int (rep, ZMQ_EVENTS));
        send_str (rep, "reply", ZMQ_SNDMORE);
        CHECK_EQ_INT (ZMQ_POLLOUT, get_int (rep, ZMQ_EVENTS));
        send_str (rep, "done", 0);
        CHECK_ERRNO (zmq_send (rep, "x", 1, 0), EFSM);
        recv_part (req, "reply", 1);
        CHECK_ERRNO (zmq_send (req, "x", 1, 0), EFSM);
        recv_part (req, "done", 0);
        CHECK_ERRNO (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    }
    /* empty request and reply */
    CHECK_EQ_INT (0, zmq_send (req, "", 0, 0));
    CHECK_EQ_INT (0, zmq_recv (rep, buf, sizeof buf, 0));
    CHECK_EQ_INT (0, zmq_send (rep, "", 0, 0));
    CHECK_EQ_INT (0, zmq_recv (req, buf, sizeof buf, 0));
    CHECK (zmq_close (req) == 0 && zmq_close (rep) == 0);
}

static void test_req_round_robin (void *ctx)
{
    enum { N = 4 };
    void *req = new_socket (ctx, ZMQ_REQ);
    CHECK (zmq_bind (req, "inproc://reqrep-rr") == 0);
    void *reps[N];
    for (int i = 0; i < N; i++) {
        reps[i] = new_socket (ctx, ZMQ_REP);
        CHECK (zmq_connect (reps[i], "inproc://reqrep-rr") == 0);
    }
    /* Twice around: requests go to the REPs in turn, replies come back. */
    for (int round = 0; round < 2 * N; round++) {
        char text[16];
        snprintf (text, sizeof text, "req%d", round);
        send_str (req, text, 0);
        void *rep = reps[round % N];
        recv_str (rep, text);
        for (int j = 0; j < N; j++) {
            if (reps[j] != rep)
                CHECK_EQ_INT (0, get_int (reps[j], ZMQ_EVENTS) & ZMQ_POLLIN);
        }
        snprintf (text, sizeof text, "rep%d", round % N);
        send_str (rep, text, 0);
        recv_str (req, text);
    }
    CHECK (zmq_close (req) == 0);
    for (int i = 0; i < N; i++)
        CHECK (zmq_close (reps[i]) == 0);
}

static void test_rep_serves_many (void *ctx)
{
    enum { N = 5 };
    void *rep = new_socket (ctx, ZMQ_REP);
    CHECK (zmq_bind (rep, "inproc://reqrep-many") == 0);
    void *reqs[N];
    for (int i = 0; i < N; i++) {
        reqs[i] = new_socket (ctx, ZMQ_REQ);
        CHECK (zmq_connect (reqs[i], "inproc://reqrep-many") == 0);
    }
    for (int i = 0; i < N; i++) {
        char text[16];
        snprintf (text, sizeof text, "%d", i);
        send_str (reqs[i], text, 0);
    }
    /* Serve all: each reply echoes its request and goes back to its sender. */
    int seen = 0;
    for (int i = 0; i < N; i++) {
        char buf[16];
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        CHECK_EQ_INT (1, n);
        int who = buf[0] - '0';
        CHECK (who >= 0 && who < N && !(seen & (1 << who)));
        seen |= 1 << who;
        send_str (rep, "echo", ZMQ_SNDMORE);
        CHECK_EQ_INT (1, zmq_send (rep, buf, 1, 0));
    }
    for (int i = 0; i < N; i++) {
        char text[16];
        snprintf (text, sizeof text, "%d", i);
        recv_part (reqs[i], "echo", 1);
        recv_str (reqs[i], text);
    }
    CHECK (zmq_close (rep) == 0);
    for (int i = 0; i < N; i++)
        CHECK (zmq_close (reqs[i]) == 0);
}

/* What REQ puts on the wire, seen by a ROUTER; replies without the delimiter, or from
 * a peer the request did not go to, are dropped. */
static void test_req_envelope_and_filtering (void *ctx)
{
    void *req = new_socket (ctx, ZMQ_REQ);
    CHECK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "R", 1) == 0);
    CHECK (zmq_bind (req, "inproc://reqrep-env") == 0);
    void *r1 = new_socket (ctx, ZMQ_ROUTER), *r2 = new_socket (ctx, ZMQ_ROUTER);
    set_int (r1, ZMQ_ROUTER_MANDATORY, 1);
    set_int (r2, ZMQ_ROUTER_MANDATORY, 1);
    CHECK (zmq_connect (r1, "inproc://reqrep-env") == 0);
    CHECK (zmq_connect (r2, "inproc://reqrep-env") == 0);

    send_str (req, "ABC", ZMQ_SNDMORE);
    send_str (req, "DEF", 0);
    recv_part (r1, "R", 1);
    recv_part (r1, "", 1);
    recv_part (r1, "ABC", 1);
    recv_part (r1, "DEF", 0);
    /* from the wrong peer */
    send_str (r2, "R", ZMQ_SNDMORE);
    send_str (r2, "", ZMQ_SNDMORE);
    send_str (r2, "WRONG", 0);
    /* no delimiter */
    send_str (r1, "R", ZMQ_SNDMORE);
    send_str (r1, "BAD", 0);
    /* the good one */
    send_str (r1, "R", ZMQ_SNDMORE);
    send_str (r1, "", ZMQ_SNDMORE);
    send_str (r1, "GOOD", 0);
    recv_str (req, "GOOD");

    /* The next request goes to r2; r2's stale reply above was discarded. */
    send_str (req, "next", 0);
    recv_part (r2, "R", 1);
    recv_part (r2, "", 1);
    recv_str (r2, "next");
    char buf[16];
    CHECK_ERRNO (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    send_str (r2, "R", ZMQ_SNDMORE);
    send_str (r2, "", ZMQ_SNDMORE);
    send_str (r2, "fine", 0);
    recv_str (req, "fine");
    CHECK (zmq_close (req) == 0 && zmq_close (r1) == 0 && zmq_close (r2) == 0);
}

/* REP keeps the whole envelope, however deep, and sends the reply behind it; a request
 * without a delimiter is dropped. */
static void test_rep_envelope (void *ctx)
{
    void *rep = new_socket (ctx, ZMQ_REP);
    CHECK (zmq_bind (rep, "inproc://reqrep-repenv") == 0);
    void *dealer = new_socket (ctx, ZMQ_DEALER);
    CHECK (zmq_connect (dealer, "inproc://reqrep-repenv") == 0);

    send_str (dealer, "malformed", 0);
    send_str (dealer, "X", ZMQ_SNDMORE);
    send_str (dealer, "still malformed", 0);
    send_str (dealer, "X", ZMQ_SNDMORE);
    send_str (dealer, "Y", ZMQ_SNDMORE);
    send_str (dealer, "", ZMQ_SNDMORE);
    send_str (dealer, "A", ZMQ_SNDMORE);
    send_str (dealer, "B", 0);
    recv_part (rep, "A", 1);
    recv_part (rep, "B", 0);
    send_str (rep, "C", 0);
    recv_part (dealer, "X", 1);
    recv_part (dealer, "Y", 1);
    recv_part (dealer, "", 1);
    recv_part (dealer, "C", 0);

    send_str (dealer, "", ZMQ_SNDMORE);
    send_str (dealer, "min", 0);
    recv_str (rep, "min");
    send_str (rep, "ok", 0);
    recv_part (dealer, "", 1);
    recv_str (dealer, "ok");
    CHECK (zmq_close (rep) == 0 && zmq_close (dealer) == 0);
}

/* libzmq's test_invalid_rep: a ROUTER answers a REQ with a lone routing id first. */
static void test_invalid_reply (void *ctx)
{
    void *router = new_socket (ctx, ZMQ_ROUTER);
    void *req = new_socket (ctx, ZMQ_REQ);
    CHECK (zmq_bind (router, "inproc://reqrep-invalid") == 0);
    CHECK (zmq_connect (req, "inproc://reqrep-invalid") == 0);
    send_str (req, "r", 0);
    char addr[32], buf[8];
    int addr_size = zmq_recv (router, addr, sizeof addr, 0);
    CHECK (addr_size > 0);
    CHECK_EQ_INT (0, zmq_recv (router, buf, sizeof buf, 0));
    CHECK_EQ_INT (1, zmq_recv (router, buf, sizeof buf, 0));
    CHECK_EQ_INT (addr_size, zmq_send (router, addr, addr_size, 0));
    CHECK_EQ_INT (addr_size, zmq_send (router, addr, addr_size, ZMQ_SNDMORE));
    CHECK_EQ_INT (0, zmq_send (router, buf, 0, ZMQ_SNDMORE));
    send_str (router, "b", 0);
    recv_str (req, "b");
    CHECK (zmq_close (router) == 0 && zmq_close (req) == 0);
}

static void test_no_peers (void *ctx)
{
    void *req = new_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_SNDTIMEO, 100);
    CHECK_ERRNO (zmq_send (req, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERRNO (zmq_send (req, "x", 1, 0), EAGAIN);
    CHECK_EQ_INT (0, get_int (req, ZMQ_EVENTS));
    /* nothing was sent, so the REQ may still send, once it has a peer */
    void *rep = new_socket (ctx, ZMQ_REP);
    CHECK (zmq_bind (rep, "inproc://reqrep-nopeers") == 0);
    CHECK (zmq_connect (req, "inproc://reqrep-nopeers") == 0);
    send_str (req, "late", 0);
    recv_str (rep, "late");
    CHECK (zmq_close (req) == 0 && zmq_close (rep) == 0);
}

static void test_correlate (void *ctx)
{
    void *req = new_socket (ctx, ZMQ_REQ);
    void *router = new_socket (ctx, ZMQ_ROUTER);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    CHECK (zmq_bind (router, "inproc://reqrep-correlate") == 0);
    CHECK (zmq_connect (req, "inproc://reqrep-correlate") == 0);
    send_str (req, "ABC", 0);

    char peer[32];
    int peer_len = zmq_recv (router, peer, sizeof peer, 0);
    CHECK (peer_len > 0);
    uint32_t id;
    CHECK_EQ_INT (4, zmq_recv (router, &id, sizeof id, 0));
    CHECK_EQ_INT (1, get_int (router, ZMQ_RCVMORE));
    recv_part (router, "", 1);
    recv_str (router, "ABC");

    uint32_t bad = id + 1;
    CHECK_EQ_INT (peer_len, zmq_send (router, peer, peer_len, ZMQ_SNDMORE));
    CHECK_EQ_INT (4, zmq_send (router, &bad, 4, ZMQ_SNDMORE));
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "BAD ID", 0);
    /* the right id without a delimiter */
    CHECK_EQ_INT (peer_len, zmq_send (router, peer, peer_len, ZMQ_SNDMORE));
    CHECK_EQ_INT (4, zmq_send (router, &id, 4, ZMQ_SNDMORE));
    send_str (router, "NO DELIMITER", 0);
    CHECK_EQ_INT (peer_len, zmq_send (router, peer, peer_len, ZMQ_SNDMORE));
    CHECK_EQ_INT (4, zmq_send (router, &id, 4, ZMQ_SNDMORE));
    send_str (router, "", ZMQ_SNDMORE);
    send_str (router, "GHI", 0);
    recv_str (req, "GHI");

    /* the next request has the next id */
    send_str (req, "again", 0);
    CHECK_EQ_INT (peer_len, zmq_recv (router, peer, sizeof peer, 0));
    uint32_t id2;
    CHECK_EQ_INT (4, zmq_recv (router, &id2, sizeof id2, 0));
    CHECK (id2 != id);
    recv_part (router, "", 1);
    recv_str (router, "again");
    CHECK (zmq_close (req) == 0 && zmq_close (router) == 0);
}

/* libzmq's test_req_relaxed over inproc: with ZMQ_REQ_RELAXED a new request abandons
 * the pending one; with ZMQ_REQ_CORRELATE late replies to it are discarded. */
static void test_relaxed (void *ctx)
{
    enum { N = 3 };
    void *req = new_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    CHECK (zmq_bind (req, "inproc://reqrep-relaxed") == 0);
    void *reps[N];
    for (int i = 0; i < N; i++) {
        reps[i] = new_socket (ctx, ZMQ_REP);
        CHECK (zmq_connect (reps[i], "inproc://reqrep-relaxed") == 0);
    }
    CHECK_EQ_INT (ZMQ_POLLOUT, get_int (req, ZMQ_EVENTS));
    send_str (req, "A", ZMQ_SNDMORE);
    send_str (req, "B", 0);
    recv_part (reps[0], "A", 1);
    recv_str (reps[0], "B");
    CHECK_EQ_INT (ZMQ_POLLOUT, get_int (req, ZMQ_EVENTS));
    send_str (req, "C", 0);
    recv_str (reps[1], "C");
    send_str (reps[0], "WRONG", 0);
    send_str (reps[1], "OK", 0);
    recv_str (req, "OK");

    /* a reply already queued when the next request goes out is discarded too */
    send_str (req, "H", 0);
    recv_str (reps[2], "H");
    send_str (reps[2], "BAD", 0);
    for (int i = 0; i < 50 && !(get_int (req, ZMQ_EVENTS) & ZMQ_POLLIN); i++)
        zmq_poll (NULL, 0, 10);
    send_str (req, "I", 0);
    recv_str (reps[0], "I");
    send_str (reps[0], "GOOD", 0);
    recv_str (req, "GOOD");

    /* the pipe to reps[0] survived the abandoned request: it is next in turn again */
    send_str (req, "J", 0);
    recv_str (reps[1], "J");
    CHECK (zmq_close (req) == 0);
    for (int i = 0; i < N; i++)
        CHECK (zmq_close (reps[i]) == 0);

    /* requests queued before the server binds: only the last is answered */
    req = new_socket (ctx, ZMQ_REQ);
    set_int (req, ZMQ_REQ_RELAXED, 1);
    set_int (req, ZMQ_REQ_CORRELATE, 1);
    CHECK (zmq_connect (req, "inproc://reqrep-relaxed-2") == 0);
    void *router = new_socket (ctx, ZMQ_ROUTER);
    send_str (req, "TO_BE_DISCARDED", 0);
    send_str (req, "TO_BE_ANSWERED", 0);
    CHECK (zmq_bind (router, "inproc://reqrep-relaxed-2") == 0);
    for (int i = 0; i < 2; i++) {
        int more;
        do {
            zmq_msg_t part;
            CHECK (zmq_msg_init (&part) == 0);
            CHECK (zmq_msg_recv (&part, router, 0) >= 0);
            more = zmq_msg_more (&part);
            CHECK (zmq_msg_send (&part, router, more ? ZMQ_SNDMORE : 0) >= 0);
            CHECK (zmq_msg_close (&part) == 0);
        } while (more);
    }
    recv_str (req, "TO_BE_ANSWERED");
    CHECK (zmq_close (req) == 0 && zmq_close (router) == 0);
}

static void test_options (void *ctx)
{
    void *req = new_socket (ctx, ZMQ_REQ);
    int v = -1;
    CHECK_ERRNO (zmq_setsockopt (req, ZMQ_REQ_CORRELATE, &v, sizeof v), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (req, ZMQ_REQ_RELAXED, &v, 2), EINVAL);
    set_int (req, ZMQ_REQ_RELAXED, 0);
    set_int (req, ZMQ_PROBE_ROUTER, 1);
    CHECK_ERRNO (zmq_setsockopt (req, ZMQ_ROUTER_MANDATORY, &v, sizeof v), EINVAL);
    void *rep = new_socket (ctx, ZMQ_REP);
    CHECK_ERRNO (zmq_setsockopt (rep, ZMQ_REQ_CORRELATE, &v, sizeof v), EINVAL);
    set_int (rep, ZMQ_ROUTER_MANDATORY, 1);
    CHECK_EQ_INT (ZMQ_REP, get_int (rep, ZMQ_TYPE));
    CHECK (zmq_close (req) == 0 && zmq_close (rep) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_round_trip_and_efsm (ctx);
    test_req_round_robin (ctx);
    test_rep_serves_many (ctx);
    test_req_envelope_and_filtering (ctx);
    test_rep_envelope (ctx);
    test_invalid_reply (ctx);
    test_no_peers (ctx);
    test_correlate (ctx);
    test_relaxed (ctx);
    test_options (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
