/* A process limited to 128 descriptors with a bound ROUTER, driven by tests/exhaustion.rs
 * (which connects hundreds of raw ZMTP clients to it) through commands on stdin:
 *
 *   measure SECS  receive for SECS seconds; prints the messages received so far, the CPU
 *                 time the process burnt meanwhile, and whether it is at its limit
 *   probe         zmq_socket and zmq_connect (tcp, ipc) at the limit: rc and errno
 *   quit          close everything and terminate the context
 *
 * Built against libzmq-rs and against the real libzmq, to compare. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static long ms_of(struct timeval tv) { return tv.tv_sec * 1000L + tv.tv_usec / 1000; }

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static long cpu_ms(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ms_of(ru.ru_utime) + ms_of(ru.ru_stime);
}

static int at_limit(void) {
    int fd = dup(0);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno == EMFILE;
}

int main(void) {
    struct rlimit rl = {128, 128};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("setrlimit");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    void *spare = zmq_socket(ctx, ZMQ_DEALER);
    if (!ctx || !router || !spare)
        return 2;
    int zero = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(spare, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind(router, "tcp://127.0.0.1:*") != 0)
        return 2;
    char endpoint[256];
    size_t len = sizeof endpoint;
    zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &len);
    printf("endpoint %s\n", endpoint);
    fflush(stdout);

    long received = 0;
    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "measure ", 8) == 0) {
            long secs = atol(line + 8);
            long c0 = cpu_ms(), t0 = now_ms();
            while (now_ms() - t0 < secs * 1000) {
                zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
                int rc = zmq_poll(&item, 1, 50);
                if (rc < 0) {
                    printf("poll failed errno %d\n", errno);
                    fflush(stdout);
                    usleep(50000);
                    continue;
                }
                char buf[256];
                while (zmq_recv(router, buf, sizeof buf, ZMQ_DONTWAIT) >= 0) {
                    int more = 0;
                    size_t ml = sizeof more;
                    zmq_getsockopt(router, ZMQ_RCVMORE, &more, &ml);
                    if (!more)
                        received++;
                }
            }
            printf("received %ld cpu_ms %ld wall_ms %ld at_limit %d\n", received,
                   cpu_ms() - c0, now_ms() - t0, at_limit());
        } else if (strncmp(line, "probe", 5) == 0) {
            int limited = at_limit();
            void *s = zmq_socket(ctx, ZMQ_DEALER);
            int e = s ? 0 : zmq_errno();
            printf("socket %s errno %d at_limit %d\n", s ? "ok" : "null", e, limited);
            if (s)
                zmq_close(s);
            int rc = zmq_connect(spare, endpoint);
            printf("connect-tcp rc %d errno %d\n", rc, rc ? zmq_errno() : 0);
            rc = zmq_connect(spare, "ipc://@zmqrs-fd-limit-probe");
            printf("connect-ipc rc %d errno %d\n", rc, rc ? zmq_errno() : 0);
        } else if (strncmp(line, "quit", 4) == 0) {
            break;
        }
        fflush(stdout);
    }
    zmq_close(spare);
    zmq_close(router);
    zmq_ctx_term(ctx);
    printf("done\n");
    return 0;
}
