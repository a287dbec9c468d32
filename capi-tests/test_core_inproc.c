/* Contexts, sockets and the inproc transport: PAIR, PUSH/PULL, DEALER, HWM, errors,
 * termination, zmq_poll and ZMQ_FD, as a C program written for libzmq uses them. */
#include "testutil.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

static void send_str (void *s, const char *str, int flags)
{
    CHECK_EQ_INT ((int) strlen (str), zmq_send (s, str, strlen (str), flags));
}

static void recv_str (void *s, const char *expected)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n] = 0;
    if (strcmp (buf, expected) != 0) {
        fprintf (stderr, "expected '%s', got '%s'\n", expected, buf);
        exit (1);
    }
}

static void test_pair_both_orders (void *ctx)
{
    /* bind then connect */
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (a && b);
    set_int (a, ZMQ_RCVTIMEO, 2000);
    set_int (b, ZMQ_RCVTIMEO, 2000);
    CHECK (zmq_bind (a, "inproc://pair-1") == 0);
    CHECK (zmq_connect (b, "inproc://pair-1") == 0);
    send_str (b, "hello", 0);
    recv_str (a, "hello");
    send_str (a, "part1", ZMQ_SNDMORE);
    send_str (a, "part2", 0);
    recv_str (b, "part1");
    CHECK_EQ_INT (1, get_int (b, ZMQ_RCVMORE));
    recv_str (b, "part2");
    CHECK_EQ_INT (0, get_int (b, ZMQ_RCVMORE));
    char ep[64];
    size_t len = sizeof ep;
    CHECK (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, ep, &len) == 0);
    CHECK (strcmp (ep, "inproc://pair-1") == 0);
    CHECK_EQ_INT (ZMQ_PAIR, get_int (a, ZMQ_TYPE));
    CHECK (zmq_close (a) == 0 && zmq_close (b) == 0);

    /* connect before bind: messages sent early arrive once bound */
    a = zmq_socket (ctx, ZMQ_PAIR);
    b = zmq_socket (ctx, ZMQ_PAIR);
    set_int (a, ZMQ_RCVTIMEO, 2000);
    CHECK (zmq_connect (b, "inproc://pair-2") == 0);
    send_str (b, "early", 0);
    CHECK (zmq_bind (a, "inproc://pair-2") == 0);
    recv_str (a, "early");
    /* the name is taken */
    void *c = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_ERRNO (zmq_bind (c, "inproc://pair-2"), EADDRINUSE);
    CHECK (zmq_close (c) == 0);
    CHECK (zmq_close (a) == 0 && zmq_close (b) == 0);
}

static void test_push_pull_balancing (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    void *pull1 = zmq_socket (ctx, ZMQ_PULL), *pull2 = zmq_socket (ctx, ZMQ_PULL);
    set_int (pull1, ZMQ_RCVTIMEO, 2000);
    set_int (pull2, ZMQ_RCVTIMEO, 2000);
    CHECK (zmq_bind (push, "inproc://lb") == 0);
    CHECK (zmq_connect (pull1, "inproc://lb") == 0);
    CHECK (zmq_connect (pull2, "inproc://lb") == 0);
    /* round robin, whole messages */
    for (int i = 0; i < 4; i++) {
        send_str (push, "a", ZMQ_SNDMORE);
        send_str (push, "b", 0);
    }
    for (int i = 0; i < 2; i++) {
        recv_str (pull1, "a");
        recv_str (pull1, "b");
        recv_str (pull2, "a");
        recv_str (pull2, "b");
    }
    CHECK_ERRNO (zmq_recv (pull1, NULL, 0, ZMQ_DONTWAIT), EAGAIN);
    /* PULL cannot send, PUSH cannot receive */
    CHECK_ERRNO (zmq_send (pull1, "x", 1, 0), ENOTSUP);
    CHECK_ERRNO (zmq_recv (push, NULL, 0, ZMQ_DONTWAIT), ENOTSUP);

    /* fair queuing from two pushers */
    void *push2 = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_close (pull2) == 0);
    CHECK (zmq_bind (pull1, "inproc://fq") == 0);
    void *pa = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_connect (pa, "inproc://fq") == 0);
    CHECK (zmq_connect (push2, "inproc://fq") == 0);
    send_str (pa, "A1", 0);
    send_str (pa, "A2", 0);
    send_str (push2, "B1", 0);
    send_str (push2, "B2", 0);
    char seen[4][3];
    for (int i = 0; i < 4; i++) {
        int n = zmq_recv (pull1, seen[i], 2, 0);
        CHECK_EQ_INT (2, n);
        seen[i][2] = 0;
    }
    CHECK (seen[0][0] != seen[1][0] && seen[2][0] != seen[3][0]);
    CHECK (zmq_close (pa) == 0 && zmq_close (push2) == 0);
    CHECK (zmq_close (push) == 0 && zmq_close (pull1) == 0);
}

static void test_hwm (void *ctx)
{
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    set_int (push, ZMQ_SNDHWM, 5);
    set_int (pull, ZMQ_RCVHWM, 3);
    CHECK (zmq_bind (pull, "inproc://hwm") == 0);
    CHECK (zmq_connect (push, "inproc://hwm") == 0);
    int sent = 0;
    while (zmq_send (push, "m", 1, ZMQ_DONTWAIT) == 1)
        sent++;
    CHECK_EQ_INT (EAGAIN, zmq_errno ());
    CHECK_EQ_INT (8, sent); /* SNDHWM + RCVHWM, as libzmq sizes inproc pipes */
    set_int (push, ZMQ_SNDTIMEO, 50);
    CHECK_ERRNO (zmq_send (push, "m", 1, 0), EAGAIN);
    /* reading frees room; nothing was lost */
    for (int i = 0; i < sent; i++)
        CHECK_EQ_INT (1, zmq_recv (pull, NULL, 0, ZMQ_DONTWAIT));
    CHECK_EQ_INT (1, zmq_send (push, "m", 1, ZMQ_DONTWAIT));
    CHECK (zmq_close (push) == 0 && zmq_close (pull) == 0);
}

static void test_errors (void *ctx)
{
    CHECK_ERRNO (zmq_socket (NULL, ZMQ_PAIR), EFAULT);
    CHECK_ERRNO (zmq_socket (ctx, 12345), EINVAL);
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_ERRNO (zmq_bind (s, "no-scheme"), EINVAL);
    CHECK_ERRNO (zmq_bind (s, "inproc://"), EINVAL);
    CHECK_ERRNO (zmq_connect (s, "bogus://x"), EPROTONOSUPPORT);
    CHECK_ERRNO (zmq_unbind (s, "inproc://never-bound"), ENOENT);
    CHECK_ERRNO (zmq_disconnect (s, "inproc://never-connected"), ENOENT);
    int v = 1;
    CHECK_ERRNO (zmq_setsockopt (s, ZMQ_SNDHWM, &v, 2), EINVAL);
    CHECK_ERRNO (zmq_setsockopt (s, 99999, &v, sizeof v), EINVAL);
    CHECK (zmq_close (s) == 0);
    /* a closed socket is not a socket; neither is a context */
    CHECK_ERRNO (zmq_close (s), ENOTSOCK);
    CHECK_ERRNO (zmq_send (s, "x", 1, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_send (ctx, "x", 1, 0), ENOTSOCK);
    CHECK_ERRNO (zmq_close (NULL), ENOTSOCK);
    CHECK_ERRNO (zmq_ctx_term (NULL), EFAULT);
}

static void *blocked_recv (void *arg)
{
    void *s = arg;
    char buf[8];
    int rc = zmq_recv (s, buf, sizeof buf, 0);
    int err = zmq_errno ();
    zmq_close (s);
    return (void *) (intptr_t) (rc == -1 && err == ETERM);
}

static void test_term_unblocks_recv (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (s, "inproc://term") == 0);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, blocked_recv, s) == 0);
    usleep (50 * 1000);
    /* blocks until the thread, woken with ETERM, has closed its socket */
    CHECK (zmq_ctx_term (ctx) == 0);
    void *ok;
    CHECK (pthread_join (t, &ok) == 0);
    CHECK (ok == (void *) 1);
}

static void test_poll_and_fd (void *ctx)
{
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_bind (a, "inproc://poll") == 0);
    CHECK (zmq_connect (b, "inproc://poll") == 0);
    int pipefd[2];
    CHECK (pipe (pipefd) == 0);
    zmq_pollitem_t items[2] = {{a, 0, ZMQ_POLLIN, 0}, {NULL, pipefd[0], ZMQ_POLLIN, 0}};
    CHECK_EQ_INT (0, zmq_poll (items, 2, 20));
    CHECK_EQ_INT (0, items[0].revents);
    send_str (b, "ping", 0);
    CHECK_EQ_INT (1, zmq_poll (items, 2, 2000));
    CHECK_EQ_INT (ZMQ_POLLIN, items[0].revents);
    recv_str (a, "ping");
    CHECK (write (pipefd[1], "x", 1) == 1);
    CHECK_EQ_INT (1, zmq_poll (items, 2, 2000));
    CHECK_EQ_INT (ZMQ_POLLIN, items[1].revents);
    CHECK_EQ_INT (0, items[0].revents);
    zmq_pollitem_t out = {a, 0, ZMQ_POLLOUT, 0};
    CHECK_EQ_INT (1, zmq_poll (&out, 1, 0));

    /* ZMQ_FD driven by an external epoll loop: after ZMQ_EVENTS says nothing is
     * readable, the fd wakes the loop when a message arrives. */
    int fd = get_int (a, ZMQ_FD);
    int ep = epoll_create1 (0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = fd};
    CHECK (epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    CHECK_EQ_INT (0, get_int (a, ZMQ_EVENTS) & ZMQ_POLLIN);
    struct epoll_event got;
    while (epoll_wait (ep, &got, 1, 0) > 0)
        ; /* drain stale edges */
    send_str (b, "wake", 0);
    CHECK_EQ_INT (1, epoll_wait (ep, &got, 1, 2000));
    CHECK (get_int (a, ZMQ_EVENTS) & ZMQ_POLLIN);
    recv_str (a, "wake");
    close (ep);
    close (pipefd[0]);
    close (pipefd[1]);
    CHECK (zmq_close (a) == 0 && zmq_close (b) == 0);
}

static void test_ctx_options (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK_EQ_INT (1, zmq_ctx_get (ctx, ZMQ_IO_THREADS));
    CHECK_EQ_INT (1023, zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS));
    CHECK_EQ_INT (64, zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE));
    CHECK_ERRNO (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0), EINVAL);
    CHECK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 2) == 0);
    void *s1 = zmq_socket (ctx, ZMQ_PAIR), *s2 = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s1 && s2);
    CHECK_ERRNO (zmq_socket (ctx, ZMQ_PAIR), EMFILE);
    CHECK (zmq_ctx_shutdown (ctx) == 0);
    CHECK_ERRNO (zmq_recv (s1, NULL, 0, 0), ETERM);
    CHECK (zmq_close (s1) == 0 && zmq_close (s2) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    test_pair_both_orders (ctx);
    test_push_pull_balancing (ctx);
    test_hwm (ctx);
    test_errors (ctx);
    test_poll_and_fd (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    test_term_unblocks_recv ();
    test_ctx_options ();
    return 0;
}
