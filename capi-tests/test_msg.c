/* zmq_msg_*: the message API as a C program written for libzmq uses it. */
#include "testutil.h"

static int freed_count;
static void *freed_data;
static void *freed_hint;

static void free_fn (void *data, void *hint)
{
    freed_count++;
    freed_data = data;
    freed_hint = hint;
}

static void test_init_and_close (void)
{
    zmq_msg_t msg;
    CHECK (zmq_msg_init (&msg) == 0);
    CHECK_EQ_INT (0, zmq_msg_size (&msg));
    CHECK (zmq_msg_data (&msg) != NULL);
    CHECK_EQ_INT (0, zmq_msg_more (&msg));
    CHECK (zmq_msg_close (&msg) == 0);
    /* a closed message is not a message */
    CHECK_ERRNO (zmq_msg_close (&msg), EFAULT);
    CHECK_ERRNO (zmq_msg_init (NULL), EFAULT);
    CHECK_ERRNO (zmq_msg_init_size (NULL, 10), EFAULT);

    zmq_msg_t zeroed;
    memset (&zeroed, 0, sizeof zeroed);
    CHECK_ERRNO (zmq_msg_close (&zeroed), EFAULT);
    CHECK_ERRNO (zmq_msg_get (&zeroed, ZMQ_MORE), EFAULT);
}

static void test_init_size (void)
{
    size_t sizes[] = {0, 1, 30, 33, 34, 38, 39, 100, 4096, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        zmq_msg_t msg;
        CHECK (zmq_msg_init_size (&msg, sizes[i]) == 0);
        CHECK_EQ_INT (sizes[i], zmq_msg_size (&msg));
        memset (zmq_msg_data (&msg), 'x', sizes[i]);
        /* a zmq_msg_t may be relocated with a plain memory copy between calls */
        zmq_msg_t moved;
        memcpy (&moved, &msg, sizeof msg);
        memset (&msg, 0xEE, sizeof msg);
        CHECK_EQ_INT (sizes[i], zmq_msg_size (&moved));
        const char *d = (const char *) zmq_msg_data (&moved);
        for (size_t j = 0; j < sizes[i]; j++)
            CHECK (d[j] == 'x');
        CHECK (zmq_msg_close (&moved) == 0);
    }
}

static void test_init_data_calls_free_once (void)
{
    char *buf = malloc (100);
    memcpy (buf, "hello", 6);
    zmq_msg_t msg, copy;
    freed_count = 0;
    CHECK (zmq_msg_init_data (&msg, buf, 6, free_fn, (void *) 0x1234) == 0);
    /* never copied: the message body is the caller's buffer */
    CHECK (zmq_msg_data (&msg) == buf);
    CHECK_EQ_INT (6, zmq_msg_size (&msg));
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_copy (&copy, &msg) == 0);
    CHECK_EQ_INT (1, zmq_msg_get (&msg, ZMQ_SHARED));
    CHECK_EQ_INT (1, zmq_msg_get (&copy, ZMQ_SHARED));
    CHECK (zmq_msg_data (&copy) == buf);
    CHECK (zmq_msg_close (&msg) == 0);
    CHECK_EQ_INT (0, freed_count);
    CHECK (strcmp ((char *) zmq_msg_data (&copy), "hello") == 0);
    CHECK (zmq_msg_close (&copy) == 0);
    CHECK_EQ_INT (1, freed_count);
    CHECK (freed_data == buf);
    CHECK (freed_hint == (void *) 0x1234);
    free (buf);

    /* without a free function the data is constant and shared */
    static const char constant[] = "constant";
    CHECK (zmq_msg_init_data (&msg, (void *) constant, 8, NULL, NULL) == 0);
    CHECK_EQ_INT (1, zmq_msg_get (&msg, ZMQ_SHARED));
    CHECK (zmq_msg_data (&msg) == constant);
    CHECK (zmq_msg_close (&msg) == 0);
}

static void test_copy_and_move (void)
{
    zmq_msg_t a, b, c;
    CHECK (zmq_msg_init_size (&a, 5) == 0);
    memcpy (zmq_msg_data (&a), "small", 5);
    CHECK (zmq_msg_init (&b) == 0);
    CHECK (zmq_msg_copy (&b, &a) == 0);
    /* small bodies are copied by value */
    CHECK_EQ_INT (0, zmq_msg_get (&a, ZMQ_SHARED));
    CHECK (zmq_msg_data (&a) != zmq_msg_data (&b));
    CHECK (memcmp (zmq_msg_data (&b), "small", 5) == 0);

    CHECK (zmq_msg_init (&c) == 0);
    CHECK (zmq_msg_move (&c, &a) == 0);
    CHECK_EQ_INT (5, zmq_msg_size (&c));
    CHECK_EQ_INT (0, zmq_msg_size (&a)); /* source re-initialised, still usable */
    CHECK (zmq_msg_close (&a) == 0);
    /* destination must be an initialised message */
    memset (&a, 0, sizeof a);
    CHECK_ERRNO (zmq_msg_move (&a, &c), EFAULT);
    CHECK_ERRNO (zmq_msg_copy (&a, &c), EFAULT);
    CHECK (zmq_msg_close (&b) == 0);
    CHECK (zmq_msg_close (&c) == 0);

    /* large bodies are shared by copies */
    CHECK (zmq_msg_init_size (&a, 1000) == 0);
    CHECK (zmq_msg_init (&b) == 0);
    CHECK (zmq_msg_copy (&b, &a) == 0);
    CHECK (zmq_msg_data (&a) == zmq_msg_data (&b));
    CHECK_EQ_INT (1, zmq_msg_get (&a, ZMQ_SHARED));
    CHECK (zmq_msg_close (&a) == 0);
    CHECK (zmq_msg_close (&b) == 0);
}

static void test_properties (void)
{
    zmq_msg_t msg;
    CHECK (zmq_msg_init (&msg) == 0);
    CHECK_ERRNO (zmq_msg_get (&msg, 12345), EINVAL);
    CHECK_ERRNO (zmq_msg_set (&msg, ZMQ_MORE, 1), EINVAL);
    CHECK_ERRNO (zmq_msg_gets (&msg, "Socket-Type"), EINVAL);
    CHECK_EQ_INT (-1, zmq_msg_get (&msg, ZMQ_SRCFD));
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_EQ_INT (0, zmq_msg_routing_id (&msg));
    CHECK_ERRNO (zmq_msg_set_routing_id (&msg, 0), EINVAL);
    CHECK (zmq_msg_set_routing_id (&msg, 7) == 0);
    CHECK_EQ_INT (7, zmq_msg_routing_id (&msg));
    CHECK (strcmp (zmq_msg_group (&msg), "") == 0);
    CHECK (zmq_msg_set_group (&msg, "weather") == 0);
    CHECK (strcmp (zmq_msg_group (&msg), "weather") == 0);
    char long_group[300];
    memset (long_group, 'g', sizeof long_group - 1);
    long_group[sizeof long_group - 1] = 0;
    /* As libzmq (strnlen): a longer group is cut at ZMQ_GROUP_MAX_LENGTH. */
    CHECK (zmq_msg_set_group (&msg, long_group) == 0);
    CHECK_EQ_INT (ZMQ_GROUP_MAX_LENGTH, (int) strlen (zmq_msg_group (&msg)));
    CHECK (zmq_msg_close (&msg) == 0);

    CHECK (zmq_msg_init_buffer (&msg, "foobar", 6) == 0);
    CHECK_EQ_INT (6, zmq_msg_size (&msg));
    CHECK (memcmp (zmq_msg_data (&msg), "foobar", 6) == 0);
#endif
    CHECK (zmq_msg_close (&msg) == 0);
}

static void test_errno_and_version (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    CHECK (major == 4 && minor == 3 && patch == 5);
    CHECK_EQ_INT (ZMQ_VERSION, ZMQ_MAKE_VERSION (major, minor, patch));
    CHECK (strcmp (zmq_strerror (EFSM),
                   "Operation cannot be accomplished in current state")
           == 0);
    CHECK (strcmp (zmq_strerror (ETERM), "Context was terminated") == 0);
    CHECK (strcmp (zmq_strerror (EMTHREAD), "No thread available") == 0);
    CHECK (strcmp (zmq_strerror (ENOCOMPATPROTO),
                   "The protocol is not compatible with the socket type")
           == 0);
    CHECK (strcmp (zmq_strerror (EINVAL), strerror (EINVAL)) == 0);
    errno = EAGAIN;
    CHECK_EQ_INT (EAGAIN, zmq_errno ());
#ifdef ZMQ_BUILD_DRAFT_API
    /* The drafts are exported, but reported as a release libzmq does (see README). */
    CHECK_EQ_INT (getenv ("ZMQRS_HAS_DRAFT") && !strcmp (getenv ("ZMQRS_HAS_DRAFT"), "1"),
                  zmq_has ("draft"));
#else
    /* Without the draft API nothing makes it say 1. */
    CHECK_EQ_INT (0, zmq_has ("draft"));
#endif
    CHECK_EQ_INT (0, zmq_has ("vmci")); /* VMware sockets: not here */
    CHECK_EQ_INT (0, zmq_has ("nonsense"));
}

int main (void)
{
    test_init_and_close ();
    test_init_size ();
    test_init_data_calls_free_once ();
    test_copy_and_move ();
    test_properties ();
    test_errno_and_version ();
    return 0;
}
