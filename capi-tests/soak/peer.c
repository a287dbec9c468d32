/* A soak-test peer: a PUSH that connects to ENDPOINT and sends "ID INST SEQ" with SEQ
 * counting from 0, until SIGTERM (then it closes with the default linger, so
 * everything it sent is delivered, prints "last SEQ" and exits 0) or SIGKILL. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zmq.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
    if (argc != 4)
        return 2;
    signal(SIGTERM, on_term);
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    if (zmq_connect(push, argv[1]) != 0)
        return 2;
    long seq = 0;
    char buf[64];
    while (!stop) {
        int n = snprintf(buf, sizeof buf, "%s %s %ld", argv[2], argv[3], seq);
        if (zmq_send(push, buf, n, ZMQ_DONTWAIT) == n)
            seq++;
        usleep(500);
    }
    zmq_close(push);
    zmq_ctx_term(ctx);
    printf("last %ld\n", seq - 1);
    return 0;
}
