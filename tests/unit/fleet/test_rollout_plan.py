# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The baseline role's `plan` entry point drives real `serial` batches of whole laptops."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.dirname(sys.executable)

# The same plays the rollout playbook uses around the baseline role; the role itself is replaced
# by a task that records each batch, so the plan is proven without a lab.
PLAYBOOK = """\
- name: Plan
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Plan the batches
      ansible.builtin.include_role:
        name: wslfleet.networking.baseline
        tasks_from: plan
      vars:
        wslfleet_plan_hosts: "{{ scope.split(',') }}"

- name: Batches
  hosts: wslfleet_rollout_ordered
  order: inventory
  gather_facts: false
  serial: "{{ hostvars['wslfleet-rollout-plan'].wslfleet_rollout_serial }}"
  max_fail_percentage: "{{ hostvars['wslfleet-rollout-plan'].wslfleet_rollout_max_fail_percentage }}"
  tasks:
    - name: Record the batch
      ansible.builtin.lineinfile:
        path: "{{ out }}"
        line: "{{ hostvars['wslfleet-rollout-plan'].wslfleet_rollout_batch_of[ansible_play_batch[0]] }} {{ ansible_play_batch | join(',') }}"
        create: true
        mode: "0600"
      delegate_to: localhost
      run_once: true
    - name: Fail where asked
      ansible.builtin.fail:
        msg: planted failure
      when: inventory_hostname in fail_hosts.split(',')
"""


def _inventory():
    guests = {
        "g1a": "lap1", "g2a": "lap2", "g1b": "lap1", "lab-1": "lab-win", "lab-2": "lab-win",
        "solo-1": "solo-win-1", "solo-2": "solo-win-2", "solo-3": "solo-win-3", "solo-4": "solo-win-4",
    }
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    return {"all": {"vars": local, "children": {
        "wsl_hosts": {"hosts": {"lap1": {}, "lap2": {}, "lap3": {}}},
        "wsl_guests": {"hosts": {g: {"wslfleet_windows_host": laptop, "wslfleet_distribution": "Debian"}
                                 for g, laptop in guests.items()}},
    }}}


def _run(tmp_path, scope, fail_hosts="", extra=None):
    collections = tmp_path / "collections" / "ansible_collections" / "wslfleet"
    collections.mkdir(parents=True, exist_ok=True)
    if not (collections / "networking").exists():
        (collections / "networking").symlink_to(REPO)
    (tmp_path / "inventory.json").write_text(json.dumps(_inventory()))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    out = tmp_path / "batches.txt"
    if out.exists():
        out.unlink()
    extra_vars = {"scope": ",".join(scope), "out": str(out), "fail_hosts": fail_hosts}
    extra_vars.update(extra or {})
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_RETRY_FILES_ENABLED="false",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "inventory.json"),
                           str(tmp_path / "play.yml"), "-e", json.dumps(extra_vars)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    batches = out.read_text().splitlines() if out.exists() else []
    return proc, [(int(line.split()[0]), line.split()[1].split(",")) for line in batches]


ALL = ["lap1", "lap2", "lap3", "g1a", "g2a", "g1b", "lab-1", "lab-2", "solo-1", "solo-2", "solo-3", "solo-4"]


def test_canary_then_growing_batches_of_whole_laptops(tmp_path):
    proc, batches = _run(tmp_path, ALL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert batches == [
        (1, ["lap1", "g1a", "g1b"]),                      # canary: one laptop with both guests
        (2, ["lap2", "g2a", "lap3"]),                     # two laptops
        (3, ["lab-1", "lab-2", "solo-1", "solo-2", "solo-3"]),  # four laptops (lab-win has two guests)
        (4, ["solo-4"]),
    ]
    assert "batch 1 (canary): lap1" in proc.stdout


def test_scope_limits_plan_and_orphan_guests_of_one_laptop_stay_together(tmp_path):
    proc, batches = _run(tmp_path, ["lab-2", "solo-1", "lab-1"], extra={"wslfleet_rollout_growth": 1})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert batches == [(1, ["lab-1", "lab-2"]), (2, ["solo-1"])]


def test_failing_canary_stops_before_the_next_batch(tmp_path):
    proc, batches = _run(tmp_path, ALL, fail_hosts="g1a")
    assert proc.returncode != 0
    assert batches == [(1, ["lap1", "g1a", "g1b"])]
    assert "NO MORE HOSTS LEFT" in proc.stdout


@pytest.mark.parametrize("bad, message", [
    ({"wslfleet_rollout_canary": 0}, "wslfleet_rollout_canary=0 must be >= 1"),
    ({"wslfleet_rollout_max_fail_percentage": 101}, "wslfleet_rollout_max_fail_percentage=101 within 0..100"),
])
def test_bad_batch_settings_are_refused_before_anything_runs(tmp_path, bad, message):
    proc, batches = _run(tmp_path, ALL, extra=bad)
    assert proc.returncode != 0
    assert batches == []
    assert message in " ".join((proc.stdout + proc.stderr).split())
