# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end: ansible-playbook with the drift_report callback, local connection, temp files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.dirname(sys.executable)

BASELINE = "[boot]\nsystemd = true\n\n[network]\ngenerateResolvConf = false\n"
DRIFTED = "# keep this comment\n[boot]\nsystemd = false\n\n[network]\ngenerateResolvConf = false\n"

PLAYBOOK = textwrap.dedent("""\
    - name: Baseline-like play on local hosts
      hosts: all
      gather_facts: false
      tasks:
        - name: Read the pretend effective mode
          ansible.builtin.slurp:
            path: "{{ root }}/{{ inventory_hostname }}/mode"
          register: mode
          tags: [wslfleet_drift_ignore]
        - name: Set systemd in wsl.conf
          ansible.builtin.lineinfile:
            path: "{{ root }}/{{ inventory_hostname }}/wsl.conf"
            regexp: '^systemd\\s*='
            line: systemd = true
            insertafter: '^\\[boot\\]'
        - name: Pin the resolver file
          ansible.builtin.copy:
            content: "nameserver 10.255.255.254\\n"
            dest: "{{ root }}/{{ inventory_hostname }}/resolv.conf"
            mode: "0644"
        - name: Publish effective-state drift
          ansible.builtin.set_fact:
            wslfleet_drift: "{{ [{'setting': 'networking mode', 'expected': 'mirrored', 'actual': actual}]
                                if actual != 'mirrored' else [] }}"
          vars:
            actual: "{{ mode.content | b64decode | trim }}"
    """)


@pytest.fixture
def lab(tmp_path):
    collections = tmp_path / "collections" / "ansible_collections" / "wslfleet"
    collections.mkdir(parents=True)
    (collections / "networking").symlink_to(REPO)
    files = tmp_path / "hosts"
    for host, wsl_conf, resolv, mode in (("clean", BASELINE, "nameserver 10.255.255.254\n", "mirrored"),
                                         ("drifted", DRIFTED, "nameserver 1.1.1.1\n", "nat")):
        (files / host).mkdir(parents=True)
        (files / host / "wsl.conf").write_text(wsl_conf)
        (files / host / "resolv.conf").write_text(resolv)
        os.chmod(files / host / "resolv.conf", 0o644)
        (files / host / "mode").write_text(mode + "\n")
    # An ssh "client" that fails the way a dead host does (exit 255), without any network traffic.
    fake_ssh = tmp_path / "dead-ssh"
    fake_ssh.write_text("#!/bin/sh\necho 'ssh: connect to host down port 22: No route to host' >&2\nexit 255\n")
    fake_ssh.chmod(0o755)
    inventory = {
        "all": {"vars": {"root": str(files)}, "hosts": {
            "clean": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
            "drifted": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
            "down": {"ansible_connection": "ssh", "ansible_host": "down.invalid",
                     "ansible_ssh_executable": str(fake_ssh)},
        }}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    return tmp_path


def _run(lab, *args, **env_extra):
    proc = _playbook(lab, str(lab / "play.yml"), *args, **env_extra)
    report = json.loads((lab / "report" / "drift-report.json").read_text())
    return proc, report


def _playbook(lab, playbook, *args, **env_extra):
    env = dict(os.environ)
    env.pop("WSLFLEET_DRIFT_REPORT_RUN", None)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(lab / "collections"),
        "ANSIBLE_CALLBACKS_ENABLED": "wslfleet.networking.drift_report",
        "WSLFLEET_DRIFT_REPORT_DIR": str(lab / "report"),
        "ANSIBLE_LOCAL_TEMP": str(lab / "ansible-tmp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    env.update(env_extra)
    env = dict((k, v) for k, v in env.items() if v is not None)
    return subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", str(lab / "inventory.json"),
                           playbook] + list(args),
                          env=env, cwd=str(lab), capture_output=True, text=True, timeout=300, check=False)


def _snapshot(lab):
    return {str(p.relative_to(lab)): p.read_bytes() for p in (lab / "hosts").rglob("*") if p.is_file()}


def test_check_mode_run_reports_exactly_the_drift_and_changes_nothing(lab):
    before = _snapshot(lab)
    proc, report = _run(lab, "--check", "--diff")
    assert _snapshot(lab) == before, "a drift run must not change any file"
    assert proc.returncode == 4, proc.stdout + proc.stderr  # the unreachable host
    hosts = report["hosts"]
    assert hosts["clean"]["status"] == "clean" and hosts["clean"]["drift"] == []
    assert hosts["down"]["status"] == "unreachable"
    assert "No route to host" in hosts["down"]["unreachable"]["msg"]
    root = str(lab / "hosts" / "drifted")
    assert sorted((i["setting"], i["expected"], i["actual"], i["category"]) for i in hosts["drifted"]["drift"]) == [
        (root + "/resolv.conf", "nameserver 10.255.255.254", "nameserver 1.1.1.1", "setting"),
        (root + "/wsl.conf [boot] systemd", "true", "false", "setting"),
        ("networking mode", "mirrored", "nat", "effective"),
    ]
    assert report["check_mode"] is True
    assert "DRIFT REPORT: 3 host(s): 1 clean, 1 drifted, 0 waiting for a restart, 1 unreachable" in proc.stdout
    markdown = (lab / "report" / "drift-report.md").read_text()
    assert "### drifted" in markdown and "### down" in markdown
    assert (lab / "report" / "drift-report.xml").read_text().count("<failure") == 1


def test_fail_on_drift_then_repair_then_clean(lab):
    proc, report = _run(lab, "--check", "--diff", "--limit", "clean,drifted", WSLFLEET_DRIFT_FAIL_ON_DRIFT="true")
    assert proc.returncode == 10, proc.stdout + proc.stderr
    assert report["summary"]["drifted"] == 1

    (lab / "hosts" / "drifted" / "mode").write_text("mirrored\n")
    proc, report = _run(lab, "--diff", "--limit", "clean,drifted")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["hosts"]["drifted"]["status"] == "clean"
    assert len(report["hosts"]["drifted"]["changed"]) == 2
    assert (lab / "hosts" / "drifted" / "wsl.conf").read_text().startswith("# keep this comment\n[boot]\nsystemd = true\n")

    proc, report = _run(lab, "--check", "--diff", "--limit", "clean,drifted", WSLFLEET_DRIFT_FAIL_ON_DRIFT="true")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["summary"] == {"hosts": 2, "clean": 2, "drifted": 0, "restart_pending": 0, "unreachable": 0,
                                 "failed": 0, "items": 0, "restarts": 0}


# Failing closed: each way the report could go missing ends the run non-zero, naming the cause.

def test_an_unknown_format_stops_the_run_before_any_host_and_removes_the_old_report(lab):
    proc, first = _run(lab, "--check", "--diff", "--limit", "clean,drifted")
    assert first["summary"]["drifted"] == 1
    before = _snapshot(lab)
    proc = _playbook(lab, str(lab / "play.yml"), "--check", "--diff", "--limit", "clean,drifted",
                     WSLFLEET_DRIFT_REPORT_FORMATS="json,yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _squash("drift_report: formats: 'yaml' is not a report format") in _squash(proc.stderr)
    assert "TASK [" not in proc.stdout, "no host may be contacted"
    assert list((lab / "report").iterdir()) == [], "the earlier run's report must not be left looking current"
    assert _snapshot(lab) == before


def test_xml_and_junit_name_the_same_report(lab):
    for name in ("xml", "junit"):
        proc, _report = _run(lab, "--check", "--limit", "clean", WSLFLEET_DRIFT_REPORT_FORMATS="json," + name)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert sorted(p.name for p in (lab / "report").iterdir()) == ["drift-report.json", "drift-report.xml"]


def _squash(text):
    # ansible-core before 2.19 wraps error messages at 80 columns, also inside paths at '-'.
    return "".join(text.split())


@pytest.mark.parametrize("where, cause", [("blocker", "exists and is not a directory"),
                                          ("blocker/reports", "cannot be created: Not a directory")])
def test_an_output_dir_that_cannot_be_made_stops_the_run(lab, where, cause):
    (lab / "blocker").write_text("a file where the folder should be\n")
    proc = _playbook(lab, str(lab / "play.yml"), "--check", "--limit", "clean,drifted",
                     WSLFLEET_DRIFT_REPORT_DIR=str(lab / where), WSLFLEET_DRIFT_FAIL_ON_DRIFT="true")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _squash("drift_report: output_dir %s %s" % (lab / where, cause)) in _squash(proc.stderr)
    assert "TASK [" not in proc.stdout


def _fleet_inventory(lab):
    hosts = {"clean": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
             "drifted": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}
    (lab / "fleet.json").write_text(json.dumps({"all": {"children": {"wsl_guests": {"hosts": hosts}}}}))
    return str(lab / "fleet.json")


@pytest.mark.parametrize("enabled, cause", [
    (None, "callback is not enabled"),
    # Listed but not loadable: the collection is not on the path this run searches.
    ("wslfleet.networking.drift_report", "callback is enabled but did not load"),
])
def test_the_drift_playbook_refuses_to_run_without_its_report(lab, enabled, cause):
    # An announcement inherited from an outer run (ansible-playbook run by a task) must not count.
    env = {"ANSIBLE_CALLBACKS_ENABLED": enabled, "WSLFLEET_DRIFT_REPORT_RUN": None if enabled else "outer-run"}
    playbook = os.path.join(REPO, "playbooks", "drift.yml")
    if enabled:
        # A collection tree with this playbook but no callback plugin: loading it fails.
        broken = lab / "broken" / "ansible_collections" / "wslfleet" / "networking"
        (broken / "playbooks").mkdir(parents=True)
        (broken / "playbooks" / "drift.yml").write_text(open(playbook).read())
        (broken / "roles").symlink_to(os.path.join(REPO, "roles"))
        env["ANSIBLE_COLLECTIONS_PATH"] = str(lab / "broken")
        playbook = str(broken / "playbooks" / "drift.yml")
    proc = _playbook(lab, playbook, "-i", _fleet_inventory(lab), **env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert _squash(cause) in _squash(proc.stdout + proc.stderr)
    assert "ANSIBLE_CALLBACKS_ENABLED=wslfleet.networking.drift_report" in _squash(proc.stdout + proc.stderr)
    assert "TASK [Check against the baseline]" not in proc.stdout
    # The refusal (run once) ends the play for every host: none of them goes on to be checked.
    assert re.search(r"^clean\s+: ok=0 .* failed=1 ", proc.stdout, re.M), proc.stdout
    assert not re.search(r"^drifted\s+: ok=[1-9]", proc.stdout, re.M), proc.stdout
