# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the relay's behaviour tests: real sockets on loopback, a real relay process.

Every process a test starts is ended by PID in the fixture's teardown, also when the test fails;
every wait is bounded and generous (the machine is shared), and no test measures time.
"""
from __future__ import annotations

import glob
import hashlib
import importlib.machinery
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RELAY = os.path.join(REPO_ROOT, "roles", "relay", "files", "wslfleet-relay")
# The interpreter the relay runs under; `WSLFLEET_RELAY_PYTHON=/path/to/python3.8 make unit`
# runs the whole behaviour suite on another Python.
RELAY_PYTHON = os.environ.get("WSLFLEET_RELAY_PYTHON", sys.executable)
WAIT = 30.0


def load_relay_module():
    loader = importlib.machinery.SourceFileLoader("wslfleet_relay", RELAY)
    spec = importlib.util.spec_from_loader("wslfleet_relay", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def python38():
    found = sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3.8")) + \
        [p for p in ("/usr/bin/python3.8",) if os.path.exists(p)]
    return found[0] if found else None


def free_port(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def sha(data):
    return hashlib.sha256(data).hexdigest()


def recv_all(sock, limit=None):
    """Read until EOF (or `limit` bytes); a reset counts as EOF and is reported."""
    chunks, total = [], 0
    while limit is None or total < limit:
        try:
            data = sock.recv(1 << 20)
        except ConnectionResetError:
            return b"".join(chunks), True
        if not data:
            break
        chunks.append(data)
        total += len(data)
    return b"".join(chunks), False


def recv_exact(sock, size):
    chunks, total = [], 0
    while total < size:
        data = sock.recv(min(1 << 20, size - total))
        if not data:
            raise AssertionError("connection ended after %d of %d bytes" % (total, size))
        chunks.append(data)
        total += len(data)
    return b"".join(chunks)


def connect(port, host="127.0.0.1"):
    sock = socket.create_connection((host, port), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


def echo_once(port, payload=b"ping", host="127.0.0.1"):
    with connect(port, host) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        data, _reset = recv_all(sock)
        return data


def closed_promptly(sock):
    """The relay ended this connection: EOF or reset, well within WAIT, with no payload."""
    try:
        data = sock.recv(1024)
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return data == b""


def ended_by_relay(port, payload=b"x"):
    """Connect, send, and see the relay end the connection promptly with no payload.

    The relay may reset the connection before the client's own connect() has even returned (a
    refused upstream on loopback answers in microseconds), so a reset at any step counts.
    """
    try:
        with connect(port) as sock:
            sock.sendall(payload)
            return closed_promptly(sock)
    except (ConnectionResetError, BrokenPipeError):
        return True


class Upstream:
    """A threaded TCP server on loopback standing in for the Windows-side service.

    `handler(conn, server)` serves one connection; the default echoes until EOF and then closes
    its write side. `received` collects per-connection digests for handlers that record them.
    """

    def __init__(self, handler=None, host="127.0.0.1", port=0, backlog=128):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(backlog)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.handler = handler or echo_handler
        self.received = []
        self.connections = 0
        self.errors = []
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _peer = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        conn.settimeout(WAIT)
        try:
            self.handler(conn, self)
        except Exception as exc:  # recorded so a test can show what went wrong upstream
            self.errors.append(repr(exc))
        finally:
            conn.close()

    def close(self):
        self._stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(WAIT)


def echo_handler(conn, _server):
    while True:
        data = conn.recv(1 << 20)
        if not data:
            break
        conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)


class RelayProcess:
    """One wslfleet-relay process; stderr is collected line by line for the test to wait on."""

    def __init__(self, args, python=None, tmp_path=None, cwd=None):
        self.python = python or RELAY_PYTHON
        argv = [self.python, RELAY] + list(args)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=_relay_env())
        self.lines = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in iter(self.proc.stderr.readline, b""):
            with self._cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def log(self):
        with self._cond:
            return "\n".join(self.lines)

    def wait_log(self, pattern, count=1, timeout=WAIT):
        """Wait until `count` stderr lines match `pattern`; fail with the whole log otherwise."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if sum(1 for line in self.lines if regex.search(line)) >= count:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError("no %d line(s) matching %r; relay log:\n%s"
                                         % (count, pattern, "\n".join(self.lines)))
                self._cond.wait(min(remaining, 0.5))

    def wait_listening(self, count=1):
        self.wait_log(r"listening ", count)

    def signal(self, signum):
        self.proc.send_signal(signum)

    def counters(self):
        """Ask for the counters (SIGUSR1) and return the totals line as a dict."""
        seen = sum(1 for line in self.lines if "counters: " in line)
        self.signal(signal.SIGUSR1)
        self.wait_log(r"counters: ", count=seen + 1)
        line = [line for line in self.lines if "counters: " in line][seen]
        return {k: int(v) for k, v in (item.split("=") for item in line.split("counters: ")[1].split())}

    def wait_exit(self, timeout=WAIT):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("relay did not exit within %ss; log:\n%s" % (timeout, self.log))
        # The process can be gone before the reader has taken its last lines from the pipe: wait
        # for the reader's end of file, or a test reading the log right after exit misses them.
        self._reader.join(timeout)
        return code

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(WAIT)
        self._reader.join(WAIT)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


def _relay_env():
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    return env
