// Request/reply, the server: a REP socket answers every "Hello" with "World".
//   hello_server [endpoint [count]]
// binds `endpoint` (tcp://*:5555 by default; tcp://127.0.0.1:* picks a free port),
// prints the endpoint it got, and serves `count` requests (forever by default).

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main (int argc, char *argv[])
{
    const char *endpoint = argc > 1 ? argv[1] : "tcp://*:5555";
    long count = argc > 2 ? atol (argv[2]) : -1;

    void *context = zmq_ctx_new ();
    void *responder = zmq_socket (context, ZMQ_REP);
    if (zmq_bind (responder, endpoint) != 0) {
        fprintf (stderr, "hello_server: cannot bind %s: %s\n", endpoint,
                 zmq_strerror (zmq_errno ()));
        return 1;
    }
    char bound[256];
    size_t size = sizeof bound;
    zmq_getsockopt (responder, ZMQ_LAST_ENDPOINT, bound, &size);
    printf ("hello_server: bound to %s\n", bound);
    fflush (stdout);

    for (long served = 0; count < 0 || served < count; served++) {
        char request[16];
        int n = zmq_recv (responder, request, sizeof request - 1, 0);
        if (n < 0) {
            fprintf (stderr, "hello_server: recv: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        request[n < (int) sizeof request - 1 ? n : (int) sizeof request - 1] = '\0';
        printf ("Received %s\n", request);
        zmq_send (responder, "World", 5, 0);
    }
    zmq_close (responder);
    zmq_ctx_term (context);
    return 0;
}
