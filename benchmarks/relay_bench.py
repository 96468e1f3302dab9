#!/usr/bin/env python
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wslfleet-relay against socat and a direct connection, all in the same run, on loopback.

    .venv/bin/python benchmarks/relay_bench.py            # 1 GiB bulk, 3 rounds (about a minute)
    .venv/bin/python benchmarks/relay_bench.py --quick    # 256 MiB, 1 round, fewer samples

Prints, for the relay (splice path, and the copying path Python 3.8/3.9 guests use), socat
(`TCP-LISTEN:...,fork,reuseaddr,nodelay,backlog=4096 TCP:...,nodelay`, Debian's package) and a direct
connection with no relay in between (the ceiling):

* bulk throughput of one transfer: relay/socat (goal >= 1.0) and relay/direct;
* request/response latency p50 and p99 for 1 KiB messages: relay/socat (goal <= 1.0);
* 1,000 concurrent idle connections held: the relay's resident memory (goal <= 64 MiB), next to
  socat's (one process per connection; proportional set size summed), and whether every
  connection still echoes afterwards.

The services (a sink that acknowledges what it read, an echo server) run in a child process so
they do not share an interpreter lock with the measuring client. Everything listens on 127.0.0.1
ports chosen by the kernel; every process started here is ended by PID before the script exits.
Not a test: nothing here passes or fails, it reports.
"""
from __future__ import annotations

import argparse
import os
import resource
import selectors
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

from _proc import children, pss_kib, status_kib

HERE = os.path.dirname(os.path.abspath(__file__))
RELAY = os.path.join(HERE, "..", "roles", "relay", "files", "wslfleet-relay")
MIB = 1 << 20
WAIT = 60.0


# ---------------------------------------------------------------------------------------------
# Services (child process)


def serve(ready_fd):
    """Sink on one port (read to EOF, answer with the byte count), echo on another."""
    sink = socket.create_server(("127.0.0.1", 0), backlog=64)
    echo = socket.create_server(("127.0.0.1", 0), backlog=4096)
    os.write(ready_fd, struct.pack("!HH", sink.getsockname()[1], echo.getsockname()[1]))
    os.close(ready_fd)

    def sink_one(conn):
        buf = bytearray(4 * MIB)
        total = 0
        with conn:
            while True:
                n = conn.recv_into(buf)
                if not n:
                    break
                total += n
            conn.sendall(struct.pack("!Q", total))

    def sink_loop():
        while True:
            conn, _ = sink.accept()
            threading.Thread(target=sink_one, args=(conn,), daemon=True).start()

    threading.Thread(target=sink_loop, daemon=True).start()
    sel = selectors.DefaultSelector()
    echo.setblocking(False)
    sel.register(echo, selectors.EVENT_READ, None)
    while True:
        for key, _mask in sel.select():
            if key.data is None:
                try:
                    while True:
                        conn, _ = echo.accept()
                        conn.setblocking(False)
                        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        sel.register(conn, selectors.EVENT_READ, "c")
                except BlockingIOError:
                    pass
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                conn.close()
                continue
            conn.setblocking(True)
            conn.sendall(data)
            conn.setblocking(False)


# ---------------------------------------------------------------------------------------------
# Paths under test


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port, proc):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench: %s exited early with %s" % (proc.args[0], proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench: nothing listens on %d" % port)


class Path:
    """One way from the client to a service port: direct, through socat, or through the relay."""

    def __init__(self, name, kind, python=None):
        self.name, self.kind, self.python = name, kind, python
        self.procs = {}

    def port_for(self, service_port):
        if self.kind == "direct":
            return service_port
        if service_port in self.procs:
            return self.procs[service_port][1]
        port = free_port()
        if self.kind == "socat":
            argv = ["socat", "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,nodelay,backlog=4096" % port,
                    "TCP:127.0.0.1:%d,nodelay" % service_port]
        else:
            argv = [self.python, RELAY, "--forward", "127.0.0.1:%d=127.0.0.1:%d" % (port, service_port),
                    "--max-connections", "5000"]
            if self.kind == "relay-copy":
                argv.append("--no-splice")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.procs[service_port] = (proc, port)
        wait_port(port, proc)
        return port

    def memory_mib(self, service_port):
        """Resident memory of what serves this path: the relay's RSS, or socat's PSS summed."""
        proc = self.procs[service_port][0]
        if self.kind.startswith("relay"):
            return status_kib(proc.pid, "VmRSS") / 1024.0
        pids = [proc.pid] + children(proc.pid)
        return sum(pss_kib(pid) for pid in pids) / 1024.0

    def close(self):
        for proc, _port in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(WAIT)
        self.procs.clear()


# ---------------------------------------------------------------------------------------------
# Measurements


def bulk(port, size):
    """Seconds to push `size` bytes to the sink and get its acknowledgement back."""
    block = memoryview(os.urandom(4 * MIB))
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        start = time.perf_counter()
        left = size
        while left:
            n = min(left, len(block))
            sock.sendall(block[:n])
            left -= n
        sock.shutdown(socket.SHUT_WR)
        ack = b""
        while len(ack) < 8:
            part = sock.recv(8 - len(ack))
            if not part:
                break
            ack += part
        elapsed = time.perf_counter() - start
    got = struct.unpack("!Q", ack)[0] if len(ack) == 8 else -1
    if got != size:
        raise SystemExit("bench: sink acknowledged %d of %d bytes" % (got, size))
    return elapsed


def latency(port, samples):
    """Round-trip times (microseconds) of 1 KiB request/response pairs on one connection."""
    message = os.urandom(1024)
    times = []
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = bytearray(1024)
        view = memoryview(buf)
        for i in range(samples + 50):
            start = time.perf_counter_ns()
            sock.sendall(message)
            got = 0
            while got < 1024:
                n = sock.recv_into(view[got:])
                if not n:
                    raise SystemExit("bench: echo closed during the latency run")
                got += n
            if i >= 50:  # the first round trips warm caches and the connection
                times.append((time.perf_counter_ns() - start) / 1000.0)
            if buf != message:
                raise SystemExit("bench: echo returned different bytes")
    return times


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))]


def idle(path, service_port, count):
    """Hold `count` idle connections; return (memory MiB, connections that echoed afterwards)."""
    port = path.port_for(service_port)
    socks = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            socks.append(sock)
        # Every connection must have reached the service before memory is read: one round trip
        # on the last one proves the relay has accepted (and connected) all before it.
        socks[-1].sendall(b"!")
        if socks[-1].recv(1) != b"!":
            raise SystemExit("bench: the last idle connection did not echo")
        time.sleep(1.0)
        memory = path.memory_mib(service_port)
        ok = 0
        for index, sock in enumerate(socks):
            payload = b"%08d" % index
            sock.sendall(payload)
            got = b""
            while len(got) < len(payload):
                part = sock.recv(len(payload) - len(got))
                if not part:
                    break
                got += part
            ok += got == payload
        return memory, ok
    finally:
        for sock in socks:
            sock.close()


def ratio(a, b):
    return a / b if b else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="256 MiB, one round, 500 latency samples")
    parser.add_argument("--size-mib", type=int, help="bulk transfer size (default 1024, quick 256)")
    parser.add_argument("--rounds", type=int, help="bulk rounds per path, median reported (default 3)")
    parser.add_argument("--samples", type=int, help="latency round trips per path (default 5000)")
    parser.add_argument("--idle", type=int, default=1000, help="idle connections to hold (default 1000)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the relay")
    args = parser.parse_args()
    size = (args.size_mib or (256 if args.quick else 1024)) * MIB
    rounds = args.rounds or (1 if args.quick else 3)
    samples = args.samples or (500 if args.quick else 5000)
    if not shutil.which("socat"):
        raise SystemExit("bench: socat is not installed (Debian: apt-get install socat; `make setup` does it)")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    read_fd, write_fd = os.pipe()
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", str(write_fd)],
                              pass_fds=(write_fd,), stdin=subprocess.DEVNULL)
    os.close(write_fd)
    sink_port, echo_port = struct.unpack("!HH", os.read(read_fd, 4))
    os.close(read_fd)
    version = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    paths = [Path("direct", "direct"), Path("socat", "socat"),
             Path("relay", "relay", args.python), Path("relay-copy", "relay-copy", args.python)]
    results = {}
    try:
        print("wslfleet-relay benchmark: relay on Python %s, %d CPU(s), loopback" % (version, os.cpu_count()))
        # Rounds alternate between the paths so a neighbour's load on this shared machine falls on
        # all of them alike instead of on whichever path happened to run at that moment.
        print("\nbulk: %d MiB per transfer, median of %d round(s), paths interleaved" % (size // MIB, rounds))
        times = {path.name: [] for path in paths}
        for path in paths:
            bulk(path.port_for(sink_port), 16 * MIB)  # warm-up
        for _ in range(rounds):
            for path in paths:
                times[path.name].append(bulk(path.port_for(sink_port), size))
        for path in paths:
            results[path.name, "bulk"] = size / MIB / statistics.median(times[path.name])
            print("  %-10s %9.0f MiB/s" % (path.name, results[path.name, "bulk"]))
        slices = 10
        print("\nlatency: 1 KiB request/response, %d round trips per path in %d interleaved slices"
              % (samples, slices))
        rtts = {path.name: [] for path in paths}
        for _ in range(slices):
            for path in paths:
                rtts[path.name].extend(latency(path.port_for(echo_port), max(1, samples // slices)))
        for path in paths:
            p50, p99 = percentile(rtts[path.name], 0.5), percentile(rtts[path.name], 0.99)
            results[path.name, "p50"], results[path.name, "p99"] = p50, p99
            print("  %-10s p50 %7.1f us   p99 %7.1f us" % (path.name, p50, p99))
        print("\nidle: %d concurrent idle connections, then one echo on each" % args.idle)
        for path in paths[1:3]:
            memory, ok = idle(path, echo_port, args.idle)
            results[path.name, "mem"], results[path.name, "ok"] = memory, ok
            what = "RSS" if path.kind == "relay" else "PSS of all socat processes"
            print("  %-10s %7.1f MiB (%s)   echoed %d/%d" % (path.name, memory, what, ok, args.idle))
            path.close()

        r = results
        print("\nratios")
        print("  bulk    relay/socat  %.2f  (goal >= 1.0)   relay/direct %.2f   relay-copy/socat %.2f"
              % (ratio(r["relay", "bulk"], r["socat", "bulk"]), ratio(r["relay", "bulk"], r["direct", "bulk"]),
                 ratio(r["relay-copy", "bulk"], r["socat", "bulk"])))
        print("  latency relay/socat  p50 %.2f  p99 %.2f  (goal <= 1.0)   relay-copy/socat p50 %.2f  p99 %.2f"
              % (ratio(r["relay", "p50"], r["socat", "p50"]), ratio(r["relay", "p99"], r["socat", "p99"]),
                 ratio(r["relay-copy", "p50"], r["socat", "p50"]), ratio(r["relay-copy", "p99"], r["socat", "p99"])))
        print("  idle    relay RSS %.1f MiB (goal <= 64)  relay/socat memory %.2f  echoed %d/%d"
              % (r["relay", "mem"], ratio(r["relay", "mem"], r["socat", "mem"]), r["relay", "ok"], args.idle))
    finally:
        for path in paths:
            path.close()
        server.kill()
        server.wait(WAIT)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main()
