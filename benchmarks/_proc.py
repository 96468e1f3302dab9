# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the benchmarks read of a running process from /proc; a process that is gone reads as 0."""

from __future__ import annotations


def _field_kib(path, field):
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def status_kib(pid, field):
    """A kB field of /proc/PID/status, such as VmRSS."""
    return _field_kib("/proc/%d/status" % pid, field)


def pss_kib(pid):
    """Proportional set size: pages shared after fork are split between their sharers, not counted
    once per process, so a sum over a process tree is what the tree really holds."""
    return _field_kib("/proc/%d/smaps_rollup" % pid, "Pss")


def children(pid):
    """The direct children of a process (forked from its main thread, as Ansible's workers are)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid), encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def descendants(pid):
    """Every process below pid, children before their own children."""
    found, todo = [], children(pid)
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo.extend(children(child))
    return found
