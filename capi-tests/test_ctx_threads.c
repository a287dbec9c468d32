/* The context's thread options reach its I/O threads: ZMQ_THREAD_NAME_PREFIX names
 * them, ZMQ_THREAD_AFFINITY_CPU_ADD pins them, ZMQ_THREAD_SCHED_POLICY sets their
 * policy (SCHED_BATCH needs no privilege). Read back from /proc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>

#include "testutil.h"

/* The tid of this process's thread called `name`, or -1. */
static int find_thread (const char *name)
{
    DIR *d = opendir ("/proc/self/task");
    CHECK (d != NULL);
    struct dirent *e;
    int found = -1;
    while ((e = readdir (d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[320], comm[64] = {0};
        snprintf (path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen (path, "r");
        if (!f)
            continue;
        if (fgets (comm, sizeof comm, f)) {
            comm[strcspn (comm, "\n")] = 0;
            if (strcmp (comm, name) == 0)
                found = atoi (e->d_name);
        }
        fclose (f);
    }
    closedir (d);
    return found;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0) == 0);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, SCHED_BATCH) == 0);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "tst", 3) == 0);
    const char *name = "tstZMQbg/IO/0";
#else
    /* The stable API takes a number as the prefix. */
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 42) == 0);
    const char *name = "42ZMQbg/IO/0";
#endif
    /* The I/O threads start with the first tcp endpoint. */
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);

    int tid = -1;
    for (int i = 0; i < 100 && tid < 0; i++) {
        tid = find_thread (name);
        if (tid < 0)
            usleep (10000);
    }
    CHECK (tid > 0);
    /* Give the thread a moment to apply its settings after it started. */
    cpu_set_t set;
    int policy = -1;
    for (int i = 0; i < 100; i++) {
        CPU_ZERO (&set);
        CHECK (sched_getaffinity (tid, sizeof set, &set) == 0);
        policy = sched_getscheduler (tid);
        if (CPU_COUNT (&set) == 1 && policy == SCHED_BATCH)
            break;
        usleep (10000);
    }
    CHECK_EQ_INT (1, CPU_COUNT (&set));
    CHECK (CPU_ISSET (0, &set));
    CHECK_EQ_INT (SCHED_BATCH, policy);

    CHECK (zmq_close (s) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("test_ctx_threads: OK\n");
    return 0;
}
