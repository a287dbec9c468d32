/* PUB/SUB/XPUB/XSUB over inproc: filtering, late joiners, subscriptions seen by XPUB,
 * welcome messages, high-water marks, invert matching, options. */
#include "testutil.h"

static void *ctx;

/* A socket whose blocking calls give up after a second. */
static void *sock (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    set_int (s, ZMQ_RCVTIMEO, 1000);
    set_int (s, ZMQ_SNDTIMEO, 1000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void subscribe (void *s, const char *topic)
{
    CHECK (zmq_setsockopt (s, ZMQ_SUBSCRIBE, topic, strlen (topic)) == 0);
}

static void unsubscribe (void *s, const char *topic)
{
    CHECK (zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, topic, strlen (topic)) == 0);
}

static void send_bytes (void *s, const void *data, size_t size, int flags)
{
    CHECK_EQ_INT ((int) size, zmq_send (s, data, size, flags));
}

static void send_str (void *s, const char *str, int flags)
{
    send_bytes (s, str, strlen (str), flags);
}

/* Receives one frame that must be `size` bytes of `data`, with ZMQ_RCVMORE == more. */
static void recv_bytes (void *s, const void *data, size_t size, int more)
{
    char buf[256];
    int rc = zmq_recv (s, buf, sizeof buf, 0);
    CHECK_EQ_INT ((int) size, rc);
    CHECK (memcmp (buf, data, size) == 0);
    CHECK_EQ_INT (more, get_int (s, ZMQ_RCVMORE));
}

static void recv_str (void *s, const char *str, int more)
{
    recv_bytes (s, str, strlen (str), more);
}

static void expect_nothing (void *s)
{
    char buf[16];
    CHECK_ERRNO (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

/* Counts the messages waiting on `s`. */
static int drain (void *s)
{
    int n = 0;
    char buf[64];
    while (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        n++;
    CHECK_EQ_INT (EAGAIN, zmq_errno ());
    return n;
}

static void test_prefix_filtering_and_multipart (void)
{
    void *pub = sock (ZMQ_PUB);
    CHECK (zmq_bind (pub, "inproc://pubsub-prefix") == 0);
    void *sub = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub, "inproc://pubsub-prefix") == 0);
    subscribe (sub, "A");
    subscribe (sub, "BB");

    send_str (pub, "A1", ZMQ_SNDMORE);
    send_str (pub, "B-part-not-filtered", 0);
    send_str (pub, "B1", 0);
    send_str (pub, "C", ZMQ_SNDMORE);
    send_str (pub, "A-part-of-a-C-message", 0);
    send_str (pub, "BB2", 0);
    send_str (pub, "", 0);
    send_str (pub, "A", 0);

    recv_str (sub, "A1", 1);
    recv_str (sub, "B-part-not-filtered", 0);
    recv_str (sub, "BB2", 0);
    recv_str (sub, "A", 0);
    expect_nothing (sub);

    /* PUB never receives, SUB never sends */
    char buf[8];
    CHECK_ERRNO (zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERRNO (zmq_send (sub, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_EQ_INT (ZMQ_POLLOUT, get_int (pub, ZMQ_EVENTS));
    CHECK_EQ_INT (0, get_int (sub, ZMQ_EVENTS));
    send_str (pub, "BBB", 0);
    CHECK_EQ_INT (ZMQ_POLLIN, get_int (sub, ZMQ_EVENTS));
    recv_str (sub, "BBB", 0);

    /* Subscribing to everything */
    subscribe (sub, "");
    send_str (pub, "anything", 0);
    recv_str (sub, "anything", 0);
    unsubscribe (sub, "");
    send_str (pub, "anything", 0);
    send_str (pub, "A-again", 0);
    recv_str (sub, "A-again", 0);

    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_late_subscribers (void)
{
    void *pub = sock (ZMQ_PUB);
    CHECK (zmq_bind (pub, "inproc://pubsub-late") == 0);
    void *sub1 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub1, "inproc://pubsub-late") == 0);
    subscribe (sub1, "");
    send_str (pub, "m1", 0);

    void *sub2 = sock (ZMQ_SUB);
    subscribe (sub2, "m"); /* before connecting: replayed on connect */
    CHECK (zmq_connect (sub2, "inproc://pubsub-late") == 0);
    send_str (pub, "m2", 0);

    recv_str (sub1, "m1", 0);
    recv_str (sub1, "m2", 0);
    recv_str (sub2, "m2", 0);
    expect_nothing (sub2);

    /* A subscriber that connects before the publisher binds. */
    void *sub3 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub3, "inproc://pubsub-late-bind") == 0);
    subscribe (sub3, "x");
    void *pub2 = sock (ZMQ_PUB);
    CHECK (zmq_bind (pub2, "inproc://pubsub-late-bind") == 0);
    send_str (pub2, "y", 0);
    send_str (pub2, "x", 0);
    recv_str (sub3, "x", 0);
    expect_nothing (sub3);

    CHECK (zmq_close (sub1) == 0);
    CHECK (zmq_close (sub2) == 0);
    CHECK (zmq_close (sub3) == 0);
    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_close (pub2) == 0);
}

static void test_xpub_sees_subscriptions (void)
{
    void *xpub = sock (ZMQ_XPUB);
    CHECK (zmq_bind (xpub, "inproc://pubsub-xpub") == 0);
    void *sub1 = sock (ZMQ_SUB);
    void *sub2 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub1, "inproc://pubsub-xpub") == 0);
    CHECK (zmq_connect (sub2, "inproc://pubsub-xpub") == 0);

    subscribe (sub1, "A");
    recv_bytes (xpub, "\1A", 2, 0);
    CHECK_EQ_INT (0, get_int (xpub, ZMQ_EVENTS) & ZMQ_POLLIN);
    /* a duplicate from another subscriber is not passed up */
    subscribe (sub2, "A");
    expect_nothing (xpub);
    subscribe (sub2, "B");
    CHECK_EQ_INT (ZMQ_POLLIN | ZMQ_POLLOUT, get_int (xpub, ZMQ_EVENTS));
    recv_bytes (xpub, "\1B", 2, 0);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_EQ_INT (2, get_int (xpub, ZMQ_TOPICS_COUNT));
#endif

    /* with ZMQ_XPUB_VERBOSE it is */
    set_int (xpub, ZMQ_XPUB_VERBOSE, 1);
    subscribe (sub1, "B");
    recv_bytes (xpub, "\1B", 2, 0);

    send_str (xpub, "A", 0);
    send_str (xpub, "B", 0);
    recv_str (sub1, "A", 0);
    recv_str (sub1, "B", 0);
    recv_str (sub2, "A", 0);
    recv_str (sub2, "B", 0);

    /* an unsubscription is passed up when the last subscriber leaves the topic */
    unsubscribe (sub1, "A");
    expect_nothing (xpub);
    unsubscribe (sub2, "A");
    recv_bytes (xpub, "\0A", 2, 0);
    send_str (xpub, "A", 0);
    send_str (xpub, "B", 0);
    recv_str (sub1, "B", 0);
    recv_str (sub2, "B", 0);

    /* closing a subscriber unsubscribes what only it had */
    CHECK (zmq_close (sub1) == 0);
    expect_nothing (xpub);
    CHECK (zmq_close (sub2) == 0);
    recv_bytes (xpub, "\0B", 2, 0);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_EQ_INT (0, get_int (xpub, ZMQ_TOPICS_COUNT));
#endif
    CHECK (zmq_close (xpub) == 0);
}

static void test_xpub_verboser (void)
{
    void *xpub = sock (ZMQ_XPUB);
    set_int (xpub, ZMQ_XPUB_VERBOSER, 1);
    CHECK (zmq_bind (xpub, "inproc://pubsub-verboser") == 0);
    void *xsub1 = sock (ZMQ_XSUB);
    void *xsub2 = sock (ZMQ_XSUB);
    CHECK (zmq_connect (xsub1, "inproc://pubsub-verboser") == 0);
    CHECK (zmq_connect (xsub2, "inproc://pubsub-verboser") == 0);
    send_bytes (xsub1, "\1T", 2, 0);
    send_bytes (xsub2, "\1T", 2, 0);
    recv_bytes (xpub, "\1T", 2, 0);
    recv_bytes (xpub, "\1T", 2, 0);
    send_bytes (xsub1, "\0T", 2, 0);
    recv_bytes (xpub, "\0T", 2, 0);
    /* on close, every topic of the subscriber is reported */
    CHECK (zmq_close (xsub2) == 0);
    recv_bytes (xpub, "\0T", 2, 0);
    expect_nothing (xpub);
    CHECK (zmq_close (xsub1) == 0);
    CHECK (zmq_close (xpub) == 0);
}

static void test_xsub_sends_upstream (void)
{
    void *xpub = sock (ZMQ_XPUB);
    CHECK (zmq_bind (xpub, "inproc://pubsub-upstream") == 0);
    void *xsub = sock (ZMQ_XSUB);
    CHECK_EQ_INT (ZMQ_POLLOUT, get_int (xsub, ZMQ_EVENTS));
    CHECK (zmq_connect (xsub, "inproc://pubsub-upstream") == 0);

    /* user messages (first byte neither 0 nor 1) go up whole */
    send_bytes (xsub, "\2hello", 6, ZMQ_SNDMORE);
    send_str (xsub, "world", 0);
    recv_bytes (xpub, "\2hello", 6, 1);
    recv_str (xpub, "world", 0);

    /* XSUB forwards what it subscribes; an unsubscription only for the last one */
    send_bytes (xsub, "\1X", 2, 0);
    send_bytes (xsub, "\1X", 2, 0);
    recv_bytes (xpub, "\1X", 2, 0);
    send_bytes (xsub, "\0X", 2, 0);
    send_bytes (xsub, "\0Y", 2, 0);
    expect_nothing (xpub);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_EQ_INT (1, get_int (xsub, ZMQ_TOPICS_COUNT));
#endif
    send_bytes (xsub, "\0X", 2, 0);
    recv_bytes (xpub, "\0X", 2, 0);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_EQ_INT (0, get_int (xsub, ZMQ_TOPICS_COUNT));

    /* ZMQ_XSUB_VERBOSE_UNSUBSCRIBE forwards them all */
    set_int (xsub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1);
    send_bytes (xsub, "\0Y", 2, 0);
    recv_bytes (xpub, "\0Y", 2, 0);
#endif

    /* an XSUB delivers what it is sent, subscribed or not */
    send_bytes (xsub, "\1", 1, 0);
    recv_bytes (xpub, "\1", 1, 0);
    send_str (xpub, "data", ZMQ_SNDMORE);
    send_str (xpub, "more", 0);
    recv_str (xsub, "data", 1);
    recv_str (xsub, "more", 0);

    CHECK (zmq_close (xsub) == 0);
    CHECK (zmq_close (xpub) == 0);
}

static void test_manual (void)
{
    void *xpub = sock (ZMQ_XPUB);
    set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    CHECK (zmq_bind (xpub, "inproc://pubsub-manual") == 0);
    void *sub = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub, "inproc://pubsub-manual") == 0);
    void *xsub = sock (ZMQ_XSUB);
    CHECK (zmq_connect (xsub, "inproc://pubsub-manual") == 0);

    subscribe (sub, "");
    recv_bytes (xpub, "\1", 1, 0);
    /* the application decides: this subscriber gets "B" only */
    subscribe (xpub, "B");
    send_bytes (xsub, "\1A", 2, 0);
    recv_bytes (xpub, "\1A", 2, 0);
    /* in manual mode even duplicates are passed up */
    send_bytes (xsub, "\1A", 2, 0);
    recv_bytes (xpub, "\1A", 2, 0);
    subscribe (xpub, "A");

    send_str (xpub, "A", 0);
    send_str (xpub, "B", 0);
    recv_str (sub, "B", 0);
    expect_nothing (sub);
    recv_str (xsub, "A", 0);
    expect_nothing (xsub);

    /* closing the subscriber reports what it asked for, not what it was given */
    CHECK (zmq_close (sub) == 0);
    recv_bytes (xpub, "\0", 1, 0);
    /* no last pipe now: ignored */
    unsubscribe (xpub, "B");

    CHECK (zmq_close (xsub) == 0);
    CHECK (zmq_close (xpub) == 0);
}

static void test_welcome_message (void)
{
    void *xpub = sock (ZMQ_XPUB);
    CHECK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "W", 1) == 0);
    CHECK (zmq_bind (xpub, "inproc://pubsub-welcome") == 0);
    void *sub = sock (ZMQ_SUB);
    subscribe (sub, "W");
    CHECK (zmq_connect (sub, "inproc://pubsub-welcome") == 0);
    recv_bytes (xpub, "\1W", 2, 0);
    recv_str (sub, "W", 0);

    /* cleared: later subscribers get nothing */
    CHECK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0) == 0);
    void *sub2 = sock (ZMQ_SUB);
    subscribe (sub2, "");
    CHECK (zmq_connect (sub2, "inproc://pubsub-welcome") == 0);
    recv_bytes (xpub, "\1", 1, 0);
    expect_nothing (sub2);

    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (sub2) == 0);
    CHECK (zmq_close (xpub) == 0);
}

static void test_nodrop (void)
{
    void *xpub = sock (ZMQ_XPUB);
    set_int (xpub, ZMQ_SNDHWM, 2);
    set_int (xpub, ZMQ_XPUB_NODROP, 1);
    CHECK (zmq_bind (xpub, "inproc://pubsub-nodrop") == 0);
    void *sub = sock (ZMQ_SUB);
    set_int (sub, ZMQ_RCVHWM, 3);
    CHECK (zmq_connect (sub, "inproc://pubsub-nodrop") == 0);
    subscribe (sub, "");
    recv_bytes (xpub, "\1", 1, 0);

    /* an inproc pipe holds the sender's SNDHWM plus the receiver's RCVHWM */
    int sent = 0;
    while (zmq_send (xpub, "m", 1, ZMQ_DONTWAIT) == 1)
        sent++;
    CHECK_EQ_INT (EAGAIN, zmq_errno ());
    CHECK_EQ_INT (5, sent);
    /* blocking send times out */
    set_int (xpub, ZMQ_SNDTIMEO, 50);
    CHECK_ERRNO (zmq_send (xpub, "m", 1, 0), EAGAIN);
    /* a multipart message is refused whole, not cut */
    CHECK_EQ_INT (5, drain (sub));
    send_str (xpub, "p1", ZMQ_SNDMORE);
    send_str (xpub, "p2", 0);
    recv_str (sub, "p1", 1);
    recv_str (sub, "p2", 0);
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (xpub) == 0);
}

static void test_pub_drops_at_hwm (void)
{
    void *pub = sock (ZMQ_PUB);
    set_int (pub, ZMQ_SNDHWM, 2);
    CHECK (zmq_bind (pub, "inproc://pubsub-drop") == 0);
    void *sub1 = sock (ZMQ_SUB);
    set_int (sub1, ZMQ_RCVHWM, 3);
    CHECK (zmq_connect (sub1, "inproc://pubsub-drop") == 0);
    subscribe (sub1, "");
    void *sub2 = sock (ZMQ_SUB);
    set_int (sub2, ZMQ_RCVHWM, 1);
    CHECK (zmq_connect (sub2, "inproc://pubsub-drop") == 0);
    subscribe (sub2, "");

    for (int i = 0; i < 50; i++)
        send_str (pub, "m", ZMQ_DONTWAIT);
    CHECK_EQ_INT (5, drain (sub1));
    CHECK_EQ_INT (3, drain (sub2));

    /* room again: delivery resumes */
    send_str (pub, "again", 0);
    recv_str (sub1, "again", 0);
    recv_str (sub2, "again", 0);
    CHECK (zmq_close (sub1) == 0);
    CHECK (zmq_close (sub2) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_invert_matching (void)
{
    void *pub = sock (ZMQ_PUB);
    CHECK (zmq_bind (pub, "inproc://pubsub-invert") == 0);
    void *sub1 = sock (ZMQ_SUB);
    void *sub2 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub1, "inproc://pubsub-invert") == 0);
    CHECK (zmq_connect (sub2, "inproc://pubsub-invert") == 0);
    subscribe (sub1, "prefix1");
    subscribe (sub2, "p2");

    set_int (pub, ZMQ_INVERT_MATCHING, 1);
    CHECK_EQ_INT (1, get_int (pub, ZMQ_INVERT_MATCHING));
    set_int (sub1, ZMQ_INVERT_MATCHING, 1);
    set_int (sub2, ZMQ_INVERT_MATCHING, 1);
    send_str (pub, "prefix1", 0);
    send_str (pub, "p2", 0);
    recv_str (sub1, "p2", 0);
    expect_nothing (sub1);
    recv_str (sub2, "prefix1", 0);
    expect_nothing (sub2);

    /* inverted on the publisher only: the subscribers filter it all out */
    set_int (sub1, ZMQ_INVERT_MATCHING, 0);
    send_str (pub, "p2", 0);
    expect_nothing (sub1);
    CHECK (zmq_close (sub1) == 0);
    CHECK (zmq_close (sub2) == 0);
    CHECK (zmq_close (pub) == 0);
}

static void test_options (void)
{
    void *xpub = sock (ZMQ_XPUB);
    void *pub = sock (ZMQ_PUB);
    void *sub = sock (ZMQ_SUB);
    void *xsub = sock (ZMQ_XSUB);
    int minus_one = -1;
    short two_bytes = 1;
    int options[] = {ZMQ_XPUB_VERBOSE, ZMQ_XPUB_VERBOSER, ZMQ_XPUB_NODROP, ZMQ_XPUB_MANUAL,
#ifdef ZMQ_BUILD_DRAFT_API
                     ZMQ_XPUB_MANUAL_LAST_VALUE, ZMQ_ONLY_FIRST_SUBSCRIBE
#endif
    };
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        CHECK_ERRNO (zmq_setsockopt (xpub, options[i], &minus_one, sizeof minus_one), EINVAL);
        CHECK_ERRNO (zmq_setsockopt (xpub, options[i], &two_bytes, sizeof two_bytes), EINVAL);
        set_int (xpub, options[i], 0);
        set_int (pub, options[i], 0);
        /* none of them is a getsockopt option */
        int v = 0;
        size_t len = sizeof v;
        CHECK_ERRNO (zmq_getsockopt (xpub, options[i], &v, &len), EINVAL);
        /* nor a SUB option */
        CHECK_ERRNO (zmq_setsockopt (sub, options[i], &v, sizeof v), EINVAL);
    }
#ifdef ZMQ_BUILD_DRAFT_API
    set_int (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1);
    CHECK_ERRNO (zmq_setsockopt (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, &minus_one, sizeof minus_one),
                 EINVAL);
#endif
    CHECK_ERRNO (zmq_setsockopt (xsub, ZMQ_XPUB_VERBOSE, &minus_one, sizeof minus_one), EINVAL);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_ERRNO (zmq_setsockopt (sub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, &minus_one, sizeof minus_one),
                 EINVAL);
    set_int (xsub, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, -1);
#endif
    /* ZMQ_SUBSCRIBE belongs to SUB, and to XPUB in manual mode */
    CHECK_ERRNO (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (xsub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (pub, ZMQ_UNSUBSCRIBE, "a", 1), EINVAL);
    set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    CHECK (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, "a", 1) == 0);
#ifdef ZMQ_BUILD_DRAFT_API
    /* ZMQ_TOPICS_COUNT: at least an int's room */
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, NULL, 0) == 0);
    subscribe (sub, "topic");
    subscribe (sub, "topic");
    CHECK_EQ_INT (2, get_int (sub, ZMQ_TOPICS_COUNT));
    CHECK_EQ_INT (0, get_int (pub, ZMQ_TOPICS_COUNT));
    char small[2];
    size_t len = sizeof small;
    CHECK_ERRNO (zmq_getsockopt (sub, ZMQ_TOPICS_COUNT, small, &len), EINVAL);
#endif
    /* SUB and XSUB linger 0 by default */
    void *fresh = zmq_socket (ctx, ZMQ_SUB);
    CHECK_EQ_INT (0, get_int (fresh, ZMQ_LINGER));
    CHECK (zmq_close (fresh) == 0);

    CHECK (zmq_close (xpub) == 0);
    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (xsub) == 0);
}

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    test_prefix_filtering_and_multipart ();
    test_late_subscribers ();
    test_xpub_sees_subscriptions ();
    test_xpub_verboser ();
    test_xsub_sends_upstream ();
    test_manual ();
    test_welcome_message ();
    test_nodrop ();
    test_pub_drops_at_hwm ();
    test_invert_matching ();
    test_options ();
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
