// Publish/subscribe, the publisher: a PUB socket sends weather updates
// "zipcode temperature humidity" for 100 zip codes (10000 to 10099) until SIGINT or
// SIGTERM, then closes and exits 0.
//   weather_server [endpoint]
// binds `endpoint` (tcp://*:5556 by default) and prints the endpoint it got.

#include <zmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t interrupted;

static void on_signal (int signal_value)
{
    (void) signal_value;
    interrupted = 1;
}

int main (int argc, char *argv[])
{
    const char *endpoint = argc > 1 ? argv[1] : "tcp://*:5556";

    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);

    void *context = zmq_ctx_new ();
    void *publisher = zmq_socket (context, ZMQ_PUB);
    if (zmq_bind (publisher, endpoint) != 0) {
        fprintf (stderr, "weather_server: cannot bind %s: %s\n", endpoint,
                 zmq_strerror (zmq_errno ()));
        return 1;
    }
    char bound[256];
    size_t size = sizeof bound;
    zmq_getsockopt (publisher, ZMQ_LAST_ENDPOINT, bound, &size);
    printf ("weather_server: bound to %s\n", bound);
    fflush (stdout);

    srand ((unsigned) time (NULL));
    long sent = 0;
    while (!interrupted) {
        char update[32];
        int n = snprintf (update, sizeof update, "%05d %d %d", 10000 + rand () % 100,
                          rand () % 215 - 80, rand () % 50 + 10);
        /* A PUB socket never blocks: with no subscriber, updates are dropped. */
        zmq_send (publisher, update, (size_t) n, 0);
        /* A pause every 100 updates keeps this from taking a whole core. */
        if (++sent % 100 == 0) {
            struct timespec pause = {0, 1000000};
            nanosleep (&pause, NULL);
        }
    }
    printf ("weather_server: interrupted after %ld updates\n", sent);
    zmq_close (publisher);
    zmq_ctx_term (context);
    return 0;
}
