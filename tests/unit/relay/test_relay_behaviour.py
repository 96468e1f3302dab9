# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay as a real process between real loopback sockets: bytes in, the same bytes out."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading

import pytest

from .support import (RELAY, RELAY_PYTHON, WAIT, RelayProcess, closed_promptly, connect, echo_once,
                      ended_by_relay, free_port, port_is_free, python38, recv_all, recv_exact, sha)


def forward(listen_port, target_port, host="127.0.0.1"):
    return ["--forward", "%s:%d=%s:%d" % (host, listen_port, host, target_port)]


def exchange(port, payload, results, index):
    """Send `payload` while reading the echo concurrently (full duplex), then half-close."""
    try:
        with connect(port) as sock:
            got = {}

            def reader():
                got["data"], got["reset"] = recv_all(sock)

            thread = threading.Thread(target=reader)
            thread.start()
            view = memoryview(payload)
            for offset in range(0, len(payload), 1 << 16):
                sock.sendall(view[offset:offset + (1 << 16)])
            sock.shutdown(socket.SHUT_WR)
            thread.join(WAIT * 2)
            results[index] = (sha(got.get("data", b"")), got.get("reset"))
    except Exception as exc:  # reported by the test with the payload index
        results[index] = ("error", repr(exc))


@pytest.mark.parametrize("mode", ["splice", "copy"])
def test_large_random_payloads_many_clients_both_directions(relay, upstreams, mode):
    upstream = upstreams()
    port = free_port()
    extra = ["--no-splice"] if mode == "copy" else []
    proc = relay(*(forward(port, upstream.port) + extra))
    payloads = [os.urandom(size) for size in [3 << 20] * 12 + [1, 17, 65537, 1 << 20]]
    results = [None] * len(payloads)
    threads = [threading.Thread(target=exchange, args=(port, p, results, i)) for i, p in enumerate(payloads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert results == [(sha(p), False) for p in payloads], proc.log
    totals = proc.counters()
    expected = sum(len(p) for p in payloads)
    assert (totals["bytes_to_target"], totals["bytes_from_target"]) == (expected, expected)
    assert (totals["accepted"], totals["active"], totals["refused"]) == (len(payloads), 0, 0)
    assert upstream.errors == []
    # Bulk streams leave the shared buffer for splice(2) where Python has it (3.10+ on Linux).
    if mode == "splice" and "splice(2) is not available" not in proc.log:
        assert totals["spliced_streams"] > 0
    else:
        assert totals["spliced_streams"] == 0


@pytest.mark.skipif(python38() is None, reason="no Python 3.8 interpreter on this machine")
def test_runs_on_python_38(relay, upstreams):
    # Ubuntu 20.04 guests ship Python 3.8, which has no os.splice: the copying path serves them.
    upstream = upstreams()
    port = free_port()
    proc = relay(*forward(port, upstream.port), python=python38())
    proc.wait_log(r"using the copying path: splice\(2\) is not available here")
    payload = os.urandom(4 << 20)
    results = [None]
    exchange(port, payload, results, 0)
    assert results[0] == (sha(payload), False)


def test_ipv6_loopback(relay, upstreams):
    if not socket.has_ipv6 or not _ipv6_loopback():
        pytest.skip("IPv6 loopback (::1) is not configured on this machine")
    upstream = upstreams(host="::1")
    port = free_port("::1")
    relay("--forward", "[::1]:%d=[::1]:%d" % (port, upstream.port))
    assert echo_once(port, b"over ipv6", host="::1") == b"over ipv6"


def _ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_half_close_client_then_reply(relay, upstreams):
    """The client shuts its write side; the service reads to EOF and only then sends a big reply."""
    reply = os.urandom(8 << 20)

    def read_then_reply(conn, server):
        data = recv_all(conn)[0]
        server.received.append(sha(data))
        conn.sendall(reply)

    upstream = upstreams(read_then_reply)
    port = free_port()
    relay(*forward(port, upstream.port))
    request = os.urandom(5 << 20)
    with connect(port) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        data, reset = recv_all(sock)
    assert (sha(data), reset) == (sha(reply), False)
    assert upstream.received == [sha(request)]


def test_half_close_service_first(relay, upstreams):
    """The service sends everything and shuts its write side; the client can still upload."""
    banner = os.urandom(2 << 20)

    def talk_then_listen(conn, server):
        conn.sendall(banner)
        conn.shutdown(socket.SHUT_WR)
        data = recv_all(conn)[0]
        server.received.append(sha(data))

    upstream = upstreams(talk_then_listen)
    port = free_port()
    relay(*forward(port, upstream.port))
    upload = os.urandom(3 << 20)
    with connect(port) as sock:
        data, reset = recv_all(sock)
        assert (sha(data), reset) == (sha(banner), False)
        sock.sendall(upload)
        sock.shutdown(socket.SHUT_WR)
        rest = recv_all(sock)[0]
        assert rest == b""
    # The service thread records the upload after its read ends; wait for it, bounded.
    pause = threading.Event()
    for dummy in range(int(WAIT * 10)):
        if upstream.received:
            break
        pause.wait(0.1)
    assert upstream.received == [sha(upload)]


def test_idle_timeout_closes_silent_connections(relay, upstreams):
    upstream = upstreams()
    port = free_port()
    proc = relay(*(forward(port, upstream.port) + ["--idle-timeout", "1"]))
    with connect(port) as sock:
        sock.sendall(b"hello")
        assert recv_exact(sock, 5) == b"hello"
        assert closed_promptly(sock), "the relay kept an idle connection open for %ss" % WAIT
    assert proc.counters()["idle_closed"] == 1


def test_max_connections_refuses_the_excess_and_counts_it(relay, upstreams):
    upstream = upstreams()
    port = free_port()
    proc = relay(*(forward(port, upstream.port) + ["--max-connections", "3"]))
    held = [connect(port) for dummy in range(3)]
    try:
        for index, sock in enumerate(held):
            sock.sendall(b"%d" % index)
            assert recv_exact(sock, 1) == b"%d" % index
        assert ended_by_relay(port)
        for index, sock in enumerate(held):
            sock.sendall(b"again%d" % index)
            assert recv_exact(sock, 6) == b"again%d" % index
        assert proc.counters()["refused"] == 1
    finally:
        for sock in held:
            sock.close()
    # Once the held connections are gone there is room again (the relay sees the closes
    # asynchronously, so allow a bounded number of attempts).
    pause = threading.Event()
    for dummy in range(int(WAIT * 10)):
        try:
            if echo_once(port, b"room") == b"room":
                break
        except OSError:  # refused (reset) while the relay still counts a closing connection
            pass
        pause.wait(0.1)
    else:
        raise AssertionError("no room after closing the held connections:\n" + proc.log)


def test_upstream_down_closes_promptly_then_serves_when_back(relay, upstreams):
    target = free_port()
    port = free_port()
    proc = relay(*forward(port, target))
    assert ended_by_relay(port, b"anyone?")
    proc.wait_log(r"cannot connect to 127\.0\.0\.1:%d" % target)
    upstreams(port=target)
    assert echo_once(port, b"back again") == b"back again"
    assert proc.counters()["connect_failures"] == 1


def test_connect_timeout_when_upstream_never_answers(relay):
    # A listener whose accept queue is full drops further SYNs, so a connect to it hangs; the
    # relay must give up after connect_timeout instead of leaving its client waiting.
    blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers = []
    try:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(0)
        target = blackhole.getsockname()[1]
        for dummy in range(4):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", target))
            fillers.append(filler)
        port = free_port()
        proc = relay(*(forward(port, target) + ["--connect-timeout", "1"]))
        assert ended_by_relay(port)
        proc.wait_log(r"cannot connect to .*no answer within 1s")
    finally:
        for sock in fillers + [blackhole]:
            sock.close()


def _write_config(path, forwards, **extra):
    data = {"forwards": forwards}
    data.update(extra)
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, str(path))


def test_sighup_reload_keeps_traffic_in_flight(tmp_path, upstreams):
    upstream = upstreams()
    other = upstreams()
    port_a, port_b = free_port(), free_port()
    config = tmp_path / "relay.json"
    _write_config(config, [{"name": "a", "listen": "127.0.0.1:%d" % port_a, "target": "127.0.0.1:%d" % upstream.port}])
    proc = RelayProcess(["--config", str(config)])
    try:
        proc.wait_listening()
        first, second = os.urandom(4 << 20), os.urandom(4 << 20)
        with connect(port_a) as sock:
            sock.sendall(first)
            assert sha(recv_exact(sock, len(first))) == sha(first)
            # Forward a disappears and b appears while this connection is half-way through.
            _write_config(config, [{"name": "b", "listen": "127.0.0.1:%d" % port_b,
                                    "target": "127.0.0.1:%d" % other.port}])
            proc.signal(signal.SIGHUP)
            proc.wait_log(r"configuration reloaded: 1 forward\(s\), 1 open connection\(s\) kept")
            assert echo_once(port_b, b"new forward") == b"new forward"
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port_a), timeout=WAIT).close()
            sock.sendall(second)
            sock.shutdown(socket.SHUT_WR)
            data, reset = recv_all(sock)
            assert (sha(data), reset) == (sha(second), False)
        # A broken file on the next reload changes nothing.
        config.write_text('{"forwards": [{"listen": "127.0.0.1:0", "target": "x"}]}')
        proc.signal(signal.SIGHUP)
        proc.wait_log(r"reload failed, keeping the running configuration: .*port must be an integer")
        assert echo_once(port_b, b"still here") == b"still here"
    finally:
        proc.stop()


def test_sigterm_drains_open_connections_then_exits(relay, upstreams):
    upstream = upstreams()
    port = free_port()
    proc = relay(*(forward(port, upstream.port) + ["--drain-timeout", "120"]))
    first, second = os.urandom(1 << 20), os.urandom(2 << 20)
    with connect(port) as sock:
        sock.sendall(first)
        assert sha(recv_exact(sock, len(first))) == sha(first)
        proc.signal(signal.SIGTERM)
        proc.wait_log(r"stopped accepting; draining 1 open connection")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=WAIT).close()
        assert proc.proc.poll() is None
        sock.sendall(second)
        sock.shutdown(socket.SHUT_WR)
        data, reset = recv_all(sock)
        assert (sha(data), reset) == (sha(second), False)
    assert proc.wait_exit() == 0
    assert "stopped: all connections drained" in proc.log


def test_sigterm_grace_period_ends_stuck_connections(relay, upstreams):
    upstream = upstreams()
    port = free_port()
    proc = relay(*(forward(port, upstream.port) + ["--drain-timeout", "1"]))
    with connect(port) as sock:
        sock.sendall(b"x")
        assert recv_exact(sock, 1) == b"x"
        proc.signal(signal.SIGTERM)
        assert proc.wait_exit() == 0
        assert closed_promptly(sock)
    assert "grace period over, closing 1 connection(s)" in proc.log


BAD_CONFIGS = [
    ('{"forwards": [{"listen": "127.0.0.1:70000", "target": "windows-host:1"}]}',
     "forwards[0].listen: '127.0.0.1:70000': port must be an integer from 1 to 65535"),
    ('{"forwards": [{"listen": "127.0.0.1:{free}", "target": "windows-host:1"}], "idle_timeout": -1}',
     "idle_timeout: -1: must be between"),
    ('{"forwards": [{"listen": "127.0.0.1:{free}", "target": "example.com:1"}]}',
     "forwards[0].target: 'example.com:1': host must be an IPv4 address"),
    ('{"forwards": [{"listen": "127.0.0.1:{free}", "target": "windows-host:1"}', "not valid JSON"),
]


@pytest.mark.parametrize("text, message", BAD_CONFIGS)
def test_bad_config_file_clear_error_nonzero_exit_nothing_started(tmp_path, text, message):
    free = free_port()
    path = tmp_path / "relay.json"
    path.write_text(text.replace("{free}", str(free)))
    for extra in ([], ["--check-config"]):
        result = subprocess.run([RELAY_PYTHON, RELAY, "--config", str(path)] + extra,
                                capture_output=True, text=True, timeout=WAIT, check=False)
        assert result.returncode == 2
        assert message in result.stderr
        assert str(path) in result.stderr
        assert port_is_free(free)


def test_bad_forward_argument_and_non_loopback_refused():
    free = free_port()
    for argv, message in (
            (["--forward", "127.0.0.1:%d" % free], "expected LISTEN_HOST:PORT=TARGET_HOST:PORT"),
            (["--forward", "0.0.0.0:%d=windows-host:1" % free], "not a loopback address"),
            (["--config", "/nonexistent/relay.json"], "cannot read")):
        result = subprocess.run([RELAY_PYTHON, RELAY] + argv, capture_output=True, text=True,
                                timeout=WAIT, check=False)
        assert (result.returncode, message in result.stderr) == (2, True), result.stderr
        assert port_is_free(free)


def test_check_config_accepts_a_good_file(tmp_path):
    path = tmp_path / "relay.json"
    _write_config(path, [{"listen": "127.0.0.1:5432", "target": "windows-host:5432"},
                         {"listen": "[::1]:5432", "target": "windows-host:5432"}], max_connections=8)
    result = subprocess.run([RELAY_PYTHON, RELAY, "--check-config", "--config", str(path)],
                            capture_output=True, text=True, timeout=WAIT, check=False)
    assert (result.returncode, result.stdout) == (0, "configuration OK: 2 forward(s)\n")


def test_one_unbindable_listener_means_none_started(upstreams):
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy, free = taken.getsockname()[1], free_port()
        result = subprocess.run(
            [RELAY_PYTHON, RELAY, "--forward", "127.0.0.1:%d=127.0.0.1:9" % free,
             "--forward", "127.0.0.1:%d=127.0.0.1:9" % busy],
            capture_output=True, text=True, timeout=WAIT, check=False)
        assert result.returncode == 1
        assert "cannot listen on 127.0.0.1:%d" % busy in result.stderr
        assert "nothing started" in result.stderr
        assert port_is_free(free)
    finally:
        taken.close()


def test_counters_and_status_file(relay, upstreams, tmp_path):
    upstream = upstreams()
    port = free_port()
    status = tmp_path / "status.json"
    proc = relay(*(forward(port, upstream.port) + ["--status-file", str(status)]))
    assert echo_once(port, b"12345") == b"12345"
    totals = proc.counters()
    assert (totals["accepted"], totals["bytes_to_target"], totals["bytes_from_target"]) == (1, 5, 5)
    snapshot = json.loads(status.read_text())
    assert snapshot["pid"] == proc.proc.pid
    assert snapshot["totals"]["accepted"] == 1
    assert snapshot["forwards"]["127.0.0.1:%d" % port]["target"] == "127.0.0.1:%d" % upstream.port
    # No per-connection lines by default.
    assert "connection from" not in proc.log
    proc.signal(signal.SIGTERM)
    assert proc.wait_exit() == 0
    assert not status.exists()


def _route_line(address):
    packed = socket.inet_aton(address)
    return "lo\t00000000\t%08X\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" % int.from_bytes(packed, "little")


def test_windows_host_follows_the_default_gateway(tmp_path, upstreams):
    """windows-host is the default gateway; when it moves, the next connection follows it.

    The route table is a file here (the daemon reads /proc/net/route; the runner below points the
    module's ROUTE_FILE at a copy), and the two "Windows hosts" are 127.0.0.2 and 127.0.0.3.
    """
    port = free_port()
    target = free_port("127.0.0.2")
    old_host = upstreams(lambda c, s: c.sendall(b"old host"), host="127.0.0.2", port=target)
    route = tmp_path / "route"
    header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    route.write_text(header + _route_line("127.0.0.2"))
    runner = tmp_path / "run_relay.py"
    runner.write_text(
        "import importlib.machinery, importlib.util, sys\n"
        "loader = importlib.machinery.SourceFileLoader('wslfleet_relay', %r)\n"
        "spec = importlib.util.spec_from_loader('wslfleet_relay', loader)\n"
        "mod = importlib.util.module_from_spec(spec)\n"
        "loader.exec_module(mod)\n"
        "mod.ROUTE_FILE = %r\n"
        "sys.exit(mod.main(sys.argv[1:]))\n" % (RELAY, str(route)))
    proc = subprocess.Popen([RELAY_PYTHON, str(runner), "--forward", "127.0.0.1:%d=windows-host:%d" % (port, target)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    relay_log = []
    try:
        reader = threading.Thread(target=lambda: relay_log.extend(proc.stderr.read().decode().splitlines()))
        reader.start()
        _wait_for_service(port, b"old host")
        # The gateway moves to .3, and the old address stops answering before the relay has
        # had a chance to notice: the connect fails, the relay looks again and retries there.
        old_host.close()
        upstreams(lambda c, s: c.sendall(b"new host"), host="127.0.0.3", port=target)
        route.write_text(header + _route_line("127.0.0.3"))
        with connect(port) as sock:
            data, reset = recv_all(sock)
        assert (data, reset) == (b"new host", False)
    finally:
        proc.kill()
        proc.wait(WAIT)
        reader.join(WAIT)
        proc.stderr.close()
    assert any("windows-host is 127.0.0.3 (was 127.0.0.2)" in line for line in relay_log), relay_log


def _wait_for_service(port, expected):
    last = None
    for dummy in range(int(WAIT * 10)):
        try:
            with connect(port) as sock:
                last = recv_all(sock)[0]
            if last == expected:
                return
        except OSError as exc:
            last = exc
        threading.Event().wait(0.1)
    raise AssertionError("relay never served %r (last: %r)" % (expected, last))


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None,
                    reason="needs root, unshare and ip to give the relay a private network namespace")
def test_non_loopback_listener_is_logged_as_a_warning():
    # In a private network namespace so 0.0.0.0 exposes nothing of this machine.
    script = "ip link set lo up && exec %s %s --allow-non-loopback --forward 0.0.0.0:8080=127.0.0.1:9" % (
        sys.executable if RELAY_PYTHON == sys.executable else RELAY_PYTHON, RELAY)
    proc = subprocess.Popen(["unshare", "--net", "sh", "-c", script], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        line = b""
        for dummy in range(10):
            line += proc.stderr.readline()
            if b"non-loopback" in line or proc.poll() is not None:
                break
        assert b"warning: 0.0.0.0:8080 listens on non-loopback address 0.0.0.0" in line, line
    finally:
        proc.kill()
        proc.wait(WAIT)
        proc.stderr.close()
