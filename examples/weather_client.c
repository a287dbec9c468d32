// Publish/subscribe, the subscriber: a SUB socket takes only the updates of one zip
// code (a prefix subscription) and averages their temperature.
//   weather_client [endpoint [zipcode [count]]]
// connects to `endpoint` (tcp://localhost:5556 by default), subscribes to `zipcode`
// (10001) and reads `count` updates (100).

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main (int argc, char *argv[])
{
    const char *endpoint = argc > 1 ? argv[1] : "tcp://localhost:5556";
    const char *zipcode = argc > 2 ? argv[2] : "10001";
    long count = argc > 3 ? atol (argv[3]) : 100;

    void *context = zmq_ctx_new ();
    void *subscriber = zmq_socket (context, ZMQ_SUB);
    int timeout = 5000;
    zmq_setsockopt (subscriber, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_connect (subscriber, endpoint) != 0) {
        fprintf (stderr, "weather_client: cannot connect to %s: %s\n", endpoint,
                 zmq_strerror (zmq_errno ()));
        return 1;
    }
    /* "10001 ": the space keeps 100010 out, were there six-digit codes. */
    char filter[16];
    snprintf (filter, sizeof filter, "%s ", zipcode);
    zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, filter, strlen (filter));

    long total_temp = 0;
    for (long i = 0; i < count; i++) {
        char update[32];
        int n = zmq_recv (subscriber, update, sizeof update - 1, 0);
        if (n < 0) {
            fprintf (stderr, "weather_client: recv: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        update[n < (int) sizeof update - 1 ? n : (int) sizeof update - 1] = '\0';
        int zip, temperature, humidity;
        if (sscanf (update, "%d %d %d", &zip, &temperature, &humidity) != 3
            || strncmp (update, filter, strlen (filter)) != 0) {
            fprintf (stderr, "weather_client: unexpected update \"%s\"\n", update);
            return 1;
        }
        total_temp += temperature;
    }
    printf ("Average temperature for zipcode '%s' was %dF over %ld updates\n", zipcode,
            (int) (total_temp / count), count);
    zmq_close (subscriber);
    zmq_ctx_term (context);
    return 0;
}
