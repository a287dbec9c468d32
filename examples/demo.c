/* A C program written for libzmq 4.3.5, unchanged: messages with a free function,
 * Z85 round trips, CURVE keys and timers. Built by the README's Quick start with
 *   cc examples/demo.c $(pkg-config --cflags --libs libzmq-rs)
 * Prints "demo: OK" and exits 0 when every check holds. */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int freed;

static void release (void *data, void *hint)
{
    (void) hint;
    free (data);
    freed++;
}

static int fired[2];

static void on_timer (int id, void *arg)
{
    (void) id;
    fired[*(int *) arg]++;
}

#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "demo: %s failed (%s)\n", #cond,                  \
                     zmq_strerror (zmq_errno ()));                             \
            return 1;                                                          \
        }                                                                      \
    } while (0)

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("demo: zmq.h %d.%d.%d, library %d.%d.%d\n", ZMQ_VERSION_MAJOR,
            ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH, major, minor, patch);
    REQUIRE (ZMQ_MAKE_VERSION (major, minor, patch) == ZMQ_VERSION);

    /* A message that owns a malloc'ed buffer, shared by a copy. */
    char *text = strdup ("Hello, libzmq-rs");
    zmq_msg_t msg, copy;
    REQUIRE (zmq_msg_init_data (&msg, text, strlen (text), release, NULL) == 0);
    REQUIRE (zmq_msg_init (&copy) == 0);
    REQUIRE (zmq_msg_copy (&copy, &msg) == 0);
    REQUIRE (zmq_msg_data (&copy) == text);
    REQUIRE (zmq_msg_close (&msg) == 0 && freed == 0);
    REQUIRE (zmq_msg_close (&copy) == 0 && freed == 1);

    /* Z85: the spec's vector, and a round trip. */
    const uint8_t hello[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char encoded[11];
    REQUIRE (zmq_z85_encode (encoded, hello, 8) != NULL);
    REQUIRE (strcmp (encoded, "HelloWorld") == 0);
    uint8_t decoded[8];
    REQUIRE (zmq_z85_decode (decoded, encoded) != NULL);
    REQUIRE (memcmp (decoded, hello, 8) == 0);

    /* CURVE keys: the public key is derived from the secret one. */
    char public_key[41], secret_key[41], derived[41];
    REQUIRE (zmq_curve_keypair (public_key, secret_key) == 0);
    REQUIRE (zmq_curve_public (derived, secret_key) == 0);
    REQUIRE (strcmp (derived, public_key) == 0);

    /* Timers: the 10 ms one fires, the cancelled one never does. */
    void *timers = zmq_timers_new ();
    REQUIRE (timers != NULL);
    int first = 0, second = 1;
    int id = zmq_timers_add (timers, 10, on_timer, &first);
    int cancelled = zmq_timers_add (timers, 10, on_timer, &second);
    REQUIRE (id >= 0 && cancelled >= 0);
    REQUIRE (zmq_timers_cancel (timers, cancelled) == 0);
    while (fired[0] == 0) {
        long timeout = zmq_timers_timeout (timers);
        REQUIRE (timeout >= 0 && timeout <= 10);
        struct timespec pause = {0, timeout * 1000000L};
        nanosleep (&pause, NULL);
        REQUIRE (zmq_timers_execute (timers) == 0);
    }
    REQUIRE (fired[1] == 0);
    REQUIRE (zmq_timers_destroy (&timers) == 0 && timers == NULL);

    puts ("demo: OK");
    return 0;
}
