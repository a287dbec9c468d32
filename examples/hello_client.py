"""Request/reply from Python: pyzmq's REQ socket talking to hello_server.c.

Runs on whichever libzmq pyzmq loads; to run it on libzmq-rs without rebuilding pyzmq,
preload it:

    LD_PRELOAD=/path/to/prefix/lib/libzmq-rs.so python3 hello_client.py tcp://localhost:5555

(or install the libzmq5-rs package, and no variable is needed).
"""
import sys

import zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://localhost:5555"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10

print("pyzmq %s on libzmq %s" % (zmq.pyzmq_version(), zmq.zmq_version()))
with zmq.Context() as context:
    with context.socket(zmq.REQ) as socket:
        socket.rcvtimeo = 5000
        socket.linger = 0
        socket.connect(endpoint)
        for i in range(count):
            socket.send(b"Hello")
            reply = socket.recv()
            if reply != b"World":
                sys.exit("hello_client.py: unexpected reply %r" % reply)
            print("Received World %d" % i)
