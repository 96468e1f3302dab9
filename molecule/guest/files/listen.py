"""Accept TCP connections on the given ports for a while; answer each with "wslfleet PORT".

Usage: listen.py SECONDS PIDFILE PORT... Runs inside a guest's network namespace (ip netns exec)
so a peer outside can test which ports the guest's firewall lets through. Writes its PID to
PIDFILE (the test stops it by that PID when done) and exits by itself after SECONDS anyway.
"""

import os
import selectors
import socket
import sys
import time


def main():
    seconds = float(sys.argv[1])
    with open(sys.argv[2], "w") as handle:
        handle.write("%d\n" % os.getpid())
    selector = selectors.DefaultSelector()
    for port in (int(p) for p in sys.argv[3:]):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", port))
        sock.listen(16)
        selector.register(sock, selectors.EVENT_READ, port)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for key, dummy in selector.select(timeout=0.2):
            conn, dummy = key.fileobj.accept()
            with conn:
                conn.sendall(b"wslfleet %d\n" % key.data)


if __name__ == "__main__":
    main()
