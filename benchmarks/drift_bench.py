#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drift at fleet size: `wslfleet.networking.drift` against a naive equivalent and the floor.

The competitor is what teams write first: one `community.general.ini_file` task per key of
wsl.conf and .wslconfig in check mode, plus `command` tasks for the MTU, the UFW rule and the relay.
The floor is the cheapest thing Ansible can do to every guest: one `ansible -m ansible.builtin.ping`
round trip. All three run in the same lab, one after the other, with the same inventory, forks and
connection; the script prints their wall times, drift/naive (goal <= 0.5), drift/floor (goal <= 2)
and naive/floor at each size, how each grows from the smallest size to the largest, and what the
controller spent: CPU seconds per guest, the peak number of worker processes and the peak
proportional memory (PSS) of the whole controller process tree, of its main process and per worker.
`drift` reads each guest once (guest_info with the baseline); for scale it can also time the other
method, the guest half's own tasks in check mode (`-e wslfleet_baseline_drift_method=tasks`).

    sudo .venv/bin/python benchmarks/drift_bench.py [--sizes 6,24,48] [--repeat 3] [--forks 5]

Not a test: nothing here asserts a time. Needs root (the lab) and `make setup`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from _proc import children, descendants, pss_kib

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


class TreeSampler(threading.Thread):
    """Peak PSS of a process and its descendants, read from /proc while it runs.

    PSS (smaps_rollup) splits pages shared after fork between the processes that share them, so
    the sum over the tree is what the controller really holds; RSS would count them once per worker.
    """

    INTERVAL = 0.05

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.root = pid
        self.stop = threading.Event()
        self.peak_total_kib = 0
        self.peak_main_kib = 0
        self.peak_workers = 0
        self.peak_worker_kib = 0

    @staticmethod
    def _is_worker(pid):
        # Ansible's workers are forks of the main process: same interpreter, same command line.
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                return b"ansible" in handle.read()
        except OSError:
            return False

    def sample(self):
        main = pss_kib(self.root)
        workers = [pid for pid in children(self.root) if self._is_worker(pid)]
        worker_kib = [pss_kib(pid) for pid in workers]
        total = main + sum(pss_kib(pid) for pid in descendants(self.root))
        self.peak_total_kib = max(self.peak_total_kib, total)
        self.peak_main_kib = max(self.peak_main_kib, main)
        self.peak_workers = max(self.peak_workers, len(workers))
        if worker_kib:
            self.peak_worker_kib = max(self.peak_worker_kib, max(worker_kib))

    def run(self):
        while not self.stop.wait(self.INTERVAL):
            self.sample()


def _timed(argv, env):
    """Wall time, controller CPU seconds (the run and every process it reaped) and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - start
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 10):
        raise SystemExit("benchmark run failed (%d): %s\n%s\n%s" % (proc.returncode, " ".join(argv), stdout[-3000:],
                                                                    stderr[-3000:]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": elapsed, "cpu": cpu, "peak_total_mib": sampler.peak_total_kib / 1024.0,
            "peak_main_mib": sampler.peak_main_kib / 1024.0, "peak_workers": sampler.peak_workers,
            "peak_worker_mib": sampler.peak_worker_kib / 1024.0}


def _median_run(runs):
    """The run of median wall time, so its CPU and memory belong to the time printed beside them."""
    return sorted(runs, key=lambda run: run["wall"])[len(runs) // 2]


def measure(size, repeat, work, forks, tasks_method=True):
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
        common = ["-i", inventory, "--forks", str(forks)]
        play = [os.path.join(BIN, "ansible-playbook")] + common
        floor = [os.path.join(BIN, "ansible"), "wsl_guests", "-m", "ansible.builtin.ping"] + common
        # The baseline in place first, and the wsl.conf restarts it leaves pending applied (the
        # lab's stand-in for `wsl --terminate`), so both measure a fleet in line with it.
        _run(play + ["wslfleet.networking.rollout"], env=env)
        for index in range(1, size + 1):
            _run(LAB + ["reboot", lab, "guest%d" % index])
        # The naive playbook and the floor run without the report callback: they have no report,
        # and must not overwrite ours.
        plain_env = dict((k, v) for k, v in env.items() if k != "ANSIBLE_CALLBACKS_ENABLED")
        # One ping first so every measured run finds the same warm caches (SSH control sockets,
        # the controller's page cache).
        _run(floor, env=plain_env)
        runs = {"drift": [], "naive": [], "floor": [], "tasks": []}
        for _ in range(repeat):
            runs["floor"].append(_timed(floor, plain_env))
            runs["drift"].append(_timed(play + ["wslfleet.networking.drift"], env))
            runs["naive"].append(_timed(play + ["--check", "--diff", naive], plain_env))
        with open(os.path.join(work, lab, "report", "drift-report.json")) as handle:
            summary = json.load(handle)["summary"]
        for _ in range(repeat if tasks_method else 0):
            runs["tasks"].append(_timed(play + ["wslfleet.networking.drift", "-e",
                                                "wslfleet_baseline_drift_method=tasks"], env))
        result = dict((name, _median_run(values)) for name, values in runs.items() if values)
        result["summary"] = summary
        return result
    finally:
        _run(LAB + ["destroy", lab], check=False)


def report_size(size, result):
    drift, naive, floor = result["drift"], result["naive"], result["floor"]
    summary = result["summary"]
    lines = ["%2d guests: drift %6.1f s   naive %6.1f s   floor (ping) %6.1f s   drift/naive %.2f   "
             "drift/floor %.2f   naive/floor %.2f   (report: %d clean, %d drifted)"
             % (size, drift["wall"], naive["wall"], floor["wall"], drift["wall"] / naive["wall"],
                drift["wall"] / floor["wall"], naive["wall"] / floor["wall"], summary["clean"], summary["drifted"])]
    if "tasks" in result:
        lines.append("           tasks method %6.1f s, drift/naive %.2f" % (
            result["tasks"]["wall"], result["tasks"]["wall"] / naive["wall"]))
    for name in ("drift", "naive", "floor"):
        run = result[name]
        lines.append("           %-5s controller CPU %.2f s per guest; peak %d workers, %.0f MiB PSS in all "
                     "(main process %.0f MiB, largest worker %.0f MiB)"
                     % (name, run["cpu"] / size, run["peak_workers"], run["peak_total_mib"], run["peak_main_mib"],
                        run["peak_worker_mib"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6,24,48", help="guest counts, comma separated (default 6,24,48)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and tool; the median counts")
    parser.add_argument("--forks", type=int, default=5,
                        help="forks for every run, ours, the naive one and the floor (default 5, Ansible's own)")
    parser.add_argument("--tasks-method", action="store_true",
                        help="also time drift with wslfleet_baseline_drift_method=tasks (slow at fleet size)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if os.geteuid() != 0:
        raise SystemExit("drift_bench: the lab needs root")
    work = tempfile.mkdtemp(prefix="wslfleet-drift-bench-")
    results = {}
    print("forks %d, repeat %d (medians)" % (args.forks, args.repeat))
    try:
        for size in sizes:
            results[size] = measure(size, args.repeat, work, args.forks, args.tasks_method)
            print(report_size(size, results[size]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if len(sizes) >= 2:
        first, last = sizes[0], sizes[-1]
        print("growth %d -> %d guests (hosts x%.1f): drift x%.2f, naive x%.2f, floor x%.2f" % (
            first, last, last / first, *(results[last][name]["wall"] / results[first][name]["wall"]
                                         for name in ("drift", "naive", "floor"))))
    print("goals: drift/naive <= 0.5, drift/floor <= 2 at every size")


if __name__ == "__main__":
    main()
