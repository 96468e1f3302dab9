#!/usr/bin/env python
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Inside the guest: send SIZE random bytes to HOST:PORT, half-close, read the echo to the end.

Prints JSON with the SHA-256 of what was sent and of what came back; exit 0 either way (the
playbook compares), exit 2 when the connection itself fails.
"""
import hashlib
import json
import os
import socket
import sys
import threading


def main():
    host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    payload = os.urandom(size)
    received = []
    try:
        sock = socket.create_connection((host, port), timeout=30)
    except OSError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    with sock:
        sock.settimeout(30)

        def reader():
            chunks = []
            while True:
                data = sock.recv(1 << 16)
                if not data:
                    break
                chunks.append(data)
            received.append(b"".join(chunks))

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            print(json.dumps({"error": str(exc)}))
            return 2
        thread.join(60)
    got = received[0] if received else b""
    print(json.dumps({"sent": hashlib.sha256(payload).hexdigest(), "received": hashlib.sha256(got).hexdigest(),
                      "sent_bytes": size, "received_bytes": len(got)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
