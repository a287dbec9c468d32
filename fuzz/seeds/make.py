#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/ from the project's captured ZMTP vectors
(../shared/specs/vectors, beside the repository) and hand-made inputs. The first bytes
of each seed are the target's choices (see fuzz/src/*.rs); the rest is the stream."""
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
vec = os.path.join(here, "..", "..", "..", "shared", "specs", "vectors")
out = os.path.join(here, "..", "corpus")

def v(name):
    return open(os.path.join(vec, name), "rb").read()

def seeds(target, items):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for name, data in items:
        open(os.path.join(d, "seed-" + name), "wb").write(data)

DEALER_IDX = 5  # index of ZMQ_DEALER in SOCKET_TYPES
greet = [("null_noid", v("greeting_null_noid.bin") + v("ready_router_noid.bin")),
         ("null_id_abc", v("greeting_null_id_abc.bin") + v("ready_dealer_id_abc.bin")),
         ("plain", v("greeting_plain.bin") + v("plain_welcome.bin")),
         ("curve", v("greeting_curve.bin") + v("curve_hello_fixedkeys.bin")),
         ("zmtp20", v("zmtp20_greeting_dealer_abc.bin")),
         ("zmtp10", v("zmtp10_dealer_abc_prefix_and_msg.bin"))]
# socket type, flags (mechanism bits 0-1, server 2, legacy 3, zap 4), routing id, seed
seeds("zmtp_greeting",
      [(n + "-null", bytes([DEALER_IDX, 0x08, 0, 7]) + d) for n, d in greet] +
      [("plain-server", bytes([DEALER_IDX, 0x05, 0, 3]) + v("greeting_plain.bin") + v("plain_hello_admin_secret.bin") + v("plain_initiate_dealer_cid.bin")),
       ("curve-server", bytes([DEALER_IDX, 0x06, 0, 1]) + v("greeting_curve.bin") + v("curve_hello_fixedkeys.bin"))])

frames = b"".join(v(n) for n in ["frame_short_more_hello.bin", "frame_short_last_reply.bin",
                                 "cmd_ping_ttl15.bin", "cmd_pong_empty.bin", "cmd_subscribe_topic.bin",
                                 "cmd_cancel_topic.bin"])
long_frame = v("frame_long_last_300_header.bin") + bytes(300)
v1_frames = bytes([6, 1]) + b"hello" + bytes([1, 0])
# version (0: 3.1, 1: 3.0, 2: 2.0, 3: 1.0), maxmsgsize choice, chunk seed
seeds("zmtp_decoder",
      [("v31-frames", bytes([0, 0, 9]) + frames),
       ("v30-long", bytes([1, 4, 3]) + long_frame),
       ("v20-frames", bytes([2, 7, 5]) + frames),
       ("v10-frames", bytes([3, 0, 2]) + v1_frames),
       ("huge-header", bytes([0, 0, 1]) + bytes([0x02]) + (1 << 62).to_bytes(8, "big") + b"abc"),
       ("maxmsgsize", bytes([0, 3, 1]) + v("frame_long_last_300_header.bin") + bytes(300))])

for mech in ["null", "plain", "curve"]:
    items = [(f"honest-{f}", bytes([f]) + bytes(96)) for f in range(4)]
    items += [(f"zap200-{f}", bytes([f]) + bytes([0, 1] * 48)) for f in (1, 3)]
    items += [("raw-greeting", bytes([4, 63]) + v(f"greeting_{'null_noid' if mech == 'null' else mech}.bin"))]
    seeds(f"handshake_{mech}", items)

seeds("socks_client",
      [("none-ipv4", bytes([0, 0, 2, 2]) + b"\x05\x00" + bytes([10]) + b"\x05\x00\x00\x01\x7f\x00\x00\x01\x15\xb3"),
       ("auth-ipv6", bytes([1, 1, 5]) + b"admin" + bytes([6]) + b"secret" + bytes([0, 0, 2]) + b"\x05\x02" + bytes([0, 2]) + b"\x01\x00" + bytes([0, 22]) + b"\x05\x00\x00\x04" + bytes(18)),
       ("domain", bytes([2, 0, 0, 2]) + b"\x05\x00" + bytes([0, 5]) + b"\x05\x00\x00\x03\x03" + bytes([0, 5]) + b"abc\x00\x50"),
       ("refused", bytes([0, 0, 2, 2]) + b"\x05\xff")])

seeds("udp_datagram", [("tv", b"\x02TVFriends"), ("empty-group", b"\x00body"), ("short", b"\x05TV")])

keys = [l.split("=", 1)[1].strip() for l in open(os.path.join(vec, "curve_fixedkeys.txt")) if "=" in l]
seeds("z85_decode", [("hello", b"HelloWorld"), ("key", b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
                     ("overflow", b"%%%%%"), ("bad-char", b"Hello Worl")])

seeds("sub_trie", [("counted", bytes([1]) + bytes([0, 2, 1, 2, 0, 1, 0, 2, 2, 3, 1, 1, 2, 3, 0, 0, 3, 0])),
                   ("piped", bytes([0]) + bytes([0, 2, 1, 1, 0, 1, 0, 2, 2, 2, 0, 3, 3, 1, 1, 1, 2, 0, 3, 0, 1, 1]))])

# socket type index, then ops: [kind-select, option, op, ...]
seeds("socket_options", [("routing-id", bytes([6, 1, 5, 0, 5]) + b"peer1" + bytes([1, 5, 2, 40])),
                         ("hwm", bytes([5, 0, 0, 1, 0, 100, 0, 0, 0, 0, 1, 2])),
                         ("curve-key", bytes([5, 1, 48, 0, 40]) + b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7" + bytes([1, 48, 2, 41]))])

seeds("endpoint", [(n, bytes([f]) + s.encode()) for n, f, s in [
    ("tcp", 0, "tcp://127.0.0.1:5555"), ("tcp6", 1, "tcp://[::1]:*"), ("any", 0, "tcp://*:0"),
    ("source", 0, "tcp://127.0.0.1:0;127.0.0.1:80"), ("ipc", 2, "ipc://@abc"), ("ipc-path", 0, "ipc:///tmp/x.sock"),
    ("udp-mcast", 2, "udp://127.0.0.1;239.0.0.1:5555"), ("zone", 1, "tcp://[fe80::1%lo]:80"),
    ("unknown", 0, "pgm://eth0;239.0.0.1:5555")]])
