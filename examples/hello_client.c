// Request/reply, the client: a REQ socket sends "Hello" and waits for "World".
//   hello_client [endpoint [count]]
// connects to `endpoint` (tcp://localhost:5555 by default) and makes `count` requests
// (10 by default). Gives up after 5 seconds without a reply rather than waiting forever.

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main (int argc, char *argv[])
{
    const char *endpoint = argc > 1 ? argv[1] : "tcp://localhost:5555";
    long count = argc > 2 ? atol (argv[2]) : 10;

    void *context = zmq_ctx_new ();
    void *requester = zmq_socket (context, ZMQ_REQ);
    int timeout = 5000, linger = 0;
    zmq_setsockopt (requester, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (requester, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect (requester, endpoint) != 0) {
        fprintf (stderr, "hello_client: cannot connect to %s: %s\n", endpoint,
                 zmq_strerror (zmq_errno ()));
        return 1;
    }

    int status = 0;
    for (long i = 0; i < count; i++) {
        zmq_send (requester, "Hello", 5, 0);
        char reply[16];
        int n = zmq_recv (requester, reply, sizeof reply, 0);
        if (n != 5 || memcmp (reply, "World", 5) != 0) {
            fprintf (stderr, "hello_client: no \"World\" for request %ld: %s\n", i,
                     n < 0 ? zmq_strerror (zmq_errno ()) : "wrong reply");
            status = 1;
            break;
        }
        printf ("Received World %ld\n", i);
    }
    zmq_close (requester);
    zmq_ctx_term (context);
    return status;
}
