// Which libzmq is this program running on? zmq_version() answers for the library
// loaded at run time, ZMQ_VERSION for the header it was compiled with: libzmq-rs is
// 4.3.5, Debian 12's libzmq 4.3.4.
//   cc version.c -o version $(pkg-config --cflags --libs libzmq-rs)    (or -lzmq)

#include <zmq.h>
#include <stdio.h>

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("Current ZeroMQ version is %d.%d.%d (zmq.h %d.%d.%d)\n", major, minor,
            patch, ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
    return 0;
}
