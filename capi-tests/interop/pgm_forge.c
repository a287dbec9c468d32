/* A hostile PGM source for tests/multicast.rs, on OpenPGM directly (libpgm-dev):
 *
 *   pgm_forge udp|raw ADDRESS GROUP PORT
 *
 * First plain garbage: 200 datagrams of random bytes to GROUP:PORT (udp) or as IP
 * protocol 113 (raw), which OpenPGM itself must discard. Then, as a valid PGM source
 * (PGM over UDP on PORT, or raw PGM), APDUs no libzmq sender makes: shorter than their
 * offset, an offset past the end, a ZMTP/1.0 frame of length 0, a frame of 2^64 - 1
 * bytes. Last, a proper one holding the message "hello" (the subscriber under test
 * must receive it, and nothing before it). Exits 0 after lingering 3 s for repairs. */
#include <pgm/pgm.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die (const char *what, pgm_error_t *err)
{
    fprintf (stderr, "pgm_forge: %s: %s\n", what, err && err->message ? err->message : "");
    exit (1);
}

static void garbage (int raw, const char *group, int port)
{
    int s = raw ? socket (AF_INET, SOCK_RAW, IPPROTO_PGM) : socket (AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        die ("garbage socket", NULL);
    struct sockaddr_in to;
    memset (&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons (port);
    inet_pton (AF_INET, group, &to.sin_addr);
    srand (42);
    unsigned char buf[1500];
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t) (rand () % (int) sizeof buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = (unsigned char) rand ();
        /* Some look like PGM: a plausible header, then noise. */
        if (i % 2 && len > 16) {
            buf[4] = 0x04; /* ODATA */
            buf[5] = 0;
        }
        sendto (s, buf, len, 0, (struct sockaddr *) &to, sizeof to);
    }
    close (s);
}

int main (int argc, char **argv)
{
    if (argc != 5) {
        fprintf (stderr, "usage: pgm_forge udp|raw ADDRESS GROUP PORT\n");
        return 2;
    }
    int raw = !strcmp (argv[1], "raw");
    int port = atoi (argv[4]);
    garbage (raw, argv[3], port);

    pgm_error_t *err = NULL;
    if (!pgm_init (&err))
        die ("pgm_init", err);
    char network[256];
    snprintf (network, sizeof network, "%s;%s", argv[2], argv[3]);
    struct pgm_addrinfo_t *res = NULL;
    if (!pgm_getaddrinfo (network, NULL, &res, &err))
        die ("pgm_getaddrinfo", err);
    pgm_sock_t *sock = NULL;
    if (!pgm_socket (&sock, AF_INET, SOCK_SEQPACKET, raw ? IPPROTO_PGM : IPPROTO_UDP, &err))
        die ("pgm_socket", err);
    const int one = 1, mtu = 1500, sqns = 1000, rate = 1000000, ambient = pgm_secs (30),
              heartbeat[] = {pgm_msecs (100), pgm_msecs (100), pgm_msecs (100),
                             pgm_msecs (100), pgm_msecs (1300), pgm_secs (7),
                             pgm_secs (16), pgm_secs (25), pgm_secs (30)};
    if (!raw) {
        pgm_setsockopt (sock, IPPROTO_PGM, PGM_UDP_ENCAP_UCAST_PORT, &port, sizeof port);
        pgm_setsockopt (sock, IPPROTO_PGM, PGM_UDP_ENCAP_MCAST_PORT, &port, sizeof port);
    }
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_MTU, &mtu, sizeof mtu);
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_SEND_ONLY, &one, sizeof one);
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_ODATA_MAX_RTE, &rate, sizeof rate);
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_TXW_SQNS, &sqns, sizeof sqns);
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_AMBIENT_SPM, &ambient, sizeof ambient);
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_HEARTBEAT_SPM, heartbeat, sizeof heartbeat);
    struct pgm_sockaddr_t addr;
    memset (&addr, 0, sizeof addr);
    addr.sa_port = (uint16_t) port;
    if (!pgm_gsi_create_from_hostname (&addr.sa_addr.gsi, &err))
        die ("gsi", err);
    struct pgm_interface_req_t ifr;
    memset (&ifr, 0, sizeof ifr);
    ifr.ir_interface = res->ai_recv_addrs[0].gsr_interface;
    if (!pgm_bind3 (sock, &addr, sizeof addr, &ifr, sizeof ifr, &ifr, sizeof ifr, &err))
        die ("pgm_bind3", err);
    for (unsigned i = 0; i < res->ai_recv_addrs_len; i++)
        pgm_setsockopt (sock, IPPROTO_PGM, PGM_JOIN_GROUP, &res->ai_recv_addrs[i],
                        sizeof (struct group_req));
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_SEND_GROUP, &res->ai_send_addrs[0],
                    sizeof (struct group_req));
    pgm_freeaddrinfo (res);
    const int loop = 0, hops = 1;
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_MULTICAST_LOOP, &loop, sizeof loop);
    pgm_setsockopt (sock, IPPROTO_PGM, PGM_MULTICAST_HOPS, &hops, sizeof hops);
    if (!pgm_connect (sock, &err))
        die ("pgm_connect", err);

#define APDU(text) {text, sizeof (text) - 1}
    static const struct {
        const char *bytes;
        size_t len;
    } apdus[] = {
      APDU ("\x00\x09" "ab"),                                       /* offset past the end */
      APDU ("\x00"),                                                 /* shorter than its offset */
      APDU ("\x00\x00\x00"),                                         /* frame length 0 */
      APDU ("\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00"), /* 2^64 - 1 bytes */
      APDU ("\x00\x00\x06\x00" "hello"),                             /* the real thing */
    };
    for (size_t i = 0; i < sizeof apdus / sizeof apdus[0]; i++) {
        size_t sent = 0;
        if (pgm_send (sock, apdus[i].bytes, apdus[i].len, &sent) != PGM_IO_STATUS_NORMAL)
            die ("pgm_send", NULL);
        usleep (50 * 1000);
    }
    printf ("FORGED\n");
    fflush (stdout);
    sleep (3);
    pgm_close (sock, TRUE);
    return 0;
}
