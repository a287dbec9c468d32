"""pyzmq (Debian's python3-zmq, built against libzmq) driving libzmq-rs through
LD_PRELOAD: request/reply with multipart, zmq.Poller, PUB/SUB filtering over inproc,
ZMQ_FD/ZMQ_EVENTS through pyzmq's asyncio integration, and CURVE. Prints the library
version it ran on, so the harness can check that it was ours."""
import asyncio
import sys

import zmq
import zmq.asyncio

print("zmq_version", zmq.zmq_version())

ctx = zmq.Context()
rep = ctx.socket(zmq.REP)
rep.rcvtimeo = 5000
port = rep.bind_to_random_port("tcp://127.0.0.1")
req = ctx.socket(zmq.REQ)
req.rcvtimeo = 5000
req.connect(f"tcp://127.0.0.1:{port}")
req.send_multipart([b"hello", b"world"])
assert rep.recv_multipart() == [b"hello", b"world"]
rep.send(b"reply")
assert req.recv() == b"reply"

poller = zmq.Poller()
poller.register(rep, zmq.POLLIN)
req.send(b"x")
assert dict(poller.poll(5000)).get(rep) == zmq.POLLIN
assert rep.recv() == b"x"
rep.send(b"y")
assert req.recv() == b"y"

pub = ctx.socket(zmq.PUB)
sub = ctx.socket(zmq.SUB)
sub.rcvtimeo = 5000
pub.bind("inproc://smoke")
sub.connect("inproc://smoke")
sub.setsockopt(zmq.SUBSCRIBE, b"a")
pub.send(b"b-filtered")
pub.send(b"a-kept")
assert sub.recv() == b"a-kept"

# CURVE between two pyzmq sockets.
assert zmq.has("curve")
server_public, server_secret = zmq.curve_keypair()
client_public, client_secret = zmq.curve_keypair()
server = ctx.socket(zmq.PAIR)
server.curve_server = True
server.curve_secretkey = server_secret
server.rcvtimeo = 5000
cport = server.bind_to_random_port("tcp://127.0.0.1")
client = ctx.socket(zmq.PAIR)
client.curve_serverkey = server_public
client.curve_publickey = client_public
client.curve_secretkey = client_secret
client.rcvtimeo = 5000
client.connect(f"tcp://127.0.0.1:{cport}")
client.send(b"sealed")
assert server.recv() == b"sealed"

for s in (rep, req, pub, sub, server, client):
    s.close(linger=0)
ctx.term()


async def asyncio_roundtrip():
    actx = zmq.asyncio.Context()
    a = actx.socket(zmq.DEALER)
    b = actx.socket(zmq.ROUTER)
    p = b.bind_to_random_port("tcp://127.0.0.1")
    a.connect(f"tcp://127.0.0.1:{p}")
    for i in range(100):
        await a.send(b"ping %d" % i)
        ident, msg = await asyncio.wait_for(b.recv_multipart(), 5)
        assert msg == b"ping %d" % i
        await b.send_multipart([ident, b"pong %d" % i])
        assert await asyncio.wait_for(a.recv(), 5) == b"pong %d" % i
    a.close(linger=0)
    b.close(linger=0)
    actx.term()


asyncio.run(asyncio_roundtrip())
print("OK")
sys.exit(0)
