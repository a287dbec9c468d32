// Pipeline, a worker, and the poll loop example: zmq_poll waits on two sockets at
// once, the tasks from the ventilator (PULL) and the sink's control channel (SUB).
// Each task is a workload in milliseconds: the worker sleeps that long and reports to
// the sink (PUSH); a "KILL" on the control channel ends it.
//   task_worker [tasks-endpoint [results-endpoint [control-endpoint]]]
// connects to tcp://localhost:5557, :5558 and :5559 by default.

#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main (int argc, char *argv[])
{
    const char *tasks_endpoint = argc > 1 ? argv[1] : "tcp://localhost:5557";
    const char *results_endpoint = argc > 2 ? argv[2] : "tcp://localhost:5558";
    const char *control_endpoint = argc > 3 ? argv[3] : "tcp://localhost:5559";

    void *context = zmq_ctx_new ();
    /* The control channel first, so its subscription is in place before any task. */
    void *controller = zmq_socket (context, ZMQ_SUB);
    zmq_connect (controller, control_endpoint);
    zmq_setsockopt (controller, ZMQ_SUBSCRIBE, "", 0);
    void *receiver = zmq_socket (context, ZMQ_PULL);
    zmq_connect (receiver, tasks_endpoint);
    void *sender = zmq_socket (context, ZMQ_PUSH);
    zmq_connect (sender, results_endpoint);

    zmq_pollitem_t items[] = {
      {receiver, 0, ZMQ_POLLIN, 0},
      {controller, 0, ZMQ_POLLIN, 0},
    };
    int done = 0;
    while (1) {
        if (zmq_poll (items, 2, -1) < 0) {
            fprintf (stderr, "task_worker: poll: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            char task[16];
            int n = zmq_recv (receiver, task, sizeof task - 1, 0);
            if (n < 0)
                continue;
            task[n < (int) sizeof task - 1 ? n : (int) sizeof task - 1] = '\0';
            int workload = atoi (task);
            struct timespec pause = {workload / 1000, (workload % 1000) * 1000000L};
            nanosleep (&pause, NULL);
            char result[32];
            n = snprintf (result, sizeof result, "done %d", workload);
            zmq_send (sender, result, (size_t) n, 0);
            done++;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            char command[16];
            int n = zmq_recv (controller, command, sizeof command, 0);
            if (n == 4 && memcmp (command, "KILL", 4) == 0)
                break;
        }
    }
    printf ("task_worker: KILL received after %d tasks\n", done);
    zmq_close (receiver);
    zmq_close (sender);
    zmq_close (controller);
    zmq_ctx_term (context);
    return 0;
}
