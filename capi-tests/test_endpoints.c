/* Endpoints as libzmq treats them: a tcp name resolved at each connection attempt, not
 * at zmq_connect; host names and interfaces to bind; IPv6 dual-stack listeners and
 * their ZMQ_LAST_ENDPOINT; unbind and disconnect as one operation; the ipc wildcard in
 * $TMPDIR; the Peer-Address and ZMQ_SRCFD of ipc messages. */
#define _GNU_SOURCE
#include "testutil.h"

#include <sys/stat.h>

static void *new_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, 3000);
    set_int (s, ZMQ_SNDTIMEO, 3000);
    return s;
}

static void last_endpoint (void *s, char *out, size_t size)
{
    size_t len = size;
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, out, &len) == 0);
}

static void send_and_receive (void *from, void *to)
{
    CHECK (zmq_send (from, "ping", 4, 0) == 4);
    char buf[8];
    CHECK_EQ_INT (4, zmq_recv (to, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "ping", 4) == 0);
}

/* Binds again what was just unbound (the listener closes in an I/O thread). */
static int bind_retry (void *s, const char *ep)
{
    int rc = -1;
    for (int i = 0; i < 100; i++) {
        rc = zmq_bind (s, ep);
        if (rc == 0 || errno != EADDRINUSE)
            break;
        usleep (10000);
    }
    return rc;
}

/* A name that does not resolve is not an error at zmq_connect: every reconnection
 * attempt tries it again (the monitor sees them retried). */
static void test_unresolved_name_is_retried (void *ctx)
{
    void *push = new_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    CHECK (zmq_socket_monitor (push, "inproc://mon-unresolved", ZMQ_EVENT_CONNECT_RETRIED) == 0);
    void *mon = new_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (mon, "inproc://mon-unresolved") == 0);
    CHECK (zmq_connect (push, "tcp://name-not-resolving.invalid:5555") == 0);
    char ep[256];
    last_endpoint (push, ep, sizeof ep);
    CHECK (strcmp (ep, "tcp://name-not-resolving.invalid:5555") == 0);
    for (int i = 0; i < 3; i++) {
        unsigned char ev[64];
        CHECK (zmq_recv (mon, ev, sizeof ev, 0) >= 6);
        CHECK_EQ_INT (ZMQ_EVENT_CONNECT_RETRIED, ev[0] | ev[1] << 8);
        CHECK (zmq_recv (mon, ev, sizeof ev, 0) >= 0); /* the endpoint frame */
    }
    /* The form is still checked at once. */
    CHECK_ERRNO (zmq_connect (push, "tcp://127.0.0.1:5555 "), EINVAL);
    CHECK_ERRNO (zmq_connect (push, "tcp://127.0.0.1"), EINVAL);
    CHECK (zmq_socket_monitor (push, NULL, 0) == 0);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (mon) == 0);
}

/* Connecting by name before the peer exists: the connection is made once it binds. */
static void test_connect_by_name_before_bind (void *ctx)
{
    void *pull = new_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "tcp://localhost:*") == 0);
    char ep[256];
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    const char *port = strrchr (ep, ':') + 1;
    /* Free the port, connect to it by name, then bind it again. */
    CHECK (zmq_unbind (pull, ep) == 0);
    void *push = new_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 20);
    char named[64];
    snprintf (named, sizeof named, "tcp://localhost:%s", port);
    CHECK (zmq_connect (push, named) == 0);
    CHECK (bind_retry (pull, ep) == 0);
    send_and_receive (push, pull);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
}

/* With ZMQ_IPV6 an IPv4 address is bound as IPv4-mapped on a dual-stack socket, and
 * reported so; an IPv4-only peer reaches it. */
static void test_ipv6_dual_stack (void *ctx)
{
    void *pull = new_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_IPV6, 1);
    CHECK (zmq_bind (pull, "tcp://127.0.0.1:*") == 0);
    char ep[256];
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://[::ffff:127.0.0.1]:", 25) == 0);
    char v4[64];
    snprintf (v4, sizeof v4, "tcp://127.0.0.1:%s", strrchr (ep, ':') + 1);
    void *push = new_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_connect (push, v4) == 0);
    send_and_receive (push, pull);
    /* The IPv4 name unbinds it too (it resolves to the mapped address). */
    CHECK (zmq_unbind (pull, v4) == 0);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
}

/* zmq_unbind and zmq_disconnect are one operation, as in libzmq. */
static void test_unbind_and_disconnect_cross (void *ctx)
{
    void *s = new_socket (ctx, ZMQ_DEALER);
    char ep[256];
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    last_endpoint (s, ep, sizeof ep);
    CHECK (zmq_disconnect (s, ep) == 0);
    CHECK_ERRNO (zmq_unbind (s, ep), ENOENT);
    CHECK (zmq_connect (s, "tcp://127.0.0.1:1") == 0);
    CHECK (zmq_unbind (s, "tcp://127.0.0.1:1") == 0);
    CHECK_ERRNO (zmq_disconnect (s, "tcp://127.0.0.1:1"), ENOENT);
    /* A wildcard endpoint is known by the address it got, not by the wildcard. */
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    CHECK_ERRNO (zmq_unbind (s, "tcp://127.0.0.1:*"), ENOENT);
    /* A name finds the address it resolves to. */
    last_endpoint (s, ep, sizeof ep);
    char named[64];
    snprintf (named, sizeof named, "tcp://localhost:%s", strrchr (ep, ':') + 1);
    CHECK (zmq_unbind (s, named) == 0);
    /* inproc: a bound name is withdrawn by either call, a connected one too. */
    CHECK (zmq_bind (s, "inproc://cross") == 0);
    CHECK (zmq_disconnect (s, "inproc://cross") == 0);
    CHECK (zmq_connect (s, "inproc://cross") == 0);
    CHECK (zmq_unbind (s, "inproc://cross") == 0);
    CHECK_ERRNO (zmq_unbind (s, "inproc://cross"), ENOENT);
    /* Transports not built, and udp and pgm on other types, fail before the lookup. */
    CHECK_ERRNO (zmq_unbind (s, "vmci://1:5555"), EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_unbind (s, "pgm://lo;239.0.0.1:5555"),
                 zmq_has ("pgm") ? ENOCOMPATPROTO : EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_disconnect (s, "udp://127.0.0.1:5555"), ENOCOMPATPROTO);
    CHECK (zmq_close (s) == 0);
}

/* The ipc wildcard (ipc://STAR) makes its private directory in $TMPDIR; the directory
 * goes with the listener, at unbind or close. */
static void test_ipc_wildcard (void *ctx)
{
    char base[] = "/tmp/zmqrs-endpoints-XXXXXX";
    CHECK (mkdtemp (base) != NULL);
    const char *saved = getenv ("TMPDIR");
    char *saved_copy = saved ? strdup (saved) : NULL;
    setenv ("TMPDIR", base, 1);

    void *pull = new_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "ipc://*") == 0);
    char ep[256];
    last_endpoint (pull, ep, sizeof ep);
    char prefix[300];
    snprintf (prefix, sizeof prefix, "ipc://%s/tmp", base);
    CHECK (strncmp (ep, prefix, strlen (prefix)) == 0);
    CHECK (strcmp (ep + strlen (ep) - 7, "/socket") == 0);
    char dir[256];
    snprintf (dir, sizeof dir, "%s", ep + 6);
    *strrchr (dir, '/') = 0;

    /* The directory goes with the listener, so its path cannot be bound again. */
    CHECK (zmq_unbind (pull, ep) == 0);
    struct stat st;
    CHECK (stat (dir, &st) != 0 && errno == ENOENT);
    CHECK_ERRNO (zmq_bind (pull, ep), ENOENT);
    CHECK (zmq_bind (pull, "ipc://*") == 0);
    last_endpoint (pull, ep, sizeof ep);
    snprintf (dir, sizeof dir, "%s", ep + 6);
    *strrchr (dir, '/') = 0;
    void *push = new_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_connect (push, ep) == 0);
    send_and_receive (push, pull);

    /* A message over ipc says where it came from: "localhost:uid:gid:pid". */
    CHECK (zmq_send (push, "x", 1, 0) == 1);
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK (zmq_msg_recv (&m, pull, 0) == 1);
    char expected[128];
    snprintf (expected, sizeof expected, "localhost:%u:%u:%d", (unsigned) getuid (),
              (unsigned) getgid (), (int) getpid ());
    const char *peer = zmq_msg_gets (&m, "Peer-Address");
    CHECK (peer && strcmp (peer, expected) == 0);
    CHECK (zmq_msg_get (&m, ZMQ_SRCFD) >= 0);
    zmq_msg_close (&m);

    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
    CHECK (stat (dir, &st) != 0 && errno == ENOENT);
    CHECK (rmdir (base) == 0);
    if (saved_copy) {
        setenv ("TMPDIR", saved_copy, 1);
        free (saved_copy);
    } else
        unsetenv ("TMPDIR");
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_unresolved_name_is_retried (ctx);
    test_connect_by_name_before_bind (ctx);
    test_ipv6_dual_stack (ctx);
    test_unbind_and_disconnect_cross (ctx);
    test_ipc_wildcard (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
