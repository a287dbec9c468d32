/* The soak-test server: a PULL bound to a tcp and an ipc endpoint (args) with a
 * monitor, counting what each peer instance sent: messages, the last sequence number,
 * gaps and reorderings. Commands on stdin:
 *   mark   note descriptors and RSS (the start figures)
 *   stop   print "peer ID INST COUNT LAST BAD" per instance, the monitor's counts, then
 *          descriptors and RSS now, and exit */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define PEERS 64
#define INSTS 4096

static long count[PEERS][INSTS], last[PEERS][INSTS], bad[PEERS][INSTS];

static int fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the DIR's own */
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char l[256];
    long v = 0;
    while (fgets(l, sizeof l, f))
        if (!strncmp(l, "VmRSS:", 6))
            v = atol(l + 6);
    fclose(f);
    return v;
}

int main(int argc, char **argv) {
    if (argc != 3)
        return 2;
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    if (zmq_socket_monitor(pull, "inproc://soak-monitor", ZMQ_EVENT_ALL) != 0)
        return 2;
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    zmq_connect(mon, "inproc://soak-monitor");
    zmq_setsockopt(pull, ZMQ_LINGER, &(int){0}, sizeof(int));
    char ep[256];
    size_t len = sizeof ep;
    if (zmq_bind(pull, argv[1]) != 0)
        return 2;
    zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep, &len);
    if (zmq_bind(pull, argv[2]) != 0)
        return 2;
    printf("ready %s\n", ep);
    fflush(stdout);
    for (int p = 0; p < PEERS; p++)
        for (int i = 0; i < INSTS; i++)
            last[p][i] = -1;
    long connected = 0, disconnected = 0, fds0 = 0, rss0 = 0;
    char line[64];
    for (;;) {
        zmq_pollitem_t items[] = {{pull, 0, ZMQ_POLLIN, 0}, {mon, 0, ZMQ_POLLIN, 0},
                                  {NULL, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 3, 100) < 0)
            continue;
        char buf[64];
        int n;
        while ((n = zmq_recv(pull, buf, sizeof buf - 1, ZMQ_DONTWAIT)) >= 0) {
            buf[n] = 0;
            int p, i;
            long seq;
            if (sscanf(buf, "%d %d %ld", &p, &i, &seq) != 3 || p < 0 || p >= PEERS || i < 0 ||
                i >= INSTS)
                return 3;
            if (seq != last[p][i] + 1)
                bad[p][i]++;
            last[p][i] = seq;
            count[p][i]++;
        }
        zmq_msg_t ev;
        zmq_msg_init(&ev);
        while (zmq_msg_recv(&ev, mon, ZMQ_DONTWAIT) >= 0) {
            if (zmq_msg_more(&ev) == 0)
                continue; /* the endpoint frame */
            unsigned short id;
            memcpy(&id, zmq_msg_data(&ev), 2);
            connected += id == ZMQ_EVENT_ACCEPTED;
            disconnected += id == ZMQ_EVENT_DISCONNECTED;
        }
        zmq_msg_close(&ev);
        if (items[2].revents & ZMQ_POLLIN) {
            if (!fgets(line, sizeof line, stdin))
                break;
            if (!strncmp(line, "mark", 4)) {
                fds0 = fds();
                rss0 = rss_kb();
            } else if (!strncmp(line, "stop", 4)) {
                for (int p = 0; p < PEERS; p++)
                    for (int i = 0; i < INSTS; i++)
                        if (count[p][i])
                            printf("peer %d %d %ld %ld %ld\n", p, i, count[p][i], last[p][i],
                                   bad[p][i]);
                printf("monitor accepted %ld disconnected %ld\n", connected, disconnected);
                printf("fds %ld -> %d rss_kb %ld -> %ld\n", fds0, fds(), rss0, rss_kb());
                fflush(stdout);
                break;
            }
        }
    }
    zmq_close(mon);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return 0;
}
