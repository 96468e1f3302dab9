#!/usr/bin/env python
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The "Windows service" of the relay scenario: a TCP echo server on 0.0.0.0:PORT.

Started inside the lab's Windows-host namespace (`ip netns exec`); writes its PID to PIDFILE once
it listens, so the scenario can wait for it and end it by PID. Echoes every byte, honours
half-close (answers everything, then closes its write side).
"""
import os
import socket
import sys
import threading


def serve(conn):
    with conn:
        while True:
            data = conn.recv(1 << 16)
            if not data:
                break
            conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)


def main():
    port, pidfile = int(sys.argv[1]), sys.argv[2]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", port))
    server.listen(64)
    with open(pidfile + ".tmp", "w", encoding="ascii") as handle:
        handle.write("%d\n" % os.getpid())
    os.replace(pidfile + ".tmp", pidfile)
    while True:
        conn, _peer = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
