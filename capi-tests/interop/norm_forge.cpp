/* A hostile NORM sender for tests/multicast.rs, on libnorm directly (libnorm-dev):
 *
 *   norm_forge INTERFACE GROUP PORT
 *
 * First plain garbage: 200 datagrams of random bytes to GROUP:PORT, which NORM itself
 * must discard. Then, as a valid NORM sender, stream messages no libzmq sender writes:
 * one whose first byte is no frame marker, one whose ZMTP/2.0 frame declares 2^64 - 1
 * bytes, one continuing a message that never started. Last, a proper one holding
 * "hello" (the subscriber under test must receive it, and nothing before it). Exits 0
 * after lingering 3 s for repairs. */
#include <normApi.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void garbage (const char *group, int port)
{
    int s = socket (AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to;
    memset (&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons ((unsigned short) port);
    inet_pton (AF_INET, group, &to.sin_addr);
    srand (7);
    unsigned char buf[1500];
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t) (rand () % (int) sizeof buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = (unsigned char) rand ();
        if (i % 2 && len > 8)
            buf[0] = 0x12; /* NORM version 1, a DATA message's type nibble */
        sendto (s, buf, len, 0, (struct sockaddr *) &to, sizeof to);
    }
    close (s);
}

static void put (NormObjectHandle stream, const char *bytes, unsigned len)
{
    unsigned sent = 0;
    while (sent < len) {
        sent += NormStreamWrite (stream, bytes + sent, len - sent);
        if (sent < len)
            usleep (10 * 1000);
    }
    NormStreamFlush (stream, true, NORM_FLUSH_ACTIVE);
    usleep (100 * 1000);
}

#define PUT(stream, text) put (stream, text, sizeof (text) - 1)

int main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: norm_forge INTERFACE GROUP PORT\n");
        return 2;
    }
    int port = atoi (argv[3]);
    garbage (argv[2], port);

    NormInstanceHandle instance = NormCreateInstance (false);
    NormSessionHandle session =
      NormCreateSession (instance, argv[2], (UINT16) port, NORM_NODE_ANY);
    if (session == NORM_SESSION_INVALID) {
        fprintf (stderr, "norm_forge: NormCreateSession failed\n");
        return 1;
    }
    NormSetMulticastInterface (session, argv[1]);
    NormSetRxPortReuse (session, true, NULL, NULL, 0);
    NormSetTxRate (session, 1e6);
    if (!NormStartSender (session, NormGetRandomSessionId (), 1024 * 1024, 1400, 16, 4, 0)) {
        fprintf (stderr, "norm_forge: NormStartSender failed\n");
        return 1;
    }
    NormObjectHandle stream = NormStreamOpen (session, 1024 * 1024, NULL, 0);
    PUT (stream, "\x07" "junk");                                           /* no marker */
    PUT (stream, "\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff" "x");           /* 2^64 - 1 bytes */
    PUT (stream, "\xff\x00\x01" "y");                                       /* continues nothing */
    PUT (stream, "\x00\x00\x05" "hello");                                   /* the real thing */
    printf ("FORGED\n");
    fflush (stdout);
    sleep (3);
    NormStopSender (session);
    NormDestroySession (session);
    NormDestroyInstance (instance);
    return 0;
}
