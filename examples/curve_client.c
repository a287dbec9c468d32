// CURVE, the client: a REQ socket that knows the server's public key and has a key
// pair of its own; the server lets it in only if it knows the client's public key.
//   curve_client endpoint server-public-key keyfile [count]
// makes `count` requests (3 by default). A refused client never gets a reply: it
// gives up after 2 seconds and exits 1.

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main (int argc, char *argv[])
{
    if (argc < 4) {
        fprintf (stderr, "usage: curve_client endpoint server-public-key keyfile [count]\n");
        return 2;
    }
    char public_key[41], secret_key[41];
    FILE *file = fopen (argv[3], "r");
    if (!file
        || fscanf (file, " public-key = %40s secret-key = %40s", public_key, secret_key)
             != 2) {
        fprintf (stderr, "curve_client: no key pair in %s\n", argv[3]);
        return 1;
    }
    fclose (file);
    long count = argc > 4 ? atol (argv[4]) : 3;

    void *context = zmq_ctx_new ();
    void *client = zmq_socket (context, ZMQ_REQ);
    zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, argv[2], strlen (argv[2]));
    zmq_setsockopt (client, ZMQ_CURVE_PUBLICKEY, public_key, 40);
    zmq_setsockopt (client, ZMQ_CURVE_SECRETKEY, secret_key, 40);
    int timeout = 2000, linger = 0;
    zmq_setsockopt (client, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (client, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect (client, argv[1]);

    int status = 0;
    for (long i = 0; i < count; i++) {
        zmq_send (client, "Hello", 5, 0);
        char reply[16];
        int n = zmq_recv (client, reply, sizeof reply, 0);
        if (n != 5 || memcmp (reply, "World", 5) != 0) {
            fprintf (stderr, "curve_client: no reply within 2 s (refused by the server?)\n");
            status = 1;
            break;
        }
        printf ("Received World %ld\n", i);
    }
    zmq_close (client);
    zmq_ctx_term (context);
    return status;
}
