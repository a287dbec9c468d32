// Pipeline, the ventilator: hands out a batch of tasks (a workload in milliseconds
// each) to workers through a PUSH socket, which deals them out in turn, and tells the
// sink how many results to expect.
//   task_ventilator [workers-endpoint [sink-endpoint [tasks]]]
// binds `workers-endpoint` (tcp://*:5557), connects to the sink (tcp://localhost:5558)
// and sends `tasks` tasks (20). A PUSH socket waits for its first worker to send, and
// deals tasks only among the workers connected at that moment: start them first.

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main (int argc, char *argv[])
{
    const char *workers_endpoint = argc > 1 ? argv[1] : "tcp://*:5557";
    const char *sink_endpoint = argc > 2 ? argv[2] : "tcp://localhost:5558";
    int tasks = argc > 3 ? atoi (argv[3]) : 20;

    void *context = zmq_ctx_new ();
    void *sender = zmq_socket (context, ZMQ_PUSH);
    if (zmq_bind (sender, workers_endpoint) != 0) {
        fprintf (stderr, "task_ventilator: cannot bind %s: %s\n", workers_endpoint,
                 zmq_strerror (zmq_errno ()));
        return 1;
    }
    char bound[256];
    size_t size = sizeof bound;
    zmq_getsockopt (sender, ZMQ_LAST_ENDPOINT, bound, &size);
    printf ("task_ventilator: bound to %s\n", bound);
    fflush (stdout);

    void *sink = zmq_socket (context, ZMQ_PUSH);
    zmq_connect (sink, sink_endpoint);
    char batch[32];
    int n = snprintf (batch, sizeof batch, "batch %d", tasks);
    zmq_send (sink, batch, (size_t) n, 0);

    srand ((unsigned) time (NULL));
    int total_msec = 0;
    for (int i = 0; i < tasks; i++) {
        int workload = rand () % 10 + 1;
        char task[16];
        n = snprintf (task, sizeof task, "%d", workload);
        zmq_send (sender, task, (size_t) n, 0);
        total_msec += workload;
    }
    printf ("task_ventilator: sent %d tasks, %d ms of work\n", tasks, total_msec);
    /* The default ZMQ_LINGER keeps zmq_ctx_term waiting until every task is out. */
    zmq_close (sink);
    zmq_close (sender);
    zmq_ctx_term (context);
    return 0;
}
