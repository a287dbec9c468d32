/* zmq_timers_*: firing order, timeouts, reset/set_interval, cancellation (also from
 * inside a handler while zmq_timers_execute runs), and EFAULT/EINVAL on misuse. */
#include "testutil.h"

#include <time.h>

static void sleep_ms (long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Sleeps until the next timer is due, then runs the due timers. */
static void wait_and_execute (void *timers)
{
    long timeout;
    while ((timeout = zmq_timers_timeout (timers)) > 0)
        sleep_ms (timeout);
    CHECK (timeout == 0);
    CHECK (zmq_timers_execute (timers) == 0);
}

#define MAX_LOG 64
static int fire_log[MAX_LOG];
static int fire_count;

static void log_handler (int timer_id, void *arg)
{
    (void) arg;
    if (fire_count < MAX_LOG)
        fire_log[fire_count] = timer_id;
    fire_count++;
}

static void dummy_handler (int timer_id, void *arg)
{
    (void) timer_id;
    (void) arg;
}

static void test_misuse (void)
{
    void *timers = NULL;
    CHECK_ERRNO (zmq_timers_destroy (&timers), EFAULT);
    CHECK_ERRNO (zmq_timers_destroy (NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_add (NULL, 10, dummy_handler, NULL), EFAULT);
    /* a pointer that is not a timer set: the tag check catches it */
    CHECK_ERRNO (zmq_timers_add (&timers, 10, dummy_handler, NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_cancel (&timers, 1), EFAULT);
    CHECK_ERRNO (zmq_timers_set_interval (NULL, 1, 10), EFAULT);
    CHECK_ERRNO (zmq_timers_reset (&timers, 1), EFAULT);
    CHECK_ERRNO (zmq_timers_timeout (NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_execute (&timers), EFAULT);

    timers = zmq_timers_new ();
    CHECK (timers);
    CHECK_ERRNO (zmq_timers_cancel (timers, 1), EINVAL);
    CHECK_ERRNO (zmq_timers_set_interval (timers, 1, 10), EINVAL);
    CHECK_ERRNO (zmq_timers_reset (timers, 1), EINVAL);
    CHECK_ERRNO (zmq_timers_add (timers, 10, NULL, NULL), EFAULT);
    CHECK_ERRNO (zmq_timers_timeout (timers), EINVAL); /* no timers */
    CHECK (zmq_timers_execute (timers) == 0);

    int id = zmq_timers_add (timers, SIZE_MAX, dummy_handler, NULL);
    CHECK (id > 0);
    CHECK (zmq_timers_timeout (timers) > 1000000); /* far future, not overdue */
    CHECK (zmq_timers_execute (timers) == 0);
    /* An interval of 0 is accepted, as in libzmq; the timer is then due at once. */
    CHECK (zmq_timers_set_interval (timers, id, 0) == 0);
    CHECK (zmq_timers_timeout (timers) == 0);
    CHECK (zmq_timers_cancel (timers, id) == 0);
    CHECK_ERRNO (zmq_timers_cancel (timers, id), EINVAL);
    CHECK_ERRNO (zmq_timers_reset (timers, id), EINVAL);
    CHECK_ERRNO (zmq_timers_timeout (timers), EINVAL);

    CHECK (zmq_timers_destroy (&timers) == 0);
    CHECK (timers == NULL);
    CHECK_ERRNO (zmq_timers_destroy (&timers), EFAULT);
}

static void test_order_and_timeout (void)
{
    void *timers = zmq_timers_new ();
    CHECK (timers);
    void *watch = zmq_stopwatch_start ();
    int slow = zmq_timers_add (timers, 80, log_handler, NULL);
    int fast1 = zmq_timers_add (timers, 30, log_handler, NULL);
    int fast2 = zmq_timers_add (timers, 30, log_handler, NULL);
    CHECK (slow > 0 && fast1 > slow && fast2 > fast1);

    /* (timing checks are skipped when the machine stalled the test for too long) */
    long timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 0 && timeout <= 30);
    fire_count = 0;
    CHECK (zmq_timers_execute (timers) == 0);
    if (zmq_stopwatch_intermediate (watch) < 30000)
        CHECK_EQ_INT (0, fire_count);

    /* both 30 ms timers, in the order they were added; not the 80 ms one */
    wait_and_execute (timers);
    CHECK (zmq_stopwatch_intermediate (watch) >= 30000);
    if (zmq_stopwatch_intermediate (watch) < 60000) {
        CHECK_EQ_INT (2, fire_count);
        CHECK_EQ_INT (fast1, fire_log[0]);
        CHECK_EQ_INT (fast2, fire_log[1]);
    }

    /* sleep past all three: each fires once per execute, earliest deadline first */
    sleep_ms (100);
    CHECK_EQ_INT (0, zmq_timers_timeout (timers));
    fire_count = 0;
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK_EQ_INT (3, fire_count);
    CHECK_EQ_INT (fast1, fire_log[0]);
    CHECK_EQ_INT (fast2, fire_log[1]);
    CHECK_EQ_INT (slow, fire_log[2]);
    zmq_stopwatch_stop (watch);

    /* reset pushes a timer a full interval out; set_interval changes it */
    CHECK (zmq_timers_cancel (timers, fast1) == 0);
    CHECK (zmq_timers_cancel (timers, fast2) == 0);
    CHECK (zmq_timers_reset (timers, slow) == 0);
    timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 40 && timeout <= 80);
    CHECK (zmq_timers_set_interval (timers, slow, 10) == 0);
    timeout = zmq_timers_timeout (timers);
    CHECK (timeout > 0 && timeout <= 10);
    fire_count = 0;
    wait_and_execute (timers);
    CHECK_EQ_INT (1, fire_count);
    CHECK_EQ_INT (slow, fire_log[0]);

    CHECK (zmq_timers_destroy (&timers) == 0);
}

/* Handler state for the cancel-during-execute test. */
struct cancel_ctx
{
    void *timers;
    int victim;    /* cancelled by the first handler to run */
    int cancel_self;
};

static void cancelling_handler (int timer_id, void *arg)
{
    struct cancel_ctx *ctx = (struct cancel_ctx *) arg;
    log_handler (timer_id, NULL);
    if (ctx->victim) {
        CHECK (zmq_timers_cancel (ctx->timers, ctx->victim) == 0);
        ctx->victim = 0;
    }
    if (ctx->cancel_self == timer_id)
        CHECK (zmq_timers_cancel (ctx->timers, timer_id) == 0);
    /* destroying the set from inside its own execute is refused */
    void *t = ctx->timers;
    CHECK_ERRNO (zmq_timers_destroy (&t), EFAULT);
    CHECK (t == ctx->timers);
}

static void test_cancel_during_execute (void)
{
    void *timers = zmq_timers_new ();
    struct cancel_ctx ctx = {timers, 0, 0};
    int a = zmq_timers_add (timers, 20, cancelling_handler, &ctx);
    int b = zmq_timers_add (timers, 20, cancelling_handler, &ctx);
    int c = zmq_timers_add (timers, 20, cancelling_handler, &ctx);
    ctx.victim = c;     /* a, running first, cancels c, which is due as well */
    ctx.cancel_self = b; /* b cancels itself */

    fire_count = 0;
    wait_and_execute (timers);
    CHECK_EQ_INT (2, fire_count);
    CHECK_EQ_INT (a, fire_log[0]);
    CHECK_EQ_INT (b, fire_log[1]);
    CHECK_ERRNO (zmq_timers_cancel (timers, b), EINVAL);
    CHECK_ERRNO (zmq_timers_cancel (timers, c), EINVAL);

    /* only a is left, and it keeps repeating */
    fire_count = 0;
    wait_and_execute (timers);
    wait_and_execute (timers);
    CHECK_EQ_INT (2, fire_count);
    CHECK_EQ_INT (a, fire_log[0]);
    CHECK_EQ_INT (a, fire_log[1]);

    /* a cancelled timer never fires, however long we wait */
    CHECK (zmq_timers_cancel (timers, a) == 0);
    sleep_ms (50);
    fire_count = 0;
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK_EQ_INT (0, fire_count);
    CHECK_ERRNO (zmq_timers_timeout (timers), EINVAL);
    CHECK (zmq_timers_destroy (&timers) == 0);
}

int main (void)
{
    test_misuse ();
    test_order_and_timeout ();
    test_cancel_during_execute ();
    return 0;
}
