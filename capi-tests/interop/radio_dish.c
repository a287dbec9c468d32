/* RADIO/DISH across implementations (tests/interop.rs builds this against libzmq-rs and
 * against a draft-enabled libzmq 4.3.5; the system libzmq has no draft API).
 *
 *   radio_dish radio|dish ENDPOINT bind|connect
 *
 * A binding node prints "ENDPOINT <endpoint>" first. The RADIO sends "bad" to group
 * Movies and "good" to group TV for a few seconds; the DISH joins TV, must get only
 * TV messages, then joins Movies and must get one of those too. Exit 0: every check
 * held. */
#include <zmq.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAIL(...)                                                              \
    do {                                                                       \
        printf ("FAIL: ");                                                     \
        printf (__VA_ARGS__);                                                  \
        printf (" (errno %d: %s)\n", zmq_errno (), zmq_strerror (zmq_errno ())); \
        exit (1);                                                              \
    } while (0)

static void send_group (void *s, const char *group, const char *body)
{
    zmq_msg_t m;
    zmq_msg_init_size (&m, strlen (body));
    memcpy (zmq_msg_data (&m), body, strlen (body));
    if (zmq_msg_set_group (&m, group) || zmq_msg_send (&m, s, 0) < 0)
        FAIL ("send to %s", group);
}

/* The group of the next message, which must be `body` for that group. */
static int recv_is (void *s, const char *group)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, s, 0) < 0)
        FAIL ("recv");
    int same = strcmp (zmq_msg_group (&m), group) == 0;
    const char *body = strcmp (zmq_msg_group (&m), "TV") == 0 ? "good" : "bad";
    if (zmq_msg_size (&m) != strlen (body) || memcmp (zmq_msg_data (&m), body, strlen (body)))
        FAIL ("body of a %s message", zmq_msg_group (&m));
    zmq_msg_close (&m);
    return same;
}

int main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: radio_dish radio|dish ENDPOINT bind|connect\n");
        return 2;
    }
    int radio = strcmp (argv[1], "radio") == 0;
    const char *endpoint = argv[2];
    int bind = strcmp (argv[3], "bind") == 0;
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, radio ? ZMQ_RADIO : ZMQ_DISH);
    int timeout = 10000, linger = 0;
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger);
    if (!radio && zmq_join (s, "TV"))
        FAIL ("join");
    if (bind) {
        if (zmq_bind (s, endpoint))
            FAIL ("bind %s", endpoint);
        char ep[256];
        size_t len = sizeof ep;
        zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len);
        /* udp endpoints are reported without their scheme. */
        printf ("ENDPOINT %s\n", strncmp (endpoint, "udp://", 6) == 0 ? endpoint : ep);
        fflush (stdout);
    } else if (zmq_connect (s, endpoint))
        FAIL ("connect %s", endpoint);

    if (radio) {
        for (int i = 0; i < 60; i++) {
            send_group (s, "Movies", "bad");
            send_group (s, "TV", "good");
            usleep (50 * 1000);
        }
    } else {
        for (int i = 0; i < 3; i++)
            if (!recv_is (s, "TV"))
                FAIL ("a message of a group not joined");
        if (zmq_join (s, "Movies"))
            FAIL ("join Movies");
        int movies = 0;
        for (int i = 0; i < 10 && !movies; i++)
            movies = recv_is (s, "Movies");
        if (!movies)
            FAIL ("nothing from Movies after joining it");
    }
    zmq_close (s);
    zmq_ctx_term (ctx);
    printf ("OK %s\n", argv[1]);
    return 0;
}
