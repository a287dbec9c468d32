/* Hostile peers: a raw TCP client sends bad greetings, versions, mechanisms, frames
 * and commands to a ROUTER. Each case checks the monitor events libzmq 4.3.5 raises
 * for it, that the server drops that connection (or, where libzmq keeps it, that it
 * keeps it), and that a well-behaved DEALER connected before the attack still gets
 * every message it queued, in order, and keeps working both ways. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* Messages the good client queues before each attack. */
#define QUEUED 20

/* A fresh context per case. */
static void *ctx;

static void *sock (int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    set_int (s, ZMQ_RCVTIMEO, 5000);
    set_int (s, ZMQ_SNDTIMEO, 5000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

/* One v1 monitor event: returns it, with its value. */
static int recv_event (void *mon, uint32_t *value)
{
    uint8_t head[16];
    CHECK_EQ_INT (6, zmq_recv (mon, head, sizeof head, 0));
    uint16_t event;
    memcpy (&event, head, 2);
    if (value)
        memcpy (value, head + 2, 4);
    char endpoint[256];
    CHECK (zmq_recv (mon, endpoint, sizeof endpoint, 0) >= 0);
    return event;
}

static void expect_event (void *mon, int expected)
{
    CHECK_EQ_INT (expected, recv_event (mon, NULL));
}

static void expect_event_value (void *mon, int expected, uint32_t expected_value)
{
    uint32_t value;
    CHECK_EQ_INT (expected, recv_event (mon, &value));
    CHECK_EQ_INT (expected_value, value);
}

static void expect_no_event (void *mon)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    CHECK_ERRNO (zmq_msg_recv (&msg, mon, ZMQ_DONTWAIT), EAGAIN);
    zmq_msg_close (&msg);
}

static void raw_send (int fd, const void *data, size_t len)
{
    CHECK (send (fd, data, len, MSG_NOSIGNAL) == (ssize_t) len);
}

static void raw_read_exact (int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read (fd, buf + got, len - got);
        CHECK (n > 0);
        got += (size_t) n;
    }
}

/* The server closed the connection: EOF (or a reset, when it left our bytes unread)
 * after whatever it had sent, never the 5 s read timeout. */
static void expect_closed (int fd)
{
    char buf[256];
    ssize_t n;
    while ((n = read (fd, buf, sizeof buf)) > 0) {
    }
    if (n < 0 && errno != ECONNRESET) {
        fprintf (stderr, "connection still open (read: %s)\n", strerror (errno));
        exit (1);
    }
    close (fd);
}

/* The connection is up and the server has nothing more to say. */
static void expect_open_and_quiet (int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    CHECK_EQ_INT (0, poll (&p, 1, ms));
}

/* A 64-byte ZMTP 3 greeting. */
static void greeting (uint8_t *g, uint8_t revision, uint8_t minor, const char *mech,
                      size_t mech_len)
{
    memset (g, 0, 64);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = revision;
    g[11] = minor;
    memcpy (g + 12, mech, mech_len);
}

/* A short frame (body < 256 bytes); returns its length. */
static size_t frame (uint8_t *out, uint8_t flags, const void *body, size_t len)
{
    CHECK (len < 256);
    out[0] = flags;
    out[1] = (uint8_t) len;
    memcpy (out + 2, body, len);
    return len + 2;
}

/* A NULL READY body from a DEALER with routing id `id` (a distinct one per raw peer:
 * a ROUTER refuses an id still in use); returns its length. */
static size_t ready_body (uint8_t *out, const char *id)
{
    static const uint8_t head[] = "\x05READY\x0bSocket-Type\x00\x00\x00\x06"
                                  "DEALER\x08Identity\x00\x00\x00";
    size_t n = sizeof head - 1, id_len = strlen (id);
    memcpy (out, head, n);
    out[n++] = (uint8_t) id_len;
    memcpy (out + n, id, id_len);
    return n + id_len;
}

/* A greeting then READY, as one write; returns its length. */
static size_t hello (uint8_t *out, uint8_t revision, uint8_t minor, const char *id)
{
    uint8_t body[128];
    greeting (out, revision, minor, "NULL", 4);
    return 64 + frame (out + 64, 0x04, body, ready_body (body, id));
}

/* A raw peer that completes a NULL handshake as a DEALER, greeting with `revision`
 * and `minor`. It waits for the server's READY before it sends anything more:
 * libzmq's NULL mechanism takes a frame that arrives in the same read as the peer's
 * READY, before its own READY went out, as a second handshake command. */
static int raw_handshake_version (const char *endpoint, void *mon, uint8_t revision,
                                  uint8_t minor, const char *id)
{
    int fd = raw_connect (endpoint);
    uint8_t out[256];
    raw_send (fd, out, hello (out, revision, minor, id));
    uint8_t in[256];
    raw_read_exact (fd, in, 64);
    CHECK (in[0] == 0xff && in[9] == 0x7f && in[10] == 3);
    CHECK (memcmp (in + 12, "NULL", 5) == 0);
    raw_read_exact (fd, in, 2);
    CHECK_EQ_INT (0x04, in[0]);
    size_t len = in[1];
    raw_read_exact (fd, in, len);
    CHECK (memcmp (in, "\x05READY", 6) == 0);
    expect_event (mon, ZMQ_EVENT_ACCEPTED);
    expect_event (mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    return fd;
}

static int raw_handshake (const char *endpoint, void *mon, const char *id)
{
    return raw_handshake_version (endpoint, mon, 3, 1, id);
}

/* A raw peer that sends `len` bytes and nothing more. */
static int raw_attack (const char *endpoint, void *mon, const void *bytes, size_t len)
{
    int fd = raw_connect (endpoint);
    raw_send (fd, bytes, len);
    expect_event (mon, ZMQ_EVENT_ACCEPTED);
    return fd;
}

typedef struct
{
    void *server;
    void *mon;
    void *client;
    char endpoint[256];
} fixture_t;

/* The server, to be configured before fixture_start. */
static void fixture_new (fixture_t *f, const char *name)
{
    printf ("%s\n", name);
    fflush (stdout);
    memset (f, 0, sizeof *f);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    f->server = sock (ZMQ_ROUTER);
}

/* Binds and monitors the server, connects the good client and has it queue QUEUED
 * messages. */
static void fixture_start (fixture_t *f)
{
    static int count;
    char mon_ep[64];
    snprintf (mon_ep, sizeof mon_ep, "inproc://bad-input-%d", count++);
    CHECK (zmq_socket_monitor (f->server, mon_ep, ZMQ_EVENT_ALL) == 0);
    f->mon = sock (ZMQ_PAIR);
    CHECK (zmq_connect (f->mon, mon_ep) == 0);
    CHECK (zmq_bind (f->server, "tcp://127.0.0.1:*") == 0);
    size_t size = sizeof f->endpoint;
    CHECK (zmq_getsockopt (f->server, ZMQ_LAST_ENDPOINT, f->endpoint, &size) == 0);
    expect_event (f->mon, ZMQ_EVENT_LISTENING);

    f->client = sock (ZMQ_DEALER);
    CHECK (zmq_setsockopt (f->client, ZMQ_ROUTING_ID, "good", 4) == 0);
    CHECK (zmq_connect (f->client, f->endpoint) == 0);
    expect_event (f->mon, ZMQ_EVENT_ACCEPTED);
    expect_event (f->mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    for (int i = 0; i < QUEUED; i++) {
        char body[32];
        int n = snprintf (body, sizeof body, "queued-%d", i);
        CHECK_EQ_INT (n, zmq_send (f->client, body, (size_t) n, 0));
    }
}

/* After the attacks: the good client's messages arrive whole and in order; from the
 * raw peers exactly the bodies in `extra` arrive, in any order (each raw peer sends at
 * most one and the ROUTER fair-queues); both directions still work; no event is left
 * unexplained. */
static void fixture_finish (fixture_t *f, const char *const *extra, int n_extra)
{
    int good = 0, raw = 0;
    int seen[8] = {0};
    CHECK (n_extra <= 8);
    while (good < QUEUED || raw < n_extra) {
        char id[256], body[512];
        int idn = zmq_recv (f->server, id, sizeof id, 0);
        CHECK (idn >= 0 && idn < (int) sizeof id);
        int n = zmq_recv (f->server, body, sizeof body - 1, 0);
        CHECK (n >= 0 && n < (int) sizeof body);
        body[n] = 0;
        if (idn == 4 && memcmp (id, "good", 4) == 0) {
            char expected[32];
            snprintf (expected, sizeof expected, "queued-%d", good++);
            if (strcmp (body, expected) != 0) {
                fprintf (stderr, "good client: got '%s', expected '%s'\n", body, expected);
                exit (1);
            }
            continue;
        }
        int i = 0;
        while (i < n_extra && (seen[i] || strcmp (body, extra[i]) != 0))
            i++;
        if (i == n_extra) {
            fprintf (stderr, "unexpected message '%s' from a raw peer\n", body);
            exit (1);
        }
        seen[i] = 1;
        raw++;
    }
    char buf[64];
    CHECK_ERRNO (zmq_recv (f->server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_EQ_INT (4, zmq_send (f->server, "good", 4, ZMQ_SNDMORE));
    CHECK_EQ_INT (5, zmq_send (f->server, "reply", 5, 0));
    CHECK_EQ_INT (5, zmq_recv (f->client, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "reply", 5) == 0);
    CHECK_EQ_INT (5, zmq_send (f->client, "after", 5, 0));
    CHECK_EQ_INT (4, zmq_recv (f->server, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "good", 4) == 0);
    CHECK_EQ_INT (5, zmq_recv (f->server, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "after", 5) == 0);

    expect_no_event (f->mon);
    CHECK (zmq_close (f->client) == 0);
    CHECK (zmq_close (f->server) == 0);
    CHECK (zmq_close (f->mon) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

/* A protocol error outside the mechanism (framing, metadata, size): libzmq raises no
 * HANDSHAKE_FAILED_* event for those, only DISCONNECTED. */
static void expect_dropped_silently (void *mon, int fd)
{
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);
    expect_closed (fd);
}

static void expect_dropped_protocol (void *mon, int fd, uint32_t code)
{
    expect_event_value (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, code);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);
    expect_closed (fd);
}

/* The peer hangs up before a mechanism is ready: NO_DETAIL with the read's errno. */
static void expect_hangup_no_detail (void *mon, int fd)
{
    close (fd);
    uint32_t value;
    CHECK_EQ_INT (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, recv_event (mon, &value));
    CHECK (value == EPIPE || value == ECONNRESET);
    expect_event (mon, ZMQ_EVENT_DISCONNECTED);
}

/* 1. A first byte other than FF, or bit 0 of byte 9 clear, is no bad signature to
 * libzmq: it is an unversioned ZMTP 1.0 peer and the bytes are v1 frames. A v1 frame
 * length of zero is a framing error (dropped, no handshake event); HTTP is a frame
 * still incomplete, so that connection stays. */
static void test_bad_signature (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    fixture_start (&f);

    static const uint8_t zeros[10] = {0};
    int fd = raw_attack (f.endpoint, f.mon, zeros, sizeof zeros);
    expect_dropped_silently (f.mon, fd);

    /* FF, zero u64 length, then 7E where 7F belongs. */
    static const uint8_t not_7f[10] = {0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7e};
    fd = raw_attack (f.endpoint, f.mon, not_7f, sizeof not_7f);
    expect_dropped_silently (f.mon, fd);

    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    fd = raw_attack (f.endpoint, f.mon, http, sizeof http - 1);
    /* The server answered with its signature only (it has no routing id to send). */
    uint8_t sig[10];
    raw_read_exact (fd, sig, sizeof sig);
    CHECK (sig[0] == 0xff && sig[8] == 1 && sig[9] == 0x7f);
    expect_open_and_quiet (fd, 300);
    expect_no_event (f.mon);
    expect_hangup_no_detail (f.mon, fd);

    fixture_finish (&f, NULL, 0);
}

/* 2. Revisions 2 and above are spoken as ZMTP 3.1, revision 1 as ZMTP 2.0 (no
 * HANDSHAKE_SUCCEEDED for it); revision 0 switches to v1 framing, where a zero frame
 * length is fatal. */
static void test_versions (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    fixture_start (&f);

    uint8_t out[16];
    int fd = raw_handshake_version (f.endpoint, f.mon, 0x7f, 0x7f, "raw127");
    raw_send (fd, out, frame (out, 0, "v127", 4));
    close (fd);
    expect_event (f.mon, ZMQ_EVENT_DISCONNECTED);

    /* ZMTP 2.0: signature, revision 1, socket type DEALER, then the identity frame. */
    static const uint8_t v2[] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, ZMQ_DEALER,
                                 0,    3, 'r', 'w', '2', 0, 4, 'v', '2', '.', '0'};
    fd = raw_attack (f.endpoint, f.mon, v2, sizeof v2);
    /* Its reply: major 3, its socket type, its (empty) identity frame. */
    uint8_t in[14];
    raw_read_exact (fd, in, 14);
    CHECK (in[10] == 3 && in[11] == ZMQ_ROUTER && in[12] == 0 && in[13] == 0);
    expect_open_and_quiet (fd, 100);
    expect_hangup_no_detail (f.mon, fd);

    /* Revision 0 (ZMTP 1.0 with a signature), then a v1 frame of length 0. */
    static const uint8_t v1[] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0, ZMQ_DEALER, 0};
    fd = raw_attack (f.endpoint, f.mon, v1, sizeof v1);
    expect_dropped_silently (f.mon, fd);

    static const char *const extra[] = {"v127", "v2.0"};
    fixture_finish (&f, extra, 2);
}

/* 3. A mechanism other than ours, byte for byte over the 20-byte field. */
static void test_unknown_mechanism (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    fixture_start (&f);

    static const struct
    {
        const char *name;
        size_t len;
    } names[] = {{"FOOBAR", 6}, {"null", 4}, {"NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0X", 20}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint8_t g[64];
        greeting (g, 3, 1, names[i].name, names[i].len);
        int fd = raw_attack (f.endpoint, f.mon, g, sizeof g);
        expect_dropped_protocol (f.mon, fd, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    }
    fixture_finish (&f, NULL, 0);
}

/* 4. ZMQ_MAXMSGSIZE: a frame of exactly the limit passes, one byte more drops the
 * connection (EMSGSIZE is no handshake failure: DISCONNECTED only). */
static void test_oversize_frame (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    int64_t max = 100;
    CHECK (zmq_setsockopt (f.server, ZMQ_MAXMSGSIZE, &max, sizeof max) == 0);
    fixture_start (&f);

    static char fits[101];
    memset (fits, 'x', 100);
    uint8_t out[300];
    int fd = raw_handshake (f.endpoint, f.mon, "raw-fits");
    raw_send (fd, out, frame (out, 0, fits, 100));
    static char over[101];
    memset (over, 'y', sizeof over);
    raw_send (fd, out, frame (out, 0, over, sizeof over));
    expect_dropped_silently (f.mon, fd);

    /* The same with an 8-byte size. */
    fd = raw_handshake (f.endpoint, f.mon, "raw-long");
    static const uint8_t long_header[] = {0x02, 0, 0, 0, 0, 0, 0, 0, 101};
    raw_send (fd, long_header, sizeof long_header);
    expect_dropped_silently (f.mon, fd);

    const char *const extra[] = {fits};
    fixture_finish (&f, extra, 1);
}

/* 5a. A frame cut short, then the peer leaves: the first part of its multipart
 * message is never delivered; after the handshake a hang-up is DISCONNECTED only. */
static void test_truncated_frame (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    fixture_start (&f);

    int fd = raw_handshake (f.endpoint, f.mon, "raw-body");
    uint8_t out[64];
    size_t n = frame (out, 0x01, "part1", 5);
    out[n++] = 0x00;
    out[n++] = 100;
    memcpy (out + n, "only ten!!", 10);
    n += 10;
    raw_send (fd, out, n);
    expect_open_and_quiet (fd, 200);
    expect_no_event (f.mon);
    close (fd);
    expect_event (f.mon, ZMQ_EVENT_DISCONNECTED);

    /* Half a frame header. */
    fd = raw_handshake (f.endpoint, f.mon, "raw-header");
    static const uint8_t half[] = {0x02, 0, 0, 0};
    raw_send (fd, half, sizeof half);
    expect_open_and_quiet (fd, 200);
    close (fd);
    expect_event (f.mon, ZMQ_EVENT_DISCONNECTED);

    fixture_finish (&f, NULL, 0);
}

/* 5b. With heartbeats, a peer that stops mid-frame and answers no PING is dropped
 * after ZMQ_HEARTBEAT_TIMEOUT (a partial frame is no sign of life). */
static void test_heartbeat_timeout (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    set_int (f.server, ZMQ_HEARTBEAT_IVL, 100);
    set_int (f.server, ZMQ_HEARTBEAT_TIMEOUT, 300);
    fixture_start (&f);

    int fd = raw_handshake (f.endpoint, f.mon, "raw");
    static const uint8_t half[] = {0x00, 50, 'a', 'b'};
    raw_send (fd, half, sizeof half);
    expect_dropped_silently (f.mon, fd);
    fixture_finish (&f, NULL, 0);
}

/* 5c. ZMQ_HANDSHAKE_IVL: a peer stalling in the greeting, or after it, is dropped
 * with HANDSHAKE_FAILED_NO_DETAIL (its value is whatever errno libzmq has at hand:
 * not checked). A legacy peer stalling before its identity frame is not. */
static void test_handshake_timeout (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    set_int (f.server, ZMQ_HANDSHAKE_IVL, 200);
    fixture_start (&f);

    uint8_t g[64];
    greeting (g, 3, 1, "NULL", 4);
    for (int i = 0; i < 2; i++) {
        int fd = raw_attack (f.endpoint, f.mon, g, i == 0 ? 5 : 64);
        CHECK_EQ_INT (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, recv_event (f.mon, NULL));
        expect_dropped_silently (f.mon, fd);
    }

#if ZMQ_VERSION >= ZMQ_MAKE_VERSION(4, 3, 5)
    /* A ZMTP 1.0 or 2.0 peer has no mechanism: for libzmq 4.3.5 its handshake ends with
     * the greeting, so the interval does not cover its identity frame (4.3.4 dropped
     * it with NO_DETAIL). */
    static const char http[] = "GET / HTTP/1.1\r\n";
    static const uint8_t v2[] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, ZMQ_DEALER};
    int fd1 = raw_attack (f.endpoint, f.mon, http, sizeof http - 1);
    int fd2 = raw_attack (f.endpoint, f.mon, v2, sizeof v2);
    uint8_t in[14];
    raw_read_exact (fd1, in, 10);
    raw_read_exact (fd2, in, 14);
    expect_open_and_quiet (fd1, 400);
    expect_open_and_quiet (fd2, 0);
    expect_no_event (f.mon);
    expect_hangup_no_detail (f.mon, fd1);
    expect_hangup_no_detail (f.mon, fd2);
#endif
    fixture_finish (&f, NULL, 0);
}

/* 6. READY whose property list is malformed, or names an incompatible socket type:
 * libzmq's parse_metadata fails with EPROTO (EINVAL) and no event but DISCONNECTED. */
static void test_malformed_ready (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    fixture_start (&f);

    static const struct
    {
        const char *body;
        size_t len;
    } readies[] = {
      /* The name runs past the end. */
      {"\x05READY\x0bSocket-Ty", 16},
      /* The value length runs past the end. */
      {"\x05READY\x0bSocket-Type\x00\x00\x01\x00"
       "DEALER",
       28},
      /* A lone byte after a good property. */
      {"\x05READY\x0bSocket-Type\x00\x00\x00\x06"
       "DEALER\x07",
       29},
      /* Half a value length. */
      {"\x05READY\x0bSocket-Type\x00\x00", 20},
      /* A PUB cannot talk to a ROUTER. */
      {"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB", 25},
    };
    for (size_t i = 0; i < sizeof readies / sizeof readies[0]; i++) {
        uint8_t out[128];
        greeting (out, 3, 1, "NULL", 4);
        size_t n = 64 + frame (out + 64, 0x04, readies[i].body, readies[i].len);
        int fd = raw_attack (f.endpoint, f.mon, out, n);
        expect_dropped_silently (f.mon, fd);
    }
    fixture_finish (&f, NULL, 0);
}

/* 7. Anything but READY or ERROR during the NULL handshake, command flag or not, is
 * UNEXPECTED_COMMAND; an ERROR too short for its reason is MALFORMED_COMMAND_ERROR. */
static void test_unexpected_command (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    fixture_start (&f);

    static const struct
    {
        uint8_t flags;
        const char *body;
        size_t len;
        uint32_t code;
    } cases[] = {
      {0x04, "\x04PING\x00\x0a", 7, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND},
      {0x04, "\x09SUBSCRIBEtopic", 15, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND},
      {0x00, "hello", 5, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND},
      {0x04, "", 0, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND},
      {0x04, "\005ERROR\005" "400", 10, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR},
      {0x04, "\005ERROR", 6, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[128];
        greeting (out, 3, 1, "NULL", 4);
        size_t n = 64 + frame (out + 64, cases[i].flags, cases[i].body, cases[i].len);
        int fd = raw_attack (f.endpoint, f.mon, out, n);
        expect_dropped_protocol (f.mon, fd, cases[i].code);
    }
    fixture_finish (&f, NULL, 0);
}

/* 8. What an unauthenticated peer can make the server hold: a 2^62-byte frame
 * announced in the handshake is refused without being allocated; 200 connections
 * stalled in or after the greeting cost the good client nothing. */
static void test_memory_bound (void)
{
    fixture_t f;
    fixture_new (&f, __func__);
    fixture_start (&f);

    uint8_t out[80];
    greeting (out, 3, 1, "NULL", 4);
    static const uint8_t huge[] = {0x06, 0x40, 0, 0, 0, 0, 0, 0, 0};
    memcpy (out + 64, huge, sizeof huge);
    int fd = raw_attack (f.endpoint, f.mon, out, 64 + sizeof huge);
    expect_dropped_silently (f.mon, fd);

    enum { STALLED = 200 };
    struct rlimit rl;
    CHECK (getrlimit (RLIMIT_NOFILE, &rl) == 0);
    if (rl.rlim_cur < 3 * STALLED && rl.rlim_max >= 3 * STALLED) {
        rl.rlim_cur = 3 * STALLED;
        CHECK (setrlimit (RLIMIT_NOFILE, &rl) == 0);
    }
    CHECK (rl.rlim_cur >= 3 * STALLED);
    int fds[STALLED];
    for (int i = 0; i < STALLED; i++)
        fds[i] = raw_attack (f.endpoint, f.mon, out, i % 2 ? 64 : 10);
    /* Every stalled peer got the server's signature: all were accepted. */
    for (int i = 0; i < STALLED; i++) {
        uint8_t sig[10];
        raw_read_exact (fds[i], sig, sizeof sig);
    }
    char buf[16];
    CHECK_EQ_INT (4, zmq_send (f.server, "good", 4, ZMQ_SNDMORE));
    CHECK_EQ_INT (4, zmq_send (f.server, "ping", 4, 0));
    CHECK_EQ_INT (4, zmq_recv (f.client, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "ping", 4) == 0);
    for (int i = 0; i < STALLED; i++)
        close (fds[i]);
    for (int i = 0; i < STALLED; i++) {
        uint32_t value;
        CHECK_EQ_INT (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, recv_event (f.mon, &value));
        CHECK (value == EPIPE || value == ECONNRESET);
        expect_event (f.mon, ZMQ_EVENT_DISCONNECTED);
    }
    fixture_finish (&f, NULL, 0);
}

int main (void)
{
    test_bad_signature ();
    test_versions ();
    test_unknown_mechanism ();
    test_oversize_frame ();
    test_truncated_frame ();
    test_heartbeat_timeout ();
    test_handshake_timeout ();
    test_malformed_ready ();
    test_unexpected_command ();
    test_memory_bound ();
    return 0;
}
