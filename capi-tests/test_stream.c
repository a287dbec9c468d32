/* ZMQ_STREAM: raw tcp/ipc with routing-id frames, against plain BSD sockets and
 * against another STREAM socket. Connect/disconnect notifications (ZMQ_STREAM_NOTIFY),
 * bytes as they arrive, sends written as is, closing by an empty frame, EHOSTUNREACH,
 * ZMQ_ROUTING_ID after connect, ZMQ_CONNECT_ROUTING_ID. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* Every blocking call gives up after two seconds. */
static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_RCVTIMEO, 2000);
    set_int (s, ZMQ_SNDTIMEO, 2000);
    set_int (s, ZMQ_LINGER, 0);
    return s;
}

static void bind_any (void *s, const char *ep, char *out, size_t outlen)
{
    CHECK (zmq_bind (s, ep) == 0);
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &outlen) == 0);
}

static int port_of (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    CHECK (colon);
    return atoi (colon + 1);
}

static void set_timeouts (int fd)
{
    struct timeval tv = {2, 0};
    CHECK (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    CHECK (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0);
}

static int tcp_client (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    set_timeouts (fd);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((unsigned short) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    return fd;
}

/* A listening socket on 127.0.0.1 and an ephemeral port; returns the port. */
static int tcp_listener (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    CHECK (listen (fd, 8) == 0);
    socklen_t len = sizeof a;
    CHECK (getsockname (fd, (struct sockaddr *) &a, &len) == 0);
    *port = ntohs (a.sin_port);
    return fd;
}

static int accept_within (int listener)
{
    struct pollfd p = {listener, POLLIN, 0};
    CHECK (poll (&p, 1, 2000) == 1);
    int fd = accept (listener, NULL, NULL);
    CHECK (fd >= 0);
    set_timeouts (fd);
    return fd;
}

static void write_all (int fd, const char *data, size_t len)
{
    CHECK (write (fd, data, len) == (ssize_t) len);
}

/* Reads exactly `len` bytes from a BSD socket. */
static void read_exactly (int fd, const char *expected, size_t len)
{
    char buf[512];
    size_t got = 0;
    CHECK (len <= sizeof buf);
    while (got < len) {
        ssize_t n = read (fd, buf + got, len - got);
        CHECK (n > 0);
        got += (size_t) n;
    }
    CHECK (memcmp (buf, expected, len) == 0);
}

static void expect_eof (int fd)
{
    char c;
    CHECK_EQ_INT (0, read (fd, &c, 1));
}

/* Receives [routing id, data] from a STREAM socket; returns the data's size and puts
 * the id in `id` (size in *id_size). */
static int recv_pair (void *s, unsigned char *id, size_t *id_size, char *data, size_t cap)
{
    zmq_msg_t m;
    CHECK (zmq_msg_init (&m) == 0);
    int n = zmq_msg_recv (&m, s, 0);
    CHECK (n > 0);
    CHECK (zmq_msg_more (&m));
    memcpy (id, zmq_msg_data (&m), (size_t) n);
    *id_size = (size_t) n;
    CHECK (zmq_msg_close (&m) == 0);
    int len = zmq_recv (s, data, cap, 0);
    CHECK (len >= 0);
    int more = 1;
    size_t ml = sizeof more;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &ml) == 0);
    CHECK_EQ_INT (0, more);
    return len;
}

/* Receives data from connection `id` until `len` bytes have come (TCP may split). */
static void recv_bytes (void *s, const unsigned char *id, size_t id_size,
                        const char *expected, size_t len)
{
    char buf[512];
    size_t got = 0;
    while (got < len) {
        unsigned char from[256];
        size_t from_size;
        int n = recv_pair (s, from, &from_size, buf + got, sizeof buf - got);
        CHECK (n > 0);
        CHECK (from_size == id_size && memcmp (from, id, id_size) == 0);
        got += (size_t) n;
    }
    CHECK_EQ_INT (len, got);
    CHECK (memcmp (buf, expected, len) == 0);
}

/* A notification: [routing id, empty]. */
static void recv_notice (void *s, unsigned char *id, size_t *id_size)
{
    char buf[16];
    CHECK_EQ_INT (0, recv_pair (s, id, id_size, buf, sizeof buf));
}

static void send_pair (void *s, const unsigned char *id, size_t id_size, const char *data,
                       size_t len)
{
    CHECK_EQ_INT (id_size, zmq_send (s, id, id_size, ZMQ_SNDMORE));
    CHECK_EQ_INT (len, zmq_send (s, data, len, 0));
}

static void test_server_with_bsd_clients (void *ctx)
{
    void *stream = new_socket (ctx, ZMQ_STREAM);
    char ep[256];
    bind_any (stream, "tcp://127.0.0.1:*", ep, sizeof ep);
    int port = port_of (ep);

    /* connect notification, carrying Peer-Address */
    int c1 = tcp_client (port);
    zmq_msg_t idm;
    CHECK (zmq_msg_init (&idm) == 0);
    CHECK_EQ_INT (5, zmq_msg_recv (&idm, stream, 0));
    CHECK (zmq_msg_more (&idm));
    CHECK_EQ_INT (0, ((unsigned char *) zmq_msg_data (&idm))[0]);
    const char *peer = zmq_msg_gets (&idm, "Peer-Address");
    CHECK (peer && strcmp (peer, "127.0.0.1") == 0);
    unsigned char id1[5];
    memcpy (id1, zmq_msg_data (&idm), 5);
    CHECK (zmq_msg_close (&idm) == 0);
    char buf[64];
    CHECK_EQ_INT (0, zmq_recv (stream, buf, sizeof buf, 0));

    /* bytes in, bytes out: no framing either way */
    write_all (c1, "hello", 5);
    recv_bytes (stream, id1, 5, "hello", 5);
    send_pair (stream, id1, 5, "HELLO", 5);
    send_pair (stream, id1, 5, " again", 6);
    read_exactly (c1, "HELLO again", 11);

    /* an unknown routing id is unreachable; MORE on a data frame is ignored */
    CHECK_ERRNO (zmq_send (stream, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_EQ_INT (5, zmq_send (stream, id1, 5, ZMQ_SNDMORE));
    CHECK_EQ_INT (3, zmq_send (stream, "abc", 3, ZMQ_SNDMORE));
    CHECK_EQ_INT (5, zmq_send (stream, id1, 5, ZMQ_SNDMORE));
    CHECK_EQ_INT (3, zmq_send (stream, "def", 3, 0));
    read_exactly (c1, "abcdef", 6);

    /* a second client gets another id */
    int c2 = tcp_client (port);
    unsigned char id2[256];
    size_t id2_size;
    recv_notice (stream, id2, &id2_size);
    CHECK (id2_size == 5 && memcmp (id1, id2, 5) != 0);

    /* an empty frame closes the connection, after what was sent before */
    send_pair (stream, id1, 5, "bye", 3);
    send_pair (stream, id1, 5, "", 0);
    read_exactly (c1, "bye", 3);
    expect_eof (c1);
    close (c1);
    CHECK_ERRNO (zmq_send (stream, id1, 5, ZMQ_SNDMORE), EHOSTUNREACH);

    /* the peer closing is announced as [id, empty] */
    write_all (c2, "last words", 10);
    recv_bytes (stream, id2, id2_size, "last words", 10);
    close (c2);
    unsigned char gone[256];
    size_t gone_size;
    recv_notice (stream, gone, &gone_size);
    CHECK (gone_size == id2_size && memcmp (gone, id2, id2_size) == 0);
    CHECK_ERRNO (zmq_recv (stream, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    /* always writable: whether a send goes depends on the routing id */
    int events = 0;
    size_t el = sizeof events;
    CHECK (zmq_getsockopt (stream, ZMQ_EVENTS, &events, &el) == 0);
    CHECK_EQ_INT (ZMQ_POLLOUT, events);
    CHECK (zmq_close (stream) == 0);
}

static void test_options_and_no_notify (void *ctx)
{
    void *stream = new_socket (ctx, ZMQ_STREAM);
    int v = 2;
    CHECK_ERRNO (zmq_setsockopt (stream, ZMQ_STREAM_NOTIFY, &v, sizeof v), EINVAL);
    size_t len = sizeof v;
    CHECK_ERRNO (zmq_getsockopt (stream, ZMQ_STREAM_NOTIFY, &v, &len), EINVAL);
    void *dealer = new_socket (ctx, ZMQ_DEALER);
    v = 0;
    CHECK_ERRNO (zmq_setsockopt (dealer, ZMQ_STREAM_NOTIFY, &v, sizeof v), EINVAL);
    CHECK (zmq_close (dealer) == 0);

    set_int (stream, ZMQ_STREAM_NOTIFY, 0);
    char ep[256];
    bind_any (stream, "tcp://127.0.0.1:*", ep, sizeof ep);
    int c = tcp_client (port_of (ep));
    write_all (c, "x", 1);
    unsigned char id[256];
    size_t id_size;
    char buf[16];
    /* no connect notification: the first message is data */
    CHECK_EQ_INT (1, recv_pair (stream, id, &id_size, buf, sizeof buf));
    CHECK_EQ_INT ('x', buf[0]);
    close (c);
    /* no disconnect notification either */
    CHECK_ERRNO (zmq_recv (stream, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    set_int (stream, ZMQ_RCVTIMEO, 200);
    CHECK_ERRNO (zmq_recv (stream, buf, sizeof buf, 0), EAGAIN);
    CHECK (zmq_close (stream) == 0);
}

static void test_client_to_bsd_server (void *ctx)
{
    int port;
    int listener = tcp_listener (&port);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);

    void *stream = new_socket (ctx, ZMQ_STREAM);
    CHECK (zmq_connect (stream, ep) == 0);
    /* the connection's routing id is known at once, and data may be queued */
    unsigned char id[256];
    size_t id_size = sizeof id;
    CHECK (zmq_getsockopt (stream, ZMQ_ROUTING_ID, id, &id_size) == 0);
    CHECK_EQ_INT (5, id_size);
    CHECK_EQ_INT (0, id[0]);
    const char req[] = "GET / HTTP/1.0\r\n\r\n";
    send_pair (stream, id, id_size, req, sizeof req - 1);

    int server = accept_within (listener);
    unsigned char got[256];
    size_t got_size;
    recv_notice (stream, got, &got_size);
    CHECK (got_size == id_size && memcmp (got, id, id_size) == 0);
    read_exactly (server, req, sizeof req - 1);
    const char resp[] = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    write_all (server, resp, sizeof resp - 1);
    recv_bytes (stream, id, id_size, resp, sizeof resp - 1);

    /* the server hangs up: [id, empty] (nothing listens any more, so no reconnect) */
    close (listener);
    close (server);
    recv_notice (stream, got, &got_size);
    CHECK (got_size == id_size && memcmp (got, id, id_size) == 0);

    /* ZMQ_CONNECT_ROUTING_ID names the next connection */
    listener = tcp_listener (&port);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK (zmq_setsockopt (stream, ZMQ_CONNECT_ROUTING_ID, "web", 3) == 0);
    CHECK (zmq_connect (stream, ep) == 0);
    send_pair (stream, (const unsigned char *) "web", 3, "ping", 4);
    server = accept_within (listener);
    recv_notice (stream, got, &got_size);
    CHECK (got_size == 3 && memcmp (got, "web", 3) == 0);
    read_exactly (server, "ping", 4);
    write_all (server, "pong", 4);
    recv_bytes (stream, (const unsigned char *) "web", 3, "pong", 4);
    /* closing it from our side: the server sees EOF, we get no notification */
    send_pair (stream, (const unsigned char *) "web", 3, "", 0);
    expect_eof (server);
    char buf[16];
    set_int (stream, ZMQ_RCVTIMEO, 200);
    CHECK_ERRNO (zmq_recv (stream, buf, sizeof buf, 0), EAGAIN);
    close (server);
    close (listener);
    CHECK (zmq_close (stream) == 0);
}

static void test_stream_to_stream_http (void *ctx)
{
    void *server = new_socket (ctx, ZMQ_STREAM);
    void *client = new_socket (ctx, ZMQ_STREAM);
    char ep[256];
    bind_any (server, "tcp://127.0.0.1:*", ep, sizeof ep);
    CHECK (zmq_connect (client, ep) == 0);

    unsigned char sid[256], cid[256];
    size_t sid_size, cid_size;
    recv_notice (server, sid, &sid_size);
    recv_notice (client, cid, &cid_size);
    size_t own_size = sizeof cid;
    unsigned char own[256];
    CHECK (zmq_getsockopt (client, ZMQ_ROUTING_ID, own, &own_size) == 0);
    CHECK (own_size == cid_size && memcmp (own, cid, cid_size) == 0);

    const char req[] = "GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
    send_pair (client, cid, cid_size, req, sizeof req - 1);
    recv_bytes (server, sid, sid_size, req, sizeof req - 1);

    const char resp[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello, World!";
    send_pair (server, sid, sid_size, resp, sizeof resp - 1);
    send_pair (server, sid, sid_size, "", 0);
    recv_bytes (client, cid, cid_size, resp, sizeof resp - 1);
    unsigned char gone[256];
    size_t gone_size;
    recv_notice (client, gone, &gone_size);
    CHECK (gone_size == cid_size && memcmp (gone, cid, cid_size) == 0);
    CHECK (zmq_close (client) == 0);
    CHECK (zmq_close (server) == 0);
}

static void test_ipc (void *ctx)
{
    char path[] = "/tmp/zmqrs-stream-XXXXXX";
    int tmp = mkstemp (path);
    CHECK (tmp >= 0);
    close (tmp);
    unlink (path);
    char ep[300];
    snprintf (ep, sizeof ep, "ipc://%s", path);
    void *stream = new_socket (ctx, ZMQ_STREAM);
    CHECK (zmq_bind (stream, ep) == 0);

    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    set_timeouts (fd);
    struct sockaddr_un a;
    memset (&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    CHECK (strlen (path) < sizeof a.sun_path);
    strcpy (a.sun_path, path);
    CHECK (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    unsigned char id[256];
    size_t id_size;
    recv_notice (stream, id, &id_size);
    write_all (fd, "over ipc", 8);
    recv_bytes (stream, id, id_size, "over ipc", 8);
    send_pair (stream, id, id_size, "back", 4);
    read_exactly (fd, "back", 4);
    close (fd);
    unsigned char gone[256];
    size_t gone_size;
    recv_notice (stream, gone, &gone_size);
    CHECK (gone_size == id_size && memcmp (gone, id, id_size) == 0);
    CHECK (zmq_close (stream) == 0);
}

/* ZMQ_IN_BATCH_SIZE is how much a connection reads at once: a STREAM never delivers
 * more than that in one message, as libzmq's raw decoder. */
static void test_in_batch_size (void *ctx)
{
    void *stream = new_socket (ctx, ZMQ_STREAM);
    set_int (stream, ZMQ_IN_BATCH_SIZE, 100);
    CHECK_EQ_INT (100, get_int (stream, ZMQ_IN_BATCH_SIZE));
    char ep[256];
    bind_any (stream, "tcp://127.0.0.1:*", ep, sizeof ep);
    int c = tcp_client (port_of (ep));
    unsigned char id[256];
    size_t id_size;
    char data[2048];
    CHECK_EQ_INT (0, recv_pair (stream, id, &id_size, data, sizeof data));
    char big[1000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char) ('a' + i % 26);
    write_all (c, big, sizeof big);
    size_t got = 0;
    while (got < sizeof big) {
        int n = recv_pair (stream, id, &id_size, data, sizeof data);
        CHECK (n > 0 && n <= 100);
        CHECK (memcmp (data, big + got, (size_t) n) == 0);
        got += (size_t) n;
    }
    CHECK_EQ_INT (sizeof big, got);
    close (c);
    CHECK (zmq_close (stream) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_server_with_bsd_clients (ctx);
    test_options_and_no_notify (ctx);
    test_client_to_bsd_server (ctx);
    test_stream_to_stream_http (ctx);
    test_ipc (ctx);
    test_in_batch_size (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
