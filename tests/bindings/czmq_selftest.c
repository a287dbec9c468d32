/* CZMQ's own self-tests of zsock and of every zsock option (zsock_test runs
 * zsock_option_test too), from Debian's libczmq, on whatever libzmq is loaded: run under
 * LD_PRELOAD by tests/bindings.rs. */
#include <czmq.h>

void zsock_option_test (bool verbose);

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("zmq_version %d.%d.%d\n", major, minor, patch);
    zsock_option_test (false);
    zsock_test (false);
    printf ("OK\n");
    return 0;
}
