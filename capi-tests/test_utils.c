/* Atomic counters (also shared by threads from zmq_threadstart), stopwatches, zmq_sleep. */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>

static void test_counter_semantics (void)
{
    void *counter = zmq_atomic_counter_new ();
    CHECK (counter);
    CHECK_EQ_INT (0, zmq_atomic_counter_value (counter));
    CHECK_EQ_INT (0, zmq_atomic_counter_inc (counter)); /* returns the old value */
    CHECK_EQ_INT (1, zmq_atomic_counter_inc (counter));
    CHECK_EQ_INT (2, zmq_atomic_counter_inc (counter));
    CHECK_EQ_INT (3, zmq_atomic_counter_value (counter));
    CHECK_EQ_INT (1, zmq_atomic_counter_dec (counter)); /* 2: still non-zero */
    CHECK_EQ_INT (1, zmq_atomic_counter_dec (counter)); /* 1 */
    CHECK_EQ_INT (0, zmq_atomic_counter_dec (counter)); /* reached zero */
    zmq_atomic_counter_set (counter, 2);
    CHECK_EQ_INT (2, zmq_atomic_counter_value (counter));
    CHECK_EQ_INT (1, zmq_atomic_counter_dec (counter));
    CHECK_EQ_INT (0, zmq_atomic_counter_dec (counter));
    /* like libzmq, going below zero is "non-zero" */
    CHECK_EQ_INT (1, zmq_atomic_counter_dec (counter));
    CHECK_EQ_INT (-1, zmq_atomic_counter_value (counter));
    zmq_atomic_counter_set (counter, -5);
    CHECK_EQ_INT (-5, zmq_atomic_counter_inc (counter));
    CHECK_EQ_INT (-4, zmq_atomic_counter_value (counter));

    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
    zmq_atomic_counter_destroy (&counter); /* NULL handle: nothing to do */
    zmq_atomic_counter_destroy (NULL);
}

#define THREADS 4
#define INCREMENTS 10000

struct worker
{
    void *counter;
    void *ready; /* counts workers that have started */
    int old_values_ok;
    int signals_blocked;
};

static void worker_fn (void *arg)
{
    struct worker *w = (struct worker *) arg;
    /* libzmq's threads take no signals */
    sigset_t mask;
    pthread_sigmask (SIG_BLOCK, NULL, &mask);
    w->signals_blocked = sigismember (&mask, SIGINT) == 1 && sigismember (&mask, SIGTERM) == 1;
    zmq_atomic_counter_inc (w->ready);
    w->old_values_ok = 1;
    for (int i = 0; i < INCREMENTS; i++) {
        int old = zmq_atomic_counter_inc (w->counter);
        if (old < 0 || old >= THREADS * INCREMENTS)
            w->old_values_ok = 0;
    }
}

static void test_counter_threads (void)
{
    void *counter = zmq_atomic_counter_new ();
    void *ready = zmq_atomic_counter_new ();
    struct worker workers[THREADS];
    void *threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){counter, ready, 0, 0};
        threads[i] = zmq_threadstart (worker_fn, &workers[i]);
        CHECK (threads[i]);
    }
    for (int i = 0; i < THREADS; i++)
        zmq_threadclose (threads[i]);
    /* threadclose joined: every increment is visible */
    CHECK_EQ_INT (THREADS, zmq_atomic_counter_value (ready));
    CHECK_EQ_INT (THREADS * INCREMENTS, zmq_atomic_counter_value (counter));
    for (int i = 0; i < THREADS; i++) {
        CHECK (workers[i].old_values_ok);
        CHECK (workers[i].signals_blocked);
    }

    /* and back down: dec reports 0 exactly once, on the last decrement */
    int zeros = 0;
    for (int i = 0; i < THREADS * INCREMENTS; i++)
        zeros += zmq_atomic_counter_dec (counter) == 0;
    CHECK_EQ_INT (1, zeros);
    CHECK_EQ_INT (0, zmq_atomic_counter_value (counter));
    zmq_atomic_counter_destroy (&counter);
    zmq_atomic_counter_destroy (&ready);
}

static void test_stopwatch_and_sleep (void)
{
    void *watch = zmq_stopwatch_start ();
    CHECK (watch);
    unsigned long last = 0;
    for (int i = 0; i < 1000; i++) {
        unsigned long now = zmq_stopwatch_intermediate (watch);
        CHECK (now >= last); /* monotonic */
        last = now;
    }
    zmq_sleep (1);
    unsigned long after_sleep = zmq_stopwatch_intermediate (watch);
    CHECK (after_sleep >= 1000000); /* microseconds */
    CHECK (after_sleep < 30000000);
    unsigned long total = zmq_stopwatch_stop (watch);
    CHECK (total >= after_sleep);

    /* nothing to sleep for */
    watch = zmq_stopwatch_start ();
    zmq_sleep (0);
    zmq_sleep (-1);
    CHECK (zmq_stopwatch_stop (watch) < 500000);
}

int main (void)
{
    test_counter_semantics ();
    test_counter_threads ();
    test_stopwatch_and_sleep ();
    return 0;
}
