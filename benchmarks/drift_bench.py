#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drift run over 6 and 12 lab guests: `wslfleet.networking.drift` against a naive equivalent.

The competitor is what teams write first: one `community.general.ini_file` task per key of
wsl.conf and .wslconfig in check mode, plus `command` tasks for the MTU, the UFW rule and the relay.
Both run in the same lab, in the same way (same forks, same connection), one after the other; the
script prints both wall times, the ratio (goal <= 0.5) and how each grows from 6 to 12 guests.
`drift` reads each guest once (guest_info with the baseline); for scale it also times the other
method, the guest half's own tasks in check mode (`-e wslfleet_baseline_drift_method=tasks`).

    sudo .venv/bin/python benchmarks/drift_bench.py [--sizes 6,12] [--repeat 3]

Not a test: nothing here asserts a time. Needs root (the lab) and `make setup`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.join(REPO, ".venv", "bin")
LAB = [sys.executable, os.path.join(REPO, "lab", "wslfleet_lab.py")]
FLEET_VARS = os.path.join(REPO, "molecule", "fleet", "files", "fleet_vars.yml")

NAIVE = """\
- name: Naive drift check, one task per key
  hosts: wsl_guests
  gather_facts: false
  vars:
    wslconfig: /mnt/c/Users/{{ wslfleet_windows_user }}/.wslconfig
  tasks:
    - {name: wsl.conf boot.systemd, community.general.ini_file: {path: /etc/wsl.conf, section: boot, option: systemd, value: "true", mode: "0644"}}
    - {name: .wslconfig networkingMode, community.general.ini_file: {path: "{{ wslconfig }}", section: wsl2, option: networkingMode, value: nat, mode: "0644"}}
    - {name: .wslconfig dnsTunneling, community.general.ini_file: {path: "{{ wslconfig }}", section: wsl2, option: dnsTunneling, value: "true", mode: "0644"}}
    - {name: .wslconfig firewall, community.general.ini_file: {path: "{{ wslconfig }}", section: wsl2, option: firewall, value: "true", mode: "0644"}}
    - {name: .wslconfig autoProxy, community.general.ini_file: {path: "{{ wslconfig }}", section: wsl2, option: autoProxy, value: "true", mode: "0644"}}
    - name: MTU of eth0
      ansible.builtin.command: cat /sys/class/net/eth0/mtu
      register: mtu
      changed_when: mtu.stdout != (wslfleet_mtu | string)
      check_mode: false
    - name: UFW allows 8080/tcp
      ansible.builtin.command: ufw status
      register: ufw
      changed_when: ufw.stdout is not search('8080/tcp +ALLOW')
      check_mode: false
    - name: Relay running
      ansible.builtin.command: systemctl is-active wslfleet-relay.service
      register: relay
      changed_when: relay.stdout != 'active'
      failed_when: false
      check_mode: false
"""


def _run(argv, env=None, check=True):
    return subprocess.run(argv, env=env, check=check, capture_output=True, text=True)


def _env(report_dir):
    env = dict(os.environ)
    env.update({"ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, "build", "collections"),
                "ANSIBLE_CALLBACKS_ENABLED": "wslfleet.networking.drift_report",
                "WSLFLEET_DRIFT_REPORT_DIR": report_dir, "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_RETRY_FILES_ENABLED": "false"})
    return env


def _timed(argv, env):
    start = time.monotonic()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 10):
        raise SystemExit("benchmark run failed (%d): %s\n%s\n%s" % (proc.returncode, " ".join(argv), proc.stdout[-3000:],
                                                                    proc.stderr[-3000:]))
    return elapsed


def measure(size, repeat, work, tasks_method=True):
    lab = "bench%d" % size
    inventory = os.path.join(work, lab, "inventory")
    os.makedirs(inventory)
    shutil.copy(FLEET_VARS, os.path.join(inventory, "fleet_vars.yml"))
    naive = os.path.join(work, lab, "naive.yml")
    with open(naive, "w") as handle:
        handle.write(NAIVE)
    env = _env(os.path.join(work, lab, "report"))
    try:
        _run(LAB + ["create", lab, "--hosts", str(size), "--topology", "nat",
                    "--inventory-link", os.path.join(inventory, "lab.yml")])
        play = [os.path.join(BIN, "ansible-playbook"), "-i", inventory]
        # The baseline in place first, and the wsl.conf restarts it leaves pending applied (the
        # lab's stand-in for `wsl --terminate`), so both measure a fleet in line with it.
        _run(play + ["wslfleet.networking.rollout"], env=env)
        for index in range(1, size + 1):
            _run(LAB + ["reboot", lab, "guest%d" % index])
        # The naive playbook runs without the report callback: it has no report, and must not
        # overwrite ours.
        naive_env = dict((k, v) for k, v in env.items() if k != "ANSIBLE_CALLBACKS_ENABLED")
        ours, theirs, tasks = [], [], []
        for _ in range(repeat):
            ours.append(_timed(play + ["wslfleet.networking.drift"], env))
            theirs.append(_timed(play + ["--check", "--diff", naive], naive_env))
        with open(os.path.join(work, lab, "report", "drift-report.json")) as handle:
            summary = json.load(handle)["summary"]
        for _ in range(repeat if tasks_method else 0):
            tasks.append(_timed(play + ["wslfleet.networking.drift", "-e", "wslfleet_baseline_drift_method=tasks"],
                                env))
        return statistics.median(ours), statistics.median(theirs), summary, statistics.median(tasks) if tasks else None
    finally:
        _run(LAB + ["destroy", lab], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6,12", help="guest counts, comma separated (default 6,12)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and tool; the median counts")
    parser.add_argument("--skip-tasks-method", action="store_true",
                        help="do not also time drift with wslfleet_baseline_drift_method=tasks")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = tempfile.mkdtemp(prefix="wslfleet-drift-bench-")
    results = {}
    try:
        for size in sizes:
            results[size] = measure(size, args.repeat, work, not args.skip_tasks_method)
            ours, theirs, summary, tasks = results[size]
            print("%2d guests: wslfleet.networking.drift %6.1f s   naive ini_file+command %6.1f s   ratio %.2f"
                  "   (report: %d clean, %d drifted%s)"
                  % (size, ours, theirs, ours / theirs, summary["clean"], summary["drifted"],
                     "; tasks method %.1f s, ratio %.2f" % (tasks, tasks / theirs) if tasks else ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if len(sizes) >= 2:
        first, last = sizes[0], sizes[-1]
        print("growth %d -> %d guests: drift x%.2f, naive x%.2f (hosts x%.1f)" % (
            first, last, results[last][0] / results[first][0], results[last][1] / results[first][1], last / first))
    print("goal: ratio <= 0.5")


if __name__ == "__main__":
    main()
