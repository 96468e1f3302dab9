# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""benchmarks/_proc.py against a real process tree this test starts: the benchmarks' memory and
worker figures are only as true as what it reads from /proc."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("bench_proc", REPO / "benchmarks" / "_proc.py")
bench_proc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_proc)

# A direct child (the second sleep) and a grandchild: the subshell runs two commands, so it forks
# its sleep instead of exec'ing it.
TREE = "(sleep 60; :) & sleep 60 & wait"


def _cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as handle:
        return handle.read().split(b"\0")[0]


@pytest.fixture
def tree():
    shell = subprocess.Popen(["sh", "-c", TREE])
    started = []
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            started = bench_proc.descendants(shell.pid)
            if sum(1 for pid in started if _cmdline(pid) == b"sleep") == 2:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the shell did not start its two sleeps: %r" % started)
        yield shell, started
    finally:
        for pid in started:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        shell.kill()
        shell.wait(10)


def test_descendants_reach_grandchildren_and_children_only_the_first_level(tree):
    shell, found = tree
    direct = bench_proc.children(shell.pid)
    assert len(direct) == 2 and set(direct) < set(found)
    assert len(found) == 3
    grandchild = (set(found) - set(direct)).pop()
    assert _cmdline(grandchild) == b"sleep"
    assert bench_proc.children(grandchild) == []


def test_memory_of_a_live_process_is_read(tree):
    shell, _found = tree
    assert bench_proc.pss_kib(shell.pid) > 0
    assert bench_proc.status_kib(shell.pid, "VmRSS") >= bench_proc.pss_kib(shell.pid)


def test_a_process_that_is_gone_reads_as_nothing():
    proc = subprocess.Popen(["true"])
    proc.wait(10)
    assert bench_proc.pss_kib(proc.pid) == 0
    assert bench_proc.status_kib(proc.pid, "VmRSS") == 0
    assert bench_proc.children(proc.pid) == []
    assert bench_proc.descendants(proc.pid) == []
