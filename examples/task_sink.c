// Pipeline, the sink: collects the workers' results (PULL) until it has as many as
// the ventilator announced, reports the time the batch took, then sends "KILL" to
// every worker on its control channel (PUB).
//   task_sink [results-endpoint [control-endpoint]]
// binds tcp://*:5558 and tcp://*:5559 by default and prints the endpoints it got.

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long now_msec (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return (long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *bind_and_show (void *context, int type, const char *endpoint)
{
    void *socket = zmq_socket (context, type);
    if (zmq_bind (socket, endpoint) != 0) {
        fprintf (stderr, "task_sink: cannot bind %s: %s\n", endpoint,
                 zmq_strerror (zmq_errno ()));
        exit (1);
    }
    char bound[256];
    size_t size = sizeof bound;
    zmq_getsockopt (socket, ZMQ_LAST_ENDPOINT, bound, &size);
    printf ("task_sink: bound to %s\n", bound);
    fflush (stdout);
    return socket;
}

int main (int argc, char *argv[])
{
    void *context = zmq_ctx_new ();
    void *receiver = bind_and_show (context, ZMQ_PULL, argc > 1 ? argv[1] : "tcp://*:5558");
    void *controller = bind_and_show (context, ZMQ_PUB, argc > 2 ? argv[2] : "tcp://*:5559");

    /* The ventilator's "batch N" and the first results race each other here; whichever
     * comes first, the batch is complete when N results are in. */
    long expected = -1, results = 0, work_msec = 0, start = 0;
    while (expected < 0 || results < expected) {
        char message[32];
        int n = zmq_recv (receiver, message, sizeof message - 1, 0);
        if (n < 0) {
            fprintf (stderr, "task_sink: recv: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        message[n < (int) sizeof message - 1 ? n : (int) sizeof message - 1] = '\0';
        if (strncmp (message, "batch ", 6) == 0) {
            expected = atol (message + 6);
            start = now_msec ();
        } else if (strncmp (message, "done ", 5) == 0) {
            results++;
            work_msec += atol (message + 5);
        } else {
            fprintf (stderr, "task_sink: unexpected message \"%s\"\n", message);
            return 1;
        }
    }
    printf ("task_sink: %ld results, %ld ms of work in %ld ms\n", results, work_msec,
            now_msec () - start);
    zmq_send (controller, "KILL", 4, 0);
    zmq_close (receiver);
    zmq_close (controller);
    zmq_ctx_term (context);
    return 0;
}
