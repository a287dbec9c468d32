/* XPUB/XSUB forwarding devices over inproc: the scenarios of libzmq's tests that use tcp
 * there (test_sub_forward, test_xpub_manual*, test_xpub_topic), plus
 * ZMQ_ONLY_FIRST_SUBSCRIBE and ZMQ_XPUB_MANUAL_LAST_VALUE. */
#include "testutil.h"

static void *ctx;

static void *sock (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    set_int (s, ZMQ_RCVTIMEO, 1000);
    set_int (s, ZMQ_SNDTIMEO, 1000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void send_bytes (void *s, const void *data, size_t size, int flags)
{
    CHECK_EQ_INT ((int) size, zmq_send (s, data, size, flags));
}

static void send_str (void *s, const char *str, int flags)
{
    send_bytes (s, str, strlen (str), flags);
}

static void recv_bytes (void *s, const void *data, size_t size, int flags)
{
    char buf[512];
    int rc = zmq_recv (s, buf, sizeof buf, flags);
    CHECK_EQ_INT ((int) size, rc);
    CHECK (memcmp (buf, data, size) == 0);
}

static void recv_str (void *s, const char *str, int flags)
{
    recv_bytes (s, str, strlen (str), flags);
}

static void expect_nothing (void *s)
{
    char buf[16];
    CHECK_ERRNO (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
}

/* Moves one message (all its parts) from `from` to `to`. */
static void forward (void *from, void *to)
{
    int more;
    do {
        zmq_msg_t msg;
        CHECK (zmq_msg_init (&msg) == 0);
        CHECK (zmq_msg_recv (&msg, from, 0) >= 0);
        more = zmq_msg_more (&msg);
        CHECK (zmq_msg_send (&msg, to, more ? ZMQ_SNDMORE : 0) >= 0);
    } while (more);
}

static void test_sub_forward (void)
{
    void *xpub = sock (ZMQ_XPUB);
    CHECK (zmq_bind (xpub, "inproc://fwd-front") == 0);
    void *xsub = sock (ZMQ_XSUB);
    CHECK (zmq_bind (xsub, "inproc://fwd-back") == 0);
    void *pub = sock (ZMQ_PUB);
    CHECK (zmq_connect (pub, "inproc://fwd-back") == 0);
    void *sub = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub, "inproc://fwd-front") == 0);
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0) == 0);

    forward (xpub, xsub);
    send_str (pub, "", ZMQ_SNDMORE);
    send_str (pub, "body", 0);
    forward (xsub, xpub);
    recv_str (sub, "", 0);
    recv_str (sub, "body", 0);

    /* the subscriber goes: the unsubscription travels up the same way */
    CHECK (zmq_close (sub) == 0);
    forward (xpub, xsub);
    send_str (pub, "dropped at the publisher", 0);
    expect_nothing (xsub);

    CHECK (zmq_close (xpub) == 0);
    CHECK (zmq_close (xsub) == 0);
    CHECK (zmq_close (pub) == 0);
}

/* libzmq's test_xpub_proxy_unsubscribe_on_disconnect, for ZMQ_XPUB_MANUAL or
 * ZMQ_XPUB_MANUAL_LAST_VALUE. */
static void test_proxy_unsubscribe_on_disconnect (int option, const char *front,
                                                  const char *back)
{
    const char sub_msg[] = {1, '1'}, unsub_msg[] = {0, '1'};
    void *xsub_proxy = sock (ZMQ_XSUB);
    CHECK (zmq_bind (xsub_proxy, back) == 0);
    void *xpub_proxy = sock (ZMQ_XPUB);
    set_int (xpub_proxy, option, 1);
    CHECK (zmq_bind (xpub_proxy, front) == 0);
    void *pub = sock (ZMQ_PUB);
    CHECK (zmq_connect (pub, back) == 0);

    void *sub1 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub1, front) == 0);
    CHECK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "1", 1) == 0);
    recv_bytes (xpub_proxy, sub_msg, 2, ZMQ_DONTWAIT);
    CHECK (zmq_setsockopt (xpub_proxy, ZMQ_SUBSCRIBE, "1", 1) == 0);
    send_bytes (xsub_proxy, sub_msg, 2, 0);

    void *sub2 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub2, front) == 0);
    CHECK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "1", 1) == 0);
    recv_bytes (xpub_proxy, sub_msg, 2, ZMQ_DONTWAIT);
    CHECK (zmq_setsockopt (xpub_proxy, ZMQ_SUBSCRIBE, "1", 1) == 0);
    send_bytes (xsub_proxy, sub_msg, 2, 0);

    send_str (pub, "1", ZMQ_SNDMORE);
    send_str (pub, "X", 0);
    recv_str (xsub_proxy, "1", ZMQ_DONTWAIT);
    recv_str (xsub_proxy, "X", ZMQ_DONTWAIT);
    send_str (xpub_proxy, "1", ZMQ_SNDMORE);
    send_str (xpub_proxy, "X", 0);
#ifdef ZMQ_BUILD_DRAFT_API
    if (option == ZMQ_XPUB_MANUAL_LAST_VALUE) {
        /* the first message goes to the last subscriber only, the next to both */
        send_str (xpub_proxy, "1", ZMQ_SNDMORE);
        send_str (xpub_proxy, "X", 0);
        recv_str (sub2, "1", ZMQ_DONTWAIT);
        recv_str (sub2, "X", ZMQ_DONTWAIT);
    }
#endif
    recv_str (sub2, "1", ZMQ_DONTWAIT);
    recv_str (sub2, "X", ZMQ_DONTWAIT);
    recv_str (sub1, "1", ZMQ_DONTWAIT);
    recv_str (sub1, "X", ZMQ_DONTWAIT);
    expect_nothing (sub1);

    CHECK (zmq_close (sub1) == 0);
    CHECK (zmq_close (sub2) == 0);
    recv_bytes (xpub_proxy, unsub_msg, 2, 0);
    CHECK (zmq_setsockopt (xpub_proxy, ZMQ_UNSUBSCRIBE, "1", 1) == 0);
    send_bytes (xsub_proxy, unsub_msg, 2, 0);
    recv_bytes (xpub_proxy, unsub_msg, 2, 0);
    CHECK (zmq_setsockopt (xpub_proxy, ZMQ_UNSUBSCRIBE, "1", 1) == 0);
    send_bytes (xsub_proxy, unsub_msg, 2, 0);

    send_str (pub, "1", ZMQ_SNDMORE);
    send_str (pub, "X", 0);
    expect_nothing (xsub_proxy);

    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_close (xpub_proxy) == 0);
    CHECK (zmq_close (xsub_proxy) == 0);
}

/* libzmq's test_missing_subscriptions (manual mode, two topics). */
static void test_missing_subscriptions (void)
{
    void *xsub_proxy = sock (ZMQ_XSUB);
    CHECK (zmq_bind (xsub_proxy, "inproc://missing-back") == 0);
    void *xpub_proxy = sock (ZMQ_XPUB);
    set_int (xpub_proxy, ZMQ_XPUB_MANUAL, 1);
    CHECK (zmq_bind (xpub_proxy, "inproc://missing-front") == 0);
    void *pub = sock (ZMQ_PUB);
    CHECK (zmq_connect (pub, "inproc://missing-back") == 0);

    const char sub1_msg[] = {1, '1'}, sub2_msg[] = {1, '2'};
    void *sub1 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub1, "inproc://missing-front") == 0);
    CHECK (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "1", 1) == 0);
    recv_bytes (xpub_proxy, sub1_msg, 2, ZMQ_DONTWAIT);
    CHECK (zmq_setsockopt (xpub_proxy, ZMQ_SUBSCRIBE, "1", 1) == 0);
    send_bytes (xsub_proxy, sub1_msg, 2, 0);

    void *sub2 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub2, "inproc://missing-front") == 0);
    CHECK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "2", 1) == 0);
    recv_bytes (xpub_proxy, sub2_msg, 2, ZMQ_DONTWAIT);
    CHECK (zmq_setsockopt (xpub_proxy, ZMQ_SUBSCRIBE, "2", 1) == 0);
    send_bytes (xsub_proxy, sub2_msg, 2, 0);

    send_str (pub, "1", ZMQ_SNDMORE);
    send_str (pub, "X", 0);
    send_str (pub, "2", ZMQ_SNDMORE);
    send_str (pub, "X", 0);
    forward (xsub_proxy, xpub_proxy);
    forward (xsub_proxy, xpub_proxy);
    recv_str (sub2, "2", ZMQ_DONTWAIT);
    recv_str (sub2, "X", ZMQ_DONTWAIT);
    recv_str (sub1, "1", ZMQ_DONTWAIT);
    recv_str (sub1, "X", ZMQ_DONTWAIT);
    expect_nothing (sub1);
    expect_nothing (sub2);

    CHECK (zmq_close (sub1) == 0);
    CHECK (zmq_close (sub2) == 0);
    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_close (xpub_proxy) == 0);
    CHECK (zmq_close (xsub_proxy) == 0);
}

/* libzmq's test_unsubscribe_cleanup: a reconnecting subscriber starts afresh. */
static void test_unsubscribe_cleanup (int option, const char *endpoint)
{
    void *pub = sock (ZMQ_XPUB);
    set_int (pub, option, 1);
    CHECK (zmq_bind (pub, endpoint) == 0);
    void *sub = sock (ZMQ_XSUB);
    CHECK (zmq_connect (sub, endpoint) == 0);
    send_bytes (sub, "\1A", 2, 0);
    recv_bytes (pub, "\1A", 2, 0);
    CHECK (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "XA", 2) == 0);
    send_str (pub, "XA", 0);
    send_str (pub, "XB", 0);
    recv_str (sub, "XA", 0);
    expect_nothing (sub);

    CHECK (zmq_close (sub) == 0);
    recv_bytes (pub, "\0A", 2, 0);
    /* no pipe to apply it to: accepted and ignored */
    CHECK (zmq_setsockopt (pub, ZMQ_UNSUBSCRIBE, "XA", 2) == 0);

    sub = sock (ZMQ_XSUB);
    CHECK (zmq_connect (sub, endpoint) == 0);
    send_bytes (sub, "\1B", 2, 0);
    recv_bytes (pub, "\1B", 2, 0);
    CHECK (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "XB", 2) == 0);
    send_str (pub, "XA", 0);
    send_str (pub, "XB", 0);
    recv_str (sub, "XB", 0);
    expect_nothing (sub);

    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_close (sub) == 0);
}

/* libzmq's test_xpub_topic, over inproc: topics around 255 bytes. */
static void test_long_topics (void)
{
    void *xpub = sock (ZMQ_XPUB);
    CHECK (zmq_bind (xpub, "inproc://long-topics") == 0);
    void *sub = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub, "inproc://long-topics") == 0);
    char topic[400], expected[401];
    for (size_t len = 240; len <= 260; len += 5) {
        for (size_t i = 0; i < len; i++)
            topic[i] = (char) ('A' + i % 16);
        memcpy (expected + 1, topic, len);
        CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, topic, len) == 0);
        expected[0] = 1;
        recv_bytes (xpub, expected, len + 1, 0);
        send_bytes (xpub, topic, len, 0);
        recv_bytes (sub, topic, len, 0);
        send_bytes (xpub, topic, len - 1, 0);
        expect_nothing (sub);
        CHECK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, topic, len) == 0);
        expected[0] = 0;
        recv_bytes (xpub, expected, len + 1, 0);
    }
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (xpub) == 0);
}

#ifdef ZMQ_BUILD_DRAFT_API
/* libzmq's test_user_message_multi: with ZMQ_ONLY_FIRST_SUBSCRIBE only a first part
 * can be a subscription. */
static void test_only_first_subscribe (void)
{
    void *pub = sock (ZMQ_XPUB);
    set_int (pub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1);
    CHECK (zmq_bind (pub, "inproc://only-first") == 0);
    void *sub = sock (ZMQ_XSUB);
    set_int (sub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1);
    CHECK (zmq_connect (sub, "inproc://only-first") == 0);

    const char common[] = {'A', 'B', 'C'}, m0a[] = {0, 'B', 'C'}, m0b[] = {0, 'C', 'D'};
    const char m1a[] = {1, 'B', 'C'}, m1b[] = {1, 'C', 'D'};
    send_bytes (sub, common, 3, ZMQ_SNDMORE);
    send_bytes (sub, m0a, 3, 0);
    recv_bytes (pub, common, 3, 0);
    recv_bytes (pub, m0a, 3, 0);
    send_bytes (sub, common, 3, ZMQ_SNDMORE);
    send_bytes (sub, m1a, 3, 0);
    recv_bytes (pub, common, 3, 0);
    recv_bytes (pub, m1a, 3, 0);
    /* a subscription as first part: the other parts are subscriptions too */
    send_bytes (sub, m1a, 3, ZMQ_SNDMORE);
    send_bytes (sub, m1b, 3, 0);
    recv_bytes (pub, m1a, 3, 0);
    recv_bytes (pub, m1b, 3, 0);
    int count = 0;
    size_t len = sizeof count;
    CHECK (zmq_getsockopt (pub, ZMQ_TOPICS_COUNT, &count, &len) == 0);
    CHECK_EQ_INT (2, count);
    send_bytes (sub, m0a, 3, ZMQ_SNDMORE);
    send_bytes (sub, m0b, 3, 0);
    recv_bytes (pub, m0a, 3, 0);
    recv_bytes (pub, m0b, 3, 0);
    CHECK (zmq_getsockopt (pub, ZMQ_TOPICS_COUNT, &count, &len) == 0);
    CHECK_EQ_INT (0, count);

    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_close (sub) == 0);
}

/* libzmq's test_manual_last_value: a message goes to the subscriber that asked last. */
static void test_manual_last_value (void)
{
    void *pub = sock (ZMQ_XPUB);
    set_int (pub, ZMQ_XPUB_MANUAL_LAST_VALUE, 1);
    CHECK (zmq_bind (pub, "inproc://last-value") == 0);
    void *sub = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub, "inproc://last-value") == 0);
    void *sub2 = sock (ZMQ_SUB);
    CHECK (zmq_connect (sub2, "inproc://last-value") == 0);

    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "A", 1) == 0);
    recv_bytes (pub, "\1A", 2, 0);
    CHECK (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "A", 1) == 0);
    send_str (pub, "A", 0);
    recv_str (sub, "A", 0);

    CHECK (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "A", 1) == 0);
    recv_bytes (pub, "\1A", 2, 0);
    CHECK (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "A", 1) == 0);
    send_str (pub, "A", 0);
    recv_str (sub2, "A", 0);
    expect_nothing (sub);
    /* the last value went out: now everyone subscribed gets it */
    send_str (pub, "A", 0);
    recv_str (sub, "A", 0);
    recv_str (sub2, "A", 0);

    CHECK (zmq_close (pub) == 0);
    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (sub2) == 0);
}

#endif

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    test_sub_forward ();
    test_proxy_unsubscribe_on_disconnect (ZMQ_XPUB_MANUAL, "inproc://manual-front",
                                          "inproc://manual-back");
#ifdef ZMQ_BUILD_DRAFT_API
    test_proxy_unsubscribe_on_disconnect (ZMQ_XPUB_MANUAL_LAST_VALUE, "inproc://last-front",
                                          "inproc://last-back");
#endif
    test_missing_subscriptions ();
    test_unsubscribe_cleanup (ZMQ_XPUB_MANUAL, "inproc://cleanup-manual");
#ifdef ZMQ_BUILD_DRAFT_API
    test_unsubscribe_cleanup (ZMQ_XPUB_MANUAL_LAST_VALUE, "inproc://cleanup-last");
#endif
    test_long_topics ();
#ifdef ZMQ_BUILD_DRAFT_API
    test_only_first_subscribe ();
    test_manual_last_value ();
#endif
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
