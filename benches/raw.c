/* The ceiling for large messages: raw loopback bandwidth of a stream socket, 64 KiB
 * writes, one writer and one reader thread (what a ZMTP connection does at best).
 *   raw tcp|ipc SIZE BYTES -> Gbit/s */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static size_t size;
static long long total;
static struct sockaddr_storage addr;
static socklen_t addrlen;
static int family;

static void *writer (void *arg)
{
    (void) arg;
    int s = socket (family, SOCK_STREAM, 0);
    if (s < 0 || connect (s, (struct sockaddr *) &addr, addrlen) != 0) {
        perror ("connect");
        exit (1);
    }
    char *buf = calloc (1, size);
    for (long long sent = 0; sent < total;) {
        ssize_t n = write (s, buf, size);
        if (n <= 0) {
            perror ("write");
            exit (1);
        }
        sent += n;
    }
    close (s);
    free (buf);
    return NULL;
}

int main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: %s tcp|ipc SIZE BYTES\n", argv[0]);
        return 2;
    }
    size = strtoul (argv[2], NULL, 10);
    total = strtoll (argv[3], NULL, 10);
    int l;
    char path[108] = "";
    if (strcmp (argv[1], "tcp") == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *) &addr;
        family = AF_INET;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        addrlen = sizeof *in;
        l = socket (AF_INET, SOCK_STREAM, 0);
        if (bind (l, (struct sockaddr *) &addr, addrlen) != 0) {
            perror ("bind");
            return 1;
        }
        getsockname (l, (struct sockaddr *) &addr, &addrlen);
    } else {
        struct sockaddr_un *un = (struct sockaddr_un *) &addr;
        family = AF_UNIX;
        un->sun_family = AF_UNIX;
        snprintf (path, sizeof path, "/tmp/zmqrs-raw-%d", (int) getpid ());
        strcpy (un->sun_path, path);
        addrlen = sizeof *un;
        l = socket (AF_UNIX, SOCK_STREAM, 0);
        unlink (path);
        if (bind (l, (struct sockaddr *) &addr, addrlen) != 0) {
            perror ("bind");
            return 1;
        }
    }
    listen (l, 1);
    pthread_t t;
    pthread_create (&t, NULL, writer, NULL);
    int s = accept (l, NULL, NULL);
    char *buf = malloc (size);
    struct timespec a, b;
    clock_gettime (CLOCK_MONOTONIC, &a);
    long long got = 0;
    for (;;) {
        ssize_t n = read (s, buf, size);
        if (n <= 0)
            break;
        got += n;
    }
    clock_gettime (CLOCK_MONOTONIC, &b);
    pthread_join (t, NULL);
    if (path[0])
        unlink (path);
    double secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf ("%.2f\n", got * 8 / secs / 1e9);
    free (buf);
    return 0;
}
