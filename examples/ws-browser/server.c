/* The other end of index.html: a REP socket on a ws:// endpoint that answers each
 * request with "echo: " and the request, and prints what it got.
 *
 *   server [ENDPOINT [COUNT]]      (default ws://127.0.0.1:5555/, 1 request)
 *
 * It prints "ENDPOINT <the bound endpoint>" first, then "REQUEST <text>" per request,
 * and gives up after 20 s without one. */
#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main (int argc, char **argv)
{
    const char *endpoint = argc > 1 ? argv[1] : "ws://127.0.0.1:5555/";
    int count = argc > 2 ? atoi (argv[2]) : 1;
    void *ctx = zmq_ctx_new ();
    void *rep = zmq_socket (ctx, ZMQ_REP);
    int timeout = 20000;
    zmq_setsockopt (rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind (rep, endpoint) != 0) {
        printf ("FAIL: bind %s: %s\n", endpoint, zmq_strerror (zmq_errno ()));
        return 1;
    }
    char bound[256];
    size_t len = sizeof bound;
    zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, bound, &len);
    printf ("ENDPOINT %s\n", bound);
    fflush (stdout);
    for (int i = 0; i < count; i++) {
        char buf[1024];
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        if (n < 0) {
            printf ("FAIL: recv: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        if (n > (int) sizeof buf - 1)
            n = sizeof buf - 1;
        buf[n] = 0;
        printf ("REQUEST %s\n", buf);
        fflush (stdout);
        char out[1100];
        snprintf (out, sizeof out, "echo: %s", buf);
        zmq_send (rep, out, strlen (out), 0);
    }
    int linger = 1000;
    zmq_setsockopt (rep, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close (rep);
    zmq_ctx_term (ctx);
    return 0;
}
