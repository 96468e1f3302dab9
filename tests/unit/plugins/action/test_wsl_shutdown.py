# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.action import wsl_shutdown

from _windows_fakes import FakeHost, load, make_action

LIST_Q = ("--list", "--quiet")
RUNNING = ("--list", "--quiet", "--running")
BUSY = ("--distribution", "Ubuntu", "--user", "root", "--exec", "sh", "-c", wsl_shutdown.BUSY_PROBE_SH)


def utf16(*names):
    return "".join(n + "\r\n" for n in names).encode("utf-16-le")


def host(running_sequence, extra=None):
    """running_sequence: what `-l -q --running` shows on each call, in order."""
    fake = FakeHost()
    fake.on("HOST_FACTS_PS1", load("host_facts_win11_23h2.json"))
    tables = []
    first = {LIST_Q: (0, utf16("Ubuntu", "Debian"), b""), RUNNING: (0, utf16(*running_sequence[0]), b"")}
    first.update(extra or {})
    tables.append(first)
    for index, names in enumerate(running_sequence[1:]):
        table = {RUNNING: (0, utf16(*names), b"")}
        table.update(extra or {})
        tables.append(table)
    fake.wsl = tables
    return fake


class FakeClock:
    """Stands in for the time module: sleeping advances the clock, so polling is tested without waiting."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(wsl_shutdown, "time", fake)
    return fake


def run(args, fake, **kw):
    return make_action(wsl_shutdown.ActionModule, args, fake, **kw).run(task_vars={})


def test_terminate_distribution_waits_until_stopped():
    stop = {("--terminate", "Ubuntu"): (0, "The operation completed successfully.\r\n".encode("utf-16-le"), b"")}
    fake = host([["Ubuntu", "Debian"], [], ["Ubuntu", "Debian"], ["Debian"]], extra=stop)
    # call order: listing, terminate, poll (still running), poll (stopped)
    fake.wsl.insert(1, stop)
    fake.wsl[1][RUNNING] = (0, b"", b"")
    del fake.wsl[2]
    result = run({"distribution": "Ubuntu"}, fake)
    assert result["changed"] is True and result["stopped"] is True
    assert result["running_after"] == ["Debian"]
    assert ("--terminate", "Ubuntu") in [tuple(c) for c in fake.wsl_calls()]
    assert [tuple(c) for c in fake.wsl_calls()].count(RUNNING) == 3


def test_vm_shutdown_waits_for_empty_running_list():
    shutdown = {("--shutdown",): (0, b"", b"")}
    fake = host([["Ubuntu"]])
    fake.wsl += [shutdown, {RUNNING: (0, b"", b"")}]
    result = run({}, fake, diff=True)
    assert result["changed"] is True and result["scope"] == "vm"
    assert result["running_after"] == []
    assert result["diff"] == {"before": {"running": ["Ubuntu"]}, "after": {"running": []}}


def test_force_shutdown():
    fake = host([["Ubuntu"]])
    fake.wsl += [{("--shutdown", "--force"): (0, b"", b"")}, {RUNNING: (0, b"", b"")}]
    assert run({"force": True}, fake)["command"] == ["wsl.exe", "--shutdown", "--force"]


def test_nothing_running_changes_nothing():
    fake = host([[]])
    result = run({}, fake)
    assert result["changed"] is False and result["stopped"] is True
    assert not any(c[0] in ("--shutdown", "--terminate") for c in fake.wsl_calls())


def test_stopped_distribution_changes_nothing():
    result = run({"distribution": "Debian"}, host([["Ubuntu"]]))
    assert result["changed"] is False


def test_only_if_idle_leaves_busy_distribution_and_reports_pending():
    fake = host([["Ubuntu"]])
    fake.wsl.append({BUSY: (0, b"412\n977\n", b"")})
    result = run({"distribution": "Ubuntu", "only_if_idle": True}, fake)
    assert result["changed"] is False and result["restart_pending"] is True
    assert result["busy"] == ["Ubuntu"] and result["stopped"] is False


def test_only_if_idle_stops_idle_distribution():
    fake = host([["Ubuntu"]])
    fake.wsl += [{BUSY: (0, b"", b"")}, {("--terminate", "Ubuntu"): (0, b"", b"")}, {RUNNING: (0, b"", b"")}]
    result = run({"distribution": "Ubuntu", "only_if_idle": True}, fake)
    assert result["changed"] is True and result["restart_pending"] is False


def test_check_mode_does_not_stop():
    fake = host([["Ubuntu"]])
    result = run({}, fake, check_mode=True)
    assert result["changed"] is True
    assert len(fake.calls_to("WSL_EXEC_PS1")) == 1


def test_timeout_fails_with_what_still_runs(clock):
    fake = host([["Ubuntu"]])
    fake.wsl += [{("--terminate", "Ubuntu"): (0, b"", b"")}] + [{RUNNING: (0, utf16("Ubuntu"), b"")}] * 50
    result = run({"distribution": "Ubuntu", "timeout": 5}, fake)
    assert result["failed"] is True and "still running" in result["msg"]
    # polls back off from 0.5 s to 2 s and stop at the deadline
    assert clock.sleeps[:3] == [0.5, 1.0, 2.0] and sum(clock.sleeps) == 5


def test_terminate_error_is_reported():
    fake = host([["Ubuntu"]])
    fake.wsl.append({("--terminate", "Ubuntu"): (-1, b"", "Error code: Wsl/Service/E_UNEXPECTED\r\n".encode("utf-16-le"))})
    with pytest.raises(AnsibleActionFail, match="E_UNEXPECTED"):
        run({"distribution": "Ubuntu"}, fake)


def test_unknown_distribution_and_per_user_scope():
    with pytest.raises(AnsibleActionFail, match="'Alpine' is not registered"):
        run({"distribution": "Alpine"}, host([[]]))
    fake = host([[]])
    fake.wsl[0][LIST_Q] = (0, b"", b"")
    with pytest.raises(AnsibleActionFail, match="per Windows user"):
        run({"distribution": "Ubuntu"}, fake)


@pytest.mark.parametrize("args, message", [
    ({"timeout": 0}, "at least 1 second"),
    ({"distribution": "Ubuntu", "force": True}, "whole VM"),
])
def test_bad_input(args, message):
    fake = host([[]])
    with pytest.raises(AnsibleActionFail, match=message):
        run(args, fake)
    assert fake.calls == []


def test_busy_probe_failure_is_an_error_not_a_guess():
    fake = host([["Ubuntu"]])
    fake.wsl.append({BUSY: (1, b"", b"sh: not found\n")})
    with pytest.raises(AnsibleActionFail, match="could not tell whether Ubuntu is in use"):
        run({"distribution": "Ubuntu", "only_if_idle": True}, fake)
