// CURVE, the server: a REP socket that talks only over CurveZMQ (encrypted and
// authenticated), with a ZAP handler (RFC 27) in the same poll loop that lets in only
// the clients whose public keys it was given. Every request shows the User-Id the
// handler gave its client.
//   curve_server keyfile endpoint count [client-public-key ...]
// reads its key pair from `keyfile` (written by curve_keygen), binds `endpoint`,
// prints the endpoint it got and its public key, and answers `count` requests.

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_keys (const char *path, char *public_key, char *secret_key)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    int found = fscanf (file, " public-key = %40s secret-key = %40s", public_key,
                        secret_key);
    fclose (file);
    return found == 2 ? 0 : -1;
}

/* Answers one ZAP request: 200 for a listed client key, 400 for any other. */
static void authenticate (void *handler, char **allowed, int allowed_count)
{
    zmq_msg_t frames[8];
    int count = 0, more = 1;
    while (more && count < 8) {
        zmq_msg_init (&frames[count]);
        if (zmq_msg_recv (&frames[count], handler, 0) < 0)
            return;
        more = zmq_msg_more (&frames[count]);
        count++;
    }
    /* version, request id, domain, address, routing id, mechanism, credentials */
    char client_key[41] = "";
    if (count == 7 && zmq_msg_size (&frames[5]) == 5
        && memcmp (zmq_msg_data (&frames[5]), "CURVE", 5) == 0
        && zmq_msg_size (&frames[6]) == 32)
        zmq_z85_encode (client_key, (const uint8_t *) zmq_msg_data (&frames[6]), 32);
    int allow = 0;
    for (int i = 0; i < allowed_count && client_key[0]; i++)
        allow |= strcmp (allowed[i], client_key) == 0;
    printf ("ZAP: %s client %s\n", allow ? "allowed" : "refused", client_key);
    fflush (stdout);

    char user[16] = "";
    snprintf (user, sizeof user, "client-%.8s", client_key);
    zmq_send (handler, "1.0", 3, ZMQ_SNDMORE);
    zmq_send (handler, zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]), ZMQ_SNDMORE);
    zmq_send (handler, allow ? "200" : "400", 3, ZMQ_SNDMORE);
    zmq_send (handler, allow ? "OK" : "Unknown key", allow ? 2 : 11, ZMQ_SNDMORE);
    zmq_send (handler, user, allow ? strlen (user) : 0, ZMQ_SNDMORE);
    zmq_send (handler, "", 0, 0);
    for (int i = 0; i < count; i++)
        zmq_msg_close (&frames[i]);
}

int main (int argc, char *argv[])
{
    if (argc < 4) {
        fprintf (stderr, "usage: curve_server keyfile endpoint count [client-public-key ...]\n");
        return 2;
    }
    char public_key[41], secret_key[41];
    if (read_keys (argv[1], public_key, secret_key) != 0) {
        fprintf (stderr, "curve_server: no key pair in %s\n", argv[1]);
        return 1;
    }
    long count = atol (argv[3]);

    void *context = zmq_ctx_new ();
    /* The handler is in place before the first client can connect. */
    void *handler = zmq_socket (context, ZMQ_REP);
    zmq_bind (handler, "inproc://zeromq.zap.01");

    void *server = zmq_socket (context, ZMQ_REP);
    int as_server = 1;
    zmq_setsockopt (server, ZMQ_CURVE_SERVER, &as_server, sizeof as_server);
    zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, secret_key, 40);
    if (zmq_bind (server, argv[2]) != 0) {
        fprintf (stderr, "curve_server: cannot bind %s: %s\n", argv[2],
                 zmq_strerror (zmq_errno ()));
        return 1;
    }
    char bound[256];
    size_t size = sizeof bound;
    zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, bound, &size);
    printf ("curve_server: bound to %s\ncurve_server: public key %s\n", bound, public_key);
    fflush (stdout);

    zmq_pollitem_t items[] = {
      {handler, 0, ZMQ_POLLIN, 0},
      {server, 0, ZMQ_POLLIN, 0},
    };
    for (long served = 0; served < count;) {
        if (zmq_poll (items, 2, -1) < 0) {
            fprintf (stderr, "curve_server: poll: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        if (items[0].revents & ZMQ_POLLIN)
            authenticate (handler, argv + 4, argc - 4);
        if (items[1].revents & ZMQ_POLLIN) {
            zmq_msg_t request;
            zmq_msg_init (&request);
            if (zmq_msg_recv (&request, server, 0) < 0)
                continue;
            const char *user = zmq_msg_gets (&request, "User-Id");
            printf ("Received %.*s from %s\n", (int) zmq_msg_size (&request),
                    (const char *) zmq_msg_data (&request), user ? user : "?");
            fflush (stdout);
            zmq_msg_close (&request);
            zmq_send (server, "World", 5, 0);
            served++;
        }
    }
    zmq_close (server);
    zmq_close (handler);
    zmq_ctx_term (context);
    return 0;
}
