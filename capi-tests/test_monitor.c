/* Socket monitoring: zmq_socket_monitor's v1 format byte for byte, the events of a
 * bind/connect/handshake/close, CONNECT_RETRIED against a closed port, handshake failures
 * against a raw TCP peer, MONITOR_STOPPED, the draft v2 format and pipe statistics. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void *ctx;

/* A socket whose blocking calls give up after a few seconds. */
static void *sock (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

/* The consumer end of a monitor. */
static void *watch (const char *endpoint)
{
    void *mon = sock (ZMQ_PAIR);
    CHECK (zmq_connect (mon, endpoint) == 0);
    return mon;
}

static void bind_loopback (void *s, char *endpoint, size_t size)
{
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
}

/* One v1 event: checks the frames' shape, returns the event, value and endpoint. */
static int recv_event (void *mon, uint32_t *value, char *endpoint, size_t size)
{
    uint8_t head[16];
    int rc = zmq_recv (mon, head, sizeof head, 0);
    CHECK_EQ_INT (6, rc);
    int more = 0;
    size_t len = sizeof more;
    CHECK (zmq_getsockopt (mon, ZMQ_RCVMORE, &more, &len) == 0);
    CHECK_EQ_INT (1, more);
    uint16_t event;
    memcpy (&event, head, 2);
    if (value)
        memcpy (value, head + 2, 4);
    char buf[256];
    rc = zmq_recv (mon, buf, sizeof buf - 1, 0);
    CHECK (rc >= 0 && rc < (int) sizeof buf);
    buf[rc] = 0;
    CHECK (zmq_getsockopt (mon, ZMQ_RCVMORE, &more, &len) == 0);
    CHECK_EQ_INT (0, more);
    if (endpoint) {
        CHECK ((size_t) rc < size);
        memcpy (endpoint, buf, (size_t) rc + 1);
    }
    return event;
}

static void expect_event (void *mon, int expected, const char *endpoint)
{
    char got[256];
    CHECK_EQ_INT (expected, recv_event (mon, NULL, got, sizeof got));
    if (endpoint && strcmp (got, endpoint) != 0) {
        fprintf (stderr, "event 0x%x: endpoint '%s', expected '%s'\n", expected, got,
                 endpoint);
        exit (1);
    }
}

static void expect_no_event (void *mon)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    CHECK_ERRNO (zmq_msg_recv (&msg, mon, ZMQ_DONTWAIT), EAGAIN);
    zmq_msg_close (&msg);
}

static void bounce (void *a, void *b)
{
    char buf[8];
    CHECK_EQ_INT (5, zmq_send (a, "hello", 5, 0));
    CHECK_EQ_INT (5, zmq_recv (b, buf, sizeof buf, 0));
    CHECK_EQ_INT (5, zmq_send (b, "world", 5, 0));
    CHECK_EQ_INT (5, zmq_recv (a, buf, sizeof buf, 0));
}

static void test_errors (void)
{
    void *s = sock (ZMQ_DEALER);
    CHECK_ERRNO (zmq_socket_monitor (s, "tcp://127.0.0.1:*", ZMQ_EVENT_ALL),
                 EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_socket_monitor (s, "bogus://x", ZMQ_EVENT_ALL), EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_socket_monitor (s, "inproc-no-scheme", ZMQ_EVENT_ALL), EINVAL);
    CHECK_ERRNO (zmq_socket_monitor (NULL, "inproc://m", ZMQ_EVENT_ALL), ENOTSOCK);
    /* Version 1 carries 16 event bits. */
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_ERRNO (zmq_socket_monitor (s, "inproc://m", ZMQ_EVENT_PIPES_STATS), EINVAL);
    CHECK_ERRNO (zmq_socket_monitor_versioned (s, "inproc://m", ZMQ_EVENT_ALL_V2, 1,
                                               ZMQ_PAIR),
                 EINVAL);
    CHECK_ERRNO (zmq_socket_monitor_versioned (s, "inproc://m", ZMQ_EVENT_ALL_V2, 2,
                                               ZMQ_DEALER),
                 EINVAL);
    CHECK_ERRNO (zmq_socket_monitor_pipes_stats (NULL), ENOTSOCK);
    CHECK_ERRNO (zmq_socket_monitor_pipes_stats (s), EINVAL);
#endif
    /* Stopping when not monitoring is fine. */
    CHECK (zmq_socket_monitor (s, NULL, 0) == 0);
    /* The endpoint is bound by the monitor: a second monitor cannot take it. */
    void *other = sock (ZMQ_DEALER);
    CHECK (zmq_socket_monitor (s, "inproc://taken", ZMQ_EVENT_ALL) == 0);
    CHECK_ERRNO (zmq_socket_monitor (other, "inproc://taken", ZMQ_EVENT_ALL), EADDRINUSE);
    CHECK (zmq_close (other) == 0);
    CHECK (zmq_close (s) == 0);
}

/* bind, connect, handshake, disconnect and close, seen from both sides, in v1. */
static void test_lifecycle (void)
{
    char endpoint[256];
    void *server = sock (ZMQ_DEALER);
    void *client = sock (ZMQ_DEALER);
    CHECK (zmq_socket_monitor (server, "inproc://mon-server", ZMQ_EVENT_ALL) == 0);
    CHECK (zmq_socket_monitor (client, "inproc://mon-client", ZMQ_EVENT_ALL) == 0);
    void *server_mon = watch ("inproc://mon-server");
    void *client_mon = watch ("inproc://mon-client");

    bind_loopback (server, endpoint, sizeof endpoint);
    CHECK (zmq_connect (client, endpoint) == 0);
    bounce (client, server);

    uint32_t value;
    char where[256];
    CHECK_EQ_INT (ZMQ_EVENT_LISTENING, recv_event (server_mon, &value, where, sizeof where));
    CHECK (value > 2);
    CHECK (strcmp (where, endpoint) == 0);
    CHECK_EQ_INT (ZMQ_EVENT_ACCEPTED, recv_event (server_mon, &value, where, sizeof where));
    CHECK (value > 2);
    CHECK (strcmp (where, endpoint) == 0);

    /* HANDSHAKE_SUCCEEDED, byte for byte: u16 event then u32 value 0, host order, then
     * the endpoint without a terminating NUL. */
    uint8_t head[16], expected[6];
    uint16_t ev = ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
    uint32_t zero = 0;
    memcpy (expected, &ev, 2);
    memcpy (expected + 2, &zero, 4);
    CHECK_EQ_INT (6, zmq_recv (server_mon, head, sizeof head, 0));
    CHECK (memcmp (head, expected, 6) == 0);
    char ep[256];
    CHECK_EQ_INT ((int) strlen (endpoint), zmq_recv (server_mon, ep, sizeof ep, 0));
    CHECK (memcmp (ep, endpoint, strlen (endpoint)) == 0);

    /* The connecting side names the endpoint it connected to. */
    CHECK_EQ_INT (ZMQ_EVENT_CONNECT_DELAYED,
                  recv_event (client_mon, &value, where, sizeof where));
    CHECK_EQ_INT (EINPROGRESS, value);
    CHECK (strcmp (where, endpoint) == 0);
    CHECK_EQ_INT (ZMQ_EVENT_CONNECTED, recv_event (client_mon, &value, where, sizeof where));
    CHECK (value > 2);
    CHECK (strcmp (where, endpoint) == 0);
    CHECK_EQ_INT (ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
                  recv_event (client_mon, &value, where, sizeof where));
    CHECK_EQ_INT (0, value);
    expect_no_event (client_mon);

    /* The client goes: the server sees its connection drop. */
    CHECK (zmq_close (client) == 0);
    expect_event (client_mon, ZMQ_EVENT_MONITOR_STOPPED, "");
    expect_event (server_mon, ZMQ_EVENT_DISCONNECTED, endpoint);

    /* The server goes: its listener closes, then monitoring stops. */
    CHECK (zmq_close (server) == 0);
    CHECK_EQ_INT (ZMQ_EVENT_CLOSED, recv_event (server_mon, &value, where, sizeof where));
    CHECK (value > 2);
    CHECK (strcmp (where, endpoint) == 0);
    CHECK_EQ_INT (ZMQ_EVENT_MONITOR_STOPPED,
                  recv_event (server_mon, &value, where, sizeof where));
    CHECK_EQ_INT (0, value);
    CHECK_EQ_INT (0, (int) strlen (where));
    expect_no_event (server_mon);
    CHECK (zmq_close (server_mon) == 0);
    CHECK (zmq_close (client_mon) == 0);
}

/* Only the events in the mask are sent; a failed bind is reported with its errno. */
static void test_mask_and_bind_failed (void)
{
    char endpoint[256];
    void *taken = sock (ZMQ_DEALER);
    bind_loopback (taken, endpoint, sizeof endpoint);

    void *s = sock (ZMQ_DEALER);
    CHECK (zmq_socket_monitor (s, "inproc://mon-mask",
                               ZMQ_EVENT_BIND_FAILED | ZMQ_EVENT_CONNECTED)
           == 0);
    void *mon = watch ("inproc://mon-mask");
    CHECK_ERRNO (zmq_bind (s, endpoint), EADDRINUSE);
    uint32_t value;
    char where[256];
    CHECK_EQ_INT (ZMQ_EVENT_BIND_FAILED, recv_event (mon, &value, where, sizeof where));
    CHECK_EQ_INT (EADDRINUSE, value);
    /* libzmq names the address without its transport here. */
    CHECK (strcmp (where, endpoint + strlen ("tcp://")) == 0);

    CHECK (zmq_connect (s, endpoint) == 0);
    expect_event (mon, ZMQ_EVENT_CONNECTED, endpoint);
    /* No CONNECT_DELAYED, HANDSHAKE_SUCCEEDED nor MONITOR_STOPPED: not in the mask. */
    CHECK (zmq_socket_monitor (s, NULL, 0) == 0);
    expect_no_event (mon);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (taken) == 0);
    CHECK (zmq_close (mon) == 0);
}

/* A connect to a closed port: the attempt's socket closes, then a retry is scheduled
 * after ZMQ_RECONNECT_IVL. */
static void test_connect_retried (void)
{
    char endpoint[256];
    void *gone = sock (ZMQ_DEALER);
    bind_loopback (gone, endpoint, sizeof endpoint);
    CHECK (zmq_close (gone) == 0);

    void *s = sock (ZMQ_DEALER);
    set_int (s, ZMQ_RECONNECT_IVL, 100);
    CHECK (zmq_socket_monitor (s, "inproc://mon-retry", ZMQ_EVENT_ALL) == 0);
    void *mon = watch ("inproc://mon-retry");
    CHECK (zmq_connect (s, endpoint) == 0);
    uint32_t value;
    for (int attempt = 0; attempt < 2; attempt++) {
        expect_event (mon, ZMQ_EVENT_CONNECT_DELAYED, endpoint);
        expect_event (mon, ZMQ_EVENT_CLOSED, endpoint);
        char where[256];
        CHECK_EQ_INT (ZMQ_EVENT_CONNECT_RETRIED,
                      recv_event (mon, &value, where, sizeof where));
        CHECK (strcmp (where, endpoint) == 0);
        CHECK (value >= 100 && value < 200);
    }
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (mon) == 0);
}

/* A ZMTP 3.0 greeting whose mechanism is not ours, and a peer that leaves mid-handshake. */
static void test_handshake_failures (void)
{
    char endpoint[256];
    void *s = sock (ZMQ_DEALER);
    CHECK (zmq_socket_monitor (s, "inproc://mon-hs", ZMQ_EVENT_ALL) == 0);
    void *mon = watch ("inproc://mon-hs");
    bind_loopback (s, endpoint, sizeof endpoint);
    expect_event (mon, ZMQ_EVENT_LISTENING, endpoint);

    int fd = raw_connect (endpoint);
    uint8_t greeting[64];
    memset (greeting, 0, sizeof greeting);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    memcpy (greeting + 12, "CURVE", 5);
    CHECK (write (fd, greeting, sizeof greeting) == (ssize_t) sizeof greeting);
    expect_event (mon, ZMQ_EVENT_ACCEPTED, endpoint);
    uint32_t value;
    char where[256];
    CHECK_EQ_INT (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                  recv_event (mon, &value, where, sizeof where));
    CHECK_EQ_INT (ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, value);
    CHECK (strcmp (where, endpoint) == 0);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED, endpoint);
    /* The server dropped the connection. */
    char buf[128];
    ssize_t n;
    while ((n = read (fd, buf, sizeof buf)) > 0) {
    }
    CHECK (n == 0 || n == -1);
    close (fd);

    fd = raw_connect (endpoint);
    expect_event (mon, ZMQ_EVENT_ACCEPTED, endpoint);
    close (fd);
    CHECK_EQ_INT (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                  recv_event (mon, &value, where, sizeof where));
    CHECK (value == EPIPE || value == ECONNRESET);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED, endpoint);

    CHECK (zmq_close (s) == 0);
    expect_event (mon, ZMQ_EVENT_CLOSED, endpoint);
    expect_event (mon, ZMQ_EVENT_MONITOR_STOPPED, "");
    CHECK (zmq_close (mon) == 0);
}

/* zmq_socket_monitor(s, NULL, 0) and a replacing monitor both end with MONITOR_STOPPED;
 * after the context's shutdown monitoring fails with ETERM. */
static void test_monitor_stopped (void)
{
    void *s = sock (ZMQ_PAIR);
    CHECK (zmq_socket_monitor (s, "inproc://mon-a", ZMQ_EVENT_ALL) == 0);
    void *a = watch ("inproc://mon-a");
    CHECK (zmq_socket_monitor (s, "inproc://mon-b", ZMQ_EVENT_ALL) == 0);
    expect_event (a, ZMQ_EVENT_MONITOR_STOPPED, "");
    void *b = watch ("inproc://mon-b");
    CHECK (zmq_socket_monitor (s, NULL, 0) == 0);
    uint32_t value = 1;
    CHECK_EQ_INT (ZMQ_EVENT_MONITOR_STOPPED, recv_event (b, &value, NULL, 0));
    CHECK_EQ_INT (0, value);
    /* The old endpoints are free again. */
    CHECK (zmq_socket_monitor (s, "inproc://mon-a", ZMQ_EVENT_MONITOR_STOPPED) == 0);
    CHECK (zmq_close (a) == 0);
    a = watch ("inproc://mon-a");

    CHECK (zmq_ctx_shutdown (ctx) == 0);
    char buf[4];
    CHECK_ERRNO (zmq_recv (s, buf, sizeof buf, 0), ETERM);
    CHECK_ERRNO (zmq_socket_monitor (s, "inproc://mon-c", ZMQ_EVENT_ALL), ETERM);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_close (a) == 0);
    CHECK (zmq_close (b) == 0);
}

#ifdef ZMQ_BUILD_DRAFT_API
static uint64_t recv_u64 (void *mon, int more)
{
    uint64_t v = 0;
    CHECK_EQ_INT (8, zmq_recv (mon, &v, sizeof v, 0));
    int m = -1;
    size_t len = sizeof m;
    CHECK (zmq_getsockopt (mon, ZMQ_RCVMORE, &m, &len) == 0);
    CHECK_EQ_INT (more, m);
    return v;
}

static void recv_str (void *mon, char *out, size_t size, int more)
{
    int rc = zmq_recv (mon, out, size - 1, 0);
    CHECK (rc >= 0 && rc < (int) size);
    out[rc] = 0;
    int m = -1;
    size_t len = sizeof m;
    CHECK (zmq_getsockopt (mon, ZMQ_RCVMORE, &m, &len) == 0);
    CHECK_EQ_INT (more, m);
}

/* One v2 event: returns the event, its values (up to 4) and both endpoints. */
static uint64_t recv_event_v2 (void *mon, uint64_t *values, uint64_t *count, char *local,
                               char *remote)
{
    uint64_t event = recv_u64 (mon, 1);
    *count = recv_u64 (mon, 1);
    CHECK (*count <= 4);
    for (uint64_t i = 0; i < *count; i++)
        values[i] = recv_u64 (mon, 1);
    recv_str (mon, local, 256, 1);
    recv_str (mon, remote, 256, 0);
    return event;
}

/* The draft v2 format: u64 event, u64 count, values, local and remote endpoints; pipe
 * statistics on request. */
static void test_v2 (void)
{
    char endpoint[256], local[256], remote[256], client_local[256];
    uint64_t values[4], count;
    void *server = sock (ZMQ_DEALER);
    void *client = sock (ZMQ_DEALER);
    CHECK (zmq_socket_monitor_versioned (server, "inproc://v2-server", ZMQ_EVENT_ALL_V2, 2,
                                         ZMQ_PAIR)
           == 0);
    CHECK (zmq_socket_monitor_versioned (client, "inproc://v2-client",
                                         ZMQ_EVENT_CONNECTED, 2, ZMQ_PUSH)
           == 0);
    void *server_mon = watch ("inproc://v2-server");
    void *client_mon = sock (ZMQ_PULL);
    CHECK (zmq_connect (client_mon, "inproc://v2-client") == 0);
    CHECK_ERRNO (zmq_socket_monitor_pipes_stats (server), EAGAIN);

    bind_loopback (server, endpoint, sizeof endpoint);
    CHECK (zmq_connect (client, endpoint) == 0);
    bounce (client, server);

    CHECK_EQ_INT (ZMQ_EVENT_CONNECTED,
                  recv_event_v2 (client_mon, values, &count, client_local, remote));
    CHECK_EQ_INT (1, count);
    CHECK (strcmp (remote, endpoint) == 0);
    CHECK (strncmp (client_local, "tcp://127.0.0.1:", 16) == 0);
    CHECK (strcmp (client_local, remote) != 0);

    CHECK_EQ_INT (ZMQ_EVENT_LISTENING,
                  recv_event_v2 (server_mon, values, &count, local, remote));
    CHECK_EQ_INT (1, count);
    CHECK (strcmp (local, endpoint) == 0);
    CHECK_EQ_INT (0, (int) strlen (remote));
    CHECK_EQ_INT (ZMQ_EVENT_ACCEPTED,
                  recv_event_v2 (server_mon, values, &count, local, remote));
    CHECK (strcmp (local, endpoint) == 0);
    CHECK (strcmp (remote, client_local) == 0);
    CHECK_EQ_INT (ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
                  recv_event_v2 (server_mon, values, &count, local, remote));
    CHECK_EQ_INT (1, count);
    CHECK_EQ_INT (0, values[0]);

    /* Two messages wait at the server: the inbound queue shows them. */
    CHECK_EQ_INT (1, zmq_send (client, "a", 1, 0));
    CHECK_EQ_INT (1, zmq_send (client, "b", 1, 0));
    zmq_pollitem_t item = {server, 0, ZMQ_POLLIN, 0};
    CHECK_EQ_INT (1, zmq_poll (&item, 1, 5000));
    CHECK (zmq_socket_monitor_pipes_stats (server) == 0);
    CHECK_EQ_INT (ZMQ_EVENT_PIPES_STATS,
                  recv_event_v2 (server_mon, values, &count, local, remote));
    CHECK_EQ_INT (2, count);
    /* The counts are libzmq's: each side knows what the other has read as of its last
     * report (every low-water mark's worth of messages), so the reply sent and read
     * may still count, and so may the message already taken. */
    CHECK (values[0] <= 1);
    CHECK (values[1] >= 1 && values[1] <= 3);
    CHECK (strcmp (local, endpoint) == 0);
    CHECK (strcmp (remote, client_local) == 0);

    CHECK (zmq_close (client) == 0);
    CHECK (zmq_close (server) == 0);
    /* MONITOR_STOPPED carries one value, 0, and no endpoints. */
    uint64_t event;
    do {
        event = recv_event_v2 (server_mon, values, &count, local, remote);
    } while (event != ZMQ_EVENT_MONITOR_STOPPED);
    CHECK_EQ_INT (1, count);
    CHECK_EQ_INT (0, values[0]);
    CHECK_EQ_INT (0, (int) (strlen (local) + strlen (remote)));
    CHECK (zmq_close (server_mon) == 0);
    CHECK (zmq_close (client_mon) == 0);
}

#endif

int main (void)
{
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    test_errors ();
    test_lifecycle ();
    test_mask_and_bind_failed ();
    test_connect_retried ();
    test_handshake_failures ();
#ifdef ZMQ_BUILD_DRAFT_API
    test_v2 ();
#endif
    test_monitor_stopped ();
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
