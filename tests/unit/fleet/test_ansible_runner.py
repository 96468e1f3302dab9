# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a playbook through ansible-runner with an AWX-shaped private data directory.

AWX hands ansible-runner a private data dir (project/, inventory/, env/) and reads back the
artifacts (rc, status, job events). This proves the collection's playbooks, its callback and its
configuration work in that shape, not only from an interactive ansible-playbook.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.dirname(sys.executable)

# A small project playbook in check mode + diff, as a drift job template would run it. The rollout
# playbook runs through ansible-runner in the lab (molecule/fleet); this one needs no lab.
SITE = """\
- name: Drift-style job from an AWX project
  hosts: all
  gather_facts: false
  check_mode: true
  diff: true
  tasks:
    - name: Keep systemd on in wsl.conf
      ansible.builtin.lineinfile:
        path: "{{ root }}/{{ inventory_hostname }}.conf"
        regexp: '^systemd\\s*='
        line: systemd = true
        insertafter: '^\\[boot\\]'
"""


def _private_data_dir(tmp_path):
    pdd = tmp_path / "pdd"
    for sub in ("project", "inventory", "env"):
        (pdd / sub).mkdir(parents=True)
    collections = tmp_path / "collections" / "ansible_collections" / "wslfleet"
    collections.mkdir(parents=True)
    (collections / "networking").symlink_to(REPO)
    (pdd / "project" / "site.yml").write_text(SITE)
    return pdd


def _run_runner(pdd, tmp_path, inventory, extravars=None):
    (pdd / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (pdd / "env" / "envvars").write_text(yaml.safe_dump({
        "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "collections"),
        "ANSIBLE_CALLBACKS_ENABLED": "wslfleet.networking.drift_report",
        "WSLFLEET_DRIFT_REPORT_DIR": str(tmp_path / "report"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
    }))
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(extravars or {}))
    (pdd / "env" / "settings").write_text(yaml.safe_dump({"idle_timeout": 300, "job_timeout": 600}))
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", "site.yml",
                           "--ident", "job1"], env=env, capture_output=True, text=True, timeout=600, check=False)
    artifacts = pdd / "artifacts" / "job1"
    events = [json.loads(p.read_text()) for p in sorted((artifacts / "job_events").glob("*.json"))]
    return proc, artifacts, events


def test_runner_job_reports_status_events_and_drift_like_awx(tmp_path):
    pdd = _private_data_dir(tmp_path)
    root = tmp_path / "files"
    root.mkdir()
    (root / "laptop-a.conf").write_text("[boot]\nsystemd = true\n")
    (root / "laptop-b.conf").write_text("[boot]\nsystemd = false\n")
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = {"all": {"vars": {"root": str(root)}, "children": {"wsl_guests": {
        "hosts": {"laptop-a": dict(local), "laptop-b": dict(local)}}}}}
    before = {p.name: p.read_bytes() for p in root.iterdir()}

    proc, artifacts, events = _run_runner(pdd, tmp_path, inventory)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (artifacts / "rc").read_text().strip() == "0"
    assert (artifacts / "status").read_text().strip() == "successful"
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before
    kinds = [e["event"] for e in events]
    assert kinds[0] == "playbook_on_start" and "playbook_on_stats" in kinds
    changed = sorted(e["event_data"]["host"] for e in events
                     if e["event"] == "runner_on_ok" and e["event_data"]["res"].get("changed"))
    assert changed == ["laptop-b"]
    report = json.loads((tmp_path / "report" / "drift-report.json").read_text())
    assert report["hosts"]["laptop-a"]["status"] == "clean"
    assert [(i["setting"], i["expected"], i["actual"]) for i in report["hosts"]["laptop-b"]["drift"]] == [
        (str(root / "laptop-b.conf") + " [boot] systemd", "true", "false")]
