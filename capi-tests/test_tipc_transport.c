/* tipc:// between two of our sockets, where the kernel has TIPC (skipped, with the
 * reason, where it has not): a service range bound and connected to by range and by
 * name in the zero domain, and a kernel-chosen identity (`<*>`) reported as
 * `<z.c.n:ref>` and connected to; multipart messages both ways. */
#include "testutil.h"

static void bounce (void *server, void *client)
{
    const char *parts[] = {"", "tipc", "a longer part that is not tiny at all"};
    for (int i = 0; i < 3; i++)
        CHECK (zmq_send (client, parts[i], strlen (parts[i]), i < 2 ? ZMQ_SNDMORE : 0)
               == (int) strlen (parts[i]));
    for (int i = 0; i < 3; i++) {
        char buf[64];
        int n = zmq_recv (server, buf, sizeof buf, 0);
        CHECK_EQ_INT (strlen (parts[i]), n);
        CHECK (memcmp (buf, parts[i], n) == 0);
        CHECK_EQ_INT (i < 2, get_int (server, ZMQ_RCVMORE));
    }
    CHECK (zmq_send (server, "back", 4, 0) == 4);
    char buf[8];
    CHECK_EQ_INT (4, zmq_recv (client, buf, sizeof buf, 0));
    CHECK (memcmp (buf, "back", 4) == 0);
}

int main (void)
{
    int fd = socket (30 /* AF_TIPC */, SOCK_STREAM, 0);
    if (fd < 0)
        SKIP ("the kernel has no TIPC (socket (AF_TIPC) fails; modprobe tipc where "
              "the module exists)");
    close (fd);

    void *ctx = zmq_ctx_new ();
    const char *connects[] = {"tipc://{5560,0,0}", "tipc://{5560,0}@0.0.0"};
    for (int i = 0; i < 2; i++) {
        void *server = zmq_socket (ctx, ZMQ_REP);
        void *client = zmq_socket (ctx, ZMQ_REQ);
        set_int (server, ZMQ_RCVTIMEO, 5000);
        set_int (client, ZMQ_RCVTIMEO, 5000);
        CHECK (zmq_bind (server, "tipc://{5560,0,0}") == 0);
        CHECK (zmq_connect (client, connects[i]) == 0);
        bounce (server, client);
        CHECK (zmq_close (client) == 0);
        CHECK (zmq_close (server) == 0);
    }

    void *server = zmq_socket (ctx, ZMQ_REP);
    void *client = zmq_socket (ctx, ZMQ_REQ);
    set_int (server, ZMQ_RCVTIMEO, 5000);
    set_int (client, ZMQ_RCVTIMEO, 5000);
    CHECK (zmq_bind (server, "tipc://<*>") == 0);
    char ep[256];
    size_t len = sizeof ep;
    CHECK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    unsigned z, c, n, ref;
    CHECK_EQ_INT (4, sscanf (ep, "tipc://<%u.%u.%u:%u>", &z, &c, &n, &ref));
    CHECK (ref != 0);
    CHECK (zmq_connect (client, ep) == 0);
    bounce (server, client);
    CHECK (zmq_close (client) == 0);
    CHECK (zmq_close (server) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
