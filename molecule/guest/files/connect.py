"""connect.py HOST PORT: print the first line a TCP server sends; exit 1 when it cannot connect."""

import socket
import sys

try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3) as sock:
        print(sock.makefile().readline().strip())
except OSError as exc:
    print("%s:%s: %s" % (sys.argv[1], sys.argv[2], exc), file=sys.stderr)
    sys.exit(1)
